/* SPDX-License-Identifier: Apache-2.0 */
/*
 * federation.h: cross-cluster federation syncs of dwcp-sim.
 *
 * What it offers
 *   - federation_start(): a thread that every --federation-interval-ms syncs
 *     this cluster's VM state table to "cluster-2" or "cluster-3" (loopback
 *     threads that inflate, check and acknowledge): the whole table ("full",
 *     every fourth round per remote, and the first) or the records changed
 *     since that remote's last sync ("incremental"), zlib-compressed. Fires
 *     federation_sync(remote, type, ns of compress+send+ack) and
 *     bandwidth_saved(remote, original - compressed).
 *   - federation_join(): waits for the thread once sim->work_stop is stopped.
 */
#ifndef DWCP_SIM_FEDERATION_H
#define DWCP_SIM_FEDERATION_H

#include "sim.h"

struct federation;

struct federation *federation_start(struct sim *sim);
void federation_join(struct federation *f);

#endif /* DWCP_SIM_FEDERATION_H */
