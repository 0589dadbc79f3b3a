// SPDX-License-Identifier: Apache-2.0
/*
 * tls_session.c: the per-connection side of tls_material: a session's
 * certificate request, its verify function (chain and SANs) and its hook on
 * the Finished messages (the cipher suite).
 */
#include "web/tls_session.h"

#include <arpa/inet.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"

/* The material of the daemon a session belongs to: libmicrohttpd keeps its
 * connection as the session's pointer, and ours as the connection's socket
 * context. */
static const struct tls_material *material_of(gnutls_session_t s)
{
	struct MHD_Connection *c = gnutls_session_get_ptr(s);
	const union MHD_ConnectionInfo *ci =
		c ? MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;

	return ci ? ci->socket_context : NULL;
}

static void log_refusal(gnutls_session_t s, const char *why)
{
	struct MHD_Connection *c = gnutls_session_get_ptr(s);
	const union MHD_ConnectionInfo *ci = c ? MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
	char addr[INET6_ADDRSTRLEN] = "?";

	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, addr, sizeof(addr));
	else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, addr, sizeof(addr));
	log_event(LOG_INFO, "TLS handshake refused", "client", addr, "reason", why, NULL);
}

/* Does the leaf carry one of the allowed SANs? Go compares DNS names,
 * e-mail addresses, IP addresses (as text) and URIs. */
static int check_sans(const struct tls_material *t, gnutls_x509_crt_t leaf, char *why, size_t whylen)
{
	for (unsigned seq = 0;; seq++) {
		char buf[1024], text[INET6_ADDRSTRLEN];
		size_t size = sizeof(buf) - 1;
		const char *value = buf;
		int type = gnutls_x509_crt_get_subject_alt_name(leaf, seq, buf, &size, NULL);

		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type == GNUTLS_E_SHORT_MEMORY_BUFFER)
			continue;
		if (type < 0) {
			snprintf(why, whylen, "error parsing client certificate: %s", gnutls_strerror(type));
			return -1;
		}
		buf[size] = '\0';
		if (type == GNUTLS_SAN_IPADDRESS) {
			if (!inet_ntop(size == 4 ? AF_INET : AF_INET6, buf, text, sizeof(text)))
				continue;
			value = text;
		} else if (type != GNUTLS_SAN_DNSNAME && type != GNUTLS_SAN_RFC822NAME && type != GNUTLS_SAN_URI) {
			continue;
		}
		for (size_t i = 0; i < t->n_allowed_sans; i++)
			if (!strcmp(value, t->allowed_sans[i]))
				return 0;
	}
	{
		size_t used = (size_t)snprintf(why, whylen, "could not find allowed SANs in client cert, found: [");

		for (size_t i = 0; i < t->n_allowed_sans && used < whylen; i++)
			used += (size_t)snprintf(why + used, whylen - used, "%s%s", i ? " " : "", t->allowed_sans[i]);
		if (used < whylen)
			snprintf(why + used, whylen - used, "]");
	}
	return -1;
}

int tls_session_check_peer(const struct tls_material *t, const gnutls_datum_t *chain, unsigned n, char *why,
			   size_t whylen)
{
	gnutls_x509_crt_t crts[16];
	unsigned have = 0;
	int rc = -1, err;
	bool verify = t->client_auth == WEB_VERIFY_CLIENT_CERT_IF_GIVEN ||
		      t->client_auth == WEB_REQUIRE_AND_VERIFY_CLIENT_CERT;

	if (n == 0) {
		if (t->client_auth == WEB_REQUIRE_ANY_CLIENT_CERT || t->client_auth == WEB_REQUIRE_AND_VERIFY_CLIENT_CERT) {
			snprintf(why, whylen, "client didn't provide a certificate");
			return -1;
		}
		if (t->allowed_sans_set) {
			snprintf(why, whylen, "client did not present a certificate to match against client_allowed_sans");
			return -1;
		}
		return 0;
	}
	if (!verify && !t->allowed_sans_set)
		return 0; /* asked for, taken as it is */
	for (; have < n && have < sizeof(crts) / sizeof(crts[0]); have++) {
		if (gnutls_x509_crt_init(&crts[have]) < 0) {
			snprintf(why, whylen, "out of memory");
			goto out;
		}
		err = gnutls_x509_crt_import(crts[have], &chain[have], GNUTLS_X509_FMT_DER);
		if (err < 0) {
			have++;
			snprintf(why, whylen, "error parsing client certificate: %s", gnutls_strerror(err));
			goto out;
		}
	}
	if (verify) {
		/* as Go verifies a client: the chain up to a trusted CA, in its
		 * validity, for client authentication (extended key usage) */
		gnutls_typed_vdata_st purpose = { GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT, 0 };
		unsigned status = 0;

		err = gnutls_x509_trust_list_verify_crt2(t->trust, crts, have, &purpose, 1, 0, &status, NULL);
		if (err < 0 || status) {
			gnutls_datum_t text = { NULL, 0 };

			if (err >= 0)
				gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0);
			snprintf(why, whylen, "client certificate not verified: %s",
				 err < 0 ? gnutls_strerror(err) : text.data ? (const char *)text.data : "untrusted");
			gnutls_free(text.data);
			goto out;
		}
	}
	if (t->allowed_sans_set && check_sans(t, crts[0], why, whylen) < 0)
		goto out;
	rc = 0;
out:
	for (unsigned i = 0; i < have; i++)
		gnutls_x509_crt_deinit(crts[i]);
	return rc;
}

/* GnuTLS calls it when the client's certificate (or its absence) is known. */
static int verify_peer(gnutls_session_t s)
{
	const struct tls_material *t = material_of(s);
	const gnutls_datum_t *chain;
	unsigned n = 0;
	char why[512];

	if (!t)
		return -1;
	chain = gnutls_certificate_get_peers(s, &n);
	if (tls_session_check_peer(t, chain, chain ? n : 0, why, sizeof(why)) == 0)
		return 0;
	log_refusal(s, why);
	return -1;
}

/*
 * TLS 1.2 must use one of cipher_suites (TLS 1.3 suites are not
 * configurable, as in Go). GnuTLS tells the negotiated cipher only once the
 * keys are in use, at the Finished messages: the client's comes first in a
 * full handshake, and refusing it fails the handshake before the server's
 * own Finished, so no request is ever read.
 */
static int check_suite(gnutls_session_t s, unsigned htype, unsigned when, unsigned incoming,
		       const gnutls_datum_t *msg)
{
	const struct tls_material *t = material_of(s);
	const char *kx, *cipher, *mac;
	char why[256];

	(void)htype;
	(void)when;
	(void)incoming;
	(void)msg;
	if (!t || gnutls_protocol_get_version(s) == GNUTLS_TLS1_3 || gnutls_cipher_get(s) == GNUTLS_CIPHER_NULL)
		return 0;
	kx = gnutls_kx_get_name(gnutls_kx_get(s));
	cipher = gnutls_cipher_get_name(gnutls_cipher_get(s));
	mac = gnutls_mac_get_name(gnutls_mac_get(s));
	if (tls_suite_listed(t->suites, t->n_suites, kx, cipher, mac))
		return 0;
	snprintf(why, sizeof(why), "cipher suite %s %s %s is not in cipher_suites", kx ? kx : "?",
		 cipher ? cipher : "?", mac ? mac : "?");
	log_refusal(s, why);
	return GNUTLS_E_UNKNOWN_CIPHER_SUITE;
}

void tls_session_notify(void *cls, struct MHD_Connection *c, void **socket_context,
			enum MHD_ConnectionNotificationCode code)
{
	const struct tls_material *t = cls;
	const union MHD_ConnectionInfo *ci;
	gnutls_session_t s;

	if (code != MHD_CONNECTION_NOTIFY_STARTED || !t)
		return;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return;
	s = ci->tls_session;
	*socket_context = (void *)t;
	switch (t->client_auth) {
	case WEB_NO_CLIENT_CERT:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_IGNORE);
		break;
	case WEB_REQUEST_CLIENT_CERT:
	case WEB_VERIFY_CLIENT_CERT_IF_GIVEN:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
		break;
	case WEB_REQUIRE_ANY_CLIENT_CERT:
	case WEB_REQUIRE_AND_VERIFY_CLIENT_CERT:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
		break;
	}
	if (t->client_auth != WEB_NO_CLIENT_CERT)
		gnutls_session_set_verify_function(s, verify_peer);
	if (t->n_suites)
		gnutls_handshake_set_hook_function(s, GNUTLS_HANDSHAKE_FINISHED, GNUTLS_HOOK_POST, check_suite);
}
