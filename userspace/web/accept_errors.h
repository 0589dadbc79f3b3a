/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accept_errors.h: libmicrohttpd's failed accepts, seen through its error
 * logger (the only place it reports them), counted by errno, logged at
 * most every ACCEPT_LOG_INTERVAL_S with how many since, and slowed down.
 *
 * Why slowed: when accept() fails with EMFILE or ENFILE while no connection
 * is open, libmicrohttpd (0.9.75) retries at once, forever ("Will try busy
 * waiting for system resources to become magically available"): the
 * pending connection keeps the listen socket readable, and its thread spins
 * on a CPU. The logger runs in that thread, so waiting ACCEPT_RETRY_MS there
 * turns the spin into a retry every 50 ms; the client waits in the listen
 * backlog and is accepted as soon as a descriptor is free. (With
 * connections open, libmicrohttpd stops accepting until one closes.)
 *
 * What it offers
 *   - accept_errors_seen(): given one of libmicrohttpd's messages, true if
 *     it was a failed accept (counted, logged, waited on).
 *   - accept_errors_read(): the counts, by accept_errnos[i].
 *   - accept_errors_recovered(): called for each request; logs once, after
 *     failures were logged, that requests come in again.
 */
#ifndef DWCP_ACCEPT_ERRORS_H
#define DWCP_ACCEPT_ERRORS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define ACCEPT_ERRNO_COUNT 5
/* EMFILE, ENFILE, ENOBUFS, ENOMEM, then 0: any other errno */
extern const int accept_errnos[ACCEPT_ERRNO_COUNT];

#define ACCEPT_RETRY_MS 50
#define ACCEPT_LOG_INTERVAL_S 10

struct accept_errors {
	_Atomic uint64_t counts[ACCEPT_ERRNO_COUNT];
	/* the log's rate limit (one listen thread per address): under lock */
	pthread_mutex_t lock;
	uint64_t unlogged;    /* failures since the last line */
	long logged_at;       /* monotonic seconds of the last line; 0: none yet */
	_Atomic bool failing; /* a failure was logged, its recovery not yet */
};

void accept_errors_init(struct accept_errors *a);
void accept_errors_free(struct accept_errors *a);
bool accept_errors_seen(struct accept_errors *a, const char *listen, const char *mhd_message);
void accept_errors_recovered(struct accept_errors *a);
void accept_errors_read(struct accept_errors *a, uint64_t out[ACCEPT_ERRNO_COUNT]);

#endif /* DWCP_ACCEPT_ERRORS_H */
