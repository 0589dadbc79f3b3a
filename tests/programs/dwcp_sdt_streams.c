// SPDX-License-Identifier: Apache-2.0
/*
 * dwcp_sdt_streams: fires the stream probes a test tells it to, one command
 * a line on stdin, on plain sys/sdt.h (no semaphores):
 *   start ID | data ID SENT RECEIVED | end ID RESULT
 * It answers "ok" after each (the probe has fired) and exits at end of
 * input. Every id is copied into the same buffer first, as a DWCP binary
 * that formats ids into one stack buffer (the Go package does) would: a
 * tracer must tell ids apart by their text, never by their address.
 */
#include <sys/sdt.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[256], cmd[16], id[128], result[64];
	unsigned long long sent, received;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		char buf[128]; /* the one buffer every id passes through */

		if (sscanf(line, "data %127s %llu %llu", id, &sent, &received) == 3) {
			strcpy(buf, id);
			DTRACE_PROBE3(dwcp, stream_data, buf, sent, received);
		} else if (sscanf(line, "end %127s %63s", id, result) == 2) {
			strcpy(buf, id);
			DTRACE_PROBE2(dwcp, stream_end, buf, result);
		} else if (sscanf(line, "%15s %127s", cmd, id) == 2 && strcmp(cmd, "start") == 0) {
			strcpy(buf, id);
			DTRACE_PROBE1(dwcp, stream_start, buf);
		} else {
			fprintf(stderr, "dwcp_sdt_streams: bad command: %s", line);
			return 2;
		}
		printf("ok\n");
	}
	return 0;
}
