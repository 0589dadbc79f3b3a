// SPDX-License-Identifier: Apache-2.0
/* pagegen.c: see pagegen.h. */
#include "pagegen.h"

#include <stdio.h>
#include <string.h>

/* Share of pages that are a template with dirty runs; the rest are fresh. */
#define SIMILAR_SHARE 0.75
/* Share of fresh pages that replace a template. */
#define REPLACE_SHARE 0.1

static const char *const type_names[HDE_TYPE_COUNT] = { "vm_memory", "vm_disk", "vm_state" };

static const char *const words[] = {
	"kernel", "page",  "cache",  "inode",  "buffer", "socket", "thread", "mutex",
	"virtio", "block", "vcpu",   "memory", "dirty",  "shared", "anon",   "slab",
	"qemu",   "guest", "ext4",   "journal", "lru",   "zone",   "numa",   "irq",
};

const char *hde_type_name(enum hde_type t)
{
	return t < HDE_TYPE_COUNT ? type_names[t] : "unknown";
}

static void fill_text(struct rng *r, uint8_t *p, size_t len)
{
	size_t o = 0;

	while (o < len) {
		const char *w = words[rng_below(r, sizeof(words) / sizeof(words[0]))];
		size_t wl = strlen(w);

		if (o + wl + 1 > len) {
			memset(p + o, ' ', len - o);
			break;
		}
		memcpy(p + o, w, wl);
		o += wl;
		p[o++] = rng_below(r, 8) == 0 ? '\n' : ' ';
	}
}

static void fill_random(struct rng *r, uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)rng_next(r);
}

static void fill_pointers(struct rng *r, uint8_t *p, size_t len)
{
	uint64_t v = 0x00007f0000000000ull + (rng_next(r) & 0xffffff000ull);
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		v += 8 * (1 + rng_below(r, 4));
		memcpy(p + i, &v, 8);
	}
}

static void fill_memory(struct rng *r, uint8_t *page)
{
	size_t line;

	for (line = 0; line < PAGE_SIZE_BYTES; line += 64) {
		uint64_t kind = rng_below(r, 100);

		if (kind < 40)
			memset(page + line, 0, 64);
		else if (kind < 65)
			fill_pointers(r, page + line, 64);
		else if (kind < 85)
			fill_text(r, page + line, 64);
		else
			fill_random(r, page + line, 64);
	}
}

static void fill_disk(struct rng *r, uint8_t *page)
{
	size_t sector;

	for (sector = 0; sector < PAGE_SIZE_BYTES; sector += 512) {
		size_t o = 0;

		if (rng_below(r, 4) == 0) {
			memset(page + sector, 0, 512);
			continue;
		}
		while (o < 512) {
			char rec[96];
			int n = snprintf(rec, sizeof(rec), "inode=%llu size=%llu mtime=%llu name=%s%llu\n",
					 (unsigned long long)rng_below(r, 1u << 20),
					 (unsigned long long)rng_below(r, 1u << 24),
					 (unsigned long long)(1700000000 + rng_below(r, 1u << 22)),
					 words[rng_below(r, sizeof(words) / sizeof(words[0]))],
					 (unsigned long long)rng_below(r, 1000));
			size_t take = (size_t)n < 512 - o ? (size_t)n : 512 - o;

			memcpy(page + sector + o, rec, take);
			o += take;
		}
	}
}

static void fill_state(struct rng *r, uint8_t *page)
{
	size_t i;

	memset(page, 0, PAGE_SIZE_BYTES);
	for (i = 0; i < PAGE_SIZE_BYTES; i += 256) {
		uint64_t regs[6];
		size_t k;

		for (k = 0; k < 6; k++)
			regs[k] = rng_below(r, 2) ? rng_next(r) : rng_below(r, 4096);
		memcpy(page + i, regs, sizeof(regs));
	}
}

static void fill(struct rng *r, enum hde_type t, uint8_t *page)
{
	switch (t) {
	case HDE_VM_DISK:
		fill_disk(r, page);
		break;
	case HDE_VM_STATE:
		fill_state(r, page);
		break;
	default:
		fill_memory(r, page);
		break;
	}
}

void pagegen_world_init(struct pagegen_world *w, uint64_t seed)
{
	unsigned int t, slot;

	w->seed = seed;
	for (t = 0; t < HDE_TYPE_COUNT; t++)
		for (slot = 0; slot < PAGEGEN_TEMPLATES; slot++)
			atomic_init(&w->generation[t][slot], 0);
}

void pagegen_init(struct pagegen *g, struct pagegen_world *w, uint64_t stream,
		  bool moves_working_set)
{
	g->world = w;
	g->moves_working_set = moves_working_set;
	rng_seed(&g->rng, w->seed, 0x9a9e0000ull + stream);
}

void pagegen_template(struct pagegen_world *w, enum hde_type t, unsigned int slot,
		      uint8_t page[PAGE_SIZE_BYTES])
{
	struct rng r;

	rng_seed(&r, w->seed,
		 ((uint64_t)t << 40) | ((uint64_t)slot << 32) | atomic_load(&w->generation[t][slot]));
	fill(&r, t, page);
}

void pagegen_next(struct pagegen *g, enum hde_type t, uint8_t page[PAGE_SIZE_BYTES])
{
	struct rng *r = &g->rng;

	if (rng_chance(r, SIMILAR_SHARE)) {
		/* hot templates first: the smaller of two draws */
		unsigned int a = (unsigned int)rng_below(r, PAGEGEN_TEMPLATES);
		unsigned int b = (unsigned int)rng_below(r, PAGEGEN_TEMPLATES);
		unsigned int runs = 1 + (unsigned int)rng_below(r, 6), i;

		pagegen_template(g->world, t, a < b ? a : b, page);
		for (i = 0; i < runs; i++) {
			size_t len = 8 + rng_below(r, 121);
			size_t off = rng_below(r, PAGE_SIZE_BYTES - len);

			fill_random(r, page + off, len);
		}
		return;
	}
	if (g->moves_working_set && rng_chance(r, REPLACE_SHARE)) {
		unsigned int slot = (unsigned int)rng_below(r, PAGEGEN_TEMPLATES);

		atomic_fetch_add(&g->world->generation[t][slot], 1);
		pagegen_template(g->world, t, slot, page);
		return;
	}
	fill(r, t, page);
}
