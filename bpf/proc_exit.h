/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * proc_exit.h: what proc_exit.bpf.c tells the exporter, shared with it.
 *
 * One struct dwcp_exit per process (thread group) that exited, in the ring
 * buffer "exits". The ring buffer wakes its reader only once it holds
 * DWCP_EXIT_WAKEUP_BYTES: the exporter drains it before every scrape, so a
 * process exit costs the exporter nothing until then. Events that do not
 * fit are counted in "exits_lost"; the exporter then asks the kernel about
 * every process instead (kill(pid, 0)) for one pass.
 */
#ifndef DWCP_PROC_EXIT_H
#define DWCP_PROC_EXIT_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define DWCP_EXIT_RING_BYTES (256 * 1024)
#define DWCP_EXIT_WAKEUP_BYTES (DWCP_EXIT_RING_BYTES / 2)

struct dwcp_exit {
	__u32 tgid;
	__u32 pad;
	__u64 exit_ns; /* bpf_ktime_get_ns() at the exit */
};

#endif /* DWCP_PROC_EXIT_H */
