// SPDX-License-Identifier: Apache-2.0
/* The exporter's own families: attach state, bad probe arguments, full maps,
 * interleaved runs, map fill, its BPF programs' run time, build, scrape duration, HTTP
 * requests. */
#include <bpf/libbpf.h>
#include <stdio.h>

#include "base/fd_limit.h"
#include "probes/bpf_stats.h"
#include "collect/collect_areas.h"
#include "base/dwcp_names.h"
#include "web/http_server.h"
#include "collect/map_layouts.h"
#include "collect/process_metrics.h"

/* Series appear with the first failure: most exporters have none. */
static void render_attach_errors(struct collect_ctx *ctx)
{
	struct collect_state *c = ctx->s;
	struct expo_label labels[3];
	char name[32];

	metric_family_begin(ctx->w, MF_BPF_ATTACH_ERRORS);
	for (size_t b = 0; b < c->n_targets; b++) {
		labels[0] = (struct expo_label){ "binary", c->targets[b].path };
		for (int p = 0; p < DWCP_PROBE_COUNT; p++) {
			labels[1] = (struct expo_label){ "probe", dwcp_probe_name(p) };
			for (int i = 0; i < ATTACH_ERRNO_SLOTS; i++) {
				const struct attach_error_count *e = &c->targets[b].errors[p][i];

				if (!e->n)
					continue;
				labels[2] = (struct expo_label){ "errno",
								 e->err ? fd_errno_name(e->err, name, sizeof(name)) : "other" };
				expo_sample_u64(ctx->w, NULL, labels, 3, e->n);
			}
		}
	}
}

static void render_attach_state(struct collect_ctx *ctx)
{
	struct collect_state *c = ctx->s;
	struct expo_label labels[2];
	uint64_t attached_binaries = 0;

	metric_family_begin(ctx->w, MF_BPF_PROBE_ATTACHED);
	for (size_t b = 0; b < c->n_targets; b++) {
		labels[0] = (struct expo_label){ "binary", c->targets[b].path };
		for (int p = 0; p < DWCP_PROBE_COUNT; p++) {
			labels[1] = (struct expo_label){ "probe", dwcp_probe_name(p) };
			expo_sample_u64(ctx->w, NULL, labels, 2, c->targets[b].links[p] != NULL);
		}
		attached_binaries += c->targets[b].attached > 0;
	}
	metric_family_begin(ctx->w, MF_BPF_ATTACHED_BINARIES);
	expo_sample_u64(ctx->w, NULL, NULL, 0, attached_binaries);
	metric_family_begin(ctx->w, MF_BPF_BINARY_REATTACHED);
	for (size_t b = 0; b < c->n_targets; b++) {
		labels[0] = (struct expo_label){ "binary", c->targets[b].path };
		expo_sample_u64(ctx->w, NULL, labels, 1, c->targets[b].reattachments);
	}
	metric_family_begin(ctx->w, MF_BPF_BINARY_MISSING);
	for (size_t b = 0; b < c->n_targets; b++) {
		labels[0] = (struct expo_label){ "binary", c->targets[b].path };
		expo_sample_u64(ctx->w, NULL, labels, 1, c->targets[b].missing);
	}
	render_attach_errors(ctx);
}

/* Each BPF object has its own bad_args, map_full and cpu_runs arrays: sum them. */
static void sum_object_arrays(struct collect_ctx *ctx, const char *map_name, uint32_t n, uint64_t *out)
{
	uint64_t one[DWCP_BAD_ARG_SLOTS > DWCP_MAP_COUNT ? DWCP_BAD_ARG_SLOTS : DWCP_MAP_COUNT];

	for (uint32_t i = 0; i < n; i++)
		out[i] = 0;
	for (int o = 0; o < BPF_AREA_COUNT; o++) {
		struct bpf_map *map = bpf_object__find_map_by_name(ctx->s->bpf->objects[o], map_name);
		int err;

		if (!map)
			continue;
		err = map_read_percpu_u64_array(bpf_map__fd(map), n, one);
		if (err) {
			ctx->err = err;
			continue;
		}
		for (uint32_t i = 0; i < n; i++)
			out[i] += one[i];
	}
}

static void render_bpf_health(struct collect_ctx *ctx)
{
	struct collect_state *c = ctx->s;
	uint64_t bad[DWCP_BAD_ARG_SLOTS], full[DWCP_MAP_COUNT], runs[DWCP_RUNS_COUNT];
	struct expo_label labels[2];

	sum_object_arrays(ctx, "bad_args", DWCP_BAD_ARG_SLOTS, bad);
	metric_family_begin(ctx->w, MF_BPF_BAD_PROBE_ARGS);
	for (int p = 0; p < DWCP_PROBE_COUNT; p++) {
		labels[0] = (struct expo_label){ "probe", dwcp_probe_name(p) };
		for (int r = 0; r < DWCP_BAD_REASON_COUNT; r++) {
			labels[1] = (struct expo_label){ "reason", dwcp_bad_arg_reason_name(r) };
			expo_sample_u64(ctx->w, NULL, labels, 2, bad[DWCP_BAD_ARG_INDEX(p, r)]);
		}
	}

	sum_object_arrays(ctx, "map_full", DWCP_MAP_COUNT, full);
	metric_family_begin(ctx->w, MF_BPF_MAP_FULL_EVENTS);
	for (int m = 0; m < DWCP_MAP_COUNT; m++) {
		labels[0] = (struct expo_label){ "map", dwcp_map_name(m) };
		expo_sample_u64(ctx->w, NULL, labels, 1, full[m]);
	}

	sum_object_arrays(ctx, "cpu_runs", DWCP_RUNS_COUNT, runs);
	metric_family_begin(ctx->w, MF_BPF_INTERLEAVED_RUNS);
	expo_sample_u64(ctx->w, NULL, NULL, 0, runs[DWCP_RUNS_PREEMPTED]);

	metric_family_begin(ctx->w, MF_BPF_ABANDONED);
	for (int i = 0; i < ABANDONED_COUNT; i++) {
		static const char *const what[ABANDONED_COUNT] = { "stream", "op", "migration" };

		labels[0] = (struct expo_label){ "what", what[i] };
		expo_sample_u64(ctx->w, NULL, labels, 1, c->abandoned[i]);
	}

	metric_family_begin(ctx->w, MF_BPF_MAP_ENTRIES);
	for (int m = 0; m < DWCP_MAP_COUNT; m++) {
		if (c->map_entries[m] < 0)
			continue;
		labels[0] = (struct expo_label){ "map", dwcp_map_name(m) };
		expo_sample_u64(ctx->w, NULL, labels, 1, (uint64_t)c->map_entries[m]);
	}
	metric_family_begin(ctx->w, MF_BPF_MAP_CAPACITY);
	for (int m = 0; m < DWCP_MAP_COUNT; m++) {
		labels[0] = (struct expo_label){ "map", dwcp_map_name(m) };
		expo_sample_u64(ctx->w, NULL, labels, 1, bpf_map__max_entries(c->maps[m]));
	}
}

/*
 * Rendered whether or not the kernel is counting: the counts are the
 * kernel's and stay valid (frozen) while it is not, and the series do not
 * come and go when someone toggles the sysctl; dwcp_bpf_stats_enabled says
 * whether they move.
 */
static void render_program_stats(struct collect_ctx *ctx)
{
	struct bpf_prog_stats stats[DWCP_PROBE_COUNT];
	bool have[DWCP_PROBE_COUNT] = { false };
	struct bpf_program *prog;
	struct expo_label label;

	metric_family_begin(ctx->w, MF_BPF_STATS_ENABLED);
	expo_sample_u64(ctx->w, NULL, NULL, 0, bpf_stats_enabled());
	for (int o = 0; o < BPF_AREA_COUNT; o++) {
		bpf_object__for_each_program(prog, ctx->s->bpf->objects[o]) {
			int id = dwcp_probe_id_of(bpf_program__name(prog));
			int err;

			if (id < 0)
				continue;
			err = bpf_stats_read(bpf_program__fd(prog), &stats[id]);
			if (err) {
				ctx->err = err;
				continue;
			}
			have[id] = true;
		}
	}
	metric_family_begin(ctx->w, MF_BPF_PROGRAM_RUNS);
	for (int p = 0; p < DWCP_PROBE_COUNT; p++) {
		if (!have[p])
			continue;
		label = (struct expo_label){ "probe", dwcp_probe_name(p) };
		expo_sample_u64(ctx->w, NULL, &label, 1, stats[p].run_cnt);
	}
	metric_family_begin(ctx->w, MF_BPF_PROGRAM_RUN_SECONDS);
	for (int p = 0; p < DWCP_PROBE_COUNT; p++) {
		if (!have[p])
			continue;
		label = (struct expo_label){ "probe", dwcp_probe_name(p) };
		expo_sample(ctx->w, NULL, &label, 1, (double)stats[p].run_time_ns / 1e9);
	}
}

static void render_http_requests(struct collect_ctx *ctx)
{
	struct http_server_stats stats;
	struct expo_label label;
	char code[12];

	metric_family_begin(ctx->w, MF_EXPORTER_HTTP_REQUESTS);
	if (!ctx->s->http_stats) {
		metric_family_begin(ctx->w, MF_EXPORTER_HTTP_ACCEPT_ERRORS);
		return;
	}
	ctx->s->http_stats(ctx->s->http_stats_ctx, &stats);
	for (int i = 0; i < HTTP_STATS_NCODES; i++) {
		if (http_stats_codes[i])
			snprintf(code, sizeof(code), "%u", http_stats_codes[i]);
		else
			snprintf(code, sizeof(code), "unlisted");
		label = (struct expo_label){ "code", code };
		expo_sample_u64(ctx->w, NULL, &label, 1, stats.requests[i]);
	}
	metric_family_begin(ctx->w, MF_EXPORTER_HTTP_ACCEPT_ERRORS);
	for (int i = 0; i < ACCEPT_ERRNO_COUNT; i++) {
		char name[32];

		label = (struct expo_label){ "errno",
					     accept_errnos[i] ? fd_errno_name(accept_errnos[i], name, sizeof(name)) : "other" };
		expo_sample_u64(ctx->w, NULL, &label, 1, stats.accept_errors[i]);
	}
}

void collect_self(struct collect_ctx *ctx)
{
	struct expo_label build[2] = { { "version", DWCP_BPF_VERSION }, { "git_commit", DWCP_BPF_GIT_COMMIT } };

	render_attach_state(ctx);
	render_bpf_health(ctx);
	render_program_stats(ctx);
	metric_family_begin(ctx->w, MF_EXPORTER_BUILD_INFO);
	expo_sample_u64(ctx->w, NULL, build, 2, 1);
	metric_family_begin(ctx->w, MF_EXPORTER_SCRAPE_DURATION);
	expo_sample(ctx->w, NULL, NULL, 0, ctx->s->last_scrape_seconds);
	render_http_requests(ctx);
	process_metrics_render(ctx->w);
}
