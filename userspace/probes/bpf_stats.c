// SPDX-License-Identifier: Apache-2.0
#include "probes/bpf_stats.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int stats_fd = -1;

int bpf_stats_enable(void)
{
	int fd;

	if (stats_fd >= 0)
		return 0;
	fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (fd < 0)
		return -errno;
	stats_fd = fd;
	return 0;
}

void bpf_stats_disable(void)
{
	if (stats_fd >= 0)
		close(stats_fd);
	stats_fd = -1;
}

bool bpf_stats_enabled(void)
{
	FILE *f;
	int on = 0;

	if (stats_fd >= 0)
		return true;
	f = fopen(BPF_STATS_SYSCTL, "re");
	if (!f)
		return false;
	if (fscanf(f, "%d", &on) != 1)
		on = 0;
	fclose(f);
	return on != 0;
}

int bpf_stats_read(int prog_fd, struct bpf_prog_stats *out)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	memset(out, 0, sizeof(*out));
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0)
		return -errno;
	out->run_cnt = info.run_cnt;
	out->run_time_ns = info.run_time_ns;
	return 0;
}
