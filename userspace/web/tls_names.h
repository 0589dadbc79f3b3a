/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls_names.h: Go's names of TLS cipher suites and curves, as a web config
 * writes them (exporter-toolkit takes them from crypto/tls), and what they
 * are in GnuTLS.
 *
 * What it offers
 *   - tls_suite_find(): a suite by Go's name. The names are those of Go's
 *     tls.CipherSuites() (the suites without known weaknesses); Go's
 *     insecure suites (RC4, 3DES, CBC with SHA-256) are unknown names here as
 *     they are to exporter-toolkit. The three TLS 1.3 suites are known names
 *     that configure nothing: in Go, as here, TLS 1.3 suites are not
 *     configurable.
 *   - tls_curve_find(): a curve by Go's name (CurveP256, CurveP384,
 *     CurveP521, X25519) and its GnuTLS group.
 *   - tls_suite_names(), tls_curve_names(): the known names, for errors.
 */
#ifndef DWCP_TLS_NAMES_H
#define DWCP_TLS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

struct tls_suite {
	const char *go;     /* "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" */
	bool tls13;         /* a TLS 1.3 suite: not configurable */
	const char *kx;     /* GnuTLS priority names: "ECDHE-RSA" */
	const char *cipher; /* "AES-128-GCM" */
	const char *mac;    /* "AEAD" or "SHA1" */
};

struct tls_curve {
	const char *go;    /* "CurveP256" */
	const char *group; /* GnuTLS: "SECP256R1" */
};

const struct tls_suite *tls_suite_find(const char *go_name);
const struct tls_curve *tls_curve_find(const char *go_name);

/* Whether a TLS 1.2 handshake may use this key exchange, cipher and MAC
 * (GnuTLS names) under a configured list of n suites: any when n is 0 (no
 * cipher_suites), else only a listed TLS 1.2 suite, as in Go. */
bool tls_suite_listed(const struct tls_suite *const *list, size_t n, const char *kx, const char *cipher,
		      const char *mac);

/* "A, B, C" into buf. */
void tls_suite_names(char *buf, size_t len);
void tls_curve_names(char *buf, size_t len);

#endif /* DWCP_TLS_NAMES_H */
