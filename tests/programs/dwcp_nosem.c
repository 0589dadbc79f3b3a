// SPDX-License-Identifier: Apache-2.0
/*
 * dwcp_nosem: a DWCP-like binary built on plain sys/sdt.h, without USDT
 * semaphores. On SIGUSR1 it runs N streams of known bytes (N from argv[1]),
 * prints "done", and waits for SIGTERM. Tests attach the exporter first, then
 * send SIGUSR1: nothing here can tell that a tracer is listening.
 */
#include <sys/sdt.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t go, stop;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	int streams = argc > 1 ? atoi(argv[1]) : 3;
	char id[32], result[16];

	signal(SIGUSR1, on_usr1);
	signal(SIGTERM, on_term);
	printf("waiting\n");
	fflush(stdout);
	while (!go && !stop)
		pause();
	/* strings on the stack: mapped, as a real program's would be */
	strcpy(result, "success");
	for (int s = 0; s < streams && !stop; s++) {
		snprintf(id, sizeof(id), "nosem-%d", s);
		DTRACE_PROBE1(dwcp, stream_start, id);
		for (int chunk = 0; chunk < 10; chunk++)
			DTRACE_PROBE3(dwcp, stream_data, id, (unsigned long)(1000 * (s + 1)), (unsigned long)(s + 1));
		DTRACE_PROBE2(dwcp, stream_end, id, result);
	}
	printf("done\n");
	fflush(stdout);
	while (!stop)
		pause();
	return 0;
}
