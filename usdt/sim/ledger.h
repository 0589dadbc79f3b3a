/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ledger.h: the only way dwcp-sim fires a probe, and the record of it.
 *
 * What it offers
 *   - One function per probe of usdt/dwcp.d (ledger_<probe>) that fires the
 *     probe AND accounts for it, under one lock, so the order in which
 *     probes fire is the order in which they are recorded: the last value of
 *     a level probe in the ledger is the last value a tracer saw.
 *   - ledger_reannounce(): fires every level probe again with its last value
 *     (for tracers that attach late); levels do not change.
 *   - ledger_write(): (rendered by ledger_render.c) the exact samples an exporter attached since the first
 *     event probe must show (without cluster/node labels), sorted, preceded by
 *     "# fired <probe> <count>" lines, written atomically.
 *   - ledger_get_summary(): totals for the one-line summary.
 *
 * Strings are copied into 64-byte labels, the same 63-byte bound the BPF side
 * reads with. Thread-safe.
 */
#ifndef DWCP_SIM_LEDGER_H
#define DWCP_SIM_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

int ledger_init(void);
void ledger_free(void);

/* AMST. A stream is a handle returned by ledger_stream_start(). */
int ledger_stream_start(const char *stream_id);
void ledger_stream_data(int stream, uint64_t bytes_sent, uint64_t bytes_received);
void ledger_stream_error(int stream, const char *error_type);
void ledger_stream_end(int stream, const char *result);

struct ledger_op {
	uint64_t id;
	const char *operation; /* a string literal */
};
/* Takes a process-unique op_id. */
struct ledger_op ledger_op_start(const char *operation);
void ledger_op_end(struct ledger_op op);
/* An operation the sim timed itself (op_duration). */
void ledger_op_duration(const char *operation, uint64_t duration_ns);
void ledger_bandwidth(uint64_t used_bytes_per_sec, uint64_t available_bytes_per_sec);

/* HDE */
void ledger_compress(const char *data_type, uint64_t original_bytes,
		     uint64_t compressed_bytes, bool delta_hit);
void ledger_decompress(bool success);
void ledger_baseline(const char *baseline_type, uint64_t count);
void ledger_dictionary(uint64_t efficiency_percent_x100);

/* Migration */
struct ledger_migration {
	char id[64];
	char dest_node[64];
	bool dwcp_enabled;
};
struct ledger_migration ledger_migration_start(const char *migration_id,
					       const char *dest_node, bool dwcp_enabled);
void ledger_migration_end(const struct ledger_migration *m, bool success);
/* Ends m the seed's way: destination and flag known only now (m was started
 * with an empty dest_node). */
void ledger_migration_done(const struct ledger_migration *m, const char *dest_node, bool dwcp_enabled,
			   bool success);
void ledger_speedup(const char *vm_type, uint64_t factor_x1000);

/* Federation */
void ledger_federation_sync(const char *remote_cluster, const char *sync_type,
			    uint64_t duration_ns);
void ledger_bandwidth_saved(const char *remote_cluster, uint64_t bytes);

/* System */
void ledger_health(const char *component, uint64_t state);
void ledger_feature(const char *feature, bool enabled);
void ledger_version(const char *version, const char *git_commit, const char *build_date);

void ledger_reannounce(void);

/* 0 or a negative errno. */
int ledger_write(const char *path);

struct ledger_summary {
	uint64_t streams_started, streams_success, streams_error, streams_cancelled;
	uint64_t bytes_sent, bytes_received, stream_errors;
	uint64_t compress_ops, delta_hits, bytes_original, bytes_compressed;
	uint64_t decompress_failures;
	uint64_t migrations_ok, migrations_failed, federation_syncs;
	uint64_t fired_total;
};
void ledger_get_summary(struct ledger_summary *s);

#endif /* DWCP_SIM_LEDGER_H */
