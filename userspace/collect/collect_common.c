// SPDX-License-Identifier: Apache-2.0
#include "collect/collect_common.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

#include "exposition/hist_render.h"
#include "collect/map_layouts.h"

struct reaping_walk {
	struct collect_state *s;
	enum dwcp_map_id id;
	map_entry_fn fn;
	void *arg;
	int dropped;
};

static enum map_verdict reap_then(const void *key, const void *value, void *arg)
{
	struct reaping_walk *w = arg;
	enum map_verdict v = reaper_verdict(&w->s->reaper, w->id, key, value);

	if (v != MAP_KEEP) {
		w->dropped++;
		return v;
	}
	return w->fn ? w->fn(key, value, w->arg) : MAP_KEEP;
}

int collect_walk(struct collect_state *s, enum dwcp_map_id id, map_entry_fn fn, void *arg)
{
	const struct map_layout *l = map_layout(id);
	struct reaping_walk w = { s, id, fn, arg, 0 };
	size_t deleted = 0;
	int seen, kind = reaper_abandoned_kind(id);

	if (l->per_process)
		seen = map_for_each(bpf_map__fd(s->maps[id]), l->key_size, l->value_size, l->percpu, reap_then, &w,
				    &deleted);
	else
		seen = map_for_each(bpf_map__fd(s->maps[id]), l->key_size, l->value_size, l->percpu, fn, arg, NULL);
	s->walked[id] = true;
	if (kind >= 0)
		s->abandoned[kind] += deleted;
	if (seen < 0) {
		s->walk_failed = true;
		return seen;
	}
	s->map_entries[id] = seen - w.dropped;
	return seen - w.dropped;
}

struct series_walk {
	struct series_table *t;
	size_t label_offset;
};

static enum map_verdict append_series(const void *key, const void *value, void *arg)
{
	struct series_walk *walk = arg;

	/* map_read hands out 8-byte aligned values (every value size is a
	 * multiple of 8) */
	series_table_append(walk->t, (const uint8_t *)key + walk->label_offset, value);
	return MAP_KEEP;
}

void collect_series(struct collect_ctx *ctx, enum dwcp_map_id id, series_merge_fn merge)
{
	const struct map_layout *l = map_layout(id);
	struct series_table *t = &ctx->s->table;
	struct series_walk walk = { t, l->label_offset };
	int seen;

	series_table_reset(t, l->label_size, l->value_words);
	seen = collect_walk(ctx->s, id, append_series, &walk);
	if (seen < 0) {
		ctx->err = seen;
		return;
	}
	if (t->failed)
		ctx->err = -ENOMEM;
	series_table_merge(t, merge);
}

size_t collect_flag_labels(const struct collect_ctx *ctx, enum metric_family_id family, struct expo_label *labels)
{
	const struct metric_family *f = metric_family(family);
	size_t n = metric_family_flag_labels(family);

	for (size_t i = 0; i < n; i++)
		labels[i] = (struct expo_label){ f->labels[i],
						 strcmp(f->labels[i], "cluster") == 0 ? ctx->s->cluster : ctx->s->node };
	return n;
}

const char *collect_label_text(const char *label, char *buf, size_t len)
{
	size_t n = strnlen(label, DWCP_LABEL_LEN);

	if (n >= len)
		n = len - 1;
	memcpy(buf, label, n);
	buf[n] = '\0';
	return buf;
}

void collect_label_family(struct collect_ctx *ctx, const struct label_family *f)
{
	const struct metric_family *mf = metric_family(f->family);
	struct series_table *t = &ctx->s->table;
	struct expo_label labels[METRIC_MAX_LABELS];
	char text[METRIC_MAX_LABELS][DWCP_LABEL_LEN];
	size_t n = collect_flag_labels(ctx, f->family, labels);
	size_t k = map_layout_labels(f->map);

	collect_series(ctx, f->map, f->merge);
	metric_family_begin(ctx->w, f->family);
	for (size_t i = 0; i < t->n; i++) {
		const char *key = series_key(t, i);
		const uint64_t *v = series_value(t, i);

		for (size_t l = 0; l < k; l++)
			labels[n + l] = (struct expo_label){
				mf->labels[n + l], collect_label_text(key + l * DWCP_LABEL_LEN, text[l], sizeof(text[l]))
			};
		switch (mf->type) {
		case EXPO_COUNTER:
			expo_sample_u64(ctx->w, NULL, labels, n + k, v[0]);
			break;
		case EXPO_GAUGE:
			expo_sample(ctx->w, NULL, labels, n + k, (double)v[0] / f->divisor);
			break;
		case EXPO_HISTOGRAM:
			hist_render(ctx->w, labels, n + k, f->hist, (const struct dwcp_hist *)v);
			break;
		}
	}
}
