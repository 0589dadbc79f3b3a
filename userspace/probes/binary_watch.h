/* SPDX-License-Identifier: Apache-2.0 */
/*
 * binary_watch.h: tells when something changed at the paths of the
 * --binary files, with inotify on their folders, so that the exporter
 * follows a binary that appears or is replaced without looking every
 * second.
 *
 * What it offers
 *   - binary_watch_open(), binary_watch_close().
 *   - binary_watch_update(): a watch on the folder of every path, or on the
 *     deepest folder of it that exists now (a package may create the rest):
 *     call it again after each change, and folders created meanwhile get
 *     their watch. Paths through /proc/PID/root watch that process's view.
 *   - binary_watch_fd(): readable when a change arrived.
 *   - binary_watch_drain(): reads what arrived; returns how many events
 *     (0: none), and the caller then looks at each path again.
 *
 * What is watched in a folder: files created, moved in or out, deleted,
 * written and closed, attributes changed; and the folder itself moved or
 * deleted. Nothing is interpreted here: a change means "look again".
 */
#ifndef DWCP_BINARY_WATCH_H
#define DWCP_BINARY_WATCH_H

#include <stddef.h>

struct binary_watch {
	int fd;
};

/* 0, or -1 with err. */
int binary_watch_open(struct binary_watch *w, char *err, size_t errlen);
void binary_watch_close(struct binary_watch *w);

/* 0, or -1 with err naming the folder that could not be watched. */
int binary_watch_update(struct binary_watch *w, const char *const *paths, size_t n, char *err, size_t errlen);

int binary_watch_fd(const struct binary_watch *w);

/* Events read (all that were queued), 0 if none, -1 on an error. */
int binary_watch_drain(struct binary_watch *w);

#endif /* DWCP_BINARY_WATCH_H */
