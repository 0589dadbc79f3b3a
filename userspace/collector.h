/*
 * collector.h: turns the BPF maps into metric families on each scrape.
 *
 * What it offers
 *   - collector_render(): everything /metrics serves, rendered into an
 *     expo_writer. Scrapes are serialized by the collector's lock.
 *   - collector_reap(): removes what dead DWCP processes left in the maps
 *     (active streams, in-flight operations and migrations, level gauges) and
 *     streams whose grace period is over. Runs before every render and once a
 *     second from the main loop, so nothing of an exited process is served
 *     after the next scrape, and the maps stay bounded with nobody scraping.
 *
 * Each area renders in its own unit (collect_<area>.c) through the helpers
 * declared here; none of them knows HTTP.
 */
#ifndef DWCP_COLLECTOR_H
#define DWCP_COLLECTOR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bpf_programs.h"
#include "exposition.h"
#include "metric_families.h"
#include "options.h"
#include "series_table.h"

struct bpf_map;
struct http_server_stats;

enum collector_abandoned { ABANDONED_STREAM, ABANDONED_OP, ABANDONED_MIGRATION };

struct collector {
	struct bpf_programs *bpf;
	const struct options *opt;
	const char *cluster;
	const char *node;
	struct attach_target *targets;
	size_t n_targets;

	pthread_mutex_t lock;
	struct bpf_map *maps[DWCP_MAP_COUNT];
	int map_entries[DWCP_MAP_COUNT]; /* entries seen by the last walk, -1 unknown */
	double last_scrape_seconds;
	/* streams, ops, migrations dropped because their process exited
	 * before the end probe (indexed by enum collector_abandoned) */
	uint64_t abandoned[3];
	struct series_table table; /* reused by the area collectors */
	/* the HTTP server's request counts for the self-metrics, set by main
	 * before it serves; NULL: not rendered */
	void (*http_stats)(const void *ctx, struct http_server_stats *out);
	const void *http_stats_ctx;
};

int collector_init(struct collector *c, struct bpf_programs *bpf, const struct options *opt, const char *node,
		   struct attach_target *targets, size_t n_targets);
void collector_free(struct collector *c);

/* Returns 0 or a negative errno. Thread-safe. */
int collector_render(struct collector *c, struct expo_writer *w);
void collector_reap(struct collector *c);

/* ---- for collect_<area>.c ---- */
struct collect_ctx {
	struct collector *c;
	struct expo_writer *w;
	int err;
};

void collect_amst(struct collect_ctx *ctx);
void collect_hde(struct collect_ctx *ctx);
void collect_migration(struct collect_ctx *ctx);
void collect_federation(struct collect_ctx *ctx);
void collect_system(struct collect_ctx *ctx);
void collect_self(struct collect_ctx *ctx);

/* Walks map_id (a hash map) into ctx->c->table: key_size bytes of the map
 * key starting at key_offset become the series key, value_words words of the
 * (per-CPU summed) value starting at value_offset become its value; then the
 * table is merged with merge. */
void collect_map_into_table(struct collect_ctx *ctx, enum dwcp_map_id map_id, size_t map_key_size,
			    size_t map_value_size, bool percpu, size_t key_offset, size_t key_size,
			    size_t value_offset, size_t value_words, series_merge_fn merge);

/* A per-CPU map of one label to a counter, as family {cluster[,node],label_name}. */
void collect_label_counter(struct collect_ctx *ctx, enum metric_family_id family, enum dwcp_map_id map,
			   const char *label_name, bool with_node);

/* A level map of (process, label) -> struct dwcp_level, as gauge family
 * {cluster[,node],label_name}: the processes' values folded with merge, then
 * divided by divisor (fixed point to base unit). */
void collect_proc_levels(struct collect_ctx *ctx, enum metric_family_id family, enum dwcp_map_id map,
			 const char *label_name, bool with_node, series_merge_fn merge, double divisor);

/* labels[0..n) = cluster[, node] first: returns how many it wrote. */
size_t collect_base_labels(const struct collect_ctx *ctx, struct expo_label *labels, bool with_node);

/* A label value from a fixed 64-byte BPF label (always NUL-terminated). */
const char *collect_label_text(const char *label, char *buf, size_t len);

#endif /* DWCP_COLLECTOR_H */
