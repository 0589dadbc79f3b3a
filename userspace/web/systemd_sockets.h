/* SPDX-License-Identifier: Apache-2.0 */
/*
 * systemd_sockets.h: the listening sockets systemd passes a socket-activated
 * service (sd_listen_fds(3): LISTEN_PID, LISTEN_FDS, fds from 3), for
 * --web.systemd-socket, as exporter-toolkit's flag of that name does.
 *
 * What it offers
 *   - systemd_sockets_take(): the passed fds, each checked to be a
 *     listening stream socket, made non-blocking and close-on-exec; the
 *     LISTEN_* variables are unset so that no child inherits them.
 * Returns how many, or -1 with err (none passed, too many, not a listening
 * TCP socket).
 */
#ifndef DWCP_SYSTEMD_SOCKETS_H
#define DWCP_SYSTEMD_SOCKETS_H

#include <stddef.h>

int systemd_sockets_take(int *fds, size_t max, char *err, size_t errlen);

#endif /* DWCP_SYSTEMD_SOCKETS_H */
