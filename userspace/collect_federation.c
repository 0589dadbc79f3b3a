/* Federation families: sync duration, bandwidth saved. */
#include "collector.h"
#include "hist_render.h"

void collect_federation(struct collect_ctx *ctx)
{
	struct series_table *t = &ctx->c->table;
	struct expo_label labels[3];
	size_t n = collect_base_labels(ctx, labels, false);
	char remote[DWCP_LABEL_LEN], sync_type[DWCP_LABEL_LEN];

	collect_map_into_table(ctx, DWCP_MAP_FEDERATION_SYNC, sizeof(struct dwcp_two_label_key),
			       sizeof(struct dwcp_hist), true, 0, sizeof(struct dwcp_two_label_key), 0,
			       sizeof(struct dwcp_hist) / 8, series_merge_sum);
	metric_family_begin(ctx->w, MF_FEDERATION_SYNC_DURATION);
	for (size_t i = 0; i < t->n; i++) {
		const struct dwcp_two_label_key *k = series_key(t, i);

		labels[n] = (struct expo_label){ "remote_cluster", collect_label_text(k->first, remote, sizeof(remote)) };
		labels[n + 1] = (struct expo_label){ "sync_type",
						     collect_label_text(k->second, sync_type, sizeof(sync_type)) };
		hist_render(ctx->w, labels, n + 2, DWCP_HIST_FEDERATION_SYNC,
			    (const struct dwcp_hist *)series_value(t, i));
	}
	collect_label_counter(ctx, MF_FEDERATION_BANDWIDTH_SAVED, DWCP_MAP_BANDWIDTH_SAVED, "remote_cluster", false);
}
