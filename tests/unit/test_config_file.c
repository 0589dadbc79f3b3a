// SPDX-License-Identifier: Apache-2.0
/* Unit tests: the --config.file YAML subset (userspace/config/config_file.c). */
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

static void test_errors_name_the_line(void **state)
{
	(void)state;
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "cluster prod\n", "line 1: expected \"flag-name: value\", got \"cluster prod\"" },
		{ "a: 1\ncluster:prod\n", "line 2: a space must follow \"cluster:\"" },
		{ "binary:\ncluster: x\n", "line 1: binary: no value" },
		{ "binary:\n", "line 1: binary: no value" },
		{ "  cluster: x\n", "line 1: unexpected indentation (only \"- value\" list items may be indented)" },
		{ "binary:\n  path: x\n", "line 2: binary: expected a list item \"- value\"" },
		{ "binary:\n  -\n", "line 2: binary: empty list item" },
		{ "binary:\n\t- x\n", "line 2: tabs cannot indent YAML: use spaces" },
		{ "binary: [a, b]\n", "line 1: flow collections ([a, b] or {a: b}) are not supported: use one \"- value\" per line" },
		{ "x: &anchor v\n", "line 1: '&' starts an anchor, alias, tag or block scalar, which are not supported: quote the value" },
		{ "x: |\n", "line 1: '|' starts an anchor, alias, tag or block scalar, which are not supported: quote the value" },
		{ "x: a: b\n", "line 1: a value cannot contain \": \" unquoted (nested mappings are not supported)" },
		{ "x: \"open\n", "line 1: unterminated double-quoted value" },
		{ "x: 'open\n", "line 1: unterminated single-quoted value" },
		{ "x: \"a\\qb\"\n", "line 1: unsupported escape in a double-quoted value (use \\\\ \\\" \\n \\t)" },
		{ "x: \"a\" b\n", "line 1: unexpected text after the quoted value: \"b\"" },
		{ "x: 1\ny: 2\nx: 3\n", "line 3: x: given twice (first on line 1)" },
		{ "binary:\n  - a\nbinary: b\n", "line 3: binary: given twice (first on line 2)" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[256];

		assert_int_equal(parse(cases[i].text, buf, sizeof(buf)), -1);
		assert_string_equal(err, cases[i].err);
	}
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

	snprintf(buf, sizeof(buf), "x: [1]\n");
	assert_int_equal(config_file_parse(buf, entries, CONFIG_FILE_MAX_ENTRIES, small, sizeof(small)), -1);
	assert_string_equal(small, "line 1:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars_lists_and_comments),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_too_many_entries),
		cmocka_unit_test(test_small_error_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
