/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_check.h: --config.check, for packaging scripts and operators' CI:
 * everything the exporter would refuse at start, found without loading
 * BPF and without privileges.
 *
 * What it offers
 *   - config_check_run(): given options that parsed (the flags and the
 *     config file), checks the web config (its syntax, the certificate and
 *     key as GnuTLS loads them), the listen addresses, and every binary
 *     (there, a regular file, an ELF file with dwcp probes: read from its
 *     stapsdt notes). Prints one line per finding to out ("ok", "note" or
 *     "error") and returns the number of errors.
 *
 * A binary that does not exist yet is a note, not an error: the exporter
 * waits for it. One that exists without dwcp probes is an error, as at
 * start.
 */
#ifndef DWCP_CONFIG_CHECK_H
#define DWCP_CONFIG_CHECK_H

#include <stdio.h>

#include "config/options.h"

int config_check_run(const struct options *opt, FILE *out);

#endif /* DWCP_CONFIG_CHECK_H */
