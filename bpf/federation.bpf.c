// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * federation.bpf.c: cross-cluster federation probes.
 *
 * sync_durations:  (remote cluster, sync type) -> histogram of duration_ns
 * bandwidth_saved_bytes: bytes saved per remote cluster
 */
#include "dwcp_common.bpf.h"

DWCP_HIST_TABLES(sync, FEDERATION_SYNC);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, DWCP_MAX_LABELS);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* 4 KB a series per CPU: bpf/README.md */
	__type(key, struct dwcp_two_label_key);
	__type(value, struct dwcp_hist);
} sync_durations SEC(".maps");

DWCP_LABEL_COUNTER_MAP(bandwidth_saved_bytes, DWCP_MAX_LABELS);

static struct dwcp_hist zero_hist;

SEC("usdt")
int DWCP_USDT(federation_sync, const char *remote_cluster, const char *sync_type, __u64 duration_ns)
{
	struct dwcp_two_label_key key;
	struct dwcp_hist *hist;

	__builtin_memset(&key, 0, sizeof(key));
	read_label(key.first, remote_cluster, DWCP_PROBE_FEDERATION_SYNC);
	read_label(key.second, sync_type, DWCP_PROBE_FEDERATION_SYNC);
	hist = lookup_or_init(&sync_durations, &key, &zero_hist, DWCP_MAP_FEDERATION_SYNC);
	if (hist)
		hist_observe(hist, sync_slot_bounds, sync_slot_first, duration_ns);
	return 0;
}

SEC("usdt")
int DWCP_USDT(bandwidth_saved, const char *remote_cluster, __u64 bytes)
{
	if (bytes > DWCP_MAX_BYTES_PER_EVENT) {
		count_bad_arg(DWCP_PROBE_BANDWIDTH_SAVED, DWCP_BAD_OUT_OF_RANGE);
		return 0;
	}
	add_label_counter(&bandwidth_saved_bytes, remote_cluster, bytes, DWCP_PROBE_BANDWIDTH_SAVED,
			  DWCP_MAP_BANDWIDTH_SAVED);
	return 0;
}
