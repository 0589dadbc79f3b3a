// SPDX-License-Identifier: Apache-2.0
#include "collect/series_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void series_table_reset(struct series_table *t, size_t key_size, size_t value_words)
{
	t->key_size = key_size;
	t->value_words = value_words;
	/* keep values 8-byte aligned after keys of any size */
	t->entry_size = ((key_size + 7) & ~(size_t)7) + value_words * sizeof(uint64_t);
	t->n = 0;
	t->failed = 0;
}

void series_table_init(struct series_table *t, size_t key_size, size_t value_words)
{
	memset(t, 0, sizeof(*t));
	series_table_reset(t, key_size, value_words);
}

void series_table_free(struct series_table *t)
{
	free(t->data);
	t->data = NULL;
	t->n = t->cap_bytes = 0;
}

void series_table_clear(struct series_table *t)
{
	t->n = 0;
	t->failed = 0;
}

int series_table_append(struct series_table *t, const void *key, const uint64_t *value)
{
	uint8_t *entry;

	if ((t->n + 1) * t->entry_size > t->cap_bytes) {
		size_t cap = t->cap_bytes ? t->cap_bytes * 2 : 32 * t->entry_size;
		uint8_t *data;

		if (cap < (t->n + 1) * t->entry_size)
			cap = (t->n + 1) * t->entry_size;
		data = realloc(t->data, cap);
		if (!data) {
			t->failed = 1;
			return -ENOMEM;
		}
		t->data = data;
		t->cap_bytes = cap;
	}
	entry = t->data + t->n * t->entry_size;
	memset(entry, 0, t->entry_size);
	memcpy(entry, key, t->key_size);
	t->n++;
	memcpy(series_value(t, t->n - 1), value, t->value_words * sizeof(uint64_t));
	return 0;
}

static size_t sort_key_size;

static int compare_keys(const void *a, const void *b)
{
	return memcmp(a, b, sort_key_size);
}

void series_table_merge(struct series_table *t, series_merge_fn merge)
{
	size_t out = 0;

	if (t->n < 2)
		return;
	/* the collector lock serializes scrapes, so a file-static key size is safe */
	sort_key_size = t->key_size;
	qsort(t->data, t->n, t->entry_size, compare_keys);
	for (size_t i = 1; i < t->n; i++) {
		if (memcmp(series_key(t, out), series_key(t, i), t->key_size) == 0) {
			merge(series_value(t, out), series_value(t, i), t->value_words);
			continue;
		}
		out++;
		if (out != i)
			memcpy(t->data + out * t->entry_size, t->data + i * t->entry_size, t->entry_size);
	}
	t->n = out + 1;
}

void series_merge_sum(uint64_t *into, const uint64_t *from, size_t value_words)
{
	for (size_t i = 0; i < value_words; i++)
		into[i] += from[i];
}

void series_merge_min(uint64_t *into, const uint64_t *from, size_t value_words)
{
	(void)value_words;
	if (from[0] < into[0])
		into[0] = from[0];
}

void series_merge_latest(uint64_t *into, const uint64_t *from, size_t value_words)
{
	if (value_words >= 2 && from[1] > into[1])
		memcpy(into, from, value_words * sizeof(uint64_t));
}
