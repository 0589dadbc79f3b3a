/* SPDX-License-Identifier: Apache-2.0 */
/*
 * listen_address.h: --web.listen-address values to socket addresses.
 *
 * What it offers
 *   - listen_address_parse(): "host:port", "[v6]:port", ":port" (every
 *     address), "localhost:port" into a sockaddr_storage ready for bind().
 *     The port is numeric, 1..65535 (0 is accepted too: "any free port",
 *     which the tests use). A host name is resolved with getaddrinfo(); when
 *     it has both, the IPv4 address is taken (Go's net.Listen does the same
 *     for "localhost:9100"). ":port" is the IPv6 wildcard, which also accepts
 *     IPv4 (dual stack), or 0.0.0.0 on a host without IPv6.
 *   - listen_address_format(): the address back as "host:port" / "[v6]:port"
 *     for messages.
 *   - listen_address_open(): a bound, listening, non-blocking socket for a
 *     listen address, and the port it got (port 0: any free port). Bound
 *     here rather than by libmicrohttpd so that a failure comes back with
 *     its errno ("Address already in use").
 *
 * Returns 0, or -1 with a message naming the input in err, e.g.
 *   invalid port "99999" in "x:99999" (want 1..65535, or 0 for any free port)
 */
#ifndef DWCP_LISTEN_ADDRESS_H
#define DWCP_LISTEN_ADDRESS_H

#include <stddef.h>
#include <sys/socket.h>

/* Enough for "[ffff:...:255.255.255.255%ifname]:65535". */
#define LISTEN_ADDRESS_TEXT_MAX 80

int listen_address_parse(const char *text, struct sockaddr_storage *out, socklen_t *outlen, char *err,
			 size_t errlen);

void listen_address_format(const struct sockaddr *sa, char *buf, size_t len);

/* The socket fd, or -1 with err: "listen on TEXT: reason". */
int listen_address_open(const char *text, unsigned *port, char *err, size_t errlen);

#endif /* DWCP_LISTEN_ADDRESS_H */
