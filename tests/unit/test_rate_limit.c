// SPDX-License-Identifier: Apache-2.0
/* Unit tests: the rate_limit token bucket (userspace/web/rate_limit.c), on a
 * made-up clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "web/rate_limit.h"

#define S 1000000000ull

static void test_burst_then_one_per_interval(void **state)
{
	struct rate_limit r;
	uint64_t t = 100 * S;

	(void)state;
	rate_limit_init(&r, (int64_t)S, 3);
	assert_true(rate_limit_enabled(&r));
	/* starts full */
	for (int i = 0; i < 3; i++)
		assert_true(rate_limit_allow(&r, t));
	assert_false(rate_limit_allow(&r, t));
	assert_false(rate_limit_allow(&r, t + S / 2));
	assert_true(rate_limit_allow(&r, t + S)); /* one token a second */
	assert_false(rate_limit_allow(&r, t + S));
	/* a long pause refills to the burst, not beyond */
	t += 100 * S;
	for (int i = 0; i < 3; i++)
		assert_true(rate_limit_allow(&r, t));
	assert_false(rate_limit_allow(&r, t));
	/* a clock that goes back takes nothing and gives nothing */
	assert_false(rate_limit_allow(&r, t - S));
}

static void test_no_limit_and_no_burst(void **state)
{
	struct rate_limit r;

	(void)state;
	rate_limit_init(&r, 0, 0);
	assert_false(rate_limit_enabled(&r));
	for (int i = 0; i < 1000; i++)
		assert_true(rate_limit_allow(&r, (uint64_t)i));
	rate_limit_init(&r, -5, 1);
	assert_true(rate_limit_allow(&r, 1));
	/* an interval without a burst refuses everything, as Go's limiter */
	rate_limit_init(&r, (int64_t)S, 0);
	assert_false(rate_limit_allow(&r, 1));
	assert_false(rate_limit_allow(&r, 1000 * S));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_one_per_interval),
		cmocka_unit_test(test_no_limit_and_no_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
