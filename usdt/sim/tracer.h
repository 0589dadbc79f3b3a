/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tracer.h: is a tracer attached to every DWCP probe of this process?
 *
 * What it offers
 *   - tracer_all_attached(): true when every probe's USDT semaphore is
 *     non-zero (checked with the header's DWCP_FOR_EACH_PROBE list).
 *   - tracer_attached_count(): how many of the probes are attached.
 */
#ifndef DWCP_SIM_TRACER_H
#define DWCP_SIM_TRACER_H

#include <stdbool.h>

bool tracer_all_attached(void);
int tracer_attached_count(void);
int tracer_probe_count(void);

#endif /* DWCP_SIM_TRACER_H */
