// SPDX-License-Identifier: Apache-2.0
/*
 * test_binary_watch.c: changes at a binary's path reach the watch (real
 * inotify in a temporary folder), including when its folder is created
 * after the watch began, and nothing arrives while nothing changes; and, as
 * the exporter uses it (watch, then look, then wait for an event), a file
 * whose folders another thread creates meanwhile is always found.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
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

#include "probes/binary_watch.h"

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

struct tree {
	char root[64];
};

/* As a package does, as fast as it can: three folders, then the file. */
static void *install_tree(void *arg)
{
	const struct tree *t = arg;
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/a", t->root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/a/b", t->root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/a/b/c", t->root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/a/b/c/dwcp-node", t->root);
	touch(p);
	return NULL;
}

/* A folder made between update()'s look for the deepest folder and its
 * watch would send nothing: update() looks again after each watch. Racy by
 * nature, so many rounds; a round that waits a second for an event that
 * never comes while the file is not yet seen fails. */
static void test_folders_created_while_watching_are_not_missed(void **state)
{
	char path[PATH_MAX], err[512];
	const char *paths[1] = { path };

	(void)state;
	for (int round = 0; round < 2000; round++) {
		struct tree t = { "/tmp/test_binary_watch.XXXXXX" };
		struct binary_watch w;
		pthread_t installer;
		bool found = false;

		assert_non_null(mkdtemp(t.root));
		snprintf(path, sizeof(path), "%s/a/b/c/dwcp-node", t.root);
		assert_int_equal(binary_watch_open(&w, err, sizeof(err)), 0);
		assert_int_equal(binary_watch_update(&w, paths, 1, err, sizeof(err)), 0);
		assert_int_equal(pthread_create(&installer, NULL, install_tree, &t), 0);
		for (;;) {
			assert_int_equal(binary_watch_update(&w, paths, 1, err, sizeof(err)), 0);
			if (access(path, F_OK) == 0) {
				found = true;
				break;
			}
			if (!readable(&w, 1000))
				break;
			assert_true(binary_watch_drain(&w) >= 0);
		}
		pthread_join(installer, NULL);
		binary_watch_close(&w);
		unlink(path);
		snprintf(path, sizeof(path), "%s/a/b/c", t.root);
		rmdir(path);
		snprintf(path, sizeof(path), "%s/a/b", t.root);
		rmdir(path);
		snprintf(path, sizeof(path), "%s/a", t.root);
		rmdir(path);
		rmdir(t.root);
		if (!found)
			fail_msg("round %d: the file appeared and no event said so", round);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_in_a_folder_created_later),
		cmocka_unit_test(test_folders_created_while_watching_are_not_missed),
	};

	return cmocka_run_group_tests_name("binary_watch", tests, NULL, NULL);
}
