// SPDX-License-Identifier: Apache-2.0
/* promtext.c: see promtext.h. */
#include "promtext.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The fewest significant digits that read back as v, laid out like Go's
 * strconv.FormatFloat(v, 'g', -1, 64) (what Prometheus prints): plain
 * decimals for exponents -4..20 ("100", "0.005"), else "1e+21".
 */
void promtext_double(char *buf, size_t cap, double v)
{
	char e[40];
	int digits, exponent;

	if (v == 0 || !isfinite(v)) {
		snprintf(buf, cap, "%g", v == 0 ? 0.0 : v);
		return;
	}
	for (digits = 1; digits < 17; digits++) {
		snprintf(e, sizeof(e), "%.*e", digits - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", digits - 1, v);
	exponent = atoi(strchr(e, 'e') + 1);
	if (exponent < -4 || exponent >= 21)
		snprintf(buf, cap, "%s", e);
	else
		snprintf(buf, cap, "%.*f", digits - 1 - exponent > 0 ? digits - 1 - exponent : 0, v);
}

void promtext_escape(char *buf, size_t cap, const char *s)
{
	size_t o = 0;

	for (; *s && o + 3 <= cap; s++) {
		if (*s == '\\' || *s == '"') {
			buf[o++] = '\\';
			buf[o++] = *s;
		} else if (*s == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else {
			buf[o++] = *s;
		}
	}
	if (cap)
		buf[o < cap ? o : cap - 1] = '\0';
}

void linebuf_init(struct linebuf *b)
{
	memset(b, 0, sizeof(*b));
}

void linebuf_addf(struct linebuf *b, const char *fmt, ...)
{
	va_list ap;
	char *line;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		char **lines = realloc(b->lines, cap * sizeof(*lines));

		if (!lines) {
			b->failed = 1;
			return;
		}
		b->lines = lines;
		b->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0) {
		b->failed = 1;
		line = NULL;
	}
	va_end(ap);
	if (line)
		b->lines[b->n++] = line;
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void linebuf_sort(struct linebuf *b)
{
	if (b->n)
		qsort(b->lines, b->n, sizeof(*b->lines), cmp_lines);
}

void linebuf_free(struct linebuf *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->lines[i]);
	free(b->lines);
	linebuf_init(b);
}

static int write_lines(FILE *f, const struct linebuf *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (fputs(b->lines[i], f) == EOF || fputc('\n', f) == EOF)
			return -1;
	return 0;
}

/* Makes the rename itself durable; a failure here is not worth an error. */
static void sync_parent_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int promtext_write_atomic(const char *path, const struct linebuf *header,
			  const struct linebuf *body)
{
	char *tmp;
	FILE *f;
	int err = 0;

	if (header->failed || body->failed)
		return -ENOMEM;
	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	f = fopen(tmp, "we");
	if (!f) {
		err = -errno;
		free(tmp);
		return err;
	}
	if (write_lines(f, header) < 0 || write_lines(f, body) < 0 || fflush(f) == EOF ||
	    fsync(fileno(f)) < 0)
		err = errno ? -errno : -EIO;
	if (fclose(f) == EOF && !err)
		err = errno ? -errno : -EIO;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	else
		sync_parent_dir(path);
	free(tmp);
	return err;
}
