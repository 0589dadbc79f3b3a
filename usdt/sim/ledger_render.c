// SPDX-License-Identifier: Apache-2.0
/* ledger_render.c: see ledger_render.h. */
#include "ledger_render.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define LEDGER_ESC_LEN (2 * LEDGER_LABEL_LEN)

static const char *esc(char buf[LEDGER_ESC_LEN], const char *label)
{
	promtext_escape(buf, LEDGER_ESC_LEN, label);
	return buf;
}

static const char *dbl(char buf[PROMTEXT_DOUBLE_LEN], double v)
{
	promtext_double(buf, PROMTEXT_DOUBLE_LEN, v);
	return buf;
}

static void render_counted(struct linebuf *out, const struct ledger_table *t, const char *metric,
			   const char *label)
{
	char e[LEDGER_ESC_LEN];
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct ledger_counted *c = LEDGER_AT(t, i);

		linebuf_addf(out, "%s{%s=\"%s\"} %" PRIu64, metric, label, esc(e, c->k.a), c->n);
	}
}

/* scale: the level's fixed-point unit (1 for plain integers). */
static void render_level(struct linebuf *out, const struct ledger_table *t, const char *metric,
			 const char *label, double scale)
{
	char e[LEDGER_ESC_LEN], d[PROMTEXT_DOUBLE_LEN];
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct ledger_level *l = LEDGER_AT(t, i);

		linebuf_addf(out, "%s{%s=\"%s\"} %s", metric, label, esc(e, l->k.a),
			     dbl(d, (double)l->value / scale));
	}
}

/* Every histogram of t as Prometheus samples; label_b NULL for one label. */
static void render_timed(struct linebuf *out, const struct ledger_table *t, const char *metric, const char *label_a,
			 const char *label_b, const __u64 *bounds, __u32 nbounds)
{
	char a[LEDGER_ESC_LEN], bv[LEDGER_ESC_LEN], labels[4 * LEDGER_ESC_LEN], d[PROMTEXT_DOUBLE_LEN], le[PROMTEXT_DOUBLE_LEN];
	size_t i, b;

	for (i = 0; i < t->n; i++) {
		const struct ledger_timed *h = LEDGER_AT(t, i);
		uint64_t cumulative = 0;

		esc(a, h->k.a);
		if (label_b)
			snprintf(labels, sizeof(labels), "%s=\"%s\",%s=\"%s\"", label_a, a, label_b, esc(bv, h->k.b));
		else
			snprintf(labels, sizeof(labels), "%s=\"%s\"", label_a, a);
		for (b = 0; b <= nbounds; b++) {
			cumulative += h->buckets[b];
			if (b < nbounds)
				dbl(le, (double)bounds[b] / (double)DWCP_NS_PER_S);
			else
				strcpy(le, "+Inf");
			linebuf_addf(out, "%s_bucket{%s,le=\"%s\"} %" PRIu64, metric, labels, le, cumulative);
		}
		linebuf_addf(out, "%s_count{%s} %" PRIu64, metric, labels, h->count);
		linebuf_addf(out, "%s_sum{%s} %s", metric, labels, dbl(d, (double)h->sum_ns / (double)DWCP_NS_PER_S));
	}
}

static void render_amst(const struct ledger_state *s, struct linebuf *out)
{
	char e[LEDGER_ESC_LEN], d[PROMTEXT_DOUBLE_LEN];
	size_t i;

	render_counted(out, &s->results, "dwcp_amst_streams_total", "result");
	for (i = 0; i < s->nstreams; i++) {
		const struct ledger_stream *st = &s->streams[i];

		esc(e, st->id);
		linebuf_addf(out, "dwcp_amst_bytes_sent_total{stream_id=\"%s\"} %" PRIu64, e,
			     st->sent);
		linebuf_addf(out, "dwcp_amst_bytes_received_total{stream_id=\"%s\"} %" PRIu64, e,
			     st->received);
	}
	render_counted(out, &s->errors, "dwcp_amst_errors_total", "error_type");
	render_counted(out, &s->ops_ended, "dwcp_amst_latency_seconds_count", "operation");
	render_timed(out, &s->timed_ops, "dwcp_amst_latency_seconds", "operation", NULL, ledger_op_latency_bounds,
		     DWCP_OP_LATENCY_NBOUNDS);
	linebuf_addf(out, "dwcp_amst_streams_active %" PRIu64, s->nstreams - s->streams_ended);
	if (s->bw_set && s->bw_available > 0)
		linebuf_addf(out, "dwcp_amst_bandwidth_utilization_percent %s",
			     dbl(d, (double)s->bw_used / (double)s->bw_available * 100.0));
}

static void render_hde(const struct ledger_state *s, struct linebuf *out)
{
	char e[LEDGER_ESC_LEN], d[PROMTEXT_DOUBLE_LEN], le[PROMTEXT_DOUBLE_LEN];
	size_t i, b;

	if (s->compress_ops)
		linebuf_addf(out,
			     "dwcp_hde_operations_total{operation=\"encode\",result=\"success\"} %" PRIu64,
			     s->compress_ops);
	if (s->decompress_ok)
		linebuf_addf(out,
			     "dwcp_hde_operations_total{operation=\"decode\",result=\"success\"} %" PRIu64,
			     s->decompress_ok);
	if (s->decompress_failed)
		linebuf_addf(out,
			     "dwcp_hde_operations_total{operation=\"decode\",result=\"failure\"} %" PRIu64,
			     s->decompress_failed);
	for (i = 0; i < s->hde.n; i++) {
		const struct ledger_hde_type *t = LEDGER_AT(&s->hde, i);
		uint64_t cumulative = 0;

		esc(e, t->k.a);
		linebuf_addf(out, "dwcp_hde_bytes_original_total{data_type=\"%s\"} %" PRIu64, e,
			     t->original);
		linebuf_addf(out, "dwcp_hde_bytes_compressed_total{data_type=\"%s\"} %" PRIu64, e,
			     t->compressed);
		for (b = 0; b <= DWCP_COMPRESSION_NBOUNDS; b++) {
			cumulative += t->buckets[b];
			if (b < DWCP_COMPRESSION_NBOUNDS)
				dbl(le, (double)ledger_compression_bounds[b] / (double)DWCP_RATIO_SCALE);
			else
				strcpy(le, "+Inf");
			linebuf_addf(out,
				     "dwcp_hde_compression_ratio_bucket{data_type=\"%s\",le=\"%s\"} %" PRIu64,
				     e, le, cumulative);
		}
		linebuf_addf(out, "dwcp_hde_compression_ratio_count{data_type=\"%s\"} %" PRIu64, e,
			     t->count);
		linebuf_addf(out, "dwcp_hde_compression_ratio_sum{data_type=\"%s\"} %s", e,
			     dbl(d, (double)t->sum_milli / (double)DWCP_RATIO_SCALE));
	}
	if (s->compress_ops)
		linebuf_addf(out, "dwcp_hde_delta_hit_rate_percent %s",
			     dbl(d, (double)s->delta_hits / (double)s->compress_ops * 100.0));
	render_level(out, &s->baselines, "dwcp_hde_baseline_count", "baseline_type", 1.0);
	if (s->dict_set)
		linebuf_addf(out, "dwcp_hde_dictionary_efficiency_percent %s",
			     dbl(d, (double)s->dict / 100.0));
}

static void render_migration(const struct ledger_state *s, struct linebuf *out)
{
	char e[LEDGER_ESC_LEN];
	size_t i;

	for (i = 0; i < s->migrations.n; i++) {
		const struct ledger_migration_outcome *o = LEDGER_AT(&s->migrations, i);
		const char *dwcp = o->k.c ? "true" : "false";

		esc(e, o->k.a);
		if (o->ok)
			linebuf_addf(out,
				     "dwcp_migration_duration_seconds_count{dest_node=\"%s\",dwcp_enabled=\"%s\"} %" PRIu64,
				     e, dwcp, o->ok);
		if (o->failed)
			linebuf_addf(out,
				     "dwcp_migration_failures_total{dest_node=\"%s\",dwcp_enabled=\"%s\"} %" PRIu64,
				     e, dwcp, o->failed);
	}
	render_level(out, &s->speedups, "dwcp_migration_speedup_factor", "vm_type", 1000.0);
}

static void render_federation(const struct ledger_state *s, struct linebuf *out)
{
	render_timed(out, &s->fed, "dwcp_federation_sync_duration_seconds", "remote_cluster", "sync_type",
		     ledger_federation_bounds, DWCP_FEDERATION_SYNC_NBOUNDS);
	render_counted(out, &s->saved, "dwcp_federation_bandwidth_saved_bytes_total",
		       "remote_cluster");
}

static void render_system(const struct ledger_state *s, struct linebuf *out)
{
	char v[LEDGER_ESC_LEN], c[LEDGER_ESC_LEN], b[LEDGER_ESC_LEN];

	render_level(out, &s->health, "dwcp_system_component_health", "component", 1.0);
	render_level(out, &s->features, "dwcp_system_config_enabled", "feature", 1.0);
	if (s->version_set)
		linebuf_addf(out,
			     "dwcp_system_version_info{version=\"%s\",git_commit=\"%s\",build_date=\"%s\"} 1",
			     esc(v, s->version[0]), esc(c, s->version[1]), esc(b, s->version[2]));
}

void ledger_render(const struct ledger_state *s, int pid, struct linebuf *header, struct linebuf *body)
{
	int i;

	linebuf_addf(header, "# dwcp-sim ledger v1 pid=%d", pid);
	for (i = 0; i < P_COUNT; i++)
		linebuf_addf(header, "# fired %s %" PRIu64, ledger_probe_names[i], s->fired[i]);
	/* the raw observations behind the histograms the sim timed itself:
	 * family, first label, second label ("-": none), raw value */
	for (size_t v = 0; v < s->nvalues; v++)
		linebuf_addf(header, "# value %s %s %s %" PRIu64, s->values[v].family, s->values[v].a,
			     s->values[v].b[0] ? s->values[v].b : "-", s->values[v].raw);
	render_amst(s, body);
	render_hde(s, body);
	render_migration(s, body);
	render_federation(s, body);
	render_system(s, body);
}

void ledger_summarize(const struct ledger_state *st, struct ledger_summary *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->streams_started = st->nstreams;
	for (i = 0; i < st->results.n; i++) {
		const struct ledger_counted *c = LEDGER_AT(&st->results, i);

		if (strcmp(c->k.a, "success") == 0)
			s->streams_success += c->n;
		else if (strcmp(c->k.a, "error") == 0)
			s->streams_error += c->n;
		else if (strcmp(c->k.a, "cancelled") == 0)
			s->streams_cancelled += c->n;
	}
	for (i = 0; i < st->nstreams; i++) {
		s->bytes_sent += st->streams[i].sent;
		s->bytes_received += st->streams[i].received;
	}
	for (i = 0; i < st->errors.n; i++)
		s->stream_errors += ((const struct ledger_counted *)LEDGER_AT(&st->errors, i))->n;
	for (i = 0; i < st->hde.n; i++) {
		const struct ledger_hde_type *t = LEDGER_AT(&st->hde, i);

		s->bytes_original += t->original;
		s->bytes_compressed += t->compressed;
	}
	s->compress_ops = st->compress_ops;
	s->delta_hits = st->delta_hits;
	s->decompress_failures = st->decompress_failed;
	for (i = 0; i < st->migrations.n; i++) {
		const struct ledger_migration_outcome *o = LEDGER_AT(&st->migrations, i);

		s->migrations_ok += o->ok;
		s->migrations_failed += o->failed;
	}
	for (i = 0; i < st->fed.n; i++)
		s->federation_syncs += ((const struct ledger_timed *)LEDGER_AT(&st->fed, i))->count;
	for (i = 0; i < P_COUNT; i++)
		s->fired_total += st->fired[i];
}
