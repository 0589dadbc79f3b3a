// SPDX-License-Identifier: Apache-2.0
/*
 * test_collect_tables.c: the tables that drive the collectors agree with
 * each other and with bpf/dwcp_maps.h: every map layout fits its key and
 * value, and every row of the render table (collector.c) reads a map whose
 * labels and values are what its metric family needs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collect/collector.h"
#include "collect/map_layouts.h"
#include "exposition/metric_families.h"

static size_t family_labels(enum metric_family_id id)
{
	size_t n = 0;

	while (metric_family(id)->labels[n])
		n++;
	return n;
}

static void test_map_layouts_fit(void **state)
{
	(void)state;
	for (int id = 0; id < DWCP_MAP_COUNT; id++) {
		const struct map_layout *l = map_layout(id);

		assert_non_null(l->name);
		for (int other = 0; other < id; other++)
			if (strcmp(map_layout(other)->name, l->name) == 0)
				fail_msg("maps %d and %d are both named %s", other, id, l->name);
		if (l->label_offset + l->label_size > l->key_size)
			fail_msg("map %s: labels at %zu+%zu outside a %zu-byte key", l->name, l->label_offset,
				 l->label_size, l->key_size);
		if (l->value_words * sizeof(uint64_t) > l->value_size)
			fail_msg("map %s: %zu value words in a %zu-byte value", l->name, l->value_words,
				 l->value_size);
		/* collect_series() hands values to series_table as __u64 words */
		if (l->value_size % sizeof(uint64_t) != 0)
			fail_msg("map %s: value of %zu bytes is not whole words", l->name, l->value_size);
		if (l->per_process && l->key_size < sizeof(struct dwcp_proc_key))
			fail_msg("map %s: per process, but its key cannot start with a tgid", l->name);
	}
	/* the reaper reads the tgid at offset 0 of every per-process key */
	assert_int_equal(offsetof(struct dwcp_proc_label_key, tgid), 0);
	assert_int_equal(offsetof(struct dwcp_op_key, tgid), 0);
}

static void test_rows_match_their_families(void **state)
{
	size_t n;
	const struct collect_step *steps = collector_steps(&n);
	int rows = 0;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const struct label_family *r = &steps[i].row;
		const struct metric_family *f;
		const struct map_layout *l;

		if (steps[i].render)
			continue;
		rows++;
		f = metric_family(r->family);
		l = map_layout(r->map);
		assert_non_null(r->merge);
		if (l->label_size % DWCP_LABEL_LEN != 0)
			fail_msg("%s: map %s's series key is not whole labels", f->name, l->name);
		if (metric_family_flag_labels(r->family) + map_layout_labels(r->map) != family_labels(r->family))
			fail_msg("%s: %zu labels from flags + %zu from map %s, but the family has %zu", f->name,
				 metric_family_flag_labels(r->family), map_layout_labels(r->map), l->name,
				 family_labels(r->family));
		switch (f->type) {
		case EXPO_COUNTER:
			assert_true(l->value_words >= 1);
			break;
		case EXPO_GAUGE:
			if (!(r->divisor > 0))
				fail_msg("%s: a gauge row needs a divisor", f->name);
			/* series_merge_latest() reads the update time in word 1 */
			assert_true(l->value_words >= (r->merge == series_merge_latest ? 2u : 1u));
			break;
		case EXPO_HISTOGRAM:
			if (l->value_words != sizeof(struct dwcp_hist) / sizeof(uint64_t))
				fail_msg("%s: map %s does not hold a struct dwcp_hist", f->name, l->name);
			assert_true(r->hist < DWCP_HIST_KIND_COUNT);
			break;
		}
		for (size_t j = 0; j < i; j++)
			if (!steps[j].render && steps[j].row.family == r->family)
				fail_msg("%s rendered twice", f->name);
	}
	assert_true(rows > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_layouts_fit),
		cmocka_unit_test(test_rows_match_their_families),
	};

	return cmocka_run_group_tests_name("collect_tables", tests, NULL, NULL);
}
