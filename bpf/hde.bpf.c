// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hde.bpf.c: HDE (hierarchical delta encoding) probes.
 *
 * hde_by_type:        per data type: ratio histogram, original/compressed
 *                     bytes, compress operations, delta hits
 * decompress_results: decompress operations by success
 * baselines:          per (process, baseline type), last count
 * dictionary_levels:  per process, last efficiency (percent x 100)
 */
#include "dwcp_common.bpf.h"

DWCP_HIST_TABLES(compression, COMPRESSION);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, DWCP_MAX_LABELS);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* 4 KB a series per CPU: bpf/README.md */
	__type(key, struct dwcp_label_key);
	__type(value, struct dwcp_hde_type_stats);
} hde_by_type SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DWCP_DECOMPRESS_RESULT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} decompress_results SEC(".maps");

DWCP_PROC_LEVEL_MAP(baselines, DWCP_MAX_PROC_LABELS);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DWCP_MAX_PROCS);
	__type(key, struct dwcp_proc_key);
	__type(value, struct dwcp_level);
} dictionary_levels SEC(".maps");

static struct dwcp_hde_type_stats zero_stats;

SEC("usdt")
int DWCP_USDT(compress, const char *data_type, __u64 original_bytes, __u64 compressed_bytes, __u64 delta_hit)
{
	struct dwcp_label_key key;
	struct dwcp_hde_type_stats *stats;
	int bytes_in_range = original_bytes <= DWCP_MAX_BYTES_PER_EVENT &&
			     compressed_bytes <= DWCP_MAX_BYTES_PER_EVENT;

	__builtin_memset(&key, 0, sizeof(key));
	read_label(key.label, data_type, DWCP_PROBE_COMPRESS);
	stats = lookup_or_init(&hde_by_type, &key, &zero_stats, DWCP_MAP_HDE_BY_TYPE);
	if (!stats)
		return 0;
	counter_add(&stats->compress_ops, 1);
	if (delta_hit)
		counter_add(&stats->delta_hits, 1);
	/* absurd sizes would poison the byte counters for good: count the
	 * operation, skip its sizes, and say so */
	if (!bytes_in_range || compressed_bytes == 0) {
		count_bad_arg(DWCP_PROBE_COMPRESS, DWCP_BAD_OUT_OF_RANGE);
		if (!bytes_in_range)
			return 0;
	}
	counter_add(&stats->bytes_original, original_bytes);
	counter_add(&stats->bytes_compressed, compressed_bytes);
	if (compressed_bytes != 0)
		hist_observe(&stats->ratio, compression_slot_bounds, compression_slot_first,
			     dwcp_ratio_milli(original_bytes, compressed_bytes));
	return 0;
}

SEC("usdt")
int DWCP_USDT(decompress, __u64 success)
{
	__u32 key = success ? DWCP_DECOMPRESS_SUCCESS : DWCP_DECOMPRESS_FAILURE;
	__u64 *count = bpf_map_lookup_elem(&decompress_results, &key);

	if (success > 1)
		count_bad_arg(DWCP_PROBE_DECOMPRESS, DWCP_BAD_OUT_OF_RANGE);
	if (count)
		counter_add(count, 1);
	return 0;
}

SEC("usdt")
int DWCP_USDT(baseline, const char *baseline_type, __u64 count)
{
	set_proc_level(&baselines, baseline_type, count, DWCP_PROBE_BASELINE, DWCP_MAP_BASELINES);
	return 0;
}

SEC("usdt")
int DWCP_USDT(dictionary, __u64 efficiency_x100)
{
	struct dwcp_proc_key key = { .tgid = current_tgid() };
	struct dwcp_level level = { .value = efficiency_x100, .updated_ns = bpf_ktime_get_ns() };

	if (efficiency_x100 > DWCP_MAX_DICTIONARY_EFFICIENCY) {
		count_bad_arg(DWCP_PROBE_DICTIONARY, DWCP_BAD_OUT_OF_RANGE);
		return 0;
	}
	checked_update(&dictionary_levels, &key, &level, BPF_ANY, DWCP_MAP_DICTIONARY);
	return 0;
}
