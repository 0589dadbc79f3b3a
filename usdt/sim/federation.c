// SPDX-License-Identifier: Apache-2.0
/* federation.c: see federation.h. */
#include "federation.h"

#include "ledger.h"
#include "net.h"
#include "peer.h"
#include "rng.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define SYNC_MAGIC 0x44574631u /* "DWF1" */
#define RECORDS 2048
#define RECORD_TEXT 128
#define BLOB_CAP (RECORDS * RECORD_TEXT)
/* Records changed between two syncs, at most. */
#define CHURN 64

static const char *const remote_names[] = { "cluster-2", "cluster-3" };
#define REMOTE_COUNT (sizeof(remote_names) / sizeof(remote_names[0]))
static const char *const vm_states[] = { "running", "paused", "migrating", "stopped" };

struct sync_header {
	uint32_t magic;
	uint32_t original;
	uint32_t compressed;
	uint32_t crc;
};

struct record {
	uint32_t vm;
	uint32_t node;
	uint32_t state;
	uint32_t mem_mb;
	uint32_t cpu_pct;
	uint64_t version;
};

struct remote {
	struct peer peer;
	bool up;
	int fd; /* our connection to it, -1 when none */
	bool dirty[RECORDS];
	uint64_t rounds;
	/* the remote side's buffers */
	uint8_t *in, *out;
};

struct federation {
	struct sim *sim;
	pthread_t thread;
	bool thread_up;
	struct remote remotes[REMOTE_COUNT];
	struct record records[RECORDS];
	struct rng rng;
	char *blob;
	uint8_t *packed;
	uLong packed_cap;
};

/* ---- the remote cluster ---- */

static void remote_handler(int fd, void *ctx)
{
	struct remote *r = ctx;
	struct sync_header h;

	/* idle between syncs for as long as the interval; our client closes */
	net_set_timeout(fd, 0);
	while (net_recv_all(fd, &h, sizeof(h)) == 0) {
		uLongf len = BLOB_CAP;
		uint8_t status;

		if (h.magic != SYNC_MAGIC || h.original > BLOB_CAP ||
		    h.compressed > compressBound(BLOB_CAP) ||
		    net_recv_all(fd, r->in, h.compressed) < 0)
			break;
		status = uncompress(r->out, &len, r->in, h.compressed) == Z_OK &&
			 len == h.original && (uint32_t)crc32(0L, r->out, (uInt)len) == h.crc;
		if (net_send_all(fd, &status, sizeof(status)) < 0)
			break;
	}
	close(fd);
}

/* ---- this cluster ---- */

static void init_records(struct federation *f)
{
	size_t i;

	for (i = 0; i < RECORDS; i++) {
		struct record *r = &f->records[i];

		r->vm = (uint32_t)i;
		r->node = 1 + (uint32_t)rng_below(&f->rng, 16);
		r->state = (uint32_t)rng_below(&f->rng, 4);
		r->mem_mb = 512u << rng_below(&f->rng, 6);
		r->cpu_pct = (uint32_t)rng_below(&f->rng, 101);
	}
}

static void churn(struct federation *f)
{
	uint64_t n = 1 + rng_below(&f->rng, CHURN), i;
	size_t k;

	for (i = 0; i < n; i++) {
		size_t idx = rng_below(&f->rng, RECORDS);
		struct record *r = &f->records[idx];

		r->cpu_pct = (uint32_t)rng_below(&f->rng, 101);
		if (rng_below(&f->rng, 4) == 0)
			r->state = (uint32_t)rng_below(&f->rng, 4);
		if (rng_below(&f->rng, 8) == 0)
			r->node = 1 + (uint32_t)rng_below(&f->rng, 16);
		r->version++;
		for (k = 0; k < REMOTE_COUNT; k++)
			f->remotes[k].dirty[idx] = true;
	}
}

static size_t render(struct federation *f, struct remote *r, bool full)
{
	size_t len = 0, i;

	for (i = 0; i < RECORDS; i++) {
		const struct record *rec = &f->records[i];

		if (!full && !r->dirty[i])
			continue;
		len += (size_t)snprintf(f->blob + len, BLOB_CAP - len,
					"vm-%05u node=node-%02u state=%s mem_mb=%u cpu_pct=%u version=%llu\n",
					rec->vm, rec->node, vm_states[rec->state], rec->mem_mb,
					rec->cpu_pct, (unsigned long long)rec->version);
	}
	return len;
}

/* One sync: compress, send, wait for the acknowledgement. */
static bool sync_once(struct federation *f, struct remote *r, size_t len, uLongf *packed_len)
{
	struct sync_header h = { .magic = SYNC_MAGIC, .original = (uint32_t)len };
	uint8_t status = 0;

	*packed_len = f->packed_cap;
	if (compress2(f->packed, packed_len, (const Bytef *)f->blob, len, Z_DEFAULT_COMPRESSION) !=
	    Z_OK)
		return false;
	h.compressed = (uint32_t)*packed_len;
	h.crc = (uint32_t)crc32(0L, (const Bytef *)f->blob, (uInt)len);
	if (r->fd < 0) {
		r->fd = net_connect(r->peer.port);
		if (r->fd < 0)
			return false;
		net_set_timeout(r->fd, 10000);
	}
	if (net_send_all(r->fd, &h, sizeof(h)) < 0 ||
	    net_send_all(r->fd, f->packed, *packed_len) < 0 ||
	    net_recv_all(r->fd, &status, sizeof(status)) < 0 || status != 1) {
		close(r->fd);
		r->fd = -1;
		return false;
	}
	sim_count(&f->sim->stats.link_bytes, sizeof(h) + *packed_len);
	return true;
}

static void sync_round(struct federation *f, uint64_t k)
{
	size_t idx = k % REMOTE_COUNT;
	struct remote *r = &f->remotes[idx];
	bool full = r->rounds++ % 4 == 0;
	uint64_t start, elapsed;
	uLongf packed_len;
	size_t len;

	churn(f);
	start = clock_now_ns();
	len = render(f, r, full);
	if (!sync_once(f, r, len, &packed_len)) {
		sim_count(&f->sim->stats.federation_failures, 1);
		return;
	}
	elapsed = clock_now_ns() - start;
	memset(r->dirty, 0, sizeof(r->dirty));
	ledger_federation_sync(remote_names[idx], full ? "full" : "incremental", elapsed);
	ledger_bandwidth_saved(remote_names[idx], len > packed_len ? len - packed_len : 0);
	sim_count(&f->sim->stats.federation_syncs, 1);
}

static void *federation_main(void *arg)
{
	struct federation *f = arg;
	uint64_t interval = f->sim->opt->federation_interval_ms * NS_PER_MS;
	uint64_t next = clock_now_ns() + interval, k = 0;

	while (stopper_sleep_until(&f->sim->work_stop, next)) {
		sync_round(f, k++);
		next += interval;
		if (next < clock_now_ns())
			next = clock_now_ns() + interval;
	}
	return NULL;
}

struct federation *federation_start(struct sim *sim)
{
	struct federation *f = calloc(1, sizeof(*f));
	size_t i;

	if (!f)
		return NULL;
	f->sim = sim;
	rng_seed(&f->rng, sim->opt->seed, 0x400);
	f->packed_cap = compressBound(BLOB_CAP);
	f->blob = malloc(BLOB_CAP);
	f->packed = malloc(f->packed_cap);
	for (i = 0; i < REMOTE_COUNT; i++)
		f->remotes[i].fd = -1;
	if (!f->blob || !f->packed)
		goto fail;
	init_records(f);
	for (i = 0; i < REMOTE_COUNT; i++) {
		struct remote *r = &f->remotes[i];

		r->in = malloc(f->packed_cap);
		r->out = malloc(BLOB_CAP);
		if (!r->in || !r->out || peer_start(&r->peer, remote_handler, r) < 0)
			goto fail;
		r->up = true;
	}
	if (pthread_create(&f->thread, NULL, federation_main, f))
		goto fail;
	f->thread_up = true;
	return f;
fail:
	fprintf(stderr, "dwcp-sim: federation: cannot start\n");
	federation_join(f);
	return NULL;
}

void federation_join(struct federation *f)
{
	size_t i;

	if (!f)
		return;
	if (f->thread_up)
		pthread_join(f->thread, NULL);
	for (i = 0; i < REMOTE_COUNT; i++) {
		struct remote *r = &f->remotes[i];

		if (r->fd >= 0)
			close(r->fd);
		if (r->up)
			peer_stop(&r->peer);
		free(r->in);
		free(r->out);
	}
	free(f->blob);
	free(f->packed);
	free(f);
}
