/* SPDX-License-Identifier: Apache-2.0 */
/*
 * web_policy.h: what every response gets from the web config, shared by the
 * server's threads and replaced by a reload: the configured headers
 * (http_server_config.headers, on every response) and the rate limit
 * (rate_limit.h, over all requests).
 *
 * What it offers
 *   - web_policy_replace(): the headers and limit of a freshly loaded web
 *     config. A limit whose interval and burst did not change keeps its
 *     bucket; a new one starts full.
 *   - web_policy_allow(): takes a token, or false: answer 429.
 *   - web_policy_add_headers(): the headers onto a response.
 */
#ifndef DWCP_WEB_POLICY_H
#define DWCP_WEB_POLICY_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>

#include "web/rate_limit.h"
#include "web/web_config.h"

struct web_policy {
	pthread_mutex_t lock;
	struct web_header headers[WEB_CONFIG_MAX_HEADERS]; /* values owned */
	size_t n_headers;
	struct rate_limit rate;
};

void web_policy_init(struct web_policy *p);
void web_policy_free(struct web_policy *p);
/* Copies what it needs from w; 0 or -1 (out of memory, nothing changed). */
int web_policy_replace(struct web_policy *p, const struct web_config *w);
bool web_policy_allow(struct web_policy *p);
void web_policy_add_headers(struct web_policy *p, struct MHD_Response *r);

#endif /* DWCP_WEB_POLICY_H */
