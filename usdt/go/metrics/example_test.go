// SPDX-License-Identifier: Apache-2.0

package metrics_test

import (
	"fmt"
	"log"
	"time"

	"novacron/backend/core/network/dwcp/metrics"
)

// The seed's Quick Start, unchanged: every call fires a dwcp probe, and
// dwcp-bpf-exporter --binary /path/to/this/binary serves the metrics.
func Example() {
	if err := metrics.InitializeMetrics("cluster-1", "node-01", 9090); err != nil {
		log.Fatal(err)
	}
	defer metrics.ShutdownMetrics()
	metrics.SetVersionInfo("cluster-1", "1.0.0", "abc123", "2025-11-08")

	amst := metrics.NewAMSTMetricsWrapper()
	amst.OnStreamStart("stream-001")
	amst.OnStreamData("stream-001", 65536, 1024)
	amst.OnBandwidthUpdate(600_000_000, 1_000_000_000)

	hde := metrics.NewHDEMetricsWrapper()
	hde.OnCompressionComplete("vm_memory", 1<<20, 1<<18, true)
	hde.OnDictionaryUpdate(75.0)

	migration := metrics.NewMigrationMetricsWrapper()
	migration.OnMigrationStart("migration-123")
	migration.OnMigrationComplete("migration-123", "node-02", true)
	migration.OnSpeedupCalculated("large_vm", 8.5)

	system := metrics.NewSystemMetricsWrapper()
	system.OnComponentHealthChange("amst", metrics.HealthHealthy)
	system.OnFeatureToggle("hde_enabled", true)

	fmt.Println("active streams:", metrics.GetCollector().GetActiveStreamCount())
	amst.OnStreamEnd("stream-001")
	fmt.Println("active streams:", metrics.GetCollector().GetActiveStreamCount())
	// Output:
	// active streams: 1
	// active streams: 0
}

// Before InitializeMetrics there is no Collector, and the wrappers and
// helpers do nothing, as in the seed.
func ExampleGetCollector() {
	fmt.Println(metrics.GetCollector() == nil)
	metrics.RecordStreamMetrics("stream-001", 100, 0, "") // does nothing
	if err := metrics.InitializeMetrics("cluster-1", "node-01", 9090); err != nil {
		log.Fatal(err)
	}
	defer metrics.ShutdownMetrics()
	fmt.Println(metrics.GetCollector() == nil)
	// Output:
	// true
	// false
}

// DWCP code reads the delta hit rate back; it is kept in the process.
func ExampleCollector_GetDeltaHitRate() {
	c := metrics.NewCollector("cluster-1", "node-01")
	c.RecordCompressionOperation("vm_memory", 4096, 512, true)
	c.RecordCompressionOperation("vm_memory", 4096, 2048, false)
	c.RecordCompressionOperation("vm_disk", 4096, 1024, true)
	c.RecordCompressionOperation("vm_disk", 4096, 1024, true)
	fmt.Printf("%.1f%%\n", c.GetDeltaHitRate())
	// Output: 75.0%
}

// A stream that had an error ends with result="error" in
// dwcp_amst_streams_total; GetActiveStreamCount counts the others.
func ExampleCollector_GetActiveStreamCount() {
	c := metrics.NewCollector("cluster-1", "node-01")
	for _, id := range []string{"s1", "s2", "s3"} {
		c.StartStream(id)
	}
	c.RecordStreamError("s2", "connection_timeout")
	c.EndStream("s2")
	fmt.Println(c.GetActiveStreamCount())
	// Output: 2
}

// Operations timed by the caller, or in the kernel between StartOperation
// and End: both feed dwcp_amst_latency_seconds{operation}.
func ExampleCollector_RecordOperationLatency() {
	c := metrics.NewCollector("cluster-1", "node-01")
	start := time.Now()
	// ... a handshake ...
	c.RecordOperationLatency("handshake", time.Since(start))

	op := c.StartOperation("chunk_send")
	// ... send a chunk ...
	op.End()
	fmt.Println("recorded")
	// Output: recorded
}

// A migration whose destination is known at the start, and which may fail:
// the failure is counted in dwcp_migration_failures_total.
func ExampleCollector_StartMigrationTo() {
	c := metrics.NewCollector("cluster-1", "node-01")
	c.StartMigrationTo("migration-7", "node-03", true)
	c.FinishMigration("migration-7", false)
	fmt.Println("recorded")
	// Output: recorded
}

func ExampleHealthStatus_String() {
	fmt.Println(metrics.HealthDown, metrics.HealthDegraded, metrics.HealthHealthy)
	// Output: down degraded healthy
}

// A program can see whether a tracer is attached.
func ExampleProbesAttached() {
	attached, total := metrics.ProbesAttached()
	fmt.Println(attached <= total, total > 0)
	// Output: true true
}
