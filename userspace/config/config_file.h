/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_file.h: the exporter's --config.file, a strict subset of YAML.
 *
 * Pure: config_file_parse() reads text and writes entries and err, nothing
 * else, so every form and error is unit-tested (tests/unit/test_config_file.c)
 * and fuzzed (tests/fuzz/fuzz_config_file.c). options.c turns the entries
 * into flags.
 *
 * The format: one top-level mapping whose keys are the long flags without
 * "--"; a value is a scalar (plain, 'single' or "double" quoted) or, for
 * repeatable flags, a block list of scalars. Comments start with '#'.
 *
 *     # /etc/dwcp-bpf-exporter.yml
 *     binary:
 *       - /usr/bin/dwcp-node
 *     cluster: prod-eu
 *     web.listen-address: ":9477"
 *     stream.id-label: false
 *
 * Anything else YAML allows (nested mappings, flow collections [a, b],
 * anchors, multi-line scalars, tabs for indentation, a key given twice) is an
 * error naming the line, never silently misread.
 */
#ifndef DWCP_CONFIG_FILE_H
#define DWCP_CONFIG_FILE_H

#include <stddef.h>

#define CONFIG_FILE_MAX_ENTRIES 128
#define CONFIG_FILE_MAX_BYTES (64 * 1024)

struct config_entry {
	const char *key;   /* points into the parsed text */
	const char *value; /* points into the parsed text, unescaped */
	unsigned line;     /* 1-based, for error messages */
	unsigned item;     /* 0 for a scalar, 1.. for the items of a block list */
};

/*
 * Parses text in place (NUL-terminates keys and values, unescapes quoted
 * scalars). The entries, in file order, point into text. Returns the number
 * of entries, or -1 with err naming the line and the problem.
 */
int config_file_parse(char *text, struct config_entry *entries, size_t max_entries, char *err,
		      size_t errlen);

#endif /* DWCP_CONFIG_FILE_H */
