// SPDX-License-Identifier: Apache-2.0
/* Unit tests: folding map entries into series (userspace/collect/series_table.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collect/series_table.h"

struct key {
	char label[8];
};

static void add(struct series_table *t, const char *label, uint64_t v0, uint64_t v1)
{
	struct key k;
	uint64_t v[2] = { v0, v1 };

	memset(&k, 0, sizeof(k));
	strncpy(k.label, label, sizeof(k.label) - 1);
	assert_int_equal(series_table_append(t, &k, v), 0);
}

static void test_sum_merges_equal_keys_in_order(void **state)
{
	(void)state;
	struct series_table t;

	series_table_init(&t, sizeof(struct key), 2);
	add(&t, "b", 1, 10);
	add(&t, "a", 2, 20);
	add(&t, "b", 3, 30);
	add(&t, "c", 4, 40);
	add(&t, "a", 5, 50);
	series_table_merge(&t, series_merge_sum);
	assert_int_equal(t.n, 3);
	assert_string_equal(((const struct key *)series_key(&t, 0))->label, "a");
	assert_true(series_value(&t, 0)[0] == 7 && series_value(&t, 0)[1] == 70);
	assert_string_equal(((const struct key *)series_key(&t, 1))->label, "b");
	assert_true(series_value(&t, 1)[0] == 4 && series_value(&t, 1)[1] == 40);
	assert_string_equal(((const struct key *)series_key(&t, 2))->label, "c");
	series_table_free(&t);
}

static void test_min_and_latest(void **state)
{
	(void)state;
	struct series_table t;

	series_table_init(&t, sizeof(struct key), 2);
	add(&t, "amst", 2, 100);
	add(&t, "amst", 0, 50);
	add(&t, "amst", 1, 300);
	series_table_merge(&t, series_merge_min);
	assert_int_equal(t.n, 1);
	assert_true(series_value(&t, 0)[0] == 0);

	series_table_clear(&t);
	add(&t, "amst", 2, 100);
	add(&t, "amst", 0, 50);
	add(&t, "amst", 1, 300);
	series_table_merge(&t, series_merge_latest);
	assert_true(series_value(&t, 0)[0] == 1 && series_value(&t, 0)[1] == 300);
	series_table_free(&t);
}

static void test_zero_size_key_folds_everything(void **state)
{
	(void)state;
	struct series_table t;
	uint64_t v[2] = { 7, 1 }, w[2] = { 9, 2 };

	series_table_init(&t, 0, 2);
	assert_int_equal(series_table_append(&t, "", v), 0);
	assert_int_equal(series_table_append(&t, "", w), 0);
	series_table_merge(&t, series_merge_latest);
	assert_int_equal(t.n, 1);
	assert_true(series_value(&t, 0)[0] == 9);
	series_table_free(&t);
}

static void test_many_entries_and_odd_key_size(void **state)
{
	(void)state;
	struct series_table t;
	char key[13];
	uint64_t one = 1;

	/* 13-byte keys: values stay 8-byte aligned */
	series_table_init(&t, sizeof(key), 1);
	for (int i = 0; i < 10000; i++) {
		memset(key, 0, sizeof(key));
		key[0] = (char)(i % 100);
		assert_int_equal(series_table_append(&t, key, &one), 0);
	}
	series_table_merge(&t, series_merge_sum);
	assert_int_equal(t.n, 100);
	for (size_t i = 0; i < t.n; i++) {
		assert_true(series_value(&t, i)[0] == 100);
		assert_true(((uintptr_t)series_value(&t, i) & 7) == 0);
	}
	series_table_free(&t);
}

static void test_reset_keeps_the_buffer_across_layouts(void **state)
{
	(void)state;
	struct series_table t;
	uint8_t *buffer;

	series_table_init(&t, sizeof(struct key), 2);
	for (int i = 0; i < 100; i++)
		add(&t, i % 2 ? "odd" : "even", 1, 0);
	buffer = t.data;
	/* a smaller layout fits in the same buffer */
	series_table_reset(&t, 3, 1);
	assert_int_equal(t.n, 0);
	for (uint64_t i = 0; i < 50; i++)
		assert_int_equal(series_table_append(&t, "abc", &i), 0);
	assert_ptr_equal(t.data, buffer);
	series_table_merge(&t, series_merge_sum);
	assert_int_equal(t.n, 1);
	assert_true(series_value(&t, 0)[0] == 49 * 50 / 2);
	/* and back to the first layout, more entries than before */
	series_table_reset(&t, sizeof(struct key), 2);
	for (int i = 0; i < 1000; i++)
		add(&t, "k", 1, 1);
	series_table_merge(&t, series_merge_sum);
	assert_true(series_value(&t, 0)[0] == 1000 && series_value(&t, 0)[1] == 1000);
	series_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sum_merges_equal_keys_in_order),
		cmocka_unit_test(test_min_and_latest),
		cmocka_unit_test(test_zero_size_key_folds_everything),
		cmocka_unit_test(test_many_entries_and_odd_key_size),
		cmocka_unit_test(test_reset_keeps_the_buffer_across_layouts),
	};

	return cmocka_run_group_tests_name("series_table", tests, NULL, NULL);
}
