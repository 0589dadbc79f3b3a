// SPDX-License-Identifier: Apache-2.0
#include "collect/reaper.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect/map_layouts.h"

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* the clock of bpf_ktime_get_ns() */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void reaper_init(struct reaper *r)
{
	memset(r, 0, sizeof(*r));
	r->ask_kernel = true; /* the first pass: what happened before we listened */
}

void reaper_free(struct reaper *r)
{
	free(r->exits);
	memset(r, 0, sizeof(*r));
}

void reaper_note_exit(struct reaper *r, uint32_t tgid, uint64_t exit_ns)
{
	if (r->n_exits == r->cap_exits) {
		size_t cap = r->cap_exits ? 2 * r->cap_exits : 256;
		struct reaper_exit *e = realloc(r->exits, cap * sizeof(*e));

		if (!e) {
			r->exits_failed = true;
			return;
		}
		r->exits = e;
		r->cap_exits = cap;
	}
	r->exits[r->n_exits++] = (struct reaper_exit){ tgid, exit_ns };
}

void reaper_ask_kernel(struct reaper *r)
{
	r->ask_kernel = true;
}

static int by_tgid(const void *a, const void *b)
{
	const struct reaper_exit *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return x->exit_ns < y->exit_ns ? -1 : x->exit_ns > y->exit_ns;
}

void reaper_begin(struct reaper *r, uint64_t grace_ns)
{
	size_t n = 0;

	r->now_ns = monotonic_ns();
	r->grace_ns = grace_ns;
	r->next_expiry_ns = 0;
	memset(r->alive, -1, sizeof(r->alive));
	if (r->exits_failed)
		r->ask_kernel = true;
	/* one exit per tgid, its last: a tgid reused and dead again */
	if (r->n_exits > 1)
		qsort(r->exits, r->n_exits, sizeof(*r->exits), by_tgid);
	for (size_t i = 0; i < r->n_exits; i++) {
		if (n > 0 && r->exits[n - 1].tgid == r->exits[i].tgid)
			n--;
		r->exits[n++] = r->exits[i];
	}
	r->n_exits = n;
}

void reaper_end(struct reaper *r, bool complete)
{
	if (!complete)
		return;
	r->n_exits = 0;
	r->exits_failed = false;
	r->ask_kernel = false;
}

uint64_t reaper_next_expiry_ns(const struct reaper *r)
{
	return r->next_expiry_ns;
}

/* When tgid exited (0: not reported since the last complete pass). */
static uint64_t exited_at(const struct reaper *r, uint32_t tgid)
{
	size_t lo = 0, hi = r->n_exits;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->exits[mid].tgid == tgid)
			return r->exits[mid].exit_ns;
		if (r->exits[mid].tgid < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static bool kernel_says_alive(struct reaper *r, uint32_t tgid)
{
	for (uint32_t i = 0; i < 8; i++) {
		uint32_t slot = (tgid * 2654435761u + i) % REAPER_LIVENESS_SLOTS;

		if (r->alive[slot] >= 0 && r->tgid[slot] == tgid)
			return r->alive[slot];
		if (r->alive[slot] < 0) {
			r->tgid[slot] = tgid;
			r->alive[slot] = kill((pid_t)tgid, 0) == 0 || errno == EPERM;
			return r->alive[slot];
		}
	}
	return kill((pid_t)tgid, 0) == 0 || errno == EPERM; /* crowded: ask */
}

enum map_verdict reaper_verdict(struct reaper *r, enum dwcp_map_id id, const void *key, const void *value)
{
	/* every per-process key starts with the tgid (struct dwcp_proc_key) */
	uint32_t tgid = ((const struct dwcp_proc_key *)key)->tgid;
	uint64_t written, exit_ns;

	if (id == DWCP_MAP_STREAMS) {
		const struct dwcp_stream *s = value;

		if (s->end_ns) {
			uint64_t expiry = s->end_ns + r->grace_ns;

			if (r->now_ns > s->end_ns && r->now_ns - s->end_ns > r->grace_ns)
				return MAP_DELETE;
			if (r->next_expiry_ns == 0 || expiry < r->next_expiry_ns)
				r->next_expiry_ns = expiry;
			return MAP_KEEP;
		}
	}
	exit_ns = exited_at(r, tgid);
	if (exit_ns) {
		memcpy(&written, (const uint8_t *)value + map_layout(id)->time_offset, sizeof(written));
		if (written <= exit_ns)
			return MAP_DELETE_COUNTED;
	}
	if (r->ask_kernel && !kernel_says_alive(r, tgid))
		return MAP_DELETE_COUNTED;
	return MAP_KEEP;
}

int reaper_abandoned_kind(enum dwcp_map_id id)
{
	switch (id) {
	case DWCP_MAP_STREAMS:
		return ABANDONED_STREAM;
	case DWCP_MAP_OPS_INFLIGHT:
		return ABANDONED_OP;
	case DWCP_MAP_MIGRATIONS_INFLIGHT:
		return ABANDONED_MIGRATION;
	default:
		return -1;
	}
}
