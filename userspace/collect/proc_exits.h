/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc_exits.h: the process exits the kernel queues for the exporter
 * (bpf/proc_exit.bpf.c), read into the reaper.
 *
 * What it offers
 *   - proc_exits_open(): a reader of the exit ring buffer.
 *   - proc_exits_drain(): every queued exit into a reaper (reaper_note_exit);
 *     when the kernel counted exits it could not queue, the reaper asks the
 *     kernel about every process in its next pass instead.
 *   - proc_exits_fd(): readable once the ring buffer is half full (it wakes
 *     its reader no sooner): the exporter drains then, with nobody scraping.
 *
 * The exits of every process on the host are queued; the reaper keeps only
 * what matches entries in the maps.
 */
#ifndef DWCP_PROC_EXITS_H
#define DWCP_PROC_EXITS_H

#include <stdint.h>

#include "collect/reaper.h"

struct ring_buffer;

struct proc_exits {
	struct ring_buffer *rb;
	int ring_fd, lost_fd;
	uint64_t lost_seen;
	struct reaper *into; /* during a drain */
};

/* 0, or a negative errno. */
int proc_exits_open(struct proc_exits *pe, int ring_fd, int lost_fd);
void proc_exits_close(struct proc_exits *pe);

/* Returns the exits read, or a negative errno. */
int proc_exits_drain(struct proc_exits *pe, struct reaper *r);

int proc_exits_fd(const struct proc_exits *pe);

#endif /* DWCP_PROC_EXITS_H */
