/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rate_limit.h: the web config's rate_limit, a token bucket as
 * golang.org/x/time/rate's Limiter (exporter-toolkit's): burst tokens, one
 * more every interval, a request takes one or is refused (429). It starts
 * full. An interval of 0 or less is no limit; a burst of 0 or less, with an
 * interval, refuses every request, as Go's does.
 *
 * Pure (the caller passes the time and holds any lock), so the unit tests
 * drive it with a made-up clock.
 */
#ifndef DWCP_RATE_LIMIT_H
#define DWCP_RATE_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct rate_limit {
	int64_t interval_ns; /* <= 0: no limit */
	int64_t burst;
	double tokens;
	uint64_t last_ns; /* when tokens was computed; 0: never */
};

void rate_limit_init(struct rate_limit *r, int64_t interval_ns, int64_t burst);
bool rate_limit_enabled(const struct rate_limit *r);
/* Takes a token at now_ns (monotonic) if there is one. */
bool rate_limit_allow(struct rate_limit *r, uint64_t now_ns);

#endif /* DWCP_RATE_LIMIT_H */
