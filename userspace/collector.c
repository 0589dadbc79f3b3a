#include "collector.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amst.skel.h"
#include "federation.skel.h"
#include "hde.skel.h"
#include "map_read.h"
#include "migration.skel.h"
#include "system.skel.h"

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* the clock of bpf_ktime_get_ns() */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int collector_init(struct collector *c, struct bpf_programs *bpf, const struct options *opt, const char *node,
		   struct attach_target *targets, size_t n_targets)
{
	memset(c, 0, sizeof(*c));
	c->bpf = bpf;
	c->opt = opt;
	c->cluster = opt->cluster;
	c->node = node;
	c->targets = targets;
	c->n_targets = n_targets;
	pthread_mutex_init(&c->lock, NULL);
	series_table_init(&c->table, 1, 1);

	c->maps[DWCP_MAP_STREAMS] = bpf->amst->maps.streams;
	c->maps[DWCP_MAP_STREAM_RESULTS] = bpf->amst->maps.stream_results;
	c->maps[DWCP_MAP_STREAM_ERRORS] = bpf->amst->maps.stream_errors;
	c->maps[DWCP_MAP_OPS_INFLIGHT] = bpf->amst->maps.ops_inflight;
	c->maps[DWCP_MAP_OP_LATENCY] = bpf->amst->maps.op_latency;
	c->maps[DWCP_MAP_BANDWIDTH] = bpf->amst->maps.bandwidth_levels;
	c->maps[DWCP_MAP_HDE_BY_TYPE] = bpf->hde->maps.hde_by_type;
	c->maps[DWCP_MAP_BASELINES] = bpf->hde->maps.baselines;
	c->maps[DWCP_MAP_DICTIONARY] = bpf->hde->maps.dictionary_levels;
	c->maps[DWCP_MAP_MIGRATIONS_INFLIGHT] = bpf->migration->maps.migrations_inflight;
	c->maps[DWCP_MAP_MIGRATION_DURATION] = bpf->migration->maps.migration_outcomes;
	c->maps[DWCP_MAP_SPEEDUP] = bpf->migration->maps.speedups;
	c->maps[DWCP_MAP_FEDERATION_SYNC] = bpf->federation->maps.sync_durations;
	c->maps[DWCP_MAP_BANDWIDTH_SAVED] = bpf->federation->maps.bandwidth_saved_bytes;
	c->maps[DWCP_MAP_HEALTH] = bpf->system->maps.health_levels;
	c->maps[DWCP_MAP_FEATURES] = bpf->system->maps.feature_levels;
	c->maps[DWCP_MAP_VERSIONS] = bpf->system->maps.versions;
	for (int i = 0; i < DWCP_MAP_COUNT; i++)
		c->map_entries[i] = -1;
	return 0;
}

void collector_free(struct collector *c)
{
	series_table_free(&c->table);
	pthread_mutex_destroy(&c->lock);
}

/* ---- reaping ---- */

/*
 * Liveness of DWCP processes for one reap: each process holds many entries
 * (a stream, an op, a level each), so each is asked once, not once per entry.
 */
#define LIVENESS_SLOTS 1024

struct liveness {
	uint32_t tgid[LIVENESS_SLOTS];
	int8_t alive[LIVENESS_SLOTS]; /* -1 unknown */
};

static bool process_alive(struct liveness *l, uint32_t tgid)
{
	for (uint32_t i = 0; i < 8; i++) {
		uint32_t slot = (tgid * 2654435761u + i) % LIVENESS_SLOTS;

		if (l->alive[slot] >= 0 && l->tgid[slot] == tgid)
			return l->alive[slot];
		if (l->alive[slot] < 0) {
			l->tgid[slot] = tgid;
			l->alive[slot] = kill((pid_t)tgid, 0) == 0 || errno == EPERM;
			return l->alive[slot];
		}
	}
	return kill((pid_t)tgid, 0) == 0 || errno == EPERM; /* crowded: ask */
}

struct reap_ctx {
	uint64_t now_ns;
	uint64_t grace_ns;
	struct liveness *liveness;
};

static enum map_verdict reap_proc_entry(const void *key, const void *value, void *arg)
{
	const struct reap_ctx *r = arg;

	(void)value;
	return process_alive(r->liveness, ((const struct dwcp_proc_key *)key)->tgid) ? MAP_KEEP
										     : MAP_DELETE_COUNTED;
}

static enum map_verdict reap_stream(const void *key, const void *value, void *arg)
{
	const struct dwcp_stream *s = value;
	const struct reap_ctx *r = arg;

	/* an ended stream keeps its grace period even if its process exited:
	 * the last scrape still sees its final bytes */
	if (s->end_ns)
		return r->now_ns > s->end_ns && r->now_ns - s->end_ns > r->grace_ns ? MAP_DELETE : MAP_KEEP;
	/* still active, and its process is gone: abandoned */
	return process_alive(r->liveness, ((const struct dwcp_proc_label_key *)key)->tgid) ? MAP_KEEP
											   : MAP_DELETE_COUNTED;
}

static void reap_locked(struct collector *c)
{
	static const struct {
		enum dwcp_map_id map;
		size_t value_size;
		int abandoned; /* index into c->abandoned, or -1: a level */
	} per_process[] = {
		{ DWCP_MAP_OPS_INFLIGHT, sizeof(struct dwcp_op), ABANDONED_OP },
		{ DWCP_MAP_BANDWIDTH, sizeof(struct dwcp_bandwidth), -1 },
		{ DWCP_MAP_BASELINES, sizeof(struct dwcp_level), -1 },
		{ DWCP_MAP_DICTIONARY, sizeof(struct dwcp_level), -1 },
		{ DWCP_MAP_MIGRATIONS_INFLIGHT, sizeof(struct dwcp_migration), ABANDONED_MIGRATION },
		{ DWCP_MAP_SPEEDUP, sizeof(struct dwcp_level), -1 },
		{ DWCP_MAP_HEALTH, sizeof(struct dwcp_level), -1 },
		{ DWCP_MAP_FEATURES, sizeof(struct dwcp_level), -1 },
		{ DWCP_MAP_VERSIONS, sizeof(struct dwcp_version), -1 },
	};
	static struct liveness liveness; /* reaps run under the collector lock */
	struct reap_ctx r = { .now_ns = monotonic_ns(), .grace_ns = c->opt->stream_grace_ns, .liveness = &liveness };
	size_t deleted = 0;

	memset(liveness.alive, -1, sizeof(liveness.alive));

	for (size_t i = 0; i < sizeof(per_process) / sizeof(per_process[0]); i++) {
		struct bpf_map *map = c->maps[per_process[i].map];
		int seen = map_for_each(bpf_map__fd(map), bpf_map__key_size(map), per_process[i].value_size, false,
					reap_proc_entry, &r, &deleted);

		if (per_process[i].abandoned >= 0)
			c->abandoned[per_process[i].abandoned] += deleted;
		/* in-flight maps are not rendered: their fill comes from here */
		if (seen >= 0 && per_process[i].abandoned >= 0)
			c->map_entries[per_process[i].map] = seen;
	}
	map_for_each(bpf_map__fd(c->maps[DWCP_MAP_STREAMS]), sizeof(struct dwcp_proc_label_key),
		     sizeof(struct dwcp_stream), false, reap_stream, &r, &deleted);
	c->abandoned[ABANDONED_STREAM] += deleted;
}

void collector_reap(struct collector *c)
{
	pthread_mutex_lock(&c->lock);
	reap_locked(c);
	pthread_mutex_unlock(&c->lock);
}

/* ---- rendering ---- */

struct table_walk {
	struct series_table *t;
	size_t key_offset, value_offset;
	uint64_t *scratch;
};

static enum map_verdict append_entry(const void *key, const void *value, void *arg)
{
	struct table_walk *walk = arg;

	memcpy(walk->scratch, (const uint8_t *)value + walk->value_offset, walk->t->value_words * sizeof(uint64_t));
	series_table_append(walk->t, (const uint8_t *)key + walk->key_offset, walk->scratch);
	return MAP_KEEP;
}

void collect_map_into_table(struct collect_ctx *ctx, enum dwcp_map_id map_id, size_t map_key_size,
			    size_t map_value_size, bool percpu, size_t key_offset, size_t key_size,
			    size_t value_offset, size_t value_words, series_merge_fn merge)
{
	struct collector *c = ctx->c;
	uint64_t scratch[sizeof(struct dwcp_hde_type_stats) / sizeof(uint64_t) + 8];
	struct table_walk walk = { &c->table, key_offset, value_offset, scratch };
	int seen;

	series_table_reset(&c->table, key_size, value_words);
	if (value_words > sizeof(scratch) / sizeof(scratch[0])) {
		ctx->err = -EINVAL;
		return;
	}
	seen = map_for_each(bpf_map__fd(c->maps[map_id]), map_key_size, map_value_size, percpu, append_entry,
			    &walk, NULL);
	if (seen < 0) {
		ctx->err = seen;
		return;
	}
	c->map_entries[map_id] = seen;
	if (c->table.failed)
		ctx->err = -ENOMEM;
	series_table_merge(&c->table, merge);
}

size_t collect_base_labels(const struct collect_ctx *ctx, struct expo_label *labels, bool with_node)
{
	labels[0] = (struct expo_label){ "cluster", ctx->c->cluster };
	if (!with_node)
		return 1;
	labels[1] = (struct expo_label){ "node", ctx->c->node };
	return 2;
}

const char *collect_label_text(const char *label, char *buf, size_t len)
{
	size_t n = strnlen(label, DWCP_LABEL_LEN);

	if (n >= len)
		n = len - 1;
	memcpy(buf, label, n);
	buf[n] = '\0';
	return buf;
}

void collect_label_counter(struct collect_ctx *ctx, enum metric_family_id family, enum dwcp_map_id map,
			   const char *label_name, bool with_node)
{
	struct series_table *t = &ctx->c->table;
	struct expo_label labels[3];
	size_t n = collect_base_labels(ctx, labels, with_node);
	char text[DWCP_LABEL_LEN];

	collect_map_into_table(ctx, map, sizeof(struct dwcp_label_key), sizeof(__u64), true, 0, DWCP_LABEL_LEN, 0,
			       1, series_merge_sum);
	metric_family_begin(ctx->w, family);
	for (size_t i = 0; i < t->n; i++) {
		labels[n] = (struct expo_label){ label_name, collect_label_text(series_key(t, i), text, sizeof(text)) };
		expo_sample_u64(ctx->w, NULL, labels, n + 1, series_value(t, i)[0]);
	}
}

void collect_proc_levels(struct collect_ctx *ctx, enum metric_family_id family, enum dwcp_map_id map,
			 const char *label_name, bool with_node, series_merge_fn merge, double divisor)
{
	struct series_table *t = &ctx->c->table;
	struct expo_label labels[3];
	size_t n = collect_base_labels(ctx, labels, with_node);
	char text[DWCP_LABEL_LEN];

	collect_map_into_table(ctx, map, sizeof(struct dwcp_proc_label_key), sizeof(struct dwcp_level), false,
			       offsetof(struct dwcp_proc_label_key, label), DWCP_LABEL_LEN, 0,
			       sizeof(struct dwcp_level) / 8, merge);
	metric_family_begin(ctx->w, family);
	for (size_t i = 0; i < t->n; i++) {
		labels[n] = (struct expo_label){ label_name, collect_label_text(series_key(t, i), text, sizeof(text)) };
		expo_sample(ctx->w, NULL, labels, n + 1, (double)series_value(t, i)[0] / divisor);
	}
}

int collector_render(struct collector *c, struct expo_writer *w)
{
	struct collect_ctx ctx = { .c = c, .w = w };
	uint64_t start;

	pthread_mutex_lock(&c->lock);
	start = monotonic_ns();
	reap_locked(c);
	collect_amst(&ctx);
	collect_hde(&ctx);
	collect_migration(&ctx);
	collect_federation(&ctx);
	collect_system(&ctx);
	collect_self(&ctx);
	c->last_scrape_seconds = (double)(monotonic_ns() - start) / 1e9;
	pthread_mutex_unlock(&c->lock);
	return ctx.err;
}
