/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * dwcp_maps.h: what the BPF programs keep in their maps, shared with the
 * exporter that reads them.
 *
 * What it offers
 *   - Key and value layouts of every map in bpf/<area>.bpf.c.
 *   - The diagnostic-reason identifiers behind the exporter's self-metrics
 *     (bad probe arguments); the probe and map ones are in dwcp_ids.h.
 *   - Default map sizes (the exporter may raise them before load).
 *
 * Conventions
 *   - Labels are fixed 64-byte NUL-padded strings (63 bytes of text). Keys are
 *     zeroed before a string is read into them, so equal text means equal keys.
 *   - Maps whose entries belong to one DWCP process start their key with that
 *     process's tgid (struct dwcp_proc_key), so the exporter can remove
 *     the entries of a process that exited without knowing the map's layout.
 *   - Counters live in per-CPU maps and are summed by the exporter: exact,
 *     with no contention between CPUs on the probe path (the adds are
 *     atomic all the same, against preemption: see dwcp_common.bpf.h).
 */
#ifndef DWCP_MAPS_H
#define DWCP_MAPS_H

#include "dwcp_ids.h"
#include "histogram.h"

#define DWCP_LABEL_LEN 64

/* Label text used when a probe's string argument cannot be read. */
#define DWCP_LABEL_UNREADABLE "(unreadable)"

/* ---- identifiers for self-metrics (probes and maps: dwcp_ids.h) ---- */
/* Why a probe's arguments were not taken as they came. */
enum dwcp_bad_arg_reason {
	DWCP_BAD_UNREADABLE_STRING, /* NULL or unmapped pointer: label "(unreadable)" */
	DWCP_BAD_TRUNCATED_STRING,  /* longer than 63 bytes: label truncated */
	DWCP_BAD_OUT_OF_RANGE,      /* a number outside its documented range */
	DWCP_BAD_UNMATCHED_END,     /* an end probe with no start seen */
	DWCP_BAD_REASON_COUNT,
};

/* Index into each object's per-CPU "bad_args" array. */
#define DWCP_BAD_ARG_INDEX(probe, reason) ((probe) * DWCP_BAD_REASON_COUNT + (reason))
#define DWCP_BAD_ARG_SLOTS (DWCP_PROBE_COUNT * DWCP_BAD_REASON_COUNT)

/* ---- default map sizes ---- */
#define DWCP_MAX_STREAMS 16384        /* active + ended-in-grace streams */
#define DWCP_MAX_LABELS 1024          /* distinct values of one label */
#define DWCP_MAX_INFLIGHT_OPS 65536   /* in-flight op_start without op_end */
#define DWCP_MAX_INFLIGHT_MIGRATIONS 4096
#define DWCP_MAX_PROCS 1024           /* DWCP processes on one node */
#define DWCP_MAX_PROC_LABELS 8192     /* (process, label) pairs of level maps */

/* ---- keys ---- */
struct dwcp_label_key {
	char label[DWCP_LABEL_LEN];
};

struct dwcp_proc_key {
	__u32 tgid;
	__u32 pad;
};

struct dwcp_proc_label_key {
	__u32 tgid;
	__u32 pad;
	char label[DWCP_LABEL_LEN];
};

struct dwcp_op_key {
	__u32 tgid;
	__u32 pad;
	__u64 op_id;
};

/* A stream of one process: a hash of its id, not the id (which is in the
 * value), so that the hot stream_data lookup hashes and compares 16 bytes,
 * not 72. Ids whose hashes collide take the next probe (0, 1, ...). */
struct dwcp_stream_key {
	__u32 tgid;
	__u32 probe;
	__u64 id_hash;
};

struct dwcp_two_label_key {
	char first[DWCP_LABEL_LEN];
	char second[DWCP_LABEL_LEN];
};

struct dwcp_migration_outcome_key {
	char dest_node[DWCP_LABEL_LEN];
	__u32 dwcp_enabled; /* 0/1 */
	__u32 success;      /* 0/1 */
};

/* ---- values ---- */

/* One stream of one process (key struct dwcp_stream_key). end_ns != 0 once
 * stream_end fired: the exporter keeps showing it for the grace period, then
 * deletes it. start_seen is 1 when the entry was made by stream_start (0:
 * tracked from a stream_data that came first, so start_ns is not the
 * stream's start); only then is the lifetime observed as
 * DWCP_OP_STREAM_DURATION. stream_id is the label, as in a label key. */
struct dwcp_stream {
	__u64 bytes_sent;
	__u64 bytes_received;
	__u64 start_ns;
	__u64 end_ns;
	__u64 start_seen;
	char stream_id[DWCP_LABEL_LEN];
};

/* How many ids whose hashes collide one process can track at once. */
#define DWCP_STREAM_PROBES 4

/* The operation label under which stream_end observes a stream's lifetime
 * (stream_start to stream_end) in the op_latency histogram, as the seed's
 * dwcp_amst_latency_seconds{operation="stream_duration"}. */
#define DWCP_OP_STREAM_DURATION "stream_duration"

struct dwcp_op {
	__u64 start_ns;
	char operation[DWCP_LABEL_LEN];
};

struct dwcp_migration {
	__u64 start_ns;
	__u32 dwcp_enabled;
	__u32 pad;
	char dest_node[DWCP_LABEL_LEN];
};

/* The last value a level probe reported, and when (bpf_ktime_get_ns). */
struct dwcp_level {
	__u64 value;
	__u64 updated_ns;
};

struct dwcp_bandwidth {
	__u64 used_bytes_per_sec;
	__u64 available_bytes_per_sec;
	__u64 updated_ns;
};

struct dwcp_version {
	char version[DWCP_LABEL_LEN];
	char git_commit[DWCP_LABEL_LEN];
	char build_date[DWCP_LABEL_LEN];
	__u64 updated_ns;
};

/* HDE per data type: one compress probe updates all of it. */
struct dwcp_hde_type_stats {
	struct dwcp_hist ratio;     /* ratio x 1000 */
	__u64 bytes_original;
	__u64 bytes_compressed;
	__u64 compress_ops;
	__u64 delta_hits;
};

/* Indices of the AMST per-CPU "amst_totals" array. */
enum dwcp_amst_total {
	DWCP_AMST_BYTES_SENT,     /* every stream, tracked in "streams" or not */
	DWCP_AMST_BYTES_RECEIVED,
	DWCP_AMST_STREAMS_STARTED,
	DWCP_AMST_TOTAL_COUNT,
};

/* Indices of each object's per-CPU "cpu_runs" array. */
enum dwcp_cpu_run {
	DWCP_RUNS_UNUSED,    /* was: runs in progress (the array keeps its size,
			      * so pinned maps of earlier builds still fit) */
	DWCP_RUNS_PREEMPTED, /* runs preempted mid-run (dwcp_common.bpf.h) */
	DWCP_RUNS_COUNT,
};

/* Indices of the HDE per-CPU "decompress_results" array. */
enum dwcp_decompress_result {
	DWCP_DECOMPRESS_FAILURE,
	DWCP_DECOMPRESS_SUCCESS,
	DWCP_DECOMPRESS_RESULT_COUNT,
};

/* Range limits past which a numeric argument counts as out of range. */
#define DWCP_MAX_BYTES_PER_EVENT (1ull << 50)   /* 1 PiB in one probe call */
#define DWCP_MAX_DICTIONARY_EFFICIENCY 10000ull /* percent x 100 */
#define DWCP_MAX_HEALTH_STATE 2ull

#endif /* DWCP_MAPS_H */
