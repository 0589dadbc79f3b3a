/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bpf_programs.h: the BPF side of the exporter: the five area skeletons
 * (bpf/<area>.bpf.c), loaded once, and their USDT links per target binary.
 *
 * What it offers
 *   - bpf_programs_load(): open every skeleton, size its maps, pin them (or
 *     reuse the maps an earlier exporter pinned), load it; load and attach
 *     the process-exit program.
 *   - bpf_programs_exit_fds(): its ring buffer and lost-event counter.
 *   - bpf_programs_attach(): attach every program to the probe of the same
 *     name in one binary (all its processes, or one pid); probes the binary
 *     lacks are recorded, not fatal.
 *   - The attach state per (binary, probe) for /ready and self-metrics: a
 *     probe the binary's notes lack is told apart from one it carries that
 *     failed to attach, counted by errno (EMFILE, EPERM, ...).
 *   - bpf_programs_log_attach(), bpf_programs_not_attached(): say so, in the
 *     log and for /ready, naming the errno and, for EMFILE, the limit.
 *
 * BPF programs are named after the probe they serve, so attaching is a walk
 * over each object's programs, not a hand-kept table.
 */
#ifndef DWCP_BPF_PROGRAMS_H
#define DWCP_BPF_PROGRAMS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dwcp_maps.h"

struct amst_bpf;
struct hde_bpf;
struct migration_bpf;
struct federation_bpf;
struct system_bpf;
struct proc_exit_bpf;
struct bpf_object;
struct bpf_link;
struct bpf_map;

#define BPF_AREA_COUNT 5

struct bpf_map_sizes {
	unsigned max_streams;
};

/* Distinct errnos counted per probe; a further one is counted in the last
 * slot as errno 0 ("other"). */
#define ATTACH_ERRNO_SLOTS 4

/* Failed attaches of one probe with one errno. */
struct attach_error_count {
	int err; /* positive errno; 0: other */
	uint64_t n;
};

/* One target binary and what is attached to it. */
struct attach_target {
	char path[PATH_MAX];
	pid_t pid;
	dev_t dev;
	ino_t ino;
	off_t size;   /* of the file when its probes were last looked for */
	time_t mtime;
	struct bpf_link *links[DWCP_PROBE_COUNT];
	int error[DWCP_PROBE_COUNT]; /* 0 attached, else -errno of the attach */
	int attached;                /* probes attached */
	bool has[DWCP_PROBE_COUNT];  /* in the binary's notes, as last read */
	int failed;                  /* of those, probes that failed to attach */
	struct attach_error_count errors[DWCP_PROBE_COUNT][ATTACH_ERRNO_SLOTS];
	/* the binary replaced last: its processes may still run and stay
	 * instrumented until the next replacement */
	struct bpf_link *previous_links[DWCP_PROBE_COUNT];
	unsigned long reattachments; /* replaced by a new file (not counting the first) */
	bool missing; /* nothing at the path since the last check; ino 0: never was */
};

struct bpf_programs {
	struct amst_bpf *amst;
	struct hde_bpf *hde;
	struct migration_bpf *migration;
	struct federation_bpf *federation;
	struct system_bpf *system;
	struct bpf_object *objects[BPF_AREA_COUNT]; /* the probe areas */
	/* process exits for the reaper (bpf/proc_exit.bpf.c): attached to the
	 * kernel at load, never pinned */
	struct proc_exit_bpf *exits;
};

/* pin_root: an existing directory in bpffs (pin_path_prepare()) where the
 * maps are pinned and reused across exporter restarts (one subdirectory per
 * area), or NULL not to pin. */
int bpf_programs_load(struct bpf_programs *p, const struct bpf_map_sizes *sizes, const char *pin_root, char *err,
		      size_t errlen);
void bpf_programs_destroy(struct bpf_programs *p);

/* The fds of the exit ring buffer and of its per-CPU lost-event counter. */
void bpf_programs_exit_fds(const struct bpf_programs *p, int *ring_fd, int *lost_fd);

/* The loaded maps by id (enum dwcp_map_id), from the skeletons. */
void bpf_programs_maps(const struct bpf_programs *p, struct bpf_map *out[DWCP_MAP_COUNT]);

/* Attaches every program to path's probes (pid 0: all processes). Returns
 * the number of probes attached (0 when the binary has none), or a negative
 * errno when path cannot be used at all, with err saying why: among those,
 * -ENOTSUP for a PIE binary with pid 0 on a kernel without BPF cookies, and
 * the errno of the attach when the binary has probes and none attached. */
int bpf_programs_attach(struct bpf_programs *p, struct attach_target *t, const char *path, pid_t pid,
			char *err, size_t errlen);
void bpf_programs_detach(struct attach_target *t);

/*
 * For a path where nothing is yet (a DWCP package installed after the
 * exporter started): t waits, missing, with no inode; bpf_programs_follow()
 * attaches once a file appears. 0, or a negative errno with err.
 */
int bpf_programs_await(struct attach_target *t, const char *path, char *err, size_t errlen);

/* Checks t's path: when it names a new file (a package upgrade renames a new
 * inode over it, or a file appeared where t waited), attaches to the new
 * file and keeps the old links one generation; a file where no probe was
 * found yet is tried again. Returns 1 when it attached anew, 0 when nothing
 * changed, a negative errno when the path is gone (t->missing is set). */
int bpf_programs_follow(struct bpf_programs *p, struct attach_target *t);

/* Logs what the last attach to t did: attached, lacking, failed (one line
 * per errno, with the open files limit for EMFILE). */
void bpf_programs_log_attach(const struct attach_target *t);

/* True when probes of t's notes failed to attach, with why ("binary X:
 * probe version not attached: EMFILE (Too many open files); ..."). */
bool bpf_programs_not_attached(const struct attach_target *t, char *why, size_t whylen);

#endif /* DWCP_BPF_PROGRAMS_H */
