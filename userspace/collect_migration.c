/* Migration families: duration of successful migrations, failures, speedup. */
#include "collector.h"
#include "hist_render.h"


void collect_migration(struct collect_ctx *ctx)
{
	struct series_table *t = &ctx->c->table;
	struct expo_label labels[5];
	char text[DWCP_LABEL_LEN];

	collect_map_into_table(ctx, DWCP_MAP_MIGRATION_DURATION, sizeof(struct dwcp_migration_outcome_key),
			       sizeof(struct dwcp_hist), true, 0, sizeof(struct dwcp_migration_outcome_key), 0,
			       sizeof(struct dwcp_hist) / 8, series_merge_sum);

	/* the seed's labels: the exporter's node is the migration's source */
	labels[0] = (struct expo_label){ "cluster", ctx->c->cluster };
	labels[1] = (struct expo_label){ "source_node", ctx->c->node };
	for (int success = 1; success >= 0; success--) {
		metric_family_begin(ctx->w, success ? MF_MIGRATION_DURATION : MF_MIGRATION_FAILURES);
		for (size_t i = 0; i < t->n; i++) {
			const struct dwcp_migration_outcome_key *k = series_key(t, i);
			const struct dwcp_hist *h = (const struct dwcp_hist *)series_value(t, i);

			if ((int)k->success != success)
				continue;
			labels[2] = (struct expo_label){ "dest_node",
							 collect_label_text(k->dest_node, text, sizeof(text)) };
			labels[3] = (struct expo_label){ "dwcp_enabled", k->dwcp_enabled ? "true" : "false" };
			if (success)
				hist_render(ctx->w, labels, 4, DWCP_HIST_MIGRATION, h);
			else
				expo_sample_u64(ctx->w, NULL, labels, 4, h->count);
		}
	}
	collect_proc_levels(ctx, MF_MIGRATION_SPEEDUP, DWCP_MAP_SPEEDUP, "vm_type", false, series_merge_latest,
			    1000.0);
}
