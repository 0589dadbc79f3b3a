// SPDX-License-Identifier: Apache-2.0
/* ticker.c: see ticker.h. */
#include "dwcp_probes.h" /* first: it enables the USDT semaphores */

#include "ticker.h"

#include "ledger.h"

#define TICK_NS (100 * NS_PER_MS)

static void *ticker_main(void *arg)
{
	struct ticker *t = arg;
	struct dwcp_reannounce ra = { 0 };
	uint64_t next = clock_now_ns();

	do {
		if (dwcp_reannounce_due(&ra, clock_now_ns()))
			ledger_reannounce();
		next += TICK_NS;
	} while (stopper_sleep_until(&t->stop, next));
	return NULL;
}

int ticker_start(struct ticker *t)
{
	int rc = stopper_init(&t->stop);

	if (rc)
		return -rc;
	rc = pthread_create(&t->thread, NULL, ticker_main, t);
	if (rc) {
		stopper_destroy(&t->stop);
		return -rc;
	}
	return 0;
}

void ticker_stop(struct ticker *t)
{
	stopper_stop(&t->stop);
	pthread_join(t->thread, NULL);
	stopper_destroy(&t->stop);
}
