// SPDX-License-Identifier: Apache-2.0
/*
 * scrape_buf.c: per-scrape buffers, kept in a small pool, and the gzip of a
 * rendered scrape with each buffer's own deflate stream.
 */
#include "web/scrape_buf.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Idle scrape buffers kept for reuse; more concurrent scrapes allocate. */
#define POOL_KEEP 4

void scrape_pool_init(struct scrape_pool *p)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
}

struct scrape_buf *scrape_buf_get(struct scrape_pool *p)
{
	struct scrape_buf *b;

	pthread_mutex_lock(&p->lock);
	b = p->idle;
	if (b) {
		p->idle = b->next;
		p->n_idle--;
	}
	pthread_mutex_unlock(&p->lock);
	if (b)
		return b;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->pool = p;
	b->w = expo_writer_new();
	if (!b->w) {
		free(b);
		return NULL;
	}
	return b;
}

static void scrape_buf_free(struct scrape_buf *b)
{
	if (b->zs_ready)
		deflateEnd(&b->zs);
	expo_writer_free(b->w);
	free(b->gz);
	free(b);
}

/* Back to the pool once a scrape has rendered or compressed with it (the
 * response itself sends a shared scrape_result). */
void scrape_buf_put(struct scrape_buf *b)
{
	struct scrape_pool *p = b->pool;

	pthread_mutex_lock(&p->lock);
	if (p->n_idle < POOL_KEEP) {
		b->next = p->idle;
		p->idle = b;
		p->n_idle++;
		b = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	if (b)
		scrape_buf_free(b);
}

/* gzip of data into b->gz; false (serve identity) if zlib fails. */
static bool gzip_body(struct scrape_buf *b, const char *data, size_t len, size_t *outlen)
{
	size_t bound;

	if (len > UINT_MAX)
		return false;
	if (!b->zs_ready) {
		/* 15 + 16: a gzip header and trailer instead of zlib's. */
		if (deflateInit2(&b->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
		    Z_OK)
			return false;
		b->zs_ready = true;
	} else if (deflateReset(&b->zs) != Z_OK) {
		return false;
	}
	bound = deflateBound(&b->zs, (uLong)len);
	if (bound > UINT_MAX)
		return false;
	if (bound > b->gz_cap) {
		unsigned char *n = realloc(b->gz, bound);

		if (!n)
			return false;
		b->gz = n;
		b->gz_cap = bound;
	}
	b->zs.next_in = (Bytef *)data;
	b->zs.avail_in = (uInt)len;
	b->zs.next_out = b->gz;
	b->zs.avail_out = (uInt)b->gz_cap;
	if (deflate(&b->zs, Z_FINISH) != Z_STREAM_END)
		return false;
	*outlen = b->gz_cap - b->zs.avail_out;
	return true;
}

bool scrape_buf_gzip(void *buf, const char *in, size_t len, const unsigned char **out, size_t *outlen)
{
	struct scrape_buf *b = buf;

	if (!gzip_body(b, in, len, outlen))
		return false;
	*out = b->gz;
	return true;
}

void scrape_pool_free(struct scrape_pool *p)
{
	struct scrape_buf *b;

	while ((b = p->idle)) {
		p->idle = b->next;
		scrape_buf_free(b);
	}
	pthread_mutex_destroy(&p->lock);
}
