// SPDX-License-Identifier: Apache-2.0
/* amst.c: see amst.h. */
#include "amst.h"

#include "ledger.h"
#include "net.h"
#include "peer.h"
#include "rng.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#define HELLO_LEN 64
#define CHUNK_TIMEOUT_MS 5000
/* Long enough for the half that was sent to come back, never for the rest. */
#define INJECTED_TIMEOUT_MS 5
/* After an error, the stream gives up with this probability, else recovers. */
#define ABORT_PROBABILITY 0.25

static const char ERR_TIMEOUT[] = "connection_timeout";
static const char ERR_CHECKSUM[] = "checksum_mismatch";
static const char ERR_RESET[] = "peer_reset";

static const char *const error_types[] = { ERR_TIMEOUT, ERR_CHECKSUM, ERR_RESET };

struct worker {
	struct sim *sim;
	unsigned int idx;
	struct peer peer;
	bool peer_up;
	bool thread_up;
	atomic_bool reset_next; /* the echo peer resets the connection on its next read */
	pthread_t thread;
	struct rng rng;
	uint8_t *out, *in;
	uint64_t chunk_seq;
};

struct amst {
	unsigned int n;
	struct worker *workers;
};

/* ---- the far end: echoes everything, resets the connection when told ---- */

static void echo_peer(int fd, void *ctx)
{
	struct worker *w = ctx;
	char buf[65536];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (atomic_load(&w->peer.stop))
				break;
			continue;
		}
		if (n <= 0)
			break;
		if (atomic_exchange(&w->reset_next, false)) {
			net_abort(fd);
			return;
		}
		if (net_send_all(fd, buf, (size_t)n) < 0)
			break;
	}
	close(fd);
}

/* ---- the near end ---- */

static const char *classify(int err)
{
	return err == ETIMEDOUT || err == EAGAIN || err == EWOULDBLOCK ? ERR_TIMEOUT : ERR_RESET;
}

/*
 * Sends out[*sent..send_limit) while reading the echo into in[*recvd..n),
 * both at once so neither side's buffers can fill up and block the other.
 * NULL once n bytes came back, else what went wrong.
 */
static const char *xfer(int fd, const uint8_t *out, uint8_t *in, size_t n, size_t send_limit,
			unsigned int timeout_ms, uint64_t *sent, uint64_t *recvd)
{
	uint64_t deadline = clock_now_ns() + timeout_ms * NS_PER_MS;

	while (*recvd < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = clock_now_ns();
		ssize_t k;
		int r;

		if (now >= deadline)
			return ERR_TIMEOUT;
		if (*sent < send_limit)
			p.events |= POLLOUT;
		r = poll(&p, 1, (int)((deadline - now + NS_PER_MS - 1) / NS_PER_MS));
		if (r < 0 && errno != EINTR)
			return classify(errno);
		if (r <= 0)
			continue;
		if (p.revents & POLLOUT) {
			k = send(fd, out + *sent, send_limit - *sent, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k > 0)
				*sent += (uint64_t)k;
			else if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return classify(errno);
		}
		if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
			k = recv(fd, in + *recvd, n - *recvd, MSG_DONTWAIT);
			if (k == 0)
				return ERR_RESET;
			if (k > 0)
				*recvd += (uint64_t)k;
			else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return classify(errno);
		}
	}
	return NULL;
}

/* One chunk and its echo; inject makes that error happen for real. */
static const char *chunk(struct worker *w, int fd, size_t n, const char *inject, uint64_t *sent,
			 uint64_t *recvd)
{
	uint32_t expect = (uint32_t)crc32(0L, w->out, (uInt)n);
	const char *err = NULL, *late;

	if (inject == ERR_RESET)
		atomic_store(&w->reset_next, true);
	if (inject == ERR_CHECKSUM)
		w->out[n / 2] ^= 0x5a; /* corrupted on the way out, after the CRC */
	if (inject == ERR_TIMEOUT)
		err = xfer(fd, w->out, w->in, n, n / 2, INJECTED_TIMEOUT_MS, sent, recvd);
	if (!err || err == ERR_TIMEOUT) {
		/* a late echo still arrives: finish the chunk to keep the stream in step */
		late = xfer(fd, w->out, w->in, n, n, CHUNK_TIMEOUT_MS, sent, recvd);
		if (!err)
			err = late;
		else if (late)
			err = late;
	}
	if (inject == ERR_CHECKSUM)
		w->out[n / 2] ^= 0x5a;
	if (inject == ERR_RESET)
		atomic_store(&w->reset_next, false);
	if (!err && (uint32_t)crc32(0L, w->in, (uInt)n) != expect)
		err = ERR_CHECKSUM;
	return err;
}

/* The "handshake" operation: connect and a hello round trip. */
static const char *handshake(struct worker *w, const char *id, int *fdp)
{
	struct ledger_op op = ledger_op_start("handshake");
	char hello[HELLO_LEN] = { 0 }, ack[HELLO_LEN];
	const char *err = NULL;
	int fd, rc;

	uint64_t connect_start = clock_now_ns();

	fd = net_connect(w->peer.port);
	/* timed here, not in BPF: the op_duration probe's way */
	ledger_op_duration("connect", clock_now_ns() - connect_start);
	if (fd < 0) {
		err = classify(-fd);
	} else {
		net_set_timeout(fd, CHUNK_TIMEOUT_MS);
		snprintf(hello, sizeof(hello), "DWCP/1 HELLO %.50s", id);
		rc = net_send_all(fd, hello, sizeof(hello));
		if (rc == 0)
			rc = net_recv_all(fd, ack, sizeof(ack));
		sim_count(&w->sim->stats.link_bytes, sizeof(hello));
		if (rc < 0)
			err = classify(-rc);
		else if (memcmp(hello, ack, sizeof(hello)) != 0)
			err = ERR_CHECKSUM;
		else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
			err = ERR_RESET;
	}
	ledger_op_end(op);
	if (err && fd >= 0)
		close(fd);
	*fdp = err ? -1 : fd;
	return err;
}

static const char *run_stream(struct worker *w, int stream, const char *id)
{
	struct sim *sim = w->sim;
	const struct sim_options *o = sim->opt;
	const char *result = "success";
	struct pacer pacer;
	uint64_t payload = 0;
	int fd = -1;

	pacer_init(&pacer, o->rate, clock_now_ns());
	while (payload < o->stream_bytes) {
		uint64_t sent = 0, recvd = 0;
		const char *inject = NULL, *err;
		struct ledger_op op;
		size_t n;

		if (!pacer_wait(&pacer, &sim->work_stop)) {
			result = "cancelled";
			break;
		}
		if (fd < 0) {
			err = handshake(w, id, &fd);
			if (err) {
				ledger_stream_error(stream, err);
				sim_count(&sim->stats.stream_errors, 1);
				result = "error";
				break;
			}
		}
		n = o->stream_bytes - payload < o->chunk_bytes ? o->stream_bytes - payload
							       : o->chunk_bytes;
		if (rng_chance(&w->rng, sim_error_rate(sim, clock_now_ns())))
			inject = error_types[rng_below(&w->rng, 3)];
		w->chunk_seq++;
		memcpy(w->out, &w->chunk_seq, n < sizeof(w->chunk_seq) ? n : sizeof(w->chunk_seq));

		op = ledger_op_start("chunk_send");
		err = chunk(w, fd, n, inject, &sent, &recvd);
		ledger_op_end(op);
		ledger_stream_data(stream, sent, recvd);
		sim_count(&sim->stats.chunks, 1);
		sim_count(&sim->stats.link_bytes, sent);
		if (!err) {
			payload += n;
			continue;
		}
		ledger_stream_error(stream, err);
		sim_count(&sim->stats.stream_errors, 1);
		if (sent != n || recvd != n) { /* out of step: start a new connection */
			close(fd);
			fd = -1;
		}
		if (rng_chance(&w->rng, ABORT_PROBABILITY)) {
			result = "error";
			break;
		}
	}
	if (fd >= 0)
		close(fd);
	return result;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct sim *sim = w->sim;
	uint64_t seq = 0;

	while (!stopper_stopped(&sim->work_stop)) {
		char id[96];
		int stream;

		snprintf(id, sizeof(id), "%s%d-%u-%llu", sim->opt->stream_prefix, sim->pid, w->idx,
			 (unsigned long long)seq++);
		stream = ledger_stream_start(id);
		ledger_stream_end(stream, run_stream(w, stream, id));
	}
	return NULL;
}

static int worker_init(struct worker *w, struct sim *sim, unsigned int idx)
{
	size_t i;
	int rc;

	w->sim = sim;
	w->idx = idx;
	atomic_init(&w->reset_next, false);
	rng_seed(&w->rng, sim->opt->seed, 0x100 + idx);
	w->out = malloc(sim->opt->chunk_bytes);
	w->in = malloc(sim->opt->chunk_bytes);
	if (!w->out || !w->in)
		return -ENOMEM;
	for (i = 0; i < sim->opt->chunk_bytes; i++)
		w->out[i] = (uint8_t)rng_next(&w->rng);
	rc = peer_start(&w->peer, echo_peer, w);
	if (rc < 0)
		return rc;
	w->peer_up = true;
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	if (rc)
		return -rc;
	w->thread_up = true;
	return 0;
}

struct amst *amst_start(struct sim *sim)
{
	struct amst *a = calloc(1, sizeof(*a));
	unsigned int i;
	int rc;

	if (!a)
		return NULL;
	a->n = sim->opt->streams;
	a->workers = calloc(a->n ? a->n : 1, sizeof(*a->workers));
	if (!a->workers) {
		free(a);
		return NULL;
	}
	for (i = 0; i < a->n; i++) {
		rc = worker_init(&a->workers[i], sim, i);
		if (rc < 0) {
			fprintf(stderr, "dwcp-sim: amst: cannot start stream worker %u: %s\n", i,
				strerror(-rc));
			stopper_stop(&sim->work_stop);
			amst_join(a);
			return NULL;
		}
	}
	return a;
}

void amst_join(struct amst *a)
{
	unsigned int i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++) {
		struct worker *w = &a->workers[i];

		if (w->thread_up)
			pthread_join(w->thread, NULL);
		if (w->peer_up)
			peer_stop(&w->peer);
		free(w->out);
		free(w->in);
	}
	free(a->workers);
	free(a);
}
