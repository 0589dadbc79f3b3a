// SPDX-License-Identifier: Apache-2.0
/*
 * hist_render.c: a struct dwcp_hist's slots summed into classic and native
 * buckets. The tables come from the generated dwcp_hist_slots.h, the same
 * the BPF programs count with, so a slot's buckets are known exactly.
 */
#include "exposition/hist_render.h"

#include <math.h>
#include <string.h>

struct hist_kind_tables {
	const __u64 *bounds; /* classic, raw unit */
	size_t nbounds;
	const __u64 *slot_bounds;
	const int16_t *slot_native;
	const uint8_t *slot_classic;
	size_t nslots;
	double scale; /* raw units per base unit */
};

#define KIND_TABLES(KIND)                                                                                     \
	static const __u64 KIND##_bounds[] = DWCP_##KIND##_BOUNDS;                                         \
	static const __u64 KIND##_slot_bounds[DWCP_SLOT_TABLE_LEN] = DWCP_##KIND##_SLOT_BOUNDS;           \
	static const int16_t KIND##_slot_native[] = DWCP_##KIND##_SLOT_NATIVE;                             \
	static const uint8_t KIND##_slot_classic[] = DWCP_##KIND##_SLOT_CLASSIC;                           \
	_Static_assert(sizeof(KIND##_bounds) / 8 == DWCP_##KIND##_NBOUNDS, #KIND " bounds");            \
	_Static_assert(sizeof(KIND##_slot_native) / 2 == DWCP_##KIND##_NSLOTS, #KIND " native");         \
	_Static_assert(sizeof(KIND##_slot_classic) == DWCP_##KIND##_NSLOTS, #KIND " classic");           \
	_Static_assert(DWCP_##KIND##_NSLOTS <= DWCP_HIST_SLOTS, #KIND " slots fit struct dwcp_hist");     \
	_Static_assert(DWCP_##KIND##_NBOUNDS <= DWCP_HIST_MAX_BOUNDS, #KIND " classic bounds")

#define KIND_ENTRY(KIND)                                                                                      \
	{ KIND##_bounds, DWCP_##KIND##_NBOUNDS, KIND##_slot_bounds, KIND##_slot_native, KIND##_slot_classic, \
	  DWCP_##KIND##_NSLOTS, (double)DWCP_##KIND##_SCALE }

KIND_TABLES(OP_LATENCY);
KIND_TABLES(COMPRESSION);
KIND_TABLES(MIGRATION);
KIND_TABLES(FEDERATION_SYNC);

static const struct hist_kind_tables kinds[DWCP_HIST_KIND_COUNT] = {
	[DWCP_HIST_OP_LATENCY] = KIND_ENTRY(OP_LATENCY),
	[DWCP_HIST_COMPRESSION] = KIND_ENTRY(COMPRESSION),
	[DWCP_HIST_MIGRATION] = KIND_ENTRY(MIGRATION),
	[DWCP_HIST_FEDERATION_SYNC] = KIND_ENTRY(FEDERATION_SYNC),
};

/* Native buckets a kind can have: from the bucket of 1 raw unit to the one
 * of UINT64_MAX, 64 powers of two of eight. */
#define NATIVE_SPAN (64 * (1 << DWCP_NATIVE_SCHEMA) + 2)

size_t hist_bounds(enum dwcp_hist_kind kind, double *out, size_t max)
{
	size_t n = kinds[kind].nbounds < max ? kinds[kind].nbounds : max;

	for (size_t i = 0; i < n; i++)
		out[i] = (double)kinds[kind].bounds[i] / kinds[kind].scale;
	return n;
}

void hist_sum_slots(enum dwcp_hist_kind kind, const struct dwcp_hist *hist, uint64_t *classic,
		    struct hist_native *native)
{
	const struct hist_kind_tables *k = &kinds[kind];
	int32_t first = k->slot_native[1];

	memset(classic, 0, (k->nbounds + 1) * sizeof(*classic));
	memset(native, 0, sizeof(*native));
	native->zero_count = hist->slots[0];
	classic[k->slot_classic[0]] += hist->slots[0];
	native->first_index = first;
	for (size_t s = 1; s < k->nslots; s++) {
		uint64_t n = hist->slots[s];
		size_t bucket;

		if (!n)
			continue;
		bucket = (size_t)(k->slot_native[s] - first);
		classic[k->slot_classic[s]] += n;
		native->counts[bucket] += n;
		if (bucket + 1 > native->used)
			native->used = bucket + 1;
	}
}

void hist_render(struct expo_writer *w, const struct expo_label *labels, size_t nlabels,
		 enum dwcp_hist_kind kind, const struct dwcp_hist *hist)
{
	double bounds[DWCP_HIST_MAX_BOUNDS];
	uint64_t classic[DWCP_HIST_MAX_BOUNDS + 1];
	struct hist_native native;
	size_t n = hist_bounds(kind, bounds, DWCP_HIST_MAX_BOUNDS);
	size_t lead = 0;
	struct expo_native_buckets nb;

	hist_sum_slots(kind, hist, classic, &native);
	/* the native buckets from the first one used: the writer encodes
	 * the gaps between them */
	while (lead < native.used && native.counts[lead] == 0)
		lead++;
	nb = (struct expo_native_buckets){
		.schema = DWCP_NATIVE_SCHEMA,
		.zero_threshold = HIST_NATIVE_ZERO_THRESHOLD,
		.zero_count = native.zero_count,
		.first_index = native.first_index + (int32_t)lead,
		.counts = native.counts + lead,
		.ncounts = native.used - lead,
	};
	expo_histogram(w, labels, nlabels, bounds, classic, n, (double)hist->sum / kinds[kind].scale, &nb);
}

_Static_assert(HIST_NATIVE_MAX_BUCKETS >= NATIVE_SPAN, "native buckets of a kind fit struct hist_native");
