/* SPDX-License-Identifier: Apache-2.0 */
/*
 * map_read.h: reading BPF maps without knowing their layout.
 *
 * Per-CPU values are summed word by word: every per-CPU value in
 * bpf/dwcp_maps.h is made of __u64 counters only, so the sum over CPUs of each
 * word is the node's total.
 */
#ifndef DWCP_MAP_READ_H
#define DWCP_MAP_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int map_possible_cpus(void);

/* What a walk does with an entry once it is over. */
enum map_verdict {
	MAP_KEEP,
	MAP_DELETE,
	MAP_DELETE_COUNTED, /* delete, and count it in *deleted */
};

/* fn gets each entry's key and value (per-CPU maps: summed over CPUs). */
typedef enum map_verdict (*map_entry_fn)(const void *key, const void *value, void *ctx);

/*
 * Walks every entry of a hash map; returns the number of entries seen or a
 * negative errno; *deleted (if not NULL) gets the number of MAP_DELETE_COUNTED
 * entries this walk deleted. Entries are read in batches
 * (bpf_map_lookup_batch: a few syscalls for thousands of entries); kernels
 * without batch lookup get a key-by-key walk, where an entry BPF deletes
 * under the walk restarts it from the first key: entries may then be seen
 * twice (only deletes are counted, and a key is deleted once), and that walk
 * stops after twice the map's capacity so that churn cannot keep it going.
 */
int map_for_each(int map_fd, size_t key_size, size_t value_size, bool percpu, map_entry_fn fn, void *ctx,
		 size_t *deleted);

/* Sums a per-CPU array of __u64 over CPUs into out[0..n). */
int map_read_percpu_u64_array(int map_fd, uint32_t n, uint64_t *out);

#endif /* DWCP_MAP_READ_H */
