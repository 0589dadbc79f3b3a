// SPDX-License-Identifier: Apache-2.0

// Package metrics is the DWCP metrics API of the seed package
// novacron/backend/core/network/dwcp/metrics, with the same exported names,
// signatures and behaviour as a caller sees them, implemented on USDT
// probes: every call fires the matching probe of the dwcp provider
// (dwcp.d), and dwcp-bpf-exporter aggregates them in the kernel and serves
// the seed's Prometheus metric families. Nothing in the DWCP process
// serves HTTP or holds metric values.
//
// # Using it
//
// Replace the seed's package with this folder (copied into the DWCP tree
// without its go.mod, or through a go.mod replace directive); no call site
// changes. Then run
//
//	dwcp-bpf-exporter --binary /usr/bin/dwcp-node --cluster prod-eu --node node-01
//
// InitializeMetrics' cluster and node do not label anything: the
// exporter's --cluster and --node flags do. Its port is not used.
//
// README.md in this folder is the reference: swapping the package, the
// build rules (cgo required, external linking, Go 1.19 and 1.24 tested),
// what each call does and what it costs.
//
// # Cost
//
// While no tracer is attached a call costs a load and a branch: each
// probe's USDT semaphore is read in Go. Traced, on amd64, the call copies
// its strings onto the goroutine's stack and runs the probe's C site from
// Go assembly, without a cgo transition; other architectures cross cgo
// once. Calls that keep state DWCP code reads back (the active-stream set,
// the delta hit counters) and the level setters also take a mutex or an
// atomic add.
//
// # Level state
//
// Level probes describe state. The package remembers the last value of each
// and a goroutine (the Exporter, started by InitializeMetrics or by the
// first level set) looks at their semaphores every 250 ms: when a tracer
// attaches it fires them all again, and once a second while one is
// attached, so an exporter started long after DWCP has every gauge right
// within about a second.
//
// # Build rules
//
// The package needs cgo, gcc and sys/sdt.h (Debian: systemtap-sdt-dev);
// with CGO_ENABLED=0 the build stops, naming the reason. Go must link
// externally, as it does by default for cgo: -ldflags=-linkmode=internal
// is refused at build time. -ldflags="-s -w" and -buildmode=pie keep the
// probes. Check a binary with readelf -n BINARY | grep -c 'Provider: dwcp'.
package metrics
