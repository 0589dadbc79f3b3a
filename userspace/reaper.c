#include "reaper.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>


static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* the clock of bpf_ktime_get_ns() */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void reaper_begin(struct reaper *r, uint64_t grace_ns)
{
	r->now_ns = monotonic_ns();
	r->grace_ns = grace_ns;
	memset(r->alive, -1, sizeof(r->alive));
}

static bool process_alive(struct reaper *r, uint32_t tgid)
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

	if (id == DWCP_MAP_STREAMS) {
		const struct dwcp_stream *s = value;

		if (s->end_ns)
			return r->now_ns > s->end_ns && r->now_ns - s->end_ns > r->grace_ns ? MAP_DELETE : MAP_KEEP;
	}
	return process_alive(r, tgid) ? MAP_KEEP : MAP_DELETE_COUNTED;
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
