// SPDX-License-Identifier: Apache-2.0
#include "collect/map_layouts.h"

#include <stddef.h>

#define WORDS(type) (sizeof(type) / sizeof(__u64))

/* A per-CPU label -> counter map (DWCP_LABEL_COUNTER_MAP). */
#define LABEL_COUNTER(map_name)                                                                         \
	{ .name = map_name, .key_size = sizeof(struct dwcp_label_key), .value_size = sizeof(__u64),     \
	  .percpu = true, .label_size = DWCP_LABEL_LEN, .value_words = 1 }

/* A (process, label) -> struct dwcp_level map (DWCP_PROC_LEVEL_MAP). */
#define PROC_LEVEL(map_name)                                                                            \
	{ .name = map_name, .key_size = sizeof(struct dwcp_proc_label_key),                             \
	  .value_size = sizeof(struct dwcp_level), .per_process = true,                                 \
	  .time_offset = offsetof(struct dwcp_level, updated_ns),                                       \
	  .label_offset = offsetof(struct dwcp_proc_label_key, label), .label_size = DWCP_LABEL_LEN,    \
	  .value_words = WORDS(struct dwcp_level) }

static const struct map_layout layouts[DWCP_MAP_COUNT] = {
	/* the series key is the stream id in the value (collect_amst.c) */
	[DWCP_MAP_STREAMS] = { .name = "streams", .key_size = sizeof(struct dwcp_stream_key),
			       .value_size = sizeof(struct dwcp_stream), .per_process = true,
			       .time_offset = offsetof(struct dwcp_stream, start_ns) },
	[DWCP_MAP_STREAM_RESULTS] = LABEL_COUNTER("stream_results"),
	[DWCP_MAP_STREAM_ERRORS] = LABEL_COUNTER("stream_errors"),
	[DWCP_MAP_OPS_INFLIGHT] = { .name = "ops_inflight", .key_size = sizeof(struct dwcp_op_key),
				    .value_size = sizeof(struct dwcp_op), .per_process = true,
				    .time_offset = offsetof(struct dwcp_op, start_ns) },
	[DWCP_MAP_OP_LATENCY] = { .name = "op_latency", .key_size = sizeof(struct dwcp_label_key),
				  .value_size = sizeof(struct dwcp_hist), .percpu = true,
				  .label_size = DWCP_LABEL_LEN, .value_words = WORDS(struct dwcp_hist) },
	/* one entry per process, folded into one series */
	[DWCP_MAP_BANDWIDTH] = { .name = "bandwidth_levels", .key_size = sizeof(struct dwcp_proc_key),
				 .value_size = sizeof(struct dwcp_bandwidth), .per_process = true,
				 .time_offset = offsetof(struct dwcp_bandwidth, updated_ns),
				 .value_words = WORDS(struct dwcp_bandwidth) },
	[DWCP_MAP_HDE_BY_TYPE] = { .name = "hde_by_type", .key_size = sizeof(struct dwcp_label_key),
				   .value_size = sizeof(struct dwcp_hde_type_stats), .percpu = true,
				   .label_size = DWCP_LABEL_LEN, .value_words = WORDS(struct dwcp_hde_type_stats) },
	[DWCP_MAP_BASELINES] = PROC_LEVEL("baselines"),
	[DWCP_MAP_DICTIONARY] = { .name = "dictionary_levels", .key_size = sizeof(struct dwcp_proc_key),
				  .value_size = sizeof(struct dwcp_level), .per_process = true,
				  .time_offset = offsetof(struct dwcp_level, updated_ns),
				  .value_words = WORDS(struct dwcp_level) },
	[DWCP_MAP_MIGRATIONS_INFLIGHT] = { .name = "migrations_inflight",
					   .key_size = sizeof(struct dwcp_proc_label_key),
					   .value_size = sizeof(struct dwcp_migration), .per_process = true,
					   .time_offset = offsetof(struct dwcp_migration, start_ns) },
	/* dest_node, dwcp_enabled and success together name a series */
	[DWCP_MAP_MIGRATION_DURATION] = { .name = "migration_outcomes",
					  .key_size = sizeof(struct dwcp_migration_outcome_key),
					  .value_size = sizeof(struct dwcp_hist), .percpu = true,
					  .label_size = sizeof(struct dwcp_migration_outcome_key),
					  .value_words = WORDS(struct dwcp_hist) },
	[DWCP_MAP_SPEEDUP] = PROC_LEVEL("speedups"),
	[DWCP_MAP_FEDERATION_SYNC] = { .name = "sync_durations", .key_size = sizeof(struct dwcp_two_label_key),
				       .value_size = sizeof(struct dwcp_hist), .percpu = true,
				       .label_size = 2 * DWCP_LABEL_LEN, .value_words = WORDS(struct dwcp_hist) },
	[DWCP_MAP_BANDWIDTH_SAVED] = LABEL_COUNTER("bandwidth_saved_bytes"),
	[DWCP_MAP_HEALTH] = PROC_LEVEL("health_levels"),
	[DWCP_MAP_FEATURES] = PROC_LEVEL("feature_levels"),
	/* the series key is the build in the value (collect_system.c) */
	[DWCP_MAP_VERSIONS] = { .name = "versions", .key_size = sizeof(struct dwcp_proc_key),
				.value_size = sizeof(struct dwcp_version), .per_process = true,
				.time_offset = offsetof(struct dwcp_version, updated_ns) },
};

const struct map_layout *map_layout(enum dwcp_map_id id)
{
	return &layouts[id];
}

size_t map_layout_labels(enum dwcp_map_id id)
{
	return layouts[id].label_size / DWCP_LABEL_LEN;
}
