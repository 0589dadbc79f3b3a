// SPDX-License-Identifier: Apache-2.0
#include "web/systemd_sockets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

int systemd_sockets_take(int *fds, size_t max, char *err, size_t errlen)
{
	int n = sd_listen_fds(1);

	if (n < 0) {
		snprintf(err, errlen, "--web.systemd-socket: %s", strerror(-n));
		return -1;
	}
	if (n == 0) {
		snprintf(err, errlen,
			 "--web.systemd-socket: systemd passed no sockets (LISTEN_FDS unset, or for another process); "
			 "start the exporter from its .socket unit or systemd-socket-activate");
		return -1;
	}
	if ((size_t)n > max) {
		snprintf(err, errlen, "--web.systemd-socket: %d sockets passed, at most %zu", n, max);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;

		if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
			snprintf(err, errlen, "--web.systemd-socket: fd %d is not a listening stream socket", fd);
			return -1;
		}
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
			snprintf(err, errlen, "--web.systemd-socket: fd %d: %s", fd, strerror(errno));
			return -1;
		}
		fds[i] = fd;
	}
	return n;
}
