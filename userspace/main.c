// SPDX-License-Identifier: Apache-2.0
/*
 * dwcp-bpf-exporter: serves the dwcp USDT probes of DWCP binaries as
 * Prometheus metrics. Reads top to bottom: options (--config.check stops
 * there), privileges, bind the HTTP ports (or take systemd's), load the BPF
 * objects, attach (a binary not there yet is waited for), drop
 * capabilities (--capabilities.keep), serve HTTP, then wait for events
 * until SIGINT/SIGTERM: a binary's folder changed (inotify), the exit queue
 * or the grace timer wants a reap, SIGHUP; nothing runs on a period. One
 * exit path.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/attach.h"
#include "probes/binary_watch.h"
#include "probes/bpf_programs.h"
#include "probes/bpf_stats.h"
#include "collect/collector.h"
#include "base/fd_limit.h"
#include "config_check.h"
#include "web/http_server.h"
#include "base/log.h"
#include "exposition/metric_families.h"
#include "config/options.h"
#include "probes/pin_path.h"
#include "probes/privileges.h"
#include "reload.h"
#include "web/systemd_sockets.h"

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

/* Each instrumented binary costs about 60 descriptors (a link and a perf
 * event per probe); the soft limit's usual 1,024 is for select(), which
 * nothing here uses. */
static void raise_fd_limit(void)
{
	struct rlimit before, after;
	char soft[24], hard[24], raised[24];
	int rc = fd_limit_raise(&before, &after);

	snprintf(soft, sizeof(soft), "%llu", (unsigned long long)before.rlim_cur);
	snprintf(hard, sizeof(hard), "%llu", (unsigned long long)before.rlim_max);
	snprintf(raised, sizeof(raised), "%llu", (unsigned long long)after.rlim_cur);
	if (rc != 0)
		log_event(LOG_WARN, "cannot raise the open files limit to the hard limit", "soft", soft, "hard", hard,
			  "error", strerror(-rc), NULL);
	else
		log_event(LOG_DEBUG, "open files limit (RLIMIT_NOFILE)", "soft", soft, "hard", hard, "soft_now", raised,
			  NULL);
}

static void http_stats(const void *server, struct http_server_stats *out)
{
	http_server_stats(server, out);
}

static int render_metrics(void *ctx, struct expo_writer *w)
{
	return collector_render(ctx, w);
}

/*
 * Until SIGINT or SIGTERM: what changed is handled as it arrives, nothing
 * runs on a period. Returns 0, or -1 with err.
 */
static int serve_events(const struct running *run, struct bpf_programs *bpf, int sig_fd,
			struct binary_watch *watch, char *err, size_t errlen)
{
	struct collector *c = run->collector;
	int ep = epoll_create1(EPOLL_CLOEXEC), exits_fd, expiry_fd;
	struct epoll_event ev[8];
	enum { EV_SIGNAL, EV_WATCH, EV_EXITS, EV_EXPIRY };

	if (ep < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		return -1;
	}
	collector_wake_fds(c, &exits_fd, &expiry_fd);
	/* the exit queue wakes us when half full, not per event: edge-triggered */
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sig_fd, &(struct epoll_event){ EPOLLIN, { .u32 = EV_SIGNAL } }) != 0 ||
	    (watch && epoll_ctl(ep, EPOLL_CTL_ADD, binary_watch_fd(watch),
				&(struct epoll_event){ EPOLLIN, { .u32 = EV_WATCH } }) != 0) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, exits_fd, &(struct epoll_event){ EPOLLIN | EPOLLET, { .u32 = EV_EXITS } }) != 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, expiry_fd, &(struct epoll_event){ EPOLLIN, { .u32 = EV_EXPIRY } }) != 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		close(ep);
		return -1;
	}
	for (;;) {
		bool reap = false, follow = false;
		int n = epoll_wait(ep, ev, 8, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "epoll_wait: %s", strerror(errno));
			close(ep);
			return -1;
		}
		for (int i = 0; i < n; i++) {
			struct signalfd_siginfo si;

			switch (ev[i].data.u32) {
			case EV_SIGNAL:
				while (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						reload_run(run);
						continue;
					}
					close(ep);
					return 0;
				}
				break;
			case EV_WATCH:
				follow |= binary_watch_drain(watch) != 0;
				break;
			default:
				reap = true;
			}
		}
		if (follow)
			attach_follow(c, bpf, watch);
		if (reap)
			collector_reap(c);
	}
}

/* Appends ",item" (or "item" first) to a list being built in buf; an item
 * that does not fit is left out. */
static void list_add(char *buf, size_t len, const char *item)
{
	size_t used = strlen(buf), n = strlen(item);

	if (used + 1 + n + 1 > len)
		return;
	if (used)
		buf[used++] = ',';
	memcpy(buf + used, item, n + 1);
}

/* One line with everything an operator checks first. */
static void log_started(const struct options *opt, const char *node, const struct attach_target *targets,
			struct http_server *server)
{
	char listen[OPTIONS_MAX_LISTEN * 80] = "", binaries[OPTIONS_MAX_BINARIES * 256] = "", probes[32];
	int attached = 0;

	for (size_t i = 0; http_server_listen_text(server, i); i++)
		list_add(listen, sizeof(listen), http_server_listen_text(server, i));
	for (size_t i = 0; i < opt->n_binaries; i++) {
		list_add(binaries, sizeof(binaries), targets[i].path);
		attached += targets[i].attached;
	}
	snprintf(probes, sizeof(probes), "%d", attached);
	log_event(LOG_INFO, "dwcp-bpf-exporter started", "version", DWCP_BPF_VERSION, "cluster", opt->cluster, "node",
		  node, "listen", listen, "tls", http_server_tls(server) ? "on" : "off", "telemetry_path",
		  opt->telemetry_path, "binaries", binaries, "probes_attached", probes, "pin_path",
		  opt->pin_path ? opt->pin_path : "none", "config_file", opt->config_file ? opt->config_file : "none",
		  NULL);
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
	struct http_handlers handlers = { render_metrics, attach_ready, &collector };
	char err[2 * PATH_MAX + 256] = "", node[OPTIONS_LABEL_MAX], kept[1024];
	bool waiting[OPTIONS_MAX_BINARIES] = { false };
	struct binary_watch watch_state, *watch = NULL;
	sigset_t signals;
	int sig_fd = -1, exit_code = 1;

	/* A scrape's buffers are megabytes at 10,000 streams and are freed on
	 * whichever connection thread sends them last; glibc's default keeps
	 * such frees in per-thread arenas (100 concurrent clients: 116 MB RSS).
	 * A fixed mmap threshold returns them to the kernel (14 MB). */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);

	switch (options_parse(argc, argv, &opt, err, sizeof(err))) {
	case OPTIONS_HELP:
		options_usage(stdout, basename(argv[0]));
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
	if (opt.config_check) {
		exit_code = config_check_run(&opt, stdout) ? 1 : 0;
		options_free(&opt);
		return exit_code;
	}
	/* signals arrive through sig_fd in the event loop; blocked before any
	 * thread starts, so that every thread inherits the mask */
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGHUP);
	sigprocmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);
	sig_fd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sig_fd < 0) {
		fprintf(stderr, "dwcp-bpf-exporter: signalfd: %s\n", strerror(errno));
		return 1;
	}
	log_configure(opt.log_level, opt.log_format);
	libbpf_set_print(libbpf_log);
	raise_fd_limit();

	if (opt.node[0]) {
		snprintf(node, sizeof(node), "%s", opt.node);
	} else if (gethostname(node, sizeof(node)) != 0) {
		snprintf(node, sizeof(node), "unknown");
	}
	node[sizeof(node) - 1] = '\0';

	for (size_t i = 0; i < opt.n_binaries; i++) {
		struct stat st;

		opt.binaries[i] = options_binary_path(&opt, opt.binaries[i], pid_paths[i], sizeof(pid_paths[i]));
		if (stat(opt.binaries[i], &st) != 0) {
			/* not installed yet: waited for, unless nothing could
			 * attach it later */
			if (errno == ENOENT && !opt.pid && opt.capabilities != CAPS_KEEP_NONE) {
				waiting[i] = true;
				continue;
			}
			snprintf(err, sizeof(err), "--binary %.4000s: %s%s", opt.binaries[i], strerror(errno),
				 errno == ENOENT && opt.pid ? " (with --pid the binary must exist)"
				 : errno == ENOENT	     ? " (--capabilities.keep none cannot attach it later)"
							     : "");
			goto fail;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, sizeof(err), "--binary %.4000s: not a regular file", opt.binaries[i]);
			goto fail;
		}
	}
	if (privileges_check(err, sizeof(err)) != 0)
		goto fail;

	/* the web config and the ports before BPF: their errors come at once,
	 * and a port below 1024 is bound while privileged */
	for (size_t i = 0; i < opt.n_listen; i++)
		http.listen_addresses[i] = opt.listen[i];
	http.n_listen = opt.n_listen;
	if (opt.systemd_socket) {
		int n = systemd_sockets_take(http.listen_fds, HTTP_SERVER_MAX_LISTEN, err, sizeof(err));

		if (n < 0)
			goto fail;
		http.n_listen_fds = (size_t)n;
	}
	http.telemetry_path = opt.telemetry_path;
	http.max_requests = opt.max_requests;
	http.version = DWCP_BPF_VERSION;
	http.web_config_file = opt.web_config_file;
	if (http_server_open(&server, &http, &handlers, err, sizeof(err)) != 0)
		goto fail;

	sizes.max_streams = opt.max_streams;
	if (opt.pin_path && pin_path_prepare(opt.pin_path, err, sizeof(err)) != 0)
		goto fail;
	if (bpf_programs_load(&bpf, &sizes, opt.pin_path, err, sizeof(err)) != 0)
		goto fail;
	if (collector_init(&collector, &bpf, &opt, node, targets, opt.n_binaries, err, sizeof(err)) != 0)
		goto fail;
	collector_ready = true;

	if (attach_start(&collector, &bpf, &opt, waiting, err, sizeof(err)) != 0)
		goto fail;
	/* BPF_ENABLE_STATS needs CAP_SYS_ADMIN: before the drop */
	if (opt.bpf_stats) {
		int rc = bpf_stats_enable();

		if (rc != 0) {
			snprintf(err, sizeof(err), "--bpf.stats: cannot enable BPF run-time stats: %s", strerror(-rc));
			goto fail;
		}
		log_event(LOG_INFO, "BPF run-time stats enabled while the exporter runs", NULL);
	}
	if (privileges_drop(opt.capabilities, opt.binaries, opt.n_binaries, kept, sizeof(kept), err, sizeof(err)) != 0)
		goto fail;
	log_event(LOG_INFO, "capabilities", "keep", capability_keep_name(opt.capabilities), "kept", kept, NULL);
	if (opt.capabilities == CAPS_KEEP_NONE)
		log_event(LOG_WARN,
			  "no capabilities kept: a binary replaced on disk will not be followed (restart the exporter "
			  "after an upgrade); running processes stay instrumented",
			  NULL);
	if (opt.capabilities != CAPS_KEEP_NONE) {
		const char *paths[OPTIONS_MAX_BINARIES];

		for (size_t i = 0; i < opt.n_binaries; i++)
			paths[i] = targets[i].path;
		if (binary_watch_open(&watch_state, err, sizeof(err)) != 0 ||
		    binary_watch_update(&watch_state, paths, opt.n_binaries, err, sizeof(err)) != 0)
			goto fail;
		watch = &watch_state;
		/* a file that appeared while we attached the others */
		attach_appeared(&collector, &bpf);
	}
	/* no scrape runs before serving starts: no lock needed yet */
	collector.s.http_stats = http_stats;
	collector.s.http_stats_ctx = server;
	/* after the drop: capabilities are per thread, and the server's threads
	 * (started now) inherit the reduced set */
	if (http_server_serve(server, err, sizeof(err)) != 0)
		goto fail;
	log_started(&opt, node, targets, server);

	/* the first reap: entries of processes that exited before the exit
	 * program listened (pinned maps of an earlier exporter) */
	collector_reap(&collector);
	if (serve_events(&(struct running){ argc, argv, &opt, &collector, server }, &bpf, sig_fd, watch, err,
			 sizeof(err)) != 0)
		goto fail;
	log_event(LOG_INFO, "shutting down", NULL);
	exit_code = 0;
	goto cleanup;

fail:
	log_event(LOG_ERROR, err, NULL);
cleanup:
	http_server_stop(server);
	if (watch)
		binary_watch_close(watch);
	if (sig_fd >= 0)
		close(sig_fd);
	for (size_t i = 0; i < opt.n_binaries; i++)
		bpf_programs_detach(&targets[i]);
	if (collector_ready)
		collector_free(&collector);
	bpf_programs_destroy(&bpf);
	bpf_stats_disable();
	return exit_code;
}
