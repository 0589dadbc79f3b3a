// SPDX-License-Identifier: GPL-2.0
/*
 * migration.bpf.c: VM migration probes.
 *
 * migrations_inflight: (tgid, migration_id) -> start, destination, dwcp flag
 * migration_outcomes:  (destination, dwcp flag, success) -> duration histogram
 *                      of migration_end - migration_start
 * speedups:            per (process, vm type), last factor x 1000
 */
#include "dwcp_common.bpf.h"

static const __u64 migration_bounds[DWCP_MIGRATION_NBOUNDS] = DWCP_MIGRATION_BOUNDS;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DWCP_MAX_INFLIGHT_MIGRATIONS);
	__type(key, struct dwcp_proc_label_key);
	__type(value, struct dwcp_migration);
} migrations_inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, DWCP_MAX_LABELS);
	__type(key, struct dwcp_migration_outcome_key);
	__type(value, struct dwcp_hist);
} migration_outcomes SEC(".maps");

DWCP_PROC_LEVEL_MAP(speedups, DWCP_MAX_PROC_LABELS);

static struct dwcp_hist zero_hist;

SEC("usdt")
int DWCP_USDT(migration_start, const char *migration_id, const char *dest_node, __u64 dwcp_enabled)
{
	struct dwcp_proc_label_key key;
	struct dwcp_migration migration;

	__builtin_memset(&key, 0, sizeof(key));
	__builtin_memset(&migration, 0, sizeof(migration));
	key.tgid = current_tgid();
	read_label(key.label, migration_id, DWCP_PROBE_MIGRATION_START);
	read_label(migration.dest_node, dest_node, DWCP_PROBE_MIGRATION_START);
	if (dwcp_enabled > 1)
		count_bad_arg(DWCP_PROBE_MIGRATION_START, DWCP_BAD_OUT_OF_RANGE);
	migration.dwcp_enabled = dwcp_enabled ? 1 : 0;
	migration.start_ns = bpf_ktime_get_ns();
	checked_update(&migrations_inflight, &key, &migration, BPF_ANY, DWCP_MAP_MIGRATIONS_INFLIGHT);
	return 0;
}

SEC("usdt")
int DWCP_USDT(migration_end, const char *migration_id, __u64 success)
{
	struct dwcp_proc_label_key key;
	struct dwcp_migration_outcome_key outcome;
	struct dwcp_migration *migration;
	struct dwcp_hist *hist;
	__u64 now = bpf_ktime_get_ns();
	__u64 start_ns;

	__builtin_memset(&key, 0, sizeof(key));
	__builtin_memset(&outcome, 0, sizeof(outcome));
	key.tgid = current_tgid();
	read_label(key.label, migration_id, DWCP_PROBE_MIGRATION_END);
	migration = bpf_map_lookup_elem(&migrations_inflight, &key);
	if (!migration) {
		count_bad_arg(DWCP_PROBE_MIGRATION_END, DWCP_BAD_UNMATCHED_END);
		return 0;
	}
	start_ns = migration->start_ns;
	outcome.dwcp_enabled = migration->dwcp_enabled;
	__builtin_memcpy(outcome.dest_node, migration->dest_node, sizeof(outcome.dest_node));
	if (bpf_map_delete_elem(&migrations_inflight, &key) != 0) {
		count_bad_arg(DWCP_PROBE_MIGRATION_END, DWCP_BAD_UNMATCHED_END);
		return 0;
	}
	if (success > 1)
		count_bad_arg(DWCP_PROBE_MIGRATION_END, DWCP_BAD_OUT_OF_RANGE);
	outcome.success = success ? 1 : 0;
	hist = lookup_or_init(&migration_outcomes, &outcome, &zero_hist, DWCP_MAP_MIGRATION_DURATION);
	if (hist)
		hist_observe(hist, migration_bounds, DWCP_MIGRATION_NBOUNDS, now > start_ns ? now - start_ns : 0);
	return 0;
}

SEC("usdt")
int DWCP_USDT(speedup, const char *vm_type, __u64 factor_x1000)
{
	set_proc_level(&speedups, vm_type, factor_x1000, DWCP_PROBE_SPEEDUP, DWCP_MAP_SPEEDUP);
	return 0;
}
