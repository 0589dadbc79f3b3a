// SPDX-License-Identifier: Apache-2.0
/*
 * stream_holder: holds N active AMST streams for the scrape benchmark, which
 * needs more of them than dwcp-sim can keep open as threads and sockets.
 *
 * What it offers
 *   - stream_holder N [PREFIX]: waits until a tracer is attached to the
 *     stream_start and stream_data probes, fires stream_start and one
 *     stream_data for N stream ids (PREFIX<i>), prints "holding N" and waits
 *     until SIGINT/SIGTERM; the streams never end, so they stay active.
 */
#include "dwcp_probes.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t done;

static void on_signal(int sig)
{
	(void)sig;
	done = 1;
}

int main(int argc, char **argv)
{
	const char *prefix = argc > 2 ? argv[2] : "hold-";
	long n = argc > 1 ? atol(argv[1]) : 0;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, old;
	char id[64];

	if (n <= 0) {
		fprintf(stderr, "usage: stream_holder N [PREFIX]\n");
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!done && !(DWCP_STREAM_START_ENABLED() && DWCP_STREAM_DATA_ENABLED()))
		usleep(2000);
	for (long i = 0; i < n && !done; i++) {
		snprintf(id, sizeof(id), "%s%ld", prefix, i);
		DWCP_STREAM_START(id);
		DWCP_STREAM_DATA(id, 1000 + i, 10);
	}
	printf("holding %ld\n", n);
	fflush(stdout);
	/* sleep without a lost-wakeup window between the check and the wait */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!done)
		sigsuspend(&old);
	return 0;
}
