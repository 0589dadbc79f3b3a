/* SPDX-License-Identifier: Apache-2.0 */
/*
 * web_config.h: the --web.config.file format, the Prometheus
 * exporter-toolkit web configuration, read with libyaml
 * (base/yaml_tree.h). userspace/web/README.md has the table of keys.
 *
 * What it offers
 *   - web_config_parse(): text in, struct out. Pure: reads no files (the
 *     certificate files are read by tls_material.c), so the unit tests and
 *     the fuzzer drive it directly.
 *   - web_config_load(): reads a file (at most WEB_CONFIG_MAX_BYTES) and
 *     parses it.
 *   - web_config_tls_priorities(): the GnuTLS priority string for the
 *     versions, cipher suites, curves and preference of the config.
 *
 * Strict as exporter-toolkit's yaml.UnmarshalStrict: an unknown key, a key
 * given twice or a value of the wrong type is an error naming the file, the
 * line and the key; so are the checks exporter-toolkit makes when it builds
 * its TLS config (a client CA without a client auth type, allowed SANs
 * without a required certificate, unknown names). The one deliberate
 * difference: TLS10 and TLS11 are refused (RFC 8996).
 */
#ifndef DWCP_WEB_CONFIG_H
#define DWCP_WEB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "web/tls_names.h"

#define WEB_CONFIG_MAX_BYTES (1024 * 1024)
#define WEB_CONFIG_MAX_LIST 64   /* cipher suites, curves, allowed SANs */
#define WEB_CONFIG_MAX_HEADERS 5 /* the headers exporter-toolkit allows */

enum web_tls_version {
	WEB_TLS_DEFAULT = 0,
	WEB_TLS12 = 12,
	WEB_TLS13 = 13,
};

/* exporter-toolkit's client_auth_type values, Go's tls.ClientAuthType. */
enum web_client_auth {
	WEB_NO_CLIENT_CERT,                /* no certificate asked for */
	WEB_REQUEST_CLIENT_CERT,           /* asked for, not required, not verified */
	WEB_REQUIRE_ANY_CLIENT_CERT,       /* required, not verified */
	WEB_VERIFY_CLIENT_CERT_IF_GIVEN,   /* not required, verified if given */
	WEB_REQUIRE_AND_VERIFY_CLIENT_CERT, /* required and verified */
};

struct web_user {
	char *name;
	char *hash; /* bcrypt, as written in the file */
};

struct web_header {
	const char *name; /* one of the allowed names (static) */
	char *value;
};

struct web_config {
	/* tls_server_config. tls: any of the certificate, key, client CA or
	 * client auth type is set (exporter-toolkit's TLSConfig.IsEnabled);
	 * otherwise the other TLS keys are ignored and HTTP is plain, as there. */
	bool tls;
	char *cert_file, *key_file, *client_ca_file; /* resolved paths, or NULL */
	char *cert, *key, *client_ca;                /* inline PEM, or NULL; a file wins over it */
	unsigned tls_line, cert_line, key_line, client_ca_line; /* where they are written, for errors */
	enum web_client_auth client_auth;
	char **allowed_sans; /* client_allowed_sans */
	size_t n_allowed_sans;
	bool allowed_sans_set; /* given, even empty: then a SAN must match */
	const struct tls_suite *cipher_suites[WEB_CONFIG_MAX_LIST];
	size_t n_cipher_suites;
	const struct tls_curve *curves[WEB_CONFIG_MAX_LIST];
	size_t n_curves;
	bool prefer_server_cipher_suites; /* default true */
	enum web_tls_version min_version; /* never WEB_TLS_DEFAULT after a parse */
	enum web_tls_version max_version;

	/* http_server_config */
	bool http2; /* default true; HTTP/1.1 is served either way (ALPN) */
	struct web_header headers[WEB_CONFIG_MAX_HEADERS];
	size_t n_headers;

	/* rate_limit: a token bucket of burst tokens, one more every interval;
	 * interval 0 (or negative): no limit */
	int64_t rate_interval_ns;
	int64_t rate_burst;

	/* basic_auth_users */
	struct web_user *users; /* none: no basic auth */
	size_t n_users;
};

/*
 * Parses len bytes of text. path names the file in errors and is the base
 * of relative file paths (as exporter-toolkit resolves them). 0, or -1 with
 * err like
 *   "web config /etc/x.yml line 3: tls_server_config.min_version: ..."
 * and out zeroed. out must be freed with web_config_free after a success.
 */
int web_config_parse(const char *text, size_t len, const char *path, struct web_config *out, char *err,
		     size_t errlen);

/* Reads and parses path; errors as above, or "web config PATH: <errno text>". */
int web_config_load(const char *path, struct web_config *out, char *err, size_t errlen);

void web_config_free(struct web_config *c);

/*
 * The GnuTLS priority string: versions, then (when the config names them)
 * the TLS 1.2 suites' ciphers, key exchanges and MACs and the curves, and
 * %SERVER_PRECEDENCE for prefer_server_cipher_suites. GnuTLS combines
 * ciphers, key exchanges and MACs freely, and TLS 1.3 needs its own
 * ciphers, so the string can allow a TLS 1.2 combination the config does not
 * name: a handshake checks tls_suite_listed() as well (tls_session.c).
 */
void web_config_tls_priorities(const struct web_config *c, char *buf, size_t len);

#endif /* DWCP_WEB_CONFIG_H */
