// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * system.bpf.c: component health, feature flags and version, per process.
 * All three are levels: the last value each process reported.
 */
#include "dwcp_common.bpf.h"

DWCP_PROC_LEVEL_MAP(health_levels, DWCP_MAX_PROC_LABELS);
DWCP_PROC_LEVEL_MAP(feature_levels, DWCP_MAX_PROC_LABELS);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DWCP_MAX_PROCS);
	__type(key, struct dwcp_proc_key);
	__type(value, struct dwcp_version);
} versions SEC(".maps");

SEC("usdt")
int DWCP_USDT(health, const char *component, __u64 state)
{
	/* a state we cannot name would mislead the health matrix: keep the
	 * previous value and count the bad report */
	if (state > DWCP_MAX_HEALTH_STATE) {
		count_bad_arg(DWCP_PROBE_HEALTH, DWCP_BAD_OUT_OF_RANGE);
		return 0;
	}
	set_proc_level(&health_levels, component, state, DWCP_PROBE_HEALTH, DWCP_MAP_HEALTH);
	return 0;
}

SEC("usdt")
int DWCP_USDT(feature, const char *feature_name, __u64 enabled)
{
	if (enabled > 1)
		count_bad_arg(DWCP_PROBE_FEATURE, DWCP_BAD_OUT_OF_RANGE);
	set_proc_level(&feature_levels, feature_name, enabled ? 1 : 0, DWCP_PROBE_FEATURE, DWCP_MAP_FEATURES);
	return 0;
}

SEC("usdt")
int DWCP_USDT(version, const char *version_string, const char *git_commit, const char *build_date)
{
	struct dwcp_proc_key key = { .tgid = current_tgid() };
	struct dwcp_version value;

	__builtin_memset(&value, 0, sizeof(value));
	read_label(value.version, version_string, DWCP_PROBE_VERSION);
	read_label(value.git_commit, git_commit, DWCP_PROBE_VERSION);
	read_label(value.build_date, build_date, DWCP_PROBE_VERSION);
	value.updated_ns = bpf_ktime_get_ns();
	checked_update(&versions, &key, &value, BPF_ANY, DWCP_MAP_VERSIONS);
	return 0;
}
