/*
 * dwcp-bpf-exporter: serves the dwcp USDT probes of DWCP binaries as
 * Prometheus metrics. Reads top to bottom: options, privileges, load the BPF
 * objects, start HTTP (/health answers while probes attach), attach, then
 * reap dead processes once a second until SIGINT/SIGTERM; one exit path.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bpf_programs.h"
#include "collector.h"
#include "dwcp_names.h"
#include "http_server.h"
#include "log.h"
#include "metric_families.h"
#include "options.h"

static volatile sig_atomic_t exiting;
static void log_attach(const struct attach_target *t);
static atomic_bool probes_attached;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char line[1024];
	size_t len;

	/* libbpf warns for every probe a binary lacks; that is reported once,
	 * per binary, by us. Its messages are for --log.level=debug. */
	if (!log_enabled(LOG_DEBUG) || level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, args);
	len = strlen(line);
	while (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	log_event(LOG_DEBUG, line, "component", "libbpf", NULL);
	return 0;
}

/* Root, or the capabilities BPF and uprobe attach need: CAP_BPF to load,
 * CAP_PERFMON for perf events, and CAP_SYS_ADMIN because kernels since 2025
 * require it for every uprobe (tests/integration/test_capabilities.py). */
static int check_privileges(char *err, size_t errlen)
{
	static const cap_value_t needed[] = { CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN };
	cap_t caps;

	if (geteuid() == 0)
		return 0;
	caps = cap_get_proc();
	if (!caps) {
		snprintf(err, errlen, "cannot read own capabilities: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(caps, needed[i], CAP_EFFECTIVE, &v) != 0 || v != CAP_SET) {
			snprintf(err, errlen,
				 "not root and %s is not effective: run as root or with CAP_BPF, CAP_PERFMON and "
				 "CAP_SYS_ADMIN (uprobes need CAP_SYS_ADMIN)",
				 cap_to_name(needed[i]));
			cap_free(caps);
			return -1;
		}
	}
	cap_free(caps);
	return 0;
}

/*
 * With --pid, an absolute binary path is the process's view: a process in
 * another mount namespace (a container) sees its own root, which the host
 * reaches through /proc/PID/root. Returns the path to use.
 */
static const char *binary_path_for(const char *path, pid_t pid, char *buf, size_t len)
{
	if (!pid || path[0] != '/')
		return path;
	snprintf(buf, len, "/proc/%d/root%s", (int)pid, path);
	return buf;
}

static int check_binary(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "--binary %.4000s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "--binary %.4000s: not a regular file", path);
		return -1;
	}
	return 0;
}

/*
 * Pinning needs bpffs under the pin path. Fresh machines may not mount it at
 * /sys/fs/bpf: mount it there (we are root or CAP_SYS_ADMIN), and when that
 * cannot be done run without pinning rather than not at all.
 */
static const char *usable_pin_path(const char *pin_path)
{
	char parent[PATH_MAX];
	struct statfs fs;
	char *slash;

	if (!pin_path)
		return NULL;
	snprintf(parent, sizeof(parent), "%s", pin_path);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (statfs(parent, &fs) == 0 && fs.f_type == BPF_FS_MAGIC)
		return pin_path;
	if (strcmp(parent, "/sys/fs/bpf") == 0 && mount("bpf", parent, "bpf", 0, NULL) == 0) {
		log_event(LOG_INFO, "mounted bpffs", "path", parent, NULL);
		return pin_path;
	}
	log_event(LOG_WARN, "no bpffs under the pin path: maps not pinned, an exporter restart resets counters",
		  "pin_path", pin_path, NULL);
	return NULL;
}

static int render_metrics(void *ctx, struct expo_writer *w)
{
	return collector_render(ctx, w);
}

static bool is_ready(void *ctx, char *why, size_t whylen)
{
	struct collector *c = ctx;
	bool ready = true;

	if (!atomic_load(&probes_attached)) {
		snprintf(why, whylen, "attaching probes");
		return false;
	}
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n_targets && ready; i++) {
		if (c->targets[i].missing) {
			snprintf(why, whylen, "binary %.3000s is missing (being replaced?)", c->targets[i].path);
			ready = false;
		} else if (c->targets[i].attached == 0) {
			snprintf(why, whylen, "binary %.3000s has no dwcp probes", c->targets[i].path);
			ready = false;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return ready;
}

/* Re-attaches binaries replaced on disk; under the collector lock, which
 * guards the attach state that scrapes and /ready read. */
static void follow_binaries(struct bpf_programs *bpf, struct collector *c)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n_targets; i++) {
		if (bpf_programs_follow(bpf, &c->targets[i]) == 1)
			log_attach(&c->targets[i]);
	}
	pthread_mutex_unlock(&c->lock);
}

static void log_attach(const struct attach_target *t)
{
	char attached[16], missing[DWCP_PROBE_COUNT * 20] = "";

	for (int p = 0; p < DWCP_PROBE_COUNT; p++) {
		if (t->links[p])
			continue;
		if (missing[0])
			strcat(missing, ",");
		strcat(missing, dwcp_probe_name(p));
	}
	snprintf(attached, sizeof(attached), "%d", t->attached);
	if (t->attached == 0)
		log_event(LOG_WARN, "binary has no dwcp probes", "binary", t->path, NULL);
	else if (missing[0])
		log_event(LOG_WARN, "binary lacks some dwcp probes", "binary", t->path, "attached", attached,
			  "missing", missing, NULL);
	else
		log_event(LOG_INFO, "probes attached", "binary", t->path, "attached", attached, NULL);
}

int main(int argc, char **argv)
{
	static struct attach_target targets[OPTIONS_MAX_BINARIES];
	static char pid_paths[OPTIONS_MAX_BINARIES][PATH_MAX];
	struct options opt;
	struct bpf_programs bpf = { 0 };
	struct bpf_map_sizes sizes;
	struct collector collector;
	bool collector_ready = false;
	struct http_server *server = NULL;
	struct http_server_config http = { 0 };
	struct http_handlers handlers = { render_metrics, is_ready, &collector };
	char err[2 * PATH_MAX + 256] = "", node[OPTIONS_LABEL_MAX];
	int exit_code = 1;

	switch (options_parse(argc, argv, &opt, err, sizeof(err))) {
	case OPTIONS_HELP:
		options_usage(stdout, argv[0]);
		return 0;
	case OPTIONS_VERSION:
		printf("dwcp-bpf-exporter %s (git %s)\n", DWCP_BPF_VERSION, DWCP_BPF_GIT_COMMIT);
		return 0;
	case OPTIONS_LIST_METRICS:
		metric_families_print_markdown(stdout);
		return 0;
	case OPTIONS_ERROR:
		fprintf(stderr, "dwcp-bpf-exporter: %s\n", err);
		return 2;
	case OPTIONS_RUN:
		break;
	}
	log_configure(opt.log_level, opt.log_format);
	libbpf_set_print(libbpf_log);

	if (opt.node[0]) {
		snprintf(node, sizeof(node), "%s", opt.node);
	} else if (gethostname(node, sizeof(node)) != 0) {
		snprintf(node, sizeof(node), "unknown");
	}
	node[sizeof(node) - 1] = '\0';

	for (size_t i = 0; i < opt.n_binaries; i++) {
		opt.binaries[i] = binary_path_for(opt.binaries[i], opt.pid, pid_paths[i], sizeof(pid_paths[i]));
		if (check_binary(opt.binaries[i], err, sizeof(err)) != 0)
			goto fail;
	}
	if (check_privileges(err, sizeof(err)) != 0)
		goto fail;

	sizes.max_streams = opt.max_streams;
	opt.pin_path = usable_pin_path(opt.pin_path);
	if (bpf_programs_load(&bpf, &sizes, opt.pin_path, err, sizeof(err)) != 0)
		goto fail;
	collector_init(&collector, &bpf, &opt, node, targets, opt.n_binaries);
	collector_ready = true;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	for (size_t i = 0; i < opt.n_listen; i++)
		http.listen_addresses[i] = opt.listen[i];
	http.n_listen = opt.n_listen;
	http.telemetry_path = opt.telemetry_path;
	http.max_requests = opt.max_requests;
	http.version = DWCP_BPF_VERSION;
	if (http_server_start(&server, &http, &handlers, err, sizeof(err)) != 0)
		goto fail;

	for (size_t i = 0; i < opt.n_binaries; i++) {
		int n;

		/* scrapes may already run: they read the attach state */
		pthread_mutex_lock(&collector.lock);
		n = bpf_programs_attach(&bpf, &targets[i], opt.binaries[i], opt.pid, err, sizeof(err));
		pthread_mutex_unlock(&collector.lock);
		if (n < 0)
			goto fail;
		if (n == 0) {
			snprintf(err, sizeof(err),
				 "--binary %.4000s: no dwcp USDT probes to attach (is it built with usdt/dwcp_probes.h? "
				 "`readelf -n %.4000s` lists them)",
				 targets[i].path, targets[i].path);
			goto fail;
		}
		log_attach(&targets[i]);
	}
	atomic_store(&probes_attached, true);
	log_event(LOG_INFO, "dwcp-bpf-exporter started", "version", DWCP_BPF_VERSION, "cluster", opt.cluster, "node",
		  node, "listen", opt.listen[0], "telemetry_path", opt.telemetry_path, "pin_path",
		  opt.pin_path ? opt.pin_path : "none", NULL);

	while (!exiting) {
		struct timespec second = { 1, 0 };

		/* a signal cuts the sleep short */
		nanosleep(&second, NULL);
		if (exiting)
			break;
		follow_binaries(&bpf, &collector);
		collector_reap(&collector);
	}
	log_event(LOG_INFO, "shutting down", NULL);
	exit_code = 0;
	goto cleanup;

fail:
	log_event(LOG_ERROR, err, NULL);
cleanup:
	http_server_stop(server);
	for (size_t i = 0; i < opt.n_binaries; i++)
		bpf_programs_detach(&targets[i]);
	if (collector_ready)
		collector_free(&collector);
	bpf_programs_destroy(&bpf);
	return exit_code;
}
