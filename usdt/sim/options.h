/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options.h: dwcp-sim's command line.
 *
 * What it offers
 *   - struct sim_options with every flag's value (defaults filled in).
 *   - options_parse(): getopt_long over one table of flags (options.c: each
 *     flag's name, range, default and help once); --help prints usage.
 *     Returns OPTIONS_OK, OPTIONS_EXIT_OK (help printed) or OPTIONS_BAD (a
 *     message naming the flag was printed; exit with status 2).
 */
#ifndef DWCP_SIM_OPTIONS_H
#define DWCP_SIM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#define SIM_MAX_STREAMS 256
#define SIM_MAX_PREFIX 32

struct sim_options {
	double duration_s; /* 0: until SIGINT/SIGTERM */
	unsigned int streams;
	uint64_t chunk_bytes;
	uint64_t stream_bytes;
	uint64_t rate; /* chunks/s per stream, 0: as fast as possible */
	double error_rate;
	uint64_t error_burst_ms; /* one burst of 10x errors per run, 0: none */
	double decompress_failure_rate;
	uint64_t compress_rate; /* pages/s, 0: as fast as possible */
	unsigned int migrations;
	uint64_t migration_bytes;
	double migration_failure_rate;
	uint64_t federation_interval_ms; /* 0: federation disabled */
	uint64_t link_bytes_per_sec;
	uint64_t wan_bytes_per_sec; /* paces migrations */
	uint64_t seed;
	const char *stream_prefix;
	const char *ledger_path; /* NULL: no ledger */
	double wait_for_tracer_s; /* 0: do not wait */
	bool linger;
	bool quiet;
	const char *version;
	const char *git_commit;
	const char *build_date;
};

enum options_result {
	OPTIONS_OK,
	OPTIONS_EXIT_OK,
	OPTIONS_BAD,
};

enum options_result options_parse(int argc, char **argv, struct sim_options *o);

#endif /* DWCP_SIM_OPTIONS_H */
