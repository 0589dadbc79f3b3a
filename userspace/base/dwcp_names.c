// SPDX-License-Identifier: Apache-2.0
#include "base/dwcp_names.h"

#include <string.h>

/* Indexed by id, so a duplicate id (-Woverride-init) or one out of range
 * does not compile: the ids of dwcp_ids.h are a permutation. */
static const char *const probe_names[DWCP_PROBE_COUNT] = {
#define X(name, NAME, nargs, id) [DWCP_PROBE_##NAME] = #name,
	DWCP_PROBES(X)
#undef X
};

static const char *const map_names[DWCP_MAP_COUNT] = {
#define X(NAME, name, area) [DWCP_MAP_##NAME] = #name,
	DWCP_MAPS(X)
#undef X
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

const char *dwcp_map_name(enum dwcp_map_id id)
{
	return (unsigned)id < DWCP_MAP_COUNT ? map_names[id] : "unknown";
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
