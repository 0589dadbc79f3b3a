/*
 * probe_cost: what one stream_data event costs the DWCP process, in ns, for
 * each way of observing it, all measured in one run so the ratios compare
 * like with like on a noisy shared machine.
 *
 * What it offers
 *   - Default: a tight loop firing DWCP_STREAM_DATA --events times in six
 *     modes (no probe compiled in, probe with nothing attached, an empty BPF
 *     program, dwcp-bpf-exporter, bpftrace, an in-process atomic counter and
 *     histogram), --reps rounds of all modes interleaved; prints a Markdown
 *     table of the medians and the ratios the issue asks for.
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

#define BENCH_ID "s-bench-0"
#define MAX_REPS 64

enum mode {
	MODE_NONE,
	MODE_UNATTACHED,
	MODE_EMPTY_BPF,
	MODE_EXPORTER,
	MODE_BPFTRACE,
	MODE_INPROC,
	MODE_COUNT,
};

static const char *const mode_names[MODE_COUNT] = {
	[MODE_NONE] = "(1) no probe compiled in",
	[MODE_UNATTACHED] = "(2) probe, nothing attached",
	[MODE_EMPTY_BPF] = "(3) empty BPF program attached",
	[MODE_EXPORTER] = "(4) dwcp-bpf-exporter attached",
	[MODE_BPFTRACE] = "(5) bpftrace sum + hist attached",
	[MODE_INPROC] = "(6) in-process atomic counter + histogram",
};

struct config {
	long events;
	int reps;
	const char *exporter;
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

/* The argument values vary so no tracer can cache them, and the mask keeps
 * them within the exporter's per-event sanity bound. */
#define SENT(i) (1 + ((uint64_t)(i) & 0xffff))
#define RECV(i) ((uint64_t)(i) & 0xff)

static __attribute__((noinline)) void loop_probe(long n, const char *id)
{
	for (long i = 0; i < n; i++)
		DWCP_STREAM_DATA(id, SENT(i), RECV(i));
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
	struct dwcp_hist hist;
} inproc;

static __attribute__((noinline)) void loop_inproc(long n, const char *id)
{
	for (long i = 0; i < n; i++) {
		uint64_t sent = SENT(i), recv = RECV(i);
		__u32 slot = dwcp_hist_slot(byte_bounds, NBYTE_BOUNDS, sent);

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

static pid_t start_exporter(const struct config *cfg)
{
	char listen[64], pidbuf[32];
	char *argv[] = { (char *)cfg->exporter, "--binary", self_path, "--pid", pidbuf,
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

static double time_loop(enum mode m, long n)
{
	void (*fn)(long, const char *) = m == MODE_NONE     ? loop_none
					 : m == MODE_INPROC ? loop_inproc
							    : loop_probe;
	uint64_t t0;

	fn(n / 100 + 1, BENCH_ID); /* warm: first hits map the uprobe's pages */
	t0 = now_ns();
	fn(n, BENCH_ID);
	return (double)(now_ns() - t0) / (double)n;
}

/* Runs mode m once with its observer attached; NaN when it could not be. */
static double run_mode(const struct config *cfg, enum mode m, struct empty_bpf *skel)
{
	struct bpf_link *link = NULL;
	pid_t pid = 0;
	int sig = SIGTERM;
	double ns;

	switch (m) {
	case MODE_EMPTY_BPF:
		if (!skel)
			return NAN;
		link = bpf_program__attach_usdt(skel->progs.stream_data, getpid(), self_path,
						"dwcp", "stream_data", NULL);
		if (!link)
			return NAN;
		break;
	case MODE_EXPORTER:
		if (!cfg->exporter)
			return NAN;
		pid = start_exporter(cfg);
		break;
	case MODE_BPFTRACE:
		if (!cfg->bpftrace)
			return NAN;
		pid = start_bpftrace(cfg);
		sig = SIGINT; /* bpftrace prints its maps and detaches */
		break;
	default:
		break;
	}
	if (m == MODE_EXPORTER || m == MODE_BPFTRACE) {
		if (pid < 0 || wait_semaphore(1, pid, 30) < 0) {
			fprintf(stderr, "probe_cost: %s did not attach\n", mode_names[m]);
			stop(pid, SIGKILL);
			return NAN;
		}
	}
	if (m != MODE_NONE && m != MODE_INPROC && m != MODE_UNATTACHED && !DWCP_STREAM_DATA_ENABLED()) {
		bpf_link__destroy(link);
		return NAN;
	}
	/* The cheap modes take about a nanosecond: 50 times the events keep their
	 * timed interval well above the clock's and the scheduler's noise. */
	ns = time_loop(m, m == MODE_NONE || m == MODE_UNATTACHED || m == MODE_INPROC ? cfg->events * 50
										      : cfg->events);
	bpf_link__destroy(link);
	stop(pid, sig);
	if (wait_semaphore(0, 0, 10) < 0)
		fprintf(stderr, "probe_cost: probe still attached after %s\n", mode_names[m]);
	return ns;
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

static int run_all(const struct config *cfg)
{
	static double ns[MODE_COUNT][MAX_REPS];
	double med[MODE_COUNT], lo, hi;
	struct empty_bpf *skel;

	libbpf_set_print(libbpf_quiet);
	skel = empty_bpf__open_and_load();
	if (!skel)
		fprintf(stderr, "probe_cost: cannot load empty.bpf.o: %s\n", strerror(errno));

	/* Rounds of every mode, so slow drift of the machine hits all alike. */
	for (int r = 0; r < cfg->reps; r++)
		for (int m = 0; m < MODE_COUNT; m++)
			ns[m][r] = run_mode(cfg, (enum mode)m, skel);
	empty_bpf__destroy(skel);

	printf("| probe cost, %ld stream_data events (x50 for 1, 2, 6) | ns/event (median of %d) | min | max |\n",
	       cfg->events, cfg->reps);
	printf("|---|---:|---:|---:|\n");
	for (int m = 0; m < MODE_COUNT; m++) {
		med[m] = median(ns[m], cfg->reps, &lo, &hi);
		if (isnan(med[m]))
			printf("| %s | n/a | | |\n", mode_names[m]);
		else
			printf("| %s | %.1f | %.1f | %.1f |\n", mode_names[m], med[m], lo, hi);
	}
	printf("| ratio (2)/(1) | %.2f | | |\n", med[MODE_UNATTACHED] / med[MODE_NONE]);
	printf("| ratio (4)/(3), target <= 1.15 | %.3f | | |\n",
	       med[MODE_EXPORTER] / med[MODE_EMPTY_BPF]);
	printf("| ratio (5)/(4), target > 1 | %.2f | | |\n", med[MODE_BPFTRACE] / med[MODE_EXPORTER]);
	printf("| (4) minus (3): our aggregation, ns | %.1f | | |\n",
	       med[MODE_EXPORTER] - med[MODE_EMPTY_BPF]);
	return isnan(med[MODE_EMPTY_BPF]) || isnan(med[MODE_EXPORTER]) ? 1 : 0;
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
	fprintf(f, "Usage: probe_cost [--events N] [--reps R] [--exporter PATH] [--bpftrace PATH]\n"
		   "                  [--port P] [--log-dir DIR]\n"
		   "       probe_cost --paced RATE --seconds S [--wait-attached]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, 'r' },
		{ "exporter", required_argument, NULL, 'e' },
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
