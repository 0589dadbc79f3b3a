// SPDX-License-Identifier: Apache-2.0
/*
 * test_histogram.c: bpf/histogram.h as userspace sees it: the slot of a
 * value at and around every slot bound of every kind and across every
 * magnitude, against the definition; each slot's classic and native bucket
 * against the real bounds; the sums hist_render serves; and the compression
 * ratio in thousandths at its edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <math.h>

#include "histogram.h"
#include "exposition/hist_render.h"

#define KIND(name, KIND)                                                                               \
	{ name, (const __u64[])DWCP_##KIND##_BOUNDS, DWCP_##KIND##_NBOUNDS,                            \
	  (const __u64[DWCP_SLOT_TABLE_LEN])DWCP_##KIND##_SLOT_BOUNDS,                                  \
	  (const __u16[DWCP_SLOT_SUBRANGES])DWCP_##KIND##_SLOT_FIRST, (const int16_t[])DWCP_##KIND##_SLOT_NATIVE, \
	  (const uint8_t[])DWCP_##KIND##_SLOT_CLASSIC, DWCP_##KIND##_NSLOTS, DWCP_##KIND##_SCALE,       \
	  DWCP_HIST_##KIND }

static const struct {
	const char *name;
	const __u64 *bounds;
	__u32 nbounds;
	const __u64 *slot_bounds;
	const __u16 *slot_first;
	const int16_t *slot_native;
	const uint8_t *slot_classic;
	__u32 nslots;
	__u64 scale;
	enum dwcp_hist_kind kind;
} kinds[] = {
	KIND("op_latency", OP_LATENCY),
	KIND("compression", COMPRESSION),
	KIND("migration", MIGRATION),
	KIND("federation_sync", FEDERATION_SYNC),
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* The reference: the number of slot bounds below v, by definition. */
static __u32 reference_slot(size_t k, __u64 v)
{
	__u32 n = 0;

	while (n < kinds[k].nslots && kinds[k].slot_bounds[n] < v)
		n++;
	return n;
}

static void check_value(size_t k, __u64 v)
{
	__u32 got = dwcp_hist_slot(kinds[k].slot_bounds, kinds[k].slot_first, v);
	__u32 want = reference_slot(k, v);

	if (got != want)
		fail_msg("%s: slot of %llu is %u, want %u", kinds[k].name, (unsigned long long)v, got, want);
}

static void test_tables(void **state)
{
	(void)state;
	for (size_t k = 0; k < NKINDS; k++) {
		const __u64 *m = kinds[k].slot_bounds;

		assert_true(kinds[k].nbounds <= DWCP_HIST_MAX_BOUNDS);
		assert_true(kinds[k].nslots <= DWCP_HIST_SLOTS);
		for (__u32 i = 1; i < kinds[k].nbounds; i++)
			assert_true(kinds[k].bounds[i] > kinds[k].bounds[i - 1]);
		/* slot 0 is the zero bucket; the bounds ascend; the last takes
		 * every 64-bit value; the padding lies above every value */
		assert_int_equal(m[0], 0);
		for (__u32 s = 1; s < kinds[k].nslots; s++)
			assert_true(m[s] > m[s - 1]);
		assert_true(m[kinds[k].nslots - 1] == UINT64_MAX);
		for (__u32 s = kinds[k].nslots; s < DWCP_SLOT_TABLE_LEN; s++)
			assert_true(m[s] == UINT64_MAX);
		/* every classic bound is a slot bound */
		for (__u32 i = 0; i < kinds[k].nbounds; i++)
			assert_int_equal(m[reference_slot(k, kinds[k].bounds[i])], kinds[k].bounds[i]);
	}
	/* the SLA the design names is a bound, not an interpolation */
	assert_int_equal(((const __u64[])DWCP_MIGRATION_BOUNDS)[10], 300 * DWCP_NS_PER_S);
	assert_int_equal(((const __u64[])DWCP_COMPRESSION_BOUNDS)[4], 3000);
}

/* Every slot bound, its neighbours, powers of two and their neighbours, and
 * a pseudo-random sweep of every magnitude. */
static void test_slot_of_every_bound_and_a_sweep(void **state)
{
	__u64 x = 0x9E3779B97F4A7C15ull;

	(void)state;
	for (size_t k = 0; k < NKINDS; k++) {
		for (__u32 s = 0; s < kinds[k].nslots; s++) {
			__u64 b = kinds[k].slot_bounds[s];

			check_value(k, b);
			check_value(k, b + 1);
			if (b)
				check_value(k, b - 1);
		}
		for (int p = 0; p < 64; p++) {
			check_value(k, 1ull << p);
			check_value(k, (1ull << p) - 1);
			check_value(k, (1ull << p) + 1);
		}
		for (int i = 0; i < 300000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			check_value(k, x >> (i % 64));
		}
		check_value(k, 0);
		check_value(k, UINT64_MAX);
	}
}

/* Which real bound holds v, when floating point can tell: +1 above, -1 at
 * or below, 0 too close to call. */
static int side_of(__u64 v, __u64 scale, int index)
{
	long double bound = (long double)scale * exp2l((long double)index / (1 << DWCP_NATIVE_SCHEMA));
	long double d = (long double)v - bound;

	if (fabsl(d) <= bound * 1e-15L)
		return 0;
	return d > 0 ? 1 : -1;
}

/* A slot's native bucket i holds its values by the real bounds:
 * scale * 2^((i-1)/8) < v <= scale * 2^(i/8), checked at the slot's
 * smallest and largest value. Its classic bucket is the definition's. */
static void test_slot_buckets(void **state)
{
	(void)state;
	for (size_t k = 0; k < NKINDS; k++) {
		const __u64 *m = kinds[k].slot_bounds;

		assert_int_equal(kinds[k].slot_classic[0], 0);
		for (__u32 s = 1; s < kinds[k].nslots; s++) {
			__u64 lo = m[s - 1] + 1, hi = m[s];
			int i = kinds[k].slot_native[s];

			assert_int_equal(kinds[k].slot_classic[s], dwcp_classic_bucket(kinds[k].bounds, kinds[k].nbounds, lo));
			assert_int_equal(kinds[k].slot_classic[s], dwcp_classic_bucket(kinds[k].bounds, kinds[k].nbounds, hi));
			if (side_of(lo, kinds[k].scale, i - 1) == -1)
				fail_msg("%s slot %u: %llu is not above bucket %d's lower bound", kinds[k].name, s,
					 (unsigned long long)lo, i);
			if (hi != UINT64_MAX && side_of(hi, kinds[k].scale, i) == 1)
				fail_msg("%s slot %u: %llu is above bucket %d's upper bound", kinds[k].name, s,
					 (unsigned long long)hi, i);
		}
		/* the first native bucket is the one of 1 raw unit */
		assert_int_equal(side_of(1, kinds[k].scale, kinds[k].slot_native[1] - 1), 1);
	}
}

/* The rendered sums: classic and native totals agree, slot by slot. */
static void test_sum_slots(void **state)
{
	static struct dwcp_hist h;
	static struct hist_native native;
	uint64_t classic[DWCP_HIST_MAX_BOUNDS + 1];

	(void)state;
	for (size_t k = 0; k < NKINDS; k++) {
		uint64_t total = 0, ctotal = 0, ntotal;

		memset(&h, 0, sizeof(h));
		for (__u32 s = 0; s < kinds[k].nslots; s++) {
			h.slots[s] = s * 7 + 1;
			total += h.slots[s];
		}
		assert_int_equal(dwcp_hist_count(&h), total);
		hist_sum_slots(kinds[k].kind, &h, classic, &native);
		for (__u32 b = 0; b <= kinds[k].nbounds; b++)
			ctotal += classic[b];
		assert_int_equal(ctotal, total);
		ntotal = native.zero_count;
		assert_true(native.used <= HIST_NATIVE_MAX_BUCKETS);
		for (size_t i = 0; i < native.used; i++)
			ntotal += native.counts[i];
		assert_int_equal(ntotal, total);
		assert_int_equal(native.zero_count, h.slots[0]);
		assert_int_equal(native.first_index, kinds[k].slot_native[1]);
		/* the native bucket of 1 raw unit holds slot 1 alone */
		assert_int_equal(native.counts[0], h.slots[1]);
	}
}

/* Exact floor(original * 1000 / compressed) with 128-bit arithmetic. */
static __u64 reference_ratio(__u64 original, __u64 compressed)
{
	unsigned __int128 r;

	if (compressed == 0)
		return 0;
	r = (unsigned __int128)original * DWCP_RATIO_SCALE / compressed;
	return r > UINT64_MAX ? UINT64_MAX : (__u64)r;
}

static void test_ratio_edges(void **state)
{
	(void)state;
	assert_int_equal(dwcp_ratio_milli(100, 0), 0);
	assert_int_equal(dwcp_ratio_milli(0, 0), 0);
	assert_int_equal(dwcp_ratio_milli(0, 100), 0);
	assert_int_equal(dwcp_ratio_milli(4096, 4096), 1000);
	assert_int_equal(dwcp_ratio_milli(UINT64_MAX, UINT64_MAX), 1000);
	assert_int_equal(dwcp_ratio_milli(3000, 1000), 3000);
	assert_int_equal(dwcp_ratio_milli(1, 3), 333);
	assert_int_equal(dwcp_ratio_milli(2, 3), 666);
	assert_int_equal(dwcp_ratio_milli(10, 3), 3333);
	/* saturates rather than wraps */
	assert_int_equal(dwcp_ratio_milli(UINT64_MAX, 1), UINT64_MAX);
	assert_int_equal(dwcp_ratio_milli(UINT64_MAX / 1000 + 1, 1), UINT64_MAX);
	assert_int_equal(dwcp_ratio_milli(1, UINT64_MAX), 0);
	assert_int_equal(dwcp_ratio_milli(UINT64_MAX - 1, UINT64_MAX), 999);
}

/* Cases where original % compressed is too large to scale by 1000 directly. */
static void test_ratio_large_remainders(void **state)
{
	static const struct {
		__u64 original, compressed;
	} cases[] = {
		{ UINT64_MAX, 3 },
		{ (1ull << 63) + 1, 1ull << 62 },
		{ (1ull << 63) - 1, 1ull << 62 },
		{ UINT64_MAX, 1ull << 62 },
		{ UINT64_MAX, (1ull << 63) + 12345 },
		{ UINT64_MAX - 7, UINT64_MAX / 2 },
		{ 1ull << 60, (1ull << 60) - 1 },
		{ 123456789012345678ull, 98765432109876ull },
		{ UINT64_MAX / 1000 * 999, UINT64_MAX / 1000 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		__u64 o = cases[i].original, c = cases[i].compressed;
		__u64 got = dwcp_ratio_milli(o, c), want = reference_ratio(o, c);

		if (want == UINT64_MAX) {
			assert_int_equal(got, UINT64_MAX);
			continue;
		}
		/* never above the truth, the fraction stays < 1000, whole part exact */
		assert_true(got <= want);
		assert_int_equal(got / 1000, o / c);
		assert_true(got % 1000 < 1000);
		/* the scaled-down path may lose at most one thousandth */
		if (want - got > 1)
			fail_msg("ratio(%llu, %llu) = %llu, exact %llu", (unsigned long long)o,
				 (unsigned long long)c, (unsigned long long)got, (unsigned long long)want);
	}
	assert_int_equal(dwcp_ratio_milli((1ull << 63) + 1, 1ull << 62), 2000);
}

/*
 * "Rounded down" must hold on the path where the remainder is too large to
 * scale by 1000 first: dividing by compressed / 1000 (truncated) makes the
 * quotient too large. Remainders just below a thousandth boundary show it.
 */
static void test_ratio_rounds_down_when_remainder_is_huge(void **state)
{
	const __u64 c = (1ull << 50) * 1000 + 999; /* c / 1000 truncates the most */

	(void)state;
	assert_int_equal(dwcp_ratio_milli(1168684103302644748ull, 1125899906842624999ull), 1037);
	for (__u64 m = 17; m < 1000; m += 41) {
		/* the largest remainder whose exact fraction is still m - 1 */
		__u64 rest = (__u64)(((unsigned __int128)m * c + 999) / 1000) - 1;
		__u64 got = dwcp_ratio_milli(c + rest, c);

		if (got != reference_ratio(c + rest, c))
			fail_msg("ratio(%llu, %llu) = %llu, exact %llu", (unsigned long long)(c + rest),
				 (unsigned long long)c, (unsigned long long)got,
				 (unsigned long long)reference_ratio(c + rest, c));
	}
}

/* A sweep against the exact answer, including values near the 64-bit edge. */
static void test_ratio_sweep(void **state)
{
	__u64 x = 0x9E3779B97F4A7C15ull;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		__u64 o, c, got, want;

		/* xorshift64: a fixed sequence, the same on every run */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		o = x >> (x & 63);
		c = (x * 0x2545F4914F6CDD1Dull) >> ((x >> 6) & 63);
		got = dwcp_ratio_milli(o, c);
		want = reference_ratio(o, c);
		if (c == 0) {
			assert_int_equal(got, 0);
			continue;
		}
		if (want == UINT64_MAX || o / c >= UINT64_MAX / 1000) {
			assert_int_equal(got, UINT64_MAX);
			continue;
		}
		if (got > want || want - got > 1)
			fail_msg("ratio(%llu, %llu) = %llu, exact %llu", (unsigned long long)o,
				 (unsigned long long)c, (unsigned long long)got, (unsigned long long)want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_slot_of_every_bound_and_a_sweep),
		cmocka_unit_test(test_slot_buckets),
		cmocka_unit_test(test_sum_slots),
		cmocka_unit_test(test_ratio_edges),
		cmocka_unit_test(test_ratio_large_remainders),
		cmocka_unit_test(test_ratio_rounds_down_when_remainder_is_huge),
		cmocka_unit_test(test_ratio_sweep),
	};

	return cmocka_run_group_tests_name("histogram", tests, NULL, NULL);
}
