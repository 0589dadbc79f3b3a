// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* empty.bpf.c: a program for the stream_data probe that does nothing, not
 * even read its arguments, so probe_cost can measure what a uprobe hit
 * running a BPF program costs on this kernel: the floor every tracer pays.
 * (Until issue 15 it read its three arguments with libbpf's BPF_USDT, which
 * put about 45 ns of argument reading into the floor.) */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h> /* the spec maps libbpf's USDT attach needs, unread */

SEC("usdt")
int stream_data(struct pt_regs *ctx)
{
	(void)ctx;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
