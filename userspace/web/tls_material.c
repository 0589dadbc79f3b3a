// SPDX-License-Identifier: Apache-2.0
/*
 * tls_material.c: the certificate, key and client CA a web config names,
 * read into memory and checked with GnuTLS before any daemon uses them.
 */
#include "web/tls_material.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLS_FILE_MAX (1024 * 1024)

/* Reads a PEM file named by the web config into a new string. */
static char *read_pem(const char *cfgpath, unsigned line, const char *key, const char *file, char *err,
		      size_t errlen)
{
	FILE *f = fopen(file, "re");
	char *buf = NULL;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "web config %s line %u: %s: %s: %s", cfgpath, line, key, file, strerror(errno));
		return NULL;
	}
	buf = malloc(TLS_FILE_MAX + 1);
	n = buf ? fread(buf, 1, TLS_FILE_MAX, f) : 0;
	if (!buf || ferror(f) || n == 0) {
		snprintf(err, errlen, "web config %s line %u: %s: %s: %s", cfgpath, line, key, file,
			 !buf ? "out of memory" : ferror(f) ? strerror(errno) : "empty file");
		free(buf);
		buf = NULL;
	} else {
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

/* The file's text if the file is named, else a copy of the inline text. */
static char *file_or_inline(const char *cfgpath, unsigned line, const char *key, const char *file,
			    const char *text, char *err, size_t errlen)
{
	char *r;

	if (file)
		return read_pem(cfgpath, line, key, file, err, errlen);
	r = strdup(text);
	if (!r)
		snprintf(err, errlen, "out of memory");
	return r;
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
	free(t->ca_pem);
	for (size_t i = 0; i < t->n_allowed_sans; i++)
		free(t->allowed_sans[i]);
	free(t->allowed_sans);
	if (t->trust)
		gnutls_x509_trust_list_deinit(t->trust, 1);
	free(t);
}

/* The key must match the certificate: GnuTLS checks when it loads them. */
static int check_pair(const char *cfgpath, const struct web_config *w, struct tls_material *t, char *err,
		      size_t errlen)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cd = { (unsigned char *)t->cert_pem, (unsigned)strlen(t->cert_pem) };
	gnutls_datum_t kd = { (unsigned char *)t->key_pem, (unsigned)strlen(t->key_pem) };
	int rc;

	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = gnutls_certificate_set_x509_key_mem2(cred, &cd, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_certificate_free_credentials(cred);
	if (rc < 0) {
		snprintf(err, errlen, "web config %s line %u: tls_server_config: %s%s with %s%s: %s", cfgpath,
			 w->tls_line, w->cert_file ? "cert_file " : "cert", w->cert_file ? w->cert_file : "",
			 w->key_file ? "key_file " : "key", w->key_file ? w->key_file : "", gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

/* At least one certificate in the client CA, into a trust list. */
static int load_trust(const char *cfgpath, const struct web_config *w, struct tls_material *t, char *err,
		      size_t errlen)
{
	const char *key = w->client_ca_file ? "tls_server_config.client_ca_file" : "tls_server_config.client_ca";
	bool verifies = w->client_auth == WEB_VERIFY_CLIENT_CERT_IF_GIVEN ||
			w->client_auth == WEB_REQUIRE_AND_VERIFY_CLIENT_CERT;
	int rc;

	if (t->ca_pem) {
		gnutls_datum_t d = { (unsigned char *)t->ca_pem, (unsigned)strlen(t->ca_pem) };
		gnutls_x509_crt_t *crts = NULL;
		unsigned n = 0;

		rc = gnutls_x509_crt_list_import2(&crts, &n, &d, GNUTLS_X509_FMT_PEM, 0);
		for (unsigned i = 0; rc >= 0 && i < n; i++)
			gnutls_x509_crt_deinit(crts[i]);
		gnutls_free(crts);
		if (rc < 0 || n == 0) {
			snprintf(err, errlen, "web config %s line %u: %s: %s%s%s", cfgpath, w->client_ca_line, key,
				 w->client_ca_file ? w->client_ca_file : "", w->client_ca_file ? ": " : "",
				 rc < 0 ? gnutls_strerror(rc) : "no certificate found");
			return -1;
		}
	}
	if (!verifies)
		return 0;
	if (gnutls_x509_trust_list_init(&t->trust, 0) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (t->ca_pem) {
		gnutls_datum_t d = { (unsigned char *)t->ca_pem, (unsigned)strlen(t->ca_pem) };

		rc = gnutls_x509_trust_list_add_trust_mem(t->trust, &d, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
	} else {
		/* as Go verifies without ClientCAs: against the system's roots */
		rc = gnutls_x509_trust_list_add_system_trust(t->trust, 0, 0);
	}
	if (rc < 0) {
		snprintf(err, errlen, "web config %s line %u: %s: %s", cfgpath, t->ca_pem ? w->client_ca_line : w->tls_line,
			 t->ca_pem ? key : "tls_server_config.client_auth_type (the system's CAs)", gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

int tls_material_load(const char *cfgpath, const struct web_config *w, struct tls_material **out, char *err,
		      size_t errlen)
{
	struct tls_material *t;
	gnutls_priority_t prio;
	const char *errpos;
	int rc;

	*out = NULL;
	if (!w->tls)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->cert_pem = file_or_inline(cfgpath, w->cert_line, w->cert_file ? "tls_server_config.cert_file" : "tls_server_config.cert",
				     w->cert_file, w->cert, err, errlen);
	if (t->cert_pem)
		t->key_pem = file_or_inline(cfgpath, w->key_line,
					    w->key_file ? "tls_server_config.key_file" : "tls_server_config.key",
					    w->key_file, w->key, err, errlen);
	if (t->key_pem && (w->client_ca_file || w->client_ca) &&
	    !(t->ca_pem = file_or_inline(cfgpath, w->client_ca_line, "tls_server_config.client_ca_file",
					 w->client_ca_file, w->client_ca, err, errlen)))
		goto fail;
	if (!t->key_pem || check_pair(cfgpath, w, t, err, errlen) < 0 || load_trust(cfgpath, w, t, err, errlen) < 0)
		goto fail;
	t->client_auth = w->client_auth;
	t->allowed_sans_set = w->allowed_sans_set;
	if (w->n_allowed_sans && !(t->allowed_sans = calloc(w->n_allowed_sans, sizeof(char *)))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < w->n_allowed_sans; i++) {
		if (!(t->allowed_sans[i] = strdup(w->allowed_sans[i]))) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		t->n_allowed_sans++;
	}
	memcpy(t->suites, w->cipher_suites, sizeof(t->suites));
	t->n_suites = w->n_cipher_suites;
	web_config_tls_priorities(w, t->priorities, sizeof(t->priorities));
	rc = gnutls_priority_init(&prio, t->priorities, &errpos);
	if (rc < 0) {
		snprintf(err, errlen, "web config %s line %u: tls_server_config: TLS priorities %s: %s (at \"%.32s\")",
			 cfgpath, w->tls_line, t->priorities, gnutls_strerror(rc), errpos ? errpos : "");
		goto fail;
	}
	gnutls_priority_deinit(prio);
	*out = t;
	return 0;
fail:
	tls_material_free(t);
	return -1;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

bool tls_material_same(const struct tls_material *a, const struct tls_material *b)
{
	if (!a || !b)
		return a == b;
	if (!same_str(a->cert_pem, b->cert_pem) || !same_str(a->key_pem, b->key_pem) ||
	    !same_str(a->ca_pem, b->ca_pem) || strcmp(a->priorities, b->priorities) ||
	    a->client_auth != b->client_auth || a->allowed_sans_set != b->allowed_sans_set ||
	    a->n_allowed_sans != b->n_allowed_sans || a->n_suites != b->n_suites ||
	    memcmp(a->suites, b->suites, a->n_suites * sizeof(a->suites[0])))
		return false;
	for (size_t i = 0; i < a->n_allowed_sans; i++)
		if (strcmp(a->allowed_sans[i], b->allowed_sans[i]))
			return false;
	return true;
}
