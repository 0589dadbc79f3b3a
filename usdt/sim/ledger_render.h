/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ledger_render.h: what the ledger's tables mean to a scrape.
 *
 * What it offers
 *   - ledger_render(): the exact samples an exporter attached since the first
 *     event probe must show (without cluster/node labels), unsorted, and the
 *     "# fired <probe> <count>" header lines.
 *   - ledger_summarize(): the totals of the one-line summary.
 *
 * Pure: reads a struct ledger_state and writes lines, no lock, no I/O.
 */
#ifndef DWCP_SIM_LEDGER_RENDER_H
#define DWCP_SIM_LEDGER_RENDER_H

#include "ledger.h"
#include "ledger_state.h"
#include "promtext.h"

void ledger_render(const struct ledger_state *s, int pid, struct linebuf *header, struct linebuf *body);
void ledger_summarize(const struct ledger_state *st, struct ledger_summary *s);

#endif /* DWCP_SIM_LEDGER_RENDER_H */
