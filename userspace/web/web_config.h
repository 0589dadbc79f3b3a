/* SPDX-License-Identifier: Apache-2.0 */
/*
 * web_config.h: the --web.config.file format, a strict subset of the
 * Prometheus exporter-toolkit web configuration (docs/web-configuration.md).
 *
 * What it offers
 *   - web_config_parse(): text in, struct out. Pure: reads no files, so the
 *     unit tests and the fuzzer drive it directly.
 *   - web_config_load(): reads a file (at most WEB_CONFIG_MAX_BYTES) and
 *     parses it.
 *   - web_config_tls_priorities(): the GnuTLS priority string for the
 *     configured TLS versions.
 *
 * The subset
 *   tls_server_config:       cert_file, key_file (both or neither; relative
 *                            paths resolve against the config file's
 *                            folder, as exporter-toolkit does), min_version
 *                            and max_version (TLS12 or TLS13; default
 *                            TLS12..TLS13), client_auth_type NoClientCert
 *   basic_auth_users:        user: bcrypt hash ($2a$, $2b$, $2y$)
 * Everything else is rejected with an error naming the line and key, never
 * ignored: a setting that looks active but is not (client certificates,
 * custom headers, TLS 1.0) is worse than a refusal to start.
 *
 * YAML: block mappings two levels deep, plain, 'single' and "double" quoted
 * scalars, # comments, an optional leading "---", and "{}" for an empty
 * mapping. No tabs in indentation, no duplicate keys, no anchors, tags,
 * flow collections or block scalars.
 */
#ifndef DWCP_WEB_CONFIG_H
#define DWCP_WEB_CONFIG_H

#include <stddef.h>

#define WEB_CONFIG_MAX_BYTES (1024 * 1024)

enum web_tls_version {
	WEB_TLS_DEFAULT = 0,
	WEB_TLS12 = 12,
	WEB_TLS13 = 13,
};

struct web_user {
	char *name;
	char *hash; /* bcrypt, as written in the file */
};

struct web_config {
	char *cert_file; /* resolved path; NULL: plain HTTP */
	char *key_file;
	enum web_tls_version min_version; /* never WEB_TLS_DEFAULT after a parse */
	enum web_tls_version max_version;
	struct web_user *users; /* none: no basic auth */
	size_t n_users;
};

/*
 * Parses len bytes of text. path names the file in errors and is the base
 * of relative cert/key paths. 0, or -1 with err like
 *   "web config /etc/x.yml line 3: tls_server_config.min_version: ..."
 * and out zeroed. out must be freed with web_config_free after a success.
 */
int web_config_parse(const char *text, size_t len, const char *path, struct web_config *out, char *err,
		     size_t errlen);

/* Reads and parses path; errors as above, or "web config PATH: <errno text>". */
int web_config_load(const char *path, struct web_config *out, char *err, size_t errlen);

void web_config_free(struct web_config *c);

/* "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" and the like. */
void web_config_tls_priorities(const struct web_config *c, char *buf, size_t len);

#endif /* DWCP_WEB_CONFIG_H */
