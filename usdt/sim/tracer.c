// SPDX-License-Identifier: Apache-2.0
/* tracer.c: see tracer.h. */
#include "dwcp_probes.h"

#include "tracer.h"

int tracer_attached_count(void)
{
	int n = 0;

#define X_COUNT(name, nargs) n += DWCP_SEMAPHORE(name) != 0;
	DWCP_FOR_EACH_PROBE(X_COUNT)
#undef X_COUNT
	return n;
}

int tracer_probe_count(void)
{
	int n = 0;

#define X_ONE(name, nargs) n++;
	DWCP_FOR_EACH_PROBE(X_ONE)
#undef X_ONE
	return n;
}

bool tracer_all_attached(void)
{
	return tracer_attached_count() == tracer_probe_count();
}
