/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * histogram.h: the one histogram layout of dwcp-bpf, shared by the BPF
 * programs and the exporter.
 *
 * What it offers
 *   - struct dwcp_hist: per-slot (not cumulative) counts and a sum, in the
 *     raw unit of the observation (nanoseconds, ratio x 1000).
 *   - dwcp_hist_slot(): the slot of a value, in a few dozen instructions
 *     and no branch; the same code runs in BPF and in the unit tests.
 *   - DWCP_HIST_TABLES(): the tables a BPF object needs for one kind.
 *   - dwcp_hist_count(): the observations a histogram holds.
 *   - dwcp_classic_bucket(): a classic bucket by its definition (ground truth).
 *   - dwcp_ratio_milli(): original/compressed x 1000 without overflow.
 *
 * Two kinds of bucket from one count. Each histogram is served with classic
 * buckets, whose bounds are the round numbers operators write in PromQL
 * ("le"), and with native buckets of schema 3, whose bounds are the powers
 * of 2^(1/8) of the base unit (seconds, ratio): eight per power of two, so
 * a quantile is off by one bucket (9%) at most. The bounds of both kinds,
 * rounded down to the raw unit, are the slot bounds (bpf/gen_hist_slots.py
 * writes them into dwcp_hist_slots.h at build time, with every kind's
 * classic bounds), and a value is counted once, in its slot: the slot with
 * the first bound >= the value, upper bounds inclusive as in Prometheus. Slot 0 (bound 0) is the
 * zero bucket. The exporter sums slots into either kind of bucket, so the
 * classic and the native counts of one scrape are the same observations,
 * whatever runs concurrently; the count is their total.
 */
#ifndef DWCP_HISTOGRAM_H
#define DWCP_HISTOGRAM_H

#ifdef __bpf__
#define DWCP_HIST_INLINE static __always_inline
#else
#include <linux/types.h> /* __u64, __u32 as the kernel's UAPI defines them */
#define DWCP_HIST_INLINE static inline
#endif

#include "dwcp_hist_slots.h"

/* Classic bounds one kind has at most. */
#define DWCP_HIST_MAX_BOUNDS 24

struct dwcp_hist {
	__u64 slots[DWCP_HIST_SLOTS];
	__u64 sum;
};

enum dwcp_hist_kind {
	DWCP_HIST_OP_LATENCY,      /* nanoseconds, exported in seconds */
	DWCP_HIST_COMPRESSION,     /* ratio x 1000, exported as a ratio */
	DWCP_HIST_MIGRATION,       /* nanoseconds, exported in seconds */
	DWCP_HIST_FEDERATION_SYNC, /* nanoseconds, exported in seconds */
	DWCP_HIST_KIND_COUNT,
};

#define DWCP_NS_PER_US 1000ull
#define DWCP_NS_PER_MS 1000000ull
#define DWCP_NS_PER_S 1000000000ull
#define DWCP_RATIO_SCALE 1000ull

/* The slot tables of one kind (KIND: OP_LATENCY, ...), as a BPF object
 * keeps them in .rodata: the slot bounds and the first slot of each
 * subrange. */
#define DWCP_HIST_TABLES(prefix, KIND)                                         \
	static const __u64 prefix##_slot_bounds[DWCP_SLOT_TABLE_LEN] = DWCP_##KIND##_SLOT_BOUNDS; \
	static const __u16 prefix##_slot_first[DWCP_SLOT_SUBRANGES] = DWCP_##KIND##_SLOT_FIRST

/*
 * Keeps the compiler from seeing through x: without it clang turns the
 * arithmetic below back into compares, which BPF can only lower to
 * branches (no setcc, no cmov): mispredicted on varied values, and a
 * verifier state per path.
 */
#define DWCP_OPAQUE(x) asm volatile("" : "+r"(x))

#ifdef __clang__
#define DWCP_UNROLL _Pragma("unroll")
#else
#define DWCP_UNROLL
#endif

/* 1 when x != 0, for x < 2^63: x | -x has its top bit set exactly then. */
DWCP_HIST_INLINE __u64 dwcp_nonzero(__u64 x)
{
	__u64 neg = -x;

	DWCP_OPAQUE(neg);
	return (x | neg) >> 63;
}

/* 1 when a < v: the borrow of a - v (Hacker's Delight, 2-13). */
DWCP_HIST_INLINE __u64 dwcp_below(__u64 a, __u64 v)
{
	__u64 diff = a - v;

	DWCP_OPAQUE(diff);
	return ((~a & v) | (~(a ^ v) & diff)) >> 63;
}

/* floor(log2(v)), and 0 for v = 0 (clang 14 cannot lower __builtin_clzll
 * for BPF). */
DWCP_HIST_INLINE __u64 dwcp_log2(__u64 v)
{
	__u64 r = 0, s;

	s = dwcp_nonzero(v >> 32) << 5;
	v >>= s;
	r |= s;
	s = dwcp_nonzero(v >> 16) << 4;
	v >>= s;
	r |= s;
	s = dwcp_nonzero(v >> 8) << 3;
	v >>= s;
	r |= s;
	s = dwcp_nonzero(v >> 4) << 2;
	v >>= s;
	r |= s;
	s = dwcp_nonzero(v >> 2) << 1;
	v >>= s;
	r |= s;
	return r | (v >> 1);
}

/*
 * The slot of value: the number of slot bounds below it. Its power of two
 * k and the next four bits name one of 1024 subranges; first[] holds how
 * many bounds lie below each, and at most DWCP_SLOT_WINDOW bounds lie inside
 * one (the generator checks), so a few compares of the bounds that follow
 * finish the count. Every index is masked to its table, which is what the
 * verifier needs to know.
 */
DWCP_HIST_INLINE __u32 dwcp_hist_slot(const __u64 *slot_bounds, const __u16 *first, __u64 value)
{
	__u64 k = dwcp_log2(value);
	__u64 sub = ((value << (63 - k)) >> (63 - DWCP_SLOT_SUB_BITS)) & ((1u << DWCP_SLOT_SUB_BITS) - 1);
	__u64 subrange = (k << DWCP_SLOT_SUB_BITS) | sub;
	__u64 base, slot;
	int j;

	/* the masks must come last, where the verifier sees them: kernels
	 * before 6.x lose the bounds of an OR, so clang may not fold a mask
	 * into the operands */
	DWCP_OPAQUE(subrange);
	base = first[subrange & (DWCP_SLOT_SUBRANGES - 1)];
	slot = base;
	DWCP_UNROLL
	for (j = 0; j < DWCP_SLOT_WINDOW; j++) {
		__u64 index = base + j;

		DWCP_OPAQUE(index);
		slot += dwcp_below(slot_bounds[index & (DWCP_SLOT_TABLE_LEN - 1)], value);
	}
	return (__u32)slot;
}

/* The classic bucket of value by its definition, the first bound >= value
 * (nbounds: above every bound), for the ground truth the simulator and the
 * tests keep; BPF counts slots instead. */
DWCP_HIST_INLINE __u32 dwcp_classic_bucket(const __u64 *bounds, __u32 nbounds, __u64 value)
{
	__u32 i;

	for (i = 0; i < nbounds; i++)
		if (value <= bounds[i])
			return i;
	return nbounds;
}

/* How many observations a histogram holds: the total of its slots. */
DWCP_HIST_INLINE __u64 dwcp_hist_count(const struct dwcp_hist *hist)
{
	__u64 n = 0;
	__u32 i;

	for (i = 0; i < DWCP_HIST_SLOTS; i++)
		n += hist->slots[i];
	return n;
}

/*
 * original/compressed x 1000, rounded down, saturating at ~0 (UINT64_MAX).
 * compressed == 0 has no ratio: the caller counts it as a bad argument and
 * observes nothing; the function returns 0 then.
 */
DWCP_HIST_INLINE __u64 dwcp_ratio_milli(__u64 original, __u64 compressed)
{
	__u64 whole, rest, fraction = 0;
	int digit_pos, step;

	if (compressed == 0)
		return 0;
	/* below 2^54 bytes (16 PiB) original x 1000 fits in 64 bits */
	if (original <= ~0ull / DWCP_RATIO_SCALE)
		return original * DWCP_RATIO_SCALE / compressed;
	whole = original / compressed;
	rest = original % compressed;
	if (whole > ~0ull / DWCP_RATIO_SCALE)
		return ~0ull;
	/* three decimal digits of rest/compressed by long division; 10 * rest
	 * may not fit in 64 bits, so each step adds rest ten times modulo
	 * compressed. Without a branch: thirty data-dependent branches would
	 * be mispredicted, and the verifier would walk their paths with the
	 * value precise, since it goes on to index the slot tables. */
	for (digit_pos = 0; digit_pos < 3; digit_pos++) {
		__u64 r = 0, digit = 0;

		DWCP_UNROLL
		for (step = 0; step < 10; step++) {
			__u64 gap = compressed - rest;          /* r + rest >= compressed iff r >= gap */
			__u64 wraps = 1 - dwcp_below(r, gap);   /* 1: the step wraps around */
			__u64 mask = -wraps;

			r = ((r - gap) & mask) | ((r + rest) & ~mask);
			digit += wraps;
		}
		fraction = fraction * 10 + digit;
		rest = r;
	}
	if (whole * DWCP_RATIO_SCALE > ~0ull - fraction)
		return ~0ull;
	return whole * DWCP_RATIO_SCALE + fraction;
}

#endif /* DWCP_HISTOGRAM_H */
