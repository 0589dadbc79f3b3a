/* AMST families: streams, bytes, errors, operation latency, bandwidth. */
#include <bpf/libbpf.h>
#include <stddef.h>

#include "amst.skel.h"
#include "collector.h"
#include "hist_render.h"
#include "map_read.h"

/* series value of the streams table */
enum { STREAM_SENT, STREAM_RECEIVED, STREAM_ACTIVE, STREAM_WORDS };

struct stream_walk {
	struct series_table *t;
	uint64_t active;
};

static enum map_verdict append_stream(const void *key, const void *value, void *arg)
{
	const struct dwcp_proc_label_key *k = key;
	const struct dwcp_stream *s = value;
	struct stream_walk *walk = arg;
	uint64_t v[STREAM_WORDS] = { s->bytes_sent, s->bytes_received, s->end_ns == 0 };

	walk->active += s->end_ns == 0;
	series_table_append(walk->t, k->label, v);
	return MAP_KEEP;
}

static void render_stream_bytes(struct collect_ctx *ctx, const uint64_t *totals)
{
	struct collector *c = ctx->c;
	struct series_table *t = &c->table;
	struct stream_walk walk = { .t = t };
	struct expo_label labels[3];
	size_t n = collect_base_labels(ctx, labels, true);
	char text[DWCP_LABEL_LEN];
	int seen;

	series_table_reset(t, DWCP_LABEL_LEN, STREAM_WORDS);
	seen = map_for_each(bpf_map__fd(c->maps[DWCP_MAP_STREAMS]), sizeof(struct dwcp_proc_label_key),
			    sizeof(struct dwcp_stream), false, append_stream, &walk, NULL);
	if (seen < 0) {
		ctx->err = seen;
		return;
	}
	c->map_entries[DWCP_MAP_STREAMS] = seen;
	/* the same stream id in two processes is one series */
	series_table_merge(t, series_merge_sum);

	metric_family_begin(ctx->w, MF_AMST_STREAMS_ACTIVE);
	expo_sample_u64(ctx->w, NULL, labels, n, walk.active);

	for (int dir = 0; dir < 2; dir++) {
		metric_family_begin(ctx->w, dir == 0 ? MF_AMST_BYTES_SENT : MF_AMST_BYTES_RECEIVED);
		if (!c->opt->stream_id_label) {
			expo_sample_u64(ctx->w, NULL, labels, n,
					totals[dir == 0 ? DWCP_AMST_BYTES_SENT : DWCP_AMST_BYTES_RECEIVED]);
			continue;
		}
		for (size_t i = 0; i < t->n; i++) {
			labels[n] = (struct expo_label){ "stream_id",
							 collect_label_text(series_key(t, i), text, sizeof(text)) };
			expo_sample_u64(ctx->w, NULL, labels, n + 1,
					series_value(t, i)[dir == 0 ? STREAM_SENT : STREAM_RECEIVED]);
		}
	}
}

static void render_latency(struct collect_ctx *ctx)
{
	struct series_table *t = &ctx->c->table;
	struct expo_label labels[3];
	size_t n = collect_base_labels(ctx, labels, true);
	char text[DWCP_LABEL_LEN];

	collect_map_into_table(ctx, DWCP_MAP_OP_LATENCY, sizeof(struct dwcp_label_key), sizeof(struct dwcp_hist),
			       true, 0, DWCP_LABEL_LEN, 0, sizeof(struct dwcp_hist) / 8, series_merge_sum);
	metric_family_begin(ctx->w, MF_AMST_LATENCY);
	for (size_t i = 0; i < t->n; i++) {
		labels[n] = (struct expo_label){ "operation", collect_label_text(series_key(t, i), text, sizeof(text)) };
		hist_render(ctx->w, labels, n + 1, DWCP_HIST_OP_LATENCY, (const struct dwcp_hist *)series_value(t, i));
	}
}

static void render_bandwidth(struct collect_ctx *ctx)
{
	struct series_table *t = &ctx->c->table;
	struct expo_label labels[2];
	size_t n = collect_base_labels(ctx, labels, true);
	uint64_t used = 0, available = 0;

	/* one entry per process: sum what every live process uses and has */
	collect_map_into_table(ctx, DWCP_MAP_BANDWIDTH, sizeof(struct dwcp_proc_key), sizeof(struct dwcp_bandwidth),
			       false, 0, sizeof(struct dwcp_proc_key), 0, 2, series_merge_sum);
	for (size_t i = 0; i < t->n; i++) {
		used += series_value(t, i)[0];
		available += series_value(t, i)[1];
	}
	metric_family_begin(ctx->w, MF_AMST_BANDWIDTH_UTILIZATION);
	if (available > 0)
		expo_sample(ctx->w, NULL, labels, n, (double)used * 100.0 / (double)available);
}

void collect_amst(struct collect_ctx *ctx)
{
	uint64_t totals[DWCP_AMST_TOTAL_COUNT] = { 0 };
	int err = map_read_percpu_u64_array(bpf_map__fd(ctx->c->bpf->amst->maps.amst_totals),
					    DWCP_AMST_TOTAL_COUNT, totals);

	if (err)
		ctx->err = err;
	render_stream_bytes(ctx, totals);
	collect_label_counter(ctx, MF_AMST_STREAMS_TOTAL, DWCP_MAP_STREAM_RESULTS, "result", true);
	collect_label_counter(ctx, MF_AMST_ERRORS, DWCP_MAP_STREAM_ERRORS, "error_type", true);
	render_latency(ctx);
	render_bandwidth(ctx);
}
