// SPDX-License-Identifier: Apache-2.0
/*
 * listen_address.c: host:port parsing and resolution for the HTTP listener,
 * and the listening sockets.
 */
#include "web/listen_address.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_HOST 256
#define LISTEN_BACKLOG 128

static int errf(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, a, b);
	return -1;
}

/* Port text to number; only digits, no sign, no spaces, at most 65535. */
static bool parse_port(const char *s, unsigned *port)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v > 65535)
		return false;
	*port = (unsigned)v;
	return true;
}

static bool have_ipv6(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void wildcard(unsigned port, struct sockaddr_storage *out, socklen_t *outlen)
{
	memset(out, 0, sizeof(*out));
	if (have_ipv6()) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons((uint16_t)port);
		*outlen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)out;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		s4->sin_port = htons((uint16_t)port);
		*outlen = sizeof(*s4);
	}
}

int listen_address_parse(const char *text, struct sockaddr_storage *out, socklen_t *outlen, char *err,
			 size_t errlen)
{
	char host[MAX_HOST];
	const char *colon, *port_text;
	size_t hlen;
	unsigned port;
	struct addrinfo hints, *res = NULL, *ai, *pick = NULL;
	int rc;
	bool bracketed = false;

	if (!text || !*text)
		return errf(err, errlen, "empty listen address%s%s", "", "");
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':')
			return errf(err, errlen, "invalid listen address \"%s\"%s: want [ipv6]:port", text, "");
		hlen = (size_t)(close - text - 1);
		if (hlen == 0 || hlen >= sizeof(host))
			return errf(err, errlen, "invalid IPv6 address in \"%s\"%s", text, "");
		memcpy(host, text + 1, hlen);
		host[hlen] = '\0';
		port_text = close + 2;
		bracketed = true;
	} else {
		colon = strrchr(text, ':');
		if (!colon)
			return errf(err, errlen, "missing port in listen address \"%s\"%s (want host:port or :port)",
				    text, "");
		hlen = (size_t)(colon - text);
		if (hlen >= sizeof(host))
			return errf(err, errlen, "host name too long in \"%s\"%s", text, "");
		memcpy(host, text, hlen);
		host[hlen] = '\0';
		if (strchr(host, ':'))
			return errf(err, errlen, "invalid listen address \"%s\"%s: write IPv6 addresses as [addr]:port",
				    text, "");
		port_text = colon + 1;
	}
	if (!parse_port(port_text, &port)) {
		if (err && errlen)
			snprintf(err, errlen, "invalid port \"%s\" in \"%s\" (want 1..65535, or 0 for any free port)", port_text, text);
		return -1;
	}
	if (!host[0]) {
		if (bracketed)
			return errf(err, errlen, "invalid IPv6 address in \"%s\"%s", text, "");
		wildcard(port, out, outlen);
		return 0;
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = bracketed ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | (bracketed ? AI_NUMERICHOST : 0);
	rc = getaddrinfo(host, port_text, &hints, &res);
	if (rc != 0) {
		if (err && errlen)
			snprintf(err, errlen, "cannot resolve \"%s\" in \"%s\": %s", host, text,
				 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			pick = ai;
			break;
		}
		if (ai->ai_family == AF_INET6 && !pick)
			pick = ai;
	}
	if (!pick || pick->ai_addrlen > sizeof(*out)) {
		freeaddrinfo(res);
		return errf(err, errlen, "no IPv4 or IPv6 address for \"%s\" in \"%s\"", host, text);
	}
	memset(out, 0, sizeof(*out));
	memcpy(out, pick->ai_addr, pick->ai_addrlen);
	*outlen = pick->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

void listen_address_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	} else {
		snprintf(buf, len, "(address family %d)", sa->sa_family);
	}
}

/* A bound, listening, non-blocking socket for text, or -1 with err. */
int listen_address_open(const char *text, unsigned *port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char perr[256];
	int fd, one = 1, e;

	if (listen_address_parse(text, &ss, &sl, perr, sizeof(perr)) < 0) {
		snprintf(err, errlen, "listen on %s: %s", text, perr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "listen on %s: socket: %s", text, strerror(errno));
		return -1;
	}
	/* A restarted exporter must not wait for TIME_WAIT of its old port. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6) {
		/* "::" serves IPv4 too; a specific v6 address only itself. */
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
		int v6only = !IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "listen on %s: %s", text, strerror(e));
		return -1;
	}
	sl = sizeof(ss);
	*port = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
						 : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}
