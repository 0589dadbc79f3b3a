/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fd_limit.h: the process's open files limit (RLIMIT_NOFILE): raised at
 * start, named when it is reached, and a reserve of descriptors that work
 * which can take them all (attaching probes) leaves for HTTP.
 *
 * What it offers
 *   - fd_limit_raise(): the soft limit up to the hard one, as the Go runtime
 *     does at start: the soft default (1,024) is for select(), which the
 *     exporter never uses, and 16 instrumented binaries need about 1,000.
 *   - fd_limit_hint(): for EMFILE or ENFILE, which limit was reached and
 *     how to raise it ("open files limit 160 (hard 160) reached: raise
 *     LimitNOFILE= or ulimit -n"); "" for other errors.
 *   - fd_errno_name(): "EMFILE" for EMFILE (a label value; "E<number>" for
 *     one glibc does not name).
 *   - fd_limit_headroom(): whether n more descriptors can be opened now
 *     (0), else the errno that says why (EMFILE, ENFILE).
 *   - fd_reserve_take() / fd_reserve_release(): hold n descriptors (of
 *     /dev/null) while attaching, so that the attach meets EMFILE with n
 *     still free for HTTP connections and scrapes, rather than leaving the
 *     process none: a server that cannot accept cannot say why.
 */
#ifndef DWCP_FD_LIMIT_H
#define DWCP_FD_LIMIT_H

#include <stddef.h>
#include <sys/resource.h>

/* Descriptors fd_reserve_take() holds back for HTTP while attaching:
 * a few connections, a scrape (it opens /proc files), /ready. */
#define FD_RESERVE 32

/* Raises the soft limit to the hard one; *before and *after as they were
 * and are. 0, or a negative errno (the limit is unchanged). */
int fd_limit_raise(struct rlimit *before, struct rlimit *after);

/* Into buf: what limit err (EMFILE, ENFILE) hit and how to raise it, or ""
 * for another error. Returns buf. */
const char *fd_limit_hint(int err, char *buf, size_t len);

/* The symbol of a positive errno, "EMFILE"; "E24" if glibc has no name. */
const char *fd_errno_name(int err, char *buf, size_t len);

/* 0 when n descriptors could be opened now (they are closed again), else
 * the positive errno of the one that could not. */
int fd_limit_headroom(int n);

struct fd_reserve {
	int fds[FD_RESERVE];
	int n;
};

/* Opens up to FD_RESERVE descriptors (fewer when fewer are free). */
void fd_reserve_take(struct fd_reserve *r);
void fd_reserve_release(struct fd_reserve *r);

#endif /* DWCP_FD_LIMIT_H */
