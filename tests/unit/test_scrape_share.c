// SPDX-License-Identifier: Apache-2.0
/* Unit tests: concurrent scrapes share renders (userspace/web/scrape_share.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include <cmocka.h>

#include "web/scrape_share.h"

static atomic_int renders_started;
static int render_rc;

/* Writes which render this is, slowly enough that others queue behind it. */
static int slow_render(void *ctx, struct expo_writer *w)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	struct expo_label l = { "render", NULL };
	char index[16];

	(void)ctx;
	snprintf(index, sizeof(index), "%d", atomic_fetch_add(&renders_started, 1) + 1);
	l.value = index;
	nanosleep(&pause, NULL);
	expo_family(w, "render_index", EXPO_GAUGE, "which render");
	expo_sample_u64(w, NULL, &l, 1, 1);
	return render_rc;
}

static int index_of(const struct scrape_result *r)
{
	const char *p = strstr(r->text, "render=\"");

	return p ? atoi(p + 8) : -1;
}

struct client {
	struct scrape_share *share;
	enum expo_format format;
	int started_before; /* renders started when the client arrived */
	int got;            /* the render its result came from */
	int rc;
	char eof;
	char kind; /* the body's format: 't'ext, 'o'penmetrics, 'p'rotobuf, '?' */
};

/* Which format a body is in: protobuf is binary, its first byte a length. */
static char kind_of(const struct scrape_result *r)
{
	if (!r || !r->len)
		return '?';
	if (!memcmp(r->text, "# HELP ", 7))
		return strstr(r->text, "# EOF\n") ? 'o' : 't';
	return memmem(r->text, r->len, "render_index", 12) ? 'p' : '?';
}

static void *client(void *arg)
{
	struct client *c = arg;
	struct expo_writer *w = expo_writer_new();
	struct scrape_result *r;

	c->started_before = atomic_load(&renders_started);
	r = scrape_share_get(c->share, c->format, w, slow_render, NULL);
	c->got = r ? index_of(r) : -2;
	c->rc = r ? r->rc : -12;
	c->eof = r && strstr(r->text, "# EOF\n") ? 'y' : 'n';
	c->kind = kind_of(r);
	scrape_result_put(r);
	expo_writer_free(w);
	return NULL;
}

/* n clients at once; f < 0: the formats in turn */
static void run_clients(struct scrape_share *share, struct client *cs, int n, int f)
{
	pthread_t t[64];

	for (int i = 0; i < n; i++) {
		cs[i] = (struct client){ .share = share,
					 .format = f >= 0 ? (enum expo_format)f : (enum expo_format)(i % SCRAPE_SHARE_FORMATS) };
		assert_int_equal(pthread_create(&t[i], NULL, client, &cs[i]), 0);
	}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

static void test_alone_every_scrape_renders(void **state)
{
	(void)state;
	struct scrape_share share;
	struct client c = { 0 };
	uint64_t renders, shared;

	atomic_store(&renders_started, 0);
	render_rc = 0;
	scrape_share_init(&share);
	for (int i = 1; i <= 3; i++) {
		c = (struct client){ .share = &share, .format = EXPO_FORMAT_TEXT_0_0_4 };
		client(&c);
		assert_int_equal(c.got, i);
		assert_int_equal(c.rc, 0);
		assert_int_equal(c.eof, 'n');
	}
	scrape_share_stats(&share, &renders, &shared);
	assert_true(renders == 3 && shared == 0);
	scrape_share_free(&share);
}

static void test_concurrent_scrapes_share_fresh_renders(void **state)
{
	(void)state;
	struct scrape_share share;
	struct client cs[48];
	uint64_t renders, shared;

	atomic_store(&renders_started, 0);
	render_rc = 0;
	scrape_share_init(&share);
	run_clients(&share, cs, 48, EXPO_FORMAT_OPENMETRICS_1_0_0);
	for (int i = 0; i < 48; i++) {
		assert_int_equal(cs[i].rc, 0);
		assert_int_equal(cs[i].eof, 'y');
		/* never a render that had started before the scrape arrived */
		if (cs[i].got <= cs[i].started_before)
			fail_msg("client %d arrived after %d renders and got render %d", i, cs[i].started_before,
				 cs[i].got);
	}
	scrape_share_stats(&share, &renders, &shared);
	assert_true(renders + shared == 48);
	assert_true(renders == (uint64_t)atomic_load(&renders_started));
	/* 48 arrivals within a few ms, 20 ms renders: a handful of renders */
	if (renders > 8)
		fail_msg("%llu renders for 48 concurrent scrapes", (unsigned long long)renders);
	scrape_share_free(&share);
}

/* Each format has its own renders: a scrape never gets another format's body. */
static void test_each_format_shares_its_own_renders(void **state)
{
	(void)state;
	struct scrape_share share;
	struct client cs[48];
	const char want[] = { [EXPO_FORMAT_TEXT_0_0_4] = 't', [EXPO_FORMAT_OPENMETRICS_1_0_0] = 'o',
			      [EXPO_FORMAT_PROTOBUF] = 'p' };

	atomic_store(&renders_started, 0);
	render_rc = 0;
	scrape_share_init(&share);
	run_clients(&share, cs, 48, -1);
	for (int i = 0; i < 48; i++) {
		assert_int_equal(cs[i].rc, 0);
		if (cs[i].kind != want[cs[i].format])
			fail_msg("client %d asked for format %d and got a body of kind %c", i, cs[i].format,
				 cs[i].kind);
	}
	scrape_share_free(&share);
}

static void test_a_failed_render_fails_its_sharers(void **state)
{
	(void)state;
	struct scrape_share share;
	struct client cs[16];

	atomic_store(&renders_started, 0);
	render_rc = -5;
	scrape_share_init(&share);
	run_clients(&share, cs, 16, EXPO_FORMAT_TEXT_0_0_4);
	for (int i = 0; i < 16; i++)
		assert_int_equal(cs[i].rc, -5);
	render_rc = 0;
	scrape_share_free(&share);
}

static atomic_int compressions;
static bool compress_ok;

/* "Compresses" to the text reversed, slowly, so callers overlap. */
static bool fake_compress(void *ctx, const char *in, size_t len, const unsigned char **out, size_t *outlen)
{
	static unsigned char buf[4096];
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	(void)ctx;
	atomic_fetch_add(&compressions, 1);
	nanosleep(&pause, NULL);
	if (!compress_ok || len > sizeof(buf))
		return false;
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)in[len - 1 - i];
	*out = buf;
	*outlen = len;
	return true;
}

struct gz_client {
	struct scrape_result *r;
	const unsigned char *gz;
	size_t len;
};

static void *gz_client(void *arg)
{
	struct gz_client *c = arg;

	c->gz = scrape_result_gzip(c->r, fake_compress, NULL, &c->len);
	return NULL;
}

static void run_gzip(struct scrape_result *r, struct gz_client *cs, int n)
{
	pthread_t t[16];

	for (int i = 0; i < n; i++) {
		cs[i] = (struct gz_client){ .r = r };
		assert_int_equal(pthread_create(&t[i], NULL, gz_client, &cs[i]), 0);
	}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

static void test_a_shared_result_is_compressed_once(void **state)
{
	(void)state;
	struct scrape_share share;
	struct expo_writer *w = expo_writer_new();
	struct scrape_result *r;
	struct gz_client cs[16];

	render_rc = 0;
	scrape_share_init(&share);
	r = scrape_share_get(&share, EXPO_FORMAT_TEXT_0_0_4, w, slow_render, NULL);
	assert_non_null(r);
	atomic_store(&compressions, 0);
	compress_ok = true;
	run_gzip(r, cs, 16);
	assert_int_equal(atomic_load(&compressions), 1);
	for (int i = 0; i < 16; i++) {
		assert_ptr_equal(cs[i].gz, cs[0].gz);
		assert_int_equal(cs[i].len, r->len);
		assert_int_equal(cs[i].gz[0], (unsigned char)r->text[r->len - 1]);
	}
	scrape_result_put(r);

	/* a failed compression is not retried: everyone sends it plain */
	r = scrape_share_get(&share, EXPO_FORMAT_TEXT_0_0_4, w, slow_render, NULL);
	atomic_store(&compressions, 0);
	compress_ok = false;
	run_gzip(r, cs, 8);
	assert_int_equal(atomic_load(&compressions), 1);
	for (int i = 0; i < 8; i++)
		assert_null(cs[i].gz);
	scrape_result_put(r);
	expo_writer_free(w);
	scrape_share_free(&share);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alone_every_scrape_renders),
		cmocka_unit_test(test_concurrent_scrapes_share_fresh_renders),
		cmocka_unit_test(test_each_format_shares_its_own_renders),
		cmocka_unit_test(test_a_failed_render_fails_its_sharers),
		cmocka_unit_test(test_a_shared_result_is_compressed_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
