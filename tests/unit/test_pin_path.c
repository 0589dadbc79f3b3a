// SPDX-License-Identifier: Apache-2.0
/*
 * test_pin_path.c: pin_path_prepare() on real file systems: a path in
 * bpffs whose folders do not exist yet is created; a path outside bpffs
 * (in /tmp) is refused with a message naming the folder, and nothing is
 * created there. The bpffs cases need root and /sys/fs/bpf; skipped otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "probes/pin_path.h"

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_missing_folders_in_bpffs_are_created(void **state)
{
	char top[128], path[256], err[512] = "";

	(void)state;
	if (geteuid() != 0 || !is_dir(PIN_PATH_BPFFS_ROOT))
		skip();
	snprintf(top, sizeof(top), PIN_PATH_BPFFS_ROOT "/dwcp-unit-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/a/b", top);
	assert_false(is_dir(top));
	assert_int_equal(pin_path_prepare(path, err, sizeof(err)), 0);
	assert_true(is_dir(path));
	/* again, now that it exists; and with a trailing slash */
	assert_int_equal(pin_path_prepare(path, err, sizeof(err)), 0);
	strcat(path, "/");
	assert_int_equal(pin_path_prepare(path, err, sizeof(err)), 0);
	path[strlen(path) - 1] = '\0';
	assert_int_equal(rmdir(path), 0);
	snprintf(path, sizeof(path), "%s/a", top);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(rmdir(top), 0);
}

static void test_path_outside_bpffs_is_refused(void **state)
{
	char top[] = "/tmp/dwcp-pin-XXXXXX", path[256], err[512] = "";

	(void)state;
	assert_non_null(mkdtemp(top));
	snprintf(path, sizeof(path), "%s/x/y", top);
	assert_int_equal(pin_path_prepare(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not in bpffs"));
	assert_non_null(strstr(err, top));
	assert_non_null(strstr(err, "--no-bpf.pin"));
	snprintf(path, sizeof(path), "%s/x", top);
	assert_false(is_dir(path));
	assert_int_equal(rmdir(top), 0);
}

static void test_file_in_the_way_is_refused(void **state)
{
	char file[] = "/tmp/dwcp-pin-file-XXXXXX", path[256], want[256], err[512] = "";
	int fd = mkstemp(file);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/pins", file);
	snprintf(want, sizeof(want), "%s is not a folder", file);
	assert_int_equal(pin_path_prepare(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, want));
	assert_int_equal(unlink(file), 0);
	assert_int_equal(pin_path_prepare("relative/pins", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an absolute path"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_folders_in_bpffs_are_created),
		cmocka_unit_test(test_path_outside_bpffs_is_refused),
		cmocka_unit_test(test_file_in_the_way_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
