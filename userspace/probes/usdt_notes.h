/* SPDX-License-Identifier: Apache-2.0 */
/*
 * usdt_notes.h: which dwcp probes an ELF file carries, read from its
 * .note.stapsdt notes with libelf, as a tracer finds them, without
 * attaching anything (for --config.check).
 *
 * What it offers
 *   - usdt_notes_dwcp(): for each enum dwcp_probe_id, whether the file has
 *     a note of provider "dwcp" with that probe's name; returns how many
 *     of them it has (0: none), or -1 with err when the file cannot be read
 *     as ELF.
 */
#ifndef DWCP_USDT_NOTES_H
#define DWCP_USDT_NOTES_H

#include <stdbool.h>
#include <stddef.h>

#include "dwcp_maps.h"

int usdt_notes_dwcp(const char *path, bool has[DWCP_PROBE_COUNT], char *err, size_t errlen);

#endif /* DWCP_USDT_NOTES_H */
