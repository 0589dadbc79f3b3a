/* SPDX-License-Identifier: Apache-2.0 */
/*
 * expo_protobuf.h: the protobuf exposition format, one family at a time.
 * Used by exposition.c only (the writer's interface is exposition.h); pure,
 * no I/O.
 *
 * What it offers
 *   - struct expo_pb: collects the samples of the current family and packs
 *     it as one io.prometheus.client.MetricFamily message (protobuf-c, code
 *     generated from the client model's metrics.proto, see the Makefile),
 *     preceded by its length as a varint: the "encoding=delimited" stream
 *     Prometheus reads, one message per family.
 *   - Native histograms: the spans and deltas of client_golang's
 *     makeBuckets() from a series' struct expo_native_buckets. A histogram
 *     family with native buckets is packed as two messages of its name,
 *     the classic buckets and the native ones (why: expo_protobuf.c).
 *
 * Calls go exposition.c -> here: expo_pb_family() starts a family (the
 * previous one must have been taken with expo_pb_finish()), the samples
 * follow, expo_pb_finish() gives the bytes the family packs into and
 * expo_pb_pack() writes them. Every function returns NULL, or what the
 * caller did wrong (the writer records it and fails the scrape); the
 * message stays valid until the next call.
 *
 * Every array and string is kept across families and scrapes, so once they
 * have grown to a scrape's size, packing allocates nothing.
 */
#ifndef DWCP_EXPO_PROTOBUF_H
#define DWCP_EXPO_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

#include "exposition/expo_types.h"

#define EXPO_PROTOBUF_CONTENT_TYPE \
	"application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"

struct expo_pb;

/* NULL when out of memory. */
struct expo_pb *expo_pb_new(void);
void expo_pb_free(struct expo_pb *pb);

/* Drops the current family, if any (a new scrape). */
void expo_pb_begin(struct expo_pb *pb);

/* name as the text format prints it in HELP/TYPE (counters with "_total"). */
const char *expo_pb_family(struct expo_pb *pb, const char *name, enum expo_type type, const char *help);

/* A counter's or a gauge's sample. */
const char *expo_pb_sample(struct expo_pb *pb, const struct expo_label *labels, size_t nlabels, double value);

/* A histogram series, with the arguments of expo_histogram(). */
const char *expo_pb_histogram(struct expo_pb *pb, const struct expo_label *labels, size_t nlabels,
			      const double *upper_bounds, const uint64_t *bucket_counts, size_t nbounds,
			      double sum, const struct expo_native_buckets *native);

/*
 * Ends the current family: *size is the bytes of its delimited messages, 0
 * when there is none to write (no family, or one without samples, which
 * client_golang leaves out as well).
 */
const char *expo_pb_finish(struct expo_pb *pb, size_t *size);

/* Writes the finished family's size bytes to out: its one or two messages. */
void expo_pb_pack(struct expo_pb *pb, uint8_t *out);

#endif /* DWCP_EXPO_PROTOBUF_H */
