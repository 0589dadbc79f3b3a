/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_server.h: the HTTP front of the exporter, on libmicrohttpd. Knows
 * nothing of BPF: metrics come from a render callback.
 *
 * What it offers
 *   - http_server_start(): one MHD daemon per listen address serving
 *       /metrics (the telemetry path)  the callback's exposition, in the
 *                                      format the Accept header asks for,
 *                                      gzip when Accept-Encoding allows it;
 *                                      503 beyond max_requests concurrent
 *                                      renders, 500 if the render fails
 *       /                              a small HTML landing page
 *       /health                        200 "OK"
 *       /ready                         200 "ready", or 503 and why not
 *     GET and HEAD only (405 with "Allow: GET, HEAD"), 404 elsewhere.
 *     With a web config (web_config.h, userspace/web/README.md): TLS with
 *     client certificates (tls_session.h), basic auth on every path (401
 *     with WWW-Authenticate: Basic realm="dwcp-bpf-exporter"), the
 *     configured headers on every response and a rate limit over all
 *     requests (429 beyond it; web_policy.h).
 *   - http_server_reload_web_config(): re-reads the web config (SIGHUP).
 *   - http_server_stop(): closes the ports and waits for in-flight requests.
 *   - http_server_stats(): the last scrape's duration, requests by status
 *     code and failed accepts by errno, for the exporter's self-metrics.
 *
 * Threads: one thread per connection (MHD_USE_THREAD_PER_CONNECTION). A
 * render reads BPF maps and may take a while; with a thread pool a slow
 * render would stall every connection sharing its thread, including the
 * ones that should get a fast 503, /health or /ready. connection_limit caps
 * the threads, PER_IP_CONNECTION_LIMIT keeps a few of them from any one
 * client address, and a 10 s idle timeout frees threads held by clients that
 * never finish a request.
 *
 * Basic auth: crypt() (libxcrypt's bcrypt) with a constant-time compare;
 * an unknown user costs a crypt() as well. Successful checks are cached by
 * a SHA-256 of (user, password, stored hash), never the password itself,
 * so that scrapes do not pay bcrypt's cost each time.
 */
#ifndef DWCP_HTTP_SERVER_H
#define DWCP_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exposition/exposition.h"
#include "web/accept_errors.h"

#define HTTP_SERVER_MAX_LISTEN 8

struct http_handlers {
	/*
	 * Render the metrics into w (already begun in the negotiated format;
	 * the server calls expo_writer_end). Return 0 or a negative errno
	 * (-> 500). Called from server threads, concurrently up to
	 * max_requests: the callee does its own locking.
	 */
	int (*render_metrics)(void *ctx, struct expo_writer *w);
	/* /ready: 200 "ready" or 503 and why. NULL: always ready. */
	bool (*is_ready)(void *ctx, char *why, size_t whylen);
	void *ctx;
};

struct http_server_config {
	const char *listen_addresses[HTTP_SERVER_MAX_LISTEN]; /* host:port, see listen_address.h */
	size_t n_listen;
	/* or sockets already listening (socket activation): used instead of
	 * the addresses when n_listen_fds > 0; the server closes them */
	int listen_fds[HTTP_SERVER_MAX_LISTEN];
	size_t n_listen_fds;
	const char *telemetry_path;     /* default "/metrics" */
	unsigned max_requests;          /* concurrent /metrics renders; beyond: 503; 0 = unlimited */
	unsigned connection_timeout_s;  /* default 30 */
	unsigned connection_limit;      /* per listen address; default 512 */
	unsigned connection_per_ip_limit; /* per client address; default connection_limit - 32 */
	size_t connection_memory_limit; /* bytes per connection; default 64 KiB */
	const char *landing_title;      /* default "dwcp-bpf-exporter" */
	const char *version;            /* shown on the landing page; may be NULL */
	const char *web_config_file;    /* TLS and basic auth (web_config.h); NULL: plain HTTP */
};

/* Status codes counted one by one; everything else is counted as "other". */
#define HTTP_STATS_NCODES 8
/* {200, 401, 404, 405, 500, 503, 429, 0 = other} */
extern const unsigned http_stats_codes[HTTP_STATS_NCODES];

struct http_server_stats {
	double last_scrape_duration_seconds; /* render + gzip of the last /metrics; 0 before any */
	uint64_t scrapes;                    /* /metrics answered with 200 */
	uint64_t requests[HTTP_STATS_NCODES]; /* by http_stats_codes[i] */
	unsigned inflight;                   /* /metrics requests being served now */
	uint64_t renders, shared;            /* scrapes rendered, and served by another's render */
	uint64_t accept_errors[ACCEPT_ERRNO_COUNT]; /* failed accepts by accept_errnos[i] (accept_errors.h) */
};

struct http_server;

/*
 * Reads the web config and binds every address (errors like "listen on
 * 127.0.0.1:9477: Address already in use") without serving yet: a daemon
 * can bind while privileged and serve from threads created after it drops
 * its capabilities. 0, or -1 with err filled (*out NULL).
 */
int http_server_open(struct http_server **out, const struct http_server_config *cfg,
		     const struct http_handlers *h, char *err, size_t errlen);
/* Starts serving the bound addresses (one daemon thread each). 0 or -1. */
int http_server_serve(struct http_server *s, char *err, size_t errlen);
/* open + serve. */
int http_server_start(struct http_server **out, const struct http_server_config *cfg,
		      const struct http_handlers *h, char *err, size_t errlen);
/*
 * Reads the web config at path again; on any error (like those of start)
 * keeps serving the old one and returns -1 with err. New basic-auth users
 * count from the next request, headers and rate limit too. A change of TLS
 * (on, off, cert, key, client CA, client auth, SANs, versions, suites,
 * curves) starts new daemons on the same sockets and stops the old ones,
 * closing their open connections. Call from one thread (the main loop).
 */
int http_server_reload_web_config(struct http_server *s, const char *path, char *err, size_t errlen);

/* Serving TLS now. */
bool http_server_tls(const struct http_server *s);

/* Closes the ports, waits for in-flight requests, frees s. NULL is fine. */
void http_server_stop(struct http_server *s);

void http_server_stats(const struct http_server *s, struct http_server_stats *out);

/* What listen socket i is ("127.0.0.1:9477", "fd 3 (127.0.0.1:9477)"), NULL
 * past the last. */
const char *http_server_listen_text(const struct http_server *s, size_t i);

/* The port listen address i is bound to (useful with port 0), 0 if none. */
unsigned http_server_port(const struct http_server *s, size_t i);

#endif /* DWCP_HTTP_SERVER_H */
