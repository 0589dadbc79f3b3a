// SPDX-License-Identifier: Apache-2.0
/* hde.c: see hde.h. */
#include "hde.h"

#include "ledger.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define WORDS (PAGE_SIZE_BYTES / 8)
/* A baseline not hit in this many compressions of its type expires. */
#define EXPIRE_AFTER 256
/* Every this many hits, a baseline matching less than 90% gets refreshed. */
#define REFRESH_USES 32
#define WINDOW 256

struct baseline {
	uint8_t page[PAGE_SIZE_BYTES];
	uint64_t last_used;
	uint32_t uses;
};

struct hde_types {
	struct baseline b[HDE_MAX_BASELINES];
	unsigned int n;
	uint64_t seq;
};

struct hde {
	pthread_mutex_t mu;
	struct hde_types types[HDE_TYPE_COUNT];
	uint8_t window[WINDOW];
	unsigned int window_pos, window_n, window_hits;
};

/* ---- codec ---- */

int hde_codec_init(struct hde_codec *c)
{
	memset(c, 0, sizeof(*c));
	if (deflateInit(&c->def, Z_DEFAULT_COMPRESSION) != Z_OK)
		return -1;
	c->def_ok = true;
	if (inflateInit(&c->inf) != Z_OK) {
		hde_codec_free(c);
		return -1;
	}
	c->inf_ok = true;
	return 0;
}

void hde_codec_free(struct hde_codec *c)
{
	if (c->def_ok)
		deflateEnd(&c->def);
	if (c->inf_ok)
		inflateEnd(&c->inf);
	c->def_ok = c->inf_ok = false;
}

int hde_codec_deflate(struct hde_codec *c, const uint8_t *dict, const uint8_t *in, size_t n,
		      uint8_t *out, size_t cap, size_t *out_len)
{
	if (deflateReset(&c->def) != Z_OK)
		return -1;
	if (dict && deflateSetDictionary(&c->def, dict, PAGE_SIZE_BYTES) != Z_OK)
		return -1;
	c->def.next_in = (Bytef *)in;
	c->def.avail_in = (uInt)n;
	c->def.next_out = out;
	c->def.avail_out = (uInt)cap;
	if (deflate(&c->def, Z_FINISH) != Z_STREAM_END)
		return -1;
	*out_len = cap - c->def.avail_out;
	return 0;
}

int hde_codec_inflate(struct hde_codec *c, const uint8_t *dict, const uint8_t *in, size_t n,
		      uint8_t *out, size_t cap, size_t *out_len)
{
	int rc;

	if (inflateReset(&c->inf) != Z_OK)
		return -1;
	c->inf.next_in = (Bytef *)in;
	c->inf.avail_in = (uInt)n;
	c->inf.next_out = out;
	c->inf.avail_out = (uInt)cap;
	rc = inflate(&c->inf, Z_FINISH);
	if (rc == Z_NEED_DICT) {
		if (!dict || inflateSetDictionary(&c->inf, dict, PAGE_SIZE_BYTES) != Z_OK)
			return -1;
		rc = inflate(&c->inf, Z_FINISH);
	}
	if (rc != Z_STREAM_END)
		return -1;
	*out_len = cap - c->inf.avail_out;
	return 0;
}

/* ---- engine ---- */

struct hde *hde_new(void)
{
	struct hde *h = calloc(1, sizeof(*h));

	if (h)
		pthread_mutex_init(&h->mu, NULL);
	return h;
}

void hde_free(struct hde *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->mu);
	free(h);
}

/* Equal 8-byte words at equal offsets, 0..WORDS. */
static unsigned int similarity(const uint8_t *a, const uint8_t *b)
{
	unsigned int i, same = 0;

	for (i = 0; i < WORDS; i++) {
		uint64_t x, y;

		memcpy(&x, a + i * 8, 8);
		memcpy(&y, b + i * 8, 8);
		same += x == y;
	}
	return same;
}

static bool similar_enough(unsigned int same)
{
	return same * 2 >= WORDS;
}

/* Index of the most similar page of n, or -1; *same gets its similarity. */
static int best_match(const uint8_t *page, const uint8_t *pages, size_t stride, unsigned int n,
		      unsigned int *same)
{
	unsigned int i;
	int best = -1;

	*same = 0;
	for (i = 0; i < n; i++) {
		unsigned int s = similarity(page, pages + i * stride);

		if (best < 0 || s > *same) {
			best = (int)i;
			*same = s;
		}
	}
	return best;
}

static void insert_baseline(struct hde_types *ts, const uint8_t *page)
{
	unsigned int i, victim = 0;

	/* Least used goes first, so one-off pages replace each other and the
	 * hot ones stay; a hot baseline that went stale expires instead. */
	if (ts->n < HDE_MAX_BASELINES) {
		victim = ts->n++;
	} else {
		for (i = 1; i < ts->n; i++) {
			const struct baseline *b = &ts->b[i], *v = &ts->b[victim];

			if (b->uses < v->uses || (b->uses == v->uses && b->last_used < v->last_used))
				victim = i;
		}
	}
	memcpy(ts->b[victim].page, page, PAGE_SIZE_BYTES);
	ts->b[victim].last_used = ts->seq;
	ts->b[victim].uses = 0;
}

void hde_add_baseline(struct hde *h, enum hde_type t, const uint8_t page[PAGE_SIZE_BYTES])
{
	struct hde_types *ts = &h->types[t];

	pthread_mutex_lock(&h->mu);
	insert_baseline(ts, page);
	ledger_baseline(hde_type_name(t), ts->n);
	pthread_mutex_unlock(&h->mu);
}

void hde_snapshot(struct hde *h, enum hde_type t, struct hde_dictset *set)
{
	struct hde_types *ts = &h->types[t];
	unsigned int i;

	pthread_mutex_lock(&h->mu);
	set->n = ts->n;
	for (i = 0; i < ts->n; i++)
		memcpy(set->page[i], ts->b[i].page, PAGE_SIZE_BYTES);
	pthread_mutex_unlock(&h->mu);
}

static bool expire_baselines(struct hde_types *ts)
{
	bool changed = false;
	unsigned int i = 0;

	while (i < ts->n && ts->n > 1) {
		if (ts->seq - ts->b[i].last_used > EXPIRE_AFTER) {
			ts->b[i] = ts->b[ts->n - 1];
			ts->n--;
			changed = true;
		} else {
			i++;
		}
	}
	return changed;
}

/* Picks the dictionary for page and keeps the baselines current. */
static bool choose_baseline(struct hde *h, enum hde_type t, const uint8_t *page, uint8_t *dict)
{
	struct hde_types *ts = &h->types[t];
	unsigned int same;
	bool changed, hit;
	int best;

	pthread_mutex_lock(&h->mu);
	ts->seq++;
	changed = expire_baselines(ts);
	best = best_match(page, ts->b[0].page, sizeof(ts->b[0]), ts->n, &same);
	hit = best >= 0 && similar_enough(same);
	if (hit) {
		struct baseline *b = &ts->b[best];

		memcpy(dict, b->page, PAGE_SIZE_BYTES);
		b->last_used = ts->seq;
		if (++b->uses % REFRESH_USES == 0 && same * 10 < WORDS * 9) {
			memcpy(b->page, page, PAGE_SIZE_BYTES);
			changed = true;
		}
	} else {
		insert_baseline(ts, page);
		changed = true;
	}
	if (changed)
		ledger_baseline(hde_type_name(t), ts->n);
	pthread_mutex_unlock(&h->mu);
	return hit;
}

static void window_add(struct hde *h, bool hit)
{
	pthread_mutex_lock(&h->mu);
	if (h->window_n == WINDOW)
		h->window_hits -= h->window[h->window_pos];
	else
		h->window_n++;
	h->window[h->window_pos] = hit;
	h->window_hits += hit;
	h->window_pos = (h->window_pos + 1) % WINDOW;
	pthread_mutex_unlock(&h->mu);
}

uint64_t hde_dictionary_efficiency(struct hde *h)
{
	uint64_t v;

	pthread_mutex_lock(&h->mu);
	v = h->window_n ? (uint64_t)h->window_hits * 10000 / h->window_n : 0;
	pthread_mutex_unlock(&h->mu);
	return v;
}

static int finish_compress(struct hde *h, struct hde_codec *c, enum hde_type t,
			   const uint8_t *page, struct hde_frame *f)
{
	f->type = t;
	if (hde_codec_deflate(c, f->delta ? f->dict : NULL, page, PAGE_SIZE_BYTES, f->data,
			      sizeof(f->data), &f->len) < 0)
		return -1;
	ledger_compress(hde_type_name(t), PAGE_SIZE_BYTES, f->len, f->delta);
	window_add(h, f->delta);
	return 0;
}

int hde_compress(struct hde *h, struct hde_codec *c, enum hde_type t,
		 const uint8_t page[PAGE_SIZE_BYTES], struct hde_frame *f)
{
	f->dict_index = -1;
	f->delta = choose_baseline(h, t, page, f->dict);
	return finish_compress(h, c, t, page, f);
}

int hde_compress_with(struct hde *h, const struct hde_dictset *set, struct hde_codec *c,
		      enum hde_type t, const uint8_t page[PAGE_SIZE_BYTES], struct hde_frame *f)
{
	unsigned int same;
	int best = best_match(page, set->page[0], PAGE_SIZE_BYTES, set->n, &same);

	f->delta = best >= 0 && similar_enough(same);
	f->dict_index = f->delta ? best : -1;
	if (f->delta)
		memcpy(f->dict, set->page[best], PAGE_SIZE_BYTES);
	return finish_compress(h, c, t, page, f);
}

bool hde_decompress(struct hde_codec *c, const struct hde_frame *f,
		    const uint8_t expect[PAGE_SIZE_BYTES], bool corrupt)
{
	uint8_t wire[HDE_FRAME_CAP], out[PAGE_SIZE_BYTES];
	size_t len = 0;
	bool ok;

	memcpy(wire, f->data, f->len);
	if (corrupt && f->len > 0)
		wire[f->len - 1] ^= 0xff;
	ok = hde_codec_inflate(c, f->delta ? f->dict : NULL, wire, f->len, out, sizeof(out),
			       &len) == 0 &&
	     len == PAGE_SIZE_BYTES && memcmp(out, expect, PAGE_SIZE_BYTES) == 0;
	ledger_decompress(ok);
	return ok;
}
