/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bpf_stats.h: what the exporter's own BPF programs cost, from the kernel's
 * run-time statistics (--bpf.stats).
 *
 * What it offers
 *   - bpf_stats_enable(): turns the statistics on for as long as the
 *     exporter runs (BPF_ENABLE_STATS: the kernel counts while the returned
 *     fd is open; needs CAP_SYS_ADMIN, so it runs before the drop).
 *   - bpf_stats_enabled(): whether they are counting: our fd is held, or
 *     the sysctl kernel.bpf_stats_enabled is 1. Another process's stats fd
 *     also makes them count, but nothing shows it.
 *   - bpf_stats_read(): a program's run count and run time (bpf_prog_info
 *     run_cnt, run_time_ns), which needs no capability.
 */
#ifndef DWCP_BPF_STATS_H
#define DWCP_BPF_STATS_H

#include <stdbool.h>
#include <stdint.h>

#define BPF_STATS_SYSCTL "/proc/sys/kernel/bpf_stats_enabled"

struct bpf_prog_stats {
	uint64_t run_cnt;
	uint64_t run_time_ns;
};

/* 0, or a negative errno (the statistics stay as they were). */
int bpf_stats_enable(void);
/* Closes the fd bpf_stats_enable() holds, if any. */
void bpf_stats_disable(void);
bool bpf_stats_enabled(void);

/* 0, or a negative errno. */
int bpf_stats_read(int prog_fd, struct bpf_prog_stats *out);

#endif /* DWCP_BPF_STATS_H */
