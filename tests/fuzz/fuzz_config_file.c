// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_config_file.c: libFuzzer target for the --config.file loader on
 * libyaml (userspace/config/config_file.c) and the flag checks behind it
 * (options.c). Any input is loaded or refused with "line N: ..."; the
 * entries it gives point into the text, within it, NUL-terminated, in file
 * order of their lines' items.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_file.h"
#include "config/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[] = { "dwcp-bpf-exporter", "--config.file", "/fuzz.yml", NULL };
	struct config_entry entries[CONFIG_FILE_MAX_ENTRIES];
	struct options opt;
	char err[512];
	char *text = malloc(size + 1), *copy;
	int n;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	copy = strdup(text);
	if (!copy) {
		free(text);
		return 0;
	}
	n = config_file_parse(copy, entries, CONFIG_FILE_MAX_ENTRIES, err, sizeof(err));
	if (n < 0 && strncmp(err, "line ", 5))
		abort();
	for (int i = 0; i < n; i++) {
		size_t room = strlen(text) + 1;

		if (entries[i].key < copy || entries[i].key >= copy + room || entries[i].value < copy ||
		    entries[i].value >= copy + room || entries[i].line == 0)
			abort();
		if (i > 0 && entries[i].item > 1 && strcmp(entries[i].key, entries[i - 1].key))
			abort();
	}
	free(copy);
	options_parse_with_config(3, argv, text, &opt, err, sizeof(err));
	options_free(&opt);
	free(text);
	return 0;
}
