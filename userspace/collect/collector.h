/* SPDX-License-Identifier: Apache-2.0 */
/*
 * collector.h: the dispatcher that turns the BPF maps into metric families
 * on each scrape.
 *
 * What it offers
 *   - collector_init(): the maps of the loaded BPF objects, each checked
 *     against its row of map_layouts.h.
 *   - collector_render(): everything /metrics serves, rendered into an
 *     expo_writer. Scrapes are serialized by the collector's lock.
 *   - collector_reap(): removes what dead DWCP processes left in the maps
 *     and streams past their grace (reaper.h) with nobody scraping; the
 *     main loop calls it when collector_wake_fds() say so: the exit queue
 *     is half full, or a stream kept by the last pass leaves its grace
 *     period. No periodic work. A render reaps too: it reads the exits the
 *     kernel queued, and each walk of a per-process map deletes what is
 *     stale before it renders the rest, so nothing of an exited process is
 *     served after the next scrape.
 *   - collector_steps(): what a render renders, in order, for tests.
 *
 * A render is one table (collector.c): rows that read a metric family
 * straight from one map (struct label_family), and the renderers of the
 * areas (collect_areas.h) for families that need code. Calls go one way:
 * here -> collect_<area>.c -> collect_common.c -> reaper.c.
 */
#ifndef DWCP_COLLECTOR_H
#define DWCP_COLLECTOR_H

#include <pthread.h>
#include <stddef.h>

#include "collect/collect_common.h"
#include "collect/proc_exits.h"

struct collector {
	pthread_mutex_t lock; /* scrapes, reaps and the attach state */
	struct collect_state s;
	struct proc_exits exits;
	int expiry_fd; /* timerfd: when the first stream kept leaves its grace */
};

/* One step of a render: an area's renderer, or (render NULL) a row. */
struct collect_step {
	void (*render)(struct collect_ctx *ctx);
	struct label_family row;
};

/* 0, or -1 with err naming a map whose layout differs from map_layouts.c. */
int collector_init(struct collector *c, struct bpf_programs *bpf, const struct options *opt, const char *node,
		   struct attach_target *targets, size_t n_targets, char *err, size_t errlen);
void collector_free(struct collector *c);

/* Returns 0 or a negative errno. Thread-safe. */
int collector_render(struct collector *c, struct expo_writer *w);
void collector_reap(struct collector *c);

/* fds the main loop polls (EPOLLIN, edge-triggered for the first): the
 * exit queue and the grace timer; either readable means collector_reap(). */
void collector_wake_fds(const struct collector *c, int *exits_fd, int *expiry_fd);

const struct collect_step *collector_steps(size_t *n);

#endif /* DWCP_COLLECTOR_H */
