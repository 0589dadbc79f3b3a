// SPDX-License-Identifier: Apache-2.0
/*
 * test_web_config.c: the web config parser, on text: what it accepts, and
 * every error message with its line and key.
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
	char buf[96];

	(void)state;
	web_config_tls_priorities(&c, buf, sizeof(buf));
	assert_string_equal(buf, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2");
	c.min_version = WEB_TLS13;
	web_config_tls_priorities(&c, buf, sizeof(buf));
	assert_string_equal(buf, "NORMAL:-VERS-ALL:+VERS-TLS1.3");
	c.min_version = WEB_TLS12;
	c.max_version = WEB_TLS12;
	web_config_tls_priorities(&c, buf, sizeof(buf));
	assert_string_equal(buf, "NORMAL:-VERS-ALL:+VERS-TLS1.2");
}

/* Every error: the text and the exact message. */
static const struct {
	const char *text, *want;
} errors[] = {
	{ "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS10\n",
	  "line 4: tls_server_config.min_version: TLS10 is not supported: TLS 1.0 and 1.1 are deprecated "
	  "(RFC 8996); use TLS12 or TLS13" },
	{ "tls_server_config:\n  max_version: TLS11\n",
	  "line 2: tls_server_config.max_version: TLS11 is not supported: TLS 1.0 and 1.1 are deprecated "
	  "(RFC 8996); use TLS12 or TLS13" },
	{ "tls_server_config:\n  min_version: TLS9\n",
	  "line 2: tls_server_config.min_version: unknown TLS version \"TLS9\" (want TLS12 or TLS13)" },
	{ "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n",
	  "line 1: tls_server_config: min_version TLS13 is above max_version TLS12" },
	{ "tls_server_config:\n  cert_file: a\n", "line 1: tls_server_config: cert_file and key_file go together "
						 "(only cert_file is set)" },
	{ "\ntls_server_config:\n  key_file: b\n", "line 2: tls_server_config: cert_file and key_file go "
						  "together (only key_file is set)" },
	{ "tls_server_config:\n  min_version: TLS12\n", "line 1: tls_server_config: needs cert_file and key_file" },
	{ "tls_server_config:\n  cert_file: ''\n", "line 2: tls_server_config.cert_file: empty file name" },
	{ "tls_server_config:\n  cert_file:\n", "line 2: tls_server_config.cert_file: needs a value" },
	{ "tls_server_config:\n  cert_file: a\n  cert_file: b\n",
	  "line 3: tls_server_config.cert_file: duplicate key" },
	{ "tls_server_config:\n  client_ca_file: ca.pem\n",
	  "line 2: tls_server_config.client_ca_file: not supported by this exporter (supported: cert_file, "
	  "key_file, min_version, max_version, client_auth_type: NoClientCert)" },
	{ "tls_server_config:\n  cipher_suites:\n    - TLS_AES_128_GCM_SHA256\n",
	  "line 2: tls_server_config.cipher_suites: not supported by this exporter (supported: cert_file, "
	  "key_file, min_version, max_version, client_auth_type: NoClientCert)" },
	{ "tls_server_config:\n  cert_flie: a\n",
	  "line 2: tls_server_config.cert_flie: unknown key (supported: cert_file, key_file, min_version, "
	  "max_version, client_auth_type)" },
	{ "tls_server_config:\n  client_auth_type: RequireAndVerifyClientCert\n",
	  "line 2: tls_server_config.client_auth_type: RequireAndVerifyClientCert is not supported: this "
	  "exporter does not check client certificates (use NoClientCert or leave the key out)" },
	{ "tls_server_config:\n  client_auth_type: Maybe\n",
	  "line 2: tls_server_config.client_auth_type: unknown value \"Maybe\" (only NoClientCert is supported)" },
	{ "tls_server_config:\n  cert_file: {}\n",
	  "line 2: tls_server_config.cert_file: must be a string, not a mapping" },
	{ "tls_server_config: yes\n",
	  "line 1: tls_server_config: must be a mapping (keys on the following lines, indented)" },
	{ "tls_server_config:\ntls_server_config:\n", "line 2: tls_server_config: duplicate key" },
	{ "http_server_config:\n  http2: false\n",
	  "line 1: http_server_config: not supported: this exporter serves HTTP/1.1 only and sets no custom "
	  "headers (remove the section)" },
	{ "rate_limit:\n  burst: 20\n",
	  "line 1: rate_limit: not supported (the exporter limits concurrent scrapes with --web.max-requests)" },
	{ "# c\nbasic_auth_user:\n",
	  "line 2: basic_auth_user: unknown key (supported: tls_server_config, basic_auth_users)" },
	{ "basic_auth_users:\n  alice: secret\n",
	  "line 2: basic_auth_users.alice: not a bcrypt hash (want $2a$, $2b$ or $2y$, a cost of 04 to 31 and "
	  "53 characters, e.g. from `htpasswd -nbB USER PASSWORD`)" },
	{ "basic_auth_users:\n  alice: $2y$03$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze\n",
	  "line 2: basic_auth_users.alice: not a bcrypt hash (want $2a$, $2b$ or $2y$, a cost of 04 to 31 and "
	  "53 characters, e.g. from `htpasswd -nbB USER PASSWORD`)" },
	{ "basic_auth_users:\n  alice: $2x$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze\n",
	  "line 2: basic_auth_users.alice: not a bcrypt hash (want $2a$, $2b$ or $2y$, a cost of 04 to 31 and "
	  "53 characters, e.g. from `htpasswd -nbB USER PASSWORD`)" },
	{ "basic_auth_users:\n  alice:\n", "line 2: basic_auth_users.alice: needs a bcrypt password hash" },
	{ "basic_auth_users:\n  alice: " HASH_A "\n  alice: " HASH_B "\n",
	  "line 3: basic_auth_users.alice: duplicate user" },
	{ "basic_auth_users:\n  '': " HASH_A "\n", "line 2: basic_auth_users: empty user name" },
	{ "basic_auth_users:\n  'a:b': " HASH_A "\n",
	  "line 2: basic_auth_users.a:b: user names cannot contain ':' (HTTP basic auth splits at the first "
	  "colon)" },
	{ "basic_auth_users:\n  alice: " HASH_A "\n    bob: " HASH_B "\n",
	  "line 3: basic_auth_users: unexpected indentation (keys here are indented 2 spaces; nested mappings "
	  "are not supported)" },
	{ "  tls_server_config:\n", "line 1: unexpected indentation" },
	{ "basic_auth_users: {}\n  alice: " HASH_A "\n", "line 2: unexpected indentation" },
	{ "basic_auth_users:\n\talice: " HASH_A "\n", "line 2: tab in indentation (YAML indents with spaces)" },
	{ "basic_auth_users:\n  alice " HASH_A "\n", "line 2: expected \"key: value\"" },
	{ "basic_auth_users:\n  - alice\n", "line 2: sequences (\"- item\") are not supported here" },
	{ "basic_auth_users:\n  &a alice: x\n",
	  "line 2: '&': anchors, tags, flow collections and complex keys are not supported" },
	{ "basic_auth_users:\n  alice: *h\n",
	  "line 2: basic_auth_users.alice: '*': anchors, tags, flow collections and block scalars are not "
	  "supported" },
	{ "tls_server_config:\n  cert_file: |\n    PEM\n",
	  "line 2: tls_server_config.cert_file: '|': anchors, tags, flow collections and block scalars are not "
	  "supported" },
	{ "tls_server_config:\n  cert_file: a: b\n",
	  "line 2: tls_server_config.cert_file: unexpected ': ' in a plain value (quote the value)" },
	{ "tls_server_config:\n  cert_file: 'a\n",
	  "line 2: tls_server_config.cert_file: unterminated single-quoted string (strings must end on their "
	  "line)" },
	{ "tls_server_config:\n  cert_file: \"a\\\n",
	  "line 2: tls_server_config.cert_file: unterminated double-quoted string (strings must end on their "
	  "line)" },
	{ "tls_server_config:\n  cert_file: \"a\" b\n",
	  "line 2: tls_server_config.cert_file: unexpected text after the quoted string" },
	{ "tls_server_config:\n  cert_file: \"\\q\"\n",
	  "line 2: tls_server_config.cert_file: unsupported escape \\q in a double-quoted string" },
	{ "tls_server_config:\n  cert_file: \"\\x0g\"\n",
	  "line 2: tls_server_config.cert_file: bad \\x escape (want two hex digits, not 00)" },
	{ "'tls_server_config' x: \n", "line 1: expected ':' after a quoted key" },
	{ "\"tls_server_config\n", "line 1: unterminated double-quoted string (strings must end on their line)" },
	{ "tls_server_config:\n---\n", "line 2: only one YAML document is supported" },
	{ "tls_server_config:\n  cert_file: a\rb\n", "line 2: NUL or carriage return inside the line" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		struct web_config c;
		char err[512] = "", want[600];

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
	assert_string_equal(err, "web config w.yml line 2: NUL or carriage return inside the line");
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
