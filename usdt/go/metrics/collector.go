// SPDX-License-Identifier: Apache-2.0

package metrics

// collector.go: the Collector, the seed's recording API. Each method fires
// the matching dwcp probe; the only state kept in the process is what DWCP
// code reads back (active streams, delta hit rate) and the level memory
// (levels.go).

import (
	"sync"
	"sync/atomic"
	"time"
)

// Stream results the Collector reports at stream_end, the result label of
// dwcp_amst_streams_total.
const (
	resultSuccess = "success"
	resultError   = "error"
)

// Collector records DWCP events by firing the dwcp USDT probes of this
// process. It is safe for concurrent use. Methods on a nil *Collector do
// nothing and return zero values.
//
// Unlike the seed's in-process Collector it holds no metric values:
// dwcp-bpf-exporter aggregates the probes in the kernel and serves them.
// It keeps only what DWCP code reads back (GetActiveStreamCount,
// GetDeltaHitRate) and the last value of every level (health, features,
// version, baselines, dictionary, speedup, bandwidth), which it fires again
// when a tracer attaches.
type Collector struct {
	cluster, node string

	mu      sync.Mutex
	streams map[string]bool // active stream id -> an error was recorded

	deltaHits, deltaMisses atomic.Uint64
}

// NewCollector returns a Collector. cluster and node are kept for the
// caller's reference only: the cluster and node labels of every series come
// from dwcp-bpf-exporter's --cluster and --node flags.
func NewCollector(cluster, node string) *Collector {
	return &Collector{cluster: cluster, node: node, streams: map[string]bool{}}
}

// StartStream records that an AMST stream started (probe stream_start). A
// stream counts as active until EndStream with the same id.
func (c *Collector) StartStream(streamID string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if _, active := c.streams[streamID]; !active {
		c.streams[streamID] = false
	}
	c.mu.Unlock()
	fireStreamStart(streamID)
}

// EndStream records that an AMST stream ended (probe stream_end). Its result
// is "error" if RecordStreamError was called for it since StartStream, else
// "success". The exporter observes the stream's lifetime, from stream_start
// to stream_end as measured in the kernel, in
// dwcp_amst_latency_seconds{operation="stream_duration"}.
func (c *Collector) EndStream(streamID string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	errored := c.streams[streamID]
	delete(c.streams, streamID)
	c.mu.Unlock()
	result := resultSuccess
	if errored {
		result = resultError
	}
	fireStreamEnd(streamID, result)
}

// RecordStreamData records bytes sent and received on a stream (probe
// stream_data). While nothing is attached this is a load and a branch.
// Negative counts reach the exporter as out of range and are dropped there
// (dwcp_bpf_bad_probe_args_total{probe="stream_data",reason="out_of_range"}).
func (c *Collector) RecordStreamData(streamID string, bytesSent, bytesReceived int64) {
	if c == nil {
		return
	}
	fireStreamData(streamID, bytesSent, bytesReceived)
}

// RecordStreamError records an error of a stream by type (probe
// stream_error), and marks an active stream so that it ends with result
// "error".
func (c *Collector) RecordStreamError(streamID, errorType string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if _, active := c.streams[streamID]; active {
		c.streams[streamID] = true
	}
	c.mu.Unlock()
	fireStreamError(streamID, errorType)
}

// UpdateBandwidthUtilization sets the bandwidth in use and available, in
// bytes per second (level probe bandwidth); the exporter serves
// used/available as dwcp_amst_bandwidth_utilization_percent.
func (c *Collector) UpdateBandwidthUtilization(used, available int64) {
	if c == nil {
		return
	}
	levels.setBandwidth(used, available)
}

// RecordCompressionOperation records one HDE compression (probe compress):
// its bytes, its ratio originalBytes/compressedBytes and whether delta
// encoding against a baseline was used. It counts delta hits and misses
// for GetDeltaHitRate.
func (c *Collector) RecordCompressionOperation(dataType string, originalBytes, compressedBytes int64, deltaHit bool) {
	if c == nil {
		return
	}
	if deltaHit {
		c.deltaHits.Add(1)
	} else {
		c.deltaMisses.Add(1)
	}
	fireCompress(dataType, originalBytes, compressedBytes, deltaHit)
}

// RecordDecompressionOperation records one HDE decompression by result
// (probe decompress; operation="decode" in dwcp_hde_operations_total).
func (c *Collector) RecordDecompressionOperation(success bool) {
	if c == nil {
		return
	}
	fireDecompress(success)
}

// UpdateBaselineCount sets the number of active HDE baselines of a type
// (level probe baseline).
func (c *Collector) UpdateBaselineCount(baselineType string, count int) {
	if c == nil {
		return
	}
	levels.setBaseline(baselineType, int64(count))
}

// UpdateDictionaryEfficiency sets the HDE dictionary efficiency in percent,
// for example 75.0 (level probe dictionary, sent as percent x 100 rounded to
// the nearest integer; a value outside 0..100 or NaN is counted by the
// exporter as out_of_range and not shown).
func (c *Collector) UpdateDictionaryEfficiency(efficiency float64) {
	if c == nil {
		return
	}
	levels.setDictionary(toFixedPoint(efficiency, efficiencyScale))
}

// StartMigration records that a VM migration started (probe migration_start,
// with an empty destination: it is known at EndMigration).
func (c *Collector) StartMigration(migrationID string) {
	if c == nil {
		return
	}
	fireMigrationStart(migrationID, "", false)
}

// EndMigration records that a migration completed (probe migration_done
// with success 1), with its destination node and whether DWCP carried it.
// The exporter times it in the kernel from StartMigration and observes it in
// dwcp_migration_duration_seconds{dest_node, dwcp_enabled}.
func (c *Collector) EndMigration(migrationID, destNode string, dwcpEnabled bool) {
	if c == nil {
		return
	}
	fireMigrationDone(migrationID, destNode, dwcpEnabled, true)
}

// StartMigrationTo records that a migration to a known destination started
// (probe migration_start). End it with FinishMigration. Not in the seed's
// API: for code that knows the destination at the start and that must
// report failed migrations (dwcp_migration_failures_total).
func (c *Collector) StartMigrationTo(migrationID, destNode string, dwcpEnabled bool) {
	if c == nil {
		return
	}
	fireMigrationStart(migrationID, destNode, dwcpEnabled)
}

// FinishMigration records that a migration started with StartMigrationTo
// ended, successfully or not (probe migration_end). Not in the seed's API.
func (c *Collector) FinishMigration(migrationID string, success bool) {
	if c == nil {
		return
	}
	fireMigrationEnd(migrationID, success)
}

// UpdateSpeedupFactor sets how many times faster a DWCP migration of a VM
// type is than a standard one (level probe speedup, sent x 1000 rounded to
// the nearest integer).
func (c *Collector) UpdateSpeedupFactor(vmType string, factor float64) {
	if c == nil {
		return
	}
	levels.setSpeedup(vmType, toFixedPoint(factor, speedupScale))
}

// RecordFederationSync records one cross-cluster sync: its duration (probe
// federation_sync) and the bytes HDE saved it (probe bandwidth_saved).
func (c *Collector) RecordFederationSync(remoteCluster, syncType string, duration time.Duration, bandwidthSaved int64) {
	if c == nil {
		return
	}
	fireFederationSync(remoteCluster, syncType, int64(duration))
	fireBandwidthSaved(remoteCluster, bandwidthSaved)
}

// UpdateComponentHealth sets a component's health (level probe health).
func (c *Collector) UpdateComponentHealth(component string, status HealthStatus) {
	if c == nil {
		return
	}
	levels.setHealth(component, status)
}

// UpdateFeatureStatus sets whether a feature is enabled (level probe feature).
func (c *Collector) UpdateFeatureStatus(feature string, enabled bool) {
	if c == nil {
		return
	}
	levels.setFeature(feature, enabled)
}

// RecordOperationLatency records how long an AMST operation took, as the
// caller measured it (probe op_duration), into
// dwcp_amst_latency_seconds{operation}.
func (c *Collector) RecordOperationLatency(operation string, duration time.Duration) {
	if c == nil {
		return
	}
	fireOpDuration(operation, int64(duration))
}

// GetActiveStreamCount returns the number of streams started and not yet
// ended on this Collector (a stream id started twice counts once).
func (c *Collector) GetActiveStreamCount() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.streams)
}

// GetDeltaHitRate returns the share of compressions recorded on this
// Collector that used delta encoding, in percent: hits/(hits+misses)*100,
// or 0 before the first compression.
func (c *Collector) GetDeltaHitRate() float64 {
	if c == nil {
		return 0
	}
	hits, misses := c.deltaHits.Load(), c.deltaMisses.Load()
	if hits+misses == 0 {
		return 0
	}
	return float64(hits) / float64(hits+misses) * 100
}

// Operation is an AMST operation timed in the kernel, from
// Collector.StartOperation to Operation.End. Not in the seed's API: the
// probe pair op_start/op_end, for code that would rather not time itself.
type Operation struct {
	id uint64
}

var lastOperationID atomic.Uint64

// StartOperation starts timing an operation (probe op_start); call End on
// the result when it is done. Every Operation has an id unique in the
// process.
func (c *Collector) StartOperation(operation string) Operation {
	if c == nil {
		return Operation{}
	}
	op := Operation{id: lastOperationID.Add(1)}
	fireOpStart(op.id, operation)
	return op
}

// End ends the operation (probe op_end); the exporter observes the time
// since StartOperation in dwcp_amst_latency_seconds{operation}.
func (o Operation) End() {
	if o.id == 0 {
		return // from a nil Collector
	}
	fireOpEnd(o.id)
}
