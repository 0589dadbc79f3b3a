/* SPDX-License-Identifier: Apache-2.0 */
/*
 * utf8.h: UTF-8 validation and repair for the exposition writers. Pure.
 *
 * What it offers
 *   - expo_utf8_valid_len(): the length of the valid UTF-8 sequence at s, or
 *     0 when s does not start one (RFC 3629: no overlong forms, surrogates or
 *     code points above U+10FFFF).
 *   - expo_utf8_repair(): a copy of a string in which each byte that starts
 *     no valid sequence is U+FFFD. Label values and HELP come from BPF maps
 *     (a string cut at 63 bytes may end inside a character), and every
 *     format must carry valid UTF-8: the text formats by specification,
 *     protobuf because its string fields are UTF-8.
 */
#ifndef DWCP_EXPO_UTF8_H
#define DWCP_EXPO_UTF8_H

#include <stddef.h>

#define EXPO_UTF8_REPLACEMENT "\xEF\xBF\xBD"

size_t expo_utf8_valid_len(const unsigned char *s, size_t n);

/* The length of expo_utf8_repair()'s result for s (without the NUL). */
size_t expo_utf8_repaired_len(const char *s);

/* Writes s repaired and NUL-terminated into out, which holds
 * expo_utf8_repaired_len(s) + 1 bytes; returns the length written. */
size_t expo_utf8_repair(char *out, const char *s);

#endif /* DWCP_EXPO_UTF8_H */
