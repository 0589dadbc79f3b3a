// SPDX-License-Identifier: Apache-2.0
/* Unit tests: the exporter's command line (userspace/config/options.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config/options.h"

#define ARGV(...) ((char *[]){ "dwcp-bpf-exporter", __VA_ARGS__, NULL })
static int count_args(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return argc;
}

static enum options_action parse(char **argv, struct options *opt, char *err)
{
	return options_parse(count_args(argv), argv, opt, err, 256);
}

static void test_defaults(void **state)
{
	(void)state;
	char **argv = ARGV("--binary", "/usr/bin/dwcp");
	struct options opt;
	char err[256] = "";

	assert_int_equal(parse(argv, &opt, err), OPTIONS_RUN);
	assert_int_equal(opt.n_binaries, 1);
	assert_string_equal(opt.binaries[0], "/usr/bin/dwcp");
	assert_string_equal(opt.cluster, "default");
	assert_string_equal(opt.node, "");
	assert_int_equal(opt.n_listen, 1);
	assert_string_equal(opt.listen[0], ":9477");
	assert_string_equal(opt.telemetry_path, "/metrics");
	assert_int_equal(opt.max_requests, 200);
	assert_true(opt.stream_id_label);
	assert_true(opt.stream_grace_ns == 30ull * 1000000000ull);
	assert_int_equal(opt.max_streams, 16384);
	assert_int_equal(opt.pid, 0);
	assert_int_equal(opt.log_level, LOG_INFO);
	assert_int_equal(opt.log_format, LOG_FORMAT_LOGFMT);
}

static void test_every_flag(void **state)
{
	(void)state;
	char **argv = ARGV("--binary", "/a", "--binary", "/b", "--pid", "42", "--cluster", "eu", "--node", "n7",
			   "--web.listen-address", "127.0.0.1:1", "--web.listen-address", "[::1]:2",
			   "--web.telemetry-path", "/m", "--web.max-requests", "0", "--no-stream.id-label",
			   "--stream.grace", "250ms", "--bpf.max-streams", "100", "--log.level", "debug",
			   "--log.format", "json");
	struct options opt;
	char err[256] = "";

	assert_int_equal(parse(argv, &opt, err), OPTIONS_RUN);
	assert_int_equal(opt.n_binaries, 2);
	assert_string_equal(opt.binaries[1], "/b");
	assert_int_equal(opt.pid, 42);
	assert_string_equal(opt.cluster, "eu");
	assert_string_equal(opt.node, "n7");
	assert_int_equal(opt.n_listen, 2);
	assert_string_equal(opt.listen[1], "[::1]:2");
	assert_string_equal(opt.telemetry_path, "/m");
	assert_int_equal(opt.max_requests, 0);
	assert_false(opt.stream_id_label);
	assert_true(opt.stream_grace_ns == 250000000ull);
	assert_int_equal(opt.max_streams, 100);
	assert_int_equal(opt.log_level, LOG_DEBUG);
	assert_int_equal(opt.log_format, LOG_FORMAT_JSON);
}

static void test_actions(void **state)
{
	(void)state;
	struct options opt;
	char err[256];

	assert_int_equal(parse(ARGV("--help"), &opt, err), OPTIONS_HELP);
	assert_int_equal(parse(ARGV("-h"), &opt, err), OPTIONS_HELP);
	assert_int_equal(parse(ARGV("--version"), &opt, err), OPTIONS_VERSION);
	assert_int_equal(parse(ARGV("--list-metrics"), &opt, err), OPTIONS_LIST_METRICS);
}

static void expect_error(char **argv, const char *needle)
{
	struct options opt;
	char err[256] = "";

	assert_int_equal(parse(argv, &opt, err), OPTIONS_ERROR);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" does not mention \"%s\"", err, needle);
}

static void test_errors_name_the_flag(void **state)
{
	(void)state;
	expect_error(ARGV("--cluster", "x"), "--binary: at least one");
	expect_error(ARGV("--binary", ""), "--binary: empty");
	expect_error(ARGV("--binary", "/a", "--pid", "0"), "--pid");
	expect_error(ARGV("--binary", "/a", "--pid", "12x"), "--pid");
	expect_error(ARGV("--binary", "/a", "--pid", "99999999999"), "--pid");
	expect_error(ARGV("--binary", "/a", "--cluster", ""), "--cluster");
	expect_error(ARGV("--binary", "/a", "--web.listen-address", "9477"), "--web.listen-address");
	expect_error(ARGV("--binary", "/a", "--web.telemetry-path", "metrics"), "--web.telemetry-path");
	expect_error(ARGV("--binary", "/a", "--web.telemetry-path", "/health"), "taken");
	expect_error(ARGV("--binary", "/a", "--web.max-requests", "-1"), "--web.max-requests");
	expect_error(ARGV("--binary", "/a", "--stream.grace", "30"), "--stream.grace");
	expect_error(ARGV("--binary", "/a", "--bpf.max-streams", "0"), "--bpf.max-streams");
	expect_error(ARGV("--binary", "/a", "--log.level", "verbose"), "--log.level");
	expect_error(ARGV("--binary", "/a", "--log.format", "xml"), "--log.format");
	expect_error(ARGV("--binary", "/a", "--frobnicate"), "--frobnicate: unknown");
	expect_error(ARGV("--binary"), "--binary: needs a value");
	expect_error(ARGV("--binary", "/a", "stray"), "unexpected argument \"stray\"");
}

static void test_too_many_repeats(void **state)
{
	(void)state;
	char *argv[2 + 2 * (OPTIONS_MAX_BINARIES + 1)];
	int argc = 1;

	argv[0] = "dwcp-bpf-exporter";
	for (int i = 0; i <= OPTIONS_MAX_BINARIES; i++) {
		argv[argc++] = "--binary";
		argv[argc++] = "/a";
	}
	argv[argc] = NULL;
	expect_error(argv, "at most");
}

static void test_durations(void **state)
{
	(void)state;
	uint64_t ns;

	assert_int_equal(parse_duration_ns("0s", &ns), 0);
	assert_true(ns == 0);
	assert_int_equal(parse_duration_ns("1500ms", &ns), 0);
	assert_true(ns == 1500000000ull);
	assert_int_equal(parse_duration_ns("2m", &ns), 0);
	assert_true(ns == 120000000000ull);
	assert_int_equal(parse_duration_ns("1h", &ns), 0);
	assert_true(ns == 3600000000000ull);
	assert_int_equal(parse_duration_ns("10", &ns), -1);
	assert_int_equal(parse_duration_ns("-1s", &ns), -1);
	assert_int_equal(parse_duration_ns("1.5s", &ns), -1);
	assert_int_equal(parse_duration_ns("s", &ns), -1);
	assert_int_equal(parse_duration_ns("", &ns), -1);
	assert_int_equal(parse_duration_ns("5d", &ns), -1);
	assert_int_equal(parse_duration_ns("99999999999999999h", &ns), -1);
	assert_int_equal(parse_duration_ns(NULL, &ns), -1);
}

static void test_pinning_flags(void **state)
{
	(void)state;
	struct options opt;
	char err[256];

	assert_int_equal(parse(ARGV("--binary", "/a"), &opt, err), OPTIONS_RUN);
	assert_string_equal(opt.pin_path, "/sys/fs/bpf/dwcp-bpf");
	assert_int_equal(parse(ARGV("--binary", "/a", "--bpf.pin-path", "/sys/fs/bpf/x"), &opt, err), OPTIONS_RUN);
	assert_string_equal(opt.pin_path, "/sys/fs/bpf/x");
	assert_int_equal(parse(ARGV("--binary", "/a", "--no-bpf.pin"), &opt, err), OPTIONS_RUN);
	assert_null(opt.pin_path);
	expect_error(ARGV("--binary", "/a", "--bpf.pin-path", "relative"), "--bpf.pin-path");
}

static void test_parse_twice(void **state)
{
	(void)state;
	struct options opt;
	char err[256];

	/* getopt state is reset: a second parse sees every flag again */
	assert_int_equal(parse(ARGV("--binary", "/a", "--pid", "7"), &opt, err), OPTIONS_RUN);
	assert_int_equal(parse(ARGV("--binary", "/b", "--pid", "8"), &opt, err), OPTIONS_RUN);
	assert_string_equal(opt.binaries[0], "/b");
	assert_int_equal(opt.pid, 8);
}

static enum options_action parse_config(char **argv, const char *text, struct options *opt, char *err)
{
	return options_parse_with_config(count_args(argv), argv, text, opt, err, 256);
}

static void test_new_flags(void **state)
{
	(void)state;
	struct options opt;
	char err[256];

	assert_int_equal(parse(ARGV("--binary", "/a"), &opt, err), OPTIONS_RUN);
	assert_int_equal(opt.capabilities, CAPS_KEEP_ATTACH);
	assert_false(opt.bpf_stats);
	assert_null(opt.web_config_file);
	assert_int_equal(parse(ARGV("--binary", "/a", "--capabilities.keep", "none", "--bpf.stats",
				    "--web.config.file", "/etc/web.yml"),
			       &opt, err),
			 OPTIONS_RUN);
	assert_int_equal(opt.capabilities, CAPS_KEEP_NONE);
	assert_string_equal(capability_keep_name(opt.capabilities), "none");
	assert_true(opt.bpf_stats);
	assert_string_equal(opt.web_config_file, "/etc/web.yml");
	assert_int_equal(parse(ARGV("--binary", "/a", "--capabilities.keep=all", "--bpf.stats", "--no-bpf.stats"),
			       &opt, err),
			 OPTIONS_RUN);
	assert_int_equal(opt.capabilities, CAPS_KEEP_ALL);
	assert_false(opt.bpf_stats);
	expect_error(ARGV("--binary", "/a", "--capabilities.keep", "some"),
		     "--capabilities.keep: \"some\" is not one of attach, none, all");
	expect_error(ARGV("--binary", "/a", "--web.config.file", ""), "--web.config.file: empty path");
	/* --no-bpf.pin wins over a later --bpf.pin-path; --bpf.pin undoes it */
	assert_int_equal(parse(ARGV("--binary", "/a", "--no-bpf.pin", "--bpf.pin-path", "/sys/fs/bpf/y"), &opt, err),
			 OPTIONS_RUN);
	assert_null(opt.pin_path);
	assert_int_equal(parse(ARGV("--binary", "/a", "--no-bpf.pin", "--bpf.pin-path", "/sys/fs/bpf/y", "--bpf.pin"),
			       &opt, err),
			 OPTIONS_RUN);
	assert_string_equal(opt.pin_path, "/sys/fs/bpf/y");
}

static void test_config_file_sets_flags(void **state)
{
	(void)state;
	struct options opt;
	char err[256] = "";

	assert_int_equal(parse_config(ARGV("--config.file", "/etc/x.yml"),
				      "binary:\n  - /usr/bin/a\n  - /usr/bin/b\n"
				      "cluster: prod\nnode: n1\n"
				      "web.listen-address:\n  - 127.0.0.1:1\n  - '[::1]:2'\n"
				      "stream.id-label: false\nstream.grace: 5s\nbpf.pin: false\nbpf.stats: true\n"
				      "capabilities.keep: none\nlog.format: json\n",
				      &opt, err),
			 OPTIONS_RUN);
	assert_string_equal(err, "");
	assert_string_equal(opt.config_file, "/etc/x.yml");
	assert_int_equal(opt.n_binaries, 2);
	assert_string_equal(opt.binaries[1], "/usr/bin/b");
	assert_string_equal(opt.cluster, "prod");
	assert_string_equal(opt.node, "n1");
	assert_int_equal(opt.n_listen, 2);
	assert_string_equal(opt.listen[1], "[::1]:2");
	assert_false(opt.stream_id_label);
	assert_true(opt.stream_grace_ns == 5000000000ull);
	assert_null(opt.pin_path);
	assert_true(opt.bpf_stats);
	assert_int_equal(opt.capabilities, CAPS_KEEP_NONE);
	assert_int_equal(opt.log_format, LOG_FORMAT_JSON);
	options_free(&opt);
	assert_null(opt.config_text);
}

static void test_flags_win_over_the_file(void **state)
{
	(void)state;
	struct options opt;
	char err[256] = "";
	const char *text = "binary:\n  - /file/a\n  - /file/b\ncluster: file\nstream.id-label: false\n"
			   "web.listen-address: 127.0.0.1:1\n";

	assert_int_equal(parse_config(ARGV("--cluster", "flag", "--config.file", "/c.yml", "--stream.id-label"), text,
				      &opt, err),
			 OPTIONS_RUN);
	assert_string_equal(opt.cluster, "flag");
	assert_true(opt.stream_id_label);
	assert_int_equal(opt.n_binaries, 2); /* the file's list stays... */
	options_free(&opt);
	assert_int_equal(parse_config(ARGV("--config.file", "/c.yml", "--binary", "/flag/x", "--web.listen-address",
					   ":2", "--web.listen-address", ":3"),
				      text, &opt, err),
			 OPTIONS_RUN);
	assert_int_equal(opt.n_binaries, 1); /* ...unless the command line gives one */
	assert_string_equal(opt.binaries[0], "/flag/x");
	assert_int_equal(opt.n_listen, 2);
	assert_string_equal(opt.listen[0], ":2");
	assert_string_equal(opt.listen[1], ":3");
	options_free(&opt);
}

static void test_config_file_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "cluster prod\n", "--config.file /c.yml: line 1: expected \"flag-name: value\", got \"cluster prod\"" },
		{ "binary: /a\nclustr: x\n",
		  "--config.file /c.yml: line 2: clustr: unknown setting (settings are the long flags without \"--\", "
		  "see --help)" },
		{ "no-bpf.pin: true\n", "--config.file /c.yml: line 1: no-bpf.pin: unknown setting (settings are the long "
					"flags without \"--\", see --help; write \"name: false\" instead of \"no-name\")" },
		{ "config.file: /other\n", "--config.file /c.yml: line 1: config.file: only allowed on the command line" },
		{ "version: true\n", "--config.file /c.yml: line 1: version: only allowed on the command line" },
		{ "cluster:\n  - a\n", "--config.file /c.yml: line 2: cluster: takes one value, not a list" },
		{ "bpf.stats: yes\n", "--config.file /c.yml: line 1: bpf.stats: \"yes\" is not true or false" },
		{ "bpf.max-streams: 0\n",
		  "--config.file /c.yml: line 1: --bpf.max-streams: \"0\" is not a number 1..16777216" },
		{ "stream.grace: soon\n",
		  "--config.file /c.yml: line 1: --stream.grace: \"soon\" is not a duration like 30s, 500ms, 2m" },
		{ "cluster: \"\"\n", "--config.file /c.yml: line 1: --cluster: must be 1..127 bytes" },
		{ "cluster: a\n", "--binary: at least one DWCP binary is required" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct options opt;
		char err[256] = "";

		assert_int_equal(parse_config(ARGV("--config.file", "/c.yml"), cases[i].text, &opt, err), OPTIONS_ERROR);
		assert_string_equal(err, cases[i].err);
		options_free(&opt);
	}
}

static void test_config_path(void **state)
{
	(void)state;
	char **argv = ARGV("--binary", "/a", "--config.file=/etc/d.yml");

	assert_string_equal(options_config_path(count_args(argv), argv), "/etc/d.yml");
	argv = ARGV("--binary", "/a");
	assert_null(options_config_path(count_args(argv), argv));
	argv = ARGV("--bogus", "--config.file", "/etc/d.yml");
	assert_null(options_config_path(count_args(argv), argv));
}

static void test_restart_needed(void **state)
{
	(void)state;
	struct options a, b;
	char err[256], out[128];

	assert_int_equal(parse(ARGV("--binary", "/a", "--cluster", "c"), &a, err), OPTIONS_RUN);
	assert_int_equal(parse(ARGV("--binary", "/a", "--cluster", "c", "--log.level", "debug", "--stream.grace", "1s",
				    "--no-stream.id-label", "--web.config.file", "/w.yml"),
			       &b, err),
			 OPTIONS_RUN);
	assert_int_equal(options_restart_needed(&a, &b, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(parse(ARGV("--binary", "/a", "--binary", "/b", "--cluster", "d", "--web.listen-address", ":1",
				    "--no-bpf.pin", "--bpf.stats"),
			       &b, err),
			 OPTIONS_RUN);
	assert_int_equal(options_restart_needed(&a, &b, out, sizeof(out)), 5);
	assert_string_equal(out, "binary,cluster,web.listen-address,bpf.pin-path,bpf.stats");
	assert_int_equal(options_restart_needed(&a, &b, out, 10), 5);
	assert_string_equal(out, "binary,cl");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_flag),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_errors_name_the_flag),
		cmocka_unit_test(test_too_many_repeats),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_pinning_flags),
		cmocka_unit_test(test_parse_twice),
		cmocka_unit_test(test_new_flags),
		cmocka_unit_test(test_config_file_sets_flags),
		cmocka_unit_test(test_flags_win_over_the_file),
		cmocka_unit_test(test_config_file_errors),
		cmocka_unit_test(test_config_path),
		cmocka_unit_test(test_restart_needed),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
