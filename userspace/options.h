/*
 * options.h: the exporter's command line, parsed into one struct.
 *
 * Pure: options_parse() reads argv and writes nothing but *opt and err, so
 * every flag and every error message is unit-tested (tests/unit/test_options.c).
 * options_usage() is the --help text, which is the reference for every flag.
 */
#ifndef DWCP_OPTIONS_H
#define DWCP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "log.h"

#define OPTIONS_MAX_BINARIES 16
#define OPTIONS_MAX_LISTEN 8
#define OPTIONS_LABEL_MAX 128

#define DWCP_EXPORTER_DEFAULT_PORT "9477"
#define DWCP_DEFAULT_PIN_PATH "/sys/fs/bpf/dwcp-bpf"

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
	bool stream_id_label;
	uint64_t stream_grace_ns;
	uint32_t max_streams;
	const char *pin_path; /* NULL: no pinning */
	enum log_level log_level;
	enum log_format log_format;
};

enum options_action {
	OPTIONS_RUN,
	OPTIONS_HELP,
	OPTIONS_VERSION,
	OPTIONS_LIST_METRICS,
	OPTIONS_ERROR,
};

/* Fills *opt from argv (defaults first). On OPTIONS_ERROR, err names the flag
 * and the problem. argv is not modified; strings in *opt point into argv. */
enum options_action options_parse(int argc, char **argv, struct options *opt, char *err, size_t errlen);

void options_usage(FILE *out, const char *prog);

/* "250ms", "30s", "5m", "1h" -> nanoseconds; -1 on error. */
int parse_duration_ns(const char *text, uint64_t *out);

#endif /* DWCP_OPTIONS_H */
