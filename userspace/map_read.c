#include "map_read.h"

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

static uint32_t map_capacity(int map_fd)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0)
		return UINT32_MAX / 4;
	return info.max_entries;
}

int map_for_each(int map_fd, size_t key_size, size_t value_size, bool percpu, map_entry_fn fn, void *ctx,
		 size_t *deleted)
{
	uint64_t steps_left = 2ull * map_capacity(map_fd) + 16;
	int cpus = percpu ? map_possible_cpus() : 1;
	size_t raw_size = percpu ? round8(value_size) * (size_t)cpus : value_size;
	uint8_t *key = calloc(1, key_size), *next = calloc(1, key_size);
	uint8_t *raw = malloc(raw_size), *value = percpu ? malloc(value_size) : NULL;
	struct key_list doomed = { .key_size = key_size };
	const void *prev = NULL;
	int seen = 0, err = 0;

	if (!key || !next || !raw || (percpu && !value) || cpus <= 0) {
		err = -ENOMEM;
		goto out;
	}
	if (deleted)
		*deleted = 0;
	while (steps_left-- > 0 && bpf_map_get_next_key(map_fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		/* an entry deleted by BPF between the two calls is simply gone */
		if (bpf_map_lookup_elem(map_fd, key, raw) != 0)
			continue;
		if (percpu)
			sum_percpu(raw, value_size, cpus, value);
		seen++;
		if (fn(key, percpu ? value : raw, ctx) && key_list_push(&doomed, key) != 0) {
			err = -ENOMEM;
			break;
		}
	}
	/* a key seen twice is deleted once: only successful deletes count */
	for (size_t i = 0; i < doomed.n; i++) {
		if (bpf_map_delete_elem(map_fd, doomed.keys + i * key_size) == 0 && deleted)
			(*deleted)++;
	}
out:
	free(doomed.keys);
	free(key);
	free(next);
	free(raw);
	free(value);
	return err ? err : seen;
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
