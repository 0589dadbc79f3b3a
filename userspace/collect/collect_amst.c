// SPDX-License-Identifier: Apache-2.0
/* AMST families that need code: streams active and bytes per stream (one
 * walk of the stream map), bandwidth utilization (a ratio of two sums). */
#include <bpf/libbpf.h>

#include "amst.skel.h"
#include "collect/collect_areas.h"

/* series value of the streams table */
enum { STREAM_SENT, STREAM_RECEIVED, STREAM_ACTIVE, STREAM_WORDS };

struct stream_walk {
	struct series_table *t;
	uint64_t active;
};

static enum map_verdict append_stream(const void *key, const void *value, void *arg)
{
	const struct dwcp_stream *s = value;
	struct stream_walk *walk = arg;
	uint64_t v[STREAM_WORDS] = { s->bytes_sent, s->bytes_received, s->end_ns == 0 };

	(void)key; /* a hash of the id: the id is in the value */
	walk->active += s->end_ns == 0;
	series_table_append(walk->t, s->stream_id, v);
	return MAP_KEEP;
}

void collect_amst_streams(struct collect_ctx *ctx)
{
	struct collect_state *s = ctx->s;
	struct series_table *t = &s->table;
	struct stream_walk walk = { .t = t };
	struct expo_label labels[3];
	size_t n = collect_flag_labels(ctx, MF_AMST_STREAMS_ACTIVE, labels);
	uint64_t totals[DWCP_AMST_TOTAL_COUNT] = { 0 };
	char text[DWCP_LABEL_LEN];
	int seen, err;

	err = map_read_percpu_u64_array(bpf_map__fd(s->bpf->amst->maps.amst_totals), DWCP_AMST_TOTAL_COUNT, totals);
	if (err)
		ctx->err = err;
	series_table_reset(t, DWCP_LABEL_LEN, STREAM_WORDS);
	seen = collect_walk(s, DWCP_MAP_STREAMS, append_stream, &walk);
	if (seen < 0) {
		ctx->err = seen;
		return;
	}
	/* the same stream id in two processes is one series */
	series_table_merge(t, series_merge_sum);

	metric_family_begin(ctx->w, MF_AMST_STREAMS_ACTIVE);
	expo_sample_u64(ctx->w, NULL, labels, n, walk.active);

	for (int dir = 0; dir < 2; dir++) {
		metric_family_begin(ctx->w, dir == 0 ? MF_AMST_BYTES_SENT : MF_AMST_BYTES_RECEIVED);
		if (!s->opt->stream_id_label) {
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

void collect_amst_bandwidth(struct collect_ctx *ctx)
{
	struct series_table *t = &ctx->s->table;
	struct expo_label labels[2];
	size_t n = collect_flag_labels(ctx, MF_AMST_BANDWIDTH_UTILIZATION, labels);

	/* one entry per process, folded into one: what every live process
	 * uses and has */
	collect_series(ctx, DWCP_MAP_BANDWIDTH, series_merge_sum);
	metric_family_begin(ctx->w, MF_AMST_BANDWIDTH_UTILIZATION);
	if (t->n == 1 && series_value(t, 0)[1] > 0)
		expo_sample(ctx->w, NULL, labels, n,
			    (double)series_value(t, 0)[0] * 100.0 / (double)series_value(t, 0)[1]);
}
