// SPDX-License-Identifier: Apache-2.0
/* HDE families that need code: compression ratio, operations, delta hit
 * rate and bytes, all from one walk of the per-data-type map; dictionary
 * efficiency (no label: the process that reported last). */
#include <bpf/libbpf.h>

#include "collect/collect_areas.h"
#include "hde.skel.h"
#include "exposition/hist_render.h"

static const struct dwcp_hde_type_stats *stats_at(const struct series_table *t, size_t i)
{
	return (const struct dwcp_hde_type_stats *)series_value(t, i);
}

void collect_hde_by_type(struct collect_ctx *ctx)
{
	struct series_table *t = &ctx->s->table;
	struct expo_label labels[4];
	size_t n = collect_flag_labels(ctx, MF_HDE_COMPRESSION_RATIO, labels);
	uint64_t decompress[DWCP_DECOMPRESS_RESULT_COUNT] = { 0 };
	char text[DWCP_LABEL_LEN];
	uint64_t ops = 0, hits = 0;
	int err = map_read_percpu_u64_array(bpf_map__fd(ctx->s->bpf->hde->maps.decompress_results),
					    DWCP_DECOMPRESS_RESULT_COUNT, decompress);

	if (err)
		ctx->err = err;
	collect_series(ctx, DWCP_MAP_HDE_BY_TYPE, series_merge_sum);

	metric_family_begin(ctx->w, MF_HDE_COMPRESSION_RATIO);
	for (size_t i = 0; i < t->n; i++) {
		labels[n] = (struct expo_label){ "data_type", collect_label_text(series_key(t, i), text, sizeof(text)) };
		hist_render(ctx->w, labels, n + 1, DWCP_HIST_COMPRESSION, &stats_at(t, i)->ratio);
		ops += stats_at(t, i)->compress_ops;
		hits += stats_at(t, i)->delta_hits;
	}

	metric_family_begin(ctx->w, MF_HDE_OPERATIONS);
	/* the seed's operation labels: compress is "encode", decompress "decode" */
	labels[n] = (struct expo_label){ "operation", "encode" };
	labels[n + 1] = (struct expo_label){ "result", "success" };
	expo_sample_u64(ctx->w, NULL, labels, n + 2, ops);
	labels[n] = (struct expo_label){ "operation", "decode" };
	expo_sample_u64(ctx->w, NULL, labels, n + 2, decompress[DWCP_DECOMPRESS_SUCCESS]);
	labels[n + 1] = (struct expo_label){ "result", "failure" };
	expo_sample_u64(ctx->w, NULL, labels, n + 2, decompress[DWCP_DECOMPRESS_FAILURE]);

	metric_family_begin(ctx->w, MF_HDE_DELTA_HIT_RATE);
	if (ops > 0)
		expo_sample(ctx->w, NULL, labels, n, (double)hits * 100.0 / (double)ops);

	for (int which = 0; which < 2; which++) {
		metric_family_begin(ctx->w, which == 0 ? MF_HDE_BYTES_ORIGINAL : MF_HDE_BYTES_COMPRESSED);
		for (size_t i = 0; i < t->n; i++) {
			labels[n] = (struct expo_label){ "data_type",
							 collect_label_text(series_key(t, i), text, sizeof(text)) };
			expo_sample_u64(ctx->w, NULL, labels, n + 1,
					which == 0 ? stats_at(t, i)->bytes_original : stats_at(t, i)->bytes_compressed);
		}
	}
}

void collect_hde_dictionary(struct collect_ctx *ctx)
{
	struct series_table *t = &ctx->s->table;
	struct expo_label labels[2];
	size_t n = collect_flag_labels(ctx, MF_HDE_DICTIONARY_EFFICIENCY, labels);

	/* one entry per process: fold to the one reported last */
	collect_series(ctx, DWCP_MAP_DICTIONARY, series_merge_latest);
	metric_family_begin(ctx->w, MF_HDE_DICTIONARY_EFFICIENCY);
	if (t->n == 1)
		expo_sample(ctx->w, NULL, labels, n, (double)series_value(t, 0)[0] / 100.0);
}
