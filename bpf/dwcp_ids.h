/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * dwcp_ids.h: every probe and every map the exporter counts by, in one table
 * each, for the BPF programs and the exporter alike.
 *
 * What it offers
 *   - DWCP_PROBES(X): one row per probe of usdt/dwcp.d, in its order:
 *     X(name, NAME, nargs, id). name is the probe (and its BPF program's
 *     name), NAME the suffix of its enum dwcp_probe_id constant, nargs its
 *     argument count, id its index in the per-probe arrays.
 *   - DWCP_MAPS(X): one row per map whose insertions can fail because it is
 *     full: X(NAME, name, area). NAME is the suffix of its enum dwcp_map_id
 *     constant, name the map in bpf/<area>.bpf.c (its BPF name, its skeleton
 *     field, its map="" label), area the BPF object (and skeleton) holding it.
 *   - enum dwcp_probe_id and enum dwcp_map_id, made from the rows.
 *
 * An id is the index of a probe (or map) in the "bad_args" ("map_full")
 * arrays, which are pinned and outlive a build: a probe keeps its id when
 * probes are added, so it is written in the row rather than taken from the
 * row's place. New probes take the next free id. The ids are a permutation
 * of 0..DWCP_PROBE_COUNT-1: the exporter's name table (base/dwcp_names.c)
 * fails to compile on a duplicate or one out of range.
 *
 * Checked at build time (tests/structure/check_ids.py, run by make before
 * anything is compiled): the probes are those of usdt/dwcp.d, in its order
 * with its argument counts, and DWCP_FOR_EACH_PROBE of usdt/dwcp_probes.h is
 * generated from them. A map row that names no map of its area's skeleton
 * fails to compile (probes/bpf_programs.c).
 */
#ifndef DWCP_IDS_H
#define DWCP_IDS_H

#define DWCP_PROBES(X)                                                         \
	X(stream_start, STREAM_START, 1, 0)                                    \
	X(stream_data, STREAM_DATA, 3, 1)                                      \
	X(stream_error, STREAM_ERROR, 2, 2)                                    \
	X(stream_end, STREAM_END, 2, 3)                                        \
	X(op_start, OP_START, 2, 4)                                            \
	X(op_end, OP_END, 1, 5)                                                \
	X(op_duration, OP_DURATION, 2, 19)                                     \
	X(bandwidth, BANDWIDTH, 2, 6)                                          \
	X(compress, COMPRESS, 4, 7)                                            \
	X(decompress, DECOMPRESS, 1, 8)                                        \
	X(baseline, BASELINE, 2, 9)                                            \
	X(dictionary, DICTIONARY, 1, 10)                                       \
	X(migration_start, MIGRATION_START, 3, 11)                             \
	X(migration_end, MIGRATION_END, 2, 12)                                 \
	X(migration_done, MIGRATION_DONE, 4, 20)                               \
	X(speedup, SPEEDUP, 2, 13)                                             \
	X(federation_sync, FEDERATION_SYNC, 3, 14)                             \
	X(bandwidth_saved, BANDWIDTH_SAVED, 2, 15)                             \
	X(health, HEALTH, 2, 16)                                               \
	X(feature, FEATURE, 2, 17)                                             \
	X(version, VERSION, 3, 18)

#define DWCP_MAPS(X)                                                           \
	X(STREAMS, streams, amst)                                              \
	X(STREAM_RESULTS, stream_results, amst)                                \
	X(STREAM_ERRORS, stream_errors, amst)                                  \
	X(OPS_INFLIGHT, ops_inflight, amst)                                    \
	X(OP_LATENCY, op_latency, amst)                                        \
	X(BANDWIDTH, bandwidth_levels, amst)                                   \
	X(HDE_BY_TYPE, hde_by_type, hde)                                       \
	X(BASELINES, baselines, hde)                                           \
	X(DICTIONARY, dictionary_levels, hde)                                  \
	X(MIGRATIONS_INFLIGHT, migrations_inflight, migration)                 \
	X(MIGRATION_DURATION, migration_outcomes, migration)                   \
	X(SPEEDUP, speedups, migration)                                        \
	X(FEDERATION_SYNC, sync_durations, federation)                         \
	X(BANDWIDTH_SAVED, bandwidth_saved_bytes, federation)                  \
	X(HEALTH, health_levels, system)                                       \
	X(FEATURES, feature_levels, system)                                    \
	X(VERSIONS, versions, system)

#define DWCP_X_PROBE_ID(name, NAME, nargs, id) DWCP_PROBE_##NAME = (id),
#define DWCP_X_ONE(...) +1
enum dwcp_probe_id {
	DWCP_PROBES(DWCP_X_PROBE_ID)
	DWCP_PROBE_COUNT = 0 DWCP_PROBES(DWCP_X_ONE),
};

/* Maps have no other order: a map's id is its row. */
#define DWCP_X_MAP_ID(NAME, name, area) DWCP_MAP_##NAME,
enum dwcp_map_id {
	DWCP_MAPS(DWCP_X_MAP_ID)
	DWCP_MAP_COUNT,
};
#undef DWCP_X_PROBE_ID
#undef DWCP_X_MAP_ID
#undef DWCP_X_ONE

#endif /* DWCP_IDS_H */
