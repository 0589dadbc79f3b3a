/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls_session.h: what one HTTPS connection's handshake enforces, as Go's
 * crypto/tls does for exporter-toolkit: the client certificate its auth
 * type asks for, its verification against the client CA, the allowed SANs,
 * and the TLS 1.2 cipher suites of the config.
 *
 * What it offers
 *   - tls_session_notify(): an MHD_OPTION_NOTIFY_CONNECTION callback whose
 *     closure is the daemon's struct tls_material. libmicrohttpd calls it
 *     when a connection starts, before its thread runs the handshake; it
 *     sets the session's certificate request (GnuTLS: ignore, request or
 *     require), a verify function and a handshake hook. Every refusal
 *     fails the handshake with an alert, and is logged (log_event, info)
 *     with the client's reason.
 *   - tls_session_check_peer(): the pure check of a peer's chain, for the
 *     unit tests.
 */
#ifndef DWCP_TLS_SESSION_H
#define DWCP_TLS_SESSION_H

#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <stddef.h>

#include "web/tls_material.h"

void tls_session_notify(void *cls, struct MHD_Connection *c, void **socket_context,
			enum MHD_ConnectionNotificationCode code);

/*
 * The checks of t on a peer's chain (DER certificates, leaf first; n may be
 * 0): 0, or -1 with why ("certificate signed by unknown authority",
 * "could not find allowed SANs in client cert, ...").
 */
int tls_session_check_peer(const struct tls_material *t, const gnutls_datum_t *chain, unsigned n, char *why,
			   size_t whylen);

#endif /* DWCP_TLS_SESSION_H */
