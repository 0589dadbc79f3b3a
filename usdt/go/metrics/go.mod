module novacron/backend/core/network/dwcp/metrics

go 1.19
