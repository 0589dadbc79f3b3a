/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * histogram.h: the one histogram layout of dwcp-bpf, shared by the BPF
 * programs and the exporter.
 *
 * What it offers
 *   - struct dwcp_hist: per-bucket (not cumulative) counts, a sum and a count,
 *     in the raw unit of the observation (nanoseconds, ratio x 1000).
 *   - The bucket bounds of each histogram kind, chosen for what it measures,
 *     as inclusive upper bounds ("le") in the raw unit.
 *   - dwcp_hist_slot(): the bucket of a value; the same code runs in BPF and
 *     in the unit tests.
 *   - dwcp_ratio_milli(): original/compressed x 1000 without overflow.
 *
 * Bounds are explicit rather than log2 so that the exporter's "le" labels are
 * the round numbers operators write in PromQL, and so that the SLA the seed
 * names (a 5-minute migration) is a bucket bound, not an interpolation.
 */
#ifndef DWCP_HISTOGRAM_H
#define DWCP_HISTOGRAM_H

#ifdef __bpf__
#define DWCP_HIST_INLINE static __always_inline
#else
#include <linux/types.h> /* __u64, __u32 as the kernel's UAPI defines them */
#define DWCP_HIST_INLINE static inline
#endif

/* Finite buckets at most; one more slot counts values above the last bound. */
#define DWCP_HIST_MAX_BOUNDS 24

struct dwcp_hist {
	__u64 buckets[DWCP_HIST_MAX_BOUNDS + 1];
	__u64 sum;
	__u64 count;
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

/* AMST operations: 50 us to 10 s. */
#define DWCP_OP_LATENCY_BOUNDS                                                 \
	{                                                                      \
		50 * DWCP_NS_PER_US, 100 * DWCP_NS_PER_US,                     \
			250 * DWCP_NS_PER_US, 500 * DWCP_NS_PER_US,            \
			1 * DWCP_NS_PER_MS, 2500 * DWCP_NS_PER_US,             \
			5 * DWCP_NS_PER_MS, 10 * DWCP_NS_PER_MS,               \
			25 * DWCP_NS_PER_MS, 50 * DWCP_NS_PER_MS,              \
			100 * DWCP_NS_PER_MS, 250 * DWCP_NS_PER_MS,            \
			500 * DWCP_NS_PER_MS, 1 * DWCP_NS_PER_S,               \
			2500 * DWCP_NS_PER_MS, 5 * DWCP_NS_PER_S,              \
			10 * DWCP_NS_PER_S                                     \
	}
#define DWCP_OP_LATENCY_NBOUNDS 17

/* Compression ratio original/compressed: 1x to 100x; the seed's alert is 3x. */
#define DWCP_COMPRESSION_BOUNDS                                                \
	{                                                                      \
		1000, 1500, 2000, 2500, 3000, 4000, 5000, 7500, 10000, 15000,  \
			20000, 30000, 50000, 75000, 100000                     \
	}
#define DWCP_COMPRESSION_NBOUNDS 15

/* Migrations: 1 s to 1 h; 300 s is the seed's SLA, 600 s twice it. */
#define DWCP_MIGRATION_BOUNDS                                                  \
	{                                                                      \
		1 * DWCP_NS_PER_S, 2 * DWCP_NS_PER_S, 5 * DWCP_NS_PER_S,       \
			10 * DWCP_NS_PER_S, 15 * DWCP_NS_PER_S,                \
			30 * DWCP_NS_PER_S, 60 * DWCP_NS_PER_S,                \
			120 * DWCP_NS_PER_S, 180 * DWCP_NS_PER_S,              \
			240 * DWCP_NS_PER_S, 300 * DWCP_NS_PER_S,              \
			450 * DWCP_NS_PER_S, 600 * DWCP_NS_PER_S,              \
			900 * DWCP_NS_PER_S, 1800 * DWCP_NS_PER_S,             \
			3600 * DWCP_NS_PER_S                                   \
	}
#define DWCP_MIGRATION_NBOUNDS 16

/* Federation syncs: 10 ms to 5 min. */
#define DWCP_FEDERATION_SYNC_BOUNDS                                            \
	{                                                                      \
		10 * DWCP_NS_PER_MS, 25 * DWCP_NS_PER_MS,                      \
			50 * DWCP_NS_PER_MS, 100 * DWCP_NS_PER_MS,             \
			250 * DWCP_NS_PER_MS, 500 * DWCP_NS_PER_MS,            \
			1 * DWCP_NS_PER_S, 2500 * DWCP_NS_PER_MS,              \
			5 * DWCP_NS_PER_S, 10 * DWCP_NS_PER_S,                 \
			30 * DWCP_NS_PER_S, 60 * DWCP_NS_PER_S,                \
			120 * DWCP_NS_PER_S, 300 * DWCP_NS_PER_S               \
	}
#define DWCP_FEDERATION_SYNC_NBOUNDS 14

/*
 * Index of the bucket that counts value: the first bound >= value, or nbounds
 * when value exceeds every bound (counted only by +Inf). Bounds ascend.
 * A linear scan: at most 24 compares, bounded for the verifier, and no
 * __builtin_clz (clang 14 cannot lower it for BPF).
 */
DWCP_HIST_INLINE __u32 dwcp_hist_slot(const __u64 *bounds, __u32 nbounds, __u64 value)
{
	__u32 i;

	for (i = 0; i < DWCP_HIST_MAX_BOUNDS; i++) {
		if (i >= nbounds)
			break;
		if (value <= bounds[i])
			return i;
	}
	return nbounds < DWCP_HIST_MAX_BOUNDS ? nbounds : DWCP_HIST_MAX_BOUNDS;
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
	whole = original / compressed;
	rest = original % compressed;
	if (whole > ~0ull / DWCP_RATIO_SCALE)
		return ~0ull;
	/* three decimal digits of rest/compressed by long division; 10 * rest
	 * may not fit in 64 bits, so each step adds rest ten times modulo
	 * compressed (bounded loops: fine for the verifier) */
	for (digit_pos = 0; digit_pos < 3; digit_pos++) {
		__u64 r = 0, digit = 0;

		for (step = 0; step < 10; step++) {
			if (r >= compressed - rest) {
				r -= compressed - rest;
				digit++;
			} else {
				r += rest;
			}
		}
		fraction = fraction * 10 + digit;
		rest = r;
	}
	if (whole * DWCP_RATIO_SCALE > ~0ull - fraction)
		return ~0ull;
	return whole * DWCP_RATIO_SCALE + fraction;
}

#endif /* DWCP_HISTOGRAM_H */
