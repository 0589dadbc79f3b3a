// SPDX-License-Identifier: Apache-2.0
#include "exposition/metric_families.h"

#include <stdbool.h>
#include <string.h>

#define L(...) { __VA_ARGS__, NULL }

static const struct metric_family families[MF_COUNT] = {
	[MF_AMST_STREAMS_ACTIVE] = { "dwcp_amst_streams_active", EXPO_GAUGE,
		"Current active AMST streams (started, not yet ended) of live DWCP processes.",
		L("cluster", "node") },
	[MF_AMST_STREAMS_TOTAL] = { "dwcp_amst_streams_total", EXPO_COUNTER,
		"AMST streams ended, by the result their stream_end probe reported.",
		L("cluster", "node", "result") },
	[MF_AMST_BYTES_SENT] = { "dwcp_amst_bytes_sent_total", EXPO_COUNTER,
		"Bytes sent on AMST streams. Per stream_id while the stream is active and for a grace period after it ends; without stream_id when --no-stream.id-label is set.",
		L("cluster", "node", "stream_id") },
	[MF_AMST_BYTES_RECEIVED] = { "dwcp_amst_bytes_received_total", EXPO_COUNTER,
		"Bytes received on AMST streams. Per stream_id while the stream is active and for a grace period after it ends; without stream_id when --no-stream.id-label is set.",
		L("cluster", "node", "stream_id") },
	[MF_AMST_ERRORS] = { "dwcp_amst_errors_total", EXPO_COUNTER,
		"AMST stream errors by error type.",
		L("cluster", "node", "error_type") },
	[MF_AMST_LATENCY] = { "dwcp_amst_latency_seconds", EXPO_HISTOGRAM,
		"AMST operation latency: op_start to op_end measured in the kernel, op_duration as the caller timed it, and operation=stream_duration, each stream's lifetime from stream_start to stream_end.",
		L("cluster", "node", "operation") },
	[MF_AMST_BANDWIDTH_UTILIZATION] = { "dwcp_amst_bandwidth_utilization_percent", EXPO_GAUGE,
		"Bandwidth in use as a percentage of bandwidth available, summed over live DWCP processes.",
		L("cluster", "node") },
	[MF_HDE_COMPRESSION_RATIO] = { "dwcp_hde_compression_ratio", EXPO_HISTOGRAM,
		"HDE compression ratio (original bytes / compressed bytes) per compress operation.",
		L("cluster", "node", "data_type") },
	[MF_HDE_OPERATIONS] = { "dwcp_hde_operations_total", EXPO_COUNTER,
		"HDE operations: encode (compress probes, always result=success) and decode (decompress probes) by result.",
		L("cluster", "node", "operation", "result") },
	[MF_HDE_DELTA_HIT_RATE] = { "dwcp_hde_delta_hit_rate_percent", EXPO_GAUGE,
		"Share of compress operations that used delta encoding, in percent, cumulative since the BPF counters were created.",
		L("cluster", "node") },
	[MF_HDE_BASELINE_COUNT] = { "dwcp_hde_baseline_count", EXPO_GAUGE,
		"Active HDE baselines by type, summed over live DWCP processes.",
		L("cluster", "node", "baseline_type") },
	[MF_HDE_DICTIONARY_EFFICIENCY] = { "dwcp_hde_dictionary_efficiency_percent", EXPO_GAUGE,
		"HDE dictionary efficiency in percent, as last reported by a live DWCP process.",
		L("cluster", "node") },
	[MF_HDE_BYTES_ORIGINAL] = { "dwcp_hde_bytes_original_total", EXPO_COUNTER,
		"Bytes given to HDE compression, by data type.",
		L("cluster", "node", "data_type") },
	[MF_HDE_BYTES_COMPRESSED] = { "dwcp_hde_bytes_compressed_total", EXPO_COUNTER,
		"Bytes HDE compression produced, by data type.",
		L("cluster", "node", "data_type") },
	[MF_MIGRATION_DURATION] = { "dwcp_migration_duration_seconds", EXPO_HISTOGRAM,
		"Duration of successful VM migrations, migration_start to migration_end, measured in the kernel.",
		L("cluster", "source_node", "dest_node", "dwcp_enabled") },
	[MF_MIGRATION_FAILURES] = { "dwcp_migration_failures_total", EXPO_COUNTER,
		"VM migrations that ended with success=0.",
		L("cluster", "source_node", "dest_node", "dwcp_enabled") },
	[MF_MIGRATION_SPEEDUP] = { "dwcp_migration_speedup_factor", EXPO_GAUGE,
		"DWCP migration speedup over standard migration by VM type, as last reported by a live DWCP process.",
		L("cluster", "vm_type") },
	[MF_FEDERATION_SYNC_DURATION] = { "dwcp_federation_sync_duration_seconds", EXPO_HISTOGRAM,
		"Cross-cluster federation sync duration.",
		L("cluster", "remote_cluster", "sync_type") },
	[MF_FEDERATION_BANDWIDTH_SAVED] = { "dwcp_federation_bandwidth_saved_bytes_total", EXPO_COUNTER,
		"Bytes federation syncs did not send thanks to HDE.",
		L("cluster", "remote_cluster") },
	[MF_SYSTEM_COMPONENT_HEALTH] = { "dwcp_system_component_health", EXPO_GAUGE,
		"Component health (0=down, 1=degraded, 2=healthy); the worst state any live DWCP process reports.",
		L("cluster", "node", "component") },
	[MF_SYSTEM_CONFIG_ENABLED] = { "dwcp_system_config_enabled", EXPO_GAUGE,
		"Feature enabled (1) or disabled (0), as last reported by a live DWCP process.",
		L("cluster", "node", "feature") },
	[MF_SYSTEM_VERSION_INFO] = { "dwcp_system_version_info", EXPO_GAUGE,
		"Version of each running DWCP build; always 1.",
		L("cluster", "version", "git_commit", "build_date") },
	[MF_BPF_PROBE_ATTACHED] = { "dwcp_bpf_probe_attached", EXPO_GAUGE,
		"1 if the probe is attached in the binary, 0 if the binary lacks it or attaching failed.",
		L("binary", "probe") },
	[MF_BPF_ATTACHED_BINARIES] = { "dwcp_bpf_attached_binaries", EXPO_GAUGE,
		"Binaries with at least one dwcp probe attached.",
		L(NULL) },
	[MF_BPF_BINARY_REATTACHED] = { "dwcp_bpf_binary_reattached_total", EXPO_COUNTER,
		"Times the binary was replaced on disk (a new file at its path) and its probes attached again.",
		L("binary") },
	[MF_BPF_BINARY_MISSING] = { "dwcp_bpf_binary_missing", EXPO_GAUGE,
		"1 while nothing is at the binary's path (not installed yet: waited for, attached when it appears; or mid-upgrade); its running processes stay instrumented.",
		L("binary") },
	[MF_BPF_ATTACH_ERRORS] = { "dwcp_bpf_attach_errors_total", EXPO_COUNTER,
		"Failed attaches of probes the binary's notes carry, by errno: EMFILE (the open files limit), EPERM or EACCES (privileges), ENOENT (no uprobe support or tracefs), ...; a probe the binary lacks is no error (dwcp_bpf_probe_attached 0 alone).",
		L("binary", "probe", "errno") },
	[MF_BPF_BAD_PROBE_ARGS] = { "dwcp_bpf_bad_probe_args_total", EXPO_COUNTER,
		"Probe firings with arguments taken other than as given: unreadable_string, truncated_string (cut at 63 bytes), out_of_range, unmatched_end.",
		L("probe", "reason") },
	[MF_BPF_MAP_FULL_EVENTS] = { "dwcp_bpf_map_full_events_total", EXPO_COUNTER,
		"Events that could not be recorded because a BPF map was full.",
		L("map") },
	[MF_BPF_INTERLEAVED_RUNS] = { "dwcp_bpf_interleaved_runs_total", EXPO_COUNTER,
		"Runs of the exporter's BPF programs that were preempted mid-run, so that other tasks (and other runs) ran on that CPU before they finished; non-zero means this kernel preempts BPF programs (harmless: the counts stay exact).",
		L(NULL) },
	[MF_BPF_ABANDONED] = { "dwcp_bpf_abandoned_total", EXPO_COUNTER,
		"Streams, operations and migrations started by a DWCP process that exited before their end probe, since the exporter started.",
		L("what") },
	[MF_BPF_MAP_ENTRIES] = { "dwcp_bpf_map_entries", EXPO_GAUGE,
		"Entries in a BPF hash map at scrape time.",
		L("map") },
	[MF_BPF_MAP_CAPACITY] = { "dwcp_bpf_map_capacity", EXPO_GAUGE,
		"Maximum entries of a BPF hash map.",
		L("map") },
	[MF_BPF_STATS_ENABLED] = { "dwcp_bpf_stats_enabled", EXPO_GAUGE,
		"1 while the kernel counts BPF program run time: the exporter holds a stats fd (--bpf.stats) or the sysctl kernel.bpf_stats_enabled is 1.",
		L(NULL) },
	[MF_BPF_PROGRAM_RUNS] = { "dwcp_bpf_program_runs_total", EXPO_COUNTER,
		"Runs of the exporter's BPF program for the probe, over every attached binary, counted by the kernel only while dwcp_bpf_stats_enabled is 1.",
		L("probe") },
	[MF_BPF_PROGRAM_RUN_SECONDS] = { "dwcp_bpf_program_run_seconds_total", EXPO_COUNTER,
		"Time the exporter's BPF program for the probe ran, over every attached binary, counted by the kernel only while dwcp_bpf_stats_enabled is 1 (uprobe entry and exit cost excluded).",
		L("probe") },
	[MF_EXPORTER_BUILD_INFO] = { "dwcp_bpf_exporter_build_info", EXPO_GAUGE,
		"Build of dwcp-bpf-exporter; always 1.",
		L("version", "git_commit") },
	[MF_EXPORTER_SCRAPE_DURATION] = { "dwcp_bpf_exporter_scrape_duration_seconds", EXPO_GAUGE,
		"Time the previous scrape took to read the BPF maps and render.",
		L(NULL) },
	[MF_EXPORTER_HTTP_REQUESTS] = { "dwcp_bpf_exporter_http_requests_total", EXPO_COUNTER,
		"HTTP requests the exporter's handlers answered, every path, by status code: 200, 401, 404, 405, 429, 500, 503, and \"unlisted\" for any other; requests libmicrohttpd refuses by itself (malformed, headers too large) are not counted.",
		L("code") },
	[MF_EXPORTER_HTTP_ACCEPT_ERRORS] = { "dwcp_bpf_exporter_http_accept_errors_total", EXPO_COUNTER,
		"Times accepting an HTTP connection failed, by errno: EMFILE (the open files limit), ENFILE (the system's), ENOBUFS, ENOMEM, and \"other\"; the client waits in the listen backlog until it can be accepted.",
		L("errno") },
};

const struct metric_family *metric_family(enum metric_family_id id)
{
	return &families[id];
}

size_t metric_family_flag_labels(enum metric_family_id id)
{
	static const char *const from_flags[] = { "cluster", "node", "source_node" };
	size_t n = 0;

	for (; families[id].labels[n]; n++) {
		bool flag = false;

		for (size_t i = 0; i < sizeof(from_flags) / sizeof(from_flags[0]); i++)
			flag |= strcmp(families[id].labels[n], from_flags[i]) == 0;
		if (!flag)
			break;
	}
	return n;
}

void metric_family_begin(struct expo_writer *w, enum metric_family_id id)
{
	expo_family(w, families[id].name, families[id].type, families[id].help);
}

void metric_families_print_markdown(FILE *out)
{
	for (int i = 0; i < MF_COUNT; i++) {
		const struct metric_family *f = &families[i];

		fprintf(out, "| `%s` | %s | ", f->name, expo_type_name(f->type));
		for (int l = 0; f->labels[l]; l++)
			fprintf(out, "%s%s", l ? ", " : "", f->labels[l]);
		fprintf(out, " | %s |\n", f->help);
	}
}
