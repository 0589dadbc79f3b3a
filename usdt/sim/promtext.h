/* SPDX-License-Identifier: Apache-2.0 */
/*
 * promtext.h: Prometheus-text-like output for the dwcp-sim ledger.
 *
 * What it offers
 *   - promtext_double(): the fewest digits that read back as the same double
 *     (so ledger values compare exactly), without an exponent between 1e-4
 *     and 1e21, as Prometheus prints numbers ("100", not "1e+02").
 *   - promtext_escape(): a label value escaped as Prometheus does (\\ \" \n).
 *   - struct linebuf: formatted lines, sorted and written atomically
 *     (FILE.tmp, fsync, rename) after a header.
 */
#ifndef DWCP_SIM_PROMTEXT_H
#define DWCP_SIM_PROMTEXT_H

#include <stddef.h>

#define PROMTEXT_DOUBLE_LEN 32

void promtext_double(char *buf, size_t cap, double v);
/* buf needs 2 * strlen(s) + 1 bytes at most. */
void promtext_escape(char *buf, size_t cap, const char *s);

struct linebuf {
	char **lines;
	size_t n, cap;
	int failed; /* an allocation failed: the ledger must not be written */
};

void linebuf_init(struct linebuf *b);
void linebuf_addf(struct linebuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void linebuf_sort(struct linebuf *b);
void linebuf_free(struct linebuf *b);

/* header lines first, then body lines, each with a newline. 0 or -errno. */
int promtext_write_atomic(const char *path, const struct linebuf *header,
			  const struct linebuf *body);

#endif /* DWCP_SIM_PROMTEXT_H */
