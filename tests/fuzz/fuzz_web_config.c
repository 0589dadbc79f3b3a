// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_web_config.c: libFuzzer target for the web config parser. Any input
 * must be parsed or refused with a message naming the file, without reading
 * past the input (it is not NUL-terminated here) or leaking.
 */
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
	char err[1024];

	if (!text)
		return 0;
	memcpy(text, data, size);
	if (web_config_parse(text, size, "/fuzz/web.yml", &c, err, sizeof(err)) == 0) {
		char prio[96];

		if (!c.cert_file != !c.key_file)
			abort();
		if (c.min_version < WEB_TLS12 || c.min_version > c.max_version || c.max_version > WEB_TLS13)
			abort();
		for (size_t i = 0; i < c.n_users; i++)
			if (strlen(c.users[i].hash) != 60 || strchr(c.users[i].name, ':'))
				abort();
		web_config_tls_priorities(&c, prio, sizeof(prio));
		web_config_free(&c);
	} else if (strncmp(err, "web config /fuzz/web.yml line ", 30) != 0) {
		abort();
	}
	free(text);
	return 0;
}
