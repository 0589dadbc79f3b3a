/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scrape_buf.h: the buffers one /metrics response needs, reused across
 * scrapes, and its gzip.
 *
 * What it offers
 *   - struct scrape_pool: a few idle buffers, so that steady-state scrapes
 *     allocate nothing; a scrape takes one (scrape_buf_get) and gives it
 *     back (scrape_buf_put) once it has rendered or compressed with it.
 *     Thread-safe.
 *   - struct scrape_buf: an expo_writer to render into and a deflate
 *     stream with its output buffer.
 *   - scrape_buf_gzip(): data as gzip in the buffer's output (the shape of
 *     scrape_result_gzip()'s compress callback); false when zlib fails, and
 *     the scrape is served uncompressed.
 */
#ifndef DWCP_SCRAPE_BUF_H
#define DWCP_SCRAPE_BUF_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <zlib.h>

#include "exposition/exposition.h"

struct scrape_buf {
	struct scrape_pool *pool;
	struct expo_writer *w;
	z_stream zs;
	bool zs_ready;
	unsigned char *gz;
	size_t gz_cap;
	struct scrape_buf *next;
};

struct scrape_pool {
	pthread_mutex_t lock;
	struct scrape_buf *idle;
	unsigned n_idle;
};

void scrape_pool_init(struct scrape_pool *p);
/* Frees the idle buffers; every buffer must have been put back. */
void scrape_pool_free(struct scrape_pool *p);

/* NULL when out of memory. */
struct scrape_buf *scrape_buf_get(struct scrape_pool *p);
void scrape_buf_put(struct scrape_buf *b);

/* buf is a struct scrape_buf; *out points into it until its next use. */
bool scrape_buf_gzip(void *buf, const char *in, size_t len, const unsigned char **out, size_t *outlen);

#endif /* DWCP_SCRAPE_BUF_H */
