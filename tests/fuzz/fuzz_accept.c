// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_accept.c: libFuzzer target for the request headers the exporter
 * interprets itself: Accept (expo_negotiate: text, OpenMetrics or protobuf)
 * and Accept-Encoding (http_accepts_gzip). Both get the same NUL-terminated
 * header value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/content_negotiation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = malloc(size + 1);
	enum expo_format f;

	if (!value)
		return 0;
	memcpy(value, data, size);
	value[size] = '\0';
	f = expo_negotiate(value);
	/* every format it picks has a content type */
	if (!expo_content_type(f))
		abort();
	(void)http_accepts_gzip(value);
	free(value);
	return 0;
}
