// SPDX-License-Identifier: Apache-2.0
/* Unit tests: the --config.file loader on libyaml (userspace/config/config_file.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/config_file.h"

static struct config_entry entries[CONFIG_FILE_MAX_ENTRIES];
static char err[256];

static int parse(const char *text, char *buf, size_t len)
{
	snprintf(buf, len, "%s", text);
	err[0] = '\0';
	return config_file_parse(buf, entries, CONFIG_FILE_MAX_ENTRIES, err, sizeof(err));
}

static void test_scalars_lists_and_comments(void **state)
{
	(void)state;
	char buf[1024];
	int n = parse("---\n"
		      "# the node's exporter\n"
		      "binary:\n"
		      "  - /usr/bin/dwcp-node   # the daemon\n"
		      "  - '/opt/dwcp/lib dwcp.so'\n"
		      "\n"
		      "cluster: prod-eu # comment\n"
		      "node: \"node \\\"01\\\"\\tA\"\r\n"
		      "web.listen-address: \":9477\"\n"
		      "log.level: debug#not-a-comment\n"
		      "stream.id-label: false\n"
		      "note: 'it''s'\n",
		      buf, sizeof(buf));

	assert_int_equal(n, 8);
	assert_string_equal(entries[0].key, "binary");
	assert_string_equal(entries[0].value, "/usr/bin/dwcp-node");
	assert_int_equal(entries[0].line, 4);
	assert_int_equal(entries[0].item, 1);
	assert_string_equal(entries[1].value, "/opt/dwcp/lib dwcp.so");
	assert_int_equal(entries[1].item, 2);
	assert_string_equal(entries[2].key, "cluster");
	assert_string_equal(entries[2].value, "prod-eu");
	assert_int_equal(entries[2].item, 0);
	assert_string_equal(entries[3].value, "node \"01\"\tA");
	assert_string_equal(entries[4].value, ":9477");
	assert_string_equal(entries[5].value, "debug#not-a-comment");
	assert_string_equal(entries[6].value, "false");
	assert_string_equal(entries[7].value, "it's");
	assert_int_equal(entries[7].line, 12);
}

static void test_empty_file(void **state)
{
	(void)state;
	char buf[64];

	assert_int_equal(parse("", buf, sizeof(buf)), 0);
	assert_int_equal(parse("# nothing\n\n   \n", buf, sizeof(buf)), 0);
}

/* The same settings as test_scalars_lists_and_comments's, written with
 * other YAML: every form means what the plain one means. */
static void test_any_yaml_that_means_the_same(void **state)
{
	(void)state;
	char buf[1024];
	int n = parse("{binary: [/usr/bin/dwcp-node, '/opt/dwcp/lib dwcp.so'], cluster: prod-eu}\n", buf, sizeof(buf));

	assert_int_equal(n, 3);
	assert_string_equal(entries[0].key, "binary");
	assert_string_equal(entries[1].value, "/opt/dwcp/lib dwcp.so");
	assert_int_equal(entries[1].item, 2);
	assert_string_equal(entries[2].value, "prod-eu");

	n = parse("node: &n node-01\n"
		  "cluster: *n\n"
		  "note: |\n"
		  "  two\n"
		  "  lines\n"
		  "folded: >-\n"
		  "  one\n"
		  "  line\n"
		  "esc: \"\\x41\\u00e9\\\\\"\n"
		  "  # an indented comment\n"
		  "plain: a\n"
		  "  continued\n",
		  buf, sizeof(buf));
	assert_int_equal(n, 6);
	assert_string_equal(entries[0].value, "node-01");
	assert_string_equal(entries[1].value, "node-01");
	assert_int_equal(entries[1].line, 1); /* an alias is its anchor's node */
	assert_string_equal(entries[2].value, "two\nlines\n");
	assert_string_equal(entries[3].value, "one line");
	assert_string_equal(entries[4].value, "A\xc3\xa9\\");
	assert_string_equal(entries[5].value, "a continued");

	/* merge keys: the explicit key wins */
	n = parse("defaults: &d {cluster: a, node: b}\n", buf, sizeof(buf));
	assert_int_equal(n, -1);
	n = parse("<<: {cluster: a, node: b}\nnode: c\n", buf, sizeof(buf));
	assert_int_equal(n, 2);
	assert_string_equal(entries[0].key, "node");
	assert_string_equal(entries[0].value, "c");
	assert_string_equal(entries[1].key, "cluster");
	assert_string_equal(entries[1].value, "a");
}

static void test_errors_name_the_line(void **state)
{
	(void)state;
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "cluster prod\n", "line 1: expected \"flag-name: value\", got \"cluster prod\"" },
		{ "- a\n", "line 1: expected \"flag-name: value\" lines, not a list" },
		{ "a: 1\ncluster:prod\n", "line 2: while scanning a simple key: could not find expected ':' (on line 3)" },
		{ "binary:\ncluster: x\n", "line 1: binary: no value" },
		{ "binary:\n", "line 1: binary: no value" },
		{ "binary: ~\n", "line 1: binary: no value" },
		{ "binary: []\n", "line 1: binary: no value" },
		{ "binary:\n  path: x\n", "line 2: binary: expected a list item \"- value\" or one value, not a mapping" },
		{ "binary:\n  -\n", "line 2: binary: empty list item" },
		{ "binary: [a, [b]]\n", "line 1: binary: a list item must be a value, not a list" },
		{ "binary:\n\t- x\n",
		  "line 2: while scanning for the next token: found character that cannot start any token" },
		{ "x: a: b\n", "line 1: mapping values are not allowed in this context" },
		{ "x: \"open\n", "line 1: while scanning a quoted scalar: found unexpected end of stream (on line 2)" },
		{ "x: \"a\\qb\"\n", "line 1: while parsing a quoted scalar: found unknown escape character" },
		{ "x: \"a\\0b\"\n", "line 1: a NUL character in a value" },
		{ "x: \"a\" b\n", "line 1: while parsing a block mapping: did not find expected key" },
		{ "x: *nope\n", "line 1: found undefined alias" },
		{ "[a]: b\n", "line 1: a key must be a string, not a list" },
		{ "<<: a\n", "line 1: <<: merges a mapping or a list of mappings, not a string" },
		{ "x: 1\n---\ny: 2\n", "line 2: a second YAML document (\"---\"): the file holds one" },
		{ "x: 1\ny: 2\nx: 3\n", "line 3: x: given twice (first on line 1)" },
		{ "binary:\n  - a\nbinary: b\n", "line 3: binary: given twice (first on line 1)" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[256];

		assert_int_equal(parse(cases[i].text, buf, sizeof(buf)), -1);
		assert_string_equal(err, cases[i].err);
	}
}

/* Aliases can repeat a value past the text's length (the values live in
 * the text) or into a huge tree: both stop with an error. */
static void test_alias_bombs(void **state)
{
	(void)state;
	static char buf[8192];
	size_t len = 0;

	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "a: &a \"%0200d\"\nbinary: [", 0);
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "*a, ");
	snprintf(buf + len, sizeof(buf) - len, "*a]\n");
	assert_int_equal(config_file_parse(buf, entries, CONFIG_FILE_MAX_ENTRIES, err, sizeof(err)), -1);
	assert_string_equal(err, "line 1: the values take more room than the file's text (aliases repeat a long value?)");

	snprintf(buf, sizeof(buf), "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
				   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
				   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n");
	assert_int_equal(config_file_parse(buf, entries, CONFIG_FILE_MAX_ENTRIES, err, sizeof(err)), -1);
	assert_string_equal(err, "line 1: b: a list item must be a value, not a list"); /* the aliased node is on line 1 */
}

static void test_too_many_entries(void **state)
{
	(void)state;
	static char text[CONFIG_FILE_MAX_ENTRIES * 16 + 64], buf[sizeof(text)];
	size_t len = (size_t)snprintf(text, sizeof(text), "binary:\n");

	for (int i = 0; i <= CONFIG_FILE_MAX_ENTRIES; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "  - /b%d\n", i);
	assert_int_equal(parse(text, buf, sizeof(buf)), -1);
	assert_string_equal(err, "line 130: too many values (at most 128)");
}

static void test_small_error_buffer(void **state)
{
	(void)state;
	char buf[64], small[8];

	snprintf(buf, sizeof(buf), "x: [[1]]\n");
	assert_int_equal(config_file_parse(buf, entries, CONFIG_FILE_MAX_ENTRIES, small, sizeof(small)), -1);
	assert_string_equal(small, "line 1:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars_lists_and_comments),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_any_yaml_that_means_the_same),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_alias_bombs),
		cmocka_unit_test(test_too_many_entries),
		cmocka_unit_test(test_small_error_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
