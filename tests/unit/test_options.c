/* Unit tests: the exporter's command line (userspace/options.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "options.h"

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
	assert_int_equal(opt.max_requests, 40);
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
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
