/*
 * http_server.c: libmicrohttpd daemons serving /metrics, /, /health, /ready.
 *
 * The listen sockets are bound here rather than by MHD so that a failure
 * comes back with its errno ("Address already in use") and port 0 works.
 * Each /metrics render takes a scrape buffer (an expo_writer and a zlib
 * stream with its output) from a small pool and returns it when MHD frees
 * the response, so steady-state scrapes allocate nothing.
 */
#include "http_server.h"

#include <errno.h>
#include <fcntl.h>
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

#define DEFAULT_TELEMETRY_PATH "/metrics"
#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_CONNECTION_LIMIT 256
#define DEFAULT_MEMORY_LIMIT (64 * 1024)
#define DEFAULT_TITLE "dwcp-bpf-exporter"
#define LISTEN_BACKLOG 128
/* Idle scrape buffers kept for reuse; more concurrent scrapes allocate. */
#define POOL_KEEP 4

const unsigned http_stats_codes[HTTP_STATS_NCODES] = { 200, 404, 405, 500, 503, 0 };

struct scrape_buf {
	struct http_server *srv;
	struct expo_writer *w;
	z_stream zs;
	bool zs_ready;
	unsigned char *gz;
	size_t gz_cap;
	struct scrape_buf *next;
};

struct http_server {
	struct MHD_Daemon *daemons[HTTP_SERVER_MAX_LISTEN];
	unsigned ports[HTTP_SERVER_MAX_LISTEN];
	size_t ndaemons;

	struct http_handlers h;
	char *telemetry_path;
	char *landing;
	size_t landing_len;
	unsigned max_requests;

	atomic_uint inflight;
	pthread_mutex_t pool_lock;
	struct scrape_buf *pool;
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

/* MHD's free callback of a /metrics response, and the error paths. */
static void scrape_buf_put(void *cls)
{
	struct scrape_buf *b = cls;
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

/* ---- handlers ---- */

static enum MHD_Result serve_metrics(struct http_server *s, struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	enum expo_format fmt = expo_negotiate(accept);
	struct scrape_buf *b;
	struct MHD_Response *r;
	const char *body, *why;
	size_t len, gzlen = 0;
	bool gz = false;
	uint64_t t0;
	int rc;
	char msg[256];

	if (s->max_requests &&
	    atomic_fetch_add(&s->inflight, 1) >= s->max_requests) {
		atomic_fetch_sub(&s->inflight, 1);
		snprintf(msg, sizeof(msg), "too many concurrent scrapes (limit %u)\n", s->max_requests);
		return reply_text(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, TEXT_PLAIN, msg, true);
	}
	t0 = now_ns();
	b = scrape_buf_get(s);
	if (!b) {
		rc = -ENOMEM;
		why = NULL;
		goto fail;
	}
	expo_writer_begin(b->w, fmt);
	rc = s->h.render_metrics ? s->h.render_metrics(s->h.ctx, b->w) : 0;
	expo_writer_end(b->w);
	why = expo_writer_error(b->w);
	if (rc < 0 || why)
		goto fail;
	body = expo_writer_data(b->w, &len);
	if (http_accepts_gzip(ae) && gzip_body(b, body, len, &gzlen)) {
		body = (const char *)b->gz;
		len = gzlen;
		gz = true;
	}
	atomic_store(&s->last_scrape_ns, now_ns() - t0);
	atomic_fetch_add(&s->scrapes, 1);
	if (s->max_requests)
		atomic_fetch_sub(&s->inflight, 1);

	r = MHD_create_response_from_buffer_with_free_callback_cls(len, (void *)body, scrape_buf_put, b);
	if (!r) {
		scrape_buf_put(b);
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
	if (b)
		scrape_buf_put(b);
	if (s->max_requests)
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

int http_server_start(struct http_server **out, const struct http_server_config *cfg,
		      const struct http_handlers *h, char *err, size_t errlen)
{
	struct http_server *s;
	const char *path = cfg->telemetry_path && cfg->telemetry_path[0] ? cfg->telemetry_path
									 : DEFAULT_TELEMETRY_PATH;
	unsigned timeout = cfg->connection_timeout_s ? cfg->connection_timeout_s : DEFAULT_TIMEOUT_S;
	unsigned limit = cfg->connection_limit ? cfg->connection_limit : DEFAULT_CONNECTION_LIMIT;
	size_t memlimit = cfg->connection_memory_limit ? cfg->connection_memory_limit : DEFAULT_MEMORY_LIMIT;

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
	s->h = *h;
	s->max_requests = cfg->max_requests;
	pthread_mutex_init(&s->pool_lock, NULL);
	s->telemetry_path = strdup(path);
	s->landing = build_landing(cfg->landing_title ? cfg->landing_title : DEFAULT_TITLE,
				   cfg->version ? cfg->version : "", path);
	if (!s->telemetry_path || !s->landing) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}

	for (size_t i = 0; i < cfg->n_listen; i++) {
		unsigned port;
		int mhd_fd, fd = open_listener(cfg->listen_addresses[i], &port, err, errlen);
		struct MHD_Daemon *d;

		if (fd < 0)
			goto fail;
		/*
		 * MHD gets a duplicate that it owns and closes on stop. Whether
		 * it closes it on a failed start differs between versions; at
		 * worst the copy leaks, but ours is never closed twice.
		 */
		mhd_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		close(fd);
		if (mhd_fd < 0) {
			snprintf(err, errlen, "listen on %s: dup: %s", cfg->listen_addresses[i], strerror(errno));
			goto fail;
		}
		d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
					     MHD_USE_POLL | MHD_USE_ERROR_LOG,
				     0, NULL, NULL, handle, s,
				     /* first, or MHD logs its own complaint about it to stderr */
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				     MHD_OPTION_LISTEN_SOCKET, (MHD_socket)mhd_fd,
				     MHD_OPTION_CONNECTION_TIMEOUT, timeout,
				     MHD_OPTION_CONNECTION_LIMIT, limit,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, memlimit,
				     MHD_OPTION_END);
		if (!d) {
			snprintf(err, errlen, "listen on %s: cannot start the HTTP daemon (see the log)",
				 cfg->listen_addresses[i]);
			goto fail;
		}
		s->daemons[s->ndaemons] = d;
		s->ports[s->ndaemons] = port;
		s->ndaemons++;
	}
	*out = s;
	return 0;
fail:
	http_server_stop(s);
	return -1;
}

void http_server_stop(struct http_server *s)
{
	struct scrape_buf *b;

	if (!s)
		return;
	/* Joins the connection threads: every response is freed after this. */
	for (size_t i = 0; i < s->ndaemons; i++)
		MHD_stop_daemon(s->daemons[i]);
	while ((b = s->pool)) {
		s->pool = b->next;
		scrape_buf_free(b);
	}
	pthread_mutex_destroy(&s->pool_lock);
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
}

unsigned http_server_port(const struct http_server *s, size_t i)
{
	return i < s->ndaemons ? s->ports[i] : 0;
}
