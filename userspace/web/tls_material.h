/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls_material.h: what the HTTPS daemons serve with.
 *
 * What it offers
 *   - tls_material_load(): the cert_file and key_file of a web config read
 *     into memory (at most 1 MiB each), checked with GnuTLS (both PEM, the
 *     key matching the certificate, the priority string for the configured
 *     TLS versions valid), so that a bad file is reported by name rather
 *     than as a daemon that does not start.
 *   - tls_material_same(): whether a reload changes what is served (the
 *     daemons are restarted only then).
 *   - tls_material_free(): wipes the key.
 *
 * The PEM text must outlive the daemons that were started with it.
 */
#ifndef DWCP_TLS_MATERIAL_H
#define DWCP_TLS_MATERIAL_H

#include <stdbool.h>
#include <stddef.h>

#include "web/web_config.h"

struct tls_material {
	char *cert_pem, *key_pem;
	char priorities[96]; /* GnuTLS priority string */
};

/* 0 with *out set, or NULL when the web config has no TLS; -1 with err
 * naming the config file, the key and the reason. */
int tls_material_load(const char *cfgpath, const struct web_config *w, struct tls_material **out, char *err,
		      size_t errlen);
/* Equal certificate, key and priorities (two NULLs are equal). */
bool tls_material_same(const struct tls_material *a, const struct tls_material *b);
/* NULL is fine. */
void tls_material_free(struct tls_material *t);

#endif /* DWCP_TLS_MATERIAL_H */
