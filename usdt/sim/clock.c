// SPDX-License-Identifier: Apache-2.0
/* clock.c: see clock.h. */
#include "clock.h"

#include <errno.h>
#include <time.h>

uint64_t clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

int stopper_init(struct stopper *s)
{
	pthread_condattr_t attr;
	int rc;

	atomic_init(&s->stop, false);
	rc = pthread_mutex_init(&s->mu, NULL);
	if (rc)
		return rc;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&s->cv, &attr);
	pthread_condattr_destroy(&attr);
	return rc;
}

void stopper_destroy(struct stopper *s)
{
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
}

void stopper_stop(struct stopper *s)
{
	pthread_mutex_lock(&s->mu);
	atomic_store(&s->stop, true);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

bool stopper_stopped(struct stopper *s)
{
	return atomic_load_explicit(&s->stop, memory_order_acquire);
}

bool stopper_sleep_until(struct stopper *s, uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / NS_PER_SEC),
		.tv_nsec = (long)(deadline_ns % NS_PER_SEC),
	};
	bool reached = false;

	pthread_mutex_lock(&s->mu);
	while (!atomic_load(&s->stop)) {
		if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) == ETIMEDOUT) {
			reached = true;
			break;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return reached && !stopper_stopped(s);
}

void pacer_init(struct pacer *p, uint64_t per_sec, uint64_t now_ns)
{
	p->period_ns = per_sec ? NS_PER_SEC / per_sec : 0;
	if (per_sec && p->period_ns == 0)
		p->period_ns = 1;
	p->next_ns = now_ns;
}

bool pacer_wait(struct pacer *p, struct stopper *s)
{
	uint64_t now;

	if (p->period_ns == 0)
		return !stopper_stopped(s);
	now = clock_now_ns();
	/* After a stall longer than a second, restart the schedule instead of
	 * catching up with a burst. */
	if (now > p->next_ns + NS_PER_SEC)
		p->next_ns = now;
	if (p->next_ns > now) {
		if (!stopper_sleep_until(s, p->next_ns))
			return false;
	} else if (stopper_stopped(s)) {
		return false;
	}
	p->next_ns += p->period_ns;
	return true;
}
