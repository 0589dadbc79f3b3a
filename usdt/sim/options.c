// SPDX-License-Identifier: Apache-2.0
/* options.c: see options.h. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest text a probe carries (the tracer reads 63 bytes). */
#define MAX_LABEL 63

enum {
	OPT_DURATION = 256,
	OPT_STREAMS,
	OPT_CHUNK_BYTES,
	OPT_STREAM_BYTES,
	OPT_RATE,
	OPT_ERROR_RATE,
	OPT_ERROR_BURST_MS,
	OPT_DECOMPRESS_FAILURE_RATE,
	OPT_COMPRESS_RATE,
	OPT_MIGRATIONS,
	OPT_MIGRATION_BYTES,
	OPT_MIGRATION_FAILURE_RATE,
	OPT_FEDERATION_INTERVAL_MS,
	OPT_LINK_BYTES_PER_SEC,
	OPT_WAN_BYTES_PER_SEC,
	OPT_SEED,
	OPT_STREAM_PREFIX,
	OPT_LEDGER,
	OPT_WAIT_FOR_TRACER,
	OPT_LINGER,
	OPT_QUIET,
	OPT_VERSION_STRING,
	OPT_GIT_COMMIT,
	OPT_BUILD_DATE,
	OPT_HELP,
};

static const struct option long_options[] = {
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "streams", required_argument, NULL, OPT_STREAMS },
	{ "chunk-bytes", required_argument, NULL, OPT_CHUNK_BYTES },
	{ "stream-bytes", required_argument, NULL, OPT_STREAM_BYTES },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "error-rate", required_argument, NULL, OPT_ERROR_RATE },
	{ "error-burst-ms", required_argument, NULL, OPT_ERROR_BURST_MS },
	{ "decompress-failure-rate", required_argument, NULL, OPT_DECOMPRESS_FAILURE_RATE },
	{ "compress-rate", required_argument, NULL, OPT_COMPRESS_RATE },
	{ "migrations", required_argument, NULL, OPT_MIGRATIONS },
	{ "migration-bytes", required_argument, NULL, OPT_MIGRATION_BYTES },
	{ "migration-failure-rate", required_argument, NULL, OPT_MIGRATION_FAILURE_RATE },
	{ "federation-interval-ms", required_argument, NULL, OPT_FEDERATION_INTERVAL_MS },
	{ "link-bytes-per-sec", required_argument, NULL, OPT_LINK_BYTES_PER_SEC },
	{ "wan-bytes-per-sec", required_argument, NULL, OPT_WAN_BYTES_PER_SEC },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "stream-prefix", required_argument, NULL, OPT_STREAM_PREFIX },
	{ "ledger", required_argument, NULL, OPT_LEDGER },
	{ "wait-for-tracer", required_argument, NULL, OPT_WAIT_FOR_TRACER },
	{ "linger", no_argument, NULL, OPT_LINGER },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "version-string", required_argument, NULL, OPT_VERSION_STRING },
	{ "git-commit", required_argument, NULL, OPT_GIT_COMMIT },
	{ "build-date", required_argument, NULL, OPT_BUILD_DATE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fputs("Usage: dwcp-sim [OPTION]...\n"
	      "A reference DWCP node: real multi-stream transfers over loopback TCP, real\n"
	      "zlib delta compression against baselines, migrations and federation syncs,\n"
	      "firing every USDT probe of usdt/dwcp.d (provider \"dwcp\").\n"
	      "\n"
	      "Workload:\n"
	      "  --duration SEC              run time, 0 = until SIGINT/SIGTERM (default 10)\n"
	      "  --streams N                 parallel AMST stream workers (default 4)\n"
	      "  --chunk-bytes N             bytes per chunk (default 16384)\n"
	      "  --stream-bytes N            payload bytes before a stream ends (default 1048576)\n"
	      "  --rate N                    chunks/s per stream, 0 = unpaced (default 200)\n"
	      "  --error-rate P              injected stream error probability per chunk (default 0.02)\n"
	      "  --error-burst-ms N          one burst of 10x errors per run, 0 = none (default 500)\n"
	      "  --decompress-failure-rate P corrupted-page probability (default 0.01)\n"
	      "  --compress-rate N           HDE pages/s, 0 = unpaced (default 200)\n"
	      "  --migrations N              migrations over the run (default 3)\n"
	      "  --migration-bytes N         large_vm image size, small_vm is a quarter (default 4194304)\n"
	      "  --migration-failure-rate P  probability a migration's link drops (default 0)\n"
	      "  --federation-interval-ms N  time between federation syncs, 0 = off (default 500)\n"
	      "  --link-bytes-per-sec N      link capacity, the bandwidth probe's available\n"
	      "                              bytes/s (default 125000000)\n"
	      "  --wan-bytes-per-sec N       inter-site path migrations are paced to (default 12500000)\n"
	      "  --seed N                    seed of every random choice (default 1)\n"
	      "  --stream-prefix S           stream id prefix, ids are S<pid>-<worker>-<seq> (default s)\n"
	      "\n"
	      "Reporting:\n"
	      "  --ledger FILE               write the exact expected samples to FILE at the end\n"
	      "  --wait-for-tracer SEC       after the initial level probes, wait up to SEC seconds\n"
	      "                              until every probe is attached (exit 3 on timeout)\n"
	      "  --linger                    after the ledger is written, keep announcing levels\n"
	      "                              until SIGINT/SIGTERM\n"
	      "  --quiet                     no summary line\n"
	      "  --version-string V          version probe: version (default 1.0.0)\n"
	      "  --git-commit C              version probe: git commit (default abc123def456)\n"
	      "  --build-date D              version probe: build date (default 2025-11-08)\n"
	      "  --help                      this text\n"
	      "\n"
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

static void defaults(struct sim_options *o)
{
	*o = (struct sim_options){
		.duration_s = 10,
		.streams = 4,
		.chunk_bytes = 16384,
		.stream_bytes = 1048576,
		.rate = 200,
		.error_rate = 0.02,
		.error_burst_ms = 500,
		.decompress_failure_rate = 0.01,
		.compress_rate = 200,
		.migrations = 3,
		.migration_bytes = 4194304,
		.migration_failure_rate = 0,
		.federation_interval_ms = 500,
		.link_bytes_per_sec = 125000000,
		.wan_bytes_per_sec = 12500000,
		.seed = 1,
		.stream_prefix = "s",
		.ledger_path = NULL,
		.wait_for_tracer_s = 0,
		.version = "1.0.0",
		.git_commit = "abc123def456",
		.build_date = "2025-11-08",
	};
}

static int apply(struct sim_options *o, int opt, const char *arg)
{
	switch (opt) {
	case OPT_DURATION:
		return parse_double("duration", arg, 0, 1e7, &o->duration_s);
	case OPT_STREAMS:
		return parse_uint("streams", arg, 0, SIM_MAX_STREAMS, &o->streams);
	case OPT_CHUNK_BYTES:
		return parse_u64("chunk-bytes", arg, 1, 16u << 20, &o->chunk_bytes);
	case OPT_STREAM_BYTES:
		return parse_u64("stream-bytes", arg, 1, 1ull << 40, &o->stream_bytes);
	case OPT_RATE:
		return parse_u64("rate", arg, 0, 1000000, &o->rate);
	case OPT_ERROR_RATE:
		return parse_double("error-rate", arg, 0, 1, &o->error_rate);
	case OPT_ERROR_BURST_MS:
		return parse_u64("error-burst-ms", arg, 0, 3600000, &o->error_burst_ms);
	case OPT_DECOMPRESS_FAILURE_RATE:
		return parse_double("decompress-failure-rate", arg, 0, 1,
				    &o->decompress_failure_rate);
	case OPT_COMPRESS_RATE:
		return parse_u64("compress-rate", arg, 0, 1000000, &o->compress_rate);
	case OPT_MIGRATIONS:
		return parse_uint("migrations", arg, 0, 10000, &o->migrations);
	case OPT_MIGRATION_BYTES:
		return parse_u64("migration-bytes", arg, 16384, 1ull << 30, &o->migration_bytes);
	case OPT_MIGRATION_FAILURE_RATE:
		return parse_double("migration-failure-rate", arg, 0, 1,
				    &o->migration_failure_rate);
	case OPT_FEDERATION_INTERVAL_MS:
		return parse_u64("federation-interval-ms", arg, 0, 3600000,
				 &o->federation_interval_ms);
	case OPT_LINK_BYTES_PER_SEC:
		return parse_u64("link-bytes-per-sec", arg, 1, 1ull << 50, &o->link_bytes_per_sec);
	case OPT_WAN_BYTES_PER_SEC:
		return parse_u64("wan-bytes-per-sec", arg, 1, 1ull << 50, &o->wan_bytes_per_sec);
	case OPT_SEED:
		return parse_u64("seed", arg, 0, UINT64_MAX, &o->seed);
	case OPT_STREAM_PREFIX:
		return parse_text("stream-prefix", arg, SIM_MAX_PREFIX, &o->stream_prefix);
	case OPT_LEDGER:
		return parse_text("ledger", arg, 4096, &o->ledger_path);
	case OPT_WAIT_FOR_TRACER:
		return parse_double("wait-for-tracer", arg, 0, 86400, &o->wait_for_tracer_s);
	case OPT_LINGER:
		o->linger = true;
		return 0;
	case OPT_QUIET:
		o->quiet = true;
		return 0;
	case OPT_VERSION_STRING:
		return parse_text("version-string", arg, MAX_LABEL, &o->version);
	case OPT_GIT_COMMIT:
		return parse_text("git-commit", arg, MAX_LABEL, &o->git_commit);
	case OPT_BUILD_DATE:
		return parse_text("build-date", arg, MAX_LABEL, &o->build_date);
	}
	return -1;
}

enum options_result options_parse(int argc, char **argv, struct sim_options *o)
{
	int opt;

	defaults(o);
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		if (opt == 'h' || opt == OPT_HELP) {
			usage(stdout);
			return OPTIONS_EXIT_OK;
		}
		if (opt == '?' || opt == ':') {
			if (optopt >= OPT_DURATION)
				fprintf(stderr, "dwcp-sim: %s: needs a value (see --help)\n",
					argv[optind - 1]);
			else
				fprintf(stderr, "dwcp-sim: unknown option '%s' (see --help)\n",
					argv[optind - 1]);
			return OPTIONS_BAD;
		}
		if (apply(o, opt, optarg) < 0)
			return OPTIONS_BAD;
	}
	if (optind < argc) {
		fprintf(stderr, "dwcp-sim: unexpected argument '%s' (see --help)\n", argv[optind]);
		return OPTIONS_BAD;
	}
	return OPTIONS_OK;
}
