// SPDX-License-Identifier: Apache-2.0
/*
 * probe_cost: what one stream_data event costs the DWCP process, in ns, for
 * each way of observing it, all measured in one run so the ratios compare
 * like with like on a noisy shared machine.
 *
 * What it offers
 *   - Default: a tight loop firing DWCP_STREAM_DATA --events times in six
 *     modes (no probe compiled in, probe with nothing attached, an empty BPF
 *     program, dwcp-bpf-exporter, bpftrace, an in-process atomic counter and
 *     histogram; with --base-exporter a seventh: another build of the
 *     exporter, for before and after in one run), --reps rounds of all modes interleaved; prints a Markdown
 *     table of the medians and the ratios the issue asks for. Modes 2 to 5
 *     are timed on two probe sites of the same probe while one tracer is
 *     attached to both: the 1-byte nop plain sys/sdt.h emits, and the nop5
 *     site usdt/dwcp_probes.h emits (a uprobe the kernel may turn into a
 *     call to [uprobes-trampoline]); the order of the two alternates.
 *     Times are the firing thread's CPU time per event (the uprobe runs in
 *     its context), so other load on the machine does not inflate them.
 *   - --paced RATE --seconds S: fires RATE events/s for S seconds, waiting
 *     first for a tracer when --wait-attached is given, and prints
 *     "cpu_seconds=X events=N" (its own user+system time) for the cost at a
 *     given event rate.
 *
 * The tracers run this very binary (readlink /proc/self/exe), so the caller
 * should run a private copy: uprobes are per inode and others run probes too.
 */
#include "dwcp_probes.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "empty.skel.h"
#include "stream_loops.h"

#define MAX_REPS 64

enum mode {
	MODE_NONE,
	MODE_UNATTACHED,
	MODE_EMPTY_BPF,
	MODE_EXPORTER,
	MODE_BPFTRACE,
	MODE_INPROC,
	MODE_BASE_EXPORTER,
	MODE_COUNT,
};

static const char *const mode_names[MODE_COUNT] = {
	[MODE_NONE] = "(1) no probe compiled in",
	[MODE_UNATTACHED] = "(2) probe, nothing attached",
	[MODE_EMPTY_BPF] = "(3) empty BPF program attached",
	[MODE_EXPORTER] = "(4) dwcp-bpf-exporter attached",
	[MODE_BPFTRACE] = "(5) bpftrace sum + hist attached",
	[MODE_INPROC] = "(6) in-process atomic counter + histogram",
	[MODE_BASE_EXPORTER] = "(7) dwcp-bpf-exporter of the base build attached",
};

struct config {
	long events;
	int reps;
	const char *exporter;
	const char *base_exporter; /* optional: another build, for before/after */
	const char *bpftrace;
	const char *port;
	const char *log_dir;
	long paced_rate;
	long paced_seconds;
	int wait_attached;
};

static char self_path[PATH_MAX];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The same loop without the probe: the empty asm keeps the arguments
 * computed in registers, as the probe's operands would. */
static __attribute__((noinline)) void loop_none(long n, const char *id)
{
	for (long i = 0; i < n; i++) {
		uint64_t sent = SENT(i), recv = RECV(i);

		__asm__ volatile("" : : "r"(id), "r"(sent), "r"(recv));
	}
}

/* What an in-process client library does per event: counter adds and one
 * histogram observation (bucket search, bucket, sum and count), atomically. */
static const __u64 byte_bounds[] = { 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576 };
#define NBYTE_BOUNDS (sizeof(byte_bounds) / sizeof(byte_bounds[0]))
#include "histogram.h"

static struct {
	uint64_t sent, recv;
	struct {
		uint64_t buckets[NBYTE_BOUNDS + 1], sum, count;
	} hist;
} inproc;

static __attribute__((noinline)) void loop_inproc(long n, const char *id)
{
	for (long i = 0; i < n; i++) {
		uint64_t sent = SENT(i), recv = RECV(i);
		__u32 slot = dwcp_classic_bucket(byte_bounds, NBYTE_BOUNDS, sent);

		__asm__ volatile("" : : "r"(id));
		__atomic_fetch_add(&inproc.sent, sent, __ATOMIC_RELAXED);
		__atomic_fetch_add(&inproc.recv, recv, __ATOMIC_RELAXED);
		__atomic_fetch_add(&inproc.hist.buckets[slot], 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&inproc.hist.sum, sent, __ATOMIC_RELAXED);
		__atomic_fetch_add(&inproc.hist.count, 1, __ATOMIC_RELAXED);
	}
}

/* Waits until the stream_data semaphore is (or is no longer) set, i.e. a
 * tracer has attached (detached). Returns 0, or -1 on timeout or when the
 * tracer process pid (if > 0) died first. */
static int wait_semaphore(int want_set, pid_t pid, double timeout_s)
{
	uint64_t deadline = now_ns() + (uint64_t)(timeout_s * 1e9);

	while ((DWCP_STREAM_DATA_ENABLED() != 0) != want_set) {
		if (pid > 0 && want_set && waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		if (now_ns() > deadline)
			return -1;
		usleep(2000);
	}
	return 0;
}

static pid_t spawn(char *const argv[], const char *log_dir, const char *log_name)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		char path[PATH_MAX];
		int fd;

		/* a tracer must not outlive the benchmark, whatever kills it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		snprintf(path, sizeof(path), "%s/%s", log_dir, log_name);
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void stop(pid_t pid, int sig)
{
	if (pid <= 0)
		return;
	kill(pid, sig);
	waitpid(pid, NULL, 0);
}

static pid_t start_exporter(const struct config *cfg, const char *exporter)
{
	char listen[64], pidbuf[32];
	char *argv[] = { (char *)exporter, "--binary", self_path, "--pid", pidbuf,
			 "--web.listen-address", listen, "--cluster", "bench", "--node", "bench",
			 "--log.level", "warn", NULL };

	snprintf(listen, sizeof(listen), "127.0.0.1:%s", cfg->port);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
	return spawn(argv, cfg->log_dir, "probe_cost-exporter.log");
}

static pid_t start_bpftrace(const struct config *cfg)
{
	static char script[PATH_MAX + 128];
	char pidbuf[32];
	char *argv[] = { (char *)cfg->bpftrace, "-p", pidbuf, "-e", script, NULL };

	snprintf(script, sizeof(script),
		 "usdt:%s:dwcp:stream_data { @bytes[str(arg0)] = sum(arg1); @h = hist(arg1); }",
		 self_path);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
	return spawn(argv, cfg->log_dir, "probe_cost-bpftrace.log");
}

enum site {
	SITE_NOP1, /* 1-byte nop, as plain sys/sdt.h emits */
	SITE_FAST, /* usdt/dwcp_probes.h's site */
	SITE_COUNT,
};

static const char *const site_names[SITE_COUNT] = { "1-byte nop site", "dwcp_probes.h site" };

/* Whether [uprobes-trampoline] was mapped: before anything attached, after
 * only the 1-byte nop site had run attached, after the nop5 site had. */
static int tramp_before = -1, tramp_after_nop1 = -1, tramp_after_fast = -1;
static int fast_ran_attached;

static int trampoline_mapped(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "[uprobes-trampoline]") != NULL;
	fclose(f);
	return found;
}

/* The firing thread's CPU time: a uprobe and its BPF program run in its
 * context, and other load on the shared machine does not count (wall time
 * would count it). */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double time_loop(enum mode m, enum site site, long n)
{
	void (*fn)(long, const char *) = m == MODE_NONE     ? loop_none
					 : m == MODE_INPROC ? loop_inproc
					 : site == SITE_NOP1 ? loop_probe_nop1
							     : loop_probe;
	uint64_t t0;

	/* warm: first hits map the uprobe's pages, and the first hit of a nop5
	 * uprobe is the one that may turn it into a trampoline call */
	fn(n / 100 + 1, BENCH_ID);
	t0 = thread_cpu_ns();
	fn(n, BENCH_ID);
	return (double)(thread_cpu_ns() - t0) / (double)n;
}

/* A traced site costs hundreds of ns per event, an untraced one about one.
 * A tracer sets the semaphore with its first uprobe and may attach the other
 * site later: waits until both sites are traced, or -1 after timeout_s. */
static int wait_sites_traced(double timeout_s)
{
	uint64_t deadline = now_ns() + (uint64_t)(timeout_s * 1e9);

	for (int s = 0; s < SITE_COUNT; s++) {
		while (time_loop(MODE_EMPTY_BPF, (enum site)s, 2000) < 40.0) {
			if (now_ns() > deadline)
				return -1;
			usleep(20000);
		}
		if (s == SITE_NOP1 && !fast_ran_attached && tramp_after_nop1 < 0)
			tramp_after_nop1 = trampoline_mapped();
	}
	fast_ran_attached = 1;
	return 0;
}

/* Runs mode m once with its observer attached, timing both sites (in an
 * order that alternates with rep); out[site] is NaN when it could not. */
static void run_mode(const struct config *cfg, enum mode m, struct empty_bpf *skel, int rep,
		     double out[SITE_COUNT])
{
	struct bpf_link *link = NULL;
	pid_t pid = 0;
	int sig = SIGTERM;
	int exporter = m == MODE_EXPORTER || m == MODE_BASE_EXPORTER;
	int attached = m == MODE_EMPTY_BPF || exporter || m == MODE_BPFTRACE;

	out[SITE_NOP1] = out[SITE_FAST] = NAN;
	switch (m) {
	case MODE_EMPTY_BPF:
		if (!skel)
			return;
		/* one link per site: libbpf attaches to every stream_data note */
		link = bpf_program__attach_usdt(skel->progs.stream_data, getpid(), self_path,
						"dwcp", "stream_data", NULL);
		if (!link)
			return;
		break;
	case MODE_EXPORTER:
	case MODE_BASE_EXPORTER: {
		const char *path = m == MODE_EXPORTER ? cfg->exporter : cfg->base_exporter;

		if (!path)
			return;
		pid = start_exporter(cfg, path);
		break;
	}
	case MODE_BPFTRACE:
		if (!cfg->bpftrace)
			return;
		pid = start_bpftrace(cfg);
		sig = SIGINT; /* bpftrace prints its maps and detaches */
		break;
	default:
		break;
	}
	if (exporter || m == MODE_BPFTRACE) {
		if (pid < 0 || wait_semaphore(1, pid, 30) < 0) {
			fprintf(stderr, "probe_cost: %s did not attach\n", mode_names[m]);
			stop(pid, SIGKILL);
			return;
		}
	}
	if (attached && (!DWCP_STREAM_DATA_ENABLED() || wait_sites_traced(30) < 0)) {
		fprintf(stderr, "probe_cost: %s: a stream_data site stayed untraced\n", mode_names[m]);
		bpf_link__destroy(link);
		stop(pid, SIGKILL);
		return;
	}
	for (int k = 0; k < SITE_COUNT; k++) {
		enum site site = (enum site)((rep + k) % SITE_COUNT);
		/* The cheap modes take about a nanosecond: 50 times the events
		 * keep their timed interval well above the clock's and the
		 * scheduler's noise. */
		long n = attached ? cfg->events : cfg->events * 50;

		if (m == MODE_NONE || m == MODE_INPROC) {
			if (k == 0)
				out[SITE_NOP1] = out[SITE_FAST] = time_loop(m, site, n);
			continue;
		}
		out[site] = time_loop(m, site, n);
		if (attached && site == SITE_FAST && tramp_after_fast < 0)
			tramp_after_fast = trampoline_mapped();
	}
	bpf_link__destroy(link);
	stop(pid, sig);
	if (wait_semaphore(0, 0, 10) < 0)
		fprintf(stderr, "probe_cost: probe still attached after %s\n", mode_names[m]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of the finite values; NaN when there are none. */
static double median(const double *v, int n, double *lo, double *hi)
{
	double s[MAX_REPS];
	int k = 0;

	for (int i = 0; i < n; i++)
		if (!isnan(v[i]))
			s[k++] = v[i];
	if (k == 0) {
		*lo = *hi = NAN;
		return NAN;
	}
	qsort(s, (size_t)k, sizeof(s[0]), cmp_double);
	*lo = s[0];
	*hi = s[k - 1];
	return k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void print_ratio(const char *what, double med[MODE_COUNT][SITE_COUNT], enum mode num,
			enum mode den)
{
	printf("| %s | %.3f | | %.3f | | |\n", what, med[num][SITE_NOP1] / med[den][SITE_NOP1],
	       med[num][SITE_FAST] / med[den][SITE_FAST]);
}

static const char *yes_no(int v)
{
	return v < 0 ? "not checked" : v ? "yes" : "no";
}

static int run_all(const struct config *cfg)
{
	static double ns[MODE_COUNT][SITE_COUNT][MAX_REPS];
	double med[MODE_COUNT][SITE_COUNT], lo[SITE_COUNT], hi[SITE_COUNT];
	struct empty_bpf *skel;

	libbpf_set_print(libbpf_quiet);
	skel = empty_bpf__open_and_load();
	if (!skel)
		fprintf(stderr, "probe_cost: cannot load empty.bpf.o: %s\n", strerror(errno));

	tramp_before = trampoline_mapped();
	/* Rounds of every mode, so slow drift of the machine hits all alike. */
	for (int r = 0; r < cfg->reps; r++)
		for (int m = 0; m < MODE_COUNT; m++) {
			double out[SITE_COUNT];

			run_mode(cfg, (enum mode)m, skel, r, out);
			for (int s = 0; s < SITE_COUNT; s++)
				ns[m][s][r] = out[s];
		}
	empty_bpf__destroy(skel);

	printf("| probe cost, %ld stream_data events (x50 for 1, 2, 6), median of %d | %s ns/event | min-max | %s ns/event | min-max | %s / %s |\n",
	       cfg->events, cfg->reps, site_names[SITE_NOP1], site_names[SITE_FAST],
	       site_names[SITE_FAST], site_names[SITE_NOP1]);
	printf("|---|---:|---:|---:|---:|---:|\n");
	for (int m = 0; m < MODE_COUNT; m++) {
		for (int s = 0; s < SITE_COUNT; s++)
			med[m][s] = median(ns[m][s], cfg->reps, &lo[s], &hi[s]);
		if (m == MODE_BASE_EXPORTER && !cfg->base_exporter)
			continue;
		if (m == MODE_NONE || m == MODE_INPROC) {
			if (isnan(med[m][0]))
				printf("| %s | n/a | | | | |\n", mode_names[m]);
			else
				printf("| %s | %.1f | %.1f-%.1f | (no site) | | |\n", mode_names[m],
				       med[m][0], lo[0], hi[0]);
			continue;
		}
		printf("| %s |", mode_names[m]);
		for (int s = 0; s < SITE_COUNT; s++) {
			if (isnan(med[m][s]))
				printf(" n/a | |");
			else
				printf(" %.1f | %.1f-%.1f |", med[m][s], lo[s], hi[s]);
		}
		printf(" %.3f |\n", med[m][SITE_FAST] / med[m][SITE_NOP1]);
	}
	print_ratio("ratio (2)/(1)", med, MODE_UNATTACHED, MODE_NONE);
	print_ratio("ratio (4)/(3), target <= 1.25 (issue 15)", med, MODE_EXPORTER, MODE_EMPTY_BPF);
	print_ratio("ratio (5)/(4), target > 1", med, MODE_BPFTRACE, MODE_EXPORTER);
	printf("| (4) minus (3): our aggregation, ns | %.1f | | %.1f | | |\n",
	       med[MODE_EXPORTER][SITE_NOP1] - med[MODE_EMPTY_BPF][SITE_NOP1],
	       med[MODE_EXPORTER][SITE_FAST] - med[MODE_EMPTY_BPF][SITE_FAST]);
	if (cfg->base_exporter) {
		print_ratio("ratio (7)/(3), the base build", med, MODE_BASE_EXPORTER, MODE_EMPTY_BPF);
		printf("| (7) minus (4): what this build saves, ns | %.1f | | %.1f | | |\n",
		       med[MODE_BASE_EXPORTER][SITE_NOP1] - med[MODE_EXPORTER][SITE_NOP1],
		       med[MODE_BASE_EXPORTER][SITE_FAST] - med[MODE_EXPORTER][SITE_FAST]);
	}
	printf("\n[uprobes-trampoline] in /proc/self/maps: before any tracer %s; after the 1-byte nop "
	       "site ran traced %s; after the %s ran traced %s.\n",
	       yes_no(tramp_before), yes_no(tramp_after_nop1), site_names[SITE_FAST],
	       yes_no(tramp_after_fast));
	return isnan(med[MODE_EMPTY_BPF][SITE_FAST]) || isnan(med[MODE_EXPORTER][SITE_FAST]) ? 1 : 0;
}

/* Fires cfg->paced_rate events/s in 10 ms batches for cfg->paced_seconds:
 * few wakeups, so the pacing itself costs little next to the probes. */
static int run_paced(const struct config *cfg)
{
	long per_tick = cfg->paced_rate / 100, carry = cfg->paced_rate % 100, acc = 0, fired = 0;
	uint64_t start, next;
	struct rusage ru0, ru1;
	double cpu;

	if (cfg->wait_attached && wait_semaphore(1, 0, 60) < 0) {
		fprintf(stderr, "probe_cost: no tracer attached in 60 s\n");
		return 1;
	}
	getrusage(RUSAGE_SELF, &ru0);
	start = next = now_ns();
	for (long tick = 0; tick < cfg->paced_seconds * 100; tick++) {
		long batch = per_tick;
		struct timespec ts;

		acc += carry;
		if (acc >= 100) {
			acc -= 100;
			batch++;
		}
		loop_probe(batch, BENCH_ID);
		fired += batch;
		next = start + (uint64_t)(tick + 1) * 10000000ull;
		ts.tv_sec = (time_t)(next / 1000000000ull);
		ts.tv_nsec = (long)(next % 1000000000ull);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	getrusage(RUSAGE_SELF, &ru1);
	cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec -
		       ru0.ru_stime.tv_sec) +
	      (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec -
		       ru0.ru_stime.tv_usec) / 1e6;
	printf("cpu_seconds=%.4f events=%ld wall_seconds=%.3f\n", cpu, fired,
	       (double)(now_ns() - start) / 1e9);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: probe_cost [--events N] [--reps R] [--exporter PATH] [--base-exporter PATH] [--bpftrace PATH]\n"
		   "                  [--port P] [--log-dir DIR]\n"
		   "       probe_cost --paced RATE --seconds S [--wait-attached]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, 'r' },
		{ "exporter", required_argument, NULL, 'e' },
		{ "base-exporter", required_argument, NULL, 'B' },
		{ "bpftrace", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "log-dir", required_argument, NULL, 'l' },
		{ "paced", required_argument, NULL, 'R' },
		{ "seconds", required_argument, NULL, 's' },
		{ "wait-attached", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config cfg = { .events = 2000000, .reps = 5, .port = "19577", .log_dir = "/tmp" };
	ssize_t len;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': cfg.events = atol(optarg); break;
		case 'r': cfg.reps = atoi(optarg); break;
		case 'e': cfg.exporter = optarg; break;
		case 'B': cfg.base_exporter = optarg; break;
		case 'b': cfg.bpftrace = optarg; break;
		case 'p': cfg.port = optarg; break;
		case 'l': cfg.log_dir = optarg; break;
		case 'R': cfg.paced_rate = atol(optarg); break;
		case 's': cfg.paced_seconds = atol(optarg); break;
		case 'w': cfg.wait_attached = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (cfg.events <= 0 || cfg.reps < 1 || cfg.reps > MAX_REPS) {
		usage(stderr);
		return 2;
	}
	len = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (len <= 0) {
		perror("probe_cost: /proc/self/exe");
		return 1;
	}
	self_path[len] = '\0';
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (cfg.paced_rate > 0)
		return run_paced(&cfg);
	return run_all(&cfg);
}
