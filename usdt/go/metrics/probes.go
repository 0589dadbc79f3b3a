// SPDX-License-Identifier: Apache-2.0

package metrics

// probes.go: the only place that fires dwcp probes. One small static C
// function per probe of dwcp.d in the cgo preamble, and one Go function per
// probe that reads the probe's USDT semaphore before it makes the cgo call,
// so that a call costs a load and a branch while nothing is attached.
// contract_test.go holds this file to dwcp.d.

/*
#cgo CFLAGS: -O2 -Wall
#include "dwcp_probes.h"
#include <string.h>

// Build guard: Go's internal linker drops the .note.stapsdt section of C
// objects, so a binary linked with -ldflags=-linkmode=internal would carry no
// probe at all. A reference to x_cgo_init (defined by runtime/cgo, which is
// in every external link of a cgo program) makes the test link that cgo
// runs for internal linking fail; the go tool then marks this package as
// needing the external linker, and -linkmode=internal stops with
// "internal linking requested but external linking required: some packages
// could not be built to support internal linking (.../metrics)".
extern void x_cgo_init(void);
__attribute__((used)) static void (*const dwcp_go_needs_external_linking)(void) = x_cgo_init;

// A Go string as a probe argument: at most DWCP_GO_STR_MAX bytes copied
// into a NUL-terminated buffer on this side of the call. One byte more than
// a tracer reads (63), so that it still sees and counts text that it cuts.
#define DWCP_GO_STR_MAX 64
#define DWCP_GO_STR(buf, s)                                                    \
	char buf[DWCP_GO_STR_MAX + 1];                                         \
	dwcp_go_copy(buf, s)

static inline void dwcp_go_copy(char *dst, _GoString_ s)
{
	size_t n = _GoStringLen(s);

	if (n > DWCP_GO_STR_MAX)
		n = DWCP_GO_STR_MAX;
	memcpy(dst, _GoStringPtr(s), n);
	dst[n] = 0;
}

static void dwcp_go_stream_start(_GoString_ stream_id)
{
	DWCP_GO_STR(id, stream_id);
	DWCP_STREAM_START(id);
}

static void dwcp_go_stream_data(_GoString_ stream_id, int64_t bytes_sent, int64_t bytes_received)
{
	DWCP_GO_STR(id, stream_id);
	DWCP_STREAM_DATA(id, bytes_sent, bytes_received);
}

static void dwcp_go_stream_error(_GoString_ stream_id, _GoString_ error_type)
{
	DWCP_GO_STR(id, stream_id);
	DWCP_GO_STR(type, error_type);
	DWCP_STREAM_ERROR(id, type);
}

static void dwcp_go_stream_end(_GoString_ stream_id, _GoString_ result)
{
	DWCP_GO_STR(id, stream_id);
	DWCP_GO_STR(res, result);
	DWCP_STREAM_END(id, res);
}

static void dwcp_go_op_start(uint64_t op_id, _GoString_ operation)
{
	DWCP_GO_STR(op, operation);
	DWCP_OP_START(op_id, op);
}

static void dwcp_go_op_end(uint64_t op_id)
{
	DWCP_OP_END(op_id);
}

static void dwcp_go_op_duration(_GoString_ operation, int64_t duration_ns)
{
	DWCP_GO_STR(op, operation);
	DWCP_OP_DURATION(op, duration_ns);
}

static void dwcp_go_bandwidth(int64_t used_bytes_per_sec, int64_t available_bytes_per_sec)
{
	DWCP_BANDWIDTH(used_bytes_per_sec, available_bytes_per_sec);
}

static void dwcp_go_compress(_GoString_ data_type, int64_t original_bytes, int64_t compressed_bytes,
			     _Bool delta_hit)
{
	DWCP_GO_STR(type, data_type);
	DWCP_COMPRESS(type, original_bytes, compressed_bytes, delta_hit);
}

static void dwcp_go_decompress(_Bool success)
{
	DWCP_DECOMPRESS(success);
}

static void dwcp_go_baseline(_GoString_ baseline_type, int64_t count)
{
	DWCP_GO_STR(type, baseline_type);
	DWCP_BASELINE(type, count);
}

static void dwcp_go_dictionary(uint64_t efficiency_percent_x100)
{
	DWCP_DICTIONARY(efficiency_percent_x100);
}

static void dwcp_go_migration_start(_GoString_ migration_id, _GoString_ dest_node, _Bool dwcp_enabled)
{
	DWCP_GO_STR(id, migration_id);
	DWCP_GO_STR(dest, dest_node);
	DWCP_MIGRATION_START(id, dest, dwcp_enabled);
}

static void dwcp_go_migration_end(_GoString_ migration_id, _Bool success)
{
	DWCP_GO_STR(id, migration_id);
	DWCP_MIGRATION_END(id, success);
}

static void dwcp_go_migration_done(_GoString_ migration_id, _GoString_ dest_node, _Bool dwcp_enabled,
				   _Bool success)
{
	DWCP_GO_STR(id, migration_id);
	DWCP_GO_STR(dest, dest_node);
	DWCP_MIGRATION_DONE(id, dest, dwcp_enabled, success);
}

static void dwcp_go_speedup(_GoString_ vm_type, uint64_t factor_x1000)
{
	DWCP_GO_STR(type, vm_type);
	DWCP_SPEEDUP(type, factor_x1000);
}

static void dwcp_go_federation_sync(_GoString_ remote_cluster, _GoString_ sync_type, int64_t duration_ns)
{
	DWCP_GO_STR(remote, remote_cluster);
	DWCP_GO_STR(type, sync_type);
	DWCP_FEDERATION_SYNC(remote, type, duration_ns);
}

static void dwcp_go_bandwidth_saved(_GoString_ remote_cluster, int64_t bytes)
{
	DWCP_GO_STR(remote, remote_cluster);
	DWCP_BANDWIDTH_SAVED(remote, bytes);
}

static void dwcp_go_health(_GoString_ component, int64_t state)
{
	DWCP_GO_STR(comp, component);
	DWCP_HEALTH(comp, state);
}

static void dwcp_go_feature(_GoString_ feature_name, _Bool enabled)
{
	DWCP_GO_STR(name, feature_name);
	DWCP_FEATURE(name, enabled);
}

static void dwcp_go_version(_GoString_ version_string, _GoString_ git_commit, _GoString_ build_date)
{
	DWCP_GO_STR(version, version_string);
	DWCP_GO_STR(commit, git_commit);
	DWCP_GO_STR(date, build_date);
	DWCP_VERSION(version, commit, date);
}
*/
import "C"

import "unsafe"

// semaphore is a probe's USDT semaphore: the kernel adds one for every
// tracer attached to the probe in this process. Only != 0 means anything.
// It is read without atomics: a stale read delays or skips one firing at
// the moment a tracer comes or goes, as it does in C.
type semaphore = *uint16

func sem(p *C.ushort) semaphore { return (*uint16)(unsafe.Pointer(p)) }

var (
	semStreamStart    = sem(&C.dwcp_stream_start_semaphore)
	semStreamData     = sem(&C.dwcp_stream_data_semaphore)
	semStreamError    = sem(&C.dwcp_stream_error_semaphore)
	semStreamEnd      = sem(&C.dwcp_stream_end_semaphore)
	semOpStart        = sem(&C.dwcp_op_start_semaphore)
	semOpEnd          = sem(&C.dwcp_op_end_semaphore)
	semOpDuration     = sem(&C.dwcp_op_duration_semaphore)
	semBandwidth      = sem(&C.dwcp_bandwidth_semaphore)
	semCompress       = sem(&C.dwcp_compress_semaphore)
	semDecompress     = sem(&C.dwcp_decompress_semaphore)
	semBaseline       = sem(&C.dwcp_baseline_semaphore)
	semDictionary     = sem(&C.dwcp_dictionary_semaphore)
	semMigrationStart = sem(&C.dwcp_migration_start_semaphore)
	semMigrationEnd   = sem(&C.dwcp_migration_end_semaphore)
	semMigrationDone  = sem(&C.dwcp_migration_done_semaphore)
	semSpeedup        = sem(&C.dwcp_speedup_semaphore)
	semFederationSync = sem(&C.dwcp_federation_sync_semaphore)
	semBandwidthSaved = sem(&C.dwcp_bandwidth_saved_semaphore)
	semHealth         = sem(&C.dwcp_health_semaphore)
	semFeature        = sem(&C.dwcp_feature_semaphore)
	semVersion        = sem(&C.dwcp_version_semaphore)
)

// allSemaphores lists every probe's semaphore, in dwcp.d's order.
var allSemaphores = [...]semaphore{
	semStreamStart, semStreamData, semStreamError, semStreamEnd, semOpStart, semOpEnd, semOpDuration,
	semBandwidth, semCompress, semDecompress, semBaseline, semDictionary, semMigrationStart,
	semMigrationEnd, semMigrationDone, semSpeedup, semFederationSync, semBandwidthSaved, semHealth,
	semFeature, semVersion,
}

// levelSemaphores are the semaphores of the probes that describe state,
// which the re-announcer watches (dwcp_level_signature() in dwcp_probes.h).
var levelSemaphores = [...]semaphore{
	semBandwidth, semBaseline, semDictionary, semSpeedup, semHealth, semFeature, semVersion,
}

// Each fire* function is small enough to inline: the semaphore test runs
// in the caller, the cgo call only when a tracer is attached. Arguments
// cross as the Go types they are (int64_t, _Bool), because every conversion
// counts against Go's inlining budget; the header's macros make them the
// probes' 64-bit integers (a negative count becomes a value above 2^63,
// which the exporter counts as out of range).

func fireStreamStart(streamID string) {
	if *semStreamStart != 0 {
		C.dwcp_go_stream_start(streamID)
	}
}

func fireStreamData(streamID string, bytesSent, bytesReceived int64) {
	if *semStreamData != 0 {
		C.dwcp_go_stream_data(streamID, C.int64_t(bytesSent), C.int64_t(bytesReceived))
	}
}

func fireStreamError(streamID, errorType string) {
	if *semStreamError != 0 {
		C.dwcp_go_stream_error(streamID, errorType)
	}
}

func fireStreamEnd(streamID, result string) {
	if *semStreamEnd != 0 {
		C.dwcp_go_stream_end(streamID, result)
	}
}

func fireOpStart(opID uint64, operation string) {
	if *semOpStart != 0 {
		C.dwcp_go_op_start(C.uint64_t(opID), operation)
	}
}

func fireOpEnd(opID uint64) {
	if *semOpEnd != 0 {
		C.dwcp_go_op_end(C.uint64_t(opID))
	}
}

func fireOpDuration(operation string, durationNs int64) {
	if *semOpDuration != 0 {
		C.dwcp_go_op_duration(operation, C.int64_t(durationNs))
	}
}

func fireBandwidth(used, available int64) {
	if *semBandwidth != 0 {
		C.dwcp_go_bandwidth(C.int64_t(used), C.int64_t(available))
	}
}

func fireCompress(dataType string, originalBytes, compressedBytes int64, deltaHit bool) {
	if *semCompress != 0 {
		C.dwcp_go_compress(dataType, C.int64_t(originalBytes), C.int64_t(compressedBytes), C._Bool(deltaHit))
	}
}

func fireDecompress(success bool) {
	if *semDecompress != 0 {
		C.dwcp_go_decompress(C._Bool(success))
	}
}

func fireBaseline(baselineType string, count int64) {
	if *semBaseline != 0 {
		C.dwcp_go_baseline(baselineType, C.int64_t(count))
	}
}

func fireDictionary(efficiencyX100 uint64) {
	if *semDictionary != 0 {
		C.dwcp_go_dictionary(C.uint64_t(efficiencyX100))
	}
}

func fireMigrationStart(migrationID, destNode string, dwcpEnabled bool) {
	if *semMigrationStart != 0 {
		C.dwcp_go_migration_start(migrationID, destNode, C._Bool(dwcpEnabled))
	}
}

func fireMigrationEnd(migrationID string, success bool) {
	if *semMigrationEnd != 0 {
		C.dwcp_go_migration_end(migrationID, C._Bool(success))
	}
}

func fireMigrationDone(migrationID, destNode string, dwcpEnabled, success bool) {
	if *semMigrationDone != 0 {
		C.dwcp_go_migration_done(migrationID, destNode, C._Bool(dwcpEnabled), C._Bool(success))
	}
}

func fireSpeedup(vmType string, factorX1000 uint64) {
	if *semSpeedup != 0 {
		C.dwcp_go_speedup(vmType, C.uint64_t(factorX1000))
	}
}

func fireFederationSync(remoteCluster, syncType string, durationNs int64) {
	if *semFederationSync != 0 {
		C.dwcp_go_federation_sync(remoteCluster, syncType, C.int64_t(durationNs))
	}
}

func fireBandwidthSaved(remoteCluster string, bytes int64) {
	if *semBandwidthSaved != 0 {
		C.dwcp_go_bandwidth_saved(remoteCluster, C.int64_t(bytes))
	}
}

func fireHealth(component string, state HealthStatus) {
	if *semHealth != 0 {
		C.dwcp_go_health(component, C.int64_t(state))
	}
}

func fireFeature(feature string, enabled bool) {
	if *semFeature != 0 {
		C.dwcp_go_feature(feature, C._Bool(enabled))
	}
}

func fireVersion(version, gitCommit, buildDate string) {
	if *semVersion != 0 {
		C.dwcp_go_version(version, gitCommit, buildDate)
	}
}
