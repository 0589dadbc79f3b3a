// SPDX-License-Identifier: Apache-2.0
/*
 * dwcp_sdt_threads: several threads firing dwcp probes at full speed, built
 * on plain sys/sdt.h (no dwcp_probes.h, no semaphores), with its stream ids
 * and other strings in static memory. It writes a ledger of what the exporter
 * must then serve, in dwcp-sim's ledger format.
 *
 * This is the load that shows a BPF program preempted in mid-run (Linux after
 * 6.12 with lazy or full preemption): four threads on two CPUs run the same
 * programs at once on one CPU. Most events are stream_data; every 64th round
 * a thread also fires one probe of every other area, so each BPF object's
 * per-CPU counters, label keys and histograms are exercised under the same
 * contention.
 *
 *   dwcp_sdt_threads --ledger FILE [--threads N] [--streams S] [--rounds R] [--linger]
 *
 * Each thread starts S streams, fires R rounds of stream_data on each, ends
 * its even-numbered streams ("success") and leaves the odd ones active. With
 * --linger it then waits for SIGTERM, so the active streams and its level
 * gauge are still there to be scraped.
 */
#include <sys/sdt.h>

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 16
#define MAX_STREAMS 16
#define SIDE_EVERY 64 /* rounds between the probes of the other areas */
#define ERROR_TYPES 3
#define RATIO 3 /* compress: original = 3 x compressed */

struct thread_tally {
	unsigned long long sent[MAX_STREAMS], received[MAX_STREAMS];
	unsigned long long errors[ERROR_TYPES], side_rounds, saved;
};

static int threads = 4, streams = 8, rounds = 2000;

/* Static, as in a real node whose ids live in its own structures. Written at
 * start, so their pages are present when a BPF program reads them. */
static char ids[MAX_THREADS][MAX_STREAMS][32];
static char error_types[ERROR_TYPES][24];
static char data_type[16], remote[16], operation[16], dest_node[16], component[16], result[16];
static char migration_ids[MAX_THREADS][32];
static struct thread_tally tally[MAX_THREADS];
static pthread_barrier_t start_line;

static void *fire(void *arg)
{
	int t = (int)(long)arg;
	struct thread_tally *mine = &tally[t];

	for (int s = 0; s < streams; s++)
		DTRACE_PROBE1(dwcp, stream_start, ids[t][s]);
	pthread_barrier_wait(&start_line);
	for (int r = 0; r < rounds; r++) {
		for (int s = 0; s < streams; s++) {
			unsigned long sent = 100 + (unsigned long)(r % 13) * 7 + (unsigned long)s;
			unsigned long received = 10 + (unsigned long)(r % 5) + (unsigned long)t;

			DTRACE_PROBE3(dwcp, stream_data, ids[t][s], sent, received);
			mine->sent[s] += sent;
			mine->received[s] += received;
		}
		if (r % SIDE_EVERY == 0) {
			unsigned long op_id = ((unsigned long)t << 32) | (unsigned long)r;
			int e = (t + r / SIDE_EVERY) % ERROR_TYPES;

			DTRACE_PROBE2(dwcp, stream_error, ids[t][0], error_types[e]);
			mine->errors[e]++;
			DTRACE_PROBE2(dwcp, op_start, op_id, operation);
			DTRACE_PROBE1(dwcp, op_end, op_id);
			DTRACE_PROBE4(dwcp, compress, data_type, 3000ul, 1000ul, 0ul);
			DTRACE_PROBE2(dwcp, bandwidth_saved, remote, 1000ul + (unsigned long)t);
			mine->saved += 1000 + (unsigned long long)t;
			DTRACE_PROBE3(dwcp, migration_start, migration_ids[t], dest_node, 1ul);
			DTRACE_PROBE2(dwcp, migration_end, migration_ids[t], 1ul);
			DTRACE_PROBE2(dwcp, health, component, 2ul);
			mine->side_rounds++;
		}
	}
	for (int s = 0; s < streams; s += 2)
		DTRACE_PROBE2(dwcp, stream_end, ids[t][s], result);
	return NULL;
}

static int write_ledger(const char *path)
{
	unsigned long long side = 0, saved = 0, errors[ERROR_TYPES] = { 0 };
	int ended = (streams + 1) / 2 * threads;
	char tmp[4096];
	FILE *f;

	/* written whole, then renamed: a reader that sees the file sees all of it */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "dwcp_sdt_threads: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "# dwcp_sdt_threads ledger threads=%d streams=%d rounds=%d\n", threads, streams, rounds);
	for (int t = 0; t < threads; t++) {
		for (int s = 0; s < streams; s++) {
			fprintf(f, "dwcp_amst_bytes_sent_total{stream_id=\"%s\"} %llu\n", ids[t][s], tally[t].sent[s]);
			fprintf(f, "dwcp_amst_bytes_received_total{stream_id=\"%s\"} %llu\n", ids[t][s],
				tally[t].received[s]);
		}
		side += tally[t].side_rounds;
		saved += tally[t].saved;
		for (int e = 0; e < ERROR_TYPES; e++)
			errors[e] += tally[t].errors[e];
	}
	fprintf(f, "dwcp_amst_streams_active %d\n", threads * streams - ended);
	fprintf(f, "dwcp_amst_streams_total{result=\"%s\"} %d\n", result, ended);
	for (int e = 0; e < ERROR_TYPES; e++)
		if (errors[e])
			fprintf(f, "dwcp_amst_errors_total{error_type=\"%s\"} %llu\n", error_types[e], errors[e]);
	fprintf(f, "dwcp_amst_latency_seconds_count{operation=\"%s\"} %llu\n", operation, side);
	fprintf(f, "dwcp_amst_latency_seconds_bucket{operation=\"%s\",le=\"+Inf\"} %llu\n", operation, side);
	/* every ended stream's lifetime, its start seen: the exporter runs first */
	fprintf(f, "dwcp_amst_latency_seconds_count{operation=\"stream_duration\"} %d\n", ended);
	fprintf(f, "dwcp_amst_latency_seconds_bucket{operation=\"stream_duration\",le=\"+Inf\"} %d\n", ended);
	fprintf(f, "dwcp_hde_operations_total{operation=\"encode\",result=\"success\"} %llu\n", side);
	fprintf(f, "dwcp_hde_bytes_original_total{data_type=\"%s\"} %llu\n", data_type, 3000 * side);
	fprintf(f, "dwcp_hde_bytes_compressed_total{data_type=\"%s\"} %llu\n", data_type, 1000 * side);
	fprintf(f, "dwcp_hde_compression_ratio_count{data_type=\"%s\"} %llu\n", data_type, side);
	fprintf(f, "dwcp_hde_compression_ratio_sum{data_type=\"%s\"} %llu\n", data_type, RATIO * side);
	fprintf(f, "dwcp_hde_compression_ratio_bucket{data_type=\"%s\",le=\"2.5\"} 0\n", data_type);
	fprintf(f, "dwcp_hde_compression_ratio_bucket{data_type=\"%s\",le=\"3\"} %llu\n", data_type, side);
	fprintf(f, "dwcp_hde_compression_ratio_bucket{data_type=\"%s\",le=\"+Inf\"} %llu\n", data_type, side);
	fprintf(f, "dwcp_federation_bandwidth_saved_bytes_total{remote_cluster=\"%s\"} %llu\n", remote, saved);
	fprintf(f, "dwcp_migration_duration_seconds_count{dest_node=\"%s\",dwcp_enabled=\"true\"} %llu\n", dest_node,
		side);
	fprintf(f, "dwcp_system_component_health{component=\"%s\"} 2\n", component);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "dwcp_sdt_threads: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int parse_count(const char *flag, const char *arg, int max, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || v < 1 || v > max) {
		fprintf(stderr, "dwcp_sdt_threads: --%s wants 1..%d, got %s\n", flag, max, arg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' }, { "streams", required_argument, NULL, 's' },
		{ "rounds", required_argument, NULL, 'r' },  { "ledger", required_argument, NULL, 'l' },
		{ "linger", no_argument, NULL, 'L' },        { NULL, 0, NULL, 0 },
	};
	const char *ledger = NULL;
	pthread_t tids[MAX_THREADS];
	int linger = 0, c;
	sigset_t term;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if ((c == 't' && parse_count("threads", optarg, MAX_THREADS, &threads) != 0) ||
		    (c == 's' && parse_count("streams", optarg, MAX_STREAMS, &streams) != 0) ||
		    (c == 'r' && parse_count("rounds", optarg, 100000000, &rounds) != 0) || c == '?')
			return 2;
		if (c == 'l')
			ledger = optarg;
		if (c == 'L')
			linger = 1;
	}
	if (!ledger || optind != argc) {
		fprintf(stderr, "usage: dwcp_sdt_threads --ledger FILE [--threads N] [--streams S] [--rounds R] [--linger]\n");
		return 2;
	}
	for (int t = 0; t < threads; t++) {
		for (int s = 0; s < streams; s++)
			snprintf(ids[t][s], sizeof(ids[t][s]), "sdt-stream-%02d-%02d", t % 100, s % 100);
		snprintf(migration_ids[t], sizeof(migration_ids[t]), "sdt-migration-%02d", t % 100);
	}
	strcpy(error_types[0], "sdt_timeout");
	strcpy(error_types[1], "sdt_reset");
	strcpy(error_types[2], "sdt_checksum");
	strcpy(data_type, "sdt_pages");
	strcpy(remote, "sdt-remote");
	strcpy(operation, "sdt_op");
	strcpy(dest_node, "sdt-node");
	strcpy(component, "sdt");
	strcpy(result, "success");

	/* block SIGTERM before the threads exist: only sigwait takes it */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	pthread_barrier_init(&start_line, NULL, (unsigned)threads);
	for (int t = 0; t < threads; t++)
		if (pthread_create(&tids[t], NULL, fire, (void *)(long)t) != 0) {
			fprintf(stderr, "dwcp_sdt_threads: pthread_create failed\n");
			return 1;
		}
	for (int t = 0; t < threads; t++)
		pthread_join(tids[t], NULL);
	if (write_ledger(ledger) != 0)
		return 1;
	printf("done\n");
	fflush(stdout);
	if (linger) {
		int sig;

		sigwait(&term, &sig);
	}
	return 0;
}
