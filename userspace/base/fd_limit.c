// SPDX-License-Identifier: Apache-2.0
#include "base/fd_limit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int fd_limit_raise(struct rlimit *before, struct rlimit *after)
{
	if (getrlimit(RLIMIT_NOFILE, before) != 0)
		return -errno;
	*after = *before;
	if (before->rlim_cur == before->rlim_max)
		return 0;
	after->rlim_cur = before->rlim_max;
	if (setrlimit(RLIMIT_NOFILE, after) != 0) {
		int rc = -errno;

		*after = *before;
		return rc;
	}
	return 0;
}

static void limit_text(rlim_t v, char *buf, size_t len)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

const char *fd_limit_hint(int err, char *buf, size_t len)
{
	struct rlimit rl;
	char soft[24] = "?", hard[24] = "?";

	buf[0] = '\0';
	if (err == ENFILE) {
		snprintf(buf, len, "the system-wide open files limit (sysctl fs.file-max) is reached");
	} else if (err == EMFILE) {
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
			limit_text(rl.rlim_cur, soft, sizeof(soft));
			limit_text(rl.rlim_max, hard, sizeof(hard));
		}
		snprintf(buf, len,
			 "the process's open files limit (RLIMIT_NOFILE) %s (hard %s) is reached: raise LimitNOFILE= "
			 "in the systemd unit, or ulimit -n",
			 soft, hard);
	}
	return buf;
}

const char *fd_errno_name(int err, char *buf, size_t len)
{
	const char *name = strerrorname_np(err);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "E%d", err);
	return buf;
}

int fd_limit_headroom(int n)
{
	int fds[64], got, err = 0;

	if (n > 64)
		n = 64;
	for (got = 0; got < n; got++) {
		fds[got] = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
		if (fds[got] < 0) {
			/* stderr closed: any open descriptor will do */
			fds[got] = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (fds[got] < 0) {
				err = errno;
				break;
			}
		}
	}
	while (got > 0)
		close(fds[--got]);
	return err;
}

void fd_reserve_take(struct fd_reserve *r)
{
	r->n = 0;
	r->fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (r->fds[0] < 0)
		return;
	for (r->n = 1; r->n < FD_RESERVE; r->n++) {
		r->fds[r->n] = fcntl(r->fds[0], F_DUPFD_CLOEXEC, 0);
		if (r->fds[r->n] < 0)
			break;
	}
}

void fd_reserve_release(struct fd_reserve *r)
{
	for (int i = 0; i < r->n; i++)
		close(r->fds[i]);
	r->n = 0;
}
