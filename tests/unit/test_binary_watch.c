/*
 * test_binary_watch.c: changes at a binary's path reach the watch (real
 * inotify in a temporary folder), including when its folder is created
 * after the watch began, and nothing arrives while nothing changes.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
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

#include "binary_watch.h"

static bool readable(const struct binary_watch *w, int timeout_ms)
{
	struct pollfd p = { .fd = binary_watch_fd(w), .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1;
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
}

static void test_changes_in_a_folder_created_later(void **state)
{
	char root[] = "/tmp/test_binary_watch.XXXXXX", dir[PATH_MAX], path[PATH_MAX], staged[PATH_MAX + 8];
	const char *paths[1] = { path };
	struct binary_watch w;
	char err[512];

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/opt", root);
	snprintf(path, sizeof(path), "%s/opt/dwcp-node", root);
	snprintf(staged, sizeof(staged), "%s.new", path);
	assert_int_equal(binary_watch_open(&w, err, sizeof(err)), 0);
	/* the folder does not exist: its parent is watched */
	assert_int_equal(binary_watch_update(&w, paths, 1, err, sizeof(err)), 0);
	assert_false(readable(&w, 50));

	assert_int_equal(mkdir(dir, 0755), 0);
	assert_true(readable(&w, 1000));
	assert_true(binary_watch_drain(&w) > 0);
	assert_int_equal(binary_watch_drain(&w), 0);
	/* now the folder itself */
	assert_int_equal(binary_watch_update(&w, paths, 1, err, sizeof(err)), 0);

	/* a package installs: written beside, renamed into place */
	touch(staged);
	assert_int_equal(rename(staged, path), 0);
	assert_true(readable(&w, 1000));
	assert_true(binary_watch_drain(&w) > 0);
	assert_false(readable(&w, 50));

	/* gone */
	assert_int_equal(unlink(path), 0);
	assert_true(readable(&w, 1000));
	assert_true(binary_watch_drain(&w) > 0);

	rmdir(dir);
	rmdir(root);
	binary_watch_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_in_a_folder_created_later),
	};

	return cmocka_run_group_tests_name("binary_watch", tests, NULL, NULL);
}
