/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attach.h: the owner of the attach state: every --binary's struct
 * attach_target (probes/bpf_programs.h), read by scrapes and /ready and
 * changed only here, under the collector's lock.
 *
 * What it offers
 *   - attach_start(): at start, attach every binary (or wait for one not
 *     there yet); a binary without dwcp probes is an error naming it.
 *   - attach_appeared(): attach binaries that appeared or were replaced on
 *     disk; attach_follow(): watch their folders anew, then the same (what
 *     a change in a folder runs).
 *   - attach_ready(): the /ready handler: ready when every binary is there
 *     with probes attached, else why not.
 *   - Each attach is logged once: the probes attached, or those missing.
 */
#ifndef DWCP_ATTACH_H
#define DWCP_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

#include "collect/collector.h"
#include "config/options.h"
#include "probes/binary_watch.h"
#include "probes/bpf_programs.h"

/* waiting[i]: binary i does not exist yet and is waited for. 0, or -1 with err. */
int attach_start(struct collector *c, struct bpf_programs *bpf, const struct options *opt, const bool *waiting,
		 char *err, size_t errlen);

/* Call it after the folders are watched, so that a file that appears after
 * its look sends an event. */
void attach_appeared(struct collector *c, struct bpf_programs *bpf);

void attach_follow(struct collector *c, struct bpf_programs *bpf, struct binary_watch *watch);

/* ctx: the struct collector. */
bool attach_ready(void *ctx, char *why, size_t whylen);

#endif /* DWCP_ATTACH_H */
