/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pagegen.h: deterministic 4 KiB pages that look like VM data.
 *
 * What it offers
 *   - enum hde_type and its names ("vm_memory", "vm_disk", "vm_state").
 *   - struct pagegen_world: the node's VMs, for each type a working set of
 *     template pages derived from the seed, shared by every generator (so a
 *     migration copies the same memory the HDE worker has been compressing).
 *   - struct pagegen: one thread's view; pagegen_next() returns mostly a
 *     template with a few dirty runs (like a page written since the last
 *     copy), sometimes a fresh page, and now and then a fresh page replaces a
 *     template (the working set moves). The same seed and stream give the
 *     same choices.
 *
 * Content per type: memory mixes zero lines, pointer tables, text and
 * random lines; disk holds text records in sectors; state is mostly zero
 * with register-like words. So pages compress 2-5x alone and far better
 * against a similar page.
 */
#ifndef DWCP_SIM_PAGEGEN_H
#define DWCP_SIM_PAGEGEN_H

#include "rng.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define PAGE_SIZE_BYTES 4096
#define PAGEGEN_TEMPLATES 8

enum hde_type {
	HDE_VM_MEMORY,
	HDE_VM_DISK,
	HDE_VM_STATE,
	HDE_TYPE_COUNT,
};

const char *hde_type_name(enum hde_type t);

struct pagegen_world {
	uint64_t seed;
	atomic_uint generation[HDE_TYPE_COUNT][PAGEGEN_TEMPLATES];
};

struct pagegen {
	struct pagegen_world *world;
	struct rng rng;
	bool moves_working_set; /* false: a reader (a migration) that changes nothing */
};

void pagegen_world_init(struct pagegen_world *w, uint64_t seed);
void pagegen_init(struct pagegen *g, struct pagegen_world *w, uint64_t stream,
		  bool moves_working_set);
/* The template's current content. */
void pagegen_template(struct pagegen_world *w, enum hde_type t, unsigned int slot,
		      uint8_t page[PAGE_SIZE_BYTES]);
void pagegen_next(struct pagegen *g, enum hde_type t, uint8_t page[PAGE_SIZE_BYTES]);

#endif /* DWCP_SIM_PAGEGEN_H */
