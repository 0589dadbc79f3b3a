/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exposition.h: Prometheus exposition writer. Pure: no I/O, no BPF.
 *
 * What it offers
 *   - struct expo_writer: renders metric families into one growable buffer in
 *     the Prometheus text format 0.0.4, OpenMetrics 1.0.0 or the protobuf
 *     format (varint-length-delimited io.prometheus.client.MetricFamily
 *     messages, expo_protobuf.h). The buffer is kept across
 *     expo_writer_begin() calls, so once it has grown to the size of a
 *     scrape, rendering allocates nothing.
 *   - Escaping and repair done once, here: label values escape '\\', '"' and
 *     newline; HELP escapes '\\' and newline (OpenMetrics: like a label
 *     value); bytes that are not valid UTF-8 (a BPF string cut at 63 bytes in
 *     the middle of a character) become U+FFFD. The output is always valid
 *     UTF-8 and every line ends with '\n'. Protobuf carries HELP and label
 *     values unescaped, with the same UTF-8 repair.
 *   - Histograms from non-cumulative bucket counts (the layout of
 *     bpf/histogram.h): cumulative _bucket lines, le="+Inf", _sum, _count;
 *     in protobuf also the native buckets (struct expo_native_buckets).
 *   - expo_content_type() names a format for the Content-Type header
 *     (content_negotiation.h picks it from a request's Accept header).
 *
 * Caller bugs (a family started twice since begin, a sample before any
 * family, a counter name without "_total"; in protobuf also a sample with a
 * suffix and native buckets that do not count what the classic ones do)
 * are recorded, not rendered:
 * expo_writer_error() says what went wrong and the scrape should fail
 * rather than serve a broken exposition. Metric and label names are trusted
 * (checked by assert() in debug builds), label values and HELP are not.
 *
 * Example
 *
 *     struct expo_label l[] = { { "cluster", "c1" }, { "error_type", et } };
 *     expo_writer_begin(w, expo_negotiate(accept));
 *     expo_family(w, "dwcp_amst_errors_total", EXPO_COUNTER, "AMST errors.");
 *     expo_sample_u64(w, NULL, l, 2, errors);
 *     expo_writer_end(w);
 *     if (expo_writer_error(w)) ...500...
 *     body = expo_writer_data(w, &len);
 */
#ifndef DWCP_EXPOSITION_H
#define DWCP_EXPOSITION_H

#include <stddef.h>
#include <stdint.h>

#include "exposition/expo_types.h"
#include "exposition/float_format.h"

/* enum expo_type, struct expo_label, struct expo_native_buckets: expo_types.h */

enum expo_format { EXPO_FORMAT_TEXT_0_0_4, EXPO_FORMAT_OPENMETRICS_1_0_0, EXPO_FORMAT_PROTOBUF };

struct expo_writer;

/* NULL when out of memory. */
struct expo_writer *expo_writer_new(void);
void expo_writer_free(struct expo_writer *w);

/* Clears content and the error, keeps the buffer. */
void expo_writer_begin(struct expo_writer *w, enum expo_format format);

/*
 * Starts a family: writes HELP and TYPE once. Counters are named WITH
 * "_total" ("dwcp_amst_errors_total"): text 0.0.4 prints HELP/TYPE with that
 * name; OpenMetrics prints the family name without "_total" and keeps it on
 * the samples; protobuf names the MetricFamily as text 0.0.4 does (with
 * "_total", as client_golang does). Starting a family again since begin()
 * records an error and drops that family's samples. Protobuf leaves out a
 * family without samples, as client_golang does.
 */
void expo_family(struct expo_writer *w, const char *name, enum expo_type type, const char *help);

/* "counter", "gauge", "histogram": the TYPE line's word for type. */
const char *expo_type_name(enum expo_type type);

/*
 * A sample of the current family. suffix is NULL or "_bucket", "_sum",
 * "_count"... appended to the family name for gauges and histograms; a
 * counter's sample is the family name as given (suffix must be NULL). In
 * protobuf every sample is a Metric of its family: suffix must be NULL and
 * the family a counter or a gauge (a caller bug otherwise).
 */
void expo_sample(struct expo_writer *w, const char *suffix, const struct expo_label *labels,
		 size_t nlabels, double value);
/* The same with an exact integer value. */
void expo_sample_u64(struct expo_writer *w, const char *suffix, const struct expo_label *labels,
		     size_t nlabels, uint64_t value);

/*
 * One histogram series of the current (histogram) family. upper_bounds:
 * nbounds ascending finite bounds in the base unit; bucket_counts: nbounds + 1
 * NON-cumulative counts, the last one above every bound. Writes cumulative
 * _bucket lines (le last among the labels), le="+Inf", _sum and _count (the
 * total of bucket_counts). native: NULL, or the same observations in native
 * buckets (the text formats leave it out; protobuf encodes it, and records
 * a caller bug when its zero_count and counts do not total the classic
 * buckets' count).
 */
void expo_histogram(struct expo_writer *w, const struct expo_label *labels, size_t nlabels,
		    const double *upper_bounds, const uint64_t *bucket_counts, size_t nbounds,
		    double sum, const struct expo_native_buckets *native);

/* OpenMetrics: "# EOF\n"; protobuf: packs the last family; text: nothing. */
void expo_writer_end(struct expo_writer *w);

/*
 * The rendered exposition (NUL-terminated for convenience; len excludes it).
 * Protobuf is binary and holds NUL bytes: always use len, never strlen().
 */
const char *expo_writer_data(const struct expo_writer *w, size_t *len);

/* The format given to expo_writer_begin(). */
enum expo_format expo_writer_format(const struct expo_writer *w);

/*
 * Appends the body of another writer's finished scrape in the same format,
 * so that concurrent scrapes can share one render: its expo_writer_data()
 * before its expo_writer_end() for the text formats (end adds OpenMetrics'
 * "# EOF"), after it for protobuf (end packs the last family and adds no
 * marker). Only right after begin; a caller bug otherwise.
 */
void expo_writer_append_rendered(struct expo_writer *w, const char *text, size_t len);

/* NULL if fine, else what went wrong first (out of memory, a caller bug). */
const char *expo_writer_error(const struct expo_writer *w);

/* "text/plain; version=0.0.4; charset=utf-8",
 * "application/openmetrics-text; version=1.0.0; charset=utf-8" or
 * "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited". */
const char *expo_content_type(enum expo_format f);

#endif /* DWCP_EXPOSITION_H */
