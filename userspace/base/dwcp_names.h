/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dwcp_names.h: names of the identifiers of bpf/dwcp_ids.h and
 * bpf/dwcp_maps.h, as they appear in label values and logs
 * (probe="stream_data", map="streams", reason="truncated_string"), from the
 * tables of dwcp_ids.h.
 */
#ifndef DWCP_NAMES_H
#define DWCP_NAMES_H

#include "dwcp_maps.h"

const char *dwcp_probe_name(enum dwcp_probe_id id);
/* The map's BPF name. */
const char *dwcp_map_name(enum dwcp_map_id id);
const char *dwcp_bad_arg_reason_name(enum dwcp_bad_arg_reason reason);

/* The probe id of a probe name, or -1. */
int dwcp_probe_id_of(const char *name);

#endif /* DWCP_NAMES_H */
