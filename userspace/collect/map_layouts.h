/* SPDX-License-Identifier: Apache-2.0 */
/*
 * map_layouts.h: the layout of every BPF hash map in bpf/dwcp_maps.h, once,
 * per enum dwcp_map_id.
 *
 * What it offers
 *   - map_layout(id): the map's name (its BPF name and its map="" label),
 *     key and value size, whether it is per-CPU, whether its entries belong
 *     to one process (the key starts with struct dwcp_proc_key) and when
 *     that process wrote them, where the labels of a series sit in the key
 *     and how many value words a series carries.
 *   - map_layout_labels(id): how many 64-byte labels that is.
 *
 * Map readers take a map id and look the rest up here; no call site says a
 * size or an offset. The exporter checks every row against the loaded BPF
 * map at start (collector_init), so the table cannot drift from bpf/.
 * Pure: no BPF calls, no I/O.
 */
#ifndef DWCP_MAP_LAYOUTS_H
#define DWCP_MAP_LAYOUTS_H

#include <stdbool.h>
#include <stddef.h>

#include "dwcp_maps.h"

struct map_layout {
	const char *name;
	size_t key_size;
	size_t value_size;
	bool percpu;      /* values summed over CPUs when read */
	bool per_process; /* key starts with the tgid: reaped when the process exits */
	/* per process: the __u64 in the value that says when its process last
	 * wrote it (bpf_ktime_get_ns), which tells it from a later process of
	 * the same tgid */
	size_t time_offset;
	/* the series key: label_size bytes of the map key from label_offset,
	 * a whole number of DWCP_LABEL_LEN labels (0: one series for the map) */
	size_t label_offset;
	size_t label_size;
	/* the series value: the first value_words __u64 words of the value
	 * (0: the map is not read into series, only walked) */
	size_t value_words;
};

const struct map_layout *map_layout(enum dwcp_map_id id);

/* label_size / DWCP_LABEL_LEN */
size_t map_layout_labels(enum dwcp_map_id id);

#endif /* DWCP_MAP_LAYOUTS_H */
