// SPDX-License-Identifier: Apache-2.0
/*
 * test_content_negotiation.c: the Accept and Accept-Encoding decisions,
 * header value by header value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web/content_negotiation.h"

/* ---- Accept ---- */

static void test_negotiate(void **state)
{
	const enum expo_format T = EXPO_FORMAT_TEXT_0_0_4, O = EXPO_FORMAT_OPENMETRICS_1_0_0;
	static const struct {
		const char *accept;
		enum expo_format want;
	} cases[] = {
		{ NULL, EXPO_FORMAT_TEXT_0_0_4 },
		{ "", EXPO_FORMAT_TEXT_0_0_4 },
		{ "*/*", EXPO_FORMAT_TEXT_0_0_4 },
		{ "text/plain", EXPO_FORMAT_TEXT_0_0_4 },
		{ "garbage", EXPO_FORMAT_TEXT_0_0_4 },
		{ ";;;,,,=", EXPO_FORMAT_TEXT_0_0_4 },
		{ "application/openmetrics-text", EXPO_FORMAT_OPENMETRICS_1_0_0 },
		{ "Application/OpenMetrics-Text; Version=1.0.0", EXPO_FORMAT_OPENMETRICS_1_0_0 },
		{ "application/openmetrics-text;version=\"1.0.0\"", EXPO_FORMAT_OPENMETRICS_1_0_0 },
		{ "application/openmetrics-text; version=0.0.1", EXPO_FORMAT_TEXT_0_0_4 },
		{ "application/openmetrics-text; version=2.0.0", EXPO_FORMAT_TEXT_0_0_4 },
		/* Prometheus 2.42's scrape header */
		{ "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
		  "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		  EXPO_FORMAT_OPENMETRICS_1_0_0 },
		{ "text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5", EXPO_FORMAT_TEXT_0_0_4 },
		{ "text/plain;q=0.4, application/openmetrics-text;q=0.5", EXPO_FORMAT_OPENMETRICS_1_0_0 },
		{ "application/openmetrics-text;q=0", EXPO_FORMAT_TEXT_0_0_4 },
		{ "application/openmetrics-text;q=0.000", EXPO_FORMAT_TEXT_0_0_4 },
		{ "application/openmetrics-text;q=0.001", EXPO_FORMAT_OPENMETRICS_1_0_0 },
		{ "application/openmetrics-text;q=2", EXPO_FORMAT_TEXT_0_0_4 },      /* bad q: ignored */
		{ "application/openmetrics-text;q=abc", EXPO_FORMAT_TEXT_0_0_4 },    /* bad q: ignored */
		{ "application/openmetrics-text;q=0.5555", EXPO_FORMAT_TEXT_0_0_4 }, /* 4 decimals: bad */
		{ "application/openmetrics-text;q=0.5, */*;q=0.9", EXPO_FORMAT_TEXT_0_0_4 },
		/* text/plain is more specific than * / *, so it decides text's q */
		{ "application/openmetrics-text;q=0.5, */*;q=0.9, text/plain;q=0.1", EXPO_FORMAT_OPENMETRICS_1_0_0 },
		{ "  application/openmetrics-text  ;  version=1.0.0 ; q=1.0  ", EXPO_FORMAT_OPENMETRICS_1_0_0 },
		{ "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", EXPO_FORMAT_TEXT_0_0_4 },
		{ "application/openmetrics-text;version=1.0.0;charset=utf-8", EXPO_FORMAT_OPENMETRICS_1_0_0 },
		/* protobuf: Prometheus 2.42's scrape header with native histograms on
		 * (scrape/scrape.go's scrapeAcceptHeaderWithProtobuf, as in its binary) */
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,"
		  "application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,"
		  "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		  EXPO_FORMAT_PROTOBUF },
		{ "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
		  EXPO_FORMAT_PROTOBUF },
		{ "Application/Vnd.Google.Protobuf;Proto=\"io.prometheus.client.MetricFamily\";Encoding=delimited",
		  EXPO_FORMAT_PROTOBUF },
		/* both parameters are required, with exactly these values */
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily", EXPO_FORMAT_TEXT_0_0_4 },
		{ "application/vnd.google.protobuf;encoding=delimited", EXPO_FORMAT_TEXT_0_0_4 },
		{ "application/vnd.google.protobuf", EXPO_FORMAT_TEXT_0_0_4 },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text",
		  EXPO_FORMAT_TEXT_0_0_4 },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=compact-text",
		  EXPO_FORMAT_TEXT_0_0_4 },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.Metric;encoding=delimited",
		  EXPO_FORMAT_TEXT_0_0_4 },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.metricfamily;encoding=delimited",
		  EXPO_FORMAT_TEXT_0_0_4 },
		/* by q-values */
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5,"
		  "application/openmetrics-text;version=1.0.0",
		  EXPO_FORMAT_OPENMETRICS_1_0_0 },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5,"
		  "text/plain;q=0.6",
		  EXPO_FORMAT_TEXT_0_0_4 },
		{ "text/plain;q=0.5,application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
		  "encoding=delimited;q=0.5",
		  EXPO_FORMAT_PROTOBUF },
		{ "application/openmetrics-text,application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
		  "encoding=delimited",
		  EXPO_FORMAT_PROTOBUF },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0",
		  EXPO_FORMAT_TEXT_0_0_4 },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=x",
		  EXPO_FORMAT_TEXT_0_0_4 }, /* malformed: ignored */
		{ "application/*", EXPO_FORMAT_TEXT_0_0_4 },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;;,;=,",
		  EXPO_FORMAT_PROTOBUF },
	};
	char *longhdr;
	size_t n = 100000, off = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum expo_format got = expo_negotiate(cases[i].accept);

		if (got != cases[i].want)
			fail_msg("Accept \"%s\": got %d want %d", cases[i].accept ? cases[i].accept : "(null)", got,
				 cases[i].want);
	}

	/* a very long header of junk, then OpenMetrics at the very end */
	longhdr = malloc(n + 64);
	assert_non_null(longhdr);
	while (off + 12 < n) {
		memcpy(longhdr + off, "x/y;a=b;;q=,", 12);
		off += 12;
	}
	longhdr[off] = '\0';
	assert_int_equal(expo_negotiate(longhdr), T);
	strcpy(longhdr + off, "application/openmetrics-text");
	assert_int_equal(expo_negotiate(longhdr), O);
	free(longhdr);
}

/* ---- Accept-Encoding ---- */

static void test_accepts_gzip(void **state)
{
	(void)state;
	assert_false(http_accepts_gzip(NULL));
	assert_false(http_accepts_gzip(""));
	assert_false(http_accepts_gzip("identity"));
	assert_false(http_accepts_gzip("deflate, br"));
	assert_false(http_accepts_gzip("gzip;q=0"));
	assert_false(http_accepts_gzip("gzip; q=0.000"));
	assert_false(http_accepts_gzip("*;q=0"));
	assert_false(http_accepts_gzip("gzip;q=0, *;q=1"));
	assert_false(http_accepts_gzip("gzipx"));
	assert_false(http_accepts_gzip("gzip;q=x"));
	assert_true(http_accepts_gzip("gzip"));
	assert_true(http_accepts_gzip("GZIP"));
	assert_true(http_accepts_gzip("x-gzip"));
	assert_true(http_accepts_gzip(" deflate , gzip ; q=0.5 "));
	assert_true(http_accepts_gzip("*"));
	assert_true(http_accepts_gzip("br;q=1.0, *;q=0.1"));
	assert_true(http_accepts_gzip("gzip;q=0.001"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_accepts_gzip),
	};

	return cmocka_run_group_tests_name("content_negotiation", tests, NULL, NULL);
}
