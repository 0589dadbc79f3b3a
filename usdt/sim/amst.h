/* SPDX-License-Identifier: Apache-2.0 */
/*
 * amst.h: AMST, the adaptive multi-stream transport of dwcp-sim.
 *
 * What it offers
 *   - amst_start(): --streams worker threads, each with its own loopback
 *     echo peer. A worker runs streams one after another: stream_start, a
 *     "handshake" operation (connect and hello round trip), then paced
 *     "chunk_send" operations that send a chunk and read its echo, with
 *     stream_data carrying the real send()/recv() byte counts, then
 *     stream_end ("success", "error", or "cancelled" when the run stops
 *     mid-stream).
 *   - Injected errors (--error-rate per chunk) are made real and then
 *     detected: a corrupted chunk fails its CRC ("checksum_mismatch"), a
 *     half-sent chunk misses its echo deadline ("connection_timeout"), the
 *     peer resets the connection ("peer_reset"). After an error a stream
 *     either ends with "error" or recovers (reconnecting if needed).
 *   - amst_join(): waits for the workers once sim->work_stop is stopped.
 */
#ifndef DWCP_SIM_AMST_H
#define DWCP_SIM_AMST_H

#include "sim.h"

struct amst;

/* NULL on failure (a message was printed). */
struct amst *amst_start(struct sim *sim);
void amst_join(struct amst *a);

#endif /* DWCP_SIM_AMST_H */
