// SPDX-License-Identifier: Apache-2.0
/* tls_names.c: the two tables of tls_names.h. */
#include "web/tls_names.h"

#include <stdio.h>
#include <string.h>

static const struct tls_suite suites[] = {
	{ "TLS_AES_128_GCM_SHA256", true, NULL, NULL, NULL },
	{ "TLS_AES_256_GCM_SHA384", true, NULL, NULL, NULL },
	{ "TLS_CHACHA20_POLY1305_SHA256", true, NULL, NULL, NULL },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false, "ECDHE-ECDSA", "AES-128-GCM", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", false, "ECDHE-ECDSA", "AES-256-GCM", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", false, "ECDHE-ECDSA", "CHACHA20-POLY1305", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false, "ECDHE-RSA", "AES-128-GCM", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", false, "ECDHE-RSA", "AES-256-GCM", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false, "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", false, "ECDHE-ECDSA", "AES-128-CBC", "SHA1" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", false, "ECDHE-ECDSA", "AES-256-CBC", "SHA1" },
	{ "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", false, "ECDHE-RSA", "AES-128-CBC", "SHA1" },
	{ "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", false, "ECDHE-RSA", "AES-256-CBC", "SHA1" },
	{ "TLS_RSA_WITH_AES_128_GCM_SHA256", false, "RSA", "AES-128-GCM", "AEAD" },
	{ "TLS_RSA_WITH_AES_256_GCM_SHA384", false, "RSA", "AES-256-GCM", "AEAD" },
	{ "TLS_RSA_WITH_AES_128_CBC_SHA", false, "RSA", "AES-128-CBC", "SHA1" },
	{ "TLS_RSA_WITH_AES_256_CBC_SHA", false, "RSA", "AES-256-CBC", "SHA1" },
};

static const struct tls_curve curves[] = {
	{ "CurveP256", "SECP256R1" },
	{ "CurveP384", "SECP384R1" },
	{ "CurveP521", "SECP521R1" },
	{ "X25519", "X25519" },
};

const struct tls_suite *tls_suite_find(const char *go_name)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (!strcmp(suites[i].go, go_name))
			return &suites[i];
	return NULL;
}

const struct tls_curve *tls_curve_find(const char *go_name)
{
	for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (!strcmp(curves[i].go, go_name))
			return &curves[i];
	return NULL;
}

bool tls_suite_listed(const struct tls_suite *const *list, size_t n, const char *kx, const char *cipher,
		      const char *mac)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n && kx && cipher && mac; i++)
		if (!list[i]->tls13 && !strcmp(list[i]->kx, kx) && !strcmp(list[i]->cipher, cipher) &&
		    !strcmp(list[i]->mac, mac))
			return true;
	return false;
}

static void names(char *buf, size_t len, const void *table, size_t n, size_t stride)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		const char *name = *(const char *const *)((const char *)table + i * stride);
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", name);

		used += w > 0 ? (size_t)w : 0;
	}
}

void tls_suite_names(char *buf, size_t len)
{
	names(buf, len, suites, sizeof(suites) / sizeof(suites[0]), sizeof(suites[0]));
}

void tls_curve_names(char *buf, size_t len)
{
	names(buf, len, curves, sizeof(curves) / sizeof(curves[0]), sizeof(curves[0]));
}
