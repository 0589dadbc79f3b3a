// SPDX-License-Identifier: Apache-2.0
/*
 * hist_cost: what one event that observes a histogram costs the DWCP
 * process, in ns, under this exporter and under another build of it
 * (--base-exporter), measured in one run so the two compare like with like.
 *
 * What it offers
 *   - Loops that fire dwcp:op_duration (the latency histogram) and
 *     dwcp:compress (the compression-ratio histogram and HDE's counters),
 *     with values that spread over many buckets: durations from 1 us to
 *     about 1 s, ratios from 1x to about 50x.
 *   - --reps rounds; each round times every probe with nothing attached and
 *     with each exporter attached, in an order that alternates between
 *     rounds. Prints a Markdown table of the medians, and this build minus
 *     the base.
 * Two times per event: the firing thread's CPU time, as in probe_cost.c
 * (the uprobe's trap included: about a microsecond and noisy by tens of
 * ns), and the BPF program's own run time from the kernel's BPF stats,
 * which the exporters turn on (--bpf.stats): what a change to the program
 * costs, without the noise of the trap.
 * The exporters trace this very binary: run a private copy.
 */
#include "dwcp_probes.h"

#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#define MAX_REPS 64

enum probe { PROBE_OP_DURATION, PROBE_COMPRESS, PROBE_COUNT };
static const char *const probe_names[PROBE_COUNT] = { "op_duration", "compress" };

enum tracer { TRACER_NONE, TRACER_THIS, TRACER_BASE, TRACER_COUNT };
static const char *const tracer_names[TRACER_COUNT] = { "nothing attached", "this exporter", "base exporter" };

static char self_path[PATH_MAX];

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A value that walks a wide range with no period the branch predictor or a
 * cache of the last bucket could learn. */
static inline uint64_t spread(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static __attribute__((noinline)) void loop_op_duration(long n)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;

	for (long i = 0; i < n; i++) {
		uint64_t r = spread(&x);
		/* 1 us << 0..19: 1 us to about 1 s, uniform in the log */
		uint64_t ns = (1000 + (r & 1023)) << ((r >> 10) % 20);

		DWCP_OP_DURATION("send", ns);
	}
}

static __attribute__((noinline)) void loop_compress(long n)
{
	uint64_t x = 0xD1B54A32D192ED03ull;

	for (long i = 0; i < n; i++) {
		uint64_t r = spread(&x);
		uint64_t compressed = 1024 + (r & 4095);
		uint64_t original = compressed * (1 + ((r >> 12) % 50)) + ((r >> 20) & 1023);

		DWCP_COMPRESS("memory", original, compressed, r >> 63);
	}
}

static int probe_enabled(enum probe p)
{
	return p == PROBE_OP_DURATION ? DWCP_OP_DURATION_ENABLED() : DWCP_COMPRESS_ENABLED();
}

/* The run time and count the kernel's BPF stats hold for every program
 * named name (the exporter's program of that probe). */
static void prog_stats(const char *name, uint64_t *run_ns, uint64_t *runs)
{
	__u32 id = 0;

	*run_ns = *runs = 0;
	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && strcmp(info.name, name) == 0) {
			*run_ns += info.run_time_ns;
			*runs += info.run_cnt;
		}
		close(fd);
	}
}

/* CPU ns per event; *bpf_ns: the program's run time per event (NaN when
 * the kernel counted no runs: nothing attached). */
static double time_loop(enum probe p, long n, double *bpf_ns)
{
	void (*fn)(long) = p == PROBE_OP_DURATION ? loop_op_duration : loop_compress;
	uint64_t t0, cpu, ns0, runs0, ns1, runs1;

	fn(n / 100 + 1); /* warm: first hits map the uprobe's pages */
	prog_stats(probe_names[p], &ns0, &runs0);
	t0 = thread_cpu_ns();
	fn(n);
	cpu = thread_cpu_ns() - t0;
	prog_stats(probe_names[p], &ns1, &runs1);
	*bpf_ns = runs1 > runs0 ? (double)(ns1 - ns0) / (double)(runs1 - runs0) : NAN;
	return (double)cpu / (double)n;
}

static pid_t start_exporter(const char *exporter, const char *port, const char *log)
{
	char listen[64], pidbuf[32];
	char *argv[] = { (char *)exporter, "--binary", self_path, "--pid", pidbuf,
			 "--web.listen-address", listen, "--cluster", "bench", "--node", "bench",
			 "--log.level", "warn", "--bpf.stats", NULL };
	pid_t pid;

	snprintf(listen, sizeof(listen), "127.0.0.1:%s", port);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the benchmark */
		if (!freopen(log, "a", stdout) || !freopen(log, "a", stderr))
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Waits until every probe's semaphore says attached (want 1) or detached. */
static int wait_enabled(int want)
{
	for (int i = 0; i < 3000; i++) {
		int all = 1;

		for (int p = 0; p < PROBE_COUNT; p++)
			all &= !!probe_enabled((enum probe)p) == want;
		if (all)
			return 0;
		usleep(10000);
	}
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'e' },   { "reps", required_argument, NULL, 'r' },
		{ "exporter", required_argument, NULL, 'x' }, { "base-exporter", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },     { "log", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *exporter[TRACER_COUNT] = { NULL }, *port = "9479", *log = "/dev/null";
	static double t[TRACER_COUNT][PROBE_COUNT][MAX_REPS], b[TRACER_COUNT][PROBE_COUNT][MAX_REPS];
	long events = 1000000;
	int reps = 5, c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e': events = atol(optarg); break;
		case 'r': reps = atoi(optarg); break;
		case 'x': exporter[TRACER_THIS] = optarg; break;
		case 'b': exporter[TRACER_BASE] = optarg; break;
		case 'p': port = optarg; break;
		case 'l': log = optarg; break;
		default:
			fprintf(stderr, "usage: hist_cost --exporter PATH [--base-exporter PATH] [--events N] "
					"[--reps N] [--port P] [--log FILE]\n");
			return 2;
		}
	}
	if (!exporter[TRACER_THIS] || events < 1000 || reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "hist_cost: --exporter is required; --events >= 1000; --reps 1 to %d\n", MAX_REPS);
		return 2;
	}
	if (readlink("/proc/self/exe", self_path, sizeof(self_path) - 1) < 0) {
		perror("hist_cost: /proc/self/exe");
		return 1;
	}
	for (int r = 0; r < reps; r++) {
		for (int k = 0; k < TRACER_COUNT; k++) {
			/* this and base swap places every other round */
			int tr = (r % 2 && k) ? TRACER_COUNT - k : k;
			pid_t pid = 0;

			if (tr != TRACER_NONE && !exporter[tr])
				continue;
			if (tr != TRACER_NONE) {
				pid = start_exporter(exporter[tr], port, log);
				if (pid < 0 || wait_enabled(1) < 0) {
					fprintf(stderr, "hist_cost: %s did not attach (log: %s)\n", tracer_names[tr], log);
					return 1;
				}
			}
			for (int p = 0; p < PROBE_COUNT; p++)
				t[tr][p][r] = time_loop((enum probe)p, events, &b[tr][p][r]);
			if (pid > 0) {
				kill(pid, SIGTERM);
				waitpid(pid, NULL, 0);
				if (wait_enabled(0) < 0) {
					fprintf(stderr, "hist_cost: probes still attached after %s\n", tracer_names[tr]);
					return 1;
				}
			}
		}
	}
	printf("| ns/event, %ld events, median of %d | %s CPU | %s BPF run | %s CPU | %s BPF run |\n", events, reps,
	       probe_names[0], probe_names[0], probe_names[1], probe_names[1]);
	printf("|---|---|---|---|---|\n");
	{
		double med[TRACER_COUNT][PROBE_COUNT], bmed[TRACER_COUNT][PROBE_COUNT];

		for (int tr = 0; tr < TRACER_COUNT; tr++) {
			if (tr != TRACER_NONE && !exporter[tr])
				continue;
			printf("| %s |", tracer_names[tr]);
			for (int p = 0; p < PROBE_COUNT; p++) {
				med[tr][p] = median(t[tr][p], reps);
				bmed[tr][p] = median(b[tr][p], reps);
				if (tr == TRACER_NONE)
					printf(" %.1f | |", med[tr][p]);
				else
					printf(" %.1f | %.1f |", med[tr][p], bmed[tr][p]);
			}
			printf("\n");
		}
		if (exporter[TRACER_BASE])
			printf("| this exporter - base exporter | %+.1f | %+.1f | %+.1f | %+.1f |\n",
			       med[TRACER_THIS][0] - med[TRACER_BASE][0], bmed[TRACER_THIS][0] - bmed[TRACER_BASE][0],
			       med[TRACER_THIS][1] - med[TRACER_BASE][1], bmed[TRACER_THIS][1] - bmed[TRACER_BASE][1]);
	}
	return 0;
}
