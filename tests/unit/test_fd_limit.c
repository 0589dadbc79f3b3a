// SPDX-License-Identifier: Apache-2.0
/*
 * test_fd_limit.c: base/fd_limit.c and web/accept_errors.c on this
 * process's real RLIMIT_NOFILE: the soft limit raised to the hard one; the
 * hint naming both for EMFILE; the reserve and the headroom check meeting a
 * lowered limit with the errno EMFILE; libmicrohttpd's accept failure
 * messages counted by errno, other messages left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/fd_limit.h"
#include "base/log.h"
#include "web/accept_errors.h"

static struct rlimit saved;

static int save_limit(void **state)
{
	(void)state;
	return getrlimit(RLIMIT_NOFILE, &saved);
}

static int restore_limit(void **state)
{
	(void)state;
	return setrlimit(RLIMIT_NOFILE, &saved);
}

static void test_raise_to_hard(void **state)
{
	struct rlimit low = { 100, saved.rlim_max }, before, after, now;

	(void)state;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_int_equal(fd_limit_raise(&before, &after), 0);
	assert_int_equal(before.rlim_cur, 100);
	assert_int_equal(after.rlim_cur, saved.rlim_max);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);
	assert_int_equal(now.rlim_cur, saved.rlim_max);
}

static void test_hint_names_the_limit(void **state)
{
	/* the hard limit is never lowered: raising it back may need privilege */
	struct rlimit low = { 100, saved.rlim_max };
	char hint[256], want[256];

	(void)state;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	snprintf(want, sizeof(want),
		 "the process's open files limit (RLIMIT_NOFILE) 100 (hard %llu) is reached: raise LimitNOFILE= in "
		 "the systemd unit, or ulimit -n",
		 (unsigned long long)saved.rlim_max);
	assert_string_equal(fd_limit_hint(EMFILE, hint, sizeof(hint)), want);
	assert_non_null(strstr(fd_limit_hint(ENFILE, hint, sizeof(hint)), "fs.file-max"));
	assert_string_equal(fd_limit_hint(EINVAL, hint, sizeof(hint)), "");
}

static void test_errno_names(void **state)
{
	char name[32];

	(void)state;
	assert_string_equal(fd_errno_name(EMFILE, name, sizeof(name)), "EMFILE");
	assert_string_equal(fd_errno_name(EPERM, name, sizeof(name)), "EPERM");
	assert_string_equal(fd_errno_name(4000, name, sizeof(name)), "E4000");
}

/* With the limit 10 above the descriptors open (holes below the highest
 * filled first), the reserve takes those 10 and the headroom check then
 * says EMFILE; released, they are free again. */
static void test_reserve_and_headroom_at_the_limit(void **state)
{
	static int fillers[1024];
	int n_fillers = 0, highest = -1;
	struct rlimit low;
	struct fd_reserve r;

	(void)state;
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			highest = fd;
	for (;;) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		assert_true(fd >= 0);
		if (fd > highest) {
			close(fd);
			break;
		}
		fillers[n_fillers++] = fd;
	}
	low = (struct rlimit){ (rlim_t)highest + 11, saved.rlim_max };
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_int_equal(fd_limit_headroom(10), 0);
	assert_int_equal(fd_limit_headroom(11), EMFILE);
	fd_reserve_take(&r);
	assert_int_equal(r.n, 10);
	assert_int_equal(fd_limit_headroom(1), EMFILE);
	fd_reserve_release(&r);
	assert_int_equal(r.n, 0);
	assert_int_equal(fd_limit_headroom(10), 0);
	while (n_fillers > 0)
		close(fillers[--n_fillers]);
}

static void test_accept_messages_counted_by_errno(void **state)
{
	struct accept_errors a;
	uint64_t n[ACCEPT_ERRNO_COUNT];
	char msg[128];

	(void)state;
	accept_errors_init(&a);
	snprintf(msg, sizeof(msg), "Error accepting connection: %s", strerror(EMFILE));
	assert_true(accept_errors_seen(&a, "127.0.0.1:1", msg));
	assert_true(accept_errors_seen(&a, "127.0.0.1:1", msg));
	snprintf(msg, sizeof(msg), "Error accepting connection: %s", strerror(ENFILE));
	assert_true(accept_errors_seen(&a, "127.0.0.1:1", msg));
	snprintf(msg, sizeof(msg), "Error accepting connection: %s", strerror(EPIPE));
	assert_true(accept_errors_seen(&a, "127.0.0.1:1", msg));
	assert_false(accept_errors_seen(&a, "127.0.0.1:1", "Hit process or system resource limit at FIRST connection."));
	assert_false(accept_errors_seen(&a, "127.0.0.1:1", "Error processing request data"));
	accept_errors_read(&a, n);
	assert_int_equal(accept_errnos[0], EMFILE);
	assert_int_equal(n[0], 2);
	assert_int_equal(accept_errnos[1], ENFILE);
	assert_int_equal(n[1], 1);
	assert_int_equal(n[2] + n[3], 0);
	assert_int_equal(accept_errnos[4], 0);
	assert_int_equal(n[4], 1);
	accept_errors_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_raise_to_hard, save_limit, restore_limit),
		cmocka_unit_test_setup_teardown(test_hint_names_the_limit, save_limit, restore_limit),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test_setup_teardown(test_reserve_and_headroom_at_the_limit, save_limit, restore_limit),
		cmocka_unit_test(test_accept_messages_counted_by_errno),
	};

	log_configure(LOG_ERROR, LOG_FORMAT_LOGFMT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
