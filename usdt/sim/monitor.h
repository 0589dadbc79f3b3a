/* SPDX-License-Identifier: Apache-2.0 */
/*
 * monitor.h: bandwidth and component health of dwcp-sim.
 *
 * What it offers
 *   - monitor_start(): a thread that every 250 ms fires
 *     bandwidth(bytes put on the link per second over the last interval,
 *     --link-bytes-per-sec) and re-evaluates health over the last second:
 *     amst is degraded while more than 5% of chunks fail, hde while more
 *     than 5% of decompressions fail, migration and federation after a
 *     failure, dwcp_manager while any of them is. health fires on change.
 *   - monitor_announce_initial(): the healthy start state, fired once.
 *   - monitor_join(): waits for the thread once sim->work_stop is stopped.
 */
#ifndef DWCP_SIM_MONITOR_H
#define DWCP_SIM_MONITOR_H

#include "sim.h"

struct monitor;

void monitor_announce_initial(const struct sim *sim);
struct monitor *monitor_start(struct sim *sim);
void monitor_join(struct monitor *m);

#endif /* DWCP_SIM_MONITOR_H */
