// SPDX-License-Identifier: Apache-2.0

package metrics

// probes.go: the only place that fires dwcp probes. One Go function per
// probe of dwcp.d reads the probe's USDT semaphore and, only when a tracer
// is attached, hands the arguments to fire0S..fire3S (fire_amd64.go: Go
// assembly; fire_cgo.go: cgo elsewhere), which call the probe's C site in
// internal/sites. Untraced, a call costs a load and a branch.
// contract_test.go holds this file and internal/sites to dwcp.d.

import "novacron/backend/core/network/dwcp/metrics/internal/sites"

// semaphore is a probe's USDT semaphore: the kernel adds one for every
// tracer attached to the probe in this process. Only != 0 means anything.
// It is read without atomics: a stale read delays or skips one firing at
// the moment a tracer comes or goes, as it does in C.
type semaphore = *uint16

var (
	semStreamStart    = sites.Semaphores[sites.StreamStart]
	semStreamData     = sites.Semaphores[sites.StreamData]
	semStreamError    = sites.Semaphores[sites.StreamError]
	semStreamEnd      = sites.Semaphores[sites.StreamEnd]
	semOpStart        = sites.Semaphores[sites.OpStart]
	semOpEnd          = sites.Semaphores[sites.OpEnd]
	semOpDuration     = sites.Semaphores[sites.OpDuration]
	semBandwidth      = sites.Semaphores[sites.Bandwidth]
	semCompress       = sites.Semaphores[sites.Compress]
	semDecompress     = sites.Semaphores[sites.Decompress]
	semBaseline       = sites.Semaphores[sites.Baseline]
	semDictionary     = sites.Semaphores[sites.Dictionary]
	semMigrationStart = sites.Semaphores[sites.MigrationStart]
	semMigrationEnd   = sites.Semaphores[sites.MigrationEnd]
	semMigrationDone  = sites.Semaphores[sites.MigrationDone]
	semSpeedup        = sites.Semaphores[sites.Speedup]
	semFederationSync = sites.Semaphores[sites.FederationSync]
	semBandwidthSaved = sites.Semaphores[sites.BandwidthSaved]
	semHealth         = sites.Semaphores[sites.Health]
	semFeature        = sites.Semaphores[sites.Feature]
	semVersion        = sites.Semaphores[sites.Version]
)

// allSemaphores lists every probe's semaphore, in dwcp.d's order.
var allSemaphores = sites.Semaphores

// levelSemaphores are the semaphores of the probes that describe state,
// which the re-announcer watches (dwcp_level_signature() in dwcp_probes.h).
var levelSemaphores = [...]semaphore{
	semBandwidth, semBaseline, semDictionary, semSpeedup, semHealth, semFeature, semVersion,
}

// strMax is how much of a string argument reaches the probe: one byte more
// than a tracer reads (63), so that it still sees and counts text that it
// cuts. The probe gets a NUL-terminated copy.
const strMax = 64

// b2u is a probe's flag argument.
func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// Each fire* function is small enough to inline: the semaphore test runs
// in the caller, the call to the site only when a tracer is attached. That
// call, traced*, takes the fire function's own arguments (the cheapest
// call for Go's inliner to count) and is never inlined, so the string
// buffers of the traced path stay out of the callers' frames. Integers
// become the probes' 64-bit integers (a negative count becomes a value
// above 2^63, which the exporter counts as out of range).

func fireStreamStart(streamID string) {
	if *semStreamStart != 0 {
		tracedStreamStart(streamID)
	}
}

//go:noinline
func tracedStreamStart(streamID string) {
	fire1S(sites.StreamStart, streamID, 0, 0, 0)
}

func fireStreamData(streamID string, bytesSent, bytesReceived int64) {
	if *semStreamData != 0 {
		tracedStreamData(streamID, bytesSent, bytesReceived)
	}
}

//go:noinline
func tracedStreamData(streamID string, bytesSent, bytesReceived int64) {
	fire1S(sites.StreamData, streamID, uint64(bytesSent), uint64(bytesReceived), 0)
}

func fireStreamError(streamID, errorType string) {
	if *semStreamError != 0 {
		tracedStreamError(streamID, errorType)
	}
}

//go:noinline
func tracedStreamError(streamID, errorType string) {
	fire2S(sites.StreamError, streamID, errorType, 0, 0)
}

func fireStreamEnd(streamID, result string) {
	if *semStreamEnd != 0 {
		tracedStreamEnd(streamID, result)
	}
}

//go:noinline
func tracedStreamEnd(streamID, result string) {
	fire2S(sites.StreamEnd, streamID, result, 0, 0)
}

func fireOpStart(opID uint64, operation string) {
	if *semOpStart != 0 {
		tracedOpStart(opID, operation)
	}
}

//go:noinline
func tracedOpStart(opID uint64, operation string) {
	fire1S(sites.OpStart, operation, opID, 0, 0)
}

func fireOpEnd(opID uint64) {
	if *semOpEnd != 0 {
		tracedOpEnd(opID)
	}
}

//go:noinline
func tracedOpEnd(opID uint64) {
	fire0S(sites.OpEnd, opID, 0)
}

func fireOpDuration(operation string, durationNs int64) {
	if *semOpDuration != 0 {
		tracedOpDuration(operation, durationNs)
	}
}

//go:noinline
func tracedOpDuration(operation string, durationNs int64) {
	fire1S(sites.OpDuration, operation, uint64(durationNs), 0, 0)
}

func fireBandwidth(used, available int64) {
	if *semBandwidth != 0 {
		tracedBandwidth(used, available)
	}
}

//go:noinline
func tracedBandwidth(used, available int64) {
	fire0S(sites.Bandwidth, uint64(used), uint64(available))
}

func fireCompress(dataType string, originalBytes, compressedBytes int64, deltaHit bool) {
	if *semCompress != 0 {
		tracedCompress(dataType, originalBytes, compressedBytes, deltaHit)
	}
}

//go:noinline
func tracedCompress(dataType string, originalBytes, compressedBytes int64, deltaHit bool) {
	fire1S(sites.Compress, dataType, uint64(originalBytes), uint64(compressedBytes), b2u(deltaHit))
}

func fireDecompress(success bool) {
	if *semDecompress != 0 {
		tracedDecompress(success)
	}
}

//go:noinline
func tracedDecompress(success bool) {
	fire0S(sites.Decompress, b2u(success), 0)
}

func fireBaseline(baselineType string, count int64) {
	if *semBaseline != 0 {
		tracedBaseline(baselineType, count)
	}
}

//go:noinline
func tracedBaseline(baselineType string, count int64) {
	fire1S(sites.Baseline, baselineType, uint64(count), 0, 0)
}

func fireDictionary(efficiencyX100 uint64) {
	if *semDictionary != 0 {
		tracedDictionary(efficiencyX100)
	}
}

//go:noinline
func tracedDictionary(efficiencyX100 uint64) {
	fire0S(sites.Dictionary, efficiencyX100, 0)
}

func fireMigrationStart(migrationID, destNode string, dwcpEnabled bool) {
	if *semMigrationStart != 0 {
		tracedMigrationStart(migrationID, destNode, dwcpEnabled)
	}
}

//go:noinline
func tracedMigrationStart(migrationID, destNode string, dwcpEnabled bool) {
	fire2S(sites.MigrationStart, migrationID, destNode, b2u(dwcpEnabled), 0)
}

func fireMigrationEnd(migrationID string, success bool) {
	if *semMigrationEnd != 0 {
		tracedMigrationEnd(migrationID, success)
	}
}

//go:noinline
func tracedMigrationEnd(migrationID string, success bool) {
	fire1S(sites.MigrationEnd, migrationID, b2u(success), 0, 0)
}

func fireMigrationDone(migrationID, destNode string, dwcpEnabled, success bool) {
	if *semMigrationDone != 0 {
		tracedMigrationDone(migrationID, destNode, dwcpEnabled, success)
	}
}

//go:noinline
func tracedMigrationDone(migrationID, destNode string, dwcpEnabled, success bool) {
	fire2S(sites.MigrationDone, migrationID, destNode, b2u(dwcpEnabled), b2u(success))
}

func fireSpeedup(vmType string, factorX1000 uint64) {
	if *semSpeedup != 0 {
		tracedSpeedup(vmType, factorX1000)
	}
}

//go:noinline
func tracedSpeedup(vmType string, factorX1000 uint64) {
	fire1S(sites.Speedup, vmType, factorX1000, 0, 0)
}

func fireFederationSync(remoteCluster, syncType string, durationNs int64) {
	if *semFederationSync != 0 {
		tracedFederationSync(remoteCluster, syncType, durationNs)
	}
}

//go:noinline
func tracedFederationSync(remoteCluster, syncType string, durationNs int64) {
	fire2S(sites.FederationSync, remoteCluster, syncType, uint64(durationNs), 0)
}

func fireBandwidthSaved(remoteCluster string, bytes int64) {
	if *semBandwidthSaved != 0 {
		tracedBandwidthSaved(remoteCluster, bytes)
	}
}

//go:noinline
func tracedBandwidthSaved(remoteCluster string, bytes int64) {
	fire1S(sites.BandwidthSaved, remoteCluster, uint64(bytes), 0, 0)
}

func fireHealth(component string, state HealthStatus) {
	if *semHealth != 0 {
		tracedHealth(component, state)
	}
}

//go:noinline
func tracedHealth(component string, state HealthStatus) {
	fire1S(sites.Health, component, uint64(state), 0, 0)
}

func fireFeature(feature string, enabled bool) {
	if *semFeature != 0 {
		tracedFeature(feature, enabled)
	}
}

//go:noinline
func tracedFeature(feature string, enabled bool) {
	fire1S(sites.Feature, feature, b2u(enabled), 0, 0)
}

func fireVersion(version, gitCommit, buildDate string) {
	if *semVersion != 0 {
		tracedVersion(version, gitCommit, buildDate)
	}
}

//go:noinline
func tracedVersion(version, gitCommit, buildDate string) {
	fire3S(sites.Version, version, gitCommit, buildDate)
}
