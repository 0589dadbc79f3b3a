/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ledger_state.h: the ledger's tables, as the recorder (ledger.c) fills them
 * and the renderer (ledger_render.c) reads them.
 *
 * What it offers
 *   - struct ledger_state: every count, level and histogram the ledger keeps,
 *     and how many times each probe fired (indexed by enum ledger_probe, the
 *     order of usdt/dwcp.d).
 *   - struct ledger_table and LEDGER_AT(): a small table of entries that start
 *     with a struct ledger_key (equal labels give equal bytes).
 *   - The bucket bounds of the histograms the sim observes itself.
 *
 * Not thread-safe by itself: ledger.c holds its lock around every use.
 */
#ifndef DWCP_SIM_LEDGER_STATE_H
#define DWCP_SIM_LEDGER_STATE_H

#include "dwcp_probes.h" /* first: it enables the USDT semaphores */

#include "histogram.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The same 63-byte bound (and a NUL) the BPF side reads labels with. */
#define LEDGER_LABEL_LEN 64
/* dwcp-sim's label values come from fixed lists; more than this is a bug. */
#define LEDGER_TABLE_MAX 32

enum ledger_probe {
#define X_INDEX(name, nargs) P_##name,
	DWCP_FOR_EACH_PROBE(X_INDEX)
#undef X_INDEX
	P_COUNT
};

/* Every table entry starts with its key. */
struct ledger_key {
	char a[LEDGER_LABEL_LEN];
	char b[LEDGER_LABEL_LEN];
	uint64_t c;
};

struct ledger_counted {
	struct ledger_key k;
	uint64_t n;
};

struct ledger_level {
	struct ledger_key k;
	uint64_t value;
};

struct ledger_hde_type {
	struct ledger_key k;
	uint64_t original, compressed, ops;
	uint64_t buckets[DWCP_COMPRESSION_NBOUNDS + 1];
	uint64_t sum_milli, count;
};

struct ledger_migration_outcome {
	struct ledger_key k; /* a: dest_node, c: dwcp_enabled */
	uint64_t ok, failed;
};

/* A histogram of nanoseconds the sim measured itself (federation syncs,
 * op_duration operations), so the ledger knows every bucket and the sum. */
struct ledger_timed {
	struct ledger_key k; /* a, b: the labels */
	uint64_t buckets[DWCP_HIST_MAX_BOUNDS + 1];
	uint64_t sum_ns, count;
};

/* One observation the sim made itself, in the raw unit (nanoseconds, ratio
 * x 1000): the ledger lists them so that a test can compute exact
 * quantiles. */
struct ledger_value {
	const char *family;
	char a[LEDGER_LABEL_LEN];
	char b[LEDGER_LABEL_LEN];
	uint64_t raw;
};

struct ledger_stream {
	char id[LEDGER_LABEL_LEN];
	uint64_t sent, received;
};

struct ledger_table {
	void *base;
	size_t elem, n;
};

#define LEDGER_AT(t, i) ((void *)((char *)(t)->base + (i) * (t)->elem))

struct ledger_state {
	uint64_t fired[P_COUNT];

	struct ledger_stream *streams;
	size_t nstreams, cap;
	uint64_t streams_ended;
	struct ledger_table results, errors, ops_ended, timed_ops;
	bool bw_set;
	uint64_t bw_used, bw_available;

	struct ledger_table hde, baselines;
	uint64_t compress_ops, delta_hits, decompress_ok, decompress_failed;
	bool dict_set;
	uint64_t dict;

	struct ledger_table migrations, speedups;
	struct ledger_table fed, saved;

	struct ledger_table health, features;
	bool version_set;
	char version[3][LEDGER_LABEL_LEN];

	struct ledger_value *values;
	size_t nvalues, values_cap;
};

extern const char *const ledger_probe_names[P_COUNT];
extern const __u64 ledger_compression_bounds[DWCP_COMPRESSION_NBOUNDS];
extern const __u64 ledger_federation_bounds[DWCP_FEDERATION_SYNC_NBOUNDS];
extern const __u64 ledger_op_latency_bounds[DWCP_OP_LATENCY_NBOUNDS];

#endif /* DWCP_SIM_LEDGER_STATE_H */
