// SPDX-License-Identifier: Apache-2.0
#include "probes/privileges.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#define BIT(c) (1ull << (c))

/* Root, or the capabilities BPF and uprobe attach need: CAP_BPF to load,
 * CAP_PERFMON for perf events, and CAP_SYS_ADMIN because kernels since 2025
 * require it for every uprobe (tests/integration/test_capabilities.py). */
int privileges_check(char *err, size_t errlen)
{
	static const cap_value_t needed[] = { CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN };
	cap_t caps;

	if (geteuid() == 0)
		return 0;
	caps = cap_get_proc();
	if (!caps) {
		snprintf(err, errlen, "cannot read own capabilities: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(caps, needed[i], CAP_EFFECTIVE, &v) != 0 || v != CAP_SET) {
			snprintf(err, errlen,
				 "not root and %s is not effective: run as root or with CAP_BPF, CAP_PERFMON and "
				 "CAP_SYS_ADMIN (uprobes need CAP_SYS_ADMIN)",
				 cap_to_name(needed[i]));
			cap_free(caps);
			return -1;
		}
	}
	cap_free(caps);
	return 0;
}

/*
 * What following a replaced binary needs after the drop, found by experiment
 * on kernel 6.18 (see README "Least privilege"): bpf_program__attach_usdt
 * creates a uprobe perf event per probe, which needs CAP_SYS_ADMIN (and
 * perfmon_capable(), which CAP_SYS_ADMIN satisfies); attaching the loaded
 * program to it and updating the USDT spec maps go through fds we hold and
 * need nothing, and neither do scrapes (map reads, program info by fd) nor
 * the reaper (kill(pid, 0), EPERM counts as alive).
 */
#define ATTACH_MASK BIT(CAP_SYS_ADMIN)

static uint64_t cap_mask(cap_t caps, cap_flag_t flag)
{
	uint64_t m = 0;

	for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits() && c < 64; c++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(caps, c, flag, &v) == 0 && v == CAP_SET)
			m |= BIT(c);
	}
	return m;
}

/* Sets the calling thread's permitted and effective sets; inheritable empty. */
static int set_caps(uint64_t permitted, uint64_t effective)
{
	cap_t caps = cap_init();
	int rc = -1;

	if (!caps)
		return -1;
	for (cap_value_t c = 0; c < 64; c++) {
		if (permitted & BIT(c) && cap_set_flag(caps, CAP_PERMITTED, 1, &c, CAP_SET) != 0)
			goto out;
		if (effective & BIT(c) && cap_set_flag(caps, CAP_EFFECTIVE, 1, &c, CAP_SET) != 0)
			goto out;
	}
	rc = cap_set_proc(caps);
out:
	cap_free(caps);
	return rc;
}

/* Whether every path opens for reading, as libbpf opens an ELF to attach;
 * a path that is gone does not count against it. */
static bool paths_open(const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			close(fd);
		else if (errno == EACCES || errno == EPERM)
			return false;
	}
	return true;
}

static void format_mask(uint64_t m, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (cap_value_t c = 0; c < 64; c++) {
		char *name;

		if (!(m & BIT(c)))
			continue;
		name = cap_to_name(c);
		if (!name)
			continue;
		used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s%s", used ? "," : "", name);
		cap_free(name);
	}
}

int privileges_drop(enum capability_keep keep, const char *const *paths, size_t n_paths, char *kept,
		    size_t keptlen, char *err, size_t errlen)
{
	/* tried in this order, each only when held: the first that opens
	 * every binary is kept */
	static const uint64_t open_options[] = {
		0,
		BIT(CAP_DAC_READ_SEARCH),
		BIT(CAP_SYS_PTRACE),
		BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_SYS_PTRACE),
	};
	cap_t caps = cap_get_proc();
	uint64_t have, effective, want = 0;

	if (!caps) {
		snprintf(err, errlen, "cannot read own capabilities: %s", strerror(errno));
		return -1;
	}
	have = cap_mask(caps, CAP_PERMITTED);
	effective = cap_mask(caps, CAP_EFFECTIVE);
	cap_free(caps);

	if (keep == CAPS_KEEP_ALL) {
		format_mask(have, kept, keptlen);
		return 0;
	}
	if (keep == CAPS_KEEP_ATTACH) {
		bool found = false;

		want = ATTACH_MASK & have;
		for (size_t i = 0; i < sizeof(open_options) / sizeof(open_options[0]) && !found; i++) {
			if ((open_options[i] & have) != open_options[i])
				continue;
			if (set_caps(have, (want | open_options[i]) & effective) != 0)
				break;
			if (paths_open(paths, n_paths)) {
				want |= open_options[i];
				found = true;
			}
		}
		/* nothing less opened them: keep what did at attach */
		if (!found)
			want |= (BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_SYS_PTRACE)) & have;
		if (set_caps(have, effective) != 0) {
			snprintf(err, errlen, "cannot restore own capabilities: %s", strerror(errno));
			return -1;
		}
	}

	/* the bounding set only shrinks with CAP_SETPCAP (root); without it
	 * no_new_privs below keeps exec from granting anything beyond want */
	if (effective & BIT(CAP_SETPCAP)) {
		for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits() && c < 64; c++) {
			if (!(want & BIT(c)) && cap_drop_bound(c) != 0 && errno != EINVAL) {
				snprintf(err, errlen, "cannot drop capability %d from the bounding set: %s", (int)c,
					 strerror(errno));
				return -1;
			}
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (cap_reset_ambient() != 0 && errno != EINVAL) {
		snprintf(err, errlen, "cannot clear the ambient capabilities: %s", strerror(errno));
		return -1;
	}
	if (set_caps(want, want) != 0) {
		snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
		return -1;
	}
	format_mask(want, kept, keptlen);
	return 0;
}
