#include "bpf_programs.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "amst.skel.h"
#include "dwcp_names.h"
#include "federation.skel.h"
#include "hde.skel.h"
#include "log.h"
#include "migration.skel.h"
#include "system.skel.h"

#define OPEN_LOAD(p, area, sizes_fn, sizes, err, errlen)                        \
	do {                                                                   \
		(p)->area = area##_bpf__open();                                \
		if (!(p)->area) {                                              \
			snprintf(err, errlen, "open BPF object %s: %s", #area, strerror(errno)); \
			return -errno;                                         \
		}                                                              \
		sizes_fn;                                                      \
		rc = area##_bpf__load((p)->area);                              \
		if (rc) {                                                      \
			snprintf(err, errlen, "load BPF object %s: %s", #area, strerror(-rc)); \
			return rc;                                             \
		}                                                              \
		(p)->objects[n_objects++] = (p)->area->obj;                    \
	} while (0)

int bpf_programs_load(struct bpf_programs *p, const struct bpf_map_sizes *sizes, char *err, size_t errlen)
{
	int n_objects = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	OPEN_LOAD(p, amst, bpf_map__set_max_entries(p->amst->maps.streams, sizes->max_streams), sizes, err,
		  errlen);
	OPEN_LOAD(p, hde, (void)0, sizes, err, errlen);
	OPEN_LOAD(p, migration, (void)0, sizes, err, errlen);
	OPEN_LOAD(p, federation, (void)0, sizes, err, errlen);
	OPEN_LOAD(p, system, (void)0, sizes, err, errlen);
	return 0;
}

void bpf_programs_destroy(struct bpf_programs *p)
{
	amst_bpf__destroy(p->amst);
	hde_bpf__destroy(p->hde);
	migration_bpf__destroy(p->migration);
	federation_bpf__destroy(p->federation);
	system_bpf__destroy(p->system);
	memset(p, 0, sizeof(*p));
}

void bpf_programs_detach(struct attach_target *t)
{
	for (int i = 0; i < DWCP_PROBE_COUNT; i++) {
		bpf_link__destroy(t->links[i]);
		t->links[i] = NULL;
		t->error[i] = -ENOENT;
	}
	t->attached = 0;
}

int bpf_programs_attach(struct bpf_programs *p, struct attach_target *t, const char *path, pid_t pid,
			char *err, size_t errlen)
{
	struct stat st;
	struct bpf_program *prog;

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < DWCP_PROBE_COUNT; i++)
		t->error[i] = -ENOENT;
	if (!realpath(path, t->path)) {
		snprintf(err, errlen, "binary %s: %s", path, strerror(errno));
		return -errno;
	}
	if (stat(t->path, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "binary %s: not a regular file", t->path);
		return -EINVAL;
	}
	t->dev = st.st_dev;
	t->ino = st.st_ino;

	for (int o = 0; o < BPF_AREA_COUNT; o++) {
		bpf_object__for_each_program(prog, p->objects[o]) {
			const char *probe = bpf_program__name(prog);
			int id = dwcp_probe_id_of(probe);
			struct bpf_link *link;

			if (id < 0)
				continue;
			link = bpf_program__attach_usdt(prog, pid ? pid : -1, t->path, "dwcp", probe, NULL);
			if (!link) {
				t->error[id] = -errno;
				log_event(LOG_DEBUG, "probe not attached", "binary", t->path, "probe", probe, "error",
					  strerror(errno), NULL);
				continue;
			}
			t->links[id] = link;
			t->error[id] = 0;
			t->attached++;
		}
	}
	return t->attached;
}
