// SPDX-License-Identifier: Apache-2.0
/* Pin path preparation: bpffs check, mount on /sys/fs/bpf, mkdir -p. */
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "base/log.h"
#include "probes/pin_path.h"

static bool in_bpffs(const char *path)
{
	struct statfs fs;

	return statfs(path, &fs) == 0 && fs.f_type == BPF_FS_MAGIC;
}

static bool under(const char *path, const char *root)
{
	size_t n = strlen(root);

	return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Fresh machines may not mount bpffs on /sys/fs/bpf; we hold CAP_SYS_ADMIN. */
static int mount_bpffs_root(char *err, size_t errlen)
{
	if (in_bpffs(PIN_PATH_BPFFS_ROOT))
		return 0;
	if (mount("bpf", PIN_PATH_BPFFS_ROOT, "bpf", 0, NULL) != 0) {
		snprintf(err, errlen, "mount bpffs on %s for the pin path: %s (or run with --no-bpf.pin)",
			 PIN_PATH_BPFFS_ROOT, strerror(errno));
		return -1;
	}
	log_event(LOG_INFO, "mounted bpffs", "path", PIN_PATH_BPFFS_ROOT, NULL);
	return 0;
}

int pin_path_prepare(const char *path, char *err, size_t errlen)
{
	char existing[PATH_MAX];
	struct stat st;
	size_t len = strlen(path);
	char *slash;

	if (path[0] != '/' || len >= sizeof(existing)) {
		snprintf(err, errlen, "--bpf.pin-path %.200s: not an absolute path", path);
		return -1;
	}
	if (under(path, PIN_PATH_BPFFS_ROOT) && mount_bpffs_root(err, errlen) != 0)
		return -1;

	/* the nearest folder of the path that exists decides the file system */
	memcpy(existing, path, len + 1);
	while (stat(existing, &st) != 0) {
		if (errno != ENOENT && errno != ENOTDIR) {
			snprintf(err, errlen, "--bpf.pin-path %.200s: %.200s: %s", path, existing, strerror(errno));
			return -1;
		}
		slash = strrchr(existing, '/');
		if (slash == existing) {
			existing[1] = '\0';
			continue;
		}
		*slash = '\0';
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--bpf.pin-path %.200s: %.200s is not a folder", path, existing);
		return -1;
	}
	if (!in_bpffs(existing)) {
		snprintf(err, errlen,
			 "--bpf.pin-path %.200s: %.200s is not in bpffs, so maps cannot be pinned there "
			 "(use a path under %s, mount bpffs with `mount -t bpf bpf DIR`, or run with --no-bpf.pin)",
			 path, existing, PIN_PATH_BPFFS_ROOT);
		return -1;
	}

	/* create what is missing below it, one folder at a time */
	for (size_t end = strlen(existing) + 1; end <= len; end++) {
		if (path[end] != '/' && path[end] != '\0')
			continue;
		memcpy(existing, path, end);
		existing[end] = '\0';
		if (mkdir(existing, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "--bpf.pin-path %.200s: create %.200s: %s", path, existing,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}
