/* SPDX-License-Identifier: Apache-2.0 */
/*
 * collect_common.h: the bottom layer of the collectors. What every area
 * collector reads (struct collect_state, owned by the dispatcher in
 * collector.c) and the helpers they share.
 *
 * What it offers
 *   - collect_walk(): walks a map by its id (layout from map_layouts.h).
 *     In a per-process map it deletes what the reaper's verdict says
 *     (counting abandoned work) and hands fn only the entries that stay;
 *     it records how many stay for dwcp_bpf_map_entries.
 *   - collect_series(): a map's series (labels and value words, per-CPU
 *     values summed) into state->table, folded by a merge function.
 *   - collect_label_family(): a whole metric family from one map, driven by
 *     a row of struct label_family, the metric family table and the map
 *     layout table: the family's labels after cluster/node are the map's
 *     64-byte labels, in order; its type says how a value is rendered.
 *   - collect_flag_labels(), collect_label_text(): labels for the areas' own
 *     renderers.
 *
 * Calls go one way: collector.c -> collect_<area>.c -> here -> reaper,
 * map_read, series_table, exposition, metric_families, map_layouts.
 * Nothing here knows HTTP.
 */
#ifndef DWCP_COLLECT_COMMON_H
#define DWCP_COLLECT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/bpf_programs.h"
#include "dwcp_maps.h"
#include "exposition/exposition.h"
#include "histogram.h"
#include "collect/map_read.h"
#include "exposition/metric_families.h"
#include "config/options.h"
#include "collect/reaper.h"
#include "collect/series_table.h"

struct bpf_map;
struct http_server_stats;

struct collect_state {
	struct bpf_programs *bpf;
	const struct options *opt;
	const char *cluster;
	const char *node;
	struct attach_target *targets;
	size_t n_targets;
	struct bpf_map *maps[DWCP_MAP_COUNT];
	int map_entries[DWCP_MAP_COUNT]; /* entries seen by the last walk, -1 unknown */
	double last_scrape_seconds;
	uint64_t abandoned[ABANDONED_COUNT];
	struct reaper reaper;          /* the pass every walk of a per-process map asks */
	bool walked[DWCP_MAP_COUNT];   /* walked since the pass began */
	bool walk_failed;              /* a walk of this pass failed */
	struct series_table table; /* one buffer for every family of a scrape */
	/* the HTTP server's request counts for the self-metrics; NULL: not rendered */
	void (*http_stats)(const void *ctx, struct http_server_stats *out);
	const void *http_stats_ctx;
};

/* One scrape: where it renders, and its first error (a negative errno). */
struct collect_ctx {
	struct collect_state *s;
	struct expo_writer *w;
	int err;
};

/* A metric family read from one map with no code of its own. */
struct label_family {
	enum metric_family_id family;
	enum dwcp_map_id map;
	series_merge_fn merge; /* entries with the same labels: other CPUs' sums, other processes */
	double divisor;        /* gauges: the value is word 0 / divisor (fixed point to base unit) */
	enum dwcp_hist_kind hist; /* histograms: the bucket layout */
};

/* map_for_each() on the map id names (fn NULL: only reap); returns the
 * entries that stay, or a negative errno. */
int collect_walk(struct collect_state *s, enum dwcp_map_id id, map_entry_fn fn, void *arg);

/* The map's series into s->table (sorted, equal labels folded with merge);
 * errors go to ctx->err. */
void collect_series(struct collect_ctx *ctx, enum dwcp_map_id id, series_merge_fn merge);

void collect_label_family(struct collect_ctx *ctx, const struct label_family *f);

/* labels[0..n) = the family's leading cluster, node or source_node labels
 * with their values: returns n (metric_family_flag_labels()). */
size_t collect_flag_labels(const struct collect_ctx *ctx, enum metric_family_id family, struct expo_label *labels);

/* A label value from a fixed 64-byte BPF label (always NUL-terminated). */
const char *collect_label_text(const char *label, char *buf, size_t len);

#endif /* DWCP_COLLECT_COMMON_H */
