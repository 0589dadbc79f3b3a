// SPDX-License-Identifier: Apache-2.0
/*
 * exposition.c: the Prometheus text 0.0.4 / OpenMetrics 1.0.0 writer, and
 * the front of the protobuf one (expo_protobuf.c encodes).
 *
 * Everything is appended to one buffer that only grows; the names of the
 * families started since begin() live in a second reused buffer so that a
 * family started twice is caught without allocating per scrape. The rules
 * every format shares (family names, counters with "_total", samples only
 * inside a family) are checked here for all three; for protobuf the
 * encoder then takes the family and its samples, and each finished family
 * is packed into the same buffer (binary: its users go by the length).
 */
#include "exposition/exposition.h"
#include "exposition/expo_protobuf.h"
#include "exposition/utf8.h"

#include <assert.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INITIAL_CAPACITY 4096
#define TOTAL_SUFFIX "_total"
#define TOTAL_SUFFIX_LEN (sizeof(TOTAL_SUFFIX) - 1)

struct seen_family {
	uint64_t hash;
	size_t name_off; /* into names */
};

struct expo_writer {
	char *buf;
	size_t len, cap;

	char *names; /* NUL-separated names of the families started since begin */
	size_t names_len, names_cap;
	struct seen_family *seen;
	size_t nseen, seen_cap;

	enum expo_format format;
	bool in_family;
	bool skipping; /* the current family is a caller bug: drop its samples */
	size_t cur_off, cur_len; /* current family name, in names */
	enum expo_type cur_type;

	struct expo_pb *pb; /* made at the first protobuf scrape */

	bool failed;
	char error[192];
};

/* ---- errors and growth ---- */

static void fail(struct expo_writer *w, const char *fmt, const char *arg)
{
	if (w->failed)
		return; /* the first error explains the rest */
	w->failed = true;
	snprintf(w->error, sizeof(w->error), fmt, arg ? arg : "");
}

static bool grow(char **p, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : INITIAL_CAPACITY;
	char *np;

	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return false;
		ncap *= 2;
	}
	np = realloc(*p, ncap);
	if (!np)
		return false;
	*p = np;
	*cap = ncap;
	return true;
}

/* Room for n more bytes plus the NUL that keeps the data a C string. */
static bool reserve(struct expo_writer *w, size_t n)
{
	if (w->failed)
		return false;
	if (w->len + n + 1 <= w->cap)
		return true;
	if (n > SIZE_MAX - w->len - 1 || !grow(&w->buf, &w->cap, w->len + n + 1)) {
		fail(w, "out of memory%s", NULL);
		return false;
	}
	return true;
}

static void put(struct expo_writer *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void puts_(struct expo_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static void putc_(struct expo_writer *w, char c)
{
	put(w, &c, 1);
}

/* ---- UTF-8 repair and escaping ---- */

/*
 * Writes s escaped: '\\' and '\n' always, '"' when quote is set; invalid
 * UTF-8 bytes become U+FFFD. Runs of plain bytes are copied in one go.
 */
static void put_escaped(struct expo_writer *w, const char *str, bool quote)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, run = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t l;

		if (c >= 0x20 && c < 0x80 && c != '\\' && c != '"') {
			i++;
			continue;
		}
		if (c == '"' && !quote) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			l = expo_utf8_valid_len(s + i, n - i);
			if (l) {
				i += l;
				continue;
			}
		} else if (c != '\\' && c != '\n' && c != '"') {
			i++; /* other control bytes are valid UTF-8 and legal here */
			continue;
		}
		put(w, str + run, i - run);
		if (c == '\\')
			put(w, "\\\\", 2);
		else if (c == '\n')
			put(w, "\\n", 2);
		else if (c == '"')
			put(w, "\\\"", 2);
		else
			put(w, EXPO_UTF8_REPLACEMENT, 3);
		i++;
		run = i;
	}
	put(w, str + run, n - run);
}

#ifndef NDEBUG
static bool valid_name(const char *s, bool metric)
{
	if (!s || !*s)
		return false;
	for (size_t i = 0; s[i]; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  (metric && c == ':') || (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return false;
	}
	return true;
}
#endif

/* ---- protobuf: the encoder's errors and finished families ---- */

static void pb_check(struct expo_writer *w, const char *error)
{
	if (error)
		fail(w, "%s", error);
}

/* Packs the family the encoder holds, if any, at the end of the buffer. */
static void pb_flush(struct expo_writer *w)
{
	size_t n;

	if (w->failed)
		return;
	pb_check(w, expo_pb_finish(w->pb, &n));
	if (!n || !reserve(w, n))
		return;
	expo_pb_pack(w->pb, (uint8_t *)w->buf + w->len);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* ---- families ---- */

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static bool ends_with_total(const char *name, size_t len)
{
	return len > TOTAL_SUFFIX_LEN && !memcmp(name + len - TOTAL_SUFFIX_LEN, TOTAL_SUFFIX, TOTAL_SUFFIX_LEN);
}

/* Remembers name; false if it was already started since begin(). */
static bool remember_family(struct expo_writer *w, const char *name, size_t len)
{
	uint64_t h = fnv1a(name);

	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i].hash == h && !strcmp(w->names + w->seen[i].name_off, name))
			return false;
	if (w->nseen == w->seen_cap) {
		size_t ncap = w->seen_cap ? w->seen_cap * 2 : 64;
		struct seen_family *ns = realloc(w->seen, ncap * sizeof(*ns));

		if (!ns) {
			fail(w, "out of memory%s", NULL);
			return true;
		}
		w->seen = ns;
		w->seen_cap = ncap;
	}
	if (w->names_len + len + 1 > w->names_cap && !grow(&w->names, &w->names_cap, w->names_len + len + 1)) {
		fail(w, "out of memory%s", NULL);
		return true;
	}
	memcpy(w->names + w->names_len, name, len + 1);
	w->seen[w->nseen].hash = h;
	w->seen[w->nseen].name_off = w->names_len;
	w->nseen++;
	w->cur_off = w->names_len;
	w->cur_len = len;
	w->names_len += len + 1;
	return true;
}

const char *expo_type_name(enum expo_type t)
{
	switch (t) {
	case EXPO_COUNTER:
		return "counter";
	case EXPO_GAUGE:
		return "gauge";
	case EXPO_HISTOGRAM:
		return "histogram";
	}
	return "unknown";
}

void expo_family(struct expo_writer *w, const char *name, enum expo_type type, const char *help)
{
	size_t len = strlen(name), shown = len;
	bool om = w->format == EXPO_FORMAT_OPENMETRICS_1_0_0;

	assert(valid_name(name, true));
	if (w->format == EXPO_FORMAT_PROTOBUF)
		pb_flush(w); /* the previous family is complete */
	w->in_family = false;
	w->skipping = true;
	if (w->failed)
		return;
	if (type == EXPO_COUNTER && !ends_with_total(name, len)) {
		fail(w, "counter \"%s\" must be named with \"_total\"", name);
		return;
	}
	if (!remember_family(w, name, len)) {
		fail(w, "family \"%s\" started twice (families must not interleave)", name);
		return;
	}
	if (w->failed)
		return;
	w->in_family = true;
	w->skipping = false;
	w->cur_type = type;

	if (w->format == EXPO_FORMAT_PROTOBUF) {
		pb_check(w, expo_pb_family(w->pb, name, type, help));
		return;
	}

	/* OpenMetrics names a counter family without the suffix its samples carry. */
	if (om && type == EXPO_COUNTER)
		shown = len - TOTAL_SUFFIX_LEN;
	put(w, "# HELP ", 7);
	put(w, name, shown);
	putc_(w, ' ');
	put_escaped(w, help ? help : "", om);
	put(w, "\n# TYPE ", 8);
	put(w, name, shown);
	putc_(w, ' ');
	puts_(w, expo_type_name(type));
	putc_(w, '\n');
}

/* ---- samples ---- */

static bool sample_allowed(struct expo_writer *w, const char *suffix)
{
	if (w->failed || w->skipping)
		return false;
	if (!w->in_family) {
		fail(w, "sample%s written before any family was started", NULL);
		return false;
	}
	if (w->cur_type == EXPO_COUNTER && suffix) {
		fail(w, "counter sample given suffix \"%s\" (counters take the family name as given)", suffix);
		return false;
	}
	return true;
}

/* name{l1="v1",...,extra="xv"} with the closing space before the value. */
static void put_series(struct expo_writer *w, const char *suffix, const struct expo_label *labels,
		       size_t nlabels, const char *extra_name, const char *extra_value)
{
	bool any = nlabels > 0 || extra_name;

	put(w, w->names + w->cur_off, w->cur_len);
	if (suffix)
		puts_(w, suffix);
	if (any)
		putc_(w, '{');
	for (size_t i = 0; i < nlabels; i++) {
		assert(valid_name(labels[i].name, false));
		if (i)
			putc_(w, ',');
		puts_(w, labels[i].name);
		put(w, "=\"", 2);
		put_escaped(w, labels[i].value ? labels[i].value : "", true);
		putc_(w, '"');
	}
	if (extra_name) {
		if (nlabels)
			putc_(w, ',');
		puts_(w, extra_name);
		put(w, "=\"", 2);
		puts_(w, extra_value); /* a number we formatted: nothing to escape */
		putc_(w, '"');
	}
	if (any)
		putc_(w, '}');
	putc_(w, ' ');
}

static void put_value_line(struct expo_writer *w, const char *num)
{
	puts_(w, num);
	putc_(w, '\n');
}

/*
 * A protobuf Metric has no name of its own: it is its family's. A gauge
 * sample with a suffix ("x_ratio" in family "x") would be a series of
 * another name, so protobuf refuses it as a caller bug (no collector writes
 * one; the text formats still print it).
 */
static void pb_sample(struct expo_writer *w, const char *suffix, const struct expo_label *labels, size_t nlabels,
		      double value)
{
	if (suffix) {
		fail(w, "sample with suffix \"%s\": the protobuf format names every sample after its family",
		     suffix);
		return;
	}
	pb_check(w, expo_pb_sample(w->pb, labels, nlabels, value));
}

void expo_sample(struct expo_writer *w, const char *suffix, const struct expo_label *labels, size_t nlabels,
		 double value)
{
	char num[EXPO_NUMBER_MAX];

	if (!sample_allowed(w, suffix))
		return;
	if (w->format == EXPO_FORMAT_PROTOBUF) {
		pb_sample(w, suffix, labels, nlabels, value);
		return;
	}
	expo_format_double(num, sizeof(num), value);
	put_series(w, suffix, labels, nlabels, NULL, NULL);
	put_value_line(w, num);
}

void expo_sample_u64(struct expo_writer *w, const char *suffix, const struct expo_label *labels,
		     size_t nlabels, uint64_t value)
{
	char num[EXPO_NUMBER_MAX];

	if (!sample_allowed(w, suffix))
		return;
	if (w->format == EXPO_FORMAT_PROTOBUF) {
		/* protobuf's values are doubles: exact up to 2^53, as Prometheus stores them */
		pb_sample(w, suffix, labels, nlabels, (double)value);
		return;
	}
	expo_format_u64(num, sizeof(num), value);
	put_series(w, suffix, labels, nlabels, NULL, NULL);
	put_value_line(w, num);
}

/*
 * OpenMetrics wants le in its canonical form: an integral bound carries
 * ".0" ("300.0"), as client_golang writes it. Text 0.0.4 keeps "300".
 */
static void format_le(const struct expo_writer *w, char *buf, size_t len, double bound)
{
	int n = expo_format_double(buf, len, bound);

	if (w->format == EXPO_FORMAT_OPENMETRICS_1_0_0 && n > 0 && !strpbrk(buf, ".eIN") &&
	    (size_t)n + 3 <= len)
		memcpy(buf + n, ".0", 3);
}

void expo_histogram(struct expo_writer *w, const struct expo_label *labels, size_t nlabels,
		    const double *upper_bounds, const uint64_t *bucket_counts, size_t nbounds, double sum,
		    const struct expo_native_buckets *native)
{
	char num[EXPO_NUMBER_MAX], le[EXPO_NUMBER_MAX + 2];
	uint64_t cumulative = 0;

	if (!sample_allowed(w, NULL))
		return;
	if (w->cur_type != EXPO_HISTOGRAM) {
		fail(w, "histogram series written into family \"%s\" that is not a histogram",
		     w->names + w->cur_off);
		return;
	}
	if (w->format == EXPO_FORMAT_PROTOBUF) {
		pb_check(w, expo_pb_histogram(w->pb, labels, nlabels, upper_bounds, bucket_counts, nbounds, sum,
					      native));
		return;
	}
	/* the text formats have no native buckets: native is left out */
	for (size_t i = 0; i <= nbounds; i++) {
		cumulative += bucket_counts[i];
		if (i < nbounds) {
			assert(i == 0 || upper_bounds[i] > upper_bounds[i - 1]);
			format_le(w, le, sizeof(le), upper_bounds[i]);
		} else {
			memcpy(le, "+Inf", 5);
		}
		expo_format_u64(num, sizeof(num), cumulative);
		put_series(w, "_bucket", labels, nlabels, "le", le);
		put_value_line(w, num);
	}
	expo_format_double(num, sizeof(num), sum);
	put_series(w, "_sum", labels, nlabels, NULL, NULL);
	put_value_line(w, num);
	expo_format_u64(num, sizeof(num), cumulative);
	put_series(w, "_count", labels, nlabels, NULL, NULL);
	put_value_line(w, num);
}

/* ---- writer lifecycle ---- */

struct expo_writer *expo_writer_new(void)
{
	struct expo_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	if (!grow(&w->buf, &w->cap, INITIAL_CAPACITY)) {
		free(w);
		return NULL;
	}
	w->buf[0] = '\0';
	return w;
}

void expo_writer_free(struct expo_writer *w)
{
	if (!w)
		return;
	free(w->buf);
	free(w->names);
	free(w->seen);
	expo_pb_free(w->pb);
	free(w);
}

void expo_writer_begin(struct expo_writer *w, enum expo_format format)
{
	w->len = 0;
	w->buf[0] = '\0';
	w->names_len = 0;
	w->nseen = 0;
	w->format = format;
	w->in_family = false;
	w->skipping = false;
	w->failed = false;
	w->error[0] = '\0';
	if (format == EXPO_FORMAT_PROTOBUF) {
		if (!w->pb)
			w->pb = expo_pb_new();
		if (!w->pb)
			fail(w, "out of memory%s", NULL);
		else
			expo_pb_begin(w->pb);
	}
}

void expo_writer_end(struct expo_writer *w)
{
	if (w->format == EXPO_FORMAT_OPENMETRICS_1_0_0)
		put(w, "# EOF\n", 6);
	else if (w->format == EXPO_FORMAT_PROTOBUF)
		pb_flush(w);
	w->in_family = false;
}

const char *expo_writer_data(const struct expo_writer *w, size_t *len)
{
	if (len)
		*len = w->len;
	return w->buf;
}

enum expo_format expo_writer_format(const struct expo_writer *w)
{
	return w->format;
}

void expo_writer_append_rendered(struct expo_writer *w, const char *text, size_t len)
{
	if (w->len || w->in_family || w->nseen) {
		fail(w, "expo_writer_append_rendered: only right after begin%s", NULL);
		return;
	}
	put(w, text, len);
}

const char *expo_writer_error(const struct expo_writer *w)
{
	return w->failed ? w->error : NULL;
}

/* ---- content type ---- */

const char *expo_content_type(enum expo_format f)
{
	if (f == EXPO_FORMAT_OPENMETRICS_1_0_0)
		return "application/openmetrics-text; version=1.0.0; charset=utf-8";
	if (f == EXPO_FORMAT_PROTOBUF)
		return EXPO_PROTOBUF_CONTENT_TYPE;
	return "text/plain; version=0.0.4; charset=utf-8";
}
