/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hist_render.h: the one place a struct dwcp_hist (bpf/histogram.h) becomes
 * a Prometheus histogram: its slots summed into the classic buckets and into
 * the native buckets of schema DWCP_NATIVE_SCHEMA, with bounds and sum
 * converted from the raw unit (nanoseconds, ratio x 1000) to the base unit
 * (seconds, ratio).
 */
#ifndef DWCP_HIST_RENDER_H
#define DWCP_HIST_RENDER_H

#include <stdint.h>

#include "exposition/exposition.h"
#include "histogram.h"

/* Native buckets of one kind, from the bucket of 1 raw unit to the one of
 * UINT64_MAX. */
#define HIST_NATIVE_MAX_BUCKETS 528
/* The zero bucket's width, as client_golang's default: what Prometheus
 * 2.42 needs to see to read a histogram with no observations as native.
 * Only a raw 0 falls in it (1 ns is 2^-29.9 s, a ratio of 1/1000 2^-9.97). */
#define HIST_NATIVE_ZERO_THRESHOLD 0x1p-128

struct hist_native {
	uint64_t zero_count;
	int32_t first_index;    /* the native index of counts[0] */
	size_t used;            /* counts[used..] are 0 */
	uint64_t counts[HIST_NATIVE_MAX_BUCKETS];
};

/* Writes one histogram series of the current family: classic and native. */
void hist_render(struct expo_writer *w, const struct expo_label *labels, size_t nlabels,
		 enum dwcp_hist_kind kind, const struct dwcp_hist *hist);

/* classic: nbounds + 1 non-cumulative counts (the last above every bound);
 * native: the zero bucket and the native buckets. Both from the same slots. */
void hist_sum_slots(enum dwcp_hist_kind kind, const struct dwcp_hist *hist, uint64_t *classic,
		    struct hist_native *native);

/* The classic bounds of kind in its base unit; returns how many. */
size_t hist_bounds(enum dwcp_hist_kind kind, double *out, size_t max);

#endif /* DWCP_HIST_RENDER_H */
