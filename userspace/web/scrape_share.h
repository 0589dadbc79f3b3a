/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scrape_share.h: concurrent scrapes share renders.
 *
 * A render reads every BPF map under the collector lock, so N scrapes that
 * arrive together would otherwise render N times, one after another: at
 * 10,000 streams (about 15 ms a render) 100 concurrent clients wait 1.5 s,
 * and each holds its own copy of a megabyte-sized body. Here a scrape joins
 * the next render of its format that starts after it arrived: never a
 * result older than the request; every scrape that queued behind one
 * render gets the following one, rendered once, as one reference-counted
 * body that all their responses send.
 *
 * What it offers
 *   - scrape_share_init()/scrape_share_free()
 *   - scrape_share_get(): the finished exposition (OpenMetrics' "# EOF"
 *     included) of a render that started after the call, rendered with
 *     render() into scratch, or the one it joined. Thread-safe.
 *   - scrape_result_put(): drop a reference (usable as a response's free
 *     callback).
 *   - scrape_result_gzip(): the result compressed, once for all who share it.
 *   - scrape_share_stats(): renders done and scrapes served by another's
 *     render, for tests and self-metrics.
 */
#ifndef DWCP_SCRAPE_SHARE_H
#define DWCP_SCRAPE_SHARE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "exposition/exposition.h"

#define SCRAPE_SHARE_FORMATS 3 /* enum expo_format: text, OpenMetrics, protobuf */
_Static_assert(EXPO_FORMAT_PROTOBUF + 1 == SCRAPE_SHARE_FORMATS, "a slot for every enum expo_format");

struct scrape_result {
	atomic_uint refs;
	int rc;             /* 0, or the render's negative errno */
	const char *error;  /* the writer's error (a caller bug, out of memory), or NULL */
	char error_text[160];
	pthread_mutex_t gzip_lock; /* the first scrape that wants gzip compresses */
	bool gzip_tried;
	unsigned char *gzip;
	size_t gzip_len;
	size_t len;
	char text[];        /* the exposition, len bytes (protobuf: binary), then a NUL */
};

/* Compresses in into *out (owned by ctx, valid until the next call). */
typedef bool (*scrape_compress_fn)(void *ctx, const char *in, size_t len, const unsigned char **out,
				   size_t *outlen);

struct scrape_share_slot {
	uint64_t started, finished; /* render generations; started > finished: one runs */
	struct scrape_result *latest; /* of the last finished render that had sharers */
	unsigned waiting;             /* scrapes waiting for the next generation */
};

struct scrape_share {
	pthread_mutex_t lock;
	pthread_cond_t done;
	struct scrape_share_slot slots[SCRAPE_SHARE_FORMATS];
	uint64_t renders, shared;
};

typedef int (*scrape_render_fn)(void *ctx, struct expo_writer *w);

void scrape_share_init(struct scrape_share *s);
void scrape_share_free(struct scrape_share *s);

/*
 * scratch: a writer only this thread uses (its buffer is reused). Returns a
 * result with a reference for the caller (check rc and error), or NULL when
 * out of memory.
 */
struct scrape_result *scrape_share_get(struct scrape_share *s, enum expo_format format, struct expo_writer *scratch,
				       scrape_render_fn render, void *ctx);

void scrape_result_put(void *result);

/*
 * The result's text compressed by compress(), once per result however many
 * scrapes share it; NULL when compression failed (send it plain).
 */
const unsigned char *scrape_result_gzip(struct scrape_result *r, scrape_compress_fn compress, void *ctx,
					size_t *len);

void scrape_share_stats(struct scrape_share *s, uint64_t *renders, uint64_t *shared);

#endif /* DWCP_SCRAPE_SHARE_H */
