/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clock.h: time, interruptible sleeps and pacing for dwcp-sim threads.
 *
 * What it offers
 *   - clock_now_ns(): CLOCK_MONOTONIC in nanoseconds.
 *   - struct stopper: a stop flag that wakes every thread sleeping on it, so
 *     shutdown never waits for a sleep to run out.
 *   - struct pacer: fixed-rate scheduling (N events per second) on top of a
 *     stopper, without drift and without bursts after a long stall.
 */
#ifndef DWCP_SIM_CLOCK_H
#define DWCP_SIM_CLOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define NS_PER_MS 1000000ull
#define NS_PER_SEC 1000000000ull

uint64_t clock_now_ns(void);

struct stopper {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* on CLOCK_MONOTONIC */
	atomic_bool stop;
};

int stopper_init(struct stopper *s);
void stopper_destroy(struct stopper *s);
void stopper_stop(struct stopper *s);
bool stopper_stopped(struct stopper *s);
/* Sleeps until deadline_ns (monotonic). True when the deadline was reached,
 * false when the stopper was stopped first (or already was). */
bool stopper_sleep_until(struct stopper *s, uint64_t deadline_ns);

struct pacer {
	uint64_t period_ns; /* 0: no pacing */
	uint64_t next_ns;
};

/* per_sec == 0 means as fast as possible. */
void pacer_init(struct pacer *p, uint64_t per_sec, uint64_t now_ns);
/* Waits for the next slot. False when stopped. */
bool pacer_wait(struct pacer *p, struct stopper *s);

#endif /* DWCP_SIM_CLOCK_H */
