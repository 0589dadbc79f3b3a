// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_web_config.c: libFuzzer target for the web config loader on libyaml
 * (userspace/web/web_config.c). Any input must be loaded or refused with a
 * message naming the file and the line, without reading past the input (it
 * is not NUL-terminated here) or leaking; what loads keeps
 * exporter-toolkit's rules, and its GnuTLS priority string is valid.
 */
#include <gnutls/gnutls.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/web_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so ASan sees any read past the end */
	char *text = malloc(size ? size : 1);
	struct web_config c;
	char err[2048];

	if (!text)
		return 0;
	memcpy(text, data, size);
	if (web_config_parse(text, size, "/fuzz/web.yml", &c, err, sizeof(err)) == 0) {
		char prio[1024];
		gnutls_priority_t p;
		const char *pos;

		if (c.tls && ((!c.cert_file && !c.cert) || (!c.key_file && !c.key)))
			abort();
		if (c.tls && (c.client_ca_file || c.client_ca) && c.client_auth == WEB_NO_CLIENT_CERT)
			abort();
		if (c.tls && c.allowed_sans_set && c.client_auth != WEB_REQUIRE_ANY_CLIENT_CERT &&
		    c.client_auth != WEB_REQUIRE_AND_VERIFY_CLIENT_CERT)
			abort();
		if (c.min_version < WEB_TLS12 || c.min_version > c.max_version || c.max_version > WEB_TLS13)
			abort();
		for (size_t i = 0; i < c.n_users; i++)
			if (strlen(c.users[i].hash) != 60 || strchr(c.users[i].name, ':'))
				abort();
		for (size_t i = 0; i < c.n_headers; i++)
			if (strpbrk(c.headers[i].value, "\r\n"))
				abort();
		web_config_tls_priorities(&c, prio, sizeof(prio));
		if (gnutls_priority_init(&p, prio, &pos) < 0)
			abort();
		gnutls_priority_deinit(p);
		web_config_free(&c);
	} else if (strncmp(err, "web config /fuzz/web.yml line ", 30) != 0) {
		abort();
	}
	free(text);
	return 0;
}
