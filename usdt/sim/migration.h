/* SPDX-License-Identifier: Apache-2.0 */
/*
 * migration.h: VM live migrations of dwcp-sim.
 *
 * What it offers
 *   - migrator_start(): a thread that runs --migrations migrations spread
 *     over the run (at duration*(k+1)/(N+1); every 2 s when the run has no
 *     duration). Migration k moves a VM memory image to "node-02" or
 *     "node-03" (a loopback destination thread that rebuilds and checks it),
 *     paced to --link-bytes-per-sec: raw pages when DWCP is off, HDE frames
 *     against a snapshot of the vm_memory baselines (sent first) when on.
 *     The order is large_vm standard, large_vm DWCP, small_vm standard,
 *     small_vm DWCP, ...; after each success, once both kinds of a VM type
 *     have a measured duration, speedup(vm_type, standard/dwcp x 1000).
 *   - --migration-failure-rate drops the link half way (an RST), so the
 *     migration really fails; a migration still running when the run stops
 *     is aborted and ends with success=0.
 *   - migrator_join(): waits for the thread once sim->work_stop is stopped.
 */
#ifndef DWCP_SIM_MIGRATION_H
#define DWCP_SIM_MIGRATION_H

#include "sim.h"

struct migrator;

struct migrator *migrator_start(struct sim *sim);
void migrator_join(struct migrator *m);

#endif /* DWCP_SIM_MIGRATION_H */
