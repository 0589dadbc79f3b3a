// SPDX-License-Identifier: Apache-2.0
#include "collect/collector.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "collect/collect_areas.h"
#include "base/log.h"
#include "collect/map_layouts.h"

static void reap_unwalked(struct collect_ctx *ctx);

/* A family read from one map; the family's labels after cluster/node are
 * the map's labels. */
#define ROW(fam, map_id, merge_fn, ...) \
	{ NULL, { .family = fam, .map = map_id, .merge = merge_fn, __VA_ARGS__ } }

/* Everything a scrape renders, in order. */
static const struct collect_step steps[] = {
	/* AMST */
	{ collect_amst_streams, { 0 } },
	ROW(MF_AMST_STREAMS_TOTAL, DWCP_MAP_STREAM_RESULTS, series_merge_sum),
	ROW(MF_AMST_ERRORS, DWCP_MAP_STREAM_ERRORS, series_merge_sum),
	ROW(MF_AMST_LATENCY, DWCP_MAP_OP_LATENCY, series_merge_sum, .hist = DWCP_HIST_OP_LATENCY),
	{ collect_amst_bandwidth, { 0 } },
	/* HDE */
	{ collect_hde_by_type, { 0 } },
	ROW(MF_HDE_BASELINE_COUNT, DWCP_MAP_BASELINES, series_merge_sum, .divisor = 1.0),
	{ collect_hde_dictionary, { 0 } },
	/* migration */
	{ collect_migration_outcomes, { 0 } },
	ROW(MF_MIGRATION_SPEEDUP, DWCP_MAP_SPEEDUP, series_merge_latest, .divisor = 1000.0),
	/* federation */
	ROW(MF_FEDERATION_SYNC_DURATION, DWCP_MAP_FEDERATION_SYNC, series_merge_sum,
	    .hist = DWCP_HIST_FEDERATION_SYNC),
	ROW(MF_FEDERATION_BANDWIDTH_SAVED, DWCP_MAP_BANDWIDTH_SAVED, series_merge_sum),
	/* system: a component is as healthy as its worst process */
	ROW(MF_SYSTEM_COMPONENT_HEALTH, DWCP_MAP_HEALTH, series_merge_min, .divisor = 1.0),
	ROW(MF_SYSTEM_CONFIG_ENABLED, DWCP_MAP_FEATURES, series_merge_latest, .divisor = 1.0),
	{ collect_system_versions, { 0 } },
	/* what no family read (in-flight operations and migrations), before
	 * the self-metrics count what was abandoned */
	{ reap_unwalked, { 0 } },
	/* the exporter itself */
	{ collect_self, { 0 } },
};

const struct collect_step *collector_steps(size_t *n)
{
	*n = sizeof(steps) / sizeof(steps[0]);
	return steps;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The loaded map against its row of map_layouts.c: a row that drifted from
 * bpf/dwcp_maps.h would read garbage. */
static int check_layout(enum dwcp_map_id id, const struct bpf_map *map, char *err, size_t errlen)
{
	const struct map_layout *l = map_layout(id);
	enum bpf_map_type type = bpf_map__type(map);
	bool percpu = type == BPF_MAP_TYPE_PERCPU_HASH;

	if ((type == BPF_MAP_TYPE_HASH || percpu) && percpu == l->percpu && bpf_map__key_size(map) == l->key_size &&
	    bpf_map__value_size(map) == l->value_size && strcmp(bpf_map__name(map), l->name) == 0)
		return 0;
	snprintf(err, errlen,
		 "BPF map %s (type %d, key %u, value %u bytes) does not match its layout %s (%s, key %zu, value %zu "
		 "bytes): rebuild the exporter",
		 bpf_map__name(map), (int)type, bpf_map__key_size(map), bpf_map__value_size(map), l->name,
		 l->percpu ? "per-CPU hash" : "hash", l->key_size, l->value_size);
	return -1;
}

int collector_init(struct collector *c, struct bpf_programs *bpf, const struct options *opt, const char *node,
		   struct attach_target *targets, size_t n_targets, char *err, size_t errlen)
{
	struct collect_state *s = &c->s;

	memset(c, 0, sizeof(*c));
	s->bpf = bpf;
	s->opt = opt;
	s->cluster = opt->cluster;
	s->node = node;
	s->targets = targets;
	s->n_targets = n_targets;
	int ring_fd, lost_fd, rc;

	c->expiry_fd = -1;
	bpf_programs_maps(bpf, s->maps);
	for (int i = 0; i < DWCP_MAP_COUNT; i++) {
		if (check_layout(i, s->maps[i], err, errlen) != 0)
			return -1;
		s->map_entries[i] = -1;
	}
	bpf_programs_exit_fds(bpf, &ring_fd, &lost_fd);
	rc = proc_exits_open(&c->exits, ring_fd, lost_fd);
	if (rc) {
		snprintf(err, errlen, "read the process exit queue: %s", strerror(-rc));
		return -1;
	}
	c->expiry_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (c->expiry_fd < 0) {
		snprintf(err, errlen, "timerfd: %s", strerror(errno));
		proc_exits_close(&c->exits);
		return -1;
	}
	reaper_init(&s->reaper);
	pthread_mutex_init(&c->lock, NULL);
	series_table_init(&s->table, 1, 1);
	return 0;
}

void collector_free(struct collector *c)
{
	series_table_free(&c->s.table);
	reaper_free(&c->s.reaper);
	proc_exits_close(&c->exits);
	close(c->expiry_fd);
	pthread_mutex_destroy(&c->lock);
}

void collector_wake_fds(const struct collector *c, int *exits_fd, int *expiry_fd)
{
	*exits_fd = proc_exits_fd(&c->exits);
	*expiry_fd = c->expiry_fd;
}

/* A pass reads the exits queued so far; every walk of it asks the reaper. */
static void begin_pass(struct collector *c)
{
	struct collect_state *s = &c->s;
	int n = proc_exits_drain(&c->exits, &s->reaper);

	if (n < 0) /* exits unread: the kernel is asked instead */
		reaper_ask_kernel(&s->reaper);
	reaper_begin(&s->reaper, s->opt->stream_grace_ns);
	memset(s->walked, 0, sizeof(s->walked));
	s->walk_failed = false;
}

/* Complete when every per-process map was walked: the exits it applied are
 * done with. Then the grace timer is set for the first stream kept. */
static void end_pass(struct collector *c)
{
	struct collect_state *s = &c->s;
	bool complete = !s->walk_failed;
	uint64_t expiry;
	struct itimerspec when = { { 0, 0 }, { 0, 0 } };

	for (int id = 0; id < DWCP_MAP_COUNT; id++)
		complete &= !map_layout(id)->per_process || s->walked[id];
	reaper_end(&s->reaper, complete);
	expiry = reaper_next_expiry_ns(&s->reaper);
	if (expiry) {
		expiry += 1000000; /* past the grace, not at it */
		when.it_value.tv_sec = (time_t)(expiry / 1000000000ull);
		when.it_value.tv_nsec = (long)(expiry % 1000000000ull);
	}
	timerfd_settime(c->expiry_fd, TFD_TIMER_ABSTIME, &when, NULL);
}

/* Every per-process map this pass has not walked yet, walked to be reaped. */
static void reap_unwalked(struct collect_ctx *ctx)
{
	for (int id = 0; id < DWCP_MAP_COUNT; id++) {
		int rc;

		if (!map_layout(id)->per_process || ctx->s->walked[id])
			continue;
		rc = collect_walk(ctx->s, id, NULL, NULL);
		if (rc < 0)
			ctx->err = rc;
	}
}

void collector_reap(struct collector *c)
{
	struct collect_ctx ctx = { .s = &c->s };

	uint64_t expirations;

	/* the timer's count, so that it polls readable again only when set anew */
	if (read(c->expiry_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_event(LOG_DEBUG, "grace timer", "error", strerror(errno), NULL);
	pthread_mutex_lock(&c->lock);
	begin_pass(c);
	reap_unwalked(&ctx);
	end_pass(c);
	pthread_mutex_unlock(&c->lock);
}

int collector_render(struct collector *c, struct expo_writer *w)
{
	struct collect_ctx ctx = { .s = &c->s, .w = w };
	uint64_t start;

	pthread_mutex_lock(&c->lock);
	start = monotonic_ns();
	begin_pass(c);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].render)
			steps[i].render(&ctx);
		else
			collect_label_family(&ctx, &steps[i].row);
	}
	end_pass(c);
	c->s.last_scrape_seconds = (double)(monotonic_ns() - start) / 1e9;
	pthread_mutex_unlock(&c->lock);
	return ctx.err;
}
