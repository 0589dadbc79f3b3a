/* SPDX-License-Identifier: Apache-2.0 */
/*
 * series_table.h: gathers map entries into the series of one metric family.
 *
 * Several map entries can become one series: the same stream id in two
 * processes, a level reported by every DWCP process of the node. Entries are
 * appended as (key bytes, value words); series_table_merge() sorts them by key
 * and folds equal keys with a merge function, which also gives every scrape
 * the same series order. Pure: no BPF, no I/O.
 */
#ifndef DWCP_SERIES_TABLE_H
#define DWCP_SERIES_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct series_table {
	size_t key_size;    /* bytes */
	size_t value_words; /* uint64_t words */
	size_t entry_size;
	uint8_t *data;
	size_t n;
	size_t cap_bytes; /* allocated; kept across resets whatever the layout */
	int failed;       /* out of memory while appending */
};

/* into += from, word by word, for into and from of value_words words */
typedef void (*series_merge_fn)(uint64_t *into, const uint64_t *from, size_t value_words);

void series_table_init(struct series_table *t, size_t key_size, size_t value_words);
void series_table_free(struct series_table *t);
void series_table_clear(struct series_table *t);
/* Empties t for entries of another layout, keeping its buffer: one table
 * serves every family of a scrape without allocating again. */
void series_table_reset(struct series_table *t, size_t key_size, size_t value_words);
/* Copies key and value; returns 0 or -ENOMEM (remembered in t->failed). */
int series_table_append(struct series_table *t, const void *key, const uint64_t *value);
void series_table_merge(struct series_table *t, series_merge_fn merge);

static inline const void *series_key(const struct series_table *t, size_t i)
{
	return t->data + i * t->entry_size;
}

static inline uint64_t *series_value(const struct series_table *t, size_t i)
{
	return (uint64_t *)(t->data + i * t->entry_size + t->entry_size - t->value_words * sizeof(uint64_t));
}

/* Ready-made merges. */
void series_merge_sum(uint64_t *into, const uint64_t *from, size_t value_words);
/* word 0 is the value: keep the smaller */
void series_merge_min(uint64_t *into, const uint64_t *from, size_t value_words);
/* word 1 is an update time: keep the entry updated last */
void series_merge_latest(uint64_t *into, const uint64_t *from, size_t value_words);

#endif /* DWCP_SERIES_TABLE_H */
