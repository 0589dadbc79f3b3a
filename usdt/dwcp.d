/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dwcp.d: the DWCP probe contract, provider "dwcp".
 *
 * The one source of truth for probe names and argument order. DWCP binaries
 * fire these through usdt/dwcp_probes.h; the BPF programs in bpf/, the
 * bpftrace scripts in usdt/bpftrace/ and external tooling depend on them.
 * tests/integration/test_probe_contract.py checks that the header and every
 * built binary agree with this file. Change a probe only by adding a new one.
 *
 * Types: strings are NUL-terminated (read with a 63-byte bound, longer values
 * are truncated), integers are 64 bits. No floats: fractions travel as fixed
 * point (efficiency in percent x 100, speedup factor x 1000).
 *
 * Added later, for callers that know a value only at the end (the seed's Go
 * API): op_duration (an operation timed by the caller, into the same
 * histogram as op_start/op_end) and migration_done (a migration whose
 * destination and DWCP flag are known at completion; its migration_start
 * may carry an empty dest_node). A migration ends with migration_end or
 * migration_done, never both.
 */
provider dwcp {
	/* AMST: adaptive multi-stream transport */
	probe stream_start(char *stream_id);
	probe stream_data(char *stream_id, uint64_t bytes_sent, uint64_t bytes_received);
	probe stream_error(char *stream_id, char *error_type);
	probe stream_end(char *stream_id, char *result);
	probe op_start(uint64_t op_id, char *operation);
	probe op_end(uint64_t op_id);
	probe op_duration(char *operation, uint64_t duration_ns);
	probe bandwidth(uint64_t used_bytes_per_sec, uint64_t available_bytes_per_sec);

	/* HDE: hierarchical delta encoding */
	probe compress(char *data_type, uint64_t original_bytes, uint64_t compressed_bytes, uint64_t delta_hit);
	probe decompress(uint64_t success);
	probe baseline(char *baseline_type, uint64_t count);
	probe dictionary(uint64_t efficiency_percent_x100);

	/* VM migration */
	probe migration_start(char *migration_id, char *dest_node, uint64_t dwcp_enabled);
	probe migration_end(char *migration_id, uint64_t success);
	probe migration_done(char *migration_id, char *dest_node, uint64_t dwcp_enabled, uint64_t success);
	probe speedup(char *vm_type, uint64_t factor_x1000);

	/* Federation */
	probe federation_sync(char *remote_cluster, char *sync_type, uint64_t duration_ns);
	probe bandwidth_saved(char *remote_cluster, uint64_t bytes);

	/* System */
	probe health(char *component, uint64_t state);
	probe feature(char *feature, uint64_t enabled);
	probe version(char *version, char *git_commit, char *build_date);
};
