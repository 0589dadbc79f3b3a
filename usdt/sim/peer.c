// SPDX-License-Identifier: Apache-2.0
/* peer.c: see peer.h. */
#include "peer.h"

#include "net.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* How often an idle peer looks at its stop flag. */
#define PEER_POLL_MS 50

static void *peer_main(void *arg)
{
	struct peer *p = arg;

	while (!atomic_load(&p->stop)) {
		struct pollfd pfd = { .fd = p->listen_fd, .events = POLLIN };
		int fd;

		if (poll(&pfd, 1, PEER_POLL_MS) <= 0 || atomic_load(&p->stop))
			continue;
		fd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		/* A handler must never block forever on a client that vanished. */
		net_set_timeout(fd, 10000);
		p->handler(fd, p->ctx);
	}
	return NULL;
}

int peer_start(struct peer *p, peer_handler handler, void *ctx)
{
	int fd = net_listen(&p->port);
	int rc;

	if (fd < 0)
		return fd;
	p->listen_fd = fd;
	p->handler = handler;
	p->ctx = ctx;
	atomic_init(&p->stop, false);
	rc = pthread_create(&p->thread, NULL, peer_main, p);
	if (rc) {
		close(fd);
		return -rc;
	}
	return 0;
}

void peer_stop(struct peer *p)
{
	atomic_store(&p->stop, true);
	/* wakes the accept poll at once on Linux; the timeout is the fallback */
	shutdown(p->listen_fd, SHUT_RDWR);
	pthread_join(p->thread, NULL);
	close(p->listen_fd);
	p->listen_fd = -1;
}
