// SPDX-License-Identifier: Apache-2.0
/*
 * probe_parts: where the cost of the exporter's stream_data program goes.
 *
 * What it offers
 *   - probe_parts [--events N] [--reps R]: loads each variant of
 *     tests/bench/parts.bpf.c (parts.h: every one adds one part of
 *     stream_data to the one before) and the exporter's own stream_data
 *     (bpf/amst.bpf.c), attaches it to this process's stream_data sites,
 *     fires N events on each of the two site forms, and prints a Markdown
 *     table of medians over R interleaved rounds: the program's own run time
 *     per run from the kernel's BPF stats (bpf_enable_stats, what
 *     --bpf.stats turns on), the part it adds, and the CPU time per event of
 *     the firing thread on each site form. Each figure is the least over
 *     the rounds, which alternate their order.
 *
 * Run a private copy: uprobes attach per inode, and libbpf attaches to every
 * stream_data site of the binary, so nothing else may fire them meanwhile.
 */
#include "dwcp_probes.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "amst.skel.h"
#include "parts.h"
#include "parts.skel.h"
#include "stream_loops.h"

#define MAX_REPS 64
#define VARIANT_EXPORTER PART_COUNT /* the exporter's stream_data */
#define VARIANT_COUNT (PART_COUNT + 1)

#define DWCP_BENCH_PART_NAME(id, base, text) text,
static const char *const variant_names[VARIANT_COUNT] = {
	DWCP_BENCH_PARTS(DWCP_BENCH_PART_NAME) "the exporter's stream_data (bpf/amst.bpf.c)",
};
#undef DWCP_BENCH_PART_NAME

/* the variant each one adds a part to (the exporter's: none) */
#define DWCP_BENCH_PART_BASE(id, base, text) base,
static const int variant_base[VARIANT_COUNT] = { DWCP_BENCH_PARTS(DWCP_BENCH_PART_BASE) - 1 };
#undef DWCP_BENCH_PART_BASE

static char self_path[PATH_MAX];

/* The firing thread's CPU time: the uprobe runs in its context, and other
 * load on the machine does not count (wall time would). */
static double thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

enum site { SITE_NOP1, SITE_NOP5, SITE_COUNT };
static void (*const site_loop[SITE_COUNT])(long, const char *) = { loop_probe_nop1, loop_probe };

struct sample {
	double prog_ns;            /* BPF stats: run time per run */
	double event_ns[SITE_COUNT]; /* firing thread's CPU per event */
};

static int prog_stats(int fd, __u64 *cnt, __u64 *ns)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
		return -errno;
	*cnt = info.run_cnt;
	*ns = info.run_time_ns;
	return 0;
}

/* Attaches prog, fires n events on each site (order alternating with rep). */
static int time_prog(struct bpf_program *prog, long n, int rep, struct sample *out)
{
	struct bpf_link *link = bpf_program__attach_usdt(prog, getpid(), self_path, "dwcp", "stream_data", NULL);
	__u64 cnt0, ns0, cnt1, ns1, runs = 0, run_ns = 0;
	int fd = bpf_program__fd(prog);

	if (!link) {
		fprintf(stderr, "probe_parts: attach %s: %s\n", bpf_program__name(prog), strerror(errno));
		return -1;
	}
	for (int k = 0; k < SITE_COUNT; k++) {
		enum site site = (enum site)((rep + k) % SITE_COUNT);
		double t0;

		/* warm: the first hits map the uprobe's pages and may turn the
		 * nop5 site into a trampoline call */
		site_loop[site](n / 100 + 1, BENCH_ID);
		if (prog_stats(fd, &cnt0, &ns0) != 0)
			goto fail;
		t0 = thread_cpu_ns();
		site_loop[site](n, BENCH_ID);
		out->event_ns[site] = (thread_cpu_ns() - t0) / (double)n;
		if (prog_stats(fd, &cnt1, &ns1) != 0)
			goto fail;
		if (cnt1 - cnt0 != (__u64)n) {
			fprintf(stderr, "probe_parts: %s ran %llu times for %ld events\n", bpf_program__name(prog),
				(unsigned long long)(cnt1 - cnt0), n);
			goto fail;
		}
		runs += cnt1 - cnt0;
		run_ns += ns1 - ns0;
	}
	out->prog_ns = (double)run_ns / (double)runs;
	bpf_link__destroy(link);
	return 0;
fail:
	bpf_link__destroy(link);
	return -1;
}

static int run_variant(int v, long n, int rep, struct sample *out)
{
	int rc;

	if (v == VARIANT_EXPORTER) {
		struct amst_bpf *amst = amst_bpf__open_and_load();

		if (!amst) {
			fprintf(stderr, "probe_parts: load amst.bpf.o: %s\n", strerror(errno));
			return -1;
		}
		rc = time_prog(amst->progs.stream_data, n, rep, out);
		amst_bpf__destroy(amst);
		return rc;
	}
	struct parts_bpf *parts = parts_bpf__open();

	if (!parts)
		return -1;
	parts->rodata->upto = (__u32)v;
	if (parts_bpf__load(parts) != 0) {
		fprintf(stderr, "probe_parts: load parts.bpf.o (%s): %s\n", variant_names[v], strerror(errno));
		parts_bpf__destroy(parts);
		return -1;
	}
	rc = time_prog(parts->progs.part, n, rep, out);
	parts_bpf__destroy(parts);
	return rc;
}

/* The least of n values: other load on the machine only ever adds time,
 * so the fastest round is the best estimate of what a part costs. */
static double least(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	static struct sample samples[VARIANT_COUNT][MAX_REPS];
	long events = 1000000;
	int reps = 5, c, stats_fd;
	ssize_t len;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': events = atol(optarg); break;
		case 'r': reps = atoi(optarg); break;
		default:
			fprintf(stderr, "Usage: probe_parts [--events N] [--reps R]\n");
			return 2;
		}
	}
	if (events <= 0 || reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "probe_parts: --events > 0, --reps 1..%d\n", MAX_REPS);
		return 2;
	}
	len = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (len <= 0) {
		perror("probe_parts: /proc/self/exe");
		return 1;
	}
	self_path[len] = '\0';
	libbpf_set_print(libbpf_quiet);
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "probe_parts: bpf_enable_stats: %s\n", strerror(errno));
		return 1;
	}
	/* rounds of every variant, every other one backwards, so drift of the
	 * machine hits all alike */
	for (int r = 0; r < reps; r++)
		for (int k = 0; k < VARIANT_COUNT; k++) {
			int v = r % 2 ? VARIANT_COUNT - 1 - k : k;

			if (run_variant(v, events, r, &samples[v][r]) != 0)
				return 1;
		}
	close(stats_fd);

	double prog_med[VARIANT_COUNT], ev_med[VARIANT_COUNT][SITE_COUNT]; /* least of the rounds */

	for (int v = 0; v < VARIANT_COUNT; v++) {
		double prog[MAX_REPS], ev[SITE_COUNT][MAX_REPS];

		for (int r = 0; r < reps; r++) {
			prog[r] = samples[v][r].prog_ns;
			for (int s = 0; s < SITE_COUNT; s++)
				ev[s][r] = samples[v][r].event_ns[s];
		}
		prog_med[v] = least(prog, reps);
		for (int s = 0; s < SITE_COUNT; s++)
			ev_med[v][s] = least(ev[s], reps);
	}
	printf("| stream_data program, %ld events per site form, least of %d rounds | program ns/run (BPF stats) | "
	       "this part, ns | 1-byte nop site, CPU ns/event | dwcp_probes.h site, CPU ns/event |\n",
	       events, reps);
	printf("|---|---:|---:|---:|---:|\n");
	for (int v = 0; v < VARIANT_COUNT; v++) {
		printf("| %s | %.1f |", variant_names[v], prog_med[v]);
		if (v == PART_EMPTY || variant_base[v] < 0)
			printf(" |");
		else
			printf(" %+.1f |", prog_med[v] - prog_med[variant_base[v]]);
		printf(" %.1f | %.1f |\n", ev_med[v][SITE_NOP1], ev_med[v][SITE_NOP5]);
	}
	printf("\nBefore minus after, all of stream_data: %.1f ns a run (BPF stats); the exporter's program "
	       "above the empty one: %.1f ns.\n",
	       prog_med[PART_BEFORE_ADDS] - prog_med[PART_AFTER_ADDS], prog_med[VARIANT_EXPORTER] - prog_med[PART_EMPTY]);
	return 0;
}
