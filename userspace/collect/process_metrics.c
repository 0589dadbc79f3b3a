// SPDX-License-Identifier: Apache-2.0
/* process_* self-metrics: parsers of /proc text, then the I/O that feeds them. */
#include "collect/process_metrics.h"

#include <ctype.h>
#include <stddef.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- parsing ---- */

/* A decimal u64 at *p (after blanks); advances *p past it. */
static int take_u64(const char **p, uint64_t *out)
{
	const char *s = *p;
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -1;
	*p = end;
	return 0;
}

/* Skips one blank-separated token, whatever it holds (a state letter, a
 * negative nice value). */
static int skip_token(const char **p)
{
	const char *s = *p;

	while (*s == ' ')
		s++;
	if (*s == '\0' || *s == '\n')
		return -1;
	while (*s && *s != ' ' && *s != '\n')
		s++;
	*p = s;
	return 0;
}

int process_parse_stat(const char *text, struct process_stat *out)
{
	/* after the comm, fields are numbered from 3 (state) */
	static const struct {
		int field;
		size_t offset;
	} wanted[] = {
		{ 14, offsetof(struct process_stat, utime_ticks) },
		{ 15, offsetof(struct process_stat, stime_ticks) },
		{ 22, offsetof(struct process_stat, starttime_ticks) },
		{ 23, offsetof(struct process_stat, vsize_bytes) },
		{ 24, offsetof(struct process_stat, rss_pages) },
	};
	const char *p = strrchr(text, ')');
	int field = 3;

	if (!p || !strchr(text, '('))
		return -1;
	p++;
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		uint64_t v;

		for (; field < wanted[i].field; field++) {
			if (skip_token(&p) != 0)
				return -1;
		}
		if (take_u64(&p, &v) != 0 || (*p != ' ' && *p != '\n' && *p != '\0'))
			return -1;
		field++;
		memcpy((char *)out + wanted[i].offset, &v, sizeof(v));
	}
	return 0;
}

/* The line that starts with prefix, or NULL. */
static const char *find_line(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, prefix, n) == 0)
			return line + n;
	}
	return NULL;
}

int process_parse_max_fds(const char *limits_text, uint64_t *out)
{
	const char *p = find_line(limits_text, "Max open files ");

	if (!p)
		return -1;
	while (*p == ' ')
		p++;
	if (strncmp(p, "unlimited", 9) == 0 && (p[9] == ' ' || p[9] == '\n' || p[9] == '\0')) {
		*out = UINT64_MAX;
		return 0;
	}
	if (take_u64(&p, out) != 0 || (*p != ' ' && *p != '\n' && *p != '\0'))
		return -1;
	return 0;
}

int process_parse_btime(const char *proc_stat_text, uint64_t *out)
{
	const char *p = find_line(proc_stat_text, "btime ");

	if (!p || take_u64(&p, out) != 0 || (*p != '\n' && *p != '\0'))
		return -1;
	return 0;
}

/* ---- I/O ---- */

/* The whole of a small /proc file, NUL-terminated; -1 if unreadable or too big. */
static int read_small(const char *path, char *buf, size_t len)
{
	size_t used = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n = read(fd, buf + used, len - 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used == len - 1) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	buf[used] = '\0';
	return 0;
}

/* /proc/stat grows with the CPU count (the intr line alone can be long):
 * read it line by line and hand only the btime line to the parser. */
static int read_btime(uint64_t *out)
{
	FILE *f = fopen("/proc/stat", "re");
	char *line = NULL;
	size_t cap = 0;
	int err = -1;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "btime ", 6) == 0) {
			err = process_parse_btime(line, out);
			break;
		}
	}
	free(line);
	fclose(f);
	return err;
}

/* Open descriptors, not counting the one this count itself holds. */
static int count_open_fds(uint64_t *out)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	uint64_t n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			n++;
	}
	closedir(d);
	*out = n > 0 ? n - 1 : 0;
	return 0;
}

void process_metrics_render(struct expo_writer *w)
{
	char buf[4096];
	struct process_stat st;
	uint64_t v, btime;
	long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	bool have_stat = ticks > 0 && page > 0 && read_small("/proc/self/stat", buf, sizeof(buf)) == 0 &&
			 process_parse_stat(buf, &st) == 0;

	if (have_stat) {
		expo_family(w, "process_cpu_seconds_total", EXPO_COUNTER,
			    "Total user and system CPU time spent in seconds.");
		expo_sample(w, NULL, NULL, 0, (double)(st.utime_ticks + st.stime_ticks) / (double)ticks);
	}
	if (count_open_fds(&v) == 0) {
		expo_family(w, "process_open_fds", EXPO_GAUGE, "Number of open file descriptors.");
		expo_sample_u64(w, NULL, NULL, 0, v);
	}
	if (read_small("/proc/self/limits", buf, sizeof(buf)) == 0 && process_parse_max_fds(buf, &v) == 0) {
		expo_family(w, "process_max_fds", EXPO_GAUGE, "Maximum number of open file descriptors.");
		expo_sample_u64(w, NULL, NULL, 0, v);
	}
	if (have_stat) {
		expo_family(w, "process_virtual_memory_bytes", EXPO_GAUGE, "Virtual memory size in bytes.");
		expo_sample_u64(w, NULL, NULL, 0, st.vsize_bytes);
		expo_family(w, "process_resident_memory_bytes", EXPO_GAUGE, "Resident memory size in bytes.");
		expo_sample_u64(w, NULL, NULL, 0, st.rss_pages * (uint64_t)page);
		if (read_btime(&btime) == 0) {
			expo_family(w, "process_start_time_seconds", EXPO_GAUGE,
				    "Start time of the process since unix epoch in seconds.");
			expo_sample(w, NULL, NULL, 0, (double)btime + (double)st.starttime_ticks / (double)ticks);
		}
	}
}
