// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * migration.bpf.c: VM migration probes.
 *
 * migrations_inflight: (tgid, migration_id) -> start, destination, dwcp flag
 * migration_outcomes:  (destination, dwcp flag, success) -> duration histogram
 *                      of migration_end (or migration_done) - migration_start;
 *                      migration_done brings its own destination and flag
 * speedups:            per (process, vm type), last factor x 1000
 */
#include "dwcp_common.bpf.h"

DWCP_HIST_TABLES(migration, MIGRATION);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DWCP_MAX_INFLIGHT_MIGRATIONS);
	__type(key, struct dwcp_proc_label_key);
	__type(value, struct dwcp_migration);
} migrations_inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, DWCP_MAX_LABELS);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* 4 KB a series per CPU: bpf/README.md */
	__type(key, struct dwcp_migration_outcome_key);
	__type(value, struct dwcp_hist);
} migration_outcomes SEC(".maps");

DWCP_PROC_LEVEL_MAP(speedups, DWCP_MAX_PROC_LABELS);

static struct dwcp_hist zero_hist;

/* A 0/1 argument; anything else counts as out of range and reads as 1. */
static __always_inline __u32 flag_arg(__u64 value, enum dwcp_probe_id probe)
{
	if (value > 1)
		count_bad_arg(probe, DWCP_BAD_OUT_OF_RANGE);
	return value ? 1 : 0;
}

static __always_inline void migration_key(struct dwcp_proc_label_key *key, const char *migration_id,
					  enum dwcp_probe_id probe)
{
	__builtin_memset(key, 0, sizeof(*key));
	key->tgid = current_tgid();
	read_label(key->label, migration_id, probe);
}

SEC("usdt")
int DWCP_USDT(migration_start, const char *migration_id, const char *dest_node, __u64 dwcp_enabled)
{
	struct dwcp_proc_label_key key;
	struct dwcp_migration migration;

	__builtin_memset(&migration, 0, sizeof(migration));
	migration_key(&key, migration_id, DWCP_PROBE_MIGRATION_START);
	read_label(migration.dest_node, dest_node, DWCP_PROBE_MIGRATION_START);
	migration.dwcp_enabled = flag_arg(dwcp_enabled, DWCP_PROBE_MIGRATION_START);
	migration.start_ns = bpf_ktime_get_ns();
	checked_update(&migrations_inflight, &key, &migration, BPF_ANY, DWCP_MAP_MIGRATIONS_INFLIGHT);
	return 0;
}

/*
 * Ends the in-flight migration key and records its outcome. dest_node and
 * dwcp_enabled label it: the start's (migration_end) or the end's own
 * (migration_done). Whoever deletes the entry records it, so two ends of
 * one migration count once.
 */
static __always_inline void finish_migration(const struct dwcp_proc_label_key *key,
					     struct dwcp_migration_outcome_key *outcome, bool labels_from_start,
					     __u64 success, enum dwcp_probe_id probe)
{
	struct dwcp_migration *migration = bpf_map_lookup_elem(&migrations_inflight, key);
	struct dwcp_hist *hist;
	__u64 now = bpf_ktime_get_ns();
	__u64 start_ns;

	if (!migration) {
		count_bad_arg(probe, DWCP_BAD_UNMATCHED_END);
		return;
	}
	start_ns = migration->start_ns;
	if (labels_from_start) {
		outcome->dwcp_enabled = migration->dwcp_enabled;
		__builtin_memcpy(outcome->dest_node, migration->dest_node, sizeof(outcome->dest_node));
	}
	if (bpf_map_delete_elem(&migrations_inflight, key) != 0) {
		count_bad_arg(probe, DWCP_BAD_UNMATCHED_END);
		return;
	}
	outcome->success = flag_arg(success, probe);
	hist = lookup_or_init(&migration_outcomes, outcome, &zero_hist, DWCP_MAP_MIGRATION_DURATION);
	if (hist)
		hist_observe(hist, migration_slot_bounds, migration_slot_first, now > start_ns ? now - start_ns : 0);
}

SEC("usdt")
int DWCP_USDT(migration_end, const char *migration_id, __u64 success)
{
	struct dwcp_proc_label_key key;
	struct dwcp_migration_outcome_key outcome;

	__builtin_memset(&outcome, 0, sizeof(outcome));
	migration_key(&key, migration_id, DWCP_PROBE_MIGRATION_END);
	finish_migration(&key, &outcome, true, success, DWCP_PROBE_MIGRATION_END);
	return 0;
}

SEC("usdt")
int DWCP_USDT(migration_done, const char *migration_id, const char *dest_node, __u64 dwcp_enabled, __u64 success)
{
	struct dwcp_proc_label_key key;
	struct dwcp_migration_outcome_key outcome;

	__builtin_memset(&outcome, 0, sizeof(outcome));
	migration_key(&key, migration_id, DWCP_PROBE_MIGRATION_DONE);
	read_label(outcome.dest_node, dest_node, DWCP_PROBE_MIGRATION_DONE);
	outcome.dwcp_enabled = flag_arg(dwcp_enabled, DWCP_PROBE_MIGRATION_DONE);
	finish_migration(&key, &outcome, false, success, DWCP_PROBE_MIGRATION_DONE);
	return 0;
}

SEC("usdt")
int DWCP_USDT(speedup, const char *vm_type, __u64 factor_x1000)
{
	set_proc_level(&speedups, vm_type, factor_x1000, DWCP_PROBE_SPEEDUP, DWCP_MAP_SPEEDUP);
	return 0;
}
