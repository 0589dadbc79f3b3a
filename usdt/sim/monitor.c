// SPDX-License-Identifier: Apache-2.0
/* monitor.c: see monitor.h. */
#include "dwcp_probes.h" /* enum dwcp_health_state; first, for the semaphores */

#include "monitor.h"

#include "ledger.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TICK_NS (250 * NS_PER_MS)
#define WINDOW_TICKS 4 /* health looks at the last second */
/* The seed's DWCPHighErrorRate alert fires above 5%. */
#define DEGRADED_PERCENT 5

enum component { C_AMST, C_HDE, C_MIGRATION, C_FEDERATION, C_MANAGER, C_COUNT };
static const char *const component_names[C_COUNT] = {
	"amst", "hde", "migration", "federation", "dwcp_manager",
};

enum counter {
	K_CHUNKS,
	K_STREAM_ERRORS,
	K_DECOMPRESS,
	K_DECOMPRESS_FAILED,
	K_MIGRATION_FAILED,
	K_FEDERATION_FAILED,
	K_COUNT,
};

struct monitor {
	struct sim *sim;
	pthread_t thread;
	uint64_t last[K_COUNT];
	uint64_t window[WINDOW_TICKS][K_COUNT];
	unsigned int slot;
	uint64_t state[C_COUNT];
};

static void read_counters(struct sim_stats *s, uint64_t out[K_COUNT])
{
	out[K_CHUNKS] = atomic_load(&s->chunks);
	out[K_STREAM_ERRORS] = atomic_load(&s->stream_errors);
	out[K_DECOMPRESS] = atomic_load(&s->decompress_ops);
	out[K_DECOMPRESS_FAILED] = atomic_load(&s->decompress_failures);
	out[K_MIGRATION_FAILED] = atomic_load(&s->migration_failures);
	out[K_FEDERATION_FAILED] = atomic_load(&s->federation_failures);
}

static bool too_many(uint64_t failed, uint64_t total)
{
	return total > 0 && failed * 100 > total * DEGRADED_PERCENT;
}

void monitor_announce_initial(const struct sim *sim)
{
	int c;

	for (c = 0; c < C_COUNT; c++)
		ledger_health(component_names[c], DWCP_HEALTH_HEALTHY);
	ledger_bandwidth(0, sim->opt->link_bytes_per_sec);
}

static void evaluate_health(struct monitor *m)
{
	uint64_t now[K_COUNT], sum[K_COUNT] = { 0 }, next[C_COUNT];
	unsigned int i, k;
	int c;

	read_counters(&m->sim->stats, now);
	for (k = 0; k < K_COUNT; k++) {
		m->window[m->slot][k] = now[k] - m->last[k];
		m->last[k] = now[k];
	}
	m->slot = (m->slot + 1) % WINDOW_TICKS;
	for (i = 0; i < WINDOW_TICKS; i++)
		for (k = 0; k < K_COUNT; k++)
			sum[k] += m->window[i][k];

	next[C_AMST] = too_many(sum[K_STREAM_ERRORS], sum[K_CHUNKS]);
	next[C_HDE] = too_many(sum[K_DECOMPRESS_FAILED], sum[K_DECOMPRESS]);
	next[C_MIGRATION] = sum[K_MIGRATION_FAILED] > 0;
	next[C_FEDERATION] = sum[K_FEDERATION_FAILED] > 0;
	next[C_MANAGER] = next[C_AMST] || next[C_HDE] || next[C_MIGRATION] || next[C_FEDERATION];
	for (c = 0; c < C_COUNT; c++) {
		uint64_t state = next[c] ? DWCP_HEALTH_DEGRADED : DWCP_HEALTH_HEALTHY;

		if (state != m->state[c]) {
			m->state[c] = state;
			ledger_health(component_names[c], state);
		}
	}
}

static void *monitor_main(void *arg)
{
	struct monitor *m = arg;
	struct sim *sim = m->sim;
	uint64_t prev_ns = clock_now_ns(), next = prev_ns + TICK_NS;
	uint64_t prev_bytes = atomic_load(&sim->stats.link_bytes);

	while (stopper_sleep_until(&sim->work_stop, next)) {
		uint64_t now = clock_now_ns();
		uint64_t bytes = atomic_load(&sim->stats.link_bytes);
		uint64_t dt = now > prev_ns ? now - prev_ns : 1;

		ledger_bandwidth((uint64_t)((double)(bytes - prev_bytes) * NS_PER_SEC / (double)dt),
				 sim->opt->link_bytes_per_sec);
		prev_ns = now;
		prev_bytes = bytes;
		evaluate_health(m);
		next += TICK_NS;
		if (next < now)
			next = now + TICK_NS;
	}
	return NULL;
}

struct monitor *monitor_start(struct sim *sim)
{
	struct monitor *m = calloc(1, sizeof(*m));
	int c;

	if (!m)
		return NULL;
	m->sim = sim;
	read_counters(&sim->stats, m->last);
	for (c = 0; c < C_COUNT; c++)
		m->state[c] = DWCP_HEALTH_HEALTHY;
	if (pthread_create(&m->thread, NULL, monitor_main, m)) {
		fprintf(stderr, "dwcp-sim: cannot start the monitor thread\n");
		free(m);
		return NULL;
	}
	return m;
}

void monitor_join(struct monitor *m)
{
	if (!m)
		return;
	pthread_join(m->thread, NULL);
	free(m);
}
