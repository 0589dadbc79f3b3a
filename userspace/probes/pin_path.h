/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pin_path.h: makes --bpf.pin-path ready before the maps are pinned there.
 *
 * What it offers
 *   - pin_path_prepare(): checks that the pin path lies in bpffs and creates
 *     its missing folders there. On a fresh machine bpffs may not be mounted
 *     on /sys/fs/bpf: for a path under it, it is mounted first.
 *
 * A pin path outside bpffs is an error, never a silent run without pins:
 * the operator asked for counters that survive a restart, and an exporter
 * that quietly resets them on the next start would be serving a promise it
 * cannot keep. --no-bpf.pin is the way to run unpinned.
 */
#ifndef DWCP_PIN_PATH_H
#define DWCP_PIN_PATH_H

#include <stddef.h>

#define PIN_PATH_BPFFS_ROOT "/sys/fs/bpf"

/* Returns 0 when path is a folder in bpffs (created if it was missing),
 * -1 with err saying why not. */
int pin_path_prepare(const char *path, char *err, size_t errlen);

#endif /* DWCP_PIN_PATH_H */
