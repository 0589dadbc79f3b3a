/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hist_render.h: the one place a struct dwcp_hist (bpf/histogram.h) becomes
 * a Prometheus histogram: bounds and sum converted from the raw unit
 * (nanoseconds, ratio x 1000) to the base unit (seconds, ratio).
 */
#ifndef DWCP_HIST_RENDER_H
#define DWCP_HIST_RENDER_H

#include "exposition/exposition.h"
#include "histogram.h"

void hist_render(struct expo_writer *w, const struct expo_label *labels, size_t nlabels,
		 enum dwcp_hist_kind kind, const struct dwcp_hist *hist);

/* The bounds of kind in its base unit; returns how many. */
size_t hist_bounds(enum dwcp_hist_kind kind, double *out, size_t max);

#endif /* DWCP_HIST_RENDER_H */
