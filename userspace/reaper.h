/*
 * reaper.h: which map entries have outlived what they describe: entries of
 * DWCP processes that exited, and streams whose grace period is over.
 *
 * What it offers
 *   - reaper_begin(): starts a pass (a scrape, or a reap without one): the
 *     time against which grace periods run, and a fresh liveness cache.
 *   - reaper_verdict(): for one entry of a per-process map (map_layouts.h
 *     marks them), MAP_KEEP, MAP_DELETE (an ended stream past its grace)
 *     or MAP_DELETE_COUNTED (its process is gone: for active streams,
 *     in-flight operations and migrations, work abandoned).
 *   - reaper_abandoned_kind(): what a counted delete of a map counts as in
 *     dwcp_bpf_abandoned_total.
 *
 * Every walk of a per-process map asks it (collect_walk()), so a scrape
 * reads each map once and what it renders has been reaped. Ended streams
 * keep their grace period even if their process exited, so that the last
 * scrape sees their final bytes.
 */
#ifndef DWCP_REAPER_H
#define DWCP_REAPER_H

#include <stdint.h>

#include "dwcp_maps.h"
#include "map_read.h"

/* What dwcp_bpf_abandoned_total counts: work whose process exited first. */
enum reaper_abandoned { ABANDONED_STREAM, ABANDONED_OP, ABANDONED_MIGRATION, ABANDONED_COUNT };

/* Liveness of DWCP processes for one pass: each process holds many entries
 * (a stream, an op, a level each), so each is asked once, not per entry. */
#define REAPER_LIVENESS_SLOTS 1024

struct reaper {
	uint64_t now_ns;
	uint64_t grace_ns;
	uint32_t tgid[REAPER_LIVENESS_SLOTS];
	int8_t alive[REAPER_LIVENESS_SLOTS]; /* -1 unknown */
};

void reaper_begin(struct reaper *r, uint64_t grace_ns);
enum map_verdict reaper_verdict(struct reaper *r, enum dwcp_map_id id, const void *key, const void *value);

/* enum reaper_abandoned of a map's counted deletes, or -1 (a level). */
int reaper_abandoned_kind(enum dwcp_map_id id);

#endif /* DWCP_REAPER_H */
