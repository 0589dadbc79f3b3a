/* SPDX-License-Identifier: Apache-2.0 */
/*
 * content_negotiation.h: what a scrape's request headers ask for. Pure: a
 * header value in, a decision out; no HTTP library, no I/O, so the unit
 * tests and the fuzzer (tests/fuzz/fuzz_accept.c) drive it directly.
 *
 * What it offers
 *   - expo_negotiate(): the exposition format from an Accept header.
 *   - http_accepts_gzip(): whether an Accept-Encoding header allows gzip.
 * Malformed elements are ignored, as browsers do; nothing here fails.
 */
#ifndef DWCP_CONTENT_NEGOTIATION_H
#define DWCP_CONTENT_NEGOTIATION_H

#include <stdbool.h>

#include "exposition/exposition.h"

/*
 * NULL, empty or garbage -> text 0.0.4. Protobuf only when the header asks
 * for application/vnd.google.protobuf with proto=io.prometheus.client.
 * MetricFamily and encoding=delimited, with a q-value at least as high as
 * the best one for OpenMetrics and for text/plain; OpenMetrics when it asks
 * for application/openmetrics-text (version 1.0.0 or none) with a q-value at
 * least as high as the best one for text/plain; q=0 means not acceptable.
 * "*" ranges count for text only: the other formats must be named.
 */
enum expo_format expo_negotiate(const char *accept_header);

/* True when an Accept-Encoding header allows gzip (gzip, x-gzip or "*" with q > 0). */
bool http_accepts_gzip(const char *accept_encoding);

#endif /* DWCP_CONTENT_NEGOTIATION_H */
