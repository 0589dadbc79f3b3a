// SPDX-License-Identifier: GPL-2.0
/* empty.bpf.c: an empty program for the stream_data probe, so probe_cost can
 * measure what a uprobe hit costs on this kernel before any aggregation. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>

SEC("usdt")
int BPF_USDT(stream_data, const char *stream_id, __u64 bytes_sent, __u64 bytes_received)
{
	(void)stream_id;
	(void)bytes_sent;
	(void)bytes_received;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
