/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compressor.h: the HDE worker of dwcp-sim.
 *
 * What it offers
 *   - compressor_start(): a thread that, --compress-rate times a second,
 *     takes the next generated page (60% vm_memory, 30% vm_disk, 10%
 *     vm_state), compresses it (compress, maybe baseline), decompresses and
 *     verifies it (decompress; --decompress-failure-rate corrupts it first),
 *     and every 50 pages fires dictionary with the recent efficiency.
 *   - compressor_join(): waits for it once sim->work_stop is stopped.
 */
#ifndef DWCP_SIM_COMPRESSOR_H
#define DWCP_SIM_COMPRESSOR_H

#include "sim.h"

struct compressor;

struct compressor *compressor_start(struct sim *sim);
void compressor_join(struct compressor *c);

#endif /* DWCP_SIM_COMPRESSOR_H */
