// SPDX-License-Identifier: Apache-2.0
/* System families that need code: version info, whose labels are the three
 * strings of a build (in the map's value, not its key). */
#include <stddef.h>

#include "collect/collect_areas.h"

#define BUILD_KEY_SIZE offsetof(struct dwcp_version, updated_ns)

static enum map_verdict append_build(const void *key, const void *value, void *arg)
{
	static const uint64_t one = 1;

	(void)key;
	/* the build's three strings are the series key: one series per
	 * distinct build among the live processes */
	series_table_append(arg, value, &one);
	return MAP_KEEP;
}

void collect_system_versions(struct collect_ctx *ctx)
{
	struct series_table *t = &ctx->s->table;
	struct expo_label labels[4];
	size_t n = collect_flag_labels(ctx, MF_SYSTEM_VERSION_INFO, labels);
	char version[DWCP_LABEL_LEN], commit[DWCP_LABEL_LEN], date[DWCP_LABEL_LEN];
	int seen;

	series_table_reset(t, BUILD_KEY_SIZE, 1);
	seen = collect_walk(ctx->s, DWCP_MAP_VERSIONS, append_build, t);
	if (seen < 0) {
		ctx->err = seen;
		return;
	}
	series_table_merge(t, series_merge_min);

	metric_family_begin(ctx->w, MF_SYSTEM_VERSION_INFO);
	for (size_t i = 0; i < t->n; i++) {
		const struct dwcp_version *v = series_key(t, i);

		labels[n] = (struct expo_label){ "version", collect_label_text(v->version, version, sizeof(version)) };
		labels[n + 1] = (struct expo_label){ "git_commit",
						     collect_label_text(v->git_commit, commit, sizeof(commit)) };
		labels[n + 2] = (struct expo_label){ "build_date", collect_label_text(v->build_date, date, sizeof(date)) };
		expo_sample_u64(ctx->w, NULL, labels, n + 3, 1);
	}
}
