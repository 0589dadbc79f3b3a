// SPDX-License-Identifier: Apache-2.0
/*
 * test_web_config.c: the web config loader on libyaml, on text: every key
 * it accepts and what it makes of it, and every error message with its line
 * and key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "web/web_config.h"

#define HASH_A "$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze"
#define HASH_B "$2b$04$hLqFl9jSjoAAy95Z/zw8Ye8wkdMBM8c5Bn1ptYqP/AXyV0.oy0S8m"

static int parse(const char *text, struct web_config *c, char *err, size_t errlen)
{
	return web_config_parse(text, strlen(text), "/etc/dwcp/web.yml", c, err, errlen);
}

static void test_full_config(void **state)
{
	struct web_config c;
	char err[512] = "";
	const char *text = "---\n"
			   "# TLS and basic auth\n"
			   "tls_server_config:\n"
			   "    cert_file: server.crt   # next to this file\n"
			   "    key_file: '/abs/server.key'\n"
			   "    min_version: \"TLS13\"\n"
			   "    client_auth_type: NoClientCert\n"
			   "\n"
			   "basic_auth_users:\n"
			   "  alice: " HASH_A "\n"
			   "  \"bob smith\": '" HASH_B "'\r\n"
			   "  'o''brien': \"" HASH_B "\"\n";

	(void)state;
	assert_int_equal(parse(text, &c, err, sizeof(err)), 0);
	assert_string_equal(c.cert_file, "/etc/dwcp/server.crt");
	assert_string_equal(c.key_file, "/abs/server.key");
	assert_int_equal(c.min_version, WEB_TLS13);
	assert_int_equal(c.max_version, WEB_TLS13);
	assert_int_equal(c.n_users, 3);
	assert_string_equal(c.users[0].name, "alice");
	assert_string_equal(c.users[0].hash, HASH_A);
	assert_string_equal(c.users[1].name, "bob smith");
	assert_string_equal(c.users[1].hash, HASH_B);
	assert_string_equal(c.users[2].name, "o'brien");
	web_config_free(&c);
}

static void test_every_key(void **state)
{
	struct web_config c;
	char err[1024] = "";
	const char *text = "tls_server_config:\n"
			   "  cert: |\n"
			   "    -----BEGIN CERTIFICATE-----\n"
			   "    MIIB\n"
			   "    -----END CERTIFICATE-----\n"
			   "  key: \"KEY\"\n"
			   "  cert_file: c.crt\n"
			   "  client_ca: CA\n"
			   "  client_auth_type: RequireAndVerifyClientCert\n"
			   "  client_allowed_sans: [prometheus.example, 'spiffe://x/y']\n"
			   "  cipher_suites:\n"
			   "    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
			   "    - TLS_AES_256_GCM_SHA384\n"
			   "    - TLS_RSA_WITH_AES_256_CBC_SHA\n"
			   "  curve_preferences: [X25519, CurveP521]\n"
			   "  prefer_server_cipher_suites: off\n"
			   "  min_version: TLS13\n"
			   "  max_version: TLS13\n"
			   "http_server_config: {http2: no, headers: {X-Frame-Options: sameorigin, "
			   "Strict-Transport-Security: \"max-age=1\\nx\"}}\n"
			   "rate_limit:\n  interval: 1m30.5s\n  burst: 0x10\n"
			   "basic_auth_users: {alice: " HASH_A "}\n";

	(void)state;
	if (parse(text, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_true(c.tls);
	assert_string_equal(c.cert, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
	assert_string_equal(c.cert_file, "/etc/dwcp/c.crt"); /* the file wins, as in exporter-toolkit */
	assert_string_equal(c.key, "KEY");
	assert_null(c.key_file);
	assert_string_equal(c.client_ca, "CA");
	assert_int_equal(c.client_ca_line, 8);
	assert_int_equal(c.client_auth, WEB_REQUIRE_AND_VERIFY_CLIENT_CERT);
	assert_true(c.allowed_sans_set);
	assert_int_equal(c.n_allowed_sans, 2);
	assert_string_equal(c.allowed_sans[1], "spiffe://x/y");
	assert_int_equal(c.n_cipher_suites, 3);
	assert_string_equal(c.cipher_suites[0]->cipher, "AES-128-GCM");
	assert_true(c.cipher_suites[1]->tls13);
	assert_string_equal(c.cipher_suites[2]->kx, "RSA");
	assert_int_equal(c.n_curves, 2);
	assert_string_equal(c.curves[1]->group, "SECP521R1");
	assert_false(c.prefer_server_cipher_suites);
	assert_int_equal(c.min_version, WEB_TLS13);
	assert_false(c.http2);
	assert_int_equal(c.n_headers, 2);
	assert_string_equal(c.headers[0].name, "X-Frame-Options");
	assert_string_equal(c.headers[0].value, "sameorigin");
	assert_string_equal(c.headers[1].value, "max-age=1 x"); /* a line break becomes a space, as in Go */
	assert_true(c.rate_interval_ns == 90500000000ll);
	assert_true(c.rate_burst == 16);
	assert_int_equal(c.n_users, 1);
	web_config_free(&c);

	/* the defaults, and exporter-toolkit's: TLS keys without a certificate,
	 * key, CA or auth type leave HTTP plain */
	text = "tls_server_config:\n  min_version: TLS13\n  cipher_suites: []\nrate_limit:\n  interval: 1000\n";
	assert_int_equal(parse(text, &c, err, sizeof(err)), 0);
	assert_false(c.tls);
	assert_true(c.prefer_server_cipher_suites);
	assert_true(c.http2);
	assert_true(c.rate_interval_ns == 1000); /* an integer is nanoseconds, as yaml.v2 reads a Duration */
	assert_int_equal(c.rate_burst, 0);
	web_config_free(&c);

	/* RequireClientCert is exporter-toolkit's older name */
	text = "tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireClientCert, "
	       "client_allowed_sans: []}\n";
	assert_int_equal(parse(text, &c, err, sizeof(err)), 0);
	assert_int_equal(c.client_auth, WEB_REQUIRE_ANY_CLIENT_CERT);
	assert_true(c.allowed_sans_set);
	assert_int_equal(c.n_allowed_sans, 0);
	web_config_free(&c);
}

static void test_durations(void **state)
{
	static const struct {
		const char *text;
		long long ns;
	} ok[] = {
		{ "0", 0 }, { "1s", 1000000000 }, { "1.5h", 5400000000000 }, { "2m3s", 123000000000 },
		{ "300ms", 300000000 }, { "10us", 10000 }, { "10\xc2\xb5s", 10000 }, { "7ns", 7 }, { "-1s", -1000000000 },
		{ "+.5s", 500000000 },
	};
	static const char *const bad[] = { "1", "s", "1e3s", "1d", "1s 2m", "0x10s", "inf", "-", "" };
	char text[128], err[512];
	struct web_config c;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "rate_limit:\n  interval: \"%s\"\n", ok[i].text);
		if (parse(text, &c, err, sizeof(err)) != 0)
			fail_msg("%s: %s", ok[i].text, err);
		if (c.rate_interval_ns != ok[i].ns)
			fail_msg("%s: %lld", ok[i].text, (long long)c.rate_interval_ns);
		web_config_free(&c);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "rate_limit:\n  interval: \"%s\"\n", bad[i]);
		if (parse(text, &c, err, sizeof(err)) == 0)
			fail_msg("accepted %s", bad[i]);
		assert_non_null(strstr(err, "line 2: rate_limit.interval: invalid duration"));
	}
}

static void test_empty_and_plain(void **state)
{
	static const char *const plain[] = {
		"",
		"# nothing\n\n   \n",
		"tls_server_config:\n",
		"tls_server_config: {}\nbasic_auth_users: {}  # none\n",
		"basic_auth_users:\n",
	};
	struct web_config c;
	char err[512] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (parse(plain[i], &c, err, sizeof(err)) != 0)
			fail_msg("%s: %s", plain[i], err);
		assert_null(c.cert_file);
		assert_int_equal(c.n_users, 0);
		assert_int_equal(c.min_version, WEB_TLS12);
		assert_int_equal(c.max_version, WEB_TLS13);
		web_config_free(&c);
	}
}

static void test_relative_paths(void **state)
{
	struct web_config c;
	char err[512] = "";
	const char *text = "tls_server_config:\n  cert_file: certs/a.crt\n  key_file: ../b.key\n";

	(void)state;
	assert_int_equal(web_config_parse(text, strlen(text), "web.yml", &c, err, sizeof(err)), 0);
	/* no folder in the config's path: relative to the working directory */
	assert_string_equal(c.cert_file, "certs/a.crt");
	web_config_free(&c);
	assert_int_equal(web_config_parse(text, strlen(text), "conf/web.yml", &c, err, sizeof(err)), 0);
	assert_string_equal(c.cert_file, "conf/certs/a.crt");
	assert_string_equal(c.key_file, "conf/../b.key");
	web_config_free(&c);
}

static void test_double_quoted_escapes(void **state)
{
	struct web_config c;
	char err[512] = "";
	const char *text = "tls_server_config:\n"
			   "  cert_file: \"a\\\\b\\\"c\\/d\\x41\\t.crt\"\n"
			   "  key_file: 'it''s # not a comment'\n";

	(void)state;
	assert_int_equal(parse(text, &c, err, sizeof(err)), 0);
	assert_string_equal(c.cert_file, "/etc/dwcp/a\\b\"c/dA\t.crt");
	assert_string_equal(c.key_file, "/etc/dwcp/it's # not a comment");
	web_config_free(&c);
}

static void test_priorities(void **state)
{
	struct web_config c = { 0 };
	char buf[1024], err[512];
	const char *text = "tls_server_config:\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "
			   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256]\n"
			   "  curve_preferences: [CurveP384, X25519]\n";

	(void)state;
	web_config_tls_priorities(&c, buf, sizeof(buf));
	assert_string_equal(buf, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2");
	c.min_version = WEB_TLS13;
	web_config_tls_priorities(&c, buf, sizeof(buf));
	assert_string_equal(buf, "NORMAL:-VERS-ALL:+VERS-TLS1.3");
	c.min_version = WEB_TLS12;
	c.max_version = WEB_TLS12;
	c.prefer_server_cipher_suites = true;
	web_config_tls_priorities(&c, buf, sizeof(buf));
	assert_string_equal(buf, "NORMAL:%SERVER_PRECEDENCE:-VERS-ALL:+VERS-TLS1.2");

	assert_int_equal(parse(text, &c, err, sizeof(err)), 0);
	web_config_tls_priorities(&c, buf, sizeof(buf));
	assert_string_equal(buf, "NORMAL:%SERVER_PRECEDENCE:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL"
				 ":+AES-128-CBC:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-CCM"
				 ":-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:-MAC-ALL:+SHA1:+AEAD"
				 ":-GROUP-ALL:+GROUP-SECP384R1:+GROUP-X25519");
	/* what a TLS 1.2 handshake may use: the listed suites only */
	assert_true(tls_suite_listed(c.cipher_suites, c.n_cipher_suites, "ECDHE-RSA", "AES-128-GCM", "AEAD"));
	assert_false(tls_suite_listed(c.cipher_suites, c.n_cipher_suites, "ECDHE-RSA", "AES-128-CBC", "SHA1"));
	assert_false(tls_suite_listed(c.cipher_suites, c.n_cipher_suites, "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD"));
	assert_true(tls_suite_listed(c.cipher_suites, 0, "RSA", "AES-256-CBC", "SHA1"));
	web_config_free(&c);
}

/* Every error: the text and the exact message. */
static const struct {
	const char *text, *want;
} errors[] = {
	{ "- a\n",
	  "line 1: the web config must be a mapping, not a list" },
	{ "tls_server_config: yes\n",
	  "line 1: tls_server_config: must be a mapping, not a string" },
	{ "tls_server_config:\n  min_version: TLS12\n  cert_file: a\n",
	  "line 1: tls_server_config: missing one of key or key_file" },
	{ "tls_server_config:\n  cert: x\n",
	  "line 1: tls_server_config: missing one of key or key_file" },
	{ "tls_server_config:\n  key_file: k\n",
	  "line 1: tls_server_config: missing one of cert or cert_file" },
	{ "tls_server_config:\n  cert_file: a\n  cert_file: b\n",
	  "line 3: cert_file: given twice (first on line 2)" },
	{ "tls_server_config:\n  cert_flie: a\n",
	  "line 2: tls_server_config.cert_flie: unknown key (supported: cert_file, key_file, cert, key, client_ca_file, client_ca, client_auth_type, client_allowed_sans, cipher_suites, curve_preferences, prefer_server_cipher_suites, min_version, max_version)" },
	{ "tls_server_config:\n  cert_file: {}\n",
	  "line 2: tls_server_config.cert_file: must be a string, not a mapping" },
	{ "tls_server_config:\n  key: [a]\n",
	  "line 2: tls_server_config.key: must be a string, not a list" },
	{ "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_ca_file: ca.pem\n",
	  "line 4: tls_server_config.client_ca_file: client CA's have been configured without a Client Auth Policy (set client_auth_type)" },
	{ "tls_server_config:\n  cert: c\n  key: k\n  client_ca: x\n  client_auth_type: NoClientCert\n",
	  "line 4: tls_server_config.client_ca: client CA's have been configured without a Client Auth Policy (set client_auth_type)" },
	{ "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: Maybe\n",
	  "line 4: tls_server_config.client_auth_type: invalid ClientAuth: \"Maybe\" (want NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert)" },
	{ "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: VerifyClientCertIfGiven\n  client_allowed_sans: [a]\n",
	  "line 5: tls_server_config.client_allowed_sans: client_allowed_sans requires client_auth_type to be one of RequireAnyClientCert or RequireAndVerifyClientCert" },
	{ "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_allowed_sans: a\n",
	  "line 4: tls_server_config.client_allowed_sans: must be a list, not a string" },
	{ "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: RequireAnyClientCert\n  client_allowed_sans: [{a: b}]\n",
	  "line 5: tls_server_config.client_allowed_sans: a list item must be a string, not a mapping" },
	{ "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n",
	  "line 4: tls_server_config.cipher_suites: unknown cipher: TLS_RSA_WITH_RC4_128_SHA (known: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, TLS_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_256_GCM_SHA384, TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_256_CBC_SHA)" },
	{ "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  cipher_suites: TLS_AES_128_GCM_SHA256\n",
	  "line 4: tls_server_config.cipher_suites: must be a list, not a string" },
	{ "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  curve_preferences: [CurveP256, P-384]\n",
	  "line 4: tls_server_config.curve_preferences: unknown curve: P-384 (known: CurveP256, CurveP384, CurveP521, X25519)" },
	{ "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  prefer_server_cipher_suites: maybe\n",
	  "line 4: tls_server_config.prefer_server_cipher_suites: must be true or false, not \"maybe\"" },
	{ "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  prefer_server_cipher_suites: \"true\"\n",
	  "line 4: tls_server_config.prefer_server_cipher_suites: must be true or false, not \"true\" (a quoted string)" },
	{ "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  min_version: TLS10\n",
	  "line 4: tls_server_config.min_version: TLS10 is not supported: TLS 1.0 and 1.1 are deprecated (RFC 8996); use TLS12 or TLS13" },
	{ "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  max_version: TLS11\n",
	  "line 4: tls_server_config.max_version: TLS11 is not supported: TLS 1.0 and 1.1 are deprecated (RFC 8996); use TLS12 or TLS13" },
	{ "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  min_version: SSL3\n",
	  "line 4: tls_server_config.min_version: unknown TLS version: SSL3 (want TLS12 or TLS13)" },
	{ "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  min_version: TLS13\n  max_version: TLS12\n",
	  "line 1: tls_server_config: min_version TLS13 is above max_version TLS12" },
	{ "http_server_config: []\n",
	  "line 1: http_server_config: must be a mapping, not a list" },
	{ "http_server_config:\n  http2: sometimes\n",
	  "line 2: http_server_config.http2: must be true or false, not \"sometimes\"" },
	{ "http_server_config:\n  http1: true\n",
	  "line 2: http_server_config.http1: unknown key (supported: http2, headers)" },
	{ "http_server_config:\n  headers:\n    X-Powered-By: me\n",
	  "line 3: http_server_config.headers.X-Powered-By: HTTP header \"X-Powered-By\" can not be configured (allowed: Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy)" },
	{ "http_server_config:\n  headers:\n    x-frame-options: deny\n",
	  "line 3: http_server_config.headers.x-frame-options: HTTP header \"x-frame-options\" can not be configured (allowed: Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy)" },
	{ "http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
	  "line 3: http_server_config.headers.X-Frame-Options: invalid value for X-Frame-Options. Expected one of: [deny sameorigin], but got: \"allow\"" },
	{ "http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n",
	  "line 3: http_server_config.headers.X-Content-Type-Options: invalid value for X-Content-Type-Options. Expected one of: [nosniff], but got: \"sniff\"" },
	{ "http_server_config:\n  headers: [X-Frame-Options]\n",
	  "line 2: http_server_config.headers: must be a mapping, not a list" },
	{ "http_server_config:\n  headers:\n    X-Frame-Options: deny\n    X-Frame-Options: sameorigin\n",
	  "line 4: X-Frame-Options: given twice (first on line 3)" },
	{ "http_server_config:\n  headers:\n    Content-Security-Policy: {a: b}\n",
	  "line 3: http_server_config.headers.Content-Security-Policy: must be a string, not a mapping" },
	{ "rate_limit: 5\n",
	  "line 1: rate_limit: must be a mapping, not a string" },
	{ "rate_limit:\n  interval: soon\n",
	  "line 2: rate_limit.interval: invalid duration \"soon\" (want a number with a unit: ns, us, ms, s, m, h)" },
	{ "rate_limit:\n  interval: 1x\n",
	  "line 2: rate_limit.interval: invalid duration \"1x\" (want a number with a unit: ns, us, ms, s, m, h)" },
	{ "rate_limit:\n  interval: [1s]\n",
	  "line 2: rate_limit.interval: must be a duration like 30s, not a list" },
	{ "rate_limit:\n  burst: many\n",
	  "line 2: rate_limit.burst: must be an integer, not \"many\"" },
	{ "rate_limit:\n  burst: 1.5\n",
	  "line 2: rate_limit.burst: must be an integer, not \"1.5\"" },
	{ "rate_limit:\n  bursts: 1\n",
	  "line 2: rate_limit.bursts: unknown key (supported: interval, burst)" },
	{ "# c\nbasic_auth_user:\n",
	  "line 2: basic_auth_user: unknown key (supported: tls_server_config, http_server_config, rate_limit, basic_auth_users)" },
	{ "basic_auth_users: [alice]\n",
	  "line 1: basic_auth_users: must be a mapping of user names to bcrypt hashes, not a list" },
	{ "basic_auth_users:\n  alice: secret\n",
	  "line 2: basic_auth_users.alice: not a bcrypt hash (want $2a$, $2b$ or $2y$, a cost of 04 to 31 and 53 characters, e.g. from `htpasswd -nbB USER PASSWORD`)" },
	{ "basic_auth_users:\n  alice: $2y$03$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze\n",
	  "line 2: basic_auth_users.alice: not a bcrypt hash (want $2a$, $2b$ or $2y$, a cost of 04 to 31 and 53 characters, e.g. from `htpasswd -nbB USER PASSWORD`)" },
	{ "basic_auth_users:\n  alice:\n",
	  "line 2: basic_auth_users.alice: needs a bcrypt password hash" },
	{ "basic_auth_users:\n  alice: " HASH_A "\n  alice: " HASH_A "\n",
	  "line 3: alice: given twice (first on line 2)" },
	{ "basic_auth_users:\n  '': " HASH_A "\n",
	  "line 2: basic_auth_users: empty user name" },
	{ "basic_auth_users:\n  'a:b': " HASH_A "\n",
	  "line 2: basic_auth_users.a:b: user names cannot contain ':' (HTTP basic auth splits at the first colon)" },
	{ "basic_auth_users:\n  alice: [x]\n",
	  "line 2: basic_auth_users.alice: must be a string, not a list" },
	{ "basic_auth_users:\n  alice: " HASH_A "\n    bob: x\n",
	  "line 3: mapping values are not allowed in this context" },
	{ "basic_auth_users:\n\talice: x\n",
	  "line 2: while scanning for the next token: found character that cannot start any token" },
	{ "basic_auth_users:\n  alice: *h\n",
	  "line 2: found undefined alias" },
	{ "tls_server_config:\n  cert_file: a: b\n",
	  "line 2: mapping values are not allowed in this context" },
	{ "tls_server_config:\n  cert_file: 'a\n",
	  "line 2: while scanning a quoted scalar: found unexpected end of stream (on line 3)" },
	{ "tls_server_config:\n  cert_file: \"\\q\"\n",
	  "line 2: while parsing a quoted scalar: found unknown escape character" },
	{ "tls_server_config:\n---\n",
	  "line 2: a second YAML document (\"---\"): the file holds one" },
	{ "tls_server_config:\n  cert_file: \"a\\0b\"\n",
	  "line 2: a NUL character in a value" },
	{ "<<: 5\n",
	  "line 1: <<: merges a mapping or a list of mappings, not a string" },
	{ "[a]: b\n",
	  "line 1: a key must be a string, not a list" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		struct web_config c;
		char err[2048] = "", want[2100];

		snprintf(want, sizeof(want), "web config /etc/dwcp/web.yml %s", errors[i].want);
		if (parse(errors[i].text, &c, err, sizeof(err)) == 0)
			fail_msg("accepted:\n%s", errors[i].text);
		if (strcmp(err, want))
			fail_msg("for:\n%s\ngot:  %s\nwant: %s", errors[i].text, err, want);
		/* a failed parse leaves nothing to free */
		assert_null(c.cert_file);
		assert_null(c.users);
	}
}

static void test_nul_byte(void **state)
{
	static const char text[] = "basic_auth_users:\n  al\0ice: x\n";
	struct web_config c;
	char err[512] = "";

	(void)state;
	assert_int_equal(web_config_parse(text, sizeof(text) - 1, "w.yml", &c, err, sizeof(err)), -1);
	/* libyaml checks the whole text first */
	assert_string_equal(err, "web config w.yml line 1: control characters are not allowed");
}

static void test_load(void **state)
{
	char dir[] = "/tmp/test_web_config.XXXXXX", path[128], err[512] = "";
	struct web_config c;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/web.yml", dir);
	assert_int_equal(web_config_load(path, &c, err, sizeof(err)), -1);
	{
		char want[256];

		snprintf(want, sizeof(want), "web config %s: No such file or directory", path);
		assert_string_equal(err, want);
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n");
	fclose(f);
	assert_int_equal(web_config_load(path, &c, err, sizeof(err)), 0);
	{
		char want[256];

		snprintf(want, sizeof(want), "%s/c.pem", dir);
		assert_string_equal(c.cert_file, want);
	}
	web_config_free(&c);
	/* too large */
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i <= WEB_CONFIG_MAX_BYTES / 16; i++)
		fputs("# padding......\n", f);
	fclose(f);
	assert_int_equal(web_config_load(path, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ": larger than 1048576 bytes"));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_empty_and_plain),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_double_quoted_escapes),
		cmocka_unit_test(test_priorities),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
