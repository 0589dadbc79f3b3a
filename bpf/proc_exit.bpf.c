// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * proc_exit.bpf.c: the exits of processes, for the exporter's reaper.
 *
 * Not a probe area: it attaches once, to the kernel's sched_process_exit
 * tracepoint, not to DWCP binaries. The last thread of a thread group to
 * exit finds signal->live at 0 (do_exit() decrements it before the
 * tracepoint); two threads exiting together may both see 0, which only
 * queues the tgid twice. Every exit on the host is queued (the exporter
 * tells DWCP processes apart when it reads its maps), about 100 ns each;
 * the stack stays far below the 64 bytes from which the JIT would give the
 * program a private per-CPU stack.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "proc_exit.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, DWCP_EXIT_RING_BYTES);
} exits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} exits_lost SEC(".maps");

SEC("tp_btf/sched_process_exit")
int BPF_PROG(dwcp_process_exit, struct task_struct *task)
{
	struct dwcp_exit e = { 0 };
	__u64 flags;
	__u32 zero = 0;
	__u64 *lost;

	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0; /* other threads of the process run on */
	e.tgid = BPF_CORE_READ(task, tgid);
	e.exit_ns = bpf_ktime_get_ns();
	flags = bpf_ringbuf_query(&exits, BPF_RB_AVAIL_DATA) >= DWCP_EXIT_WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP
										       : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&exits, &e, sizeof(e), flags) != 0) {
		lost = bpf_map_lookup_elem(&exits_lost, &zero);
		if (lost)
			__sync_fetch_and_add(lost, 1);
	}
	return 0;
}
