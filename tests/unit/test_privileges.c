// SPDX-License-Identifier: Apache-2.0
/*
 * test_privileges.c: privileges_drop() on this very process, in a forked
 * child each time (a drop cannot be undone): what each --capabilities.keep
 * mode leaves in the permitted, effective, inheritable, ambient and bounding
 * sets, and that CAP_DAC_READ_SEARCH stays only for a binary that needs it.
 * Needs root (every capability to start from); skipped otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "probes/privileges.h"

static bool has(cap_value_t c, cap_flag_t flag)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	cap_get_flag(caps, c, flag, &v);
	cap_free(caps);
	return v == CAP_SET;
}

/* Exit codes of the child: 0 fine, else the number of the failed check. */
static int check_none(void)
{
	char kept[1024], err[256];
	const char *paths[] = { "/bin/sh" };

	if (privileges_drop(CAPS_KEEP_NONE, paths, 1, kept, sizeof(kept), err, sizeof(err)) != 0)
		return 1;
	if (strcmp(kept, "") != 0)
		return 2;
	for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++) {
		if (has(c, CAP_PERMITTED) || has(c, CAP_EFFECTIVE) || has(c, CAP_INHERITABLE))
			return 3;
		if (cap_get_bound(c) != 0 || cap_get_ambient(c) > 0)
			return 4;
	}
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 5;
}

static int check_attach(const char *path, const char *want_kept)
{
	char kept[1024], err[256];
	const char *paths[] = { path };

	if (privileges_drop(CAPS_KEEP_ATTACH, paths, 1, kept, sizeof(kept), err, sizeof(err)) != 0)
		return 1;
	if (strcmp(kept, want_kept) != 0) {
		fprintf(stderr, "kept %s, want %s\n", kept, want_kept);
		return 2;
	}
	if (!has(CAP_SYS_ADMIN, CAP_EFFECTIVE) || !has(CAP_SYS_ADMIN, CAP_PERMITTED) || cap_get_bound(CAP_SYS_ADMIN) != 1)
		return 3;
	if (has(CAP_BPF, CAP_PERMITTED) || has(CAP_PERFMON, CAP_PERMITTED) || cap_get_bound(CAP_BPF) != 0 ||
	    has(CAP_SYS_ADMIN, CAP_INHERITABLE) || has(CAP_SETPCAP, CAP_PERMITTED) || cap_get_bound(CAP_SETPCAP) != 0)
		return 4;
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 5;
}

static int check_all(void)
{
	char kept[1024], err[256];
	const char *paths[] = { "/bin/sh" };
	bool before = has(CAP_SETPCAP, CAP_PERMITTED);

	if (privileges_drop(CAPS_KEEP_ALL, paths, 1, kept, sizeof(kept), err, sizeof(err)) != 0)
		return 1;
	if (!strstr(kept, "cap_sys_admin") || !strstr(kept, "cap_bpf") || has(CAP_SETPCAP, CAP_PERMITTED) != before)
		return 2;
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0 ? 0 : 3;
}

static int in_child(int (*fn)(const void *), const void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int run_none(const void *arg)
{
	(void)arg;
	return check_none();
}

static int run_all(const void *arg)
{
	(void)arg;
	return check_all();
}

static int run_attach_readable(const void *arg)
{
	(void)arg;
	return check_attach("/bin/sh", "cap_sys_admin");
}

static int run_attach_unreadable(const void *path)
{
	return check_attach(path, "cap_dac_read_search,cap_sys_admin");
}

static void test_none_drops_everything(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(in_child(run_none, NULL), 0);
}

static void test_all_keeps_everything(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(in_child(run_all, NULL), 0);
}

static void test_attach_keeps_sys_admin(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(in_child(run_attach_readable, NULL), 0);
}

/* A binary root can read only through CAP_DAC_*: owned by another uid, 0700. */
static void test_attach_keeps_dac_read_search_for_an_unreadable_binary(void **state)
{
	char path[] = "/tmp/dwcp-privileges-XXXXXX";
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(chmod(path, 0700), 0);
	assert_int_equal(in_child(run_attach_unreadable, path), 0);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none_drops_everything),
		cmocka_unit_test(test_all_keeps_everything),
		cmocka_unit_test(test_attach_keeps_sys_admin),
		cmocka_unit_test(test_attach_keeps_dac_read_search_for_an_unreadable_binary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
