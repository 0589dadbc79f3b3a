/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * dwcp_common.bpf.h: what every DWCP BPF object shares.
 *
 * What it offers
 *   - DWCP_USDT(): BPF_USDT for our programs: the same arguments (read by
 *     dwcp_usdt_args.bpf.h), plus the preemption safety below and the count
 *     of preempted runs.
 *   - counter_add(): the one way a counter is incremented.
 *   - The diagnostic maps of each object: "bad_args" (probe x reason),
 *     "map_full" (per map id) and "cpu_runs" (preempted runs), per-CPU
 *     counters the exporter sums.
 *   - read_label(): a probe's string argument into a zeroed 64-byte label,
 *     counting NULL/unreadable and truncated strings.
 *   - lookup_or_init(): the per-CPU slot of a key, created on first use,
 *     counting a full map instead of failing silently.
 *   - hist_observe(): one observation into a struct dwcp_hist.
 *
 * Preemption. A uprobe's BPF programs run with migration disabled, not
 * preemption: on a kernel with full or lazy preemption (Debian's 7.x
 * default is lazy) a run can be preempted and another task can run the same
 * program on the same CPU before it resumes. Two things follow:
 *   - The x86-64 JIT of 6.13+ gives a program with 64 or more bytes of stack
 *     a per-CPU "private stack" instead of the task's stack, so two
 *     interleaved runs would build their keys in the same memory (wrong
 *     stream ids, bytes on the wrong stream: seen on 7.2). The verifier never
 *     gives a private stack to a program that contains a tail call, so
 *     DWCP_USDT ends every program with a tail call into an empty program
 *     array: never taken, a few instructions. (Stacks under 64 bytes cannot
 *     hold a 64-byte label key, and a per-CPU scratch buffer would be shared
 *     the same way.) For the same reason no program keeps state in a per-CPU
 *     scratch map.
 *   - A plain read-modify-write of a per-CPU value can lose an update when a
 *     run is preempted between its load and its store and another run adds
 *     to the same slot. Every counter is therefore added atomically
 *     (counter_add: BPF_XADD, on a per-CPU slot an uncontended lock add).
 *     Stores of one value (levels, end times) need nothing: the last one
 *     wins, as it would between threads anyway.
 * "cpu_runs" counts runs that were preempted mid-run (their task was switched
 * out between the start and the end of the program, so other tasks, and
 * other runs, ran on that CPU meanwhile): 0 on kernels that do not preempt
 * BPF programs. Until issue 15 it counted runs that began while another was
 * in progress on the CPU, with an atomic increment and decrement of a
 * per-CPU count in every run: about 17 ns a run on this project's machine,
 * where reading the task's preemption count twice costs about 2
 * (tests/bench/README.md).
 */
#ifndef DWCP_COMMON_BPF_H
#define DWCP_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "dwcp_maps.h"
#include "dwcp_usdt_args.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Never filled: the target of DWCP_USDT's tail call, which only has to exist. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} no_tail_call SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DWCP_RUNS_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} cpu_runs SEC(".maps");

/* Atomic even on per-CPU values: see "Preemption" above. */
static __always_inline void counter_add(__u64 *counter, __u64 delta)
{
	__sync_fetch_and_add(counter, delta);
}

/* How often the current task was preempted so far (its involuntary context
 * switches). A BTF pointer to the task makes it one load; kernels before
 * 5.11 lack bpf_get_current_task_btf() and read it with a helper (the
 * verifier drops the branch this kernel does not take). */
static __always_inline __u64 task_preemptions(void)
{
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf))
		return bpf_get_current_task_btf()->nivcsw;
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), nivcsw);
}

static __always_inline __u64 run_enter(void)
{
	return task_preemptions();
}

/* A run whose task was switched out between run_enter and here was
 * preempted mid-run: counted (rarely, so the lookup and the add cost
 * nothing in the common case). */
static __always_inline void run_exit(void *ctx, __u64 preemptions_at_enter)
{
	if (task_preemptions() != preemptions_at_enter) {
		__u32 index = DWCP_RUNS_PREEMPTED;
		__u64 *preempted = bpf_map_lookup_elem(&cpu_runs, &index);

		if (preempted)
			counter_add(preempted, 1);
	}
	/* never taken (the array is empty): it is here so that the verifier
	 * gives this program no private stack */
	bpf_tail_call(ctx, &no_tail_call, 0);
}

/*
 * BPF_USDT (libbpf's usdt.bpf.h) with our argument reader
 * (dwcp_usdt_args.bpf.h: one spec lookup per event, registers read without
 * helper calls) and run_enter()/run_exit() around the body: use it for every
 * program, as SEC("usdt") int DWCP_USDT(name, args).
 */
#define DWCP_USDT(name, args...)                                               \
	name(struct pt_regs *ctx);                                             \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args); \
	typeof(name(0)) name(struct pt_regs *ctx)                              \
	{                                                                      \
		__u64 preemptions = run_enter();                               \
		dwcp_usdt_spec_t spec = dwcp_usdt_spec(ctx);                   \
		typeof(name(0)) ret;                                           \
		_Pragma("GCC diagnostic push")                                 \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")        \
		ret = ____##name(DWCP_USDT_ARGS(args));                        \
		_Pragma("GCC diagnostic pop")                                  \
		run_exit(ctx, preemptions);                                    \
		return ret;                                                    \
	}                                                                      \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args)

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
		counter_add(slot, 1);
}

static __always_inline void count_map_full(enum dwcp_map_id map)
{
	__u32 index = map;
	__u64 *slot = bpf_map_lookup_elem(&map_full, &index);

	if (slot)
		counter_add(slot, 1);
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
 * is cut at 63 and counted, so the label still aggregates. Returns how many
 * bytes of dst were written, its NUL included (1 to DWCP_LABEL_LEN): the
 * rest stays zero.
 */
static __always_inline long read_label(char *dst, const char *src, enum dwcp_probe_id probe)
{
	long n = bpf_probe_read_user_str(dst, DWCP_LABEL_LEN, src);

	/* an empty string reads as 0 bytes on 5.10 to 6.12 and as 1 (its
	 * NUL) on 6.18 and 7.2 (the kernel matrix): both are "", not
	 * unreadable */
	if (n == 0)
		return 1;
	if (n < 0) {
		__builtin_memcpy(dst, DWCP_LABEL_UNREADABLE, sizeof(DWCP_LABEL_UNREADABLE));
		count_bad_arg(probe, DWCP_BAD_UNREADABLE_STRING);
		return sizeof(DWCP_LABEL_UNREADABLE);
	}
	if (n == DWCP_LABEL_LEN) {
		char next = 0;

		/* 63 bytes fit exactly when the 64th is the terminator */
		if (bpf_probe_read_user(&next, 1, src + DWCP_LABEL_LEN - 1) != 0 || next != 0)
			count_bad_arg(probe, DWCP_BAD_TRUNCATED_STRING);
	}
	return n;
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
	/* -EEXIST: another CPU, or a run that preempted this one, created it
	 * first; either way it exists now */
	return bpf_map_lookup_elem(map, key);
}

/* One observation: its slot and the sum, two atomic adds (the count is the
 * total of the slots). */
static __always_inline void hist_observe(struct dwcp_hist *hist, const __u64 *slot_bounds, const __u16 *slot_first,
					 __u64 value)
{
	__u32 slot = dwcp_hist_slot(slot_bounds, slot_first, value);

	if (slot >= DWCP_HIST_SLOTS)
		slot = DWCP_HIST_SLOTS - 1;
	counter_add(&hist->slots[slot], 1);
	counter_add(&hist->sum, value);
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
		counter_add(count, delta);
}

#endif /* DWCP_COMMON_BPF_H */
