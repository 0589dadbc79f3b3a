// SPDX-License-Identifier: Apache-2.0
/*
 * test_exposition.c: the exposition writer, byte for byte: escaping, UTF-8
 * repair, numbers, histograms, family rules, OpenMetrics, content type.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exposition/exposition.h"

static int setup(void **state)
{
	struct expo_writer *w = expo_writer_new();

	if (!w)
		return -1;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	expo_writer_free(*state);
	return 0;
}

static const char *data(struct expo_writer *w)
{
	size_t len;
	const char *d = expo_writer_data(w, &len);

	assert_int_equal(strlen(d), len);
	return d;
}

/* ---- numbers ---- */

static void check_double(double v, const char *want)
{
	char buf[EXPO_NUMBER_MAX];
	int n = expo_format_double(buf, sizeof(buf), v);

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_format_double(void **state)
{
	(void)state;
	check_double(0, "0");
	check_double(-0.0, "-0");
	check_double(1e-9, "1e-09");
	check_double(1e21, "1e+21");
	check_double(INFINITY, "+Inf");
	check_double(-INFINITY, "-Inf");
	check_double(NAN, "NaN");
	check_double(-NAN, "NaN");
	check_double(0.1, "0.1");
	check_double(300, "300");
	check_double(1.5, "1.5");
	check_double(-2.25, "-2.25");
	check_double(0.3, "0.3");
	check_double(1.0 / 3.0, "0.3333333333333333");
	check_double(123456789012345.0, "123456789012345");
	check_double(9007199254740992.0, "9007199254740992");
	check_double(5e-05, "5e-05");
	check_double(2.5e-3, "0.0025");
}

static void test_format_double_round_trips(void **state)
{
	double vals[] = { 0.1 + 0.2, 1e-300, 1.7976931348623157e308, 4.9e-324, 3.141592653589793,
			  2.0 / 3.0, 1e15 + 0.5, 123.456, -1e-7 };
	char buf[EXPO_NUMBER_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		assert_true(expo_format_double(buf, sizeof(buf), vals[i]) > 0);
		assert_true(strtod(buf, NULL) == vals[i]);
		assert_null(strstr(buf, "inf"));
		assert_null(strstr(buf, "nan"));
	}
	assert_int_equal(expo_format_double(buf, 3, 1.5), -1); /* "1.5" needs 4 bytes */
	assert_int_equal(expo_format_double(buf, 4, 1.5), 3);
}

static void test_format_u64(void **state)
{
	char buf[EXPO_NUMBER_MAX];

	(void)state;
	expo_format_u64(buf, sizeof(buf), UINT64_MAX);
	assert_string_equal(buf, "18446744073709551615");
	expo_format_u64(buf, sizeof(buf), 0);
	assert_string_equal(buf, "0");
	expo_format_u64(buf, sizeof(buf), (1ull << 53) + 1);
	assert_string_equal(buf, "9007199254740993");
}

/* ---- escaping and UTF-8 ---- */

static void test_label_escaping(void **state)
{
	struct expo_writer *w = *state;
	struct expo_label l[] = { { "a", "back\\slash \"quoted\"\nnew line" }, { "b", "" } };

	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_family(w, "g", EXPO_GAUGE, "Help with \\ and \"quote\"\nand newline.");
	expo_sample(w, NULL, l, 2, 1);
	assert_null(expo_writer_error(w));
	assert_string_equal(data(w), "# HELP g Help with \\\\ and \"quote\"\\nand newline.\n"
				     "# TYPE g gauge\n"
				     "g{a=\"back\\\\slash \\\"quoted\\\"\\nnew line\",b=\"\"} 1\n");
}

static void test_help_escaping_openmetrics(void **state)
{
	struct expo_writer *w = *state;

	expo_writer_begin(w, EXPO_FORMAT_OPENMETRICS_1_0_0);
	expo_family(w, "g", EXPO_GAUGE, "a \"b\" \\ c\nd");
	expo_sample(w, NULL, NULL, 0, 2);
	expo_writer_end(w);
	assert_string_equal(data(w), "# HELP g a \\\"b\\\" \\\\ c\\nd\n"
				     "# TYPE g gauge\n"
				     "g 2\n"
				     "# EOF\n");
}

static void check_label_value(struct expo_writer *w, const char *in, const char *want_line)
{
	struct expo_label l = { "v", in };

	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_family(w, "x", EXPO_GAUGE, "h");
	expo_sample_u64(w, NULL, &l, 1, 7);
	assert_null(expo_writer_error(w));
	assert_string_equal(data(w) + strlen("# HELP x h\n# TYPE x gauge\n"), want_line);
}

#define FFFD "\xEF\xBF\xBD"

static void test_utf8_repair(void **state)
{
	struct expo_writer *w = *state;

	/* valid multi-byte text passes unchanged */
	check_label_value(w, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "x{v=\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"} 7\n");
	/* a 4-byte character cut after 2 bytes, as BPF truncation does */
	check_label_value(w, "ab\xF0\x9F", "x{v=\"ab" FFFD FFFD "\"} 7\n");
	/* a lone continuation byte, an invalid lead byte */
	check_label_value(w, "\x80z\xFF", "x{v=\"" FFFD "z" FFFD "\"} 7\n");
	/* overlong '/' and a UTF-16 surrogate are not UTF-8 */
	check_label_value(w, "\xC0\xAF", "x{v=\"" FFFD FFFD "\"} 7\n");
	check_label_value(w, "\xED\xA0\x80", "x{v=\"" FFFD FFFD FFFD "\"} 7\n");
	/* above U+10FFFF */
	check_label_value(w, "\xF4\x90\x80\x80", "x{v=\"" FFFD FFFD FFFD FFFD "\"} 7\n");
	/* escapes still apply next to repaired bytes */
	check_label_value(w, "\xC3\"\\", "x{v=\"" FFFD "\\\"\\\\\"} 7\n");
}

static void test_help_utf8_repair(void **state)
{
	struct expo_writer *w = *state;

	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_family(w, "x", EXPO_GAUGE, "bad \xE2\x82 end");
	assert_string_equal(data(w), "# HELP x bad " FFFD FFFD " end\n# TYPE x gauge\n");
}

/* ---- samples and families ---- */

static void test_u64_exact_sample(void **state)
{
	struct expo_writer *w = *state;
	struct expo_label l = { "cluster", "c1" };

	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_family(w, "dwcp_amst_bytes_sent_total", EXPO_COUNTER, "Bytes.");
	expo_sample_u64(w, NULL, &l, 1, UINT64_MAX);
	assert_string_equal(data(w), "# HELP dwcp_amst_bytes_sent_total Bytes.\n"
				     "# TYPE dwcp_amst_bytes_sent_total counter\n"
				     "dwcp_amst_bytes_sent_total{cluster=\"c1\"} 18446744073709551615\n");
}

static const double bounds[] = { 0.5, 1, 2.5 };
static const uint64_t counts[] = { 1, 0, 3, 2 }; /* 2 above every bound */

static void test_histogram_text(void **state)
{
	struct expo_writer *w = *state;
	struct expo_label l[] = { { "cluster", "c1" }, { "operation", "send" } };

	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_family(w, "dwcp_amst_latency_seconds", EXPO_HISTOGRAM, "Latency.");
	expo_histogram(w, l, 2, bounds, counts, 3, 12.75, NULL);
	expo_writer_end(w);
	assert_null(expo_writer_error(w));
	assert_string_equal(data(w),
			    "# HELP dwcp_amst_latency_seconds Latency.\n"
			    "# TYPE dwcp_amst_latency_seconds histogram\n"
			    "dwcp_amst_latency_seconds_bucket{cluster=\"c1\",operation=\"send\",le=\"0.5\"} 1\n"
			    "dwcp_amst_latency_seconds_bucket{cluster=\"c1\",operation=\"send\",le=\"1\"} 1\n"
			    "dwcp_amst_latency_seconds_bucket{cluster=\"c1\",operation=\"send\",le=\"2.5\"} 4\n"
			    "dwcp_amst_latency_seconds_bucket{cluster=\"c1\",operation=\"send\",le=\"+Inf\"} 6\n"
			    "dwcp_amst_latency_seconds_sum{cluster=\"c1\",operation=\"send\"} 12.75\n"
			    "dwcp_amst_latency_seconds_count{cluster=\"c1\",operation=\"send\"} 6\n");
}

static void test_histogram_openmetrics_no_labels(void **state)
{
	struct expo_writer *w = *state;

	expo_writer_begin(w, EXPO_FORMAT_OPENMETRICS_1_0_0);
	expo_family(w, "h", EXPO_HISTOGRAM, "H.");
	expo_histogram(w, NULL, 0, bounds, counts, 3, 0.5, NULL);
	expo_writer_end(w);
	assert_null(expo_writer_error(w));
	/* OpenMetrics spells an integral le canonically, "1.0". */
	assert_string_equal(data(w), "# HELP h H.\n"
				     "# TYPE h histogram\n"
				     "h_bucket{le=\"0.5\"} 1\n"
				     "h_bucket{le=\"1.0\"} 1\n"
				     "h_bucket{le=\"2.5\"} 4\n"
				     "h_bucket{le=\"+Inf\"} 6\n"
				     "h_sum 0.5\n"
				     "h_count 6\n"
				     "# EOF\n");
}

static void test_histogram_no_bounds_and_huge_counts(void **state)
{
	struct expo_writer *w = *state;
	const uint64_t c[] = { UINT64_MAX };

	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_family(w, "h", EXPO_HISTOGRAM, "H.");
	expo_histogram(w, NULL, 0, NULL, c, 0, 1e21, NULL);
	assert_string_equal(data(w), "# HELP h H.\n# TYPE h histogram\n"
				     "h_bucket{le=\"+Inf\"} 18446744073709551615\n"
				     "h_sum 1e+21\n"
				     "h_count 18446744073709551615\n");
}

static void test_gauge_suffix_and_values(void **state)
{
	struct expo_writer *w = *state;

	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_family(w, "g", EXPO_GAUGE, "G.");
	expo_sample(w, "_ratio", NULL, 0, NAN);
	expo_sample(w, NULL, NULL, 0, -INFINITY);
	assert_string_equal(data(w), "# HELP g G.\n# TYPE g gauge\ng_ratio NaN\ng -Inf\n");
}

static void test_family_twice_is_an_error(void **state)
{
	struct expo_writer *w = *state;

	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_family(w, "a", EXPO_GAUGE, "A.");
	expo_sample(w, NULL, NULL, 0, 1);
	expo_family(w, "b", EXPO_GAUGE, "B.");
	expo_sample(w, NULL, NULL, 0, 2);
	assert_null(expo_writer_error(w));
	expo_family(w, "a", EXPO_GAUGE, "A.");
	expo_sample(w, NULL, NULL, 0, 3);
	assert_non_null(expo_writer_error(w));
	assert_non_null(strstr(expo_writer_error(w), "\"a\""));
	/* nothing of the second "a" was written */
	assert_string_equal(data(w), "# HELP a A.\n# TYPE a gauge\na 1\n# HELP b B.\n# TYPE b gauge\nb 2\n");

	/* begin() forgets the families and the error */
	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	assert_null(expo_writer_error(w));
	expo_family(w, "a", EXPO_GAUGE, "A.");
	assert_null(expo_writer_error(w));
}

static void test_caller_bugs(void **state)
{
	struct expo_writer *w = *state;

	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_sample(w, NULL, NULL, 0, 1);
	assert_non_null(expo_writer_error(w));
	assert_string_equal(data(w), "");

	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_family(w, "c", EXPO_COUNTER, "no _total");
	assert_non_null(expo_writer_error(w));

	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_family(w, "g", EXPO_GAUGE, "G.");
	expo_histogram(w, NULL, 0, bounds, counts, 3, 1, NULL);
	assert_non_null(expo_writer_error(w));

	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_family(w, "c_total", EXPO_COUNTER, "C.");
	expo_sample(w, "_sum", NULL, 0, 1);
	assert_non_null(expo_writer_error(w));
}

static void test_openmetrics_counter(void **state)
{
	struct expo_writer *w = *state;
	struct expo_label l = { "error_type", "timeout" };

	expo_writer_begin(w, EXPO_FORMAT_OPENMETRICS_1_0_0);
	expo_family(w, "dwcp_amst_errors_total", EXPO_COUNTER, "AMST errors.");
	expo_sample_u64(w, NULL, &l, 1, 3);
	expo_family(w, "dwcp_up", EXPO_GAUGE, "Up.");
	expo_sample(w, NULL, NULL, 0, 1);
	expo_writer_end(w);
	assert_null(expo_writer_error(w));
	assert_string_equal(data(w), "# HELP dwcp_amst_errors AMST errors.\n"
				     "# TYPE dwcp_amst_errors counter\n"
				     "dwcp_amst_errors_total{error_type=\"timeout\"} 3\n"
				     "# HELP dwcp_up Up.\n"
				     "# TYPE dwcp_up gauge\n"
				     "dwcp_up 1\n"
				     "# EOF\n");

	/* the same calls in text 0.0.4 keep _total on HELP/TYPE and end with no EOF */
	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_family(w, "dwcp_amst_errors_total", EXPO_COUNTER, "AMST errors.");
	expo_sample_u64(w, NULL, &l, 1, 3);
	expo_writer_end(w);
	assert_string_equal(data(w), "# HELP dwcp_amst_errors_total AMST errors.\n"
				     "# TYPE dwcp_amst_errors_total counter\n"
				     "dwcp_amst_errors_total{error_type=\"timeout\"} 3\n");
}

static void test_buffer_reuse(void **state)
{
	struct expo_writer *w = *state;
	const char *first;
	char big[300];
	struct expo_label l = { "k", big };

	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* grow well past the initial capacity */
	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_family(w, "g", EXPO_GAUGE, "G.");
	for (int i = 0; i < 200; i++)
		expo_sample(w, NULL, &l, 1, i);
	assert_null(expo_writer_error(w));
	first = data(w);
	assert_true(strlen(first) > 200 * 300);

	/* a second scrape writes into the same memory and holds only itself */
	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	assert_string_equal(data(w), "");
	expo_family(w, "g", EXPO_GAUGE, "G.");
	for (int i = 0; i < 200; i++)
		expo_sample(w, NULL, &l, 1, i);
	assert_ptr_equal(data(w), first);
	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	expo_family(w, "h", EXPO_GAUGE, "H.");
	expo_sample(w, NULL, NULL, 0, 5);
	assert_ptr_equal(data(w), first);
	assert_string_equal(data(w), "# HELP h H.\n# TYPE h gauge\nh 5\n");
}

static void test_many_families(void **state)
{
	struct expo_writer *w = *state;
	char name[32];

	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "fam_%d", i);
		expo_family(w, name, EXPO_GAUGE, "x");
		expo_sample(w, NULL, NULL, 0, i);
	}
	assert_null(expo_writer_error(w));
	assert_non_null(strstr(data(w), "\nfam_499 499\n"));
	expo_family(w, "fam_250", EXPO_GAUGE, "x");
	assert_non_null(expo_writer_error(w));
}

static void test_content_type(void **state)
{
	(void)state;
	assert_string_equal(expo_content_type(EXPO_FORMAT_TEXT_0_0_4), "text/plain; version=0.0.4; charset=utf-8");
	assert_string_equal(expo_content_type(EXPO_FORMAT_OPENMETRICS_1_0_0),
			    "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_double),
		cmocka_unit_test(test_format_double_round_trips),
		cmocka_unit_test(test_format_u64),
		cmocka_unit_test_setup_teardown(test_label_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_escaping_openmetrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf8_repair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_utf8_repair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_u64_exact_sample, setup, teardown),
		cmocka_unit_test_setup_teardown(test_histogram_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_histogram_openmetrics_no_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_histogram_no_bounds_and_huge_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gauge_suffix_and_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_family_twice_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caller_bugs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_openmetrics_counter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffer_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_families, setup, teardown),
		cmocka_unit_test(test_content_type),
	};

	return cmocka_run_group_tests_name("exposition", tests, NULL, NULL);
}
