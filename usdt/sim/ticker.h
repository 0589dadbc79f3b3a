/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ticker.h: re-announcing level state for tracers that attach late.
 *
 * What it offers
 *   - ticker_start(): a thread that every 100 ms asks dwcp_reannounce_due()
 *     (usdt/dwcp_probes.h) and, when it says so, fires every level probe with
 *     its current value (ledger_reannounce()). It runs from before the first
 *     work until the process exits, --linger included.
 *   - ticker_stop(): stops and joins it.
 */
#ifndef DWCP_SIM_TICKER_H
#define DWCP_SIM_TICKER_H

#include "clock.h"

#include <pthread.h>

struct ticker {
	struct stopper stop;
	pthread_t thread;
};

int ticker_start(struct ticker *t);
void ticker_stop(struct ticker *t);

#endif /* DWCP_SIM_TICKER_H */
