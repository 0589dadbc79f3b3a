// SPDX-License-Identifier: Apache-2.0
/*
 * test_listen_address.c: --web.listen-address values to socket addresses
 * and back, and the errors for bad ones.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "web/listen_address.h"

static void test_listen_address_parse(void **state)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char err[256], text[LISTEN_ADDRESS_TEXT_MAX];
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

	(void)state;
	assert_int_equal(listen_address_parse("127.0.0.1:9477", &ss, &sl, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(sl, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(s4->sin_port), 9477);
	assert_int_equal(ntohl(s4->sin_addr.s_addr), INADDR_LOOPBACK);
	listen_address_format((struct sockaddr *)&ss, text, sizeof(text));
	assert_string_equal(text, "127.0.0.1:9477");

	assert_int_equal(listen_address_parse("[::1]:65535", &ss, &sl, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(s6->sin6_port), 65535);
	assert_true(IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr));
	listen_address_format((struct sockaddr *)&ss, text, sizeof(text));
	assert_string_equal(text, "[::1]:65535");

	assert_int_equal(listen_address_parse(":1", &ss, &sl, err, sizeof(err)), 0);
	if (ss.ss_family == AF_INET6)
		assert_true(IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr));
	else
		assert_int_equal(s4->sin_addr.s_addr, htonl(INADDR_ANY));

	assert_int_equal(listen_address_parse("localhost:9477", &ss, &sl, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET); /* IPv4 first, like Go */
	assert_int_equal(ntohl(s4->sin_addr.s_addr), INADDR_LOOPBACK);

	assert_int_equal(listen_address_parse("0.0.0.0:0", &ss, &sl, err, sizeof(err)), 0);

	static const struct {
		const char *in, *msg;
	} bad[] = {
		{ "x:99999", "invalid port \"99999\" in \"x:99999\"" },
		{ "127.0.0.1:65536", "invalid port \"65536\"" },
		{ "127.0.0.1:", "invalid port \"\"" },
		{ "127.0.0.1:-1", "invalid port \"-1\"" },
		{ "127.0.0.1:80x", "invalid port \"80x\"" },
		{ "127.0.0.1: 80", "invalid port \" 80\"" },
		{ "127.0.0.1", "missing port" },
		{ "", "empty listen address" },
		{ "::1:9477", "[addr]:port" },
		{ "[::1]9477", "want [ipv6]:port" },
		{ "[]:9477", "invalid IPv6 address" },
		{ "[127.0.0.1]:9477", "cannot resolve" },
		{ "[::1:9477", "want [ipv6]:port" },
		{ "no-such-host.invalid:9477", "cannot resolve \"no-such-host.invalid\"" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (listen_address_parse(bad[i].in, &ss, &sl, err, sizeof(err)) != -1)
			fail_msg("\"%s\" was accepted", bad[i].in);
		if (!strstr(err, bad[i].msg))
			fail_msg("\"%s\": error \"%s\" lacks \"%s\"", bad[i].in, err, bad[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_address_parse),
	};

	return cmocka_run_group_tests_name("listen_address", tests, NULL, NULL);
}
