/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reaper.h: which map entries have outlived what they describe: entries of
 * DWCP processes that exited, and streams whose grace period is over.
 *
 * What it offers
 *   - reaper_note_exit(): a process exit the kernel reported (proc_exits.h).
 *   - reaper_ask_kernel(): the next pass also asks the kernel about every
 *     process it meets (kill(pid, 0)): for the first pass (pinned maps may
 *     hold entries of processes that exited while no exporter ran) and
 *     after exit events were lost.
 *   - reaper_begin(), reaper_end(): a pass (a scrape, or a reap without
 *     one). A pass is complete when it walked every per-process map; the
 *     exits it applied are forgotten then.
 *   - reaper_verdict(): for one entry of a per-process map (map_layouts.h
 *     marks them), MAP_KEEP, MAP_DELETE (an ended stream past its grace)
 *     or MAP_DELETE_COUNTED (its process is gone: for active streams,
 *     in-flight operations and migrations, work abandoned).
 *   - reaper_next_expiry_ns(): when the first stream kept by the last pass
 *     leaves its grace period (0: none), so that the exporter reaps then
 *     rather than on a fixed period.
 *   - reaper_abandoned_kind(): what a counted delete of a map counts as in
 *     dwcp_bpf_abandoned_total.
 *
 * An entry is its process's when the process wrote it at or before its
 * exit (each per-process value holds the time its process wrote it, see
 * map_layouts.h): a process that reuses a dead one's tgid keeps what it
 * wrote itself. Every walk of a per-process map asks the verdict
 * (collect_walk()), so a scrape reads each map once. Ended streams keep
 * their grace period even if their process exited, so that the last scrape
 * sees their final bytes. Not thread-safe: the collector lock serializes.
 */
#ifndef DWCP_REAPER_H
#define DWCP_REAPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dwcp_maps.h"
#include "collect/map_read.h"

/* What dwcp_bpf_abandoned_total counts: work whose process exited first. */
enum reaper_abandoned { ABANDONED_STREAM, ABANDONED_OP, ABANDONED_MIGRATION, ABANDONED_COUNT };

/* Liveness asked of the kernel in one pass: each process holds many
 * entries (a stream, an op, a level each), so each is asked once. */
#define REAPER_LIVENESS_SLOTS 1024

struct reaper_exit {
	uint32_t tgid;
	uint64_t exit_ns;
};

struct reaper {
	uint64_t now_ns;
	uint64_t grace_ns;
	bool ask_kernel;
	uint64_t next_expiry_ns;
	/* exits noted since the last complete pass, sorted by reaper_begin() */
	struct reaper_exit *exits;
	size_t n_exits, cap_exits;
	bool exits_failed; /* out of memory noting one: ask the kernel */
	uint32_t tgid[REAPER_LIVENESS_SLOTS];
	int8_t alive[REAPER_LIVENESS_SLOTS]; /* -1 unknown */
};

void reaper_init(struct reaper *r);
void reaper_free(struct reaper *r);

void reaper_note_exit(struct reaper *r, uint32_t tgid, uint64_t exit_ns);
void reaper_ask_kernel(struct reaper *r);

void reaper_begin(struct reaper *r, uint64_t grace_ns);
enum map_verdict reaper_verdict(struct reaper *r, enum dwcp_map_id id, const void *key, const void *value);
void reaper_end(struct reaper *r, bool complete);

uint64_t reaper_next_expiry_ns(const struct reaper *r);

/* enum reaper_abandoned of a map's counted deletes, or -1 (a level). */
int reaper_abandoned_kind(enum dwcp_map_id id);

#endif /* DWCP_REAPER_H */
