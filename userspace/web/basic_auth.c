// SPDX-License-Identifier: Apache-2.0
/*
 * basic_auth.c: basic-auth credentials against the web config's bcrypt
 * hashes (libxcrypt's crypt_rn), with a cache of successful checks.
 */
#include "web/basic_auth.h"

#include <crypt.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void basic_auth_init(struct basic_auth *a)
{
	memset(a, 0, sizeof(*a));
	pthread_rwlock_init(&a->lock, NULL);
	pthread_mutex_init(&a->cache_lock, NULL);
}

void basic_auth_free(struct basic_auth *a)
{
	web_config_free(&a->web);
	pthread_mutex_destroy(&a->cache_lock);
	pthread_rwlock_destroy(&a->lock);
}

void basic_auth_replace(struct basic_auth *a, struct web_config *w)
{
	struct web_config old;

	pthread_rwlock_wrlock(&a->lock);
	old = a->web;
	a->web = *w;
	pthread_rwlock_unlock(&a->lock);
	pthread_mutex_lock(&a->cache_lock);
	memset(a->cache, 0, sizeof(a->cache));
	pthread_mutex_unlock(&a->cache_lock);
	web_config_free(&old);
	memset(w, 0, sizeof(*w));
}

bool basic_auth_enabled(struct basic_auth *a)
{
	bool any;

	pthread_rwlock_rdlock(&a->lock);
	any = a->web.n_users > 0;
	pthread_rwlock_unlock(&a->lock);
	return any;
}

static bool auth_digest(const char *user, const char *pass, const char *hash, unsigned char out[32])
{
	gnutls_hash_hd_t h;

	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return false;
	/* with the NULs, so that no two (user, password) pairs run together */
	gnutls_hash(h, user, strlen(user) + 1);
	gnutls_hash(h, pass, strlen(pass) + 1);
	gnutls_hash(h, hash, strlen(hash) + 1);
	gnutls_hash_deinit(h, out);
	return true;
}

static bool cache_has(struct basic_auth *a, const unsigned char d[32])
{
	bool hit = false;

	pthread_mutex_lock(&a->cache_lock);
	for (size_t i = 0; i < BASIC_AUTH_CACHE_SIZE && !hit; i++)
		hit = a->cache[i].used && !memcmp(a->cache[i].digest, d, 32);
	pthread_mutex_unlock(&a->cache_lock);
	return hit;
}

static void cache_add(struct basic_auth *a, const unsigned char d[32])
{
	pthread_mutex_lock(&a->cache_lock);
	memcpy(a->cache[a->cache_next].digest, d, 32);
	a->cache[a->cache_next].used = true;
	a->cache_next = (a->cache_next + 1) % BASIC_AUTH_CACHE_SIZE;
	pthread_mutex_unlock(&a->cache_lock);
}

/* Equal strings, in a time that depends only on their lengths. */
static bool ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/*
 * The password checked with crypt() against the user's bcrypt hash. An
 * unknown user is checked against another user's hash, so that it takes
 * as long as a wrong password and timing does not tell which users exist.
 */
bool basic_auth_check(struct basic_auth *a, const char *user, const char *pass)
{
	char hash[128];
	bool known = false, ok;
	unsigned char digest[32];
	bool have_digest;
	struct crypt_data *cd;
	const char *out;

	pthread_rwlock_rdlock(&a->lock);
	if (!a->web.n_users) {
		/* a reload removed basic auth since the caller looked */
		pthread_rwlock_unlock(&a->lock);
		return true;
	}
	snprintf(hash, sizeof(hash), "%s", a->web.users[0].hash);
	for (size_t i = 0; i < a->web.n_users; i++) {
		if (!strcmp(a->web.users[i].name, user)) {
			snprintf(hash, sizeof(hash), "%s", a->web.users[i].hash);
			known = true;
		}
	}
	pthread_rwlock_unlock(&a->lock);

	have_digest = known && auth_digest(user, pass, hash, digest);
	if (have_digest && cache_has(a, digest))
		return true;
	cd = calloc(1, sizeof(*cd)); /* 32 KiB: not on a connection thread's stack */
	if (!cd)
		return false;
	out = crypt_rn(pass, hash, cd, sizeof(*cd));
	ok = known && out && ct_streq(out, hash);
	free(cd);
	if (ok && have_digest)
		cache_add(a, digest);
	return ok;
}
