// SPDX-License-Identifier: Apache-2.0
#include "web/accept_errors.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/fd_limit.h"
#include "base/log.h"

const int accept_errnos[ACCEPT_ERRNO_COUNT] = { EMFILE, ENFILE, ENOBUFS, ENOMEM, 0 };

/* libmicrohttpd 0.9.75's words for it: "Error accepting connection: %s"
 * with strerror's text */
static const char PREFIX[] = "Error accepting connection: ";

void accept_errors_init(struct accept_errors *a)
{
	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->lock, NULL);
}

void accept_errors_free(struct accept_errors *a)
{
	pthread_mutex_destroy(&a->lock);
}

/* The errno whose strerror() text is text; 0 for none of those listed. */
static int errno_of(const char *text)
{
	for (int i = 0; i < ACCEPT_ERRNO_COUNT - 1; i++)
		if (strcmp(text, strerror(accept_errnos[i])) == 0)
			return accept_errnos[i];
	return 0;
}

bool accept_errors_seen(struct accept_errors *a, const char *listen, const char *mhd_message)
{
	char name[32], since[24], hint[256];
	struct timespec now;
	int e, slot;

	if (strncmp(mhd_message, PREFIX, sizeof(PREFIX) - 1) != 0)
		return false;
	e = errno_of(mhd_message + sizeof(PREFIX) - 1);
	for (slot = 0; slot < ACCEPT_ERRNO_COUNT - 1 && accept_errnos[slot] != e; slot++)
		;
	a->counts[slot]++;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&a->lock);
	a->unlogged++;
	if (!a->logged_at || now.tv_sec - a->logged_at >= ACCEPT_LOG_INTERVAL_S) {
		snprintf(since, sizeof(since), "%llu", (unsigned long long)a->unlogged);
		fd_limit_hint(e, hint, sizeof(hint));
		/* an empty hint ends the pairs there */
		log_event(LOG_WARN, "cannot accept HTTP connections; clients wait until it can", "listen", listen,
			  "errno", e ? fd_errno_name(e, name, sizeof(name)) : "other", "error",
			  mhd_message + sizeof(PREFIX) - 1, "failures", since, hint[0] ? "limit" : NULL, hint, NULL);
		a->unlogged = 0;
		a->logged_at = now.tv_sec ? now.tv_sec : 1;
		a->failing = true;
	}
	pthread_mutex_unlock(&a->lock);
	/* in libmicrohttpd's listen thread: its retry waits this long */
	nanosleep(&(struct timespec){ 0, ACCEPT_RETRY_MS * 1000000L }, NULL);
	return true;
}

void accept_errors_recovered(struct accept_errors *a)
{
	bool was = true;

	if (a->failing && atomic_compare_exchange_strong(&a->failing, &was, false))
		log_event(LOG_INFO, "accepting HTTP connections again", NULL);
}

void accept_errors_read(struct accept_errors *a, uint64_t out[ACCEPT_ERRNO_COUNT])
{
	for (int i = 0; i < ACCEPT_ERRNO_COUNT; i++)
		out[i] = a->counts[i];
}
