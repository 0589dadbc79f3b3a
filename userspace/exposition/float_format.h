/* SPDX-License-Identifier: Apache-2.0 */
/*
 * float_format.h: numbers as the Prometheus exposition formats spell them.
 *
 * What it offers
 *   - expo_format_double(): the shortest decimal that reads back as the same
 *     double (0.1, 300, 1.5, 1e-09, 1e+21), and "+Inf", "-Inf", "NaN" for
 *     the special values (never "inf", "-nan"). Both the text 0.0.4 and the
 *     OpenMetrics parsers accept every string it writes.
 *   - expo_format_u64(): an exact unsigned integer (counts above 2^53 lose
 *     nothing on the way to the wire).
 *
 * Both write a NUL-terminated string into buf and return its length without
 * the NUL, or -1 when len is too small. EXPO_NUMBER_MAX always suffices.
 */
#ifndef DWCP_FLOAT_FORMAT_H
#define DWCP_FLOAT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "-1.2345678901234567e-308" is 24 characters; leave room. */
#define EXPO_NUMBER_MAX 32

int expo_format_double(char *buf, size_t len, double v);
int expo_format_u64(char *buf, size_t len, uint64_t v);

#endif /* DWCP_FLOAT_FORMAT_H */
