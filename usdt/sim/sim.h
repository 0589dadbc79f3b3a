/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim.h: what every dwcp-sim worker shares.
 *
 * What it offers
 *   - struct sim: the options, the stopper that ends the workload, the HDE
 *     engine, the VMs' pages (pagegen_world), the run's timeline, and counters the monitor turns into
 *     bandwidth and health (atomics, updated by the workers).
 *   - sim_error_rate(): the injected stream error probability at a time
 *     (10x during the run's one error burst, so health changes in every run).
 */
#ifndef DWCP_SIM_SIM_H
#define DWCP_SIM_SIM_H

#include "clock.h"
#include "options.h"
#include "pagegen.h"

#include <stdatomic.h>
#include <stdint.h>

struct hde;

struct sim_stats {
	atomic_uint_fast64_t link_bytes; /* every byte this node put on its link */
	atomic_uint_fast64_t chunks;
	atomic_uint_fast64_t stream_errors;
	atomic_uint_fast64_t decompress_ops;
	atomic_uint_fast64_t decompress_failures;
	atomic_uint_fast64_t migrations;
	atomic_uint_fast64_t migration_failures;
	atomic_uint_fast64_t federation_syncs;
	atomic_uint_fast64_t federation_failures;
};

struct sim {
	const struct sim_options *opt;
	struct stopper work_stop;
	struct sim_stats stats;
	struct hde *hde;
	struct pagegen_world world;
	int pid;
	uint64_t work_start_ns;
	uint64_t burst_start_ns, burst_end_ns; /* equal: no burst */
};

static inline double sim_error_rate(const struct sim *s, uint64_t now_ns)
{
	double base = s->opt->error_rate;
	double burst = base * 10 < 0.5 ? base * 10 : 0.5;

	if (now_ns >= s->burst_start_ns && now_ns < s->burst_end_ns && burst > base)
		return burst;
	return base;
}

static inline void sim_count(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

#endif /* DWCP_SIM_SIM_H */
