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

/* fn gets each entry's key and value (per-CPU maps: summed over CPUs); it
 * returns true to have the entry deleted once the walk is over. */
typedef bool (*map_entry_fn)(const void *key, const void *value, void *ctx);

/*
 * Walks every entry of a hash map; returns the number of entries seen or a
 * negative errno; *deleted (if not NULL) gets the number of entries this
 * walk deleted. When BPF deletes the entry the walk stands on, the kernel
 * restarts the walk from the first key: entries may be seen twice (callers
 * of maps that BPF deletes from must not count what they see), and the walk
 * stops after twice the map's capacity so that churn cannot keep it going.
 */
int map_for_each(int map_fd, size_t key_size, size_t value_size, bool percpu, map_entry_fn fn, void *ctx,
		 size_t *deleted);

/* Sums a per-CPU array of __u64 over CPUs into out[0..n). */
int map_read_percpu_u64_array(int map_fd, uint32_t n, uint64_t *out);

#endif /* DWCP_MAP_READ_H */
