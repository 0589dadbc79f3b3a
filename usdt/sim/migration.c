// SPDX-License-Identifier: Apache-2.0
/* migration.c: see migration.h. */
#include "migration.h"

#include "hde.h"
#include "ledger.h"
#include "net.h"
#include "peer.h"
#include "rng.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIGRATION_MAGIC 0x44574d31u /* "DWM1" */
#define UNSCHEDULED_SPACING_NS (2 * NS_PER_SEC)
#define NO_FAILURE UINT32_MAX

enum frame_kind { FRAME_RAW, FRAME_DEFLATE, FRAME_DELTA };

struct mig_header {
	uint32_t magic;
	uint32_t dwcp_enabled;
	uint32_t pages;
	uint32_t dictionaries;
};

struct mig_frame {
	uint8_t kind;
	uint8_t dict_index;
	uint16_t pad;
	uint32_t len;
};

enum vm_kind { VM_LARGE, VM_SMALL, VM_KIND_COUNT };
static const char *const vm_names[VM_KIND_COUNT] = { "large_vm", "small_vm" };
static const char *const dest_names[] = { "node-02", "node-03" };
#define DEST_COUNT (sizeof(dest_names) / sizeof(dest_names[0]))

/* The far end: another node that rebuilds the image and checks its CRC. */
struct destination {
	struct peer peer;
	bool up;
	struct hde_codec codec;
	struct hde_dictset dicts;
	uint8_t wire[HDE_FRAME_CAP];
	uint8_t page[PAGE_SIZE_BYTES];
};

struct migrator {
	struct sim *sim;
	pthread_t thread;
	bool thread_up;
	struct destination dest[DEST_COUNT];
	struct hde_codec codec;
	struct rng rng;
	struct hde_dictset snapshot;
	struct hde_frame frame;
	uint8_t page[PAGE_SIZE_BYTES];
	uint64_t duration_ns[VM_KIND_COUNT][2]; /* last success, by dwcp_enabled */
};

/* ---- destination ---- */

static bool receive_page(struct destination *d, int fd, uLong *crc)
{
	struct mig_frame f;
	size_t len = 0;

	if (net_recv_all(fd, &f, sizeof(f)) < 0 || f.len > sizeof(d->wire) ||
	    net_recv_all(fd, d->wire, f.len) < 0)
		return false;
	switch (f.kind) {
	case FRAME_RAW:
		if (f.len != PAGE_SIZE_BYTES)
			return false;
		memcpy(d->page, d->wire, PAGE_SIZE_BYTES);
		len = f.len;
		break;
	case FRAME_DEFLATE:
	case FRAME_DELTA:
		if (f.kind == FRAME_DELTA && f.dict_index >= d->dicts.n)
			return false;
		if (hde_codec_inflate(&d->codec,
				      f.kind == FRAME_DELTA ? d->dicts.page[f.dict_index] : NULL,
				      d->wire, f.len, d->page, sizeof(d->page), &len) < 0)
			return false;
		break;
	default:
		return false;
	}
	if (len != PAGE_SIZE_BYTES)
		return false;
	*crc = crc32(*crc, d->page, PAGE_SIZE_BYTES);
	return true;
}

static void destination_handler(int fd, void *ctx)
{
	struct destination *d = ctx;
	struct mig_header h;
	uLong crc = crc32(0L, Z_NULL, 0);
	uint32_t trailer, i;
	uint8_t status;
	bool ok = true;

	if (net_recv_all(fd, &h, sizeof(h)) < 0 || h.magic != MIGRATION_MAGIC ||
	    h.dictionaries > HDE_MAX_BASELINES) {
		close(fd);
		return;
	}
	d->dicts.n = h.dictionaries;
	for (i = 0; ok && i < h.dictionaries; i++)
		ok = net_recv_all(fd, d->dicts.page[i], PAGE_SIZE_BYTES) == 0;
	for (i = 0; ok && i < h.pages; i++)
		ok = receive_page(d, fd, &crc);
	if (ok && net_recv_all(fd, &trailer, sizeof(trailer)) == 0) {
		status = trailer == (uint32_t)crc;
		net_send_all(fd, &status, sizeof(status));
	}
	close(fd);
}

/* ---- source ---- */

/* Keeps the average rate at the WAN path's. Once the run stops, the rest
 * goes unpaced, so an in-flight migration still completes, quickly. */
static void pace(struct migrator *m, uint64_t start_ns, uint64_t wire_bytes)
{
	uint64_t due = start_ns + wire_bytes * NS_PER_SEC / m->sim->opt->wan_bytes_per_sec;

	if (due > clock_now_ns() + NS_PER_MS)
		stopper_sleep_until(&m->sim->work_stop, due);
}

static int send_counted(struct migrator *m, int fd, const void *buf, size_t len,
			uint64_t *wire)
{
	int rc = net_send_all(fd, buf, len);

	if (rc == 0) {
		*wire += len;
		sim_count(&m->sim->stats.link_bytes, len);
	}
	return rc;
}

static bool transfer(struct migrator *m, unsigned int k, struct destination *d, bool dwcp,
		     uint32_t pages, uint32_t fail_at)
{
	struct mig_header h = { .magic = MIGRATION_MAGIC, .dwcp_enabled = dwcp, .pages = pages };
	uint64_t start = clock_now_ns(), wire = 0;
	uLong crc = crc32(0L, Z_NULL, 0);
	struct pagegen gen;
	uint32_t i, trailer;
	uint8_t status = 0;
	bool ok = true;
	int fd;

	fd = net_connect(d->peer.port);
	if (fd < 0)
		return false;
	net_set_timeout(fd, 10000);
	if (dwcp) {
		hde_snapshot(m->sim->hde, HDE_VM_MEMORY, &m->snapshot);
		h.dictionaries = m->snapshot.n;
	}
	ok = send_counted(m, fd, &h, sizeof(h), &wire) == 0;
	for (i = 0; ok && i < h.dictionaries; i++)
		ok = send_counted(m, fd, m->snapshot.page[i], PAGE_SIZE_BYTES, &wire) == 0;
	pagegen_init(&gen, &m->sim->world, 0x1000 + k, false);
	for (i = 0; ok && i < pages; i++) {
		struct mig_frame f = { .kind = FRAME_RAW, .len = PAGE_SIZE_BYTES };
		const uint8_t *payload = m->page;

		if (i == fail_at) { /* the link drops */
			net_abort(fd);
			return false;
		}
		pagegen_next(&gen, HDE_VM_MEMORY, m->page);
		crc = crc32(crc, m->page, PAGE_SIZE_BYTES);
		if (dwcp && hde_compress_with(m->sim->hde, &m->snapshot, &m->codec, HDE_VM_MEMORY,
					      m->page, &m->frame) == 0) {
			f.kind = m->frame.delta ? FRAME_DELTA : FRAME_DEFLATE;
			f.dict_index = m->frame.delta ? (uint8_t)m->frame.dict_index : 0;
			f.len = (uint32_t)m->frame.len;
			payload = m->frame.data;
		}
		ok = send_counted(m, fd, &f, sizeof(f), &wire) == 0 &&
		     send_counted(m, fd, payload, f.len, &wire) == 0;
		pace(m, start, wire);
	}
	if (!ok) {
		net_abort(fd);
		return false;
	}
	trailer = (uint32_t)crc;
	ok = send_counted(m, fd, &trailer, sizeof(trailer), &wire) == 0 &&
	     net_recv_all(fd, &status, sizeof(status)) == 0 && status == 1;
	close(fd);
	return ok;
}

static void run_migration(struct migrator *m, unsigned int k)
{
	const struct sim_options *o = m->sim->opt;
	enum vm_kind vm = (k / 2) % 2 ? VM_SMALL : VM_LARGE;
	bool dwcp = k % 2;
	uint64_t bytes = vm == VM_LARGE ? o->migration_bytes : o->migration_bytes / 4;
	uint32_t pages = bytes / PAGE_SIZE_BYTES ? (uint32_t)(bytes / PAGE_SIZE_BYTES) : 1;
	uint32_t fail_at = rng_chance(&m->rng, o->migration_failure_rate) ? pages / 2 : NO_FAILURE;
	struct destination *d = &m->dest[k % DEST_COUNT];
	struct ledger_migration lm;
	char id[64];
	uint64_t start, elapsed;
	bool ok, seed_style;

	snprintf(id, sizeof(id), "mig-%d-%u", m->sim->pid, k);
	/* every third migration is reported the seed's way: destination and
	 * flag only at completion (migration_done) */
	seed_style = k % 3 == 2;
	lm = ledger_migration_start(id, seed_style ? "" : dest_names[k % DEST_COUNT], seed_style ? false : dwcp);
	start = clock_now_ns();
	ok = transfer(m, k, d, dwcp, pages, fail_at);
	elapsed = clock_now_ns() - start;
	if (seed_style)
		ledger_migration_done(&lm, dest_names[k % DEST_COUNT], dwcp, ok);
	else
		ledger_migration_end(&lm, ok);
	sim_count(&m->sim->stats.migrations, 1);
	if (!ok) {
		sim_count(&m->sim->stats.migration_failures, 1);
		return;
	}
	m->duration_ns[vm][dwcp] = elapsed ? elapsed : 1;
	if (m->duration_ns[vm][0] && m->duration_ns[vm][1])
		ledger_speedup(vm_names[vm], m->duration_ns[vm][0] * 1000 / m->duration_ns[vm][1]);
}

static void *migrator_main(void *arg)
{
	struct migrator *m = arg;
	const struct sim_options *o = m->sim->opt;
	uint64_t spacing = o->duration_s > 0
				   ? (uint64_t)(o->duration_s * NS_PER_SEC) / (o->migrations + 1)
				   : UNSCHEDULED_SPACING_NS;
	unsigned int k;

	for (k = 0; k < o->migrations; k++) {
		if (!stopper_sleep_until(&m->sim->work_stop, m->sim->work_start_ns + (k + 1) * spacing))
			break;
		run_migration(m, k);
	}
	return NULL;
}

struct migrator *migrator_start(struct sim *sim)
{
	struct migrator *m = calloc(1, sizeof(*m));
	size_t i;
	int rc;

	if (!m)
		return NULL;
	m->sim = sim;
	rng_seed(&m->rng, sim->opt->seed, 0x300);
	if (hde_codec_init(&m->codec) < 0)
		goto fail;
	for (i = 0; i < DEST_COUNT; i++) {
		if (hde_codec_init(&m->dest[i].codec) < 0 ||
		    peer_start(&m->dest[i].peer, destination_handler, &m->dest[i]) < 0)
			goto fail;
		m->dest[i].up = true;
	}
	rc = pthread_create(&m->thread, NULL, migrator_main, m);
	if (rc)
		goto fail;
	m->thread_up = true;
	return m;
fail:
	fprintf(stderr, "dwcp-sim: migration: cannot start\n");
	migrator_join(m);
	return NULL;
}

void migrator_join(struct migrator *m)
{
	size_t i;

	if (!m)
		return;
	if (m->thread_up)
		pthread_join(m->thread, NULL);
	for (i = 0; i < DEST_COUNT; i++) {
		if (m->dest[i].up)
			peer_stop(&m->dest[i].peer);
		hde_codec_free(&m->dest[i].codec);
	}
	hde_codec_free(&m->codec);
	free(m);
}
