/* System families: component health, feature flags, version info. */
#include <bpf/libbpf.h>
#include <stddef.h>

#include "collector.h"
#include "map_read.h"

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

static void render_versions(struct collect_ctx *ctx)
{
	struct collector *c = ctx->c;
	struct series_table *t = &c->table;
	struct expo_label labels[4];
	char version[DWCP_LABEL_LEN], commit[DWCP_LABEL_LEN], date[DWCP_LABEL_LEN];
	int seen;

	series_table_reset(t, BUILD_KEY_SIZE, 1);
	seen = map_for_each(bpf_map__fd(c->maps[DWCP_MAP_VERSIONS]), sizeof(struct dwcp_proc_key),
			    sizeof(struct dwcp_version), false, append_build, t, NULL);
	if (seen < 0) {
		ctx->err = seen;
		return;
	}
	c->map_entries[DWCP_MAP_VERSIONS] = seen;
	series_table_merge(t, series_merge_min);

	metric_family_begin(ctx->w, MF_SYSTEM_VERSION_INFO);
	labels[0] = (struct expo_label){ "cluster", c->cluster };
	for (size_t i = 0; i < t->n; i++) {
		const struct dwcp_version *v = series_key(t, i);

		labels[1] = (struct expo_label){ "version", collect_label_text(v->version, version, sizeof(version)) };
		labels[2] = (struct expo_label){ "git_commit", collect_label_text(v->git_commit, commit, sizeof(commit)) };
		labels[3] = (struct expo_label){ "build_date", collect_label_text(v->build_date, date, sizeof(date)) };
		expo_sample_u64(ctx->w, NULL, labels, 4, 1);
	}
}

void collect_system(struct collect_ctx *ctx)
{
	/* several processes: the component is as healthy as its worst one */
	collect_proc_levels(ctx, MF_SYSTEM_COMPONENT_HEALTH, DWCP_MAP_HEALTH, "component", true, series_merge_min,
			    1.0);
	collect_proc_levels(ctx, MF_SYSTEM_CONFIG_ENABLED, DWCP_MAP_FEATURES, "feature", true, series_merge_latest,
			    1.0);
	render_versions(ctx);
}
