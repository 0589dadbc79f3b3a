/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sites.h: the probe sites of the Go package, as the Go side sees them.
 *
 * Every dwcp probe has one ordinary C function (sites.go's preamble) whose
 * body is its DWCP_<PROBE>() macro: the one place in a Go binary where the
 * probe's USDT note and nop site are. All take the same arguments, the
 * probe's strings first and its integers after, so that one call path
 * (Go assembly on amd64, one cgo function elsewhere) serves them all.
 * dwcp_go_sites[] holds their addresses, in dwcp.d's order.
 */
#ifndef DWCP_GO_SITES_H
#define DWCP_GO_SITES_H

#include <stdint.h>

typedef void dwcp_go_site(const char *s0, const char *s1, const char *s2, uint64_t u0, uint64_t u1,
			  uint64_t u2);

#define DWCP_GO_PROBES 21
extern const uintptr_t dwcp_go_sites[DWCP_GO_PROBES];

#endif /* DWCP_GO_SITES_H */
