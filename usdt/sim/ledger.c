// SPDX-License-Identifier: Apache-2.0
/* ledger.c: see ledger.h. Records; ledger_render.c says what the records
 * mean to a scrape. */
#include "ledger_state.h" /* first: it includes dwcp_probes.h, which enables the USDT semaphores */

#include "ledger.h"
#include "ledger_render.h"
#include "promtext.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const ledger_probe_names[P_COUNT] = {
#define X_NAME(name, nargs) #name,
	DWCP_FOR_EACH_PROBE(X_NAME)
#undef X_NAME
};

const __u64 ledger_compression_bounds[DWCP_COMPRESSION_NBOUNDS] = DWCP_COMPRESSION_BOUNDS;
const __u64 ledger_federation_bounds[DWCP_FEDERATION_SYNC_NBOUNDS] = DWCP_FEDERATION_SYNC_BOUNDS;
const __u64 ledger_op_latency_bounds[DWCP_OP_LATENCY_NBOUNDS] = DWCP_OP_LATENCY_BOUNDS;

#define TABLE_OF(arr) { .base = (arr), .elem = sizeof((arr)[0]), .n = 0 }

static struct ledger_counted results_arr[LEDGER_TABLE_MAX], errors_arr[LEDGER_TABLE_MAX], ops_arr[LEDGER_TABLE_MAX],
	saved_arr[LEDGER_TABLE_MAX];
static struct ledger_level baselines_arr[LEDGER_TABLE_MAX], speedups_arr[LEDGER_TABLE_MAX], health_arr[LEDGER_TABLE_MAX],
	features_arr[LEDGER_TABLE_MAX];
static struct ledger_hde_type hde_arr[LEDGER_TABLE_MAX];
static struct ledger_migration_outcome mig_arr[LEDGER_TABLE_MAX];
static struct ledger_timed fed_arr[LEDGER_TABLE_MAX], timed_ops_arr[LEDGER_TABLE_MAX];

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct ledger_state L = {
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

static void copy_label(char dst[LEDGER_LABEL_LEN], const char *s)
{
	memset(dst, 0, LEDGER_LABEL_LEN);
	if (s)
		strncpy(dst, s, LEDGER_LABEL_LEN - 1);
}

static void *lookup(struct ledger_table *t, const char *a, const char *b, uint64_t c)
{
	struct ledger_key k;
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
	if (t->n == LEDGER_TABLE_MAX) {
		fprintf(stderr, "dwcp-sim: ledger: more than %d values of one label (%s)\n",
			LEDGER_TABLE_MAX, k.a);
		abort();
	}
	e = (char *)t->base + t->n++ * t->elem;
	memset(e, 0, t->elem);
	memcpy(e, &k, sizeof(k));
	return e;
}

static void lock(void)
{
	pthread_mutex_lock(&mu);
}

static void unlock(void)
{
	pthread_mutex_unlock(&mu);
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
	struct ledger_stream *s;
	int handle;

	lock();
	if (L.nstreams == L.cap) {
		size_t cap = L.cap ? L.cap * 2 : 1024;
		struct ledger_stream *grown = realloc(L.streams, cap * sizeof(*grown));

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
	struct ledger_stream *s;

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
	struct ledger_counted *c;

	lock();
	DWCP_STREAM_ERROR(L.streams[stream].id, error_type);
	L.fired[P_stream_error]++;
	c = lookup(&L.errors, error_type, NULL, 0);
	c->n++;
	unlock();
}

void ledger_stream_end(int stream, const char *result)
{
	struct ledger_counted *c;

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
	struct ledger_counted *c;

	lock();
	DWCP_OP_END(op.id);
	L.fired[P_op_end]++;
	c = lookup(&L.ops_ended, op.operation, NULL, 0);
	c->n++;
	unlock();
}

/* Keeps one raw observation for the ledger's "# value" lines (caller holds
 * the lock). Out of memory loses only the list: the test then fails on a
 * count that does not match. */
static void record_value(const char *family, const struct ledger_key *k, uint64_t raw)
{
	struct ledger_value *v;

	if (L.nvalues == L.values_cap) {
		size_t cap = L.values_cap ? 2 * L.values_cap : 1024;
		struct ledger_value *grown = realloc(L.values, cap * sizeof(*grown));

		if (!grown)
			return;
		L.values = grown;
		L.values_cap = cap;
	}
	v = &L.values[L.nvalues++];
	v->family = family;
	memcpy(v->a, k->a, sizeof(v->a));
	memcpy(v->b, k->b, sizeof(v->b));
	v->raw = raw;
}

static void timed_observe(struct ledger_timed *t, const __u64 *bounds, __u32 nbounds, uint64_t ns)
{
	t->buckets[dwcp_classic_bucket(bounds, nbounds, ns)]++;
	t->sum_ns += ns;
	t->count++;
}

void ledger_op_duration(const char *operation, uint64_t duration_ns)
{
	struct ledger_timed *t;

	lock();
	DWCP_OP_DURATION(operation, duration_ns);
	L.fired[P_op_duration]++;
	t = lookup(&L.timed_ops, operation, NULL, 0);
	timed_observe(t, ledger_op_latency_bounds, DWCP_OP_LATENCY_NBOUNDS, duration_ns);
	record_value("dwcp_amst_latency_seconds", &t->k, duration_ns);
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
	struct ledger_hde_type *t;

	lock();
	DWCP_COMPRESS(data_type, original_bytes, compressed_bytes, delta_hit);
	L.fired[P_compress]++;
	t = lookup(&L.hde, data_type, NULL, 0);
	t->original += original_bytes;
	t->compressed += compressed_bytes;
	t->ops++;
	if (compressed_bytes > 0) {
		uint64_t r = dwcp_ratio_milli(original_bytes, compressed_bytes);

		t->buckets[dwcp_classic_bucket(ledger_compression_bounds, DWCP_COMPRESSION_NBOUNDS, r)]++;
		t->sum_milli += r;
		t->count++;
		record_value("dwcp_hde_compression_ratio", &t->k, r);
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
	struct ledger_level *l;

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
	struct ledger_migration_outcome *o = lookup(&L.migrations, dest_node, NULL, dwcp_enabled);

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
	char dest[LEDGER_LABEL_LEN];

	copy_label(dest, dest_node);
	lock();
	DWCP_MIGRATION_DONE(m->id, dest, dwcp_enabled, success);
	L.fired[P_migration_done]++;
	count_migration(dest, dwcp_enabled, success);
	unlock();
}

void ledger_speedup(const char *vm_type, uint64_t factor_x1000)
{
	struct ledger_level *l;

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
	struct ledger_timed *t;

	lock();
	DWCP_FEDERATION_SYNC(remote_cluster, sync_type, duration_ns);
	L.fired[P_federation_sync]++;
	t = lookup(&L.fed, remote_cluster, sync_type, 0);
	timed_observe(t, ledger_federation_bounds, DWCP_FEDERATION_SYNC_NBOUNDS, duration_ns);
	record_value("dwcp_federation_sync_duration_seconds", &t->k, duration_ns);
	unlock();
}

void ledger_bandwidth_saved(const char *remote_cluster, uint64_t bytes)
{
	struct ledger_counted *c;

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
	struct ledger_level *l;

	lock();
	DWCP_HEALTH(component, state);
	L.fired[P_health]++;
	l = lookup(&L.health, component, NULL, 0);
	l->value = state;
	unlock();
}

void ledger_feature(const char *feature, bool enabled)
{
	struct ledger_level *l;

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
		struct ledger_level *l = LEDGER_AT(&L.baselines, i);

		DWCP_BASELINE(l->k.a, l->value);
		L.fired[P_baseline]++;
	}
	if (L.dict_set) {
		DWCP_DICTIONARY(L.dict);
		L.fired[P_dictionary]++;
	}
	for (i = 0; i < L.speedups.n; i++) {
		struct ledger_level *l = LEDGER_AT(&L.speedups, i);

		DWCP_SPEEDUP(l->k.a, l->value);
		L.fired[P_speedup]++;
	}
	for (i = 0; i < L.health.n; i++) {
		struct ledger_level *l = LEDGER_AT(&L.health, i);

		DWCP_HEALTH(l->k.a, l->value);
		L.fired[P_health]++;
	}
	for (i = 0; i < L.features.n; i++) {
		struct ledger_level *l = LEDGER_AT(&L.features, i);

		DWCP_FEATURE(l->k.a, l->value);
		L.fired[P_feature]++;
	}
	if (L.version_set) {
		DWCP_VERSION(L.version[0], L.version[1], L.version[2]);
		L.fired[P_version]++;
	}
	unlock();
}

int ledger_write(const char *path)
{
	struct linebuf header, body;
	int rc;

	linebuf_init(&header);
	linebuf_init(&body);
	lock();
	ledger_render(&L, (int)getpid(), &header, &body);
	unlock();
	linebuf_sort(&body);
	rc = promtext_write_atomic(path, &header, &body);
	linebuf_free(&header);
	linebuf_free(&body);
	return rc;
}

void ledger_get_summary(struct ledger_summary *s)
{
	lock();
	ledger_summarize(&L, s);
	unlock();
}
