// SPDX-License-Identifier: Apache-2.0
/*
 * test_reaper.c: the reaper's verdicts: exits the kernel reported, a tgid
 * reused by a later process, the kernel asked when exits may be missing,
 * grace periods and the time of the next expiry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "collect/reaper.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct dwcp_proc_label_key key_of(uint32_t tgid)
{
	struct dwcp_proc_label_key k;

	memset(&k, 0, sizeof(k));
	k.tgid = tgid;
	strcpy(k.label, "x");
	return k;
}

/* A pid that is certainly dead: a child that exited and was reaped. */
static uint32_t dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return (uint32_t)p;
}

static void test_reported_exit_deletes_what_the_process_wrote(void **state)
{
	struct reaper r;
	struct dwcp_proc_label_key k = key_of((uint32_t)getpid());
	struct dwcp_level before = { .value = 1, .updated_ns = 100 }, after = { .value = 1, .updated_ns = 300 };
	struct dwcp_op op = { .start_ns = 50 };

	(void)state;
	reaper_init(&r);
	reaper_begin(&r, 0);
	reaper_end(&r, true); /* the first pass asked the kernel; now exits decide */
	assert_int_equal(reaper_verdict(&r, DWCP_MAP_HEALTH, &k, &before), MAP_KEEP);

	/* our own pid is alive: only the reported exit can delete */
	reaper_note_exit(&r, k.tgid, 200);
	reaper_note_exit(&r, k.tgid, 150); /* the same tgid twice: the later counts */
	reaper_begin(&r, 0);
	assert_int_equal(reaper_verdict(&r, DWCP_MAP_HEALTH, &k, &before), MAP_DELETE_COUNTED);
	assert_int_equal(reaper_verdict(&r, DWCP_MAP_OPS_INFLIGHT, &k, &op), MAP_DELETE_COUNTED);
	/* written after the exit: a later process with the same tgid */
	assert_int_equal(reaper_verdict(&r, DWCP_MAP_HEALTH, &k, &after), MAP_KEEP);
	reaper_end(&r, false);
	/* an incomplete pass keeps the exits for the next */
	reaper_begin(&r, 0);
	assert_int_equal(reaper_verdict(&r, DWCP_MAP_HEALTH, &k, &before), MAP_DELETE_COUNTED);
	reaper_end(&r, true);
	reaper_begin(&r, 0);
	assert_int_equal(reaper_verdict(&r, DWCP_MAP_HEALTH, &k, &before), MAP_KEEP);
	reaper_free(&r);
}

static void test_kernel_asked_on_the_first_pass_and_when_told(void **state)
{
	struct reaper r;
	struct dwcp_proc_label_key dead = key_of(dead_pid()), alive = key_of((uint32_t)getpid());
	struct dwcp_level level = { .value = 1, .updated_ns = 1 };

	(void)state;
	reaper_init(&r);
	reaper_begin(&r, 0);
	assert_int_equal(reaper_verdict(&r, DWCP_MAP_FEATURES, &dead, &level), MAP_DELETE_COUNTED);
	assert_int_equal(reaper_verdict(&r, DWCP_MAP_FEATURES, &alive, &level), MAP_KEEP);
	reaper_end(&r, true);
	/* no exit reported: kept without asking */
	reaper_begin(&r, 0);
	assert_int_equal(reaper_verdict(&r, DWCP_MAP_FEATURES, &dead, &level), MAP_KEEP);
	reaper_end(&r, true);
	/* exits were lost: asked again, for one complete pass */
	reaper_ask_kernel(&r);
	reaper_begin(&r, 0);
	assert_int_equal(reaper_verdict(&r, DWCP_MAP_FEATURES, &dead, &level), MAP_DELETE_COUNTED);
	reaper_end(&r, true);
	reaper_begin(&r, 0);
	assert_int_equal(reaper_verdict(&r, DWCP_MAP_FEATURES, &dead, &level), MAP_KEEP);
	reaper_free(&r);
}

static void test_streams_keep_their_grace(void **state)
{
	struct reaper r;
	struct dwcp_proc_label_key k = key_of((uint32_t)getpid());
	uint64_t now = now_ns(), grace = 10ull * 1000000000ull;
	struct dwcp_stream active = { .start_ns = now - 5 }, ended_recently = { .start_ns = 1, .end_ns = now - 1000 },
			   ended_long_ago = { .start_ns = 1, .end_ns = now - grace - 1000 },
			   ended_later = { .start_ns = 1, .end_ns = now - 500 };

	(void)state;
	reaper_init(&r);
	reaper_begin(&r, 0);
	reaper_end(&r, true);
	reaper_note_exit(&r, k.tgid, now - 2); /* the process exited after all of it */
	reaper_begin(&r, grace);
	assert_int_equal(reaper_next_expiry_ns(&r), 0);
	assert_int_equal(reaper_verdict(&r, DWCP_MAP_STREAMS, &k, &active), MAP_DELETE_COUNTED);
	/* ended: its grace holds even though its process is gone */
	assert_int_equal(reaper_verdict(&r, DWCP_MAP_STREAMS, &k, &ended_later), MAP_KEEP);
	assert_int_equal(reaper_verdict(&r, DWCP_MAP_STREAMS, &k, &ended_recently), MAP_KEEP);
	assert_int_equal(reaper_verdict(&r, DWCP_MAP_STREAMS, &k, &ended_long_ago), MAP_DELETE);
	/* the first kept stream to leave its grace */
	assert_int_equal(reaper_next_expiry_ns(&r), ended_recently.end_ns + grace);
	reaper_end(&r, true);
	reaper_free(&r);
}

static void test_abandoned_kinds(void **state)
{
	(void)state;
	assert_int_equal(reaper_abandoned_kind(DWCP_MAP_STREAMS), ABANDONED_STREAM);
	assert_int_equal(reaper_abandoned_kind(DWCP_MAP_OPS_INFLIGHT), ABANDONED_OP);
	assert_int_equal(reaper_abandoned_kind(DWCP_MAP_MIGRATIONS_INFLIGHT), ABANDONED_MIGRATION);
	assert_int_equal(reaper_abandoned_kind(DWCP_MAP_HEALTH), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reported_exit_deletes_what_the_process_wrote),
		cmocka_unit_test(test_kernel_asked_on_the_first_pass_and_when_told),
		cmocka_unit_test(test_streams_keep_their_grace),
		cmocka_unit_test(test_abandoned_kinds),
	};

	return cmocka_run_group_tests_name("reaper", tests, NULL, NULL);
}
