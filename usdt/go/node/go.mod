module dwcp-bpf/usdt/go/node

go 1.19

require novacron/backend/core/network/dwcp/metrics v0.0.0

replace novacron/backend/core/network/dwcp/metrics => ../metrics
