// SPDX-License-Identifier: Apache-2.0
/* rate_limit.c: the token bucket of rate_limit.h. */
#include "web/rate_limit.h"

void rate_limit_init(struct rate_limit *r, int64_t interval_ns, int64_t burst)
{
	r->interval_ns = interval_ns;
	r->burst = burst;
	r->tokens = burst > 0 ? (double)burst : 0;
	r->last_ns = 0;
}

bool rate_limit_enabled(const struct rate_limit *r)
{
	return r->interval_ns > 0;
}

bool rate_limit_allow(struct rate_limit *r, uint64_t now_ns)
{
	if (r->interval_ns <= 0)
		return true;
	if (r->burst <= 0)
		return false;
	if (r->last_ns && now_ns > r->last_ns) {
		r->tokens += (double)(now_ns - r->last_ns) / (double)r->interval_ns;
		if (r->tokens > (double)r->burst)
			r->tokens = (double)r->burst;
	}
	if (!r->last_ns || now_ns > r->last_ns)
		r->last_ns = now_ns;
	if (r->tokens < 1)
		return false;
	r->tokens -= 1;
	return true;
}
