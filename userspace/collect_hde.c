/* HDE families: compression ratio, operations, bytes, delta hits, baselines,
 * dictionary efficiency. */
#include <bpf/libbpf.h>

#include "collector.h"
#include "hde.skel.h"
#include "hist_render.h"
#include "map_read.h"

#define STATS_WORDS (sizeof(struct dwcp_hde_type_stats) / sizeof(uint64_t))

static const struct dwcp_hde_type_stats *stats_at(const struct series_table *t, size_t i)
{
	return (const struct dwcp_hde_type_stats *)series_value(t, i);
}

static void render_by_type(struct collect_ctx *ctx, const uint64_t *decompress)
{
	struct series_table *t = &ctx->c->table;
	struct expo_label labels[4];
	size_t n = collect_base_labels(ctx, labels, true);
	char text[DWCP_LABEL_LEN];
	uint64_t ops = 0, hits = 0;

	collect_map_into_table(ctx, DWCP_MAP_HDE_BY_TYPE, sizeof(struct dwcp_label_key),
			       sizeof(struct dwcp_hde_type_stats), true, 0, DWCP_LABEL_LEN, 0, STATS_WORDS,
			       series_merge_sum);

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

static void render_dictionary(struct collect_ctx *ctx)
{
	struct series_table *t = &ctx->c->table;
	struct expo_label labels[2];
	size_t n = collect_base_labels(ctx, labels, true);

	/* one entry per process: fold to the one reported last */
	collect_map_into_table(ctx, DWCP_MAP_DICTIONARY, sizeof(struct dwcp_proc_key), sizeof(struct dwcp_level),
			       false, 0, 0, 0, 2, series_merge_latest);
	metric_family_begin(ctx->w, MF_HDE_DICTIONARY_EFFICIENCY);
	if (t->n == 1)
		expo_sample(ctx->w, NULL, labels, n, (double)series_value(t, 0)[0] / 100.0);
}

void collect_hde(struct collect_ctx *ctx)
{
	uint64_t decompress[DWCP_DECOMPRESS_RESULT_COUNT] = { 0 };
	int err = map_read_percpu_u64_array(bpf_map__fd(ctx->c->bpf->hde->maps.decompress_results),
					    DWCP_DECOMPRESS_RESULT_COUNT, decompress);

	if (err)
		ctx->err = err;
	render_by_type(ctx, decompress);
	collect_proc_levels(ctx, MF_HDE_BASELINE_COUNT, DWCP_MAP_BASELINES, "baseline_type", true, series_merge_sum,
			    1.0);
	render_dictionary(ctx);
}
