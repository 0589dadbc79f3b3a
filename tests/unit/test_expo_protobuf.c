// SPDX-License-Identifier: Apache-2.0
/*
 * test_expo_protobuf.c: the protobuf exposition, read back with protobuf-c's
 * own unpack (the generated io.prometheus.client messages) and compared
 * field by field: names, help, types, labels, values, classic buckets, the
 * native spans and deltas of client_golang's makeBuckets(), and the caller
 * bugs the protobuf writer records.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exposition/exposition.h"
#include "io/prometheus/client/metrics.pb-c.h"

typedef Io__Prometheus__Client__MetricFamily family_t;

#define MAX_FAMILIES 16

struct decoded {
	family_t *f[MAX_FAMILIES];
	size_t n;
};

static int setup(void **state)
{
	struct expo_writer *w = expo_writer_new();

	if (!w)
		return -1;
	expo_writer_begin(w, EXPO_FORMAT_PROTOBUF);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	expo_writer_free(*state);
	return 0;
}

/* The delimited stream as its messages: a varint length, then a message. */
static void decode(struct expo_writer *w, struct decoded *d)
{
	size_t len, off = 0;
	const uint8_t *p = (const uint8_t *)expo_writer_data(w, &len);

	assert_null(expo_writer_error(w));
	d->n = 0;
	while (off < len) {
		uint64_t size = 0;
		unsigned shift = 0;

		for (;;) {
			assert_true(off < len);
			assert_true(shift < 64);
			size |= (uint64_t)(p[off] & 0x7f) << shift;
			shift += 7;
			if (!(p[off++] & 0x80))
				break;
		}
		assert_true(size <= len - off);
		assert_true(d->n < MAX_FAMILIES);
		d->f[d->n] = io__prometheus__client__metric_family__unpack(NULL, size, p + off);
		assert_non_null(d->f[d->n]);
		d->n++;
		off += size;
	}
}

static void release(struct decoded *d)
{
	for (size_t i = 0; i < d->n; i++)
		io__prometheus__client__metric_family__free_unpacked(d->f[i], NULL);
	d->n = 0;
}

static void test_counter_gauge_histogram(void **state)
{
	struct expo_writer *w = *state;
	struct expo_label l[] = { { "cluster", "c1" }, { "error_type", "timeout" } };
	const double bounds[] = { 0.5, 1, 300 };
	const uint64_t counts[] = { 1, 2, 3, 4 };
	struct decoded d;
	Io__Prometheus__Client__Histogram *h;

	expo_family(w, "dwcp_amst_errors_total", EXPO_COUNTER, "AMST errors.");
	expo_sample_u64(w, NULL, l, 2, 42);
	expo_sample_u64(w, NULL, l, 1, UINT64_C(1) << 53);
	expo_family(w, "dwcp_ratio", EXPO_GAUGE, "A \"ratio\"\\ with\nnewline.");
	expo_sample(w, NULL, NULL, 0, 0.25);
	expo_sample(w, NULL, NULL, 0, NAN);
	expo_family(w, "dwcp_seconds", EXPO_HISTOGRAM, "Durations.");
	expo_histogram(w, l, 2, bounds, counts, 3, 12.5, NULL);
	expo_writer_end(w);
	decode(w, &d);
	assert_int_equal(d.n, 3);

	/* counters keep "_total" in the family name, as client_golang does */
	assert_string_equal(d.f[0]->name, "dwcp_amst_errors_total");
	assert_string_equal(d.f[0]->help, "AMST errors.");
	assert_true(d.f[0]->has_type);
	assert_int_equal(d.f[0]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER);
	assert_int_equal(d.f[0]->n_metric, 2);
	assert_int_equal(d.f[0]->metric[0]->n_label, 2);
	assert_string_equal(d.f[0]->metric[0]->label[0]->name, "cluster");
	assert_string_equal(d.f[0]->metric[0]->label[0]->value, "c1");
	assert_string_equal(d.f[0]->metric[0]->label[1]->name, "error_type");
	assert_string_equal(d.f[0]->metric[0]->label[1]->value, "timeout");
	assert_non_null(d.f[0]->metric[0]->counter);
	assert_null(d.f[0]->metric[0]->gauge);
	assert_true(d.f[0]->metric[0]->counter->value == 42.0);
	assert_int_equal(d.f[0]->metric[1]->n_label, 1);
	assert_true(d.f[0]->metric[1]->counter->value == 9007199254740992.0);

	/* HELP as is: protobuf needs no escaping */
	assert_string_equal(d.f[1]->name, "dwcp_ratio");
	assert_string_equal(d.f[1]->help, "A \"ratio\"\\ with\nnewline.");
	assert_int_equal(d.f[1]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE);
	assert_int_equal(d.f[1]->n_metric, 2);
	assert_int_equal(d.f[1]->metric[0]->n_label, 0);
	assert_true(d.f[1]->metric[0]->gauge->value == 0.25);
	assert_true(isnan(d.f[1]->metric[1]->gauge->value));

	assert_string_equal(d.f[2]->name, "dwcp_seconds");
	assert_int_equal(d.f[2]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM);
	assert_int_equal(d.f[2]->n_metric, 1);
	h = d.f[2]->metric[0]->histogram;
	assert_non_null(h);
	assert_int_equal(h->sample_count, 10);
	assert_true(h->sample_sum == 12.5);
	/* cumulative, finite bounds only: +Inf is the sample count */
	assert_int_equal(h->n_bucket, 3);
	assert_true(h->bucket[0]->upper_bound == 0.5);
	assert_int_equal(h->bucket[0]->cumulative_count, 1);
	assert_true(h->bucket[1]->upper_bound == 1);
	assert_int_equal(h->bucket[1]->cumulative_count, 3);
	assert_true(h->bucket[2]->upper_bound == 300);
	assert_int_equal(h->bucket[2]->cumulative_count, 6);
	/* classic only: no native fields */
	assert_false(h->has_schema);
	assert_false(h->has_zero_threshold);
	assert_int_equal(h->n_positive_span, 0);
	assert_int_equal(h->n_positive_delta, 0);
	release(&d);
}

/* One native histogram series: two messages of its family, the classic
 * buckets first, then the native ones. Returns the native message's
 * histogram (release d). */
static Io__Prometheus__Client__Histogram *native_series(struct expo_writer *w, struct decoded *d,
							 const struct expo_native_buckets *nb)
{
	const double bound = 1;
	uint64_t counts[2] = { nb->zero_count, 0 };

	for (size_t i = 0; i < nb->ncounts; i++)
		counts[1] += nb->counts[i];
	expo_writer_begin(w, EXPO_FORMAT_PROTOBUF);
	expo_family(w, "h_seconds", EXPO_HISTOGRAM, "h");
	expo_histogram(w, NULL, 0, &bound, counts, 1, 1.0, nb);
	expo_writer_end(w);
	decode(w, d);
	assert_int_equal(d->n, 2);
	for (size_t i = 0; i < 2; i++) {
		const Io__Prometheus__Client__Histogram *h = d->f[i]->metric[0]->histogram;

		assert_string_equal(d->f[i]->name, "h_seconds");
		assert_int_equal(d->f[i]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM);
		assert_int_equal(d->f[i]->n_metric, 1);
		assert_int_equal(h->sample_count, counts[0] + counts[1]);
		assert_true(h->sample_sum == 1.0);
		/* classic: the bucket, no native field; native: the opposite */
		assert_int_equal(h->n_bucket, i == 0 ? 1 : 0);
		assert_int_equal(h->has_schema, i == 1);
		assert_int_equal(h->has_zero_threshold, i == 1);
	}
	assert_int_equal(d->f[0]->metric[0]->histogram->n_positive_span, 0);
	assert_int_equal(d->f[0]->metric[0]->histogram->bucket[0]->cumulative_count, counts[0]);
	return d->f[1]->metric[0]->histogram;
}

static void assert_spans(const Io__Prometheus__Client__Histogram *h, const int32_t (*spans)[2], size_t nspans,
			 const int64_t *deltas, size_t ndeltas)
{
	assert_int_equal(h->n_positive_span, nspans);
	for (size_t i = 0; i < nspans; i++) {
		assert_true(h->positive_span[i]->has_offset && h->positive_span[i]->has_length);
		assert_int_equal(h->positive_span[i]->offset, spans[i][0]);
		assert_int_equal(h->positive_span[i]->length, (uint32_t)spans[i][1]);
	}
	assert_int_equal(h->n_positive_delta, ndeltas);
	for (size_t i = 0; i < ndeltas; i++)
		assert_int_equal(h->positive_delta[i], deltas[i]);
	/* observations are never negative */
	assert_int_equal(h->n_negative_span, 0);
	assert_int_equal(h->n_negative_delta, 0);
}

static void test_native_spans_and_gaps(void **state)
{
	struct expo_writer *w = *state;
	struct decoded d;
	/* buckets -2..8: non-empty at -2, 2, 5, 7, 8; the gaps between them are
	 * 3 (a new span), 2 and 1 (filled with zero buckets), and 0 */
	const uint64_t counts[] = { 1, 0, 0, 0, 2, 0, 0, 3, 0, 4, 5 };
	const struct expo_native_buckets nb = { .schema = 3,
						.zero_threshold = ldexp(1, -128),
						.zero_count = 6,
						.first_index = -2,
						.counts = counts,
						.ncounts = 11 };
	const int32_t spans[][2] = { { -2, 1 }, { 3, 7 } };
	const int64_t deltas[] = { 1, 1, -2, 0, 3, -3, 4, 1 };
	Io__Prometheus__Client__Histogram *h = native_series(w, &d, &nb);

	assert_int_equal(h->sample_count, 21);
	assert_true(h->has_schema);
	assert_int_equal(h->schema, 3);
	assert_true(h->has_zero_threshold);
	assert_true(h->zero_threshold == ldexp(1, -128));
	assert_true(h->has_zero_count);
	assert_int_equal(h->zero_count, 6);
	assert_spans(h, spans, 2, deltas, 8);
	/* the classic buckets are in the family's first message */
	assert_int_equal(d.f[0]->metric[0]->histogram->n_bucket, 1);
	assert_int_equal(d.f[0]->metric[0]->histogram->bucket[0]->cumulative_count, 6);
	release(&d);
}

static void test_native_gap_of_each_size(void **state)
{
	struct expo_writer *w = *state;
	struct decoded d;

	/* two non-empty buckets (3 and 1) with g empty ones between, from index 5 */
	for (int g = 0; g <= 3; g++) {
		uint64_t counts[8] = { 0 };
		struct expo_native_buckets nb = { .schema = 0, .first_index = 4, .counts = counts };
		Io__Prometheus__Client__Histogram *h;

		counts[1] = 3; /* index 5: leading empty buckets start no span */
		counts[2 + g] = 1;
		nb.ncounts = (size_t)(3 + g);
		h = native_series(w, &d, &nb);
		if (g <= 2) {
			/* one span, the gap filled with zero buckets */
			int32_t spans[][2] = { { 5, 2 + g } };
			int64_t deltas[5] = { 3 };

			deltas[1] = -3; /* first empty bucket, or the 1 right after */
			deltas[1 + g] = g ? 1 : -2;
			assert_spans(h, spans, 1, deltas, (size_t)(2 + g));
		} else {
			int32_t spans[][2] = { { 5, 1 }, { 3, 1 } };
			int64_t deltas[] = { 3, -2 };

			assert_spans(h, spans, 2, deltas, 2);
		}
		release(&d);
	}
}

static void test_native_empty_is_still_native(void **state)
{
	struct expo_writer *w = *state;
	struct decoded d;
	const uint64_t zeros[] = { 0, 0, 0 };
	const struct expo_native_buckets nb = { .schema = -4, .zero_threshold = 0, .first_index = 1,
						.counts = zeros, .ncounts = 3 };
	const int32_t noop[][2] = { { 0, 0 } };
	Io__Prometheus__Client__Histogram *h = native_series(w, &d, &nb);

	/* no observations, a zero threshold of 0: the no-op span of
	 * client_golang keeps it a native histogram for Prometheus */
	assert_int_equal(h->sample_count, 0);
	assert_true(h->has_schema);
	assert_int_equal(h->schema, -4);
	assert_spans(h, noop, 1, NULL, 0);
	release(&d);

	/* the same without any bucket array at all */
	const struct expo_native_buckets none_nb = { .schema = 0, .zero_threshold = ldexp(1, -128) };
	h = native_series(w, &d, &none_nb);
	assert_spans(h, noop, 1, NULL, 0);
	assert_true(h->zero_threshold == ldexp(1, -128));
	release(&d);

	/* observations only in the zero bucket: its count says native, no span */
	const struct expo_native_buckets zero_only = { .schema = 0, .zero_count = 4, .counts = zeros, .ncounts = 3 };
	h = native_series(w, &d, &zero_only);
	assert_int_equal(h->zero_count, 4);
	assert_spans(h, NULL, 0, NULL, 0);
	release(&d);
}

static void test_native_count_mismatch_fails(void **state)
{
	struct expo_writer *w = *state;
	const double bound = 1;
	const uint64_t classic[] = { 2, 3 };
	const uint64_t counts[] = { 1, 1 };
	const struct expo_native_buckets nb = { .schema = 0, .zero_count = 2, .counts = counts, .ncounts = 2 };
	const struct expo_native_buckets bad_schema = { .schema = 9, .zero_count = 5 };

	expo_family(w, "h_seconds", EXPO_HISTOGRAM, "h");
	expo_histogram(w, NULL, 0, &bound, classic, 1, 1.0, &nb);
	expo_writer_end(w);
	assert_non_null(expo_writer_error(w));
	assert_non_null(strstr(expo_writer_error(w), "native buckets hold 4 observations, classic buckets 5"));
	assert_non_null(strstr(expo_writer_error(w), "h_seconds"));

	/* the text formats leave native out, and with it this check */
	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_family(w, "h_seconds", EXPO_HISTOGRAM, "h");
	expo_histogram(w, NULL, 0, &bound, classic, 1, 1.0, &nb);
	expo_writer_end(w);
	assert_null(expo_writer_error(w));

	expo_writer_begin(w, EXPO_FORMAT_PROTOBUF);
	expo_family(w, "h_seconds", EXPO_HISTOGRAM, "h");
	expo_histogram(w, NULL, 0, &bound, classic, 1, 1.0, &bad_schema);
	expo_writer_end(w);
	assert_non_null(expo_writer_error(w));
	assert_non_null(strstr(expo_writer_error(w), "schema 9"));
}

static void test_utf8_repaired(void **state)
{
	struct expo_writer *w = *state;
	struct expo_label l[] = { { "binary", "ab\xc3" } }; /* cut in the middle of a character */
	struct decoded d;

	expo_family(w, "g", EXPO_GAUGE, "help \xff\xfe and \xe2\x82\xac");
	expo_sample(w, NULL, l, 1, 1);
	expo_writer_end(w);
	decode(w, &d);
	assert_string_equal(d.f[0]->help, "help \xEF\xBF\xBD\xEF\xBF\xBD and \xe2\x82\xac");
	assert_string_equal(d.f[0]->metric[0]->label[0]->value, "ab\xEF\xBF\xBD");
	release(&d);
}

static void test_caller_bugs(void **state)
{
	struct expo_writer *w = *state;

	/* a suffix names another series: protobuf has no place for it */
	expo_family(w, "g", EXPO_GAUGE, "g");
	expo_sample(w, "_ratio", NULL, 0, 1);
	expo_writer_end(w);
	assert_non_null(expo_writer_error(w));
	assert_non_null(strstr(expo_writer_error(w), "_ratio"));

	expo_writer_begin(w, EXPO_FORMAT_PROTOBUF);
	expo_family(w, "h", EXPO_HISTOGRAM, "h");
	expo_sample_u64(w, NULL, NULL, 0, 1);
	expo_writer_end(w);
	assert_non_null(expo_writer_error(w));

	/* the rules of every format hold for protobuf too */
	expo_writer_begin(w, EXPO_FORMAT_PROTOBUF);
	expo_family(w, "c", EXPO_COUNTER, "no _total");
	assert_non_null(expo_writer_error(w));
	expo_writer_begin(w, EXPO_FORMAT_PROTOBUF);
	expo_family(w, "g", EXPO_GAUGE, "g");
	expo_family(w, "g", EXPO_GAUGE, "g");
	assert_non_null(expo_writer_error(w));
}

static void test_empty_family_left_out_and_reuse(void **state)
{
	struct expo_writer *w = *state;
	struct decoded d;
	char *first;
	size_t len, len2;
	const char *data;

	expo_family(w, "empty_total", EXPO_COUNTER, "nothing");
	expo_family(w, "g", EXPO_GAUGE, "g");
	expo_sample(w, NULL, NULL, 0, 1);
	expo_family(w, "empty2", EXPO_GAUGE, "nothing");
	expo_writer_end(w);
	decode(w, &d);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.f[0]->name, "g");
	release(&d);

	/* a second scrape of the same, on the grown buffers: same bytes */
	data = expo_writer_data(w, &len);
	first = malloc(len);
	assert_non_null(first);
	memcpy(first, data, len);
	expo_writer_begin(w, EXPO_FORMAT_PROTOBUF);
	expo_family(w, "empty_total", EXPO_COUNTER, "nothing");
	expo_family(w, "g", EXPO_GAUGE, "g");
	expo_sample(w, NULL, NULL, 0, 1);
	expo_family(w, "empty2", EXPO_GAUGE, "nothing");
	expo_writer_end(w);
	data = expo_writer_data(w, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(first, data, len);
	free(first);
}

/* Many series: a message longer than 127 bytes has a multi-byte length. */
static void test_long_family_and_append_rendered(void **state)
{
	struct expo_writer *w = *state, *w2 = expo_writer_new();
	struct decoded d;
	const char *body;
	size_t len, len2;

	expo_family(w, "s_total", EXPO_COUNTER, "streams");
	for (int i = 0; i < 1000; i++) {
		char id[16];
		struct expo_label l = { "stream_id", id };

		snprintf(id, sizeof(id), "%d", i);
		expo_sample_u64(w, NULL, &l, 1, (uint64_t)i * 3);
	}
	expo_writer_end(w);
	body = expo_writer_data(w, &len);
	assert_true(len > 16384);
	assert_true((uint8_t)body[0] & 0x80); /* multi-byte varint */
	decode(w, &d);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.f[0]->n_metric, 1000);
	assert_string_equal(d.f[0]->metric[999]->label[0]->value, "999");
	assert_true(d.f[0]->metric[999]->counter->value == 2997);
	release(&d);

	/* scrape sharing copies a finished body into another writer */
	assert_non_null(w2);
	expo_writer_begin(w2, EXPO_FORMAT_PROTOBUF);
	expo_writer_append_rendered(w2, body, len);
	expo_writer_end(w2);
	assert_null(expo_writer_error(w2));
	assert_memory_equal(expo_writer_data(w2, &len2), body, len);
	assert_int_equal(len2, len);
	expo_writer_free(w2);
}

static void test_content_type(void **state)
{
	(void)state;
	assert_string_equal(expo_content_type(EXPO_FORMAT_PROTOBUF),
			    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
			    "encoding=delimited");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counter_gauge_histogram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_native_spans_and_gaps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_native_gap_of_each_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_native_empty_is_still_native, setup, teardown),
		cmocka_unit_test_setup_teardown(test_native_count_mismatch_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf8_repaired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caller_bugs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_family_left_out_and_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_family_and_append_rendered, setup, teardown),
		cmocka_unit_test(test_content_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
