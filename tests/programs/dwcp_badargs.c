// SPDX-License-Identifier: Apache-2.0
/*
 * dwcp_badargs: fires dwcp probes with bad arguments, once each, after a
 * tracer has attached, then waits for SIGTERM so its gauges stay visible.
 * tests/integration/test_bad_args.py knows this list and checks what the
 * exporter made of each case.
 *
 * Unmapped pointers go through raw STAP_PROBE: dwcp_probes.h touches string
 * arguments (which would fault the process), as its contract is "valid
 * string or NULL"; a binary built on plain sys/sdt.h can pass anything.
 */
#include "dwcp_probes.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define UNMAPPED ((const char *)16)

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* the probes fired below: a probe this binary lacks has no semaphore user */
static int all_enabled(void)
{
	return DWCP_STREAM_START_ENABLED() && DWCP_STREAM_DATA_ENABLED() && DWCP_STREAM_ERROR_ENABLED() &&
	       DWCP_COMPRESS_ENABLED() && DWCP_HEALTH_ENABLED() && DWCP_OP_END_ENABLED() &&
	       DWCP_MIGRATION_END_ENABLED() && DWCP_DICTIONARY_ENABLED() && DWCP_VERSION_ENABLED() &&
	       DWCP_BANDWIDTH_SAVED_ENABLED() && DWCP_BANDWIDTH_ENABLED() && DWCP_MIGRATION_DONE_ENABLED() &&
	       DWCP_OP_DURATION_ENABLED();
}

int main(void)
{
	char long_text[101], exact63[64];

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	for (int i = 0; i < 2000 && !all_enabled(); i++)
		usleep(10000);
	if (!all_enabled()) {
		fprintf(stderr, "dwcp_badargs: no tracer attached within 20 s\n");
		return 3;
	}
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	memset(exact63, 'y', sizeof(exact63) - 1);
	exact63[sizeof(exact63) - 1] = '\0';

	DWCP_STREAM_START(NULL);                            /* unreadable */
	STAP_PROBE3(dwcp, stream_data, UNMAPPED, 100ull, 200ull); /* unreadable, bytes count */
	DWCP_STREAM_ERROR("s-ok", long_text);               /* truncated to 63 x */
	DWCP_STREAM_DATA(exact63, 1, 1);                    /* exactly 63: not truncated */
	DWCP_STREAM_DATA("s-ok", 1ull << 60, 0);            /* out of range: dropped */
	DWCP_STREAM_ERROR("s-ok", "quote\"back\\slash\nnewline"); /* escaped */
	DWCP_STREAM_ERROR("s-ok", "bad\xff\xfeutf8");       /* repaired to U+FFFD */
	DWCP_COMPRESS("bad_type", 1000, 0, 0);              /* out of range: no ratio */
	DWCP_COMPRESS("bad_type", UINT64_MAX, 10, 1);       /* out of range: no bytes */
	DWCP_COMPRESS("bad_type", 1ull << 40, 1, 0);        /* ratio above 100: +Inf only */
	DWCP_HEALTH("amst", 7);                             /* out of range: ignored */
	DWCP_HEALTH("amst", 1);
	DWCP_OP_END(12345);                                 /* unmatched */
	DWCP_MIGRATION_END("never-started", 1);             /* unmatched */
	DWCP_MIGRATION_DONE("never-started", "node-9", 1, 1); /* unmatched */
	DWCP_OP_DURATION(NULL, 1000);                        /* unreadable: observed as (unreadable) */
	DWCP_DICTIONARY(20000);                             /* out of range */
	DWCP_VERSION(NULL, "c0ffee", "2026-01-01");         /* unreadable version */
	STAP_PROBE2(dwcp, bandwidth_saved, UNMAPPED, 5ull); /* unreadable remote */
	DWCP_BANDWIDTH(10, 0);                              /* no available bandwidth */
	printf("fired\n");
	fflush(stdout);
	while (!stop)
		pause();
	return 0;
}
