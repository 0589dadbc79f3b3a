// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: --config.file text through the YAML subset parser and
 * the flag checks behind it (userspace/config/config_file.c, options.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[] = { "dwcp-bpf-exporter", "--config.file", "/fuzz.yml", NULL };
	struct options opt;
	char err[512];
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	options_parse_with_config(3, argv, text, &opt, err, sizeof(err));
	options_free(&opt);
	free(text);
	return 0;
}
