/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls_material.h: what the HTTPS daemons serve with, and what a handshake
 * checks a client against.
 *
 * What it offers
 *   - tls_material_load(): the certificate, key and client CA of a web
 *     config, from their files (at most 1 MiB each) or inline, checked with
 *     GnuTLS (PEM, the key matching the certificate, at least one
 *     certificate in the client CA, the priority string valid), so that a
 *     bad file is reported by name and line rather than as a daemon that
 *     does not start. With it the client auth type, the allowed SANs, the
 *     TLS 1.2 suites allowed and the trust list client certificates are
 *     verified against: the client CA, or the system's as Go's does
 *     without one.
 *   - tls_material_same(): whether a reload changes what is served (the
 *     daemons are restarted only then).
 *   - tls_material_free(): wipes the key.
 *
 * The material must outlive the daemons that were started with it.
 */
#ifndef DWCP_TLS_MATERIAL_H
#define DWCP_TLS_MATERIAL_H

#include <gnutls/x509.h>
#include <stdbool.h>
#include <stddef.h>

#include "web/web_config.h"

struct tls_material {
	char *cert_pem, *key_pem;
	char *ca_pem; /* the client CA; NULL without */
	char priorities[1024]; /* GnuTLS priority string */
	enum web_client_auth client_auth;
	char **allowed_sans;
	size_t n_allowed_sans;
	bool allowed_sans_set;
	const struct tls_suite *suites[WEB_CONFIG_MAX_LIST]; /* cipher_suites; none: any */
	size_t n_suites;
	gnutls_x509_trust_list_t trust; /* for the verifying auth types; else NULL */
};

/* 0 with *out set, or NULL when the web config has no TLS; -1 with err
 * naming the config file, the line, the key and the reason. */
int tls_material_load(const char *cfgpath, const struct web_config *w, struct tls_material **out, char *err,
		      size_t errlen);
/* Equal everything (two NULLs are equal). */
bool tls_material_same(const struct tls_material *a, const struct tls_material *b);
/* NULL is fine. */
void tls_material_free(struct tls_material *t);

#endif /* DWCP_TLS_MATERIAL_H */
