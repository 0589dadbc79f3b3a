// SPDX-License-Identifier: Apache-2.0
#include "base/dwcp_names.h"

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

const char *dwcp_probe_name(enum dwcp_probe_id id)
{
	return (unsigned)id < DWCP_PROBE_COUNT ? probe_names[id] : "unknown";
}

const char *dwcp_bad_arg_reason_name(enum dwcp_bad_arg_reason reason)
{
	return (unsigned)reason < DWCP_BAD_REASON_COUNT ? reason_names[reason] : "unknown";
}

int dwcp_probe_id_of(const char *name)
{
	for (int i = 0; i < DWCP_PROBE_COUNT; i++)
		if (strcmp(probe_names[i], name) == 0)
			return i;
	return -1;
}
