// SPDX-License-Identifier: Apache-2.0
/* ledger.c: see ledger.h. */
#include "dwcp_probes.h" /* first: it enables the USDT semaphores */

#include "ledger.h"

#include "histogram.h"
#include "promtext.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LABEL_LEN 64
/* dwcp-sim's label values come from fixed lists; more than this is a bug. */
#define TABLE_MAX 32
#define ESC_LEN (2 * LABEL_LEN)

enum probe_index {
#define X_INDEX(name, nargs) P_##name,
	DWCP_FOR_EACH_PROBE(X_INDEX)
#undef X_INDEX
	P_COUNT
};

static const char *const probe_names[P_COUNT] = {
#define X_NAME(name, nargs) #name,
	DWCP_FOR_EACH_PROBE(X_NAME)
#undef X_NAME
};

/* Every table entry starts with its key; equal labels give equal bytes. */
struct key {
	char a[LABEL_LEN];
	char b[LABEL_LEN];
	uint64_t c;
};

struct counted {
	struct key k;
	uint64_t n;
};

struct level {
	struct key k;
	uint64_t value;
};

struct hde_type {
	struct key k;
	uint64_t original, compressed, ops;
	uint64_t buckets[DWCP_COMPRESSION_NBOUNDS + 1];
	uint64_t sum_milli, count;
};

struct migration_outcome {
	struct key k; /* a: dest_node, c: dwcp_enabled */
	uint64_t ok, failed;
};

/* A histogram of nanoseconds the sim measured itself (federation syncs,
 * op_duration operations), so the ledger knows every bucket and the sum. */
struct timed {
	struct key k; /* a, b: the labels */
	uint64_t buckets[DWCP_HIST_MAX_BOUNDS + 1];
	uint64_t sum_ns, count;
};

struct stream {
	char id[LABEL_LEN];
	uint64_t sent, received;
};

struct table {
	void *base;
	size_t elem, n;
};

#define TABLE_OF(arr) { .base = (arr), .elem = sizeof((arr)[0]), .n = 0 }

static const __u64 compression_bounds[] = DWCP_COMPRESSION_BOUNDS;
static const __u64 federation_bounds[] = DWCP_FEDERATION_SYNC_BOUNDS;
static const __u64 op_latency_bounds[] = DWCP_OP_LATENCY_BOUNDS;

static struct counted results_arr[TABLE_MAX], errors_arr[TABLE_MAX], ops_arr[TABLE_MAX],
	saved_arr[TABLE_MAX];
static struct level baselines_arr[TABLE_MAX], speedups_arr[TABLE_MAX], health_arr[TABLE_MAX],
	features_arr[TABLE_MAX];
static struct hde_type hde_arr[TABLE_MAX];
static struct migration_outcome mig_arr[TABLE_MAX];
static struct timed fed_arr[TABLE_MAX], timed_ops_arr[TABLE_MAX];

static struct {
	pthread_mutex_t mu;
	uint64_t fired[P_COUNT];

	struct stream *streams;
	size_t nstreams, cap;
	uint64_t streams_ended;
	struct table results, errors, ops_ended, timed_ops;
	bool bw_set;
	uint64_t bw_used, bw_available;

	struct table hde, baselines;
	uint64_t compress_ops, delta_hits, decompress_ok, decompress_failed;
	bool dict_set;
	uint64_t dict;

	struct table migrations, speedups;
	struct table fed, saved;

	struct table health, features;
	bool version_set;
	char version[3][LABEL_LEN];
} L = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.results = TABLE_OF(results_arr),
	.errors = TABLE_OF(errors_arr),
	.ops_ended = TABLE_OF(ops_arr),
	.timed_ops = TABLE_OF(timed_ops_arr),
	.hde = TABLE_OF(hde_arr),
	.baselines = TABLE_OF(baselines_arr),
	.migrations = TABLE_OF(mig_arr),
	.speedups = TABLE_OF(speedups_arr),
	.fed = TABLE_OF(fed_arr),
	.saved = TABLE_OF(saved_arr),
	.health = TABLE_OF(health_arr),
	.features = TABLE_OF(features_arr),
};

static atomic_uint_fast64_t next_op_id;

static void copy_label(char dst[LABEL_LEN], const char *s)
{
	memset(dst, 0, LABEL_LEN);
	if (s)
		strncpy(dst, s, LABEL_LEN - 1);
}

static void *lookup(struct table *t, const char *a, const char *b, uint64_t c)
{
	struct key k;
	size_t i;
	char *e;

	copy_label(k.a, a);
	copy_label(k.b, b);
	k.c = c;
	for (i = 0; i < t->n; i++) {
		e = (char *)t->base + i * t->elem;
		if (memcmp(e, &k, sizeof(k)) == 0)
			return e;
	}
	if (t->n == TABLE_MAX) {
		fprintf(stderr, "dwcp-sim: ledger: more than %d values of one label (%s)\n",
			TABLE_MAX, k.a);
		abort();
	}
	e = (char *)t->base + t->n++ * t->elem;
	memset(e, 0, t->elem);
	memcpy(e, &k, sizeof(k));
	return e;
}

#define AT(t, i) ((void *)((char *)(t)->base + (i) * (t)->elem))

static void lock(void)
{
	pthread_mutex_lock(&L.mu);
}

static void unlock(void)
{
	pthread_mutex_unlock(&L.mu);
}

int ledger_init(void)
{
	return 0;
}

void ledger_free(void)
{
	lock();
	free(L.streams);
	L.streams = NULL;
	L.nstreams = L.cap = 0;
	unlock();
}

/* ---- AMST ---- */

int ledger_stream_start(const char *stream_id)
{
	struct stream *s;
	int handle;

	lock();
	if (L.nstreams == L.cap) {
		size_t cap = L.cap ? L.cap * 2 : 1024;
		struct stream *grown = realloc(L.streams, cap * sizeof(*grown));

		if (!grown) {
			fprintf(stderr, "dwcp-sim: ledger: out of memory\n");
			abort();
		}
		L.streams = grown;
		L.cap = cap;
	}
	handle = (int)L.nstreams++;
	s = &L.streams[handle];
	copy_label(s->id, stream_id);
	s->sent = s->received = 0;
	DWCP_STREAM_START(s->id);
	L.fired[P_stream_start]++;
	unlock();
	return handle;
}

void ledger_stream_data(int stream, uint64_t bytes_sent, uint64_t bytes_received)
{
	struct stream *s;

	lock();
	s = &L.streams[stream];
	DWCP_STREAM_DATA(s->id, bytes_sent, bytes_received);
	L.fired[P_stream_data]++;
	s->sent += bytes_sent;
	s->received += bytes_received;
	unlock();
}

void ledger_stream_error(int stream, const char *error_type)
{
	struct counted *c;

	lock();
	DWCP_STREAM_ERROR(L.streams[stream].id, error_type);
	L.fired[P_stream_error]++;
	c = lookup(&L.errors, error_type, NULL, 0);
	c->n++;
	unlock();
}

void ledger_stream_end(int stream, const char *result)
{
	struct counted *c;

	lock();
	DWCP_STREAM_END(L.streams[stream].id, result);
	L.fired[P_stream_end]++;
	c = lookup(&L.results, result, NULL, 0);
	c->n++;
	L.streams_ended++;
	/* the exporter observes every ended stream whose start it saw */
	c = lookup(&L.ops_ended, "stream_duration", NULL, 0);
	c->n++;
	unlock();
}

struct ledger_op ledger_op_start(const char *operation)
{
	struct ledger_op op = {
		.id = atomic_fetch_add(&next_op_id, 1) + 1,
		.operation = operation,
	};

	lock();
	DWCP_OP_START(op.id, operation);
	L.fired[P_op_start]++;
	unlock();
	return op;
}

void ledger_op_end(struct ledger_op op)
{
	struct counted *c;

	lock();
	DWCP_OP_END(op.id);
	L.fired[P_op_end]++;
	c = lookup(&L.ops_ended, op.operation, NULL, 0);
	c->n++;
	unlock();
}

static void timed_observe(struct timed *t, const __u64 *bounds, __u32 nbounds, uint64_t ns)
{
	t->buckets[dwcp_hist_slot(bounds, nbounds, ns)]++;
	t->sum_ns += ns;
	t->count++;
}

void ledger_op_duration(const char *operation, uint64_t duration_ns)
{
	lock();
	DWCP_OP_DURATION(operation, duration_ns);
	L.fired[P_op_duration]++;
	timed_observe(lookup(&L.timed_ops, operation, NULL, 0), op_latency_bounds, DWCP_OP_LATENCY_NBOUNDS,
		      duration_ns);
	unlock();
}

void ledger_bandwidth(uint64_t used_bytes_per_sec, uint64_t available_bytes_per_sec)
{
	lock();
	DWCP_BANDWIDTH(used_bytes_per_sec, available_bytes_per_sec);
	L.fired[P_bandwidth]++;
	L.bw_set = true;
	L.bw_used = used_bytes_per_sec;
	L.bw_available = available_bytes_per_sec;
	unlock();
}

/* ---- HDE ---- */

void ledger_compress(const char *data_type, uint64_t original_bytes,
		     uint64_t compressed_bytes, bool delta_hit)
{
	struct hde_type *t;

	lock();
	DWCP_COMPRESS(data_type, original_bytes, compressed_bytes, delta_hit);
	L.fired[P_compress]++;
	t = lookup(&L.hde, data_type, NULL, 0);
	t->original += original_bytes;
	t->compressed += compressed_bytes;
	t->ops++;
	if (compressed_bytes > 0) {
		uint64_t r = dwcp_ratio_milli(original_bytes, compressed_bytes);

		t->buckets[dwcp_hist_slot(compression_bounds, DWCP_COMPRESSION_NBOUNDS, r)]++;
		t->sum_milli += r;
		t->count++;
	}
	L.compress_ops++;
	L.delta_hits += delta_hit ? 1 : 0;
	unlock();
}

void ledger_decompress(bool success)
{
	lock();
	DWCP_DECOMPRESS(success);
	L.fired[P_decompress]++;
	if (success)
		L.decompress_ok++;
	else
		L.decompress_failed++;
	unlock();
}

void ledger_baseline(const char *baseline_type, uint64_t count)
{
	struct level *l;

	lock();
	DWCP_BASELINE(baseline_type, count);
	L.fired[P_baseline]++;
	l = lookup(&L.baselines, baseline_type, NULL, 0);
	l->value = count;
	unlock();
}

void ledger_dictionary(uint64_t efficiency_percent_x100)
{
	lock();
	DWCP_DICTIONARY(efficiency_percent_x100);
	L.fired[P_dictionary]++;
	L.dict_set = true;
	L.dict = efficiency_percent_x100;
	unlock();
}

/* ---- Migration ---- */

struct ledger_migration ledger_migration_start(const char *migration_id,
					       const char *dest_node, bool dwcp_enabled)
{
	struct ledger_migration m;

	copy_label(m.id, migration_id);
	copy_label(m.dest_node, dest_node);
	m.dwcp_enabled = dwcp_enabled;
	lock();
	DWCP_MIGRATION_START(m.id, m.dest_node, m.dwcp_enabled);
	L.fired[P_migration_start]++;
	unlock();
	return m;
}

static void count_migration(const char *dest_node, bool dwcp_enabled, bool success)
{
	struct migration_outcome *o = lookup(&L.migrations, dest_node, NULL, dwcp_enabled);

	if (success)
		o->ok++;
	else
		o->failed++;
}

void ledger_migration_end(const struct ledger_migration *m, bool success)
{
	lock();
	DWCP_MIGRATION_END(m->id, success);
	L.fired[P_migration_end]++;
	count_migration(m->dest_node, m->dwcp_enabled, success);
	unlock();
}

void ledger_migration_done(const struct ledger_migration *m, const char *dest_node, bool dwcp_enabled,
			   bool success)
{
	char dest[LABEL_LEN];

	copy_label(dest, dest_node);
	lock();
	DWCP_MIGRATION_DONE(m->id, dest, dwcp_enabled, success);
	L.fired[P_migration_done]++;
	count_migration(dest, dwcp_enabled, success);
	unlock();
}

void ledger_speedup(const char *vm_type, uint64_t factor_x1000)
{
	struct level *l;

	lock();
	DWCP_SPEEDUP(vm_type, factor_x1000);
	L.fired[P_speedup]++;
	l = lookup(&L.speedups, vm_type, NULL, 0);
	l->value = factor_x1000;
	unlock();
}

/* ---- Federation ---- */

void ledger_federation_sync(const char *remote_cluster, const char *sync_type,
			    uint64_t duration_ns)
{
	lock();
	DWCP_FEDERATION_SYNC(remote_cluster, sync_type, duration_ns);
	L.fired[P_federation_sync]++;
	timed_observe(lookup(&L.fed, remote_cluster, sync_type, 0), federation_bounds,
		      DWCP_FEDERATION_SYNC_NBOUNDS, duration_ns);
	unlock();
}

void ledger_bandwidth_saved(const char *remote_cluster, uint64_t bytes)
{
	struct counted *c;

	lock();
	DWCP_BANDWIDTH_SAVED(remote_cluster, bytes);
	L.fired[P_bandwidth_saved]++;
	c = lookup(&L.saved, remote_cluster, NULL, 0);
	c->n += bytes;
	unlock();
}

/* ---- System ---- */

void ledger_health(const char *component, uint64_t state)
{
	struct level *l;

	lock();
	DWCP_HEALTH(component, state);
	L.fired[P_health]++;
	l = lookup(&L.health, component, NULL, 0);
	l->value = state;
	unlock();
}

void ledger_feature(const char *feature, bool enabled)
{
	struct level *l;

	lock();
	DWCP_FEATURE(feature, enabled);
	L.fired[P_feature]++;
	l = lookup(&L.features, feature, NULL, 0);
	l->value = enabled;
	unlock();
}

void ledger_version(const char *version, const char *git_commit, const char *build_date)
{
	lock();
	copy_label(L.version[0], version);
	copy_label(L.version[1], git_commit);
	copy_label(L.version[2], build_date);
	DWCP_VERSION(L.version[0], L.version[1], L.version[2]);
	L.fired[P_version]++;
	L.version_set = true;
	unlock();
}

void ledger_reannounce(void)
{
	size_t i;

	lock();
	if (L.bw_set) {
		DWCP_BANDWIDTH(L.bw_used, L.bw_available);
		L.fired[P_bandwidth]++;
	}
	for (i = 0; i < L.baselines.n; i++) {
		struct level *l = AT(&L.baselines, i);

		DWCP_BASELINE(l->k.a, l->value);
		L.fired[P_baseline]++;
	}
	if (L.dict_set) {
		DWCP_DICTIONARY(L.dict);
		L.fired[P_dictionary]++;
	}
	for (i = 0; i < L.speedups.n; i++) {
		struct level *l = AT(&L.speedups, i);

		DWCP_SPEEDUP(l->k.a, l->value);
		L.fired[P_speedup]++;
	}
	for (i = 0; i < L.health.n; i++) {
		struct level *l = AT(&L.health, i);

		DWCP_HEALTH(l->k.a, l->value);
		L.fired[P_health]++;
	}
	for (i = 0; i < L.features.n; i++) {
		struct level *l = AT(&L.features, i);

		DWCP_FEATURE(l->k.a, l->value);
		L.fired[P_feature]++;
	}
	if (L.version_set) {
		DWCP_VERSION(L.version[0], L.version[1], L.version[2]);
		L.fired[P_version]++;
	}
	unlock();
}

/* ---- rendering ---- */

static const char *esc(char buf[ESC_LEN], const char *label)
{
	promtext_escape(buf, ESC_LEN, label);
	return buf;
}

static const char *dbl(char buf[PROMTEXT_DOUBLE_LEN], double v)
{
	promtext_double(buf, PROMTEXT_DOUBLE_LEN, v);
	return buf;
}

static void render_counted(struct linebuf *out, const struct table *t, const char *metric,
			   const char *label)
{
	char e[ESC_LEN];
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct counted *c = AT(t, i);

		linebuf_addf(out, "%s{%s=\"%s\"} %" PRIu64, metric, label, esc(e, c->k.a), c->n);
	}
}

/* scale: the level's fixed-point unit (1 for plain integers). */
static void render_level(struct linebuf *out, const struct table *t, const char *metric,
			 const char *label, double scale)
{
	char e[ESC_LEN], d[PROMTEXT_DOUBLE_LEN];
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct level *l = AT(t, i);

		linebuf_addf(out, "%s{%s=\"%s\"} %s", metric, label, esc(e, l->k.a),
			     dbl(d, (double)l->value / scale));
	}
}

/* Every histogram of t as Prometheus samples; label_b NULL for one label. */
static void render_timed(struct linebuf *out, const struct table *t, const char *metric, const char *label_a,
			 const char *label_b, const __u64 *bounds, __u32 nbounds)
{
	char a[ESC_LEN], bv[ESC_LEN], labels[4 * ESC_LEN], d[PROMTEXT_DOUBLE_LEN], le[PROMTEXT_DOUBLE_LEN];
	size_t i, b;

	for (i = 0; i < t->n; i++) {
		const struct timed *h = AT(t, i);
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

static void render_amst(struct linebuf *out)
{
	char e[ESC_LEN], d[PROMTEXT_DOUBLE_LEN];
	size_t i;

	render_counted(out, &L.results, "dwcp_amst_streams_total", "result");
	for (i = 0; i < L.nstreams; i++) {
		const struct stream *s = &L.streams[i];

		esc(e, s->id);
		linebuf_addf(out, "dwcp_amst_bytes_sent_total{stream_id=\"%s\"} %" PRIu64, e,
			     s->sent);
		linebuf_addf(out, "dwcp_amst_bytes_received_total{stream_id=\"%s\"} %" PRIu64, e,
			     s->received);
	}
	render_counted(out, &L.errors, "dwcp_amst_errors_total", "error_type");
	render_counted(out, &L.ops_ended, "dwcp_amst_latency_seconds_count", "operation");
	render_timed(out, &L.timed_ops, "dwcp_amst_latency_seconds", "operation", NULL, op_latency_bounds,
		     DWCP_OP_LATENCY_NBOUNDS);
	linebuf_addf(out, "dwcp_amst_streams_active %" PRIu64, L.nstreams - L.streams_ended);
	if (L.bw_set && L.bw_available > 0)
		linebuf_addf(out, "dwcp_amst_bandwidth_utilization_percent %s",
			     dbl(d, (double)L.bw_used / (double)L.bw_available * 100.0));
}

static void render_hde(struct linebuf *out)
{
	char e[ESC_LEN], d[PROMTEXT_DOUBLE_LEN], le[PROMTEXT_DOUBLE_LEN];
	size_t i, b;

	if (L.compress_ops)
		linebuf_addf(out,
			     "dwcp_hde_operations_total{operation=\"encode\",result=\"success\"} %" PRIu64,
			     L.compress_ops);
	if (L.decompress_ok)
		linebuf_addf(out,
			     "dwcp_hde_operations_total{operation=\"decode\",result=\"success\"} %" PRIu64,
			     L.decompress_ok);
	if (L.decompress_failed)
		linebuf_addf(out,
			     "dwcp_hde_operations_total{operation=\"decode\",result=\"failure\"} %" PRIu64,
			     L.decompress_failed);
	for (i = 0; i < L.hde.n; i++) {
		const struct hde_type *t = AT(&L.hde, i);
		uint64_t cumulative = 0;

		esc(e, t->k.a);
		linebuf_addf(out, "dwcp_hde_bytes_original_total{data_type=\"%s\"} %" PRIu64, e,
			     t->original);
		linebuf_addf(out, "dwcp_hde_bytes_compressed_total{data_type=\"%s\"} %" PRIu64, e,
			     t->compressed);
		for (b = 0; b <= DWCP_COMPRESSION_NBOUNDS; b++) {
			cumulative += t->buckets[b];
			if (b < DWCP_COMPRESSION_NBOUNDS)
				dbl(le, (double)compression_bounds[b] / (double)DWCP_RATIO_SCALE);
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
	if (L.compress_ops)
		linebuf_addf(out, "dwcp_hde_delta_hit_rate_percent %s",
			     dbl(d, (double)L.delta_hits / (double)L.compress_ops * 100.0));
	render_level(out, &L.baselines, "dwcp_hde_baseline_count", "baseline_type", 1.0);
	if (L.dict_set)
		linebuf_addf(out, "dwcp_hde_dictionary_efficiency_percent %s",
			     dbl(d, (double)L.dict / 100.0));
}

static void render_migration(struct linebuf *out)
{
	char e[ESC_LEN];
	size_t i;

	for (i = 0; i < L.migrations.n; i++) {
		const struct migration_outcome *o = AT(&L.migrations, i);
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
	render_level(out, &L.speedups, "dwcp_migration_speedup_factor", "vm_type", 1000.0);
}

static void render_federation(struct linebuf *out)
{
	render_timed(out, &L.fed, "dwcp_federation_sync_duration_seconds", "remote_cluster", "sync_type",
		     federation_bounds, DWCP_FEDERATION_SYNC_NBOUNDS);
	render_counted(out, &L.saved, "dwcp_federation_bandwidth_saved_bytes_total",
		       "remote_cluster");
}

static void render_system(struct linebuf *out)
{
	char v[ESC_LEN], c[ESC_LEN], b[ESC_LEN];

	render_level(out, &L.health, "dwcp_system_component_health", "component", 1.0);
	render_level(out, &L.features, "dwcp_system_config_enabled", "feature", 1.0);
	if (L.version_set)
		linebuf_addf(out,
			     "dwcp_system_version_info{version=\"%s\",git_commit=\"%s\",build_date=\"%s\"} 1",
			     esc(v, L.version[0]), esc(c, L.version[1]), esc(b, L.version[2]));
}

int ledger_write(const char *path)
{
	struct linebuf header, body;
	int i, rc;

	linebuf_init(&header);
	linebuf_init(&body);
	lock();
	linebuf_addf(&header, "# dwcp-sim ledger v1 pid=%d", (int)getpid());
	for (i = 0; i < P_COUNT; i++)
		linebuf_addf(&header, "# fired %s %" PRIu64, probe_names[i], L.fired[i]);
	render_amst(&body);
	render_hde(&body);
	render_migration(&body);
	render_federation(&body);
	render_system(&body);
	unlock();
	linebuf_sort(&body);
	rc = promtext_write_atomic(path, &header, &body);
	linebuf_free(&header);
	linebuf_free(&body);
	return rc;
}

void ledger_get_summary(struct ledger_summary *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	lock();
	s->streams_started = L.nstreams;
	for (i = 0; i < L.results.n; i++) {
		const struct counted *c = AT(&L.results, i);

		if (strcmp(c->k.a, "success") == 0)
			s->streams_success += c->n;
		else if (strcmp(c->k.a, "error") == 0)
			s->streams_error += c->n;
		else if (strcmp(c->k.a, "cancelled") == 0)
			s->streams_cancelled += c->n;
	}
	for (i = 0; i < L.nstreams; i++) {
		s->bytes_sent += L.streams[i].sent;
		s->bytes_received += L.streams[i].received;
	}
	for (i = 0; i < L.errors.n; i++)
		s->stream_errors += ((const struct counted *)AT(&L.errors, i))->n;
	for (i = 0; i < L.hde.n; i++) {
		const struct hde_type *t = AT(&L.hde, i);

		s->bytes_original += t->original;
		s->bytes_compressed += t->compressed;
	}
	s->compress_ops = L.compress_ops;
	s->delta_hits = L.delta_hits;
	s->decompress_failures = L.decompress_failed;
	for (i = 0; i < L.migrations.n; i++) {
		const struct migration_outcome *o = AT(&L.migrations, i);

		s->migrations_ok += o->ok;
		s->migrations_failed += o->failed;
	}
	for (i = 0; i < L.fed.n; i++)
		s->federation_syncs += ((const struct timed *)AT(&L.fed, i))->count;
	for (i = 0; i < P_COUNT; i++)
		s->fired_total += L.fired[i];
	unlock();
}
