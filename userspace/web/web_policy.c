// SPDX-License-Identifier: Apache-2.0
/* web_policy.c: headers and rate limit under one lock (web_policy.h). */
#include "web/web_policy.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void web_policy_init(struct web_policy *p)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
}

static void free_headers(struct web_header *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(h[i].value);
}

void web_policy_free(struct web_policy *p)
{
	free_headers(p->headers, p->n_headers);
	p->n_headers = 0;
	pthread_mutex_destroy(&p->lock);
}

int web_policy_replace(struct web_policy *p, const struct web_config *w)
{
	struct web_header fresh[WEB_CONFIG_MAX_HEADERS];
	struct web_header old[WEB_CONFIG_MAX_HEADERS];
	size_t n_old;

	for (size_t i = 0; i < w->n_headers; i++) {
		fresh[i].name = w->headers[i].name;
		fresh[i].value = strdup(w->headers[i].value);
		if (!fresh[i].value) {
			free_headers(fresh, i);
			return -1;
		}
	}
	pthread_mutex_lock(&p->lock);
	memcpy(old, p->headers, sizeof(old));
	n_old = p->n_headers;
	memcpy(p->headers, fresh, w->n_headers * sizeof(fresh[0]));
	p->n_headers = w->n_headers;
	if (p->rate.interval_ns != w->rate_interval_ns || p->rate.burst != w->rate_burst)
		rate_limit_init(&p->rate, w->rate_interval_ns, w->rate_burst);
	pthread_mutex_unlock(&p->lock);
	free_headers(old, n_old);
	return 0;
}

bool web_policy_allow(struct web_policy *p)
{
	struct timespec ts;
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&p->lock);
	ok = rate_limit_allow(&p->rate, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
	pthread_mutex_unlock(&p->lock);
	return ok;
}

void web_policy_add_headers(struct web_policy *p, struct MHD_Response *r)
{
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->n_headers; i++)
		MHD_add_response_header(r, p->headers[i].name, p->headers[i].value);
	pthread_mutex_unlock(&p->lock);
}
