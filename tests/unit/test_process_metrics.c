// SPDX-License-Identifier: Apache-2.0
/*
 * test_process_metrics.c: the /proc parsers on the kernel's own formats
 * (a comm with spaces and ')', negative nice, "unlimited", a long /proc/stat),
 * their refusals, and a render of this very process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "collect/process_metrics.h"

/* fields 3..24 of a real line; utime 101, stime 202, starttime 4242,
 * vsize 123456789, rss 2500, and a negative priority and nice in between */
#define STAT_TAIL " S 1 1234 1234 0 -1 4194560 900 0 3 0 101 202 7 8 -21 -5 4 0 4242 123456789 2500 " \
		  "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 99 1 0 0 0\n"

static void test_stat_plain(void **state)
{
	struct process_stat st;

	(void)state;
	assert_int_equal(process_parse_stat("1234 (dwcp-bpf-export)" STAT_TAIL, &st), 0);
	assert_int_equal(st.utime_ticks, 101);
	assert_int_equal(st.stime_ticks, 202);
	assert_int_equal(st.starttime_ticks, 4242);
	assert_int_equal(st.vsize_bytes, 123456789);
	assert_int_equal(st.rss_pages, 2500);
}

/* A process may name itself "a b) c": only the last ')' ends the comm. */
static void test_stat_comm_with_spaces_and_parens(void **state)
{
	struct process_stat st;

	(void)state;
	assert_int_equal(process_parse_stat("1234 (a b) c)" STAT_TAIL, &st), 0);
	assert_int_equal(st.utime_ticks, 101);
	assert_int_equal(st.rss_pages, 2500);
	assert_int_equal(process_parse_stat("1234 () 1 2 3 ) ))" STAT_TAIL, &st), 0);
	assert_int_equal(st.starttime_ticks, 4242);
	assert_int_equal(st.vsize_bytes, 123456789);
}

static void test_stat_refused(void **state)
{
	struct process_stat st;

	(void)state;
	assert_int_equal(process_parse_stat("", &st), -1);
	assert_int_equal(process_parse_stat("1234 no parens S 1 2 3", &st), -1);
	/* cut before rss */
	assert_int_equal(process_parse_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 101 202 7 8 20 0 4 0 4242 123456789", &st),
			 -1);
	/* utime not a number */
	assert_int_equal(process_parse_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 1x1 202 7 8 20 0 4 0 4242 1 2 3\n", &st),
			 -1);
	/* a negative where a count must be */
	assert_int_equal(process_parse_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 -101 202 7 8 20 0 4 0 4242 1 2 3\n", &st),
			 -1);
	/* beyond u64 */
	assert_int_equal(process_parse_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 99999999999999999999 2 7 8 20 0 4 0 4 1 2 3\n",
					    &st),
			 -1);
}

static const char limits_text[] =
	"Limit                     Soft Limit           Hard Limit           Units     \n"
	"Max cpu time              unlimited            unlimited            seconds   \n"
	"Max file size             unlimited            unlimited            bytes     \n"
	"Max open files            1024                 4096                 files     \n"
	"Max locked memory         8388608              8388608              bytes     \n";

static void test_limits(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(process_parse_max_fds(limits_text, &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(process_parse_max_fds("Max open files 1024 4096 files", &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(process_parse_max_fds("Limit Soft\nMax open files            unlimited            unlimited  files\n",
					       &v),
			 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(process_parse_max_fds("Max file size 1024 4096 bytes\n", &v), -1);
	assert_int_equal(process_parse_max_fds("Max open files lots 4096 files\n", &v), -1);
	assert_int_equal(process_parse_max_fds("Max open files 12a 4096 files\n", &v), -1);
	/* the name only counts at the start of a line */
	assert_int_equal(process_parse_max_fds("x Max open files 7 8 files\n", &v), -1);
	assert_int_equal(process_parse_max_fds("", &v), -1);
}

static void test_btime(void **state)
{
	/* an intr line long enough to matter, btime after it */
	size_t cap = 200000;
	char *text = malloc(cap);
	size_t used;
	uint64_t v = 0;

	(void)state;
	assert_non_null(text);
	used = (size_t)snprintf(text, cap, "cpu  1 2 3 4 5 6 7 0 0 0\ncpu0 1 2 3 4 5 6 7 0 0 0\nintr 123");
	while (used < cap - 1000)
		used += (size_t)snprintf(text + used, cap - used, " 0");
	snprintf(text + used, cap - used, "\nctxt 99\nbtime 1764000000\nprocesses 5\nprocs_running 1\n");
	assert_int_equal(process_parse_btime(text, &v), 0);
	assert_int_equal(v, 1764000000);
	free(text);

	assert_int_equal(process_parse_btime("btime 42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(process_parse_btime("ctxt 99\nbtime\n", &v), -1);
	assert_int_equal(process_parse_btime("ctxt 99\nbtime x\n", &v), -1);
	assert_int_equal(process_parse_btime("ctxt 99\nbtimes 5\n", &v), -1);
	assert_int_equal(process_parse_btime("cpu 1 btime 5\n", &v), -1);
}

/* The value of a sample line "name value" in an exposition; -1 if absent. */
static double sample_value(const char *text, const char *name)
{
	char key[128];
	const char *p;

	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(text, key);
	if (!p)
		return -1;
	return strtod(p + strlen(key), NULL);
}

static void test_render_live(void **state)
{
	struct expo_writer *w = expo_writer_new();
	struct rlimit rl;
	const char *text;
	size_t len;
	double start, now = (double)time(NULL);
	volatile double spin = 0;

	(void)state;
	assert_non_null(w);
	/* burn some CPU so the counter is above zero */
	for (long i = 0; i < 30000000; i++)
		spin += (double)i;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);

	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	process_metrics_render(w);
	expo_writer_end(w);
	assert_null(expo_writer_error(w));
	text = expo_writer_data(w, &len);

	assert_non_null(strstr(text, "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
				     "# TYPE process_cpu_seconds_total counter\n"));
	assert_non_null(strstr(text, "# TYPE process_resident_memory_bytes gauge\n"));
	assert_non_null(strstr(text, "# TYPE process_virtual_memory_bytes gauge\n"));
	assert_non_null(strstr(text, "# HELP process_open_fds Number of open file descriptors.\n"));
	assert_non_null(strstr(text, "# HELP process_max_fds Maximum number of open file descriptors.\n"));
	assert_non_null(strstr(text, "# HELP process_start_time_seconds Start time of the process since unix epoch "
				     "in seconds.\n"));

	assert_true(sample_value(text, "process_cpu_seconds_total") > 0);
	assert_true(sample_value(text, "process_cpu_seconds_total") < 3600);
	assert_true(sample_value(text, "process_resident_memory_bytes") > 100 * 1024);
	assert_true(sample_value(text, "process_virtual_memory_bytes") >=
		    sample_value(text, "process_resident_memory_bytes"));
	/* stdin, stdout, stderr at least; far below the limit */
	assert_true(sample_value(text, "process_open_fds") >= 3);
	assert_true(sample_value(text, "process_open_fds") < 100);
	assert_true(sample_value(text, "process_max_fds") == (double)rl.rlim_cur);
	start = sample_value(text, "process_start_time_seconds");
	assert_true(start <= now + 1);
	assert_true(start > now - 600);
	expo_writer_free(w);
}

/* Opening files moves the count by exactly that many. */
static void test_open_fds_follow(void **state)
{
	struct expo_writer *w = expo_writer_new();
	FILE *f[5];
	double before, after;

	(void)state;
	assert_non_null(w);
	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	process_metrics_render(w);
	before = sample_value(expo_writer_data(w, NULL), "process_open_fds");
	for (int i = 0; i < 5; i++)
		assert_non_null(f[i] = fopen("/proc/self/stat", "r"));
	expo_writer_begin(w, EXPO_FORMAT_TEXT_0_0_4);
	process_metrics_render(w);
	after = sample_value(expo_writer_data(w, NULL), "process_open_fds");
	for (int i = 0; i < 5; i++)
		fclose(f[i]);
	assert_true(after == before + 5);
	expo_writer_free(w);
}

/* OpenMetrics names the counter family without _total. */
static void test_render_openmetrics(void **state)
{
	struct expo_writer *w = expo_writer_new();
	const char *text;

	(void)state;
	assert_non_null(w);
	expo_writer_begin(w, EXPO_FORMAT_OPENMETRICS_1_0_0);
	process_metrics_render(w);
	expo_writer_end(w);
	assert_null(expo_writer_error(w));
	text = expo_writer_data(w, NULL);
	assert_non_null(strstr(text, "# TYPE process_cpu_seconds counter\n"));
	assert_non_null(strstr(text, "\nprocess_cpu_seconds_total "));
	assert_non_null(strstr(text, "# EOF\n"));
	expo_writer_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_plain),
		cmocka_unit_test(test_stat_comm_with_spaces_and_parens),
		cmocka_unit_test(test_stat_refused),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_btime),
		cmocka_unit_test(test_render_live),
		cmocka_unit_test(test_open_fds_follow),
		cmocka_unit_test(test_render_openmetrics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
