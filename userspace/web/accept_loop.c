// SPDX-License-Identifier: Apache-2.0
#include "web/accept_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "base/fd_limit.h"
#include "base/log.h"

/* At most this many accepts per socket per wake-up: the others get a turn. */
#define ACCEPT_BATCH 64
#define MAX_SOCKETS 8

const int accept_errnos[ACCEPT_ERRNO_COUNT] = { EMFILE, ENFILE, ENOBUFS, ENOMEM, 0 };

struct accept_loop {
	struct pollfd pfd[MAX_SOCKETS + 1]; /* the listen sockets, then the stop eventfd */
	char *const *names;
	size_t n;
	accept_hand_off hand_off;
	void *ctx;
	pthread_t thread;
	atomic_uint_least64_t errors[ACCEPT_ERRNO_COUNT];
	/* the log's rate limit: failures since the last line, when it was (0:
	 * never), and whether recovery since is still to be logged */
	uint64_t unlogged;
	time_t logged_at;
	bool failing;
};

/* Errors of one connection, not of the server: the next accept goes on. */
static bool client_error(int e)
{
	return e == EINTR || e == ECONNABORTED || e == EPROTO || e == EPERM || e == ENETDOWN || e == ENOPROTOOPT ||
	       e == EHOSTDOWN || e == ENONET || e == EHOSTUNREACH || e == EOPNOTSUPP || e == ENETUNREACH;
}

static void count_failure(struct accept_loop *l, size_t i, int e)
{
	char name[32], since[24], hint[256];
	struct timespec now;
	int slot;

	for (slot = 0; slot < ACCEPT_ERRNO_COUNT - 1 && accept_errnos[slot] != e; slot++)
		;
	atomic_fetch_add_explicit(&l->errors[slot], 1, memory_order_relaxed);
	l->unlogged++;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (l->logged_at && now.tv_sec - l->logged_at < ACCEPT_LOG_INTERVAL_S)
		return;
	snprintf(since, sizeof(since), "%llu", (unsigned long long)l->unlogged);
	fd_limit_hint(e, hint, sizeof(hint));
	log_event(LOG_WARN, "cannot accept HTTP connections; clients wait until it can", "listen", l->names[i],
		  "errno", fd_errno_name(e, name, sizeof(name)), "error", strerror(e), "failures", since,
		  hint[0] ? "limit" : NULL, hint, NULL);
	l->unlogged = 0;
	l->logged_at = now.tv_sec ? now.tv_sec : 1;
	l->failing = true;
}

/* Accepts what is pending on socket i. false when the server could not. */
static bool accept_pending(struct accept_loop *l, size_t i)
{
	for (int k = 0; k < ACCEPT_BATCH; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(l->pfd[i].fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			if (l->failing) {
				log_event(LOG_INFO, "accepting HTTP connections again", "listen", l->names[i], NULL);
				l->failing = false;
			}
			l->hand_off(l->ctx, i, fd, (struct sockaddr *)&ss, sl);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return true;
		if (client_error(errno))
			continue;
		count_failure(l, i, errno);
		return false;
	}
	return true;
}

static void *run(void *arg)
{
	struct accept_loop *l = arg;

	for (;;) {
		bool failed = false;
		int n = poll(l->pfd, l->n + 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || l->pfd[l->n].revents)
			break;
		for (size_t i = 0; i < l->n; i++)
			if (l->pfd[i].revents & POLLIN)
				failed |= !accept_pending(l, i);
		/* the failed connection is still pending: wait, or poll spins */
		if (failed && poll(&l->pfd[l->n], 1, ACCEPT_RETRY_MS) != 0)
			break;
	}
	return NULL;
}

struct accept_loop *accept_loop_start(const int *fds, char *const *names, size_t n, accept_hand_off hand_off,
				      void *ctx, char *err, size_t errlen)
{
	struct accept_loop *l;
	int rc;

	if (n == 0 || n > MAX_SOCKETS) {
		snprintf(err, errlen, "accept: need 1 to %d sockets, got %zu", MAX_SOCKETS, n);
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "accept: out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK) != 0) {
			snprintf(err, errlen, "listen on %s: O_NONBLOCK: %s", names[i], strerror(errno));
			free(l);
			return NULL;
		}
		l->pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	}
	l->pfd[n] = (struct pollfd){ .fd = eventfd(0, EFD_CLOEXEC), .events = POLLIN };
	if (l->pfd[n].fd < 0) {
		snprintf(err, errlen, "accept: eventfd: %s", strerror(errno));
		free(l);
		return NULL;
	}
	l->names = names;
	l->n = n;
	l->hand_off = hand_off;
	l->ctx = ctx;
	rc = pthread_create(&l->thread, NULL, run, l);
	if (rc != 0) {
		snprintf(err, errlen, "accept: thread: %s", strerror(rc));
		close(l->pfd[n].fd);
		free(l);
		return NULL;
	}
	return l;
}

void accept_loop_stop(struct accept_loop *l)
{
	uint64_t one = 1;

	if (!l)
		return;
	if (write(l->pfd[l->n].fd, &one, sizeof(one)) != sizeof(one))
		log_event(LOG_ERROR, "accept: cannot wake the accept thread to stop", "error", strerror(errno), NULL);
	pthread_join(l->thread, NULL);
	close(l->pfd[l->n].fd);
	free(l);
}

void accept_loop_errors(const struct accept_loop *l, uint64_t out[ACCEPT_ERRNO_COUNT])
{
	struct accept_loop *m = (struct accept_loop *)l; /* atomics are read-only here */

	for (int i = 0; i < ACCEPT_ERRNO_COUNT; i++)
		out[i] = l ? atomic_load(&m->errors[i]) : 0;
}
