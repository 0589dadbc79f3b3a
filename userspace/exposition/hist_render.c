// SPDX-License-Identifier: Apache-2.0
#include "exposition/hist_render.h"

static const __u64 op_latency_bounds[] = DWCP_OP_LATENCY_BOUNDS;
static const __u64 compression_bounds[] = DWCP_COMPRESSION_BOUNDS;
static const __u64 migration_bounds[] = DWCP_MIGRATION_BOUNDS;
static const __u64 federation_sync_bounds[] = DWCP_FEDERATION_SYNC_BOUNDS;

_Static_assert(sizeof(op_latency_bounds) / 8 == DWCP_OP_LATENCY_NBOUNDS, "op latency bounds");
_Static_assert(sizeof(compression_bounds) / 8 == DWCP_COMPRESSION_NBOUNDS, "compression bounds");
_Static_assert(sizeof(migration_bounds) / 8 == DWCP_MIGRATION_NBOUNDS, "migration bounds");
_Static_assert(sizeof(federation_sync_bounds) / 8 == DWCP_FEDERATION_SYNC_NBOUNDS, "sync bounds");
_Static_assert(DWCP_OP_LATENCY_NBOUNDS <= DWCP_HIST_MAX_BOUNDS && DWCP_COMPRESSION_NBOUNDS <= DWCP_HIST_MAX_BOUNDS &&
		       DWCP_MIGRATION_NBOUNDS <= DWCP_HIST_MAX_BOUNDS &&
		       DWCP_FEDERATION_SYNC_NBOUNDS <= DWCP_HIST_MAX_BOUNDS,
	       "bounds fit struct dwcp_hist");

static const struct {
	const __u64 *bounds;
	size_t n;
	double scale; /* raw units per base unit */
} kinds[DWCP_HIST_KIND_COUNT] = {
	[DWCP_HIST_OP_LATENCY] = { op_latency_bounds, DWCP_OP_LATENCY_NBOUNDS, 1e9 },
	[DWCP_HIST_COMPRESSION] = { compression_bounds, DWCP_COMPRESSION_NBOUNDS, 1e3 },
	[DWCP_HIST_MIGRATION] = { migration_bounds, DWCP_MIGRATION_NBOUNDS, 1e9 },
	[DWCP_HIST_FEDERATION_SYNC] = { federation_sync_bounds, DWCP_FEDERATION_SYNC_NBOUNDS, 1e9 },
};

size_t hist_bounds(enum dwcp_hist_kind kind, double *out, size_t max)
{
	size_t n = kinds[kind].n < max ? kinds[kind].n : max;

	for (size_t i = 0; i < n; i++)
		out[i] = (double)kinds[kind].bounds[i] / kinds[kind].scale;
	return n;
}

void hist_render(struct expo_writer *w, const struct expo_label *labels, size_t nlabels,
		 enum dwcp_hist_kind kind, const struct dwcp_hist *hist)
{
	double bounds[DWCP_HIST_MAX_BOUNDS];
	uint64_t counts[DWCP_HIST_MAX_BOUNDS + 1];
	size_t n = hist_bounds(kind, bounds, DWCP_HIST_MAX_BOUNDS);

	/* values above the last bound sit in slot n (dwcp_hist_slot), which
	 * is the +Inf-only bucket */
	for (size_t i = 0; i <= n; i++)
		counts[i] = hist->buckets[i];
	expo_histogram(w, labels, nlabels, bounds, counts, n, (double)hist->sum / kinds[kind].scale, NULL);
}
