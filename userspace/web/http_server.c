// SPDX-License-Identifier: Apache-2.0
/*
 * http_server.c: libmicrohttpd daemons serving /metrics, /, /health, /ready:
 * the routes, and the daemons' start, reload and stop.
 *
 * The listen sockets are bound by listen_address_open() so that a failure
 * comes back with its errno ("Address already in use") and port 0 works.
 * Each /metrics render takes a scrape buffer (scrape_buf.h) from a small
 * pool and gives it back once the shared result is in hand, so steady-state
 * scrapes allocate nothing.
 *
 * The listen sockets stay ours for the server's life and every daemon gets
 * a duplicate: a web config reload that changes TLS starts new daemons on
 * the same sockets and stops the old ones, so the port never closes.
 */
#include "web/http_server.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "web/accept_errors.h"
#include "web/basic_auth.h"
#include "web/content_negotiation.h"
#include "web/landing_page.h"
#include "web/listen_address.h"
#include "base/log.h"
#include "web/scrape_buf.h"
#include "web/scrape_share.h"
#include "web/tls_material.h"
#include "web/tls_session.h"
#include "web/web_config.h"
#include "web/web_policy.h"

#define DEFAULT_TELEMETRY_PATH "/metrics"
/*
 * Short, because a connection that never completes a request holds a
 * thread and one of connection_limit slots until then. Prometheus keeps
 * connections open between scrapes; when they idle out it reconnects.
 */
#define DEFAULT_TIMEOUT_S 10
/* Above the default --web.max-requests (200) with room to spare: under a
 * burst of 200 keep-alive scrapers, connections that closed still count
 * until their threads finish, and at 256 new ones were refused. */
#define DEFAULT_CONNECTION_LIMIT 512
/* Slots no single client address may take: room for the scraper. */
#define PER_IP_RESERVE 32
#define DEFAULT_MEMORY_LIMIT (64 * 1024)
#define DEFAULT_TITLE "dwcp-bpf-exporter"
#define AUTH_REALM "dwcp-bpf-exporter"

const unsigned http_stats_codes[HTTP_STATS_NCODES] = { 200, 401, 404, 405, 500, 503, 429, 0 };

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

	struct basic_auth auth;
	struct web_policy policy; /* headers on every response, rate limit */

	struct http_handlers h;
	char *telemetry_path;
	char *landing;
	unsigned max_requests;

	atomic_uint inflight;
	struct scrape_pool pool;
	struct scrape_share share; /* concurrent scrapes share renders */

	atomic_uint_least64_t last_scrape_ns;
	atomic_uint_least64_t scrapes;
	atomic_uint_least64_t requests[HTTP_STATS_NCODES];
	struct accept_errors accept_errors;
	/* what libmicrohttpd's logger of daemon i is called with */
	struct daemon_log {
		struct http_server *s;
		size_t i;
	} log_ctx[HTTP_SERVER_MAX_LISTEN];
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
	const struct daemon_log *d = cls;
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	/* a failed accept is the exporter's own trouble (accept_errors.h) */
	if (d && accept_errors_seen(&d->s->accept_errors, d->s->listen_text[d->i], msg))
		return;
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
	web_policy_add_headers(&s->policy, r);
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

/* ---- basic auth ---- */

/* True without basic auth users, or when the request's credentials are right. */
static bool authorized(struct http_server *s, struct MHD_Connection *c)
{
	char *user, *pass = NULL;
	bool ok;

	if (!basic_auth_enabled(&s->auth))
		return true;
	user = MHD_basic_auth_get_username_password(c, &pass);
	ok = user && pass && basic_auth_check(&s->auth, user, pass);
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
	web_policy_add_headers(&s->policy, r);
	/* adds WWW-Authenticate: Basic realm="..." */
	ret = MHD_queue_basic_auth_fail_response(c, AUTH_REALM, r);
	MHD_destroy_response(r);
	count_status(s, MHD_HTTP_UNAUTHORIZED);
	return ret;
}

/* ---- handlers ---- */

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
	b = scrape_buf_get(&s->pool);
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
		const unsigned char *gzbody = scrape_result_gzip(res, scrape_buf_gzip, b, &gzlen);

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
	/* the format follows Accept, the encoding Accept-Encoding: a cache
	 * must key on both */
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
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
	/* a reason names a binary, probes, an errno and a limit */
	char why[1536] = "";
	char body[1600];

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

	/* the rate limit: every request, before basic auth, as exporter-toolkit */
	if (!web_policy_allow(&s->policy))
		return reply_text(s, c, MHD_HTTP_TOO_MANY_REQUESTS, TEXT_PLAIN, "too many requests\n", false);
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	accept_errors_recovered(&s->accept_errors);
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

/* "fd 3 (127.0.0.1:9477)" for a socket passed in, and its port. */
static char *listen_fd_text(int fd, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char addr[LISTEN_ADDRESS_TEXT_MAX] = "?", text[LISTEN_ADDRESS_TEXT_MAX + 32];

	*port = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		listen_address_format((struct sockaddr *)&ss, addr, sizeof(addr));
		*port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
						 : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	snprintf(text, sizeof(text), "fd %d (%s)", fd, addr);
	return strdup(text);
}

/* The web config at path and the TLS material it names; -1 with err. */
static int load_web_config(const char *path, struct web_config *w, struct tls_material **t, char *err,
			   size_t errlen)
{
	if (web_config_load(path, w, err, errlen) < 0)
		return -1;
	if (w->tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, errlen, "web config %s: tls_server_config: this libmicrohttpd is built without TLS",
			 path);
		web_config_free(w);
		return -1;
	}
	if (tls_material_load(path, w, t, err, errlen) < 0) {
		web_config_free(w);
		return -1;
	}
	return 0;
}

/* An MHD daemon on a duplicate of s->listen_fds[i]; NULL with err. */
static struct MHD_Daemon *start_daemon(struct http_server *s, size_t i, const struct tls_material *t, char *err,
				       size_t errlen)
{
	/* the client CA (MEM_TRUST) names the CAs in the certificate request;
	 * tls_session_notify sets what each handshake asks for and checks */
	struct MHD_OptionItem tls_opts[] = {
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, t ? t->key_pem : NULL },
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, t ? t->cert_pem : NULL },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0, t ? (void *)t->priorities : NULL },
		{ t && t->ca_pem ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0, t ? t->ca_pem : NULL },
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
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &s->log_ctx[i],
			     MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
			     MHD_OPTION_CONNECTION_TIMEOUT, s->timeout,
			     MHD_OPTION_CONNECTION_LIMIT, s->limit,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->per_ip_limit,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, s->memlimit,
			     MHD_OPTION_NOTIFY_CONNECTION, tls_session_notify, (void *)t,
			     MHD_OPTION_ARRAY, t ? tls_opts : tls_opts + 4,
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
	size_t n = cfg->n_listen_fds ? cfg->n_listen_fds : cfg->n_listen;

	*out = NULL;

	if (n == 0 || n > HTTP_SERVER_MAX_LISTEN) {
		snprintf(err, errlen, "need 1 to %d listen addresses, got %zu", HTTP_SERVER_MAX_LISTEN, n);
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
	scrape_pool_init(&s->pool);
	scrape_share_init(&s->share);
	pthread_mutex_init(&s->reload_lock, NULL);
	accept_errors_init(&s->accept_errors);
	for (size_t i = 0; i < HTTP_SERVER_MAX_LISTEN; i++)
		s->log_ctx[i] = (struct daemon_log){ s, i };
	basic_auth_init(&s->auth);
	web_policy_init(&s->policy);
	s->telemetry_path = strdup(path);
	s->landing = landing_page_build(cfg->landing_title ? cfg->landing_title : DEFAULT_TITLE,
				   cfg->version ? cfg->version : "", path);
	if (!s->telemetry_path || !s->landing) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (cfg->web_config_file) {
		struct web_config w;

		if (load_web_config(cfg->web_config_file, &w, &s->tls, err, errlen) < 0)
			goto fail;
		if (web_policy_replace(&s->policy, &w) < 0) {
			snprintf(err, errlen, "out of memory");
			web_config_free(&w);
			goto fail;
		}
		basic_auth_replace(&s->auth, &w);
	}

	for (size_t i = 0; i < n; i++) {
		if (cfg->n_listen_fds) {
			s->listen_fds[i] = cfg->listen_fds[i];
			s->listen_text[i] = listen_fd_text(cfg->listen_fds[i], &s->ports[i]);
		} else {
			s->listen_text[i] = strdup(cfg->listen_addresses[i]);
		}
		if (!s->listen_text[i]) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (!cfg->n_listen_fds) {
			s->listen_fds[i] = listen_address_open(cfg->listen_addresses[i], &s->ports[i], err, errlen);
			if (s->listen_fds[i] < 0)
				goto fail;
		}
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
	struct web_config w;
	struct tls_material *t;
	bool restart;

	pthread_mutex_lock(&s->reload_lock);
	if (load_web_config(path, &w, &t, err, errlen) < 0) {
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
	if (web_policy_replace(&s->policy, &w) < 0) {
		snprintf(err, errlen, "out of memory");
		stop_daemons(fresh, s->ndaemons);
		tls_material_free(t);
		web_config_free(&w);
		pthread_mutex_unlock(&s->reload_lock);
		return -1;
	}
	basic_auth_replace(&s->auth, &w);

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
	scrape_pool_free(&s->pool);
	scrape_share_free(&s->share);
	pthread_mutex_destroy(&s->reload_lock);
	accept_errors_free(&s->accept_errors);
	basic_auth_free(&s->auth);
	web_policy_free(&s->policy);
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
	accept_errors_read(&m->accept_errors, out->accept_errors);
}

const char *http_server_listen_text(const struct http_server *s, size_t i)
{
	return i < s->nlisten ? s->listen_text[i] : NULL;
}

unsigned http_server_port(const struct http_server *s, size_t i)
{
	return i < s->nlisten ? s->ports[i] : 0;
}
