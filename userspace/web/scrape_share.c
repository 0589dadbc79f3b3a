// SPDX-License-Identifier: Apache-2.0
#include "web/scrape_share.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void scrape_share_init(struct scrape_share *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->done, NULL);
}

void scrape_result_put(void *result)
{
	struct scrape_result *r = result;

	if (r && atomic_fetch_sub(&r->refs, 1) == 1) {
		pthread_mutex_destroy(&r->gzip_lock);
		free(r->gzip);
		free(r);
	}
}

void scrape_share_free(struct scrape_share *s)
{
	for (int i = 0; i < SCRAPE_SHARE_FORMATS; i++)
		scrape_result_put(s->slots[i].latest);
	pthread_cond_destroy(&s->done);
	pthread_mutex_destroy(&s->lock);
}

/* The finished writer's body (binary for protobuf: copied by length) as a
 * result with one reference. */
static struct scrape_result *result_from(struct expo_writer *w, int rc)
{
	size_t len;
	const char *text = expo_writer_data(w, &len);
	const char *error = expo_writer_error(w);
	struct scrape_result *r;

	if (rc < 0 || error)
		len = 0;
	r = malloc(sizeof(*r) + len + 1);
	if (!r)
		return NULL;
	atomic_init(&r->refs, 1);
	pthread_mutex_init(&r->gzip_lock, NULL);
	r->gzip_tried = false;
	r->gzip = NULL;
	r->gzip_len = 0;
	r->rc = rc;
	r->error = NULL;
	if (error) {
		snprintf(r->error_text, sizeof(r->error_text), "%s", error);
		r->error = r->error_text;
	}
	r->len = len;
	memcpy(r->text, text, len);
	r->text[len] = '\0';
	return r;
}

static struct scrape_result *lead(struct scrape_share *s, struct scrape_share_slot *slot, uint64_t generation,
				  unsigned sharers, enum expo_format format, struct expo_writer *scratch,
				  scrape_render_fn render, void *ctx)
{
	struct scrape_result *r;
	int rc;

	slot->started = generation;
	pthread_mutex_unlock(&s->lock);

	expo_writer_begin(scratch, format);
	rc = render(ctx, scratch);
	expo_writer_end(scratch);
	r = result_from(scratch, rc);

	pthread_mutex_lock(&s->lock);
	if (sharers > 0) {
		/* waiters take their references from latest; without a result they
		 * retry with a render of their own */
		scrape_result_put(slot->latest);
		slot->latest = r;
		if (r)
			atomic_fetch_add(&r->refs, 1);
	}
	slot->finished = generation;
	s->renders++;
	pthread_cond_broadcast(&s->done);
	pthread_mutex_unlock(&s->lock);
	return r;
}

struct scrape_result *scrape_share_get(struct scrape_share *s, enum expo_format format, struct expo_writer *scratch,
				       scrape_render_fn render, void *ctx)
{
	/* one slot per format: each renders and shares its own body */
	struct scrape_share_slot *slot = &s->slots[format];
	struct scrape_result *r = NULL;
	bool waiting = false;
	uint64_t target;

	assert((unsigned)format < SCRAPE_SHARE_FORMATS);
	pthread_mutex_lock(&s->lock);
	target = slot->started + 1;
	while (slot->finished < target) {
		if (slot->started == slot->finished) {
			unsigned sharers = slot->waiting - waiting;

			slot->waiting = 0;
			/* returns with the lock released */
			return lead(s, slot, target, sharers, format, scratch, render, ctx);
		}
		if (!waiting) {
			slot->waiting++;
			waiting = true;
		}
		pthread_cond_wait(&s->done, &s->lock);
	}
	r = slot->latest;
	if (r) {
		atomic_fetch_add(&r->refs, 1);
		s->shared++;
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

const unsigned char *scrape_result_gzip(struct scrape_result *r, scrape_compress_fn compress, void *ctx,
					size_t *len)
{
	const unsigned char *out;
	size_t outlen;

	pthread_mutex_lock(&r->gzip_lock);
	if (!r->gzip_tried) {
		r->gzip_tried = true;
		if (compress(ctx, r->text, r->len, &out, &outlen)) {
			r->gzip = malloc(outlen ? outlen : 1);
			if (r->gzip) {
				memcpy(r->gzip, out, outlen);
				r->gzip_len = outlen;
			}
		}
	}
	pthread_mutex_unlock(&r->gzip_lock);
	*len = r->gzip_len;
	return r->gzip;
}

void scrape_share_stats(struct scrape_share *s, uint64_t *renders, uint64_t *shared)
{
	pthread_mutex_lock(&s->lock);
	*renders = s->renders;
	*shared = s->shared;
	pthread_mutex_unlock(&s->lock);
}
