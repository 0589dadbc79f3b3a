// SPDX-License-Identifier: Apache-2.0
/*
 * test_http.c: the HTTP server over real loopback sockets, with fake render
 * and readiness callbacks; listen address parsing.
 */
#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "exposition/exposition.h"
#include "web/http_server.h"

#define EXPECTED_TEXT                                                                              \
	"# HELP test_events_total Events seen.\n"                                                  \
	"# TYPE test_events_total counter\n"                                                       \
	"test_events_total{kind=\"a\"} 42\n"

/* ---- fakes ---- */

struct fake {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool block;         /* renders wait until released */
	bool released;
	unsigned in_render; /* renders currently inside the callback */
	unsigned renders;
	int fail_with;      /* render returns this when negative */
	bool misuse;        /* render starts a family twice */
	unsigned repeat;    /* extra samples, to make a larger body */
	atomic_bool ready;
};

static int fake_render(void *ctx, struct expo_writer *w)
{
	struct fake *f = ctx;
	struct expo_label l = { "kind", "a" };
	unsigned repeat;
	bool misuse;
	int ret;

	pthread_mutex_lock(&f->lock);
	f->in_render++;
	f->renders++;
	pthread_cond_broadcast(&f->cond);
	while (f->block && !f->released)
		pthread_cond_wait(&f->cond, &f->lock);
	f->in_render--;
	ret = f->fail_with;
	repeat = f->repeat;
	misuse = f->misuse;
	pthread_mutex_unlock(&f->lock);

	expo_family(w, "test_events_total", EXPO_COUNTER, "Events seen.");
	expo_sample_u64(w, NULL, &l, 1, 42);
	if (repeat) {
		expo_family(w, "test_filler", EXPO_GAUGE, "Filler.");
		for (unsigned i = 0; i < repeat; i++) {
			char v[16];
			struct expo_label fl = { "i", v };

			snprintf(v, sizeof(v), "%u", i);
			expo_sample(w, NULL, &fl, 1, i * 0.5);
		}
	}
	if (misuse)
		expo_family(w, "test_events_total", EXPO_COUNTER, "Events seen.");
	return ret;
}

static bool fake_ready(void *ctx, char *why, size_t whylen)
{
	struct fake *f = ctx;

	if (atomic_load(&f->ready))
		return true;
	snprintf(why, whylen, "probes not attached yet");
	return false;
}

struct fixture {
	struct fake fake;
	struct http_server *srv;
	unsigned port;
};

static struct fixture *start_with(struct http_server_config *cfg)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct http_handlers h = { fake_render, fake_ready, NULL };
	char err[256] = "";

	assert_non_null(fx);
	pthread_mutex_init(&fx->fake.lock, NULL);
	pthread_cond_init(&fx->fake.cond, NULL);
	h.ctx = &fx->fake;
	if (cfg->n_listen == 0) {
		cfg->listen_addresses[0] = "127.0.0.1:0";
		cfg->n_listen = 1;
	}
	if (http_server_start(&fx->srv, cfg, &h, err, sizeof(err)) != 0)
		fail_msg("http_server_start: %s", err);
	fx->port = http_server_port(fx->srv, 0);
	assert_true(fx->port > 0);
	return fx;
}

static int setup(void **state)
{
	struct http_server_config cfg = { .landing_title = "Test <exporter>", .version = "1.2.3" };

	*state = start_with(&cfg);
	return 0;
}

static int setup_limited(void **state)
{
	struct http_server_config cfg = { .max_requests = 3 };

	*state = start_with(&cfg);
	return 0;
}

static int setup_small_memory(void **state)
{
	struct http_server_config cfg = { .connection_memory_limit = 16 * 1024 };

	*state = start_with(&cfg);
	return 0;
}

static bool have_ipv6_loopback(void)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* IPv4 and IPv6 loopback and a custom path; no server without IPv6. */
static int setup_dual(void **state)
{
	struct http_server_config cfg = { .n_listen = 2, .telemetry_path = "/custom" };

	*state = NULL;
	if (!have_ipv6_loopback())
		return 0;
	cfg.listen_addresses[0] = "127.0.0.1:0";
	cfg.listen_addresses[1] = "[::1]:0";
	*state = start_with(&cfg);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (!fx)
		return 0;
	http_server_stop(fx->srv);
	pthread_cond_destroy(&fx->fake.cond);
	pthread_mutex_destroy(&fx->fake.lock);
	free(fx);
	return 0;
}

/* ---- a minimal HTTP/1.1 client ---- */

struct reply {
	int status; /* 0: no response */
	char *raw;
	size_t raw_len;
	const char *body;
	size_t body_len;
};

static void reply_free(struct reply *r)
{
	free(r->raw);
	memset(r, 0, sizeof(*r));
}

/* One request on a fresh connection; reads until the server closes it. */
static int http_raw(int family, unsigned port, const char *req, size_t req_len, struct reply *r)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct timeval tv = { .tv_sec = 10 };
	size_t cap = 65536, off = 0;
	int fd;

	memset(r, 0, sizeof(*r));
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s4->sin_port = htons((uint16_t)port);
		sl = sizeof(*s4);
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a server that hangs fails the test instead of hanging it */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	while (off < req_len) {
		ssize_t n = send(fd, req + off, req_len - off, MSG_NOSIGNAL);

		if (n <= 0)
			break; /* the server may answer and close before reading it all */
		off += (size_t)n;
	}
	r->raw = malloc(cap + 1);
	off = 0;
	for (;;) {
		ssize_t n;

		if (off == cap) {
			cap *= 2;
			r->raw = realloc(r->raw, cap + 1);
		}
		n = recv(fd, r->raw + off, cap - off, 0);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	r->raw[off] = '\0';
	r->raw_len = off;
	if (off > 12 && !strncmp(r->raw, "HTTP/1.", 7))
		r->status = atoi(r->raw + 9);
	r->body = strstr(r->raw, "\r\n\r\n");
	if (r->body) {
		r->body += 4;
		r->body_len = off - (size_t)(r->body - r->raw);
	}
	return 0;
}

static void http_get(unsigned port, const char *method, const char *path, const char *extra_headers,
		     struct reply *r)
{
	char req[4096];
	int n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s\r\n",
			 method, path, extra_headers ? extra_headers : "");

	assert_int_equal(http_raw(AF_INET, port, req, (size_t)n, r), 0);
}

/* The value of a response header (case-insensitive name), copied into buf. */
static const char *header(const struct reply *r, const char *name, char *buf, size_t len)
{
	size_t nl = strlen(name);
	const char *p = r->raw, *end = r->body ? r->body : r->raw + r->raw_len;

	while ((p = strstr(p, "\r\n")) && p < end) {
		p += 2;
		if (!strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1, *e = strstr(v, "\r\n");

			while (*v == ' ')
				v++;
			snprintf(buf, len, "%.*s", (int)(e - v), v);
			return buf;
		}
	}
	return NULL;
}

static void assert_body(const struct reply *r, const char *want)
{
	assert_non_null(r->body);
	assert_int_equal(r->body_len, strlen(want));
	assert_memory_equal(r->body, want, r->body_len);
}

/* ---- tests ---- */

static void test_get_metrics(void **state)
{
	struct fixture *fx = *state;
	struct reply r;
	char v[256];

	http_get(fx->port, "GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type", v, sizeof(v)), "text/plain; version=0.0.4; charset=utf-8");
	assert_null(header(&r, "Content-Encoding", v, sizeof(v)));
	assert_string_equal(header(&r, "Vary", v, sizeof(v)), "Accept, Accept-Encoding");
	assert_body(&r, EXPECTED_TEXT);
	reply_free(&r);
	assert_int_equal(fx->fake.renders, 1);
}

static void test_head_metrics(void **state)
{
	struct fixture *fx = *state;
	struct reply r;
	char v[64];

	http_get(fx->port, "HEAD", "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	assert_int_equal(atoi(header(&r, "Content-Length", v, sizeof(v))), strlen(EXPECTED_TEXT));
	reply_free(&r);
}

static void test_methods_and_paths(void **state)
{
	struct fixture *fx = *state;
	struct reply r;
	char v[256];
	const char *methods[] = { "POST", "PUT", "DELETE", "OPTIONS" };

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		http_get(fx->port, methods[i], "/metrics", "Content-Length: 0\r\n", &r);
		assert_int_equal(r.status, 405);
		assert_string_equal(header(&r, "Allow", v, sizeof(v)), "GET, HEAD");
		reply_free(&r);
	}
	/* a POST with a body is refused without reading it */
	http_get(fx->port, "POST", "/metrics", "Content-Length: 5\r\n\r\nhello", &r);
	assert_int_equal(r.status, 405);
	reply_free(&r);

	http_get(fx->port, "GET", "/nope", NULL, &r);
	assert_int_equal(r.status, 404);
	reply_free(&r);
	http_get(fx->port, "GET", "/metrics/extra", NULL, &r);
	assert_int_equal(r.status, 404);
	reply_free(&r);

	http_get(fx->port, "GET", "/health", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_body(&r, "OK\n");
	reply_free(&r);

	http_get(fx->port, "GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type", v, sizeof(v)), "text/html; charset=utf-8");
	assert_non_null(strstr(r.body, "href=\"/metrics\""));
	assert_non_null(strstr(r.body, "href=\"/health\""));
	assert_non_null(strstr(r.body, "href=\"/ready\""));
	assert_non_null(strstr(r.body, "Test &lt;exporter&gt;"));
	assert_non_null(strstr(r.body, "1.2.3"));
	reply_free(&r);
	assert_int_equal(fx->fake.renders, 0);
}

static void test_ready(void **state)
{
	struct fixture *fx = *state;
	struct reply r;

	http_get(fx->port, "GET", "/ready", NULL, &r);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "probes not attached yet"));
	reply_free(&r);
	atomic_store(&fx->fake.ready, true);
	http_get(fx->port, "GET", "/ready", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_body(&r, "ready\n");
	reply_free(&r);
}

static void inflate_all(const struct reply *r, char *out, size_t cap, size_t *outlen)
{
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK); /* gzip only */
	zs.next_in = (Bytef *)r->body;
	zs.avail_in = (uInt)r->body_len;
	zs.next_out = (Bytef *)out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	*outlen = cap - zs.avail_out;
	inflateEnd(&zs);
}

static void test_gzip(void **state)
{
	struct fixture *fx = *state;
	struct reply plain, gz;
	char v[256];
	size_t cap = 1 << 20, n;
	char *out = malloc(cap);

	fx->fake.repeat = 2000; /* ~50 KB: several deflate blocks */
	http_get(fx->port, "GET", "/metrics", NULL, &plain);
	assert_int_equal(plain.status, 200);
	assert_true(plain.body_len > 40000);

	http_get(fx->port, "GET", "/metrics", "Accept-Encoding: deflate, gzip;q=0.8, br\r\n", &gz);
	assert_int_equal(gz.status, 200);
	assert_string_equal(header(&gz, "Content-Encoding", v, sizeof(v)), "gzip");
	assert_string_equal(header(&gz, "Vary", v, sizeof(v)), "Accept, Accept-Encoding");
	assert_true(gz.body_len < plain.body_len / 4);
	inflate_all(&gz, out, cap, &n);
	assert_int_equal(n, plain.body_len);
	assert_memory_equal(out, plain.body, n);
	reply_free(&gz);

	/* again on a reused scrape buffer */
	http_get(fx->port, "GET", "/metrics", "Accept-Encoding: gzip\r\n", &gz);
	inflate_all(&gz, out, cap, &n);
	assert_int_equal(n, plain.body_len);
	assert_memory_equal(out, plain.body, n);
	reply_free(&gz);

	/* q=0 refuses gzip, also against "*" */
	http_get(fx->port, "GET", "/metrics", "Accept-Encoding: gzip;q=0, *\r\n", &gz);
	assert_null(header(&gz, "Content-Encoding", v, sizeof(v)));
	assert_int_equal(gz.body_len, plain.body_len);
	reply_free(&gz);
	reply_free(&plain);
	free(out);
}

static void test_openmetrics(void **state)
{
	struct fixture *fx = *state;
	struct reply r;
	char v[256];

	http_get(fx->port, "GET", "/metrics",
		 "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n",
		 &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type", v, sizeof(v)),
			    "application/openmetrics-text; version=1.0.0; charset=utf-8");
	assert_body(&r, "# HELP test_events Events seen.\n"
			"# TYPE test_events counter\n"
			"test_events_total{kind=\"a\"} 42\n"
			"# EOF\n");
	reply_free(&r);

	http_get(fx->port, "GET", "/metrics", "Accept: application/openmetrics-text;q=0\r\n", &r);
	assert_string_equal(header(&r, "Content-Type", v, sizeof(v)), "text/plain; version=0.0.4; charset=utf-8");
	reply_free(&r);
}

static void test_render_failures(void **state)
{
	struct fixture *fx = *state;
	struct reply r;
	struct http_server_stats st;

	fx->fake.fail_with = -EIO;
	http_get(fx->port, "GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 500);
	assert_non_null(strstr(r.body, strerror(EIO)));
	reply_free(&r);

	fx->fake.fail_with = 0;
	fx->fake.misuse = true;
	http_get(fx->port, "GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 500);
	assert_non_null(strstr(r.body, "test_events_total"));
	reply_free(&r);

	/* the failed writer is reused cleanly */
	fx->fake.misuse = false;
	http_get(fx->port, "GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_body(&r, EXPECTED_TEXT);
	reply_free(&r);

	http_server_stats(fx->srv, &st);
	assert_int_equal(st.requests[4], 2); /* 500 */
	assert_int_equal(st.requests[0], 1); /* 200 */
	assert_int_equal(st.scrapes, 1);
}

static void test_stats(void **state)
{
	struct fixture *fx = *state;
	struct reply r;
	struct http_server_stats st;

	http_server_stats(fx->srv, &st);
	assert_true(st.last_scrape_duration_seconds == 0);
	for (size_t i = 0; i < HTTP_STATS_NCODES; i++)
		assert_int_equal(st.requests[i], 0);

	http_get(fx->port, "GET", "/metrics", NULL, &r);
	reply_free(&r);
	http_get(fx->port, "GET", "/nope", NULL, &r);
	reply_free(&r);
	http_get(fx->port, "POST", "/", "Content-Length: 0\r\n", &r);
	reply_free(&r);
	http_get(fx->port, "GET", "/ready", NULL, &r); /* 503 */
	reply_free(&r);

	http_server_stats(fx->srv, &st);
	assert_true(st.last_scrape_duration_seconds > 0);
	assert_true(st.last_scrape_duration_seconds < 10);
	assert_int_equal(http_stats_codes[0], 200);
	assert_int_equal(st.requests[0], 1);
	assert_int_equal(st.requests[2], 1); /* 404 */
	assert_int_equal(st.requests[3], 1); /* 405 */
	assert_int_equal(st.requests[5], 1); /* 503 */
	assert_int_equal(st.scrapes, 1);
}

/* ---- concurrency limit ---- */

struct client {
	pthread_t tid;
	unsigned port;
	struct reply r;
};

static void *client_main(void *arg)
{
	struct client *c = arg;
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

	http_raw(AF_INET, c->port, req, sizeof(req) - 1, &c->r);
	return NULL;
}

static void test_max_requests(void **state)
{
	enum { LIMIT = 3 }; /* as in setup_limited */
	struct fixture *fx = *state;
	struct client clients[LIMIT];
	struct reply r;
	struct http_server_stats st;

	fx->fake.block = true;
	for (int i = 0; i < LIMIT; i++) {
		clients[i].port = fx->port;
		assert_int_equal(pthread_create(&clients[i].tid, NULL, client_main, &clients[i]), 0);
	}
	/* wait until one render is inside the callback and LIMIT scrapes are
	 * in flight: the others wait to share the next render */
	pthread_mutex_lock(&fx->fake.lock);
	while (fx->fake.in_render < 1)
		pthread_cond_wait(&fx->fake.cond, &fx->fake.lock);
	pthread_mutex_unlock(&fx->fake.lock);
	for (int i = 0; i < 2000; i++) {
		http_server_stats(fx->srv, &st);
		if (st.inflight == LIMIT)
			break;
		usleep(1000);
	}
	assert_int_equal(st.inflight, LIMIT);

	/* one more is refused at once, while the others are still blocked */
	http_get(fx->port, "GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "too many concurrent scrapes"));
	reply_free(&r);
	/* other endpoints still answer */
	http_get(fx->port, "GET", "/health", NULL, &r);
	assert_int_equal(r.status, 200);
	reply_free(&r);

	pthread_mutex_lock(&fx->fake.lock);
	assert_int_equal(fx->fake.renders, 1);
	fx->fake.released = true;
	pthread_cond_broadcast(&fx->fake.cond);
	pthread_mutex_unlock(&fx->fake.lock);
	for (int i = 0; i < LIMIT; i++) {
		pthread_join(clients[i].tid, NULL);
		assert_int_equal(clients[i].r.status, 200);
		assert_body(&clients[i].r, EXPECTED_TEXT);
		reply_free(&clients[i].r);
	}
	/* the slots were given back */
	http_get(fx->port, "GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	http_server_stats(fx->srv, &st);
	assert_int_equal(st.requests[5], 1); /* 503 */
	assert_int_equal(st.requests[0], LIMIT + 2);
	/* the first render, one shared by the two that queued behind it, the last */
	assert_true(st.renders == 3 && st.shared == 1);
	assert_int_equal(fx->fake.renders, 3);
}

/* ---- abuse ---- */

static void test_oversized_header(void **state)
{
	struct fixture *fx = *state; /* setup_small_memory: 16 KiB */
	size_t big = 64 * 1024;
	char *req = malloc(big + 256);
	int n;
	struct reply r;

	n = sprintf(req, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: ");
	memset(req + n, 'a', big);
	n += (int)big;
	n += sprintf(req + n, "\r\n\r\n");
	assert_int_equal(http_raw(AF_INET, fx->port, req, (size_t)n, &r), 0);
	/* an error status (MHD answers 431), never a render */
	if (r.status != 0)
		assert_true(r.status >= 400 && r.status < 500);
	else
		fail_msg("no status line for an oversized header: got %zu bytes", r.raw_len);
	reply_free(&r);
	assert_int_equal(fx->fake.renders, 0);
	free(req);

	/* and the server is still fine */
	http_get(fx->port, "GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	reply_free(&r);
}

static void test_port_in_use(void **state)
{
	struct fixture *fx = *state;
	struct http_server_config cfg = { 0 };
	struct http_handlers h = { fake_render, NULL, &fx->fake };
	struct http_server *second = NULL;
	char addr[64], err[256] = "", want[128];

	snprintf(addr, sizeof(addr), "127.0.0.1:%u", fx->port);
	cfg.listen_addresses[0] = addr;
	cfg.n_listen = 1;
	assert_int_equal(http_server_start(&second, &cfg, &h, err, sizeof(err)), -1);
	assert_null(second);
	snprintf(want, sizeof(want), "listen on %s: %s", addr, strerror(EADDRINUSE));
	assert_string_equal(err, want);

	/* a bad address is named in the error too */
	cfg.listen_addresses[0] = "127.0.0.1:99999";
	assert_int_equal(http_server_start(&second, &cfg, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid port \"99999\" in \"127.0.0.1:99999\""));
}

static void test_ipv6_and_two_listeners(void **state)
{
	struct fixture *fx = *state;
	struct reply r;
	static const char req[] = "GET /custom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

	if (!fx)
		skip(); /* no IPv6 loopback on this host */
	assert_true(http_server_port(fx->srv, 1) > 0);
	assert_int_equal(http_server_port(fx->srv, 2), 0);
	assert_int_equal(http_raw(AF_INET6, http_server_port(fx->srv, 1), req, sizeof(req) - 1, &r), 0);
	assert_int_equal(r.status, 200);
	assert_body(&r, EXPECTED_TEXT);
	reply_free(&r);
	assert_int_equal(http_raw(AF_INET, fx->port, req, sizeof(req) - 1, &r), 0);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	/* the default path is not served when another one is configured */
	http_get(fx->port, "GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 404);
	reply_free(&r);
}

static void test_bad_config(void **state)
{
	struct http_server_config cfg = { 0 };
	struct http_handlers h = { fake_render, NULL, NULL };
	struct http_server *s = NULL;
	char err[256];

	(void)state;
	assert_int_equal(http_server_start(&s, &cfg, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "listen addresses"));
	cfg.listen_addresses[0] = "127.0.0.1:0";
	cfg.n_listen = 1;
	cfg.telemetry_path = "metrics";
	assert_int_equal(http_server_start(&s, &cfg, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "must start with '/'"));
	assert_null(s);
	http_server_stop(NULL);
}

/* ---- web config: basic auth, reload, connection limits ---- */

#define AUTH_ALICE_SECRET "Authorization: Basic YWxpY2U6c2VjcmV0\r\n"   /* alice:secret */
#define AUTH_ALICE_WRONG "Authorization: Basic YWxpY2U6d3Jvbmc=\r\n"    /* alice:wrong */
#define AUTH_MALLORY "Authorization: Basic bWFsbG9yeTpzZWNyZXQ=\r\n"    /* mallory:secret */
#define AUTH_BOB_HUNTER2 "Authorization: Basic Ym9iOmh1bnRlcjI=\r\n"    /* bob:hunter2 */

/* A bcrypt hash of password at the lowest cost, made by libcrypt. */
static void bcrypt_hash(const char *password, char *out, size_t len)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *h;

	assert_non_null(cd);
	assert_non_null(crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof(salt)));
	h = crypt_rn(password, salt, cd, sizeof(*cd));
	assert_non_null(h);
	snprintf(out, len, "%s", h);
	free(cd);
}

static char web_dir[64], web_path[128];

static void write_web_config(const char *fmt, ...)
{
	va_list ap;
	FILE *f;

	if (!web_dir[0]) {
		snprintf(web_dir, sizeof(web_dir), "/tmp/test_http_web.XXXXXX");
		assert_non_null(mkdtemp(web_dir));
		snprintf(web_path, sizeof(web_path), "%s/web.yml", web_dir);
	}
	f = fopen(web_path, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static int setup_auth(void **state)
{
	struct http_server_config cfg = { 0 };
	char hash[128];

	bcrypt_hash("secret", hash, sizeof(hash));
	write_web_config("basic_auth_users:\n  alice: %s\n", hash);
	cfg.web_config_file = web_path;
	*state = start_with(&cfg);
	return 0;
}

static int teardown_auth(void **state)
{
	teardown(state);
	unlink(web_path);
	rmdir(web_dir);
	web_dir[0] = '\0';
	return 0;
}

static void assert_status(unsigned port, const char *path, const char *headers, int want)
{
	struct reply r;
	char buf[128];

	http_get(port, "GET", path, headers, &r);
	if (r.status != want)
		fail_msg("GET %s with %s: %d, want %d", path, headers ? headers : "no header", r.status, want);
	if (want == 401) {
		assert_non_null(header(&r, "WWW-Authenticate", buf, sizeof(buf)));
		assert_string_equal(buf, "Basic realm=\"dwcp-bpf-exporter\"");
		/* no metrics in a refusal */
		assert_null(strstr(r.raw, "test_events_total"));
	}
	reply_free(&r);
}

static void test_basic_auth(void **state)
{
	struct fixture *fx = *state;
	static const char *const paths[] = { "/metrics", "/health", "/ready", "/", "/nope" };

	atomic_store(&fx->fake.ready, true);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_status(fx->port, paths[i], NULL, 401);
		assert_status(fx->port, paths[i], AUTH_ALICE_WRONG, 401);
		assert_status(fx->port, paths[i], AUTH_MALLORY, 401);
		assert_status(fx->port, paths[i], "Authorization: Basic !!!!\r\n", 401);
		assert_status(fx->port, paths[i], "Authorization: Bearer YWxpY2U6c2VjcmV0\r\n", 401);
	}
	assert_status(fx->port, "/metrics", AUTH_ALICE_SECRET, 200);
	/* again: from the cache of good checks */
	assert_status(fx->port, "/metrics", AUTH_ALICE_SECRET, 200);
	assert_status(fx->port, "/health", AUTH_ALICE_SECRET, 200);
	assert_status(fx->port, "/nope", AUTH_ALICE_SECRET, 404);
	assert_int_equal(fx->fake.renders, 2);
}

static void test_reload(void **state)
{
	struct fixture *fx = *state;
	char hash[128], err[512] = "";

	/* bob replaces alice */
	bcrypt_hash("hunter2", hash, sizeof(hash));
	write_web_config("basic_auth_users:\n  bob: \"%s\"\n", hash);
	assert_int_equal(http_server_reload_web_config(fx->srv, web_path, err, sizeof(err)), 0);
	assert_status(fx->port, "/health", AUTH_ALICE_SECRET, 401);
	assert_status(fx->port, "/health", AUTH_BOB_HUNTER2, 200);

	/* a broken file: refused, bob stays */
	write_web_config("basic_auth_users:\n  bob: hunter2\n");
	assert_int_equal(http_server_reload_web_config(fx->srv, web_path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 2: basic_auth_users.bob: not a bcrypt hash"));
	assert_status(fx->port, "/health", AUTH_BOB_HUNTER2, 200);
	assert_status(fx->port, "/health", NULL, 401);

	/* a cert that does not exist: refused, named */
	write_web_config("tls_server_config:\n  cert_file: none.crt\n  key_file: none.key\n");
	assert_int_equal(http_server_reload_web_config(fx->srv, web_path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "tls_server_config.cert_file"));
	assert_non_null(strstr(err, "none.crt: No such file or directory"));
	assert_false(http_server_tls(fx->srv));
	assert_status(fx->port, "/health", AUTH_BOB_HUNTER2, 200);

	/* no users: open again */
	write_web_config("# nothing\n");
	assert_int_equal(http_server_reload_web_config(fx->srv, web_path, err, sizeof(err)), 0);
	assert_status(fx->port, "/health", NULL, 200);
}

/* Concurrent requests during reloads: each answered 200 or 401, never torn. */
struct reload_race {
	unsigned port;
	atomic_bool stop;
	atomic_uint bad;
};

static void *race_client(void *arg)
{
	struct reload_race *rr = arg;

	while (!atomic_load(&rr->stop)) {
		struct reply r;
		char req[256];
		int n = snprintf(req, sizeof(req),
				 "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" AUTH_ALICE_SECRET "\r\n");

		if (http_raw(AF_INET, rr->port, req, (size_t)n, &r) != 0 || (r.status != 200 && r.status != 401))
			atomic_fetch_add(&rr->bad, 1);
		reply_free(&r);
	}
	return NULL;
}

static void test_reload_under_load(void **state)
{
	struct fixture *fx = *state;
	struct reload_race rr = { .port = fx->port };
	char hash[128], err[512];
	pthread_t t[4];

	bcrypt_hash("secret", hash, sizeof(hash));
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_client, &rr), 0);
	for (int i = 0; i < 20; i++) {
		if (i % 2)
			write_web_config("basic_auth_users:\n  alice: %s\n", hash);
		else
			write_web_config("basic_auth_users:\n  carol: %s\n", hash);
		if (http_server_reload_web_config(fx->srv, web_path, err, sizeof(err)) != 0)
			fail_msg("reload: %s", err);
		usleep(20000);
	}
	atomic_store(&rr.stop, true);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&rr.bad), 0);
}

static void test_web_config_start_errors(void **state)
{
	struct http_server_config cfg = { .n_listen = 1 };
	struct http_handlers h = { fake_render, NULL, NULL };
	struct http_server *s = NULL;
	char err[1024] = "", want[512];

	(void)state;
	cfg.listen_addresses[0] = "127.0.0.1:0";
	write_web_config("tls_server_config:\n  cert_file: a.crt\n  min_version: TLS10\n");
	cfg.web_config_file = web_path;
	assert_int_equal(http_server_start(&s, &cfg, &h, err, sizeof(err)), -1);
	assert_null(s);
	snprintf(want, sizeof(want), "web config %s line 3: tls_server_config.min_version: TLS10", web_path);
	assert_non_null(strstr(err, want));

	/* a key that is not PEM: GnuTLS's reason, with both file names */
	write_web_config("tls_server_config:\n  cert_file: web.yml\n  key_file: web.yml\n");
	assert_int_equal(http_server_start(&s, &cfg, &h, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "web config %s line 1: tls_server_config: cert_file %s with key_file %s: ", web_path,
		 web_path, web_path);
	if (strncmp(err, want, strlen(want)))
		fail_msg("got %s", err);

	cfg.web_config_file = "/nonexistent/web.yml";
	assert_int_equal(http_server_start(&s, &cfg, &h, err, sizeof(err)), -1);
	assert_string_equal(err, "web config /nonexistent/web.yml: No such file or directory");
	unlink(web_path);
	rmdir(web_dir);
	web_dir[0] = '\0';
}

static int connect_loopback(unsigned port)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&s4, sizeof(s4)), 0);
	return fd;
}

/* Seconds until the server closes fd (recv returns 0 or an error). */
static double seconds_until_closed(int fd)
{
	struct timespec t0, t1;
	char c;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (recv(fd, &c, 1, 0) > 0)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

static int setup_per_ip(void **state)
{
	struct http_server_config cfg = { .connection_per_ip_limit = 3, .connection_timeout_s = 1 };

	*state = start_with(&cfg);
	return 0;
}

static void test_per_ip_limit_and_timeout(void **state)
{
	struct fixture *fx = *state;
	int fds[3], extra;
	double took;

	/* garbage without a line end: no answer, the slot is held */
	for (int i = 0; i < 3; i++) {
		fds[i] = connect_loopback(fx->port);
		assert_int_equal(send(fds[i], "\x16\x03\x01garbage", 10, MSG_NOSIGNAL), 10);
	}
	usleep(100000);
	/* a fourth from the same address is closed at once */
	extra = connect_loopback(fx->port);
	took = seconds_until_closed(extra);
	close(extra);
	assert_true(took < 0.5);
	/* the idle timeout frees the held slots */
	took = seconds_until_closed(fds[0]);
	assert_true(took < 3.0);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	usleep(100000);
	assert_status(fx->port, "/health", NULL, 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_methods_and_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_openmetrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_requests, setup_limited, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_header, setup_small_memory, teardown),
		cmocka_unit_test_setup_teardown(test_port_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_and_two_listeners, setup_dual, teardown),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test_setup_teardown(test_basic_auth, setup_auth, teardown_auth),
		cmocka_unit_test_setup_teardown(test_reload, setup_auth, teardown_auth),
		cmocka_unit_test_setup_teardown(test_reload_under_load, setup_auth, teardown_auth),
		cmocka_unit_test(test_web_config_start_errors),
		cmocka_unit_test_setup_teardown(test_per_ip_limit_and_timeout, setup_per_ip, teardown),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
