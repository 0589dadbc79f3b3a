/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accept_loop.h: the thread that accepts the HTTP connections of every
 * listen socket and hands each to its libmicrohttpd daemon
 * (MHD_add_connection), so that a failed accept is seen and survived.
 *
 * Why not libmicrohttpd's own accept: when accept() fails with EMFILE or
 * ENFILE and no connection is open, libmicrohttpd (0.9.75) retries at once,
 * forever: the pending connection keeps the listen socket readable, so its
 * thread spins on a CPU and reports each failure only to the error logger,
 * with nothing to count. Here a failure is counted by errno, logged at most
 * every ACCEPT_LOG_INTERVAL_S with how many since, and the loop waits
 * ACCEPT_RETRY_MS before trying again: the client waits in the listen
 * backlog and is served as soon as a descriptor is free. Recovery is logged
 * once.
 *
 * What it offers
 *   - accept_loop_start(): a thread over n listen sockets (made
 *     non-blocking); each connection goes to hand_off(ctx, i, fd, addr),
 *     which owns fd from then on.
 *   - accept_loop_stop(): ends the thread; the sockets stay open (the
 *     caller's).
 *   - accept_loop_errors(): failures by errno, in the order of accept_errnos.
 */
#ifndef DWCP_ACCEPT_LOOP_H
#define DWCP_ACCEPT_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define ACCEPT_ERRNO_COUNT 5
/* EMFILE, ENFILE, ENOBUFS, ENOMEM, then 0: any other errno */
extern const int accept_errnos[ACCEPT_ERRNO_COUNT];

#define ACCEPT_RETRY_MS 50
#define ACCEPT_LOG_INTERVAL_S 10

typedef void (*accept_hand_off)(void *ctx, size_t i, int fd, const struct sockaddr *addr, socklen_t addrlen);

struct accept_loop;

/* names[i] is how listen socket i is called in the log. NULL with err. */
struct accept_loop *accept_loop_start(const int *fds, char *const *names, size_t n, accept_hand_off hand_off,
				      void *ctx, char *err, size_t errlen);
void accept_loop_stop(struct accept_loop *l);
void accept_loop_errors(const struct accept_loop *l, uint64_t out[ACCEPT_ERRNO_COUNT]);

#endif /* DWCP_ACCEPT_LOOP_H */
