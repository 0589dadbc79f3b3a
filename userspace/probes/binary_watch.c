// SPDX-License-Identifier: Apache-2.0
#include "probes/binary_watch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define FOLDER_EVENTS                                                                                      \
	(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | \
	 IN_MOVE_SELF)

int binary_watch_open(struct binary_watch *w, char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		snprintf(err, errlen, "inotify: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void binary_watch_close(struct binary_watch *w)
{
	if (w->fd > 0)
		close(w->fd);
	w->fd = -1;
}

int binary_watch_fd(const struct binary_watch *w)
{
	return w->fd;
}

/* The deepest existing folder on the way to path, in dir. */
static void existing_folder(const char *path, char *dir, size_t len)
{
	struct stat st;
	char *slash;

	snprintf(dir, len, "%s", path);
	for (;;) {
		slash = strrchr(dir, '/');
		if (!slash) {
			snprintf(dir, len, ".");
			return;
		}
		if (slash == dir) {
			dir[1] = '\0';
			return;
		}
		*slash = '\0';
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return;
	}
}

int binary_watch_update(struct binary_watch *w, const char *const *paths, size_t n, char *err, size_t errlen)
{
	char dir[PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		char watched[PATH_MAX] = "";

		/* A folder created below the one found, before its watch
		 * existed, sends that watch no event: look again after each
		 * watch until the deepest folder is one already watched. */
		for (existing_folder(paths[i], dir, sizeof(dir)); strcmp(dir, watched) != 0;
		     existing_folder(paths[i], dir, sizeof(dir))) {
			/* the same folder again returns its watch: no duplicates */
			if (inotify_add_watch(w->fd, dir, FOLDER_EVENTS) < 0) {
				snprintf(err, errlen, "watch folder %s of %s: %s", dir, paths[i], strerror(errno));
				return -1;
			}
			snprintf(watched, sizeof(watched), "%s", dir);
		}
	}
	return 0;
}

int binary_watch_drain(struct binary_watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int events = 0;

	for (;;) {
		ssize_t len = read(w->fd, buf, sizeof(buf));

		if (len < 0)
			return errno == EAGAIN ? events : -1;
		/* a folder gone loses its watch (IN_IGNORED): the caller's
		 * update() watches the folder above */
		for (char *p = buf; p < buf + len; p += sizeof(struct inotify_event) + ((struct inotify_event *)p)->len)
			events++;
	}
}
