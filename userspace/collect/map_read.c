// SPDX-License-Identifier: Apache-2.0
#include "collect/map_read.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int map_possible_cpus(void)
{
	static int cpus;

	if (cpus <= 0)
		cpus = libbpf_num_possible_cpus();
	return cpus;
}

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void sum_percpu(const uint8_t *raw, size_t value_size, int cpus, uint8_t *sum)
{
	size_t words = value_size / sizeof(uint64_t);
	uint64_t *out = (uint64_t *)sum;

	memset(sum, 0, value_size);
	for (int cpu = 0; cpu < cpus; cpu++) {
		const uint64_t *in = (const uint64_t *)(raw + (size_t)cpu * round8(value_size));

		for (size_t i = 0; i < words; i++)
			out[i] += in[i];
	}
}

struct key_list {
	uint8_t *keys;
	size_t n, cap, key_size;
};

static int key_list_push(struct key_list *l, const void *key)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		uint8_t *keys = realloc(l->keys, cap * l->key_size);

		if (!keys)
			return -ENOMEM;
		l->keys = keys;
		l->cap = cap;
	}
	memcpy(l->keys + l->n * l->key_size, key, l->key_size);
	l->n++;
	return 0;
}

struct walk {
	size_t key_size, value_size, raw_size;
	bool percpu;
	int cpus;
	map_entry_fn fn;
	void *ctx;
	uint8_t *sum;                  /* per-CPU values summed */
	struct key_list doomed[2];     /* MAP_DELETE, MAP_DELETE_COUNTED */
	int seen;
};

static int visit(struct walk *w, const void *key, const void *raw)
{
	enum map_verdict verdict;

	if (w->percpu)
		sum_percpu(raw, w->value_size, w->cpus, w->sum);
	w->seen++;
	verdict = w->fn(key, w->percpu ? w->sum : raw, w->ctx);
	if (verdict == MAP_KEEP)
		return 0;
	return key_list_push(&w->doomed[verdict == MAP_DELETE_COUNTED], key);
}

static uint32_t map_capacity(int map_fd)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0)
		return UINT32_MAX / 4;
	return info.max_entries;
}

/* 1 when the kernel cannot batch this map (the caller walks key by key). */
static int walk_batched(int map_fd, struct walk *w)
{
	size_t batch = 256;
	uint8_t *keys = malloc(batch * w->key_size), *values = malloc(batch * w->raw_size);
	uint32_t token = 0;
	bool first = true;
	int err = 0;

	while (keys && values) {
		uint32_t count = (uint32_t)batch;
		int rc = bpf_map_lookup_batch(map_fd, first ? NULL : &token, &token, keys, values, &count, NULL);
		int e = rc < 0 ? errno : 0;

		if (rc < 0 && e == ENOSPC) {
			/* a hash bucket holds more entries than a batch: grow */
			uint8_t *k = realloc(keys, 2 * batch * w->key_size), *v;

			if (!k)
				break;
			keys = k;
			v = realloc(values, 2 * batch * w->raw_size);
			if (!v)
				break;
			values = v;
			batch *= 2;
			continue;
		}
		if (rc < 0 && e != ENOENT) {
			err = first && (e == EINVAL || e == ENOTSUP || e == EOPNOTSUPP) ? 1 : -e;
			goto out;
		}
		for (uint32_t i = 0; i < count; i++) {
			err = visit(w, keys + i * w->key_size, values + i * w->raw_size);
			if (err)
				goto out;
		}
		if (rc < 0) /* ENOENT: that was the last batch */
			goto out;
		first = false;
	}
	err = -ENOMEM;
out:
	free(keys);
	free(values);
	return err;
}

static int walk_by_key(int map_fd, struct walk *w)
{
	uint64_t steps_left = 2ull * map_capacity(map_fd) + 16;
	uint8_t *key = calloc(1, w->key_size), *next = calloc(1, w->key_size), *raw = malloc(w->raw_size);
	const void *prev = NULL;
	int err = 0;

	if (!key || !next || !raw) {
		err = -ENOMEM;
		goto out;
	}
	while (steps_left-- > 0 && bpf_map_get_next_key(map_fd, prev, next) == 0) {
		memcpy(key, next, w->key_size);
		prev = key;
		/* an entry deleted by BPF between the two calls is simply gone */
		if (bpf_map_lookup_elem(map_fd, key, raw) != 0)
			continue;
		err = visit(w, key, raw);
		if (err)
			break;
	}
out:
	free(key);
	free(next);
	free(raw);
	return err;
}

int map_for_each(int map_fd, size_t key_size, size_t value_size, bool percpu, map_entry_fn fn, void *ctx,
		 size_t *deleted)
{
	struct walk w = {
		.key_size = key_size,
		.value_size = value_size,
		.percpu = percpu,
		.cpus = percpu ? map_possible_cpus() : 1,
		.fn = fn,
		.ctx = ctx,
		.doomed = { { .key_size = key_size }, { .key_size = key_size } },
	};
	int err;

	if (deleted)
		*deleted = 0;
	if (w.cpus <= 0)
		return -ENOMEM;
	w.raw_size = percpu ? round8(value_size) * (size_t)w.cpus : value_size;
	w.sum = percpu ? malloc(value_size) : NULL;
	if (percpu && !w.sum)
		return -ENOMEM;
	err = walk_batched(map_fd, &w);
	if (err == 1)
		err = walk_by_key(map_fd, &w);
	/* a key seen twice is deleted once: only successful deletes count */
	for (int kind = 0; kind < 2; kind++) {
		for (size_t i = 0; i < w.doomed[kind].n; i++) {
			if (bpf_map_delete_elem(map_fd, w.doomed[kind].keys + i * key_size) == 0 && kind == 1 &&
			    deleted)
				(*deleted)++;
		}
		free(w.doomed[kind].keys);
	}
	free(w.sum);
	return err ? err : w.seen;
}

int map_read_percpu_u64_array(int map_fd, uint32_t n, uint64_t *out)
{
	int cpus = map_possible_cpus();
	uint64_t *raw = calloc((size_t)cpus, sizeof(uint64_t));

	if (!raw || cpus <= 0) {
		free(raw);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(map_fd, &i, raw) != 0)
			continue;
		for (int cpu = 0; cpu < cpus; cpu++)
			out[i] += raw[cpu];
	}
	free(raw);
	return 0;
}
