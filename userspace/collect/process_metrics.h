/* SPDX-License-Identifier: Apache-2.0 */
/*
 * process_metrics.h: the standard process_* families of the running process,
 * named and described as the Prometheus Go client does, so dashboards and
 * alerts written for any exporter work on this one.
 *
 * What it offers
 *   - process_metrics_render(): reads /proc/self and renders
 *     process_cpu_seconds_total, process_resident_memory_bytes,
 *     process_virtual_memory_bytes, process_open_fds, process_max_fds and
 *     process_start_time_seconds into a writer. A family whose source cannot
 *     be read is left out (as the Go client does) rather than failing the
 *     scrape.
 *   - The parsers behind it, pure functions of the files' text, so they are
 *     tested without /proc: process_parse_stat() (/proc/self/stat),
 *     process_parse_max_fds() (/proc/self/limits), process_parse_btime()
 *     (/proc/stat). Each returns 0, or -1 when the text is not what the
 *     kernel writes.
 */
#ifndef DWCP_PROCESS_METRICS_H
#define DWCP_PROCESS_METRICS_H

#include <stdint.h>

#include "exposition/exposition.h"

/* The fields of /proc/PID/stat we use, in the kernel's units. */
struct process_stat {
	uint64_t utime_ticks;	  /* field 14, clock ticks */
	uint64_t stime_ticks;	  /* field 15 */
	uint64_t starttime_ticks; /* field 22, ticks after boot */
	uint64_t vsize_bytes;	  /* field 23 */
	uint64_t rss_pages;	  /* field 24 */
};

/* The comm field may hold spaces and ')': parsing starts after the LAST ')'. */
int process_parse_stat(const char *text, struct process_stat *out);

/* The soft "Max open files" limit; "unlimited" gives UINT64_MAX. */
int process_parse_max_fds(const char *limits_text, uint64_t *out);

/* The "btime" line of /proc/stat: boot time, seconds since the epoch. */
int process_parse_btime(const char *proc_stat_text, uint64_t *out);

void process_metrics_render(struct expo_writer *w);

#endif /* DWCP_PROCESS_METRICS_H */
