// SPDX-License-Identifier: Apache-2.0
#include "probes/bpf_programs.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "amst.skel.h"
#include "base/dwcp_names.h"
#include "base/fd_limit.h"
#include "federation.skel.h"
#include "hde.skel.h"
#include "base/log.h"
#include "migration.skel.h"
#include "proc_exit.skel.h"
#include "probes/usdt_notes.h"
#include "system.skel.h"

/*
 * Pins every map of obj that holds state under pin_dir/<map name>, so the
 * next exporter (after a restart or a crash) reuses them and counters carry
 * on. libbpf's own maps (.rodata, .bss, the USDT spec tables) are per load.
 */
static int set_pin_paths(struct bpf_object *obj, const char *pin_dir, char *err, size_t errlen)
{
	struct bpf_map *map;
	char path[PATH_MAX];

	if (mkdir(pin_dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "create pin directory %s: %s", pin_dir, strerror(errno));
		return -errno;
	}
	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);

		/* the program array only has to exist (dwcp_common.bpf.h) */
		if (bpf_map__is_internal(map) || strncmp(name, "__bpf_usdt", 10) == 0 ||
		    bpf_map__type(map) == BPF_MAP_TYPE_PROG_ARRAY)
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
		if (bpf_map__set_pin_path(map, path) != 0) {
			snprintf(err, errlen, "pin path %s: %s", path, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* Removes the pins of obj's maps (they no longer fit this build). */
static void unpin_all(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__pin_path(map))
			unlink(bpf_map__pin_path(map));
	}
}

/* "load BPF object migration: Too many open files", and the limit reached. */
static void load_error(char *err, size_t errlen, const char *area, int e)
{
	char hint[256];

	fd_limit_hint(e, hint, sizeof(hint));
	snprintf(err, errlen, "load BPF object %s: %s%s%s", area, strerror(e), hint[0] ? "; " : "", hint);
}

/*
 * Opens and loads one area's skeleton. With pinning, maps pinned by an
 * earlier exporter are reused; if they no longer fit (another build, another
 * --bpf.max-streams), they are replaced once and the counters restart.
 */
#define OPEN_LOAD(p, area, sizes_fn, pin_root, err, errlen)                    \
	do {                                                                   \
		for (int attempt = 0;; attempt++) {                            \
			char dir[PATH_MAX];                                    \
                                                                               \
			(p)->area = area##_bpf__open();                        \
			if (!(p)->area) {                                      \
				snprintf(err, errlen, "open BPF object %s: %s", #area, strerror(errno)); \
				return -errno;                                 \
			}                                                      \
			sizes_fn;                                              \
			if (pin_root) {                                        \
				snprintf(dir, sizeof(dir), "%s/%s", pin_root, #area); \
				rc = set_pin_paths((p)->area->obj, dir, err, errlen); \
				if (rc)                                        \
					return rc;                             \
			}                                                      \
			rc = area##_bpf__load((p)->area);                      \
			if (rc == 0)                                           \
				break;                                         \
			if (!(pin_root) || attempt > 0) {                      \
				load_error(err, errlen, #area, -rc);           \
				return rc;                                     \
			}                                                      \
			log_event(LOG_WARN, "pinned maps do not fit this build: replacing them, counters restart", \
				  "area", #area, "pin_dir", dir, NULL);        \
			unpin_all((p)->area->obj);                             \
			area##_bpf__destroy((p)->area);                        \
			(p)->area = NULL;                                      \
		}                                                              \
		(p)->objects[n_objects++] = (p)->area->obj;                    \
	} while (0)

int bpf_programs_load(struct bpf_programs *p, const struct bpf_map_sizes *sizes, const char *pin_root, char *err,
		      size_t errlen)
{
	int n_objects = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	OPEN_LOAD(p, amst, bpf_map__set_max_entries(p->amst->maps.streams, sizes->max_streams), pin_root, err,
		  errlen);
	OPEN_LOAD(p, hde, (void)0, pin_root, err, errlen);
	OPEN_LOAD(p, migration, (void)0, pin_root, err, errlen);
	OPEN_LOAD(p, federation, (void)0, pin_root, err, errlen);
	OPEN_LOAD(p, system, (void)0, pin_root, err, errlen);

	/* exits from now on; the reaper's first pass asks the kernel about
	 * what exited before */
	p->exits = proc_exit_bpf__open_and_load();
	if (!p->exits) {
		rc = -errno;
		load_error(err, errlen, "proc_exit", -rc);
		return rc;
	}
	rc = proc_exit_bpf__attach(p->exits);
	if (rc) {
		snprintf(err, errlen, "attach BPF program dwcp_process_exit to sched_process_exit: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

void bpf_programs_exit_fds(const struct bpf_programs *p, int *ring_fd, int *lost_fd)
{
	*ring_fd = bpf_map__fd(p->exits->maps.exits);
	*lost_fd = bpf_map__fd(p->exits->maps.exits_lost);
}

void bpf_programs_destroy(struct bpf_programs *p)
{
	amst_bpf__destroy(p->amst);
	hde_bpf__destroy(p->hde);
	migration_bpf__destroy(p->migration);
	federation_bpf__destroy(p->federation);
	system_bpf__destroy(p->system);
	proc_exit_bpf__destroy(p->exits);
	memset(p, 0, sizeof(*p));
}

void bpf_programs_maps(const struct bpf_programs *p, struct bpf_map *out[DWCP_MAP_COUNT])
{
#define X(NAME, name, area) out[DWCP_MAP_##NAME] = p->area->maps.name;
	DWCP_MAPS(X)
#undef X
}

void bpf_programs_detach(struct attach_target *t)
{
	for (int i = 0; i < DWCP_PROBE_COUNT; i++) {
		bpf_link__destroy(t->links[i]);
		bpf_link__destroy(t->previous_links[i]);
		t->links[i] = t->previous_links[i] = NULL;
		t->error[i] = -ENOENT;
	}
	t->attached = 0;
}

/* Counts a failed attach of probe id with errno err. */
static void count_attach_error(struct attach_target *t, int id, int err)
{
	struct attach_error_count *slots = t->errors[id];
	int i;

	for (i = 0; i < ATTACH_ERRNO_SLOTS - 1 && slots[i].n; i++)
		if (slots[i].err == err)
			break;
	if (slots[i].n && slots[i].err != err)
		slots[i].err = 0; /* the last slot, full: "other" from now on */
	else
		slots[i].err = err;
	slots[i].n++;
}

/*
 * Attaches every program not attached yet to the probes of the file t->path
 * names now. The binary's notes say which probes it carries: a probe it
 * lacks is skipped (not an error); one it carries that fails to attach is
 * counted by errno. When the notes cannot be read, libbpf's ENOENT (no such
 * USDT) is taken for a lacking probe. The attach runs with FD_RESERVE
 * descriptors held back, so that at the open files limit it fails here and
 * leaves HTTP some to answer with.
 *
 * At the limit, libbpf's errno is not always EMFILE: when the open that
 * fails is of /sys/bus/event_source/devices/uprobe/type (read on every
 * uprobe) it reports EINVAL. So each probe is attached only with
 * ATTACH_HEADROOM descriptors free, and otherwise fails with the errno of
 * that check, EMFILE or ENFILE, which names the cause truly.
 */
/* Descriptors one probe's attach may take: a perf event and a link per
 * site, and libbpf's passing opens. */
#define ATTACH_HEADROOM 16

static void attach_all(struct bpf_programs *p, struct attach_target *t)
{
	struct bpf_program *prog;
	struct fd_reserve reserve;
	char notes_err[256];
	bool notes_read = usdt_notes_dwcp(t->path, t->has, notes_err, sizeof(notes_err)) >= 0;

	if (!notes_read)
		log_event(LOG_DEBUG, "cannot read the binary's notes; a probe libbpf does not find counts as lacking",
			  "binary", t->path, "error", notes_err, NULL);
	fd_reserve_take(&reserve);
	for (int o = 0; o < BPF_AREA_COUNT; o++) {
		bpf_object__for_each_program(prog, p->objects[o]) {
			const char *probe = bpf_program__name(prog);
			int id = dwcp_probe_id_of(probe);
			struct bpf_link *link;

			if (id < 0 || t->links[id] || (notes_read && !t->has[id]))
				continue;
			errno = fd_limit_headroom(ATTACH_HEADROOM);
			link = errno ? NULL
				     : bpf_program__attach_usdt(prog, t->pid ? t->pid : -1, t->path, "dwcp", probe, NULL);
			if (!link) {
				t->error[id] = -errno;
				if (!notes_read)
					t->has[id] = errno != ENOENT;
				log_event(LOG_DEBUG, "probe not attached", "binary", t->path, "probe", probe, "error",
					  strerror(errno), NULL);
				continue;
			}
			t->links[id] = link;
			t->has[id] = true;
			t->error[id] = 0;
			t->attached++;
		}
	}
	fd_reserve_release(&reserve);
	t->failed = 0;
	for (int id = 0; id < DWCP_PROBE_COUNT; id++) {
		if (!t->has[id] || t->links[id])
			continue;
		t->failed++;
		count_attach_error(t, id, -t->error[id]);
	}
}

/* The probes of t that failed with err, "a,b", into buf. */
static void failed_with(const struct attach_target *t, int err, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int id = 0; id < DWCP_PROBE_COUNT; id++) {
		if (!t->has[id] || t->links[id] || -t->error[id] != err)
			continue;
		used += snprintf(buf + used, len - used, "%s%s", used ? "," : "", dwcp_probe_name(id));
		if (used >= len)
			return;
	}
}

/* The distinct errnos of t's failed probes, in probe order; how many. */
static int failed_errnos(const struct attach_target *t, int out[DWCP_PROBE_COUNT])
{
	int n = 0;

	for (int id = 0; id < DWCP_PROBE_COUNT; id++) {
		int e = -t->error[id], k;

		if (!t->has[id] || t->links[id])
			continue;
		for (k = 0; k < n && out[k] != e; k++)
			;
		if (k == n)
			out[n++] = e;
	}
	return n;
}

void bpf_programs_log_attach(const struct attach_target *t)
{
	char attached[16], lacking[DWCP_PROBE_COUNT * 20] = "", failed[DWCP_PROBE_COUNT * 20], name[32], hint[256];
	int errs[DWCP_PROBE_COUNT], n_errs = failed_errnos(t, errs);

	for (int p = 0; p < DWCP_PROBE_COUNT; p++) {
		if (t->links[p] || t->has[p])
			continue;
		if (lacking[0])
			strcat(lacking, ",");
		strcat(lacking, dwcp_probe_name(p));
	}
	snprintf(attached, sizeof(attached), "%d", t->attached);
	for (int i = 0; i < n_errs; i++) {
		failed_with(t, errs[i], failed, sizeof(failed));
		fd_limit_hint(errs[i], hint, sizeof(hint));
		log_event(LOG_ERROR, "dwcp probes the binary carries could not be attached (/ready is 503)", "binary",
			  t->path, "attached", attached, "failed", failed, "errno", fd_errno_name(errs[i], name, sizeof(name)),
			  "error", strerror(errs[i]), hint[0] ? "limit" : NULL, hint, NULL);
	}
	if (t->attached == 0 && n_errs == 0)
		log_event(LOG_WARN, "binary has no dwcp probes (a file still being written is tried again at its next change)", "binary", t->path, NULL);
	else if (lacking[0])
		log_event(LOG_WARN, "binary lacks some dwcp probes", "binary", t->path, "attached", attached,
			  "missing", lacking, NULL);
	else if (n_errs == 0)
		log_event(LOG_INFO, "probes attached", "binary", t->path, "attached", attached, NULL);
}

bool bpf_programs_not_attached(const struct attach_target *t, char *why, size_t whylen)
{
	int errs[DWCP_PROBE_COUNT], n_errs = failed_errnos(t, errs);
	char failed[DWCP_PROBE_COUNT * 20], name[32], hint[256];
	size_t used;

	if (n_errs == 0)
		return false;
	used = (size_t)snprintf(why, whylen, "binary %.1000s: %d of its dwcp probes not attached:", t->path, t->failed);
	for (int i = 0; i < n_errs && used < whylen; i++) {
		failed_with(t, errs[i], failed, sizeof(failed));
		fd_limit_hint(errs[i], hint, sizeof(hint));
		used += (size_t)snprintf(why + used, whylen - used, "%s %s: %s (%s)%s%s", i ? ";" : "", failed,
					 fd_errno_name(errs[i], name, sizeof(name)), strerror(errs[i]),
					 hint[0] ? "; " : "", hint);
	}
	return true;
}

int bpf_programs_follow(struct bpf_programs *p, struct attach_target *t)
{
	struct stat st;
	bool seen_before = t->ino != 0;

	if (stat(t->path, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (!t->missing)
			log_event(LOG_WARN, "binary is gone; still instrumenting its running processes", "binary",
				  t->path, NULL);
		t->missing = true;
		return -ENOENT;
	}
	if (t->missing)
		log_event(LOG_INFO, seen_before ? "binary is back" : "binary appeared", "binary", t->path, NULL);
	t->missing = false;
	if (st.st_dev == t->dev && st.st_ino == t->ino) {
		int before = t->attached;

		if (before == DWCP_PROBE_COUNT || (st.st_size == t->size && st.st_mtime == t->mtime))
			return 0;
		/* the file was written since probes were looked for: it was
		 * still being written when it appeared (cp); look again for
		 * the probes not attached yet */
		t->size = st.st_size;
		t->mtime = st.st_mtime;
		attach_all(p, t);
		return t->attached > before;
	}

	for (int i = 0; i < DWCP_PROBE_COUNT; i++) {
		bpf_link__destroy(t->previous_links[i]);
		t->previous_links[i] = t->links[i];
		t->links[i] = NULL;
		t->error[i] = -ENOENT;
	}
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	t->size = st.st_size;
	t->mtime = st.st_mtime;
	t->attached = 0;
	attach_all(p, t);
	if (seen_before)
		t->reattachments++;
	return 1;
}

/* BPF cookies (Linux 5.15): probed once, the way libbpf itself does. */
static bool kernel_has_bpf_cookie(void)
{
	static int has = -1;

	if (has < 0)
		has = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_get_attach_cookie, NULL) == 1;
	return has;
}

/* ELF type of path (ET_EXEC, ET_DYN), or ET_NONE when it cannot be read. */
static int elf_type(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int type = ET_NONE;
	GElf_Ehdr ehdr;
	Elf *elf;

	if (fd < 0)
		return ET_NONE;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && gelf_getehdr(elf, &ehdr))
		type = ehdr.e_type;
	elf_end(elf);
	close(fd);
	return type;
}

/*
 * Without BPF cookies libbpf finds a USDT's argument layout by the address
 * the probe fired at, which for a position-independent binary (ET_DYN: PIE,
 * the default of Debian's gcc) depends on where each process loaded it: it
 * can only attach to one process (--pid), not to the file.
 */
static int check_attachable(const char *path, pid_t pid, char *err, size_t errlen)
{
	if (pid != 0 || kernel_has_bpf_cookie() || elf_type(path) != ET_DYN)
		return 0;
	snprintf(err, errlen,
		 "--binary %.4000s: a position-independent (PIE) binary cannot be traced in every process on this "
		 "kernel: it lacks BPF cookies (Linux 5.15+), which libbpf needs for that; give --pid PID for one "
		 "process, or build the binary with -no-pie",
		 path);
	return -ENOTSUP;
}

int bpf_programs_await(struct attach_target *t, const char *path, char *err, size_t errlen)
{
	char cwd[PATH_MAX];

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < DWCP_PROBE_COUNT; i++)
		t->error[i] = -ENOENT;
	if (path[0] == '/') {
		snprintf(t->path, sizeof(t->path), "%s", path);
	} else if (!getcwd(cwd, sizeof(cwd)) ||
		   snprintf(t->path, sizeof(t->path), "%s/%s", cwd, path) >= (int)sizeof(t->path)) {
		snprintf(err, errlen, "binary %s: cannot make the path absolute", path);
		return -ENAMETOOLONG;
	}
	t->missing = true;
	return 0;
}

int bpf_programs_attach(struct bpf_programs *p, struct attach_target *t, const char *path, pid_t pid,
			char *err, size_t errlen)
{
	struct stat st;
	int rc;

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < DWCP_PROBE_COUNT; i++)
		t->error[i] = -ENOENT;
	/* /proc/PID/root/... reaches into another mount namespace: resolving
	 * it would follow the magic link to our own root */
	if (strncmp(path, "/proc/", 6) == 0) {
		snprintf(t->path, sizeof(t->path), "%s", path);
	} else if (!realpath(path, t->path)) {
		snprintf(err, errlen, "binary %s: %s", path, strerror(errno));
		return -errno;
	}
	if (stat(t->path, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "binary %s: not a regular file", t->path);
		return -EINVAL;
	}
	if ((rc = check_attachable(t->path, pid, err, errlen)) != 0)
		return rc;
	t->pid = pid;
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	t->size = st.st_size;
	t->mtime = st.st_mtime;
	attach_all(p, t);
	if (t->attached == 0 && t->failed > 0) {
		char why[2048];

		bpf_programs_not_attached(t, why, sizeof(why));
		snprintf(err, errlen, "%s", why);
		for (int id = 0; id < DWCP_PROBE_COUNT; id++)
			if (t->has[id])
				return t->error[id];
	}
	return t->attached;
}
