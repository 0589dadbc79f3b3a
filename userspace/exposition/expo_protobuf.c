// SPDX-License-Identifier: Apache-2.0
/*
 * expo_protobuf.c: a family's samples as an io.prometheus.client.MetricFamily.
 *
 * Samples are kept as small records that point into the arrays by offset,
 * because those arrays move when they grow; buckets and spans, which hold
 * no pointers, are kept as their messages at once. Only at
 * expo_pb_finish(), when the family's sizes are known, are the other
 * messages laid out in arrays that no longer move, and the pointers set. protobuf-c packs them
 * (protobuf_c_message_pack); the varint length before each message is the
 * one byte format written here, as protobuf-c has no public helper for it.
 *
 * A histogram family whose series have native buckets goes out as two
 * messages of the same name: first every series with its classic buckets
 * only, then every series with its native buckets only (both with count
 * and sum). Prometheus reads a family as native or as classic by its first
 * series, and 2.42 then stores only that kind (2.45 added
 * scrape_classic_histograms): so one message with both, as client_golang
 * sends, would take the classic _bucket, _sum and _count series from every
 * rule, alert and dashboard the moment an operator turns native histograms
 * on. Split, each Prometheus stores the classic series as before, and the
 * native histogram beside them when it asks for native histograms.
 */
#include "exposition/expo_protobuf.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exposition/utf8.h"
#include "io/prometheus/client/metrics.pb-c.h"

typedef Io__Prometheus__Client__MetricFamily pb_family;
typedef Io__Prometheus__Client__Metric pb_metric;
typedef Io__Prometheus__Client__LabelPair pb_label_pair;
typedef Io__Prometheus__Client__Bucket pb_bucket;
typedef Io__Prometheus__Client__BucketSpan pb_span;

/* the Prometheus schemas of base-2 exponential buckets (metrics.proto) */
#define SCHEMA_MIN (-4)
#define SCHEMA_MAX 8
/* client_golang's makeBuckets(): a gap of up to this many empty buckets is
 * filled with zero deltas rather than starting a new span */
#define MAX_FILLED_GAP 2

/* A growable array: its elements, how many are used, room for how many. */
#define ARRAY(T)                 \
	struct {                 \
		T *v;            \
		size_t n, cap;   \
	}

/* ---- the current family, as records ---- */

struct rec_metric {
	size_t label0, nlabels;	 /* into labels */
	double value;		 /* counter, gauge */
	uint64_t count;		 /* histogram */
	double sum;
	size_t bucket0, nbuckets; /* into b */
	bool native;
	int32_t schema;
	double zero_threshold;
	uint64_t zero_count;
	size_t span0, nspans;	/* into s */
	size_t delta0, ndeltas; /* into deltas */
};

struct rec_label {
	size_t name, value; /* into strs */
};

struct expo_pb {
	bool open;
	enum expo_type type;
	size_t name, help; /* into strs */
	ARRAY(char) strs;  /* NUL-terminated strings, repaired where untrusted */
	ARRAY(struct rec_metric) metrics;
	ARRAY(struct rec_label) labels;
	ARRAY(pb_bucket) b;
	ARRAY(pb_span) s;
	ARRAY(int64_t) deltas; /* as the Histogram message carries them */

	/* the messages, laid out by expo_pb_finish() */
	pb_family family;
	ARRAY(pb_metric) m;
	ARRAY(pb_metric *) mp;
	/* a family's values, in the array of its type (a Histogram is five
	 * times a Counter's size: not one slot that fits all) */
	ARRAY(Io__Prometheus__Client__Counter) counters;
	ARRAY(Io__Prometheus__Client__Gauge) gauges;
	ARRAY(Io__Prometheus__Client__Histogram) histograms;
	ARRAY(pb_label_pair) lp;
	ARRAY(pb_label_pair *) lpp;
	ARRAY(pb_bucket *) bp;
	ARRAY(pb_span *) sp;
	bool has_native;        /* a histogram series of this family has native buckets */
	size_t packed[2], prefix[2]; /* per message (classic, native): bytes, varint bytes */

	char error[224];
};

/* ---- growth ---- */

/* A larger copy of v (cap updated), or NULL with v and cap untouched. */
static void *grow_array(void *v, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *nv;

	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return NULL;
		ncap *= 2;
	}
	nv = realloc(v, ncap * elem);
	if (nv)
		*cap = ncap;
	return nv;
}

/* Room for need elements in a; false when out of memory. */
#define RESERVE(a, need)                                                                   \
	({                                                                                 \
		size_t need_ = (need);                                                     \
		bool ok_ = need_ <= (a).cap;                                               \
		if (!ok_) {                                                                \
			void *nv_ = grow_array((a).v, &(a).cap, need_, sizeof(*(a).v));    \
			if (nv_) {                                                         \
				(a).v = nv_;                                               \
				ok_ = true;                                                \
			}                                                                  \
		}                                                                          \
		ok_;                                                                       \
	})

static const char *error(struct expo_pb *pb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *error(struct expo_pb *pb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pb->error, sizeof(pb->error), fmt, ap);
	va_end(ap);
	return pb->error;
}

static const char *out_of_memory(struct expo_pb *pb)
{
	return error(pb, "out of memory");
}

/* Copies s into strs (repaired: UTF-8 fixed, else as is); its offset, or
 * SIZE_MAX when out of memory. */
static size_t add_string(struct expo_pb *pb, const char *s, bool repair)
{
	size_t off = pb->strs.n, len = repair ? expo_utf8_repaired_len(s) : strlen(s);

	if (!RESERVE(pb->strs, off + len + 1))
		return SIZE_MAX;
	if (repair)
		expo_utf8_repair(pb->strs.v + off, s);
	else
		memcpy(pb->strs.v + off, s, len + 1);
	pb->strs.n += len + 1;
	return off;
}

static const char *str(const struct expo_pb *pb, size_t off)
{
	return pb->strs.v + off;
}

/* ---- lifecycle ---- */

struct expo_pb *expo_pb_new(void)
{
	return calloc(1, sizeof(struct expo_pb));
}

void expo_pb_free(struct expo_pb *pb)
{
	if (!pb)
		return;
	free(pb->strs.v);
	free(pb->metrics.v);
	free(pb->labels.v);
	free(pb->deltas.v);
	free(pb->m.v);
	free(pb->mp.v);
	free(pb->counters.v);
	free(pb->gauges.v);
	free(pb->histograms.v);
	free(pb->lp.v);
	free(pb->lpp.v);
	free(pb->b.v);
	free(pb->bp.v);
	free(pb->s.v);
	free(pb->sp.v);
	free(pb);
}

void expo_pb_begin(struct expo_pb *pb)
{
	pb->open = false;
}

const char *expo_pb_family(struct expo_pb *pb, const char *name, enum expo_type type, const char *help)
{
	pb->strs.n = pb->metrics.n = pb->labels.n = pb->b.n = pb->s.n = pb->deltas.n = 0;
	pb->type = type;
	pb->has_native = false;
	pb->name = add_string(pb, name, false); /* trusted: checked by the writer */
	pb->help = add_string(pb, help ? help : "", true);
	if (pb->name == SIZE_MAX || pb->help == SIZE_MAX)
		return out_of_memory(pb);
	pb->open = true;
	return NULL;
}

/* ---- samples ---- */

/* A new metric record with its labels; NULL when out of memory. */
static struct rec_metric *add_metric(struct expo_pb *pb, const struct expo_label *labels, size_t nlabels)
{
	struct rec_metric *m;

	if (!RESERVE(pb->metrics, pb->metrics.n + 1) || !RESERVE(pb->labels, pb->labels.n + nlabels))
		return NULL;
	m = &pb->metrics.v[pb->metrics.n];
	memset(m, 0, sizeof(*m));
	m->label0 = pb->labels.n;
	m->nlabels = nlabels;
	for (size_t i = 0; i < nlabels; i++) {
		struct rec_label *l = &pb->labels.v[pb->labels.n + i];

		l->name = add_string(pb, labels[i].name, false);
		l->value = add_string(pb, labels[i].value ? labels[i].value : "", true);
		if (l->name == SIZE_MAX || l->value == SIZE_MAX)
			return NULL;
	}
	pb->labels.n += nlabels;
	pb->metrics.n++;
	return m;
}

const char *expo_pb_sample(struct expo_pb *pb, const struct expo_label *labels, size_t nlabels, double value)
{
	struct rec_metric *m;

	assert(pb->open);
	if (pb->type == EXPO_HISTOGRAM)
		return error(pb, "histogram family \"%s\" given a plain sample (protobuf: series only through "
				 "expo_histogram)", str(pb, pb->name));
	m = add_metric(pb, labels, nlabels);
	if (!m)
		return out_of_memory(pb);
	m->value = value;
	return NULL;
}

/* A new span of length 0 at offset. */
static bool add_span(struct expo_pb *pb, int32_t offset)
{
	pb_span *sp;

	if (!RESERVE(pb->s, pb->s.n + 1))
		return false;
	sp = &pb->s.v[pb->s.n++];
	*sp = (pb_span)IO__PROMETHEUS__CLIENT__BUCKET_SPAN__INIT;
	sp->has_offset = sp->has_length = 1;
	sp->offset = offset;
	sp->length = 0;
	return true;
}

static bool append_delta(struct expo_pb *pb, int64_t *prev, uint64_t count)
{
	if (!RESERVE(pb->deltas, pb->deltas.n + 1))
		return false;
	pb->s.v[pb->s.n - 1].length++;
	pb->deltas.v[pb->deltas.n++] = (int64_t)count - *prev;
	*prev = (int64_t)count;
	return true;
}

/*
 * The spans and deltas of the non-empty buckets, as client_golang's
 * makeBuckets() makes them: a span starts at the first bucket and after
 * every gap of more than MAX_FILLED_GAP empty buckets; a shorter gap is
 * filled with zero buckets (cheaper than a span). The first span's offset
 * is its bucket index, a later one's the gap since the previous span; each
 * delta is the count minus the previous bucket's (the first minus 0).
 */
static const char *make_buckets(struct expo_pb *pb, struct rec_metric *m, const struct expo_native_buckets *nb)
{
	int64_t prev = 0, next = 0;
	bool first = true;

	m->span0 = pb->s.n;
	m->delta0 = pb->deltas.n;
	for (size_t k = 0; k < nb->ncounts; k++) {
		int64_t i = (int64_t)nb->first_index + (int64_t)k, gap = i - next;

		if (!nb->counts[k])
			continue;
		if (i > INT32_MAX || gap > INT32_MAX || gap < INT32_MIN)
			return error(pb, "histogram \"%s\": native bucket index %lld out of range", str(pb, pb->name),
				     (long long)i);
		if (first || gap > MAX_FILLED_GAP) {
			if (!add_span(pb, (int32_t)gap))
				return out_of_memory(pb);
			first = false;
		} else {
			for (int64_t j = 0; j < gap; j++)
				if (!append_delta(pb, &prev, 0))
					return out_of_memory(pb);
		}
		if (!append_delta(pb, &prev, nb->counts[k]))
			return out_of_memory(pb);
		next = i + 1;
	}
	/*
	 * No observations: Prometheus tells a native histogram from a classic
	 * one by its buckets, zero count or zero threshold, so without any a
	 * zero threshold of 0 would read as classic. A span of length 0 (as
	 * client_golang writes) keeps it native.
	 */
	if (pb->s.n == m->span0 && nb->zero_count == 0 && !add_span(pb, 0))
		return out_of_memory(pb);
	m->nspans = pb->s.n - m->span0;
	m->ndeltas = pb->deltas.n - m->delta0;
	return NULL;
}

static const char *add_native(struct expo_pb *pb, struct rec_metric *m, const struct expo_native_buckets *nb)
{
	uint64_t total = nb->zero_count;

	if (nb->schema < SCHEMA_MIN || nb->schema > SCHEMA_MAX)
		return error(pb, "histogram \"%s\": native schema %d outside %d..%d", str(pb, pb->name),
			     (int)nb->schema, SCHEMA_MIN, SCHEMA_MAX);
	for (size_t k = 0; k < nb->ncounts; k++)
		if (__builtin_add_overflow(total, nb->counts[k], &total))
			return error(pb, "histogram \"%s\": native bucket counts overflow", str(pb, pb->name));
	if (total != m->count)
		return error(pb, "histogram \"%s\": native buckets hold %llu observations, classic buckets %llu",
			     str(pb, pb->name), (unsigned long long)total, (unsigned long long)m->count);
	m->native = true;
	pb->has_native = true;
	m->schema = nb->schema;
	m->zero_threshold = nb->zero_threshold;
	m->zero_count = nb->zero_count;
	return make_buckets(pb, m, nb);
}

const char *expo_pb_histogram(struct expo_pb *pb, const struct expo_label *labels, size_t nlabels,
			      const double *upper_bounds, const uint64_t *bucket_counts, size_t nbounds,
			      double sum, const struct expo_native_buckets *native)
{
	struct rec_metric *m;
	uint64_t cumulative = 0;

	assert(pb->open && pb->type == EXPO_HISTOGRAM);
	m = add_metric(pb, labels, nlabels);
	if (!m || !RESERVE(pb->b, pb->b.n + nbounds))
		return out_of_memory(pb);
	m->bucket0 = pb->b.n;
	m->nbuckets = nbounds;
	/* cumulative counts of the finite bounds; +Inf is the sample count
	 * (client_golang leaves that bucket out too) */
	for (size_t i = 0; i <= nbounds; i++) {
		pb_bucket *b;

		cumulative += bucket_counts[i];
		if (i == nbounds)
			break;
		b = &pb->b.v[pb->b.n++];
		*b = (pb_bucket)IO__PROMETHEUS__CLIENT__BUCKET__INIT;
		b->has_cumulative_count = b->has_upper_bound = 1;
		b->cumulative_count = cumulative;
		b->upper_bound = upper_bounds[i];
	}
	m->count = cumulative;
	m->sum = sum;
	return native ? add_native(pb, m, native) : NULL;
}

/* ---- packing ---- */

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static bool reserve_messages(struct expo_pb *pb)
{
	size_t nm = pb->metrics.n, nl = pb->labels.n, nb = pb->b.n, ns = pb->s.n;

	bool values = false;

	switch (pb->type) {
	case EXPO_COUNTER:
		values = RESERVE(pb->counters, nm);
		break;
	case EXPO_GAUGE:
		values = RESERVE(pb->gauges, nm);
		break;
	case EXPO_HISTOGRAM:
		values = RESERVE(pb->histograms, nm);
		break;
	}
	return values && RESERVE(pb->m, nm) && RESERVE(pb->mp, nm) && RESERVE(pb->lp, nl) && RESERVE(pb->lpp, nl) &&
	       RESERVE(pb->bp, nb) && RESERVE(pb->sp, ns);
}

/* Which buckets a histogram message carries (see the top of the file). */
enum part { PART_CLASSIC, PART_NATIVE, PART_BOTH };

static void lay_out_histogram(struct expo_pb *pb, const struct rec_metric *r, Io__Prometheus__Client__Histogram *h,
			      enum part part)
{
	*h = (Io__Prometheus__Client__Histogram)IO__PROMETHEUS__CLIENT__HISTOGRAM__INIT;
	h->has_sample_count = h->has_sample_sum = 1;
	h->sample_count = r->count;
	h->sample_sum = r->sum;
	if (part != PART_NATIVE) {
		h->n_bucket = r->nbuckets;
		h->bucket = r->nbuckets ? pb->bp.v + r->bucket0 : NULL;
	}
	if (!r->native || part == PART_CLASSIC)
		return;
	h->has_schema = h->has_zero_threshold = h->has_zero_count = 1;
	h->schema = r->schema;
	h->zero_threshold = r->zero_threshold;
	h->zero_count = r->zero_count;
	h->n_positive_span = r->nspans;
	h->positive_span = r->nspans ? pb->sp.v + r->span0 : NULL;
	h->n_positive_delta = r->ndeltas;
	h->positive_delta = r->ndeltas ? pb->deltas.v + r->delta0 : NULL;
}

/* The messages from the records; the arrays no longer move from here on. */
static void lay_out(struct expo_pb *pb, enum part part)
{
	static const Io__Prometheus__Client__MetricType types[] = {
		[EXPO_COUNTER] = IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER,
		[EXPO_GAUGE] = IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE,
		[EXPO_HISTOGRAM] = IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM,
	};

	for (size_t i = 0; i < pb->labels.n; i++) {
		pb->lp.v[i] = (pb_label_pair)IO__PROMETHEUS__CLIENT__LABEL_PAIR__INIT;
		pb->lp.v[i].name = pb->strs.v + pb->labels.v[i].name;
		pb->lp.v[i].value = pb->strs.v + pb->labels.v[i].value;
		pb->lpp.v[i] = &pb->lp.v[i];
	}
	for (size_t i = 0; i < pb->b.n; i++)
		pb->bp.v[i] = &pb->b.v[i];
	for (size_t i = 0; i < pb->s.n; i++)
		pb->sp.v[i] = &pb->s.v[i];
	for (size_t i = 0; i < pb->metrics.n; i++) {
		const struct rec_metric *r = &pb->metrics.v[i];
		pb_metric *m = &pb->m.v[i];

		*m = (pb_metric)IO__PROMETHEUS__CLIENT__METRIC__INIT;
		m->n_label = r->nlabels;
		m->label = r->nlabels ? pb->lpp.v + r->label0 : NULL;
		switch (pb->type) {
		case EXPO_COUNTER:
			m->counter = &pb->counters.v[i];
			*m->counter = (Io__Prometheus__Client__Counter)IO__PROMETHEUS__CLIENT__COUNTER__INIT;
			m->counter->has_value = 1;
			m->counter->value = r->value;
			break;
		case EXPO_GAUGE:
			m->gauge = &pb->gauges.v[i];
			*m->gauge = (Io__Prometheus__Client__Gauge)IO__PROMETHEUS__CLIENT__GAUGE__INIT;
			m->gauge->has_value = 1;
			m->gauge->value = r->value;
			break;
		case EXPO_HISTOGRAM:
			m->histogram = &pb->histograms.v[i];
			lay_out_histogram(pb, r, m->histogram, part);
			break;
		}
		pb->mp.v[i] = m;
	}
	pb->family = (pb_family)IO__PROMETHEUS__CLIENT__METRIC_FAMILY__INIT;
	pb->family.name = pb->strs.v + pb->name;
	pb->family.help = pb->strs.v + pb->help;
	pb->family.has_type = 1;
	pb->family.type = types[pb->type];
	pb->family.n_metric = pb->metrics.n;
	pb->family.metric = pb->mp.v;
}

/* The parts a family goes out in: one message, or a histogram family's
 * classic and native messages. */
static enum part first_part(const struct expo_pb *pb)
{
	return pb->has_native ? PART_CLASSIC : PART_BOTH;
}

static size_t nparts(const struct expo_pb *pb)
{
	return pb->has_native ? 2 : 1;
}

const char *expo_pb_finish(struct expo_pb *pb, size_t *size)
{
	*size = 0;
	if (!pb->open)
		return NULL;
	pb->open = false;
	/* client_golang's Gather drops a family without metrics as well */
	if (!pb->metrics.n)
		return NULL;
	if (!reserve_messages(pb))
		return out_of_memory(pb);
	for (size_t i = 0; i < nparts(pb); i++) {
		lay_out(pb, first_part(pb) + i);
		pb->packed[i] = protobuf_c_message_get_packed_size(&pb->family.base);
		pb->prefix[i] = varint_len(pb->packed[i]);
		*size += pb->prefix[i] + pb->packed[i];
	}
	return NULL;
}

void expo_pb_pack(struct expo_pb *pb, uint8_t *out)
{
	for (size_t i = 0; i < nparts(pb); i++) {
		size_t v = pb->packed[i], n;

		/* one part stands as expo_pb_finish() laid it out; of two, the
		 * native one was laid out last */
		if (nparts(pb) > 1)
			lay_out(pb, first_part(pb) + i);
		/* the length as a base-128 varint, low 7 bits first */
		for (n = 0; v >= 0x80; v >>= 7)
			out[n++] = (uint8_t)(v | 0x80);
		out[n++] = (uint8_t)v;
		assert(n == pb->prefix[i]);
		n += protobuf_c_message_pack(&pb->family.base, out + n);
		assert(n == pb->prefix[i] + pb->packed[i]);
		out += n;
	}
}
