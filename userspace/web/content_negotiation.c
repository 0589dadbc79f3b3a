// SPDX-License-Identifier: Apache-2.0
/*
 * content_negotiation.c: the request headers that choose a response's form.
 * Accept follows RFC 9110's rules for media ranges; Accept-Encoding is read
 * as the same list of elements with q-values.
 */
#include "web/content_negotiation.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* ---- Accept ---- */

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static void trim(const char **b, const char **e)
{
	while (*b < *e && is_ows(**b))
		(*b)++;
	while (*e > *b && is_ows((*e)[-1]))
		(*e)--;
}

static bool token_is(const char *b, const char *e, const char *want)
{
	size_t n = strlen(want);

	return (size_t)(e - b) == n && !strncasecmp(b, want, n);
}

/* RFC 9110 qvalue: "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")], in thousandths. */
static int parse_qvalue(const char *b, const char *e)
{
	int q, digits = 0, scale = 100;

	if (b == e || (*b != '0' && *b != '1'))
		return -1;
	q = (*b - '0') * 1000;
	b++;
	if (b == e)
		return q;
	if (*b != '.')
		return -1;
	for (b++; b < e; b++, digits++) {
		if (digits == 3 || !isdigit((unsigned char)*b))
			return -1;
		q += (*b - '0') * scale;
		scale /= 10;
	}
	return q > 1000 ? -1 : q;
}

static bool value_is(const char *b, const char *e, const char *want)
{
	size_t n = strlen(want);

	return (size_t)(e - b) == n && !memcmp(b, want, n);
}

enum media_kind { MEDIA_OTHER, MEDIA_PROTOBUF, MEDIA_OPENMETRICS, MEDIA_TEXT_PLAIN, MEDIA_TEXT_ANY, MEDIA_ANY };

/*
 * One element of Accept: its kind, its q in thousandths, or false when it is
 * malformed (ignored, like a browser would). Versions other than the ones we
 * speak make the element MEDIA_OTHER, and so does protobuf without both
 * proto=io.prometheus.client.MetricFamily and encoding=delimited (the one
 * protobuf form served; client_golang's expfmt.Negotiate requires both
 * too, and compares their values exactly).
 */
static bool parse_media_range(const char *b, const char *e, enum media_kind *kind, int *q)
{
	const char *semi = memchr(b, ';', (size_t)(e - b));
	const char *tb = b, *te = semi ? semi : e;
	bool family = false, delimited = false;

	*q = 1000;
	trim(&tb, &te);
	if (token_is(tb, te, "application/vnd.google.protobuf"))
		*kind = MEDIA_PROTOBUF;
	else if (token_is(tb, te, "application/openmetrics-text"))
		*kind = MEDIA_OPENMETRICS;
	else if (token_is(tb, te, "text/plain"))
		*kind = MEDIA_TEXT_PLAIN;
	else if (token_is(tb, te, "text/*"))
		*kind = MEDIA_TEXT_ANY;
	else if (token_is(tb, te, "*/*"))
		*kind = MEDIA_ANY;
	else if (memchr(tb, '/', (size_t)(te - tb)))
		*kind = MEDIA_OTHER;
	else
		return false;

	while (semi) {
		const char *pb = semi + 1, *pe, *eq, *vb, *ve;

		semi = memchr(pb, ';', (size_t)(e - pb));
		pe = semi ? semi : e;
		eq = memchr(pb, '=', (size_t)(pe - pb));
		if (!eq) {
			trim(&pb, &pe);
			if (pb == pe)
				continue; /* "a/b;;q=1": tolerate the empty parameter */
			return false;
		}
		vb = eq + 1;
		ve = pe;
		trim(&pb, &eq);
		trim(&vb, &ve);
		if (ve - vb >= 2 && *vb == '"' && ve[-1] == '"') {
			vb++;
			ve--;
		}
		if (token_is(pb, eq, "q")) {
			*q = parse_qvalue(vb, ve);
			if (*q < 0)
				return false;
		} else if (token_is(pb, eq, "version")) {
			if (*kind == MEDIA_OPENMETRICS && !token_is(vb, ve, "1.0.0"))
				*kind = MEDIA_OTHER;
			else if (*kind == MEDIA_TEXT_PLAIN && !token_is(vb, ve, "0.0.4"))
				*kind = MEDIA_OTHER;
		} else if (token_is(pb, eq, "proto")) {
			family = value_is(vb, ve, "io.prometheus.client.MetricFamily");
		} else if (token_is(pb, eq, "encoding")) {
			delimited = value_is(vb, ve, "delimited");
		}
	}
	if (*kind == MEDIA_PROTOBUF && !(family && delimited))
		*kind = MEDIA_OTHER;
	return true;
}

enum expo_format expo_negotiate(const char *accept)
{
	/* The most specific range that matches decides a type's q (RFC 9110). */
	int pb_q = -1, om_q = -1, text_q[3] = { -1, -1, -1 }; /* text/plain, text/any, any/any */
	const char *p = accept;
	int tq;

	if (!accept)
		return EXPO_FORMAT_TEXT_0_0_4;
	while (*p) {
		const char *comma = strchr(p, ',');
		const char *e = comma ? comma : p + strlen(p);
		enum media_kind kind;
		int q;

		if (parse_media_range(p, e, &kind, &q)) {
			int *slot = NULL;

			switch (kind) {
			case MEDIA_PROTOBUF:
				slot = &pb_q;
				break;
			case MEDIA_OPENMETRICS:
				slot = &om_q;
				break;
			case MEDIA_TEXT_PLAIN:
				slot = &text_q[0];
				break;
			case MEDIA_TEXT_ANY:
				slot = &text_q[1];
				break;
			case MEDIA_ANY:
				slot = &text_q[2];
				break;
			case MEDIA_OTHER:
				break;
			}
			if (slot && q > *slot)
				*slot = q;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	tq = text_q[0] >= 0 ? text_q[0] : text_q[1] >= 0 ? text_q[1] : text_q[2];
	/*
	 * An explicit request wins ties with text: the client named it. Protobuf
	 * wins a tie with OpenMetrics too: a client asks for it only to get
	 * what the text formats lack (native histograms).
	 */
	if (pb_q > 0 && pb_q >= om_q && pb_q >= tq)
		return EXPO_FORMAT_PROTOBUF;
	if (om_q > 0 && om_q >= tq)
		return EXPO_FORMAT_OPENMETRICS_1_0_0;
	return EXPO_FORMAT_TEXT_0_0_4;
}

/* ---- Accept-Encoding ---- */

/* q of one Accept-Encoding element in thousandths; 1000 without q, -1 bad. */
static int element_q(const char *semi, const char *e)
{
	while (semi && semi < e) {
		const char *p = semi + 1, *next = memchr(p, ';', (size_t)(e - p));
		const char *pe = next ? next : e;
		int q = 0, scale = 1000;

		while (p < pe && (*p == ' ' || *p == '\t'))
			p++;
		if (pe - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			p += 2;
			if (p >= pe || (*p != '0' && *p != '1'))
				return -1;
			q = (*p++ - '0') * 1000;
			if (p < pe && *p == '.') {
				for (p++; p < pe && *p >= '0' && *p <= '9' && scale > 1; p++) {
					scale /= 10;
					q += (*p - '0') * scale;
				}
			}
			while (p < pe && (*p == ' ' || *p == '\t'))
				p++;
			return (p == pe && q <= 1000) ? q : -1;
		}
		semi = next;
	}
	return 1000;
}

bool http_accepts_gzip(const char *ae)
{
	int gzip_q = -1, star_q = -1;
	const char *p = ae;

	if (!ae)
		return false;
	while (*p) {
		const char *comma = strchr(p, ',');
		const char *e = comma ? comma : p + strlen(p);
		const char *semi = memchr(p, ';', (size_t)(e - p));
		const char *tb = p, *te = semi ? semi : e;
		int q;

		while (tb < te && (*tb == ' ' || *tb == '\t'))
			tb++;
		while (te > tb && (te[-1] == ' ' || te[-1] == '\t'))
			te--;
		q = element_q(semi, e);
		if (q >= 0) {
			if ((token_is(tb, te, "gzip") || token_is(tb, te, "x-gzip")) && q > gzip_q)
				gzip_q = q;
			else if (token_is(tb, te, "*") && q > star_q)
				star_q = q;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	/* An explicit gzip entry overrides "*" (so "gzip;q=0, *" refuses it). */
	return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}
