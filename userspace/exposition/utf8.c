// SPDX-License-Identifier: Apache-2.0
/*
 * utf8.c: UTF-8 validation and repair, shared by the text and the protobuf
 * writers so that both replace the same bytes the same way.
 */
#include "exposition/utf8.h"

#include <string.h>

size_t expo_utf8_valid_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t need, i;
	unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the 2nd byte */

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		need = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		else if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* above U+10FFFF */
	} else
		return 0;
	if (n < need)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return need;
}

/* Walks s; with out, writes the repaired copy. Returns its length. */
static size_t repair(char *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, len = 0;

	while (i < n) {
		size_t l = expo_utf8_valid_len(s + i, n - i);

		if (l) {
			if (out)
				memcpy(out + len, str + i, l);
			len += l;
			i += l;
		} else {
			if (out)
				memcpy(out + len, EXPO_UTF8_REPLACEMENT, 3);
			len += 3;
			i++;
		}
	}
	if (out)
		out[len] = '\0';
	return len;
}

size_t expo_utf8_repaired_len(const char *s)
{
	return repair(NULL, s);
}

size_t expo_utf8_repair(char *out, const char *s)
{
	return repair(out, s);
}
