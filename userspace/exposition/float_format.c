// SPDX-License-Identifier: Apache-2.0
/*
 * float_format.c: shortest round-trip decimals for the exposition formats.
 */
#include "exposition/float_format.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Below this every integral double prints exactly as an integer in "%.15g"
 * too, so the fast path and the slow path agree on the spelling. */
#define EXACT_INTEGER_LIMIT 1e15

static int copy_out(char *buf, size_t len, const char *s, size_t n)
{
	if (n + 1 > len)
		return -1;
	memcpy(buf, s, n + 1);
	return (int)n;
}

/*
 * printf honours LC_NUMERIC; a process that called setlocale() could get
 * "0,5". The only character %g writes that is not a digit, sign or exponent
 * marker is the radix character, so it is mapped back to '.'.
 */
static void force_radix_point(char *s)
{
	for (; *s; s++) {
		if ((*s < '0' || *s > '9') && *s != '-' && *s != '+' && *s != 'e')
			*s = '.';
	}
}

int expo_format_double(char *buf, size_t len, double v)
{
	char tmp[EXPO_NUMBER_MAX];
	int n = 0;

	if (isnan(v))
		return copy_out(buf, len, "NaN", 3);
	if (isinf(v))
		return v > 0 ? copy_out(buf, len, "+Inf", 4) : copy_out(buf, len, "-Inf", 4);
	if (v == 0)
		return signbit(v) ? copy_out(buf, len, "-0", 2) : copy_out(buf, len, "0", 1);

	/* Counts and byte totals are the common case: no strtod round trip. */
	if (fabs(v) < EXACT_INTEGER_LIMIT && v == trunc(v)) {
		n = snprintf(tmp, sizeof(tmp), "%" PRId64, (int64_t)v);
		return copy_out(buf, len, tmp, (size_t)n);
	}

	/* 17 significant digits always round-trip a double; fewer usually do. */
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (prec == 17 || strtod(tmp, NULL) == v)
			break;
	}
	force_radix_point(tmp);
	return copy_out(buf, len, tmp, (size_t)n);
}

int expo_format_u64(char *buf, size_t len, uint64_t v)
{
	char tmp[EXPO_NUMBER_MAX];
	int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);

	return copy_out(buf, len, tmp, (size_t)n);
}
