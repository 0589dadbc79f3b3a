/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dwcp_names.h: names of the identifiers in bpf/dwcp_maps.h, as they appear
 * in label values and logs (probe="stream_data", reason="truncated_string").
 * Map names live with the map layouts (map_layouts.h).
 */
#ifndef DWCP_NAMES_H
#define DWCP_NAMES_H

#include "dwcp_maps.h"

const char *dwcp_probe_name(enum dwcp_probe_id id);
const char *dwcp_bad_arg_reason_name(enum dwcp_bad_arg_reason reason);

/* The probe id of a probe name, or -1. */
int dwcp_probe_id_of(const char *name);

#endif /* DWCP_NAMES_H */
