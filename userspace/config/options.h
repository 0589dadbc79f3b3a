/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options.h: the exporter's command line, parsed into one struct.
 *
 * options_parse_with_config() is pure: it reads argv and the config file's
 * text and writes nothing but *opt and err, so every flag and every error
 * message is unit-tested (tests/unit/test_options.c); options_parse() adds
 * reading the file.
 * options_usage() is the --help text, which is the reference for every flag.
 */
#ifndef DWCP_OPTIONS_H
#define DWCP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "base/log.h"

#define OPTIONS_MAX_BINARIES 16
#define OPTIONS_MAX_LISTEN 8
#define OPTIONS_LABEL_MAX 128

#define DWCP_EXPORTER_DEFAULT_PORT "9477"
/* Room for the seed's "100+ concurrent scrapes" (they share renders), below
 * the server's 512 connections so /health and /ready stay reachable. */
#define OPTIONS_DEFAULT_MAX_REQUESTS 200
#define DWCP_DEFAULT_PIN_PATH "/sys/fs/bpf/dwcp-bpf"

/* What the exporter keeps of its capabilities once the probes are attached. */
enum capability_keep {
	CAPS_KEEP_ATTACH, /* what re-attaching to a replaced binary needs (default) */
	CAPS_KEEP_NONE,   /* nothing: replaced binaries are no longer followed */
	CAPS_KEEP_ALL,    /* everything it started with */
};

const char *capability_keep_name(enum capability_keep keep);

struct options {
	const char *binaries[OPTIONS_MAX_BINARIES];
	size_t n_binaries;
	pid_t pid; /* 0: every process of the binaries */
	char cluster[OPTIONS_LABEL_MAX];
	char node[OPTIONS_LABEL_MAX]; /* empty: the host name */
	const char *listen[OPTIONS_MAX_LISTEN];
	size_t n_listen;
	const char *telemetry_path;
	unsigned max_requests;
	bool systemd_socket; /* listen on the sockets systemd passes */
	bool config_check;   /* --config.check: check, report, exit */
	bool stream_id_label;
	uint64_t stream_grace_ns;
	uint32_t max_streams;
	const char *pin_path; /* NULL: no pinning */
	const char *pin_path_value; /* --bpf.pin-path, kept while --no-bpf.pin */
	enum log_level log_level;
	enum log_format log_format;
	const char *config_file;     /* --config.file; NULL: none */
	const char *web_config_file; /* --web.config.file: TLS and basic auth; NULL: plain HTTP */
	enum capability_keep capabilities;
	bool bpf_stats; /* turn on the kernel's BPF run-time stats while running */
	char *config_text; /* owned copy of the config file; values point into it */
};

enum options_action {
	OPTIONS_RUN,
	OPTIONS_HELP,
	OPTIONS_VERSION,
	OPTIONS_LIST_METRICS,
	OPTIONS_ERROR,
};

/*
 * Fills *opt: defaults, then the --config.file if argv names one (read from
 * disk), then argv on top: flags win, and a list flag given on the command
 * line (--binary, --web.listen-address) replaces the file's list. On
 * OPTIONS_ERROR, err names the flag (and the file and line) and the problem.
 * argv is not modified; strings in *opt point into argv or opt->config_text:
 * options_free() releases the latter.
 */
enum options_action options_parse(int argc, char **argv, struct options *opt, char *err, size_t errlen);

/* The same with the config file's text given (NULL: argv must not name a
 * file): pure, for tests and fuzzing. */
enum options_action options_parse_with_config(int argc, char **argv, const char *config_text,
					      struct options *opt, char *err, size_t errlen);

/* The --config.file argv names, or NULL (none, or argv does not parse). */
const char *options_config_path(int argc, char **argv);

/*
 * For a reload (SIGHUP): the settings that differ between the running and a
 * freshly parsed configuration and that only a restart applies, as
 * "binary,web.listen-address" in out; returns how many. The others
 * (log.level, log.format, stream.id-label, stream.grace, web.config.file)
 * the running exporter applies.
 */
int options_restart_needed(const struct options *running, const struct options *fresh, char *out, size_t len);

void options_free(struct options *opt);

/*
 * The path to open for --binary path: with --pid an absolute path is the
 * process's view, and a process in another mount namespace (a container)
 * sees its own root, which the host reaches through /proc/PID/root.
 */
const char *options_binary_path(const struct options *opt, const char *path, char *buf, size_t len);

void options_usage(FILE *out, const char *prog);

/* "250ms", "30s", "5m", "1h" -> nanoseconds; -1 on error. */
int parse_duration_ns(const char *text, uint64_t *out);

#endif /* DWCP_OPTIONS_H */
