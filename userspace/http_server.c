/*
 * http_server.c: libmicrohttpd daemons serving /metrics, /, /health, /ready.
 *
 * The listen sockets are bound here rather than by MHD so that a failure
 * comes back with its errno ("Address already in use") and port 0 works.
 * Each /metrics render takes a scrape buffer (an expo_writer and a zlib
 * stream with its output) from a small pool and returns it when MHD frees
 * the response, so steady-state scrapes allocate nothing.
 *
 * The listen sockets stay ours for the server's life and every daemon gets
 * a duplicate: a web config reload that changes TLS starts new daemons on
 * the same sockets and stops the old ones, so the port never closes.
 */
#include "http_server.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "listen_address.h"
#include "log.h"
#include "scrape_share.h"
#include "web_config.h"

#define DEFAULT_TELEMETRY_PATH "/metrics"
/*
 * Short, because a connection that never completes a request holds a
 * thread and one of connection_limit slots until then. Prometheus keeps
 * connections open between scrapes; when they idle out it reconnects.
 */
#define DEFAULT_TIMEOUT_S 10
#define DEFAULT_CONNECTION_LIMIT 256
/* Slots no single client address may take: room for the scraper. */
#define PER_IP_RESERVE 32
#define DEFAULT_MEMORY_LIMIT (64 * 1024)
#define DEFAULT_TITLE "dwcp-bpf-exporter"
#define LISTEN_BACKLOG 128
/* Idle scrape buffers kept for reuse; more concurrent scrapes allocate. */
#define POOL_KEEP 4
#define AUTH_REALM "dwcp-bpf-exporter"
/* Successful basic-auth checks remembered, so scrapes do not pay bcrypt. */
#define AUTH_CACHE_SIZE 32
#define TLS_FILE_MAX (1024 * 1024)

const unsigned http_stats_codes[HTTP_STATS_NCODES] = { 200, 401, 404, 405, 500, 503, 0 };

struct scrape_buf {
	struct http_server *srv;
	struct expo_writer *w;
	z_stream zs;
	bool zs_ready;
	unsigned char *gz;
	size_t gz_cap;
	struct scrape_buf *next;
};

/* What a set of daemons serves TLS with; the PEM must outlive the daemons. */
struct tls_material {
	char *cert_pem, *key_pem;
	char priorities[96];
};

struct auth_cache_entry {
	unsigned char digest[32]; /* SHA-256 of user, password and stored hash */
	bool used;
};

struct http_server {
	struct MHD_Daemon *daemons[HTTP_SERVER_MAX_LISTEN];
	int listen_fds[HTTP_SERVER_MAX_LISTEN];
	char *listen_text[HTTP_SERVER_MAX_LISTEN];
	unsigned ports[HTTP_SERVER_MAX_LISTEN];
	size_t nlisten;  /* sockets bound */
	size_t ndaemons; /* of them, served */
	unsigned timeout, limit, per_ip_limit;
	size_t memlimit;
	struct tls_material *tls; /* of the running daemons; NULL: plain HTTP */
	pthread_mutex_t reload_lock;

	/* basic auth: replaced by a reload while requests read it */
	pthread_rwlock_t auth_lock;
	struct web_config web;
	pthread_mutex_t cache_lock;
	struct auth_cache_entry cache[AUTH_CACHE_SIZE];
	unsigned cache_next;

	struct http_handlers h;
	char *telemetry_path;
	char *landing;
	size_t landing_len;
	unsigned max_requests;

	atomic_uint inflight;
	pthread_mutex_t pool_lock;
	struct scrape_buf *pool;
	struct scrape_share share; /* concurrent scrapes share renders */
	unsigned pool_idle;

	atomic_uint_least64_t last_scrape_ns;
	atomic_uint_least64_t scrapes;
	atomic_uint_least64_t requests[HTTP_STATS_NCODES];
};

/* ---- small helpers ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	/* libmicrohttpd reports every malformed request a client sends: that
	 * is the client's problem, not an exporter error, and must not let
	 * junk traffic flood the log */
	log_event(LOG_DEBUG, "http server", "error", msg, NULL);
}

static void count_status(struct http_server *s, unsigned code)
{
	size_t i;

	for (i = 0; i + 1 < HTTP_STATS_NCODES; i++)
		if (http_stats_codes[i] == code)
			break;
	atomic_fetch_add_explicit(&s->requests[i], 1, memory_order_relaxed);
}

static enum MHD_Result queue(struct http_server *s, struct MHD_Connection *c, unsigned code,
			     struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (!r)
		return MHD_NO; /* out of memory: MHD closes the connection */
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	count_status(s, code);
	return ret;
}

/* A short answer from static or copied text. */
static enum MHD_Result reply_text(struct http_server *s, struct MHD_Connection *c, unsigned code,
				  const char *content_type, const char *body, bool copy)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(body), (void *)body, copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);

	if (r)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	return queue(s, c, code, r);
}

#define TEXT_PLAIN "text/plain; charset=utf-8"

/* ---- Accept-Encoding ---- */

static bool enc_token_is(const char *b, const char *e, const char *want)
{
	size_t n = strlen(want);

	return (size_t)(e - b) == n && !strncasecmp(b, want, n);
}

/* q of one Accept-Encoding element in thousandths; 1000 without q, -1 bad. */
static int element_q(const char *semi, const char *e)
{
	while (semi && semi < e) {
		const char *p = semi + 1, *next = memchr(p, ';', (size_t)(e - p));
		const char *pe = next ? next : e;
		int q = 0, scale = 1000;

		while (p < pe && (*p == ' ' || *p == '\t'))
			p++;
		if (pe - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			p += 2;
			if (p >= pe || (*p != '0' && *p != '1'))
				return -1;
			q = (*p++ - '0') * 1000;
			if (p < pe && *p == '.') {
				for (p++; p < pe && *p >= '0' && *p <= '9' && scale > 1; p++) {
					scale /= 10;
					q += (*p - '0') * scale;
				}
			}
			while (p < pe && (*p == ' ' || *p == '\t'))
				p++;
			return (p == pe && q <= 1000) ? q : -1;
		}
		semi = next;
	}
	return 1000;
}

bool http_accepts_gzip(const char *ae)
{
	int gzip_q = -1, star_q = -1;
	const char *p = ae;

	if (!ae)
		return false;
	while (*p) {
		const char *comma = strchr(p, ',');
		const char *e = comma ? comma : p + strlen(p);
		const char *semi = memchr(p, ';', (size_t)(e - p));
		const char *tb = p, *te = semi ? semi : e;
		int q;

		while (tb < te && (*tb == ' ' || *tb == '\t'))
			tb++;
		while (te > tb && (te[-1] == ' ' || te[-1] == '\t'))
			te--;
		q = element_q(semi, e);
		if (q >= 0) {
			if ((enc_token_is(tb, te, "gzip") || enc_token_is(tb, te, "x-gzip")) && q > gzip_q)
				gzip_q = q;
			else if (enc_token_is(tb, te, "*") && q > star_q)
				star_q = q;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	/* An explicit gzip entry overrides "*" (so "gzip;q=0, *" refuses it). */
	return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

/* ---- scrape buffers ---- */

static struct scrape_buf *scrape_buf_get(struct http_server *s)
{
	struct scrape_buf *b;

	pthread_mutex_lock(&s->pool_lock);
	b = s->pool;
	if (b) {
		s->pool = b->next;
		s->pool_idle--;
	}
	pthread_mutex_unlock(&s->pool_lock);
	if (b)
		return b;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->srv = s;
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
static void scrape_buf_put(struct scrape_buf *b)
{
	struct http_server *s = b->srv;

	pthread_mutex_lock(&s->pool_lock);
	if (s->pool_idle < POOL_KEEP) {
		b->next = s->pool;
		s->pool = b;
		s->pool_idle++;
		b = NULL;
	}
	pthread_mutex_unlock(&s->pool_lock);
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

/* ---- basic auth ---- */

static bool auth_digest(const char *user, const char *pass, const char *hash, unsigned char out[32])
{
	gnutls_hash_hd_t h;

	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return false;
	/* with the NULs, so that no two (user, password) pairs run together */
	gnutls_hash(h, user, strlen(user) + 1);
	gnutls_hash(h, pass, strlen(pass) + 1);
	gnutls_hash(h, hash, strlen(hash) + 1);
	gnutls_hash_deinit(h, out);
	return true;
}

static bool auth_cache_has(struct http_server *s, const unsigned char d[32])
{
	bool hit = false;

	pthread_mutex_lock(&s->cache_lock);
	for (size_t i = 0; i < AUTH_CACHE_SIZE && !hit; i++)
		hit = s->cache[i].used && !memcmp(s->cache[i].digest, d, 32);
	pthread_mutex_unlock(&s->cache_lock);
	return hit;
}

static void auth_cache_add(struct http_server *s, const unsigned char d[32])
{
	pthread_mutex_lock(&s->cache_lock);
	memcpy(s->cache[s->cache_next].digest, d, 32);
	s->cache[s->cache_next].used = true;
	s->cache_next = (s->cache_next + 1) % AUTH_CACHE_SIZE;
	pthread_mutex_unlock(&s->cache_lock);
}

/* Equal strings, in a time that depends only on their lengths. */
static bool ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/*
 * The password checked with crypt() against the user's bcrypt hash. An
 * unknown user is checked against another user's hash, so that it takes
 * as long as a wrong password and timing does not tell which users exist.
 */
static bool password_ok(struct http_server *s, const char *user, const char *pass)
{
	char hash[128];
	bool known = false, ok;
	unsigned char digest[32];
	bool have_digest;
	struct crypt_data *cd;
	const char *out;

	pthread_rwlock_rdlock(&s->auth_lock);
	if (!s->web.n_users) {
		/* a reload removed basic auth since authorized() looked */
		pthread_rwlock_unlock(&s->auth_lock);
		return true;
	}
	snprintf(hash, sizeof(hash), "%s", s->web.users[0].hash);
	for (size_t i = 0; i < s->web.n_users; i++) {
		if (!strcmp(s->web.users[i].name, user)) {
			snprintf(hash, sizeof(hash), "%s", s->web.users[i].hash);
			known = true;
		}
	}
	pthread_rwlock_unlock(&s->auth_lock);

	have_digest = known && auth_digest(user, pass, hash, digest);
	if (have_digest && auth_cache_has(s, digest))
		return true;
	cd = calloc(1, sizeof(*cd)); /* 32 KiB: not on a connection thread's stack */
	if (!cd)
		return false;
	out = crypt_rn(pass, hash, cd, sizeof(*cd));
	ok = known && out && ct_streq(out, hash);
	free(cd);
	if (ok && have_digest)
		auth_cache_add(s, digest);
	return ok;
}

/* True without basic auth users, or when the request's credentials are right. */
static bool authorized(struct http_server *s, struct MHD_Connection *c)
{
	char *user, *pass = NULL;
	bool any, ok;

	pthread_rwlock_rdlock(&s->auth_lock);
	any = s->web.n_users > 0;
	pthread_rwlock_unlock(&s->auth_lock);
	if (!any)
		return true;
	user = MHD_basic_auth_get_username_password(c, &pass);
	ok = user && pass && password_ok(s, user, pass);
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	return ok;
}

static enum MHD_Result reply_unauthorized(struct http_server *s, struct MHD_Connection *c)
{
	static const char body[] = "unauthorized\n";
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, TEXT_PLAIN);
	/* adds WWW-Authenticate: Basic realm="..." */
	ret = MHD_queue_basic_auth_fail_response(c, AUTH_REALM, r);
	MHD_destroy_response(r);
	count_status(s, MHD_HTTP_UNAUTHORIZED);
	return ret;
}

/* ---- handlers ---- */

static bool compress_into(void *ctx, const char *in, size_t len, const unsigned char **out, size_t *outlen)
{
	struct scrape_buf *b = ctx;

	if (!gzip_body(b, in, len, outlen))
		return false;
	*out = b->gz;
	return true;
}

static int render_with_handler(void *ctx, struct expo_writer *w)
{
	struct http_server *s = ctx;

	return s->h.render_metrics ? s->h.render_metrics(s->h.ctx, w) : 0;
}

static enum MHD_Result serve_metrics(struct http_server *s, struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	enum expo_format fmt = expo_negotiate(accept);
	struct scrape_buf *b;
	struct scrape_result *res = NULL;
	struct MHD_Response *r;
	const char *body, *why;
	size_t len, gzlen = 0;
	bool gz = false;
	uint64_t t0;
	int rc;
	char msg[256];

	if (atomic_fetch_add(&s->inflight, 1) >= s->max_requests && s->max_requests) {
		atomic_fetch_sub(&s->inflight, 1);
		snprintf(msg, sizeof(msg), "too many concurrent scrapes (limit %u)\n", s->max_requests);
		return reply_text(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, TEXT_PLAIN, msg, true);
	}
	t0 = now_ns();
	b = scrape_buf_get(s);
	res = b ? scrape_share_get(&s->share, fmt, b->w, render_with_handler, s) : NULL;
	if (!res) {
		rc = -ENOMEM;
		why = NULL;
		goto fail;
	}
	rc = res->rc;
	why = res->error;
	if (rc < 0 || why)
		goto fail;
	body = res->text;
	len = res->len;
	if (http_accepts_gzip(ae)) {
		/* compressed once per shared render, with b's deflate stream */
		const unsigned char *gzbody = scrape_result_gzip(res, compress_into, b, &gzlen);

		if (gzbody) {
			body = (const char *)gzbody;
			len = gzlen;
			gz = true;
		}
	}
	/* the response sends the shared result: b is free now */
	scrape_buf_put(b);
	b = NULL;
	atomic_store(&s->last_scrape_ns, now_ns() - t0);
	atomic_fetch_add(&s->scrapes, 1);
	atomic_fetch_sub(&s->inflight, 1);

	r = MHD_create_response_from_buffer_with_free_callback_cls(len, (void *)body, scrape_result_put, res);
	if (!r) {
		scrape_result_put(res);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, expo_content_type(fmt));
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	return queue(s, c, MHD_HTTP_OK, r);

fail:
	/* msg is logged, then answered with a newline appended */
	snprintf(msg, sizeof(msg) - 1, "render metrics: %s", why ? why : strerror(rc < 0 ? -rc : EIO));
	scrape_result_put(res);
	if (b)
		scrape_buf_put(b);
	atomic_fetch_sub(&s->inflight, 1);
	log_event(LOG_ERROR, "scrape failed", "error", msg, NULL);
	strcat(msg, "\n");
	return reply_text(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR, TEXT_PLAIN, msg, true);
}

static enum MHD_Result serve_ready(struct http_server *s, struct MHD_Connection *c)
{
	char why[256] = "";
	char body[300];

	if (!s->h.is_ready || s->h.is_ready(s->h.ctx, why, sizeof(why)))
		return reply_text(s, c, MHD_HTTP_OK, TEXT_PLAIN, "ready\n", false);
	snprintf(body, sizeof(body), "not ready: %s\n", why[0] ? why : "starting");
	return reply_text(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, TEXT_PLAIN, body, true);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload_data, size_t *upload_data_size,
			      void **con_cls)
{
	struct http_server *s = cls;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	/* every path, as exporter-toolkit does: /health and /ready too */
	if (!authorized(s, c))
		return reply_unauthorized(s, c);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		struct MHD_Response *r = MHD_create_response_from_buffer(
			strlen("method not allowed\n"), (void *)"method not allowed\n", MHD_RESPMEM_PERSISTENT);

		if (r) {
			MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
			MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, TEXT_PLAIN);
		}
		return queue(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
	}
	if (!strcmp(url, s->telemetry_path))
		return serve_metrics(s, c);
	if (!strcmp(url, "/"))
		return reply_text(s, c, MHD_HTTP_OK, "text/html; charset=utf-8", s->landing, false);
	if (!strcmp(url, "/health"))
		return reply_text(s, c, MHD_HTTP_OK, TEXT_PLAIN, "OK\n", false);
	if (!strcmp(url, "/ready"))
		return serve_ready(s, c);
	return reply_text(s, c, MHD_HTTP_NOT_FOUND, TEXT_PLAIN, "not found\n", false);
}

/* ---- start / stop ---- */

/* Appends s with HTML's special characters escaped. */
static void html_escaped(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst);

	for (; *s && n + 7 < cap; s++) {
		const char *rep = NULL;

		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		}
		if (rep) {
			memcpy(dst + n, rep, strlen(rep));
			n += strlen(rep);
		} else {
			dst[n++] = *s;
		}
	}
	dst[n] = '\0';
}

static char *build_landing(const char *title, const char *version, const char *path)
{
	size_t cap = 2048 + 6 * (strlen(title) * 2 + strlen(version) + strlen(path));
	char *p = malloc(cap);

	if (!p)
		return NULL;
	p[0] = '\0';
	strcat(p, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
	html_escaped(p, cap, title);
	strcat(p, "</title></head>\n<body>\n<h1>");
	html_escaped(p, cap, title);
	strcat(p, "</h1>\n");
	if (version[0]) {
		strcat(p, "<p>Version ");
		html_escaped(p, cap, version);
		strcat(p, "</p>\n");
	}
	strcat(p, "<ul>\n<li><a href=\"");
	html_escaped(p, cap, path);
	strcat(p, "\">Metrics</a></li>\n"
		  "<li><a href=\"/health\">Health</a></li>\n"
		  "<li><a href=\"/ready\">Readiness</a></li>\n"
		  "</ul>\n</body></html>\n");
	return p;
}

/* A bound, listening, non-blocking socket for text, or -1 with err. */
static int open_listener(const char *text, unsigned *port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char perr[256];
	int fd, one = 1, e;

	if (listen_address_parse(text, &ss, &sl, perr, sizeof(perr)) < 0) {
		snprintf(err, errlen, "listen on %s: %s", text, perr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "listen on %s: socket: %s", text, strerror(errno));
		return -1;
	}
	/* A restarted exporter must not wait for TIME_WAIT of its old port. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6) {
		/* "::" serves IPv4 too; a specific v6 address only itself. */
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
		int v6only = !IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "listen on %s: %s", text, strerror(e));
		return -1;
	}
	sl = sizeof(ss);
	*port = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
						 : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* Reads a PEM file named by the web config into a new string. */
static char *read_pem(const char *cfgpath, const char *key, const char *file, char *err, size_t errlen)
{
	FILE *f = fopen(file, "re");
	char *buf = NULL;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "web config %s: %s %s: %s", cfgpath, key, file, strerror(errno));
		return NULL;
	}
	buf = malloc(TLS_FILE_MAX + 1);
	n = buf ? fread(buf, 1, TLS_FILE_MAX, f) : 0;
	if (!buf || ferror(f) || n == 0) {
		snprintf(err, errlen, "web config %s: %s %s: %s", cfgpath, key, file,
			 !buf ? "out of memory" : ferror(f) ? strerror(errno) : "empty file");
		free(buf);
		buf = NULL;
	} else {
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

static void tls_material_free(struct tls_material *t)
{
	if (!t)
		return;
	if (t->key_pem) {
		explicit_bzero(t->key_pem, strlen(t->key_pem));
		free(t->key_pem);
	}
	free(t->cert_pem);
	free(t);
}

/*
 * The cert and key of w, read and checked with GnuTLS (the key must match
 * the certificate), so that a bad file is reported by name rather than as
 * a daemon that does not start. *out stays NULL without TLS.
 */
static int tls_material_load(const char *cfgpath, const struct web_config *w, struct tls_material **out,
			     char *err, size_t errlen)
{
	struct tls_material *t;
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	gnutls_datum_t cd, kd;
	const char *errpos;
	int rc;

	*out = NULL;
	if (!w->cert_file)
		return 0;
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, errlen, "web config %s: tls_server_config: this libmicrohttpd is built without TLS",
			 cfgpath);
		return -1;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->cert_pem = read_pem(cfgpath, "tls_server_config.cert_file", w->cert_file, err, errlen);
	if (t->cert_pem)
		t->key_pem = read_pem(cfgpath, "tls_server_config.key_file", w->key_file, err, errlen);
	if (!t->key_pem) {
		tls_material_free(t);
		return -1;
	}
	web_config_tls_priorities(w, t->priorities, sizeof(t->priorities));

	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "out of memory");
		tls_material_free(t);
		return -1;
	}
	cd.data = (unsigned char *)t->cert_pem;
	cd.size = (unsigned)strlen(t->cert_pem);
	kd.data = (unsigned char *)t->key_pem;
	kd.size = (unsigned)strlen(t->key_pem);
	rc = gnutls_certificate_set_x509_key_mem2(cred, &cd, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_certificate_free_credentials(cred);
	if (rc < 0) {
		snprintf(err, errlen, "web config %s: tls_server_config: cert_file %s with key_file %s: %s", cfgpath,
			 w->cert_file, w->key_file, gnutls_strerror(rc));
		tls_material_free(t);
		return -1;
	}
	rc = gnutls_priority_init(&prio, t->priorities, &errpos);
	if (rc < 0) {
		snprintf(err, errlen, "web config %s: tls_server_config: TLS priorities %s: %s", cfgpath,
			 t->priorities, gnutls_strerror(rc));
		tls_material_free(t);
		return -1;
	}
	gnutls_priority_deinit(prio);
	*out = t;
	return 0;
}

static bool tls_material_same(const struct tls_material *a, const struct tls_material *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a->cert_pem, b->cert_pem) && !strcmp(a->key_pem, b->key_pem) &&
	       !strcmp(a->priorities, b->priorities);
}

/* An MHD daemon on a duplicate of s->listen_fds[i]; NULL with err. */
static struct MHD_Daemon *start_daemon(struct http_server *s, size_t i, const struct tls_material *t, char *err,
				       size_t errlen)
{
	struct MHD_OptionItem tls_opts[] = {
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, t ? t->key_pem : NULL },
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, t ? t->cert_pem : NULL },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0, t ? (void *)t->priorities : NULL },
		{ MHD_OPTION_END, 0, NULL },
	};
	struct MHD_Daemon *d;
	int fd;

	/*
	 * MHD gets a duplicate that it owns and closes on stop. Whether it
	 * closes it on a failed start differs between versions; at worst the
	 * copy leaks, but ours is never closed twice.
	 */
	fd = fcntl(s->listen_fds[i], F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "listen on %s: dup: %s", s->listen_text[i], strerror(errno));
		return NULL;
	}
	/* ITC: MHD_quiesce_daemon needs it when a reload replaces the daemon */
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
				     MHD_USE_ERROR_LOG | MHD_USE_ITC | (t ? MHD_USE_TLS : 0),
			     0, NULL, NULL, handle, s,
			     /* first, or MHD logs its own complaint about it to stderr */
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			     MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
			     MHD_OPTION_CONNECTION_TIMEOUT, s->timeout,
			     MHD_OPTION_CONNECTION_LIMIT, s->limit,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->per_ip_limit,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, s->memlimit,
			     MHD_OPTION_ARRAY, t ? tls_opts : tls_opts + 3,
			     MHD_OPTION_END);
	if (!d)
		snprintf(err, errlen, "listen on %s: cannot start the HTTP%s daemon (--log.level=debug logs libmicrohttpd's reason)", s->listen_text[i],
			 t ? "S" : "");
	return d;
}

/* Stops daemons that other daemons replace; the listen sockets stay open. */
static void stop_daemons(struct MHD_Daemon **d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		MHD_socket fd;

		if (!d[i])
			continue;
		fd = MHD_quiesce_daemon(d[i]);
		MHD_stop_daemon(d[i]);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
}

int http_server_open(struct http_server **out, const struct http_server_config *cfg,
		     const struct http_handlers *h, char *err, size_t errlen)
{
	struct http_server *s;
	const char *path = cfg->telemetry_path && cfg->telemetry_path[0] ? cfg->telemetry_path
									 : DEFAULT_TELEMETRY_PATH;

	*out = NULL;
	if (cfg->n_listen == 0 || cfg->n_listen > HTTP_SERVER_MAX_LISTEN) {
		snprintf(err, errlen, "need 1 to %d listen addresses, got %zu", HTTP_SERVER_MAX_LISTEN,
			 cfg->n_listen);
		return -1;
	}
	if (path[0] != '/') {
		snprintf(err, errlen, "telemetry path \"%s\" must start with '/'", path);
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < HTTP_SERVER_MAX_LISTEN; i++)
		s->listen_fds[i] = -1;
	s->h = *h;
	s->max_requests = cfg->max_requests;
	s->timeout = cfg->connection_timeout_s ? cfg->connection_timeout_s : DEFAULT_TIMEOUT_S;
	s->limit = cfg->connection_limit ? cfg->connection_limit : DEFAULT_CONNECTION_LIMIT;
	s->per_ip_limit = cfg->connection_per_ip_limit ? cfg->connection_per_ip_limit
			  : s->limit > 2 * PER_IP_RESERVE ? s->limit - PER_IP_RESERVE
							  : s->limit;
	s->memlimit = cfg->connection_memory_limit ? cfg->connection_memory_limit : DEFAULT_MEMORY_LIMIT;
	pthread_mutex_init(&s->pool_lock, NULL);
	scrape_share_init(&s->share);
	pthread_mutex_init(&s->reload_lock, NULL);
	pthread_mutex_init(&s->cache_lock, NULL);
	pthread_rwlock_init(&s->auth_lock, NULL);
	s->telemetry_path = strdup(path);
	s->landing = build_landing(cfg->landing_title ? cfg->landing_title : DEFAULT_TITLE,
				   cfg->version ? cfg->version : "", path);
	if (!s->telemetry_path || !s->landing) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (cfg->web_config_file) {
		if (web_config_load(cfg->web_config_file, &s->web, err, errlen) < 0 ||
		    tls_material_load(cfg->web_config_file, &s->web, &s->tls, err, errlen) < 0)
			goto fail;
	}

	for (size_t i = 0; i < cfg->n_listen; i++) {
		s->listen_text[i] = strdup(cfg->listen_addresses[i]);
		if (!s->listen_text[i]) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		s->listen_fds[i] = open_listener(cfg->listen_addresses[i], &s->ports[i], err, errlen);
		if (s->listen_fds[i] < 0)
			goto fail;
		s->nlisten = i + 1;
	}
	*out = s;
	return 0;
fail:
	http_server_stop(s);
	return -1;
}

int http_server_serve(struct http_server *s, char *err, size_t errlen)
{
	for (size_t i = s->ndaemons; i < s->nlisten; i++) {
		s->daemons[i] = start_daemon(s, i, s->tls, err, errlen);
		if (!s->daemons[i])
			return -1;
		s->ndaemons = i + 1;
	}
	return 0;
}

int http_server_start(struct http_server **out, const struct http_server_config *cfg,
		      const struct http_handlers *h, char *err, size_t errlen)
{
	if (http_server_open(out, cfg, h, err, errlen) != 0)
		return -1;
	if (http_server_serve(*out, err, errlen) != 0) {
		http_server_stop(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int http_server_reload_web_config(struct http_server *s, const char *path, char *err, size_t errlen)
{
	struct MHD_Daemon *fresh[HTTP_SERVER_MAX_LISTEN] = { 0 };
	struct web_config w, old;
	struct tls_material *t;
	bool restart;

	pthread_mutex_lock(&s->reload_lock);
	if (web_config_load(path, &w, err, errlen) < 0) {
		pthread_mutex_unlock(&s->reload_lock);
		return -1;
	}
	if (tls_material_load(path, &w, &t, err, errlen) < 0) {
		web_config_free(&w);
		pthread_mutex_unlock(&s->reload_lock);
		return -1;
	}
	restart = !tls_material_same(t, s->tls);
	for (size_t i = 0; restart && i < s->ndaemons; i++) {
		fresh[i] = start_daemon(s, i, t, err, errlen);
		if (!fresh[i]) {
			stop_daemons(fresh, i);
			tls_material_free(t);
			web_config_free(&w);
			pthread_mutex_unlock(&s->reload_lock);
			return -1;
		}
	}

	/* users first: new daemons must not serve a moment without new auth */
	pthread_rwlock_wrlock(&s->auth_lock);
	old = s->web;
	s->web = w;
	pthread_rwlock_unlock(&s->auth_lock);
	pthread_mutex_lock(&s->cache_lock);
	memset(s->cache, 0, sizeof(s->cache));
	pthread_mutex_unlock(&s->cache_lock);
	web_config_free(&old);

	if (restart) {
		struct MHD_Daemon *stale[HTTP_SERVER_MAX_LISTEN];

		memcpy(stale, s->daemons, sizeof(stale));
		memcpy(s->daemons, fresh, sizeof(fresh));
		/* closes the old daemons' connections: clients reconnect */
		stop_daemons(stale, s->ndaemons);
		tls_material_free(s->tls);
		s->tls = t;
	} else {
		tls_material_free(t);
	}
	pthread_mutex_unlock(&s->reload_lock);
	return 0;
}

bool http_server_tls(const struct http_server *s)
{
	return s->tls != NULL;
}

void http_server_stop(struct http_server *s)
{
	struct scrape_buf *b;

	if (!s)
		return;
	/* Joins the connection threads: every response is freed after this. */
	for (size_t i = 0; i < s->ndaemons; i++)
		if (s->daemons[i])
			MHD_stop_daemon(s->daemons[i]);
	for (size_t i = 0; i < HTTP_SERVER_MAX_LISTEN; i++) {
		if (s->listen_fds[i] >= 0)
			close(s->listen_fds[i]);
		free(s->listen_text[i]);
	}
	while ((b = s->pool)) {
		s->pool = b->next;
		scrape_buf_free(b);
	}
	pthread_mutex_destroy(&s->pool_lock);
	scrape_share_free(&s->share);
	pthread_mutex_destroy(&s->reload_lock);
	pthread_mutex_destroy(&s->cache_lock);
	pthread_rwlock_destroy(&s->auth_lock);
	web_config_free(&s->web);
	tls_material_free(s->tls);
	free(s->telemetry_path);
	free(s->landing);
	free(s);
}

void http_server_stats(const struct http_server *s, struct http_server_stats *out)
{
	struct http_server *m = (struct http_server *)s; /* atomics are read-only here */

	out->last_scrape_duration_seconds = (double)atomic_load(&m->last_scrape_ns) / 1e9;
	out->scrapes = atomic_load(&m->scrapes);
	for (size_t i = 0; i < HTTP_STATS_NCODES; i++)
		out->requests[i] = atomic_load(&m->requests[i]);
	out->inflight = atomic_load(&m->inflight);
	scrape_share_stats(&m->share, &out->renders, &out->shared);
}

unsigned http_server_port(const struct http_server *s, size_t i)
{
	return i < s->nlisten ? s->ports[i] : 0;
}
