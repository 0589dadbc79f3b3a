// SPDX-License-Identifier: Apache-2.0
/* options.c: see options.h. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest text a probe carries (the tracer reads 63 bytes). */
#define MAX_LABEL 63

enum flag_kind {
	KIND_U64,    /* uint64_t, min..max */
	KIND_UINT,   /* unsigned int, min..max */
	KIND_DOUBLE, /* double, min..max */
	KIND_TEXT,   /* const char *, 1..max bytes */
	KIND_TRUE,   /* bool, set by the bare flag */
	KIND_HELP,
};

/* One flag, written once: its getopt entry, its value's range, its default
 * (as a value to parse, shown at the end of its --help text) and its help. */
struct flag {
	const char *name;
	const char *metavar; /* NULL: takes no value */
	enum flag_kind kind;
	size_t field; /* offsetof the target in struct sim_options */
	long double min, max; /* long double: exact for every uint64_t */
	const char *def;     /* NULL: zero */
	const char *section; /* --help: a heading printed before this flag */
	const char *help;    /* "\n" between lines */
};

#define FIELD(f) .field = offsetof(struct sim_options, f)

static const struct flag flags[] = {
	{ "duration", "SEC", KIND_DOUBLE, FIELD(duration_s), 0, 1e7, "10", "Workload",
	  "run time, 0 = until SIGINT/SIGTERM" },
	{ "streams", "N", KIND_UINT, FIELD(streams), 0, SIM_MAX_STREAMS, "4", NULL, "parallel AMST stream workers" },
	{ "chunk-bytes", "N", KIND_U64, FIELD(chunk_bytes), 1, 16u << 20, "16384", NULL, "bytes per chunk" },
	{ "stream-bytes", "N", KIND_U64, FIELD(stream_bytes), 1, 1ull << 40, "1048576", NULL,
	  "payload bytes before a stream ends" },
	{ "rate", "N", KIND_U64, FIELD(rate), 0, 1000000, "200", NULL, "chunks/s per stream, 0 = unpaced" },
	{ "error-rate", "P", KIND_DOUBLE, FIELD(error_rate), 0, 1, "0.02", NULL,
	  "injected stream error probability per chunk" },
	{ "error-burst-ms", "N", KIND_U64, FIELD(error_burst_ms), 0, 3600000, "500", NULL,
	  "one burst of 10x errors per run, 0 = none" },
	{ "decompress-failure-rate", "P", KIND_DOUBLE, FIELD(decompress_failure_rate), 0, 1, "0.01", NULL,
	  "corrupted-page probability" },
	{ "compress-rate", "N", KIND_U64, FIELD(compress_rate), 0, 1000000, "200", NULL, "HDE pages/s, 0 = unpaced" },
	{ "migrations", "N", KIND_UINT, FIELD(migrations), 0, 10000, "3", NULL, "migrations over the run" },
	{ "migration-bytes", "N", KIND_U64, FIELD(migration_bytes), 16384, 1ull << 30, "4194304", NULL,
	  "large_vm image size, small_vm is a quarter" },
	{ "migration-failure-rate", "P", KIND_DOUBLE, FIELD(migration_failure_rate), 0, 1, "0", NULL,
	  "probability a migration's link drops" },
	{ "federation-interval-ms", "N", KIND_U64, FIELD(federation_interval_ms), 0, 3600000, "500", NULL,
	  "time between federation syncs, 0 = off" },
	{ "link-bytes-per-sec", "N", KIND_U64, FIELD(link_bytes_per_sec), 1, 1ull << 50, "125000000", NULL,
	  "link capacity, the bandwidth probe's available\nbytes/s" },
	{ "wan-bytes-per-sec", "N", KIND_U64, FIELD(wan_bytes_per_sec), 1, 1ull << 50, "12500000", NULL,
	  "inter-site path migrations are paced to" },
	{ "seed", "N", KIND_U64, FIELD(seed), 0, UINT64_MAX, "1", NULL, "seed of every random choice" },
	{ "stream-prefix", "S", KIND_TEXT, FIELD(stream_prefix), 0, SIM_MAX_PREFIX, "s", NULL,
	  "stream id prefix, ids are S<pid>-<worker>-<seq>" },
	{ "ledger", "FILE", KIND_TEXT, FIELD(ledger_path), 0, 4096, NULL, "Reporting",
	  "write the exact expected samples to FILE at the end" },
	{ "wait-for-tracer", "SEC", KIND_DOUBLE, FIELD(wait_for_tracer_s), 0, 86400, NULL, NULL,
	  "after the initial level probes, wait up to SEC seconds\n"
	  "until every probe is attached (exit 3 on timeout)" },
	{ "linger", NULL, KIND_TRUE, FIELD(linger), 0, 0, NULL, NULL,
	  "after the ledger is written, keep announcing levels\nuntil SIGINT/SIGTERM" },
	{ "quiet", NULL, KIND_TRUE, FIELD(quiet), 0, 0, NULL, NULL, "no summary line" },
	{ "version-string", "V", KIND_TEXT, FIELD(version), 0, MAX_LABEL, "1.0.0", NULL, "version probe: version" },
	{ "git-commit", "C", KIND_TEXT, FIELD(git_commit), 0, MAX_LABEL, "abc123def456", NULL,
	  "version probe: git commit" },
	{ "build-date", "D", KIND_TEXT, FIELD(build_date), 0, MAX_LABEL, "2025-11-08", NULL,
	  "version probe: build date" },
	{ "help", NULL, KIND_HELP, 0, 0, 0, NULL, NULL, "this text" },
};

#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))

static void usage(FILE *f)
{
	fputs("Usage: dwcp-sim [OPTION]...\n"
	      "A reference DWCP node: real multi-stream transfers over loopback TCP, real\n"
	      "zlib delta compression against baselines, migrations and federation syncs,\n"
	      "firing every USDT probe of usdt/dwcp.d (provider \"dwcp\").\n",
	      f);
	for (size_t i = 0; i < N_FLAGS; i++) {
		const struct flag *fl = &flags[i];
		const char *line = fl->help;
		char synopsis[64];

		if (fl->section)
			fprintf(f, "\n%s:\n", fl->section);
		snprintf(synopsis, sizeof(synopsis), "--%s%s%s", fl->name, fl->metavar ? " " : "",
			 fl->metavar ? fl->metavar : "");
		fprintf(f, "  %-28s", synopsis);
		for (;;) {
			const char *nl = strchr(line, '\n');
			int len = nl ? (int)(nl - line) : (int)strlen(line);

			fprintf(f, "%.*s", len, line);
			if (!nl)
				break;
			line = nl + 1;
			fprintf(f, "\n%30s", "");
		}
		if (fl->def)
			fprintf(f, " (default %s)", fl->def);
		fputc('\n', f);
	}
	fputs("\n"
	      "Examples:\n"
	      "  dwcp-sim --duration 5 --streams 8\n"
	      "  dwcp-sim --duration 0 --ledger /tmp/ledger.txt   # until Ctrl-C\n"
	      "  dwcp-sim --duration 3 --linger --ledger /tmp/l.txt  # levels stay until SIGTERM\n"
	      "  dwcp-sim --wait-for-tracer 10 --ledger /tmp/l.txt &\n"
	      "  bpftrace -e 'usdt:./build/dwcp-sim:dwcp:* { @[probe] = count(); }'\n"
	      "\n"
	      "Exit status: 0 done, 2 bad usage, 3 no tracer attached in time, 1 other errors.\n",
	      f);
}

static int bad(const char *flag, const char *want, const char *got)
{
	fprintf(stderr, "dwcp-sim: --%s: expected %s, got '%s' (see --help)\n", flag, want,
		got);
	return -1;
}

static int parse_u64(const char *flag, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char want[96];
	char *end;
	unsigned long long v;

	snprintf(want, sizeof(want), "an integer from %llu to %llu", (unsigned long long)min,
		 (unsigned long long)max);
	if (*s == '\0' || *s == '-' || *s == '+')
		return bad(flag, want, s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return bad(flag, want, s);
	*out = v;
	return 0;
}

static int parse_uint(const char *flag, const char *s, unsigned int min, unsigned int max,
		      unsigned int *out)
{
	uint64_t v;

	if (parse_u64(flag, s, min, max, &v) < 0)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static int parse_double(const char *flag, const char *s, double min, double max, double *out)
{
	char want[96];
	char *end;
	double v;

	snprintf(want, sizeof(want), "a number from %g to %g", min, max);
	if (*s == '\0')
		return bad(flag, want, s);
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end != '\0' || !isfinite(v) || v < min || v > max)
		return bad(flag, want, s);
	*out = v;
	return 0;
}

static int parse_text(const char *flag, const char *s, size_t max, const char **out)
{
	char want[64];

	snprintf(want, sizeof(want), "1 to %zu bytes of text", max);
	if (*s == '\0' || strlen(s) > max)
		return bad(flag, want, s);
	*out = s;
	return 0;
}

static int apply(struct sim_options *o, const struct flag *f, const char *arg)
{
	void *field = (char *)o + f->field;

	switch (f->kind) {
	case KIND_U64:
		return parse_u64(f->name, arg, (uint64_t)f->min, (uint64_t)f->max, field);
	case KIND_UINT:
		return parse_uint(f->name, arg, (unsigned int)f->min, (unsigned int)f->max, field);
	case KIND_DOUBLE:
		return parse_double(f->name, arg, (double)f->min, (double)f->max, field);
	case KIND_TEXT:
		return parse_text(f->name, arg, (size_t)f->max, field);
	case KIND_TRUE:
		*(bool *)field = true;
		return 0;
	case KIND_HELP:
		break;
	}
	return -1;
}

static void defaults(struct sim_options *o)
{
	*o = (struct sim_options){ 0 };
	for (size_t i = 0; i < N_FLAGS; i++) {
		if (flags[i].def && apply(o, &flags[i], flags[i].def) < 0)
			abort(); /* a default outside its own flag's range */
	}
}

enum options_result options_parse(int argc, char **argv, struct sim_options *o)
{
	static struct option long_options[N_FLAGS + 1];
	int opt;

	for (size_t i = 0; i < N_FLAGS; i++)
		long_options[i] = (struct option){ flags[i].name, flags[i].metavar ? required_argument : no_argument,
						   NULL, 256 + (int)i };
	defaults(o);
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		if (opt == 'h' || (opt >= 256 && flags[opt - 256].kind == KIND_HELP)) {
			usage(stdout);
			return OPTIONS_EXIT_OK;
		}
		if (opt == '?' || opt == ':') {
			if (optopt >= 256)
				fprintf(stderr, "dwcp-sim: %s: needs a value (see --help)\n",
					argv[optind - 1]);
			else
				fprintf(stderr, "dwcp-sim: unknown option '%s' (see --help)\n",
					argv[optind - 1]);
			return OPTIONS_BAD;
		}
		if (apply(o, &flags[opt - 256], optarg) < 0)
			return OPTIONS_BAD;
	}
	if (optind < argc) {
		fprintf(stderr, "dwcp-sim: unexpected argument '%s' (see --help)\n", argv[optind]);
		return OPTIONS_BAD;
	}
	return OPTIONS_OK;
}
