// SPDX-License-Identifier: Apache-2.0
#include "collect/proc_exits.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

#include "collect/map_read.h"
#include "proc_exit.h"

static int on_exit_event(void *ctx, void *data, size_t size)
{
	struct proc_exits *pe = ctx;
	struct dwcp_exit e;

	if (size < sizeof(e))
		return 0;
	memcpy(&e, data, sizeof(e));
	reaper_note_exit(pe->into, e.tgid, e.exit_ns);
	return 0;
}

int proc_exits_open(struct proc_exits *pe, int ring_fd, int lost_fd)
{
	memset(pe, 0, sizeof(*pe));
	pe->ring_fd = ring_fd;
	pe->lost_fd = lost_fd;
	pe->rb = ring_buffer__new(ring_fd, on_exit_event, pe, NULL);
	if (!pe->rb)
		return errno ? -errno : -ENOMEM;
	return 0;
}

void proc_exits_close(struct proc_exits *pe)
{
	ring_buffer__free(pe->rb);
	pe->rb = NULL;
}

int proc_exits_drain(struct proc_exits *pe, struct reaper *r)
{
	uint64_t lost = 0;
	int n;

	pe->into = r;
	n = ring_buffer__consume(pe->rb);
	if (map_read_percpu_u64_array(pe->lost_fd, 1, &lost) == 0 && lost != pe->lost_seen) {
		pe->lost_seen = lost;
		reaper_ask_kernel(r);
	}
	return n;
}

int proc_exits_fd(const struct proc_exits *pe)
{
	return pe->ring_fd; /* polls readable while it holds data */
}
