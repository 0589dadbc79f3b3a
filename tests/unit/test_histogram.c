// SPDX-License-Identifier: Apache-2.0
/*
 * test_histogram.c: bpf/histogram.h as userspace sees it: the bucket of a
 * value at and around every bound of every kind, and the compression ratio
 * in thousandths at its edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "histogram.h"

static const __u64 op_latency[] = DWCP_OP_LATENCY_BOUNDS;
static const __u64 compression[] = DWCP_COMPRESSION_BOUNDS;
static const __u64 migration[] = DWCP_MIGRATION_BOUNDS;
static const __u64 federation[] = DWCP_FEDERATION_SYNC_BOUNDS;

static const struct {
	const char *name;
	const __u64 *bounds;
	__u32 nbounds;
	size_t array_len;
} kinds[] = {
	{ "op_latency", op_latency, DWCP_OP_LATENCY_NBOUNDS, sizeof(op_latency) / sizeof(op_latency[0]) },
	{ "compression", compression, DWCP_COMPRESSION_NBOUNDS, sizeof(compression) / sizeof(compression[0]) },
	{ "migration", migration, DWCP_MIGRATION_NBOUNDS, sizeof(migration) / sizeof(migration[0]) },
	{ "federation_sync", federation, DWCP_FEDERATION_SYNC_NBOUNDS, sizeof(federation) / sizeof(federation[0]) },
};

/* The reference: the first bound >= v, by definition, with no loop limit. */
static __u32 reference_slot(const __u64 *b, __u32 n, __u64 v)
{
	for (__u32 i = 0; i < n; i++)
		if (v <= b[i])
			return i;
	return n;
}

static void test_bounds_tables(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		assert_int_equal(kinds[k].nbounds, kinds[k].array_len);
		assert_true(kinds[k].nbounds <= DWCP_HIST_MAX_BOUNDS);
		for (__u32 i = 1; i < kinds[k].nbounds; i++)
			assert_true(kinds[k].bounds[i] > kinds[k].bounds[i - 1]);
	}
	/* the SLA the design names is a bound, not an interpolation */
	assert_int_equal(migration[10], 300 * DWCP_NS_PER_S);
	assert_int_equal(compression[4], 3000);
}

static void test_slot_around_every_bound(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		const __u64 *b = kinds[k].bounds;
		__u32 n = kinds[k].nbounds;

		for (__u32 i = 0; i < n; i++) {
			assert_int_equal(dwcp_hist_slot(b, n, b[i]), i);     /* le is inclusive */
			assert_int_equal(dwcp_hist_slot(b, n, b[i] - 1), i); /* bounds start above 1 */
			assert_int_equal(dwcp_hist_slot(b, n, b[i] + 1), i + 1);
			assert_int_equal(dwcp_hist_slot(b, n, b[i] + 1), reference_slot(b, n, b[i] + 1));
		}
		assert_int_equal(dwcp_hist_slot(b, n, 0), 0);
		assert_int_equal(dwcp_hist_slot(b, n, UINT64_MAX), n);
	}
}

static void test_slot_degenerate_sizes(void **state)
{
	__u64 full[DWCP_HIST_MAX_BOUNDS];
	__u64 over[DWCP_HIST_MAX_BOUNDS + 4];

	(void)state;
	/* no bounds: everything is above every bound */
	assert_int_equal(dwcp_hist_slot(op_latency, 0, 0), 0);
	assert_int_equal(dwcp_hist_slot(op_latency, 0, UINT64_MAX), 0);

	for (__u32 i = 0; i < DWCP_HIST_MAX_BOUNDS; i++)
		full[i] = (i + 1) * 10ull;
	for (__u32 i = 0; i < DWCP_HIST_MAX_BOUNDS; i++) {
		assert_int_equal(dwcp_hist_slot(full, DWCP_HIST_MAX_BOUNDS, full[i]), i);
		assert_int_equal(dwcp_hist_slot(full, DWCP_HIST_MAX_BOUNDS, full[i] + 1), i + 1);
	}
	assert_int_equal(dwcp_hist_slot(full, DWCP_HIST_MAX_BOUNDS, 0), 0);
	assert_int_equal(dwcp_hist_slot(full, DWCP_HIST_MAX_BOUNDS, UINT64_MAX), DWCP_HIST_MAX_BOUNDS);

	/* more bounds than a struct dwcp_hist can count: clamped to the last slot */
	for (__u32 i = 0; i < DWCP_HIST_MAX_BOUNDS + 4; i++)
		over[i] = (i + 1) * 10ull;
	assert_int_equal(dwcp_hist_slot(over, DWCP_HIST_MAX_BOUNDS + 4, UINT64_MAX), DWCP_HIST_MAX_BOUNDS);
	assert_true(dwcp_hist_slot(over, DWCP_HIST_MAX_BOUNDS + 4, over[DWCP_HIST_MAX_BOUNDS + 2]) <=
		    DWCP_HIST_MAX_BOUNDS);
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
		cmocka_unit_test(test_bounds_tables),
		cmocka_unit_test(test_slot_around_every_bound),
		cmocka_unit_test(test_slot_degenerate_sizes),
		cmocka_unit_test(test_ratio_edges),
		cmocka_unit_test(test_ratio_large_remainders),
		cmocka_unit_test(test_ratio_rounds_down_when_remainder_is_huge),
		cmocka_unit_test(test_ratio_sweep),
	};

	return cmocka_run_group_tests_name("histogram", tests, NULL, NULL);
}
