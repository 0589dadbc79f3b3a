/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metric_families.h: every metric family dwcp-bpf-exporter serves, described
 * once: name, type, help and label names. The collectors render from it, and
 * tests/integration/test_docs.py checks the README's metric table against
 * `dwcp-bpf-exporter --list-metrics`, which prints it.
 */
#ifndef DWCP_METRIC_FAMILIES_H
#define DWCP_METRIC_FAMILIES_H

#include <stddef.h>
#include <stdio.h>
#include "exposition/exposition.h"

#define METRIC_MAX_LABELS 5

enum metric_family_id {
	/* AMST */
	MF_AMST_STREAMS_ACTIVE,
	MF_AMST_STREAMS_TOTAL,
	MF_AMST_BYTES_SENT,
	MF_AMST_BYTES_RECEIVED,
	MF_AMST_ERRORS,
	MF_AMST_LATENCY,
	MF_AMST_BANDWIDTH_UTILIZATION,
	/* HDE */
	MF_HDE_COMPRESSION_RATIO,
	MF_HDE_OPERATIONS,
	MF_HDE_DELTA_HIT_RATE,
	MF_HDE_BASELINE_COUNT,
	MF_HDE_DICTIONARY_EFFICIENCY,
	MF_HDE_BYTES_ORIGINAL,
	MF_HDE_BYTES_COMPRESSED,
	/* migration */
	MF_MIGRATION_DURATION,
	MF_MIGRATION_FAILURES,
	MF_MIGRATION_SPEEDUP,
	/* federation */
	MF_FEDERATION_SYNC_DURATION,
	MF_FEDERATION_BANDWIDTH_SAVED,
	/* system */
	MF_SYSTEM_COMPONENT_HEALTH,
	MF_SYSTEM_CONFIG_ENABLED,
	MF_SYSTEM_VERSION_INFO,
	/* the exporter itself */
	MF_BPF_PROBE_ATTACHED,
	MF_BPF_ATTACHED_BINARIES,
	MF_BPF_BINARY_REATTACHED,
	MF_BPF_BINARY_MISSING,
	MF_BPF_ATTACH_ERRORS,
	MF_BPF_BAD_PROBE_ARGS,
	MF_BPF_MAP_FULL_EVENTS,
	MF_BPF_INTERLEAVED_RUNS,
	MF_BPF_ABANDONED,
	MF_BPF_MAP_ENTRIES,
	MF_BPF_MAP_CAPACITY,
	MF_BPF_STATS_ENABLED,
	MF_BPF_PROGRAM_RUNS,
	MF_BPF_PROGRAM_RUN_SECONDS,
	MF_EXPORTER_BUILD_INFO,
	MF_EXPORTER_SCRAPE_DURATION,
	MF_EXPORTER_HTTP_REQUESTS,
	MF_EXPORTER_HTTP_ACCEPT_ERRORS,
	MF_COUNT,
};

struct metric_family {
	const char *name;
	enum expo_type type;
	const char *help;
	/* label names in output order, NULL-terminated; "cluster" and "node"
	 * (or "source_node") come from the exporter's flags */
	const char *labels[METRIC_MAX_LABELS + 1];
};

const struct metric_family *metric_family(enum metric_family_id id);

/* How many of the family's labels lead with values from the exporter's
 * flags: "cluster", "node", "source_node". */
size_t metric_family_flag_labels(enum metric_family_id id);

/* Starts family id on w (HELP and TYPE). */
void metric_family_begin(struct expo_writer *w, enum metric_family_id id);

/* Prints the table as Markdown rows: | name | type | labels | help | */
void metric_families_print_markdown(FILE *out);

#endif /* DWCP_METRIC_FAMILIES_H */
