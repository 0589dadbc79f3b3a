#include "dwcp_names.h"

#include <string.h>

static const char *const probe_names[DWCP_PROBE_COUNT] = {
	[DWCP_PROBE_STREAM_START] = "stream_start",
	[DWCP_PROBE_STREAM_DATA] = "stream_data",
	[DWCP_PROBE_STREAM_ERROR] = "stream_error",
	[DWCP_PROBE_STREAM_END] = "stream_end",
	[DWCP_PROBE_OP_START] = "op_start",
	[DWCP_PROBE_OP_END] = "op_end",
	[DWCP_PROBE_BANDWIDTH] = "bandwidth",
	[DWCP_PROBE_COMPRESS] = "compress",
	[DWCP_PROBE_DECOMPRESS] = "decompress",
	[DWCP_PROBE_BASELINE] = "baseline",
	[DWCP_PROBE_DICTIONARY] = "dictionary",
	[DWCP_PROBE_MIGRATION_START] = "migration_start",
	[DWCP_PROBE_MIGRATION_END] = "migration_end",
	[DWCP_PROBE_SPEEDUP] = "speedup",
	[DWCP_PROBE_FEDERATION_SYNC] = "federation_sync",
	[DWCP_PROBE_BANDWIDTH_SAVED] = "bandwidth_saved",
	[DWCP_PROBE_HEALTH] = "health",
	[DWCP_PROBE_FEATURE] = "feature",
	[DWCP_PROBE_VERSION] = "version",
	[DWCP_PROBE_OP_DURATION] = "op_duration",
	[DWCP_PROBE_MIGRATION_DONE] = "migration_done",
};

static const char *const reason_names[DWCP_BAD_REASON_COUNT] = {
	[DWCP_BAD_UNREADABLE_STRING] = "unreadable_string",
	[DWCP_BAD_TRUNCATED_STRING] = "truncated_string",
	[DWCP_BAD_OUT_OF_RANGE] = "out_of_range",
	[DWCP_BAD_UNMATCHED_END] = "unmatched_end",
};

static const char *const map_names[DWCP_MAP_COUNT] = {
	[DWCP_MAP_STREAMS] = "streams",
	[DWCP_MAP_STREAM_RESULTS] = "stream_results",
	[DWCP_MAP_STREAM_ERRORS] = "stream_errors",
	[DWCP_MAP_OPS_INFLIGHT] = "ops_inflight",
	[DWCP_MAP_OP_LATENCY] = "op_latency",
	[DWCP_MAP_BANDWIDTH] = "bandwidth_levels",
	[DWCP_MAP_HDE_BY_TYPE] = "hde_by_type",
	[DWCP_MAP_BASELINES] = "baselines",
	[DWCP_MAP_DICTIONARY] = "dictionary_levels",
	[DWCP_MAP_MIGRATIONS_INFLIGHT] = "migrations_inflight",
	[DWCP_MAP_MIGRATION_DURATION] = "migration_outcomes",
	[DWCP_MAP_SPEEDUP] = "speedups",
	[DWCP_MAP_FEDERATION_SYNC] = "sync_durations",
	[DWCP_MAP_BANDWIDTH_SAVED] = "bandwidth_saved_bytes",
	[DWCP_MAP_HEALTH] = "health_levels",
	[DWCP_MAP_FEATURES] = "feature_levels",
	[DWCP_MAP_VERSIONS] = "versions",
};

const char *dwcp_probe_name(enum dwcp_probe_id id)
{
	return (unsigned)id < DWCP_PROBE_COUNT ? probe_names[id] : "unknown";
}

const char *dwcp_bad_arg_reason_name(enum dwcp_bad_arg_reason reason)
{
	return (unsigned)reason < DWCP_BAD_REASON_COUNT ? reason_names[reason] : "unknown";
}

const char *dwcp_map_name(enum dwcp_map_id id)
{
	return (unsigned)id < DWCP_MAP_COUNT ? map_names[id] : "unknown";
}

int dwcp_probe_id_of(const char *name)
{
	for (int i = 0; i < DWCP_PROBE_COUNT; i++)
		if (strcmp(probe_names[i], name) == 0)
			return i;
	return -1;
}
