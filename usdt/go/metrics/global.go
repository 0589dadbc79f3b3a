// SPDX-License-Identifier: Apache-2.0

package metrics

// global.go: the process-wide entry points of the seed's API:
// InitializeMetrics, ShutdownMetrics, the global Collector and Exporter, and
// the Record* helpers that use them.

import (
	"sync"
	"sync/atomic"
)

// Exporter is what InitializeMetrics starts. In the seed it is an HTTP
// server; here the metrics are served by dwcp-bpf-exporter from the probes,
// and the Exporter is the goroutine that fires the level probes again when
// a tracer attaches (every 250 ms it looks at their semaphores: a few loads).
type Exporter struct {
	port int
}

// global holds what InitializeMetrics made. The pointers are atomic so that
// the Record* helpers, which look the Collector up on every call, take no
// lock; mu orders InitializeMetrics and ShutdownMetrics.
var global struct {
	mu        sync.Mutex
	collector atomic.Pointer[Collector]
	exporter  atomic.Pointer[Exporter]
}

// InitializeMetrics creates the process's Collector and starts the
// Exporter. cluster and node are not used for labels: dwcp-bpf-exporter's
// --cluster and --node flags set them. port is not used: nothing in the DWCP
// process listens, dwcp-bpf-exporter serves /metrics (default port 9477).
// A second call while initialized keeps the first Collector and returns
// nil. It never fails; the error is the seed's signature.
func InitializeMetrics(cluster, node string, port int) error {
	global.mu.Lock()
	defer global.mu.Unlock()
	if global.collector.Load() != nil {
		return nil
	}
	global.collector.Store(NewCollector(cluster, node))
	global.exporter.Store(&Exporter{port: port})
	announcer.ensure()
	return nil
}

// ShutdownMetrics stops the Exporter's goroutine; GetCollector and
// GetExporter return nil afterwards, and InitializeMetrics may be called
// again. Wrappers made earlier keep their Collector, whose probes still
// fire. It returns nil, also when not initialized.
func ShutdownMetrics() error {
	global.mu.Lock()
	defer global.mu.Unlock()
	global.collector.Store(nil)
	global.exporter.Store(nil)
	announcer.shutdown()
	return nil
}

// GetCollector returns the Collector of InitializeMetrics, or nil before it
// (and after ShutdownMetrics).
func GetCollector() *Collector { return global.collector.Load() }

// GetExporter returns the Exporter of InitializeMetrics, or nil before it.
func GetExporter() *Exporter { return global.exporter.Load() }

// SetVersionInfo sets the running build (level probe version); served as
// dwcp_system_version_info{version, git_commit, build_date}. cluster is not
// used (the exporter's --cluster flag sets it). Before InitializeMetrics it
// does nothing.
func SetVersionInfo(cluster, version, gitCommit, buildDate string) {
	if GetCollector() == nil {
		return
	}
	levels.setVersion(version, gitCommit, buildDate)
}

// RecordStreamMetrics records an error of the stream if errorType is not
// empty, else its bytes sent and received.
func RecordStreamMetrics(streamID string, bytesSent, bytesReceived int64, errorType string) {
	c := GetCollector()
	if c == nil {
		return
	}
	if errorType != "" {
		c.RecordStreamError(streamID, errorType)
		return
	}
	c.RecordStreamData(streamID, bytesSent, bytesReceived)
}

// RecordCompressionMetrics calls RecordCompressionOperation on the global
// Collector.
func RecordCompressionMetrics(dataType string, originalSize, compressedSize int64, deltaHit bool) {
	GetCollector().RecordCompressionOperation(dataType, originalSize, compressedSize, deltaHit)
}

// RecordComponentHealth sets a component healthy, or down when healthy is
// false, on the global Collector.
func RecordComponentHealth(component string, healthy bool) {
	status := HealthDown
	if healthy {
		status = HealthHealthy
	}
	GetCollector().UpdateComponentHealth(component, status)
}

// ProbesAttached returns how many of the package's dwcp probes have a tracer
// attached in this process, and how many there are. Not in the seed's API:
// a program can wait for dwcp-bpf-exporter, or report whether it is traced.
func ProbesAttached() (attached, total int) {
	for _, s := range allSemaphores {
		if *s != 0 {
			attached++
		}
	}
	return attached, len(allSemaphores)
}
