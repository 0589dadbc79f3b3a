/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peer.h: the far end of a loopback connection, in its own thread.
 *
 * What it offers
 *   - struct peer: a listener on 127.0.0.1 (ephemeral port) and a thread that
 *     accepts connections one after another and hands each to a handler.
 *     It stands in for the remote node: the AMST echo side, a migration
 *     destination, a federated cluster.
 *   - peer_start() / peer_stop(): peer_stop() returns once the thread ended;
 *     the handler must return when its client closes the connection, so
 *     clients close their connections before the peer is stopped.
 *
 * The handler owns the accepted descriptor and must close it.
 */
#ifndef DWCP_SIM_PEER_H
#define DWCP_SIM_PEER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef void (*peer_handler)(int fd, void *ctx);

struct peer {
	int listen_fd;
	uint16_t port;
	pthread_t thread;
	atomic_bool stop;
	peer_handler handler;
	void *ctx;
};

/* 0 or a negative errno. */
int peer_start(struct peer *p, peer_handler handler, void *ctx);
void peer_stop(struct peer *p);

#endif /* DWCP_SIM_PEER_H */
