/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net.h: loopback TCP helpers for dwcp-sim.
 *
 * What it offers
 *   - net_listen(): a listening socket on 127.0.0.1 with an ephemeral port.
 *   - net_connect(): a TCP_NODELAY connection to 127.0.0.1:port.
 *   - net_send_all() / net_recv_all(): whole buffers on blocking sockets,
 *     returning 0 or a negative errno (-ENODATA when the peer closed).
 *   - net_abort(): close with an RST, the way a crashed or reset peer looks.
 *   - net_set_timeout(): receive and send timeouts, so no call blocks forever.
 *
 * Every send uses MSG_NOSIGNAL: a reset peer is an error code, not SIGPIPE.
 */
#ifndef DWCP_SIM_NET_H
#define DWCP_SIM_NET_H

#include <stddef.h>
#include <stdint.h>

int net_listen(uint16_t *port);
int net_connect(uint16_t port);
int net_send_all(int fd, const void *buf, size_t len);
int net_recv_all(int fd, void *buf, size_t len);
void net_abort(int fd);
int net_set_timeout(int fd, unsigned int ms);

#endif /* DWCP_SIM_NET_H */
