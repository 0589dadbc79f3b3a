/* SPDX-License-Identifier: Apache-2.0 */
/*
 * privileges.h: the capabilities the exporter needs to start, and dropping
 * the rest once its probes are attached (--capabilities.keep).
 *
 * What it offers
 *   - privileges_check(): root, or CAP_BPF + CAP_PERFMON + CAP_SYS_ADMIN
 *     effective; else an error naming the missing capability.
 *   - privileges_drop(): reduces the permitted, effective and inheritable
 *     sets to what the mode keeps, clears the ambient set, shrinks the
 *     bounding set when CAP_SETPCAP allows it and sets no_new_privs (so no
 *     exec can regain anything either way). Says what it kept.
 *
 * Capabilities belong to threads: privileges_drop() changes the calling
 * thread only, so it must run before any other thread exists (main starts
 * the HTTP server after it; every thread created later inherits the drop).
 */
#ifndef DWCP_PRIVILEGES_H
#define DWCP_PRIVILEGES_H

#include <stddef.h>

#include "config/options.h"

int privileges_check(char *err, size_t errlen);

/*
 * keep: what to keep (see options.h). paths: the binaries as they are
 * opened (with --pid, through /proc/PID/root): in attach mode
 * CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE are kept only if opening one of
 * them needs it, tried with each left out. kept gets the kept set as
 * "cap_a,cap_b" ("" for none). 0, or -1 with err filled (nothing dropped).
 */
int privileges_drop(enum capability_keep keep, const char *const *paths, size_t n_paths, char *kept,
		    size_t keptlen, char *err, size_t errlen);

#endif /* DWCP_PRIVILEGES_H */
