// SPDX-License-Identifier: Apache-2.0
/* compressor.c: see compressor.h. */
#include "compressor.h"

#include "hde.h"
#include "ledger.h"
#include "pagegen.h"
#include "rng.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define DICTIONARY_EVERY 50

struct compressor {
	struct sim *sim;
	pthread_t thread;
	struct pagegen gen;
	struct hde_codec codec;
	struct rng rng;
	struct hde_frame frame;
	uint8_t page[PAGE_SIZE_BYTES];
};

static enum hde_type pick_type(uint64_t i)
{
	uint64_t k = i % 10;

	return k < 6 ? HDE_VM_MEMORY : k < 9 ? HDE_VM_DISK : HDE_VM_STATE;
}

static void *compressor_main(void *arg)
{
	struct compressor *c = arg;
	struct sim *sim = c->sim;
	struct pacer pacer;
	uint64_t i = 0;

	pacer_init(&pacer, sim->opt->compress_rate, clock_now_ns());
	while (pacer_wait(&pacer, &sim->work_stop)) {
		enum hde_type t = pick_type(i);

		pagegen_next(&c->gen, t, c->page);
		if (hde_compress(sim->hde, &c->codec, t, c->page, &c->frame) == 0) {
			bool corrupt = rng_chance(&c->rng, sim->opt->decompress_failure_rate);
			bool ok = hde_decompress(&c->codec, &c->frame, c->page, corrupt);

			sim_count(&sim->stats.decompress_ops, 1);
			if (!ok)
				sim_count(&sim->stats.decompress_failures, 1);
		}
		if (++i % DICTIONARY_EVERY == 0)
			ledger_dictionary(hde_dictionary_efficiency(sim->hde));
	}
	return NULL;
}

struct compressor *compressor_start(struct sim *sim)
{
	struct compressor *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return NULL;
	c->sim = sim;
	pagegen_init(&c->gen, &sim->world, 1, true);
	rng_seed(&c->rng, sim->opt->seed, 0x200);
	if (hde_codec_init(&c->codec) < 0) {
		fprintf(stderr, "dwcp-sim: hde: zlib init failed\n");
		free(c);
		return NULL;
	}
	rc = pthread_create(&c->thread, NULL, compressor_main, c);
	if (rc) {
		fprintf(stderr, "dwcp-sim: hde: cannot start the compressor thread\n");
		hde_codec_free(&c->codec);
		free(c);
		return NULL;
	}
	return c;
}

void compressor_join(struct compressor *c)
{
	if (!c)
		return;
	pthread_join(c->thread, NULL);
	hde_codec_free(&c->codec);
	free(c);
}
