// SPDX-License-Identifier: Apache-2.0
/*
 * tls_material.c: the certificate and key a web config names, read into
 * memory and checked with GnuTLS before any daemon uses them.
 */
#include "web/tls_material.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLS_FILE_MAX (1024 * 1024)

/* Reads a PEM file named by the web config into a new string. */
static char *read_pem(const char *cfgpath, const char *key, const char *file, char *err, size_t errlen)
{
	FILE *f = fopen(file, "re");
	char *buf = NULL;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "web config %s: %s %s: %s", cfgpath, key, file, strerror(errno));
		return NULL;
	}
	buf = malloc(TLS_FILE_MAX + 1);
	n = buf ? fread(buf, 1, TLS_FILE_MAX, f) : 0;
	if (!buf || ferror(f) || n == 0) {
		snprintf(err, errlen, "web config %s: %s %s: %s", cfgpath, key, file,
			 !buf ? "out of memory" : ferror(f) ? strerror(errno) : "empty file");
		free(buf);
		buf = NULL;
	} else {
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

void tls_material_free(struct tls_material *t)
{
	if (!t)
		return;
	if (t->key_pem) {
		explicit_bzero(t->key_pem, strlen(t->key_pem));
		free(t->key_pem);
	}
	free(t->cert_pem);
	free(t);
}

/*
 * The cert and key of w, read and checked with GnuTLS (the key must match
 * the certificate), so that a bad file is reported by name rather than as
 * a daemon that does not start. *out stays NULL without TLS.
 */
int tls_material_load(const char *cfgpath, const struct web_config *w, struct tls_material **out,
			     char *err, size_t errlen)
{
	struct tls_material *t;
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	gnutls_datum_t cd, kd;
	const char *errpos;
	int rc;

	*out = NULL;
	if (!w->cert_file)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->cert_pem = read_pem(cfgpath, "tls_server_config.cert_file", w->cert_file, err, errlen);
	if (t->cert_pem)
		t->key_pem = read_pem(cfgpath, "tls_server_config.key_file", w->key_file, err, errlen);
	if (!t->key_pem) {
		tls_material_free(t);
		return -1;
	}
	web_config_tls_priorities(w, t->priorities, sizeof(t->priorities));

	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "out of memory");
		tls_material_free(t);
		return -1;
	}
	cd.data = (unsigned char *)t->cert_pem;
	cd.size = (unsigned)strlen(t->cert_pem);
	kd.data = (unsigned char *)t->key_pem;
	kd.size = (unsigned)strlen(t->key_pem);
	rc = gnutls_certificate_set_x509_key_mem2(cred, &cd, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_certificate_free_credentials(cred);
	if (rc < 0) {
		snprintf(err, errlen, "web config %s: tls_server_config: cert_file %s with key_file %s: %s", cfgpath,
			 w->cert_file, w->key_file, gnutls_strerror(rc));
		tls_material_free(t);
		return -1;
	}
	rc = gnutls_priority_init(&prio, t->priorities, &errpos);
	if (rc < 0) {
		snprintf(err, errlen, "web config %s: tls_server_config: TLS priorities %s: %s", cfgpath,
			 t->priorities, gnutls_strerror(rc));
		tls_material_free(t);
		return -1;
	}
	gnutls_priority_deinit(prio);
	*out = t;
	return 0;
}

bool tls_material_same(const struct tls_material *a, const struct tls_material *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a->cert_pem, b->cert_pem) && !strcmp(a->key_pem, b->key_pem) &&
	       !strcmp(a->priorities, b->priorities);
}
