/*
 * dwcp_common.bpf.h: what every DWCP BPF object shares.
 *
 * What it offers
 *   - The diagnostic maps of each object: "bad_args" (probe x reason) and
 *     "map_full" (per map id), per-CPU counters the exporter sums.
 *   - read_label(): a probe's string argument into a zeroed 64-byte label,
 *     counting NULL/unreadable and truncated strings.
 *   - lookup_or_init(): the per-CPU slot of a key, created on first use,
 *     counting a full map instead of failing silently.
 *   - hist_observe(): one observation into a struct dwcp_hist.
 *
 * Uprobe programs run with preemption disabled and never nest on one CPU, so
 * per-CPU values are updated with plain adds; shared (non per-CPU) values use
 * atomic adds.
 */
#ifndef DWCP_COMMON_BPF_H
#define DWCP_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>
#include "dwcp_maps.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DWCP_BAD_ARG_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} bad_args SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DWCP_MAP_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} map_full SEC(".maps");

static __always_inline void count_bad_arg(enum dwcp_probe_id probe, enum dwcp_bad_arg_reason reason)
{
	__u32 index = DWCP_BAD_ARG_INDEX(probe, reason);
	__u64 *slot = bpf_map_lookup_elem(&bad_args, &index);

	if (slot)
		*slot += 1;
}

static __always_inline void count_map_full(enum dwcp_map_id map)
{
	__u32 index = map;
	__u64 *slot = bpf_map_lookup_elem(&map_full, &index);

	if (slot)
		*slot += 1;
}

/* Insert result of a map update: count the full-map case, which is the one an
 * operator can act on (raise the size); other failures cannot happen for the
 * key and value sizes we pass. */
static __always_inline long checked_update(void *map, const void *key, const void *value, __u64 flags,
					   enum dwcp_map_id map_id)
{
	long err = bpf_map_update_elem(map, key, value, flags);

	if (err == -E2BIG || err == -ENOMEM)
		count_map_full(map_id);
	return err;
}

/*
 * dst must be zeroed DWCP_LABEL_LEN bytes (it is part of a map key). A NULL
 * or unmapped pointer yields DWCP_LABEL_UNREADABLE; text longer than 63 bytes
 * is cut at 63 and counted, so the label still aggregates.
 */
static __always_inline void read_label(char *dst, const char *src, enum dwcp_probe_id probe)
{
	long n = bpf_probe_read_user_str(dst, DWCP_LABEL_LEN, src);

	if (n < 0) {
		__builtin_memcpy(dst, DWCP_LABEL_UNREADABLE, sizeof(DWCP_LABEL_UNREADABLE));
		count_bad_arg(probe, DWCP_BAD_UNREADABLE_STRING);
		return;
	}
	if (n == DWCP_LABEL_LEN) {
		char next = 0;

		/* 63 bytes fit exactly when the 64th is the terminator */
		if (bpf_probe_read_user(&next, 1, src + DWCP_LABEL_LEN - 1) != 0 || next != 0)
			count_bad_arg(probe, DWCP_BAD_TRUNCATED_STRING);
	}
}

static __always_inline void *lookup_or_init(void *map, const void *key, const void *zero,
					    enum dwcp_map_id map_id)
{
	void *value = bpf_map_lookup_elem(map, key);
	long err;

	if (value)
		return value;
	err = bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	if (err == -E2BIG || err == -ENOMEM) {
		count_map_full(map_id);
		return NULL;
	}
	/* -EEXIST: another CPU created it first; either way it exists now */
	return bpf_map_lookup_elem(map, key);
}

static __always_inline void hist_observe(struct dwcp_hist *hist, const __u64 *bounds, __u32 nbounds, __u64 value)
{
	__u32 slot = dwcp_hist_slot(bounds, nbounds, value);

	if (slot > DWCP_HIST_MAX_BOUNDS)
		slot = DWCP_HIST_MAX_BOUNDS;
	hist->buckets[slot] += 1;
	hist->sum += value;
	hist->count += 1;
}

static __always_inline __u32 current_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

/* Store a level probe's value for (process, label). */
static __always_inline void set_proc_level(void *map, const char *label_src, __u64 value,
					   enum dwcp_probe_id probe, enum dwcp_map_id map_id)
{
	struct dwcp_proc_label_key key;
	struct dwcp_level level = { .value = value, .updated_ns = bpf_ktime_get_ns() };

	__builtin_memset(&key, 0, sizeof(key));
	key.tgid = current_tgid();
	read_label(key.label, label_src, probe);
	checked_update(map, &key, &level, BPF_ANY, map_id);
}

/* Label maps: per-CPU counters keyed by one label. */
#define DWCP_LABEL_COUNTER_MAP(name, entries)                                  \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_PERCPU_HASH);                        \
		__uint(max_entries, entries);                                  \
		__type(key, struct dwcp_label_key);                            \
		__type(value, __u64);                                          \
	} name SEC(".maps")

/* Level maps: last value per (process, label). */
#define DWCP_PROC_LEVEL_MAP(name, entries)                                     \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_HASH);                               \
		__uint(max_entries, entries);                                  \
		__type(key, struct dwcp_proc_label_key);                       \
		__type(value, struct dwcp_level);                              \
	} name SEC(".maps")

static __always_inline void add_label_counter(void *map, const char *label_src, __u64 delta,
					      enum dwcp_probe_id probe, enum dwcp_map_id map_id)
{
	static const __u64 zero;
	struct dwcp_label_key key;
	__u64 *count;

	__builtin_memset(&key, 0, sizeof(key));
	read_label(key.label, label_src, probe);
	count = lookup_or_init(map, &key, &zero, map_id);
	if (count)
		*count += delta;
}

#endif /* DWCP_COMMON_BPF_H */
