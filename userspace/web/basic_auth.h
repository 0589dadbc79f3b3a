/* SPDX-License-Identifier: Apache-2.0 */
/*
 * basic_auth.h: HTTP basic auth for the exporter, the exporter-toolkit way:
 * users and bcrypt hashes from the web config (web_config.h).
 *
 * What it offers
 *   - basic_auth_replace(): the users of a freshly loaded web config (start
 *     and SIGHUP); checks that run meanwhile see the old or the new users,
 *     never a mix.
 *   - basic_auth_enabled(): whether any user is configured.
 *   - basic_auth_check(): a user and password against the stored hash.
 *     Thread-safe.
 *
 * crypt_rn() (libxcrypt's bcrypt) with a constant-time compare; an unknown
 * user is checked against another user's hash, so that it costs a crypt()
 * as well and timing does not tell which users exist. Successful checks are
 * cached by a SHA-256 of (user, password, stored hash), never the password
 * itself, so that scrapes do not pay bcrypt's cost each time; a replace
 * forgets them. Knows no HTTP: the caller extracts the credentials.
 */
#ifndef DWCP_BASIC_AUTH_H
#define DWCP_BASIC_AUTH_H

#include <pthread.h>
#include <stdbool.h>

#include "web/web_config.h"

/* Successful checks remembered. */
#define BASIC_AUTH_CACHE_SIZE 32

struct basic_auth_cache_entry {
	unsigned char digest[32]; /* SHA-256 of user, password and stored hash */
	bool used;
};

struct basic_auth {
	pthread_rwlock_t lock; /* web: replaced by a reload while requests read it */
	struct web_config web; /* its users; the rest is unused here */
	pthread_mutex_t cache_lock;
	struct basic_auth_cache_entry cache[BASIC_AUTH_CACHE_SIZE];
	unsigned cache_next;
};

void basic_auth_init(struct basic_auth *a);
void basic_auth_free(struct basic_auth *a);

/* Takes *w over (zeroing it) and frees the config it replaces. */
void basic_auth_replace(struct basic_auth *a, struct web_config *w);

bool basic_auth_enabled(struct basic_auth *a);

/* True for the right password of a configured user, or when no user is
 * configured (any more). */
bool basic_auth_check(struct basic_auth *a, const char *user, const char *pass);

#endif /* DWCP_BASIC_AUTH_H */
