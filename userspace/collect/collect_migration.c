// SPDX-License-Identifier: Apache-2.0
/* Migration families that need code: duration of successful migrations and
 * failures, split from one map by the key's success flag. */
#include "collect/collect_areas.h"
#include "exposition/hist_render.h"

void collect_migration_outcomes(struct collect_ctx *ctx)
{
	struct series_table *t = &ctx->s->table;
	struct expo_label labels[5];
	/* the seed's labels: the exporter's node is the migration's source */
	size_t n = collect_flag_labels(ctx, MF_MIGRATION_DURATION, labels);
	char text[DWCP_LABEL_LEN];

	collect_series(ctx, DWCP_MAP_MIGRATION_DURATION, series_merge_sum);
	for (int success = 1; success >= 0; success--) {
		metric_family_begin(ctx->w, success ? MF_MIGRATION_DURATION : MF_MIGRATION_FAILURES);
		for (size_t i = 0; i < t->n; i++) {
			const struct dwcp_migration_outcome_key *k = series_key(t, i);
			const struct dwcp_hist *h = (const struct dwcp_hist *)series_value(t, i);

			if ((int)k->success != success)
				continue;
			labels[n] = (struct expo_label){ "dest_node",
							 collect_label_text(k->dest_node, text, sizeof(text)) };
			labels[n + 1] = (struct expo_label){ "dwcp_enabled", k->dwcp_enabled ? "true" : "false" };
			if (success)
				hist_render(ctx->w, labels, n + 2, DWCP_HIST_MIGRATION, h);
			else
				expo_sample_u64(ctx->w, NULL, labels, n + 2, dwcp_hist_count(h));
		}
	}
}
