// SPDX-License-Identifier: Apache-2.0

//go:build cgo

// Package sites holds the C side of the dwcp probes of the metrics package:
// one C function per probe, the probe's site and USDT note, its semaphore,
// and the guard that refuses Go's internal linker. The metrics package
// reads the semaphores and fires the sites; this package is its own
// because Go refuses Go assembly in a package that uses cgo.
package sites

/*
#cgo CFLAGS: -O2 -Wall -I${SRCDIR}/../..
#include "dwcp_probes.h"
#include "sites.h"

// Build guard: Go's internal linker drops the .note.stapsdt section of C
// objects, so a binary linked with -ldflags=-linkmode=internal would carry no
// probe at all. A reference to x_cgo_init (defined by runtime/cgo, which is
// in every external link of a cgo program) makes the test link that cgo
// runs for internal linking fail; the go tool then marks this package as
// needing the external linker, and -linkmode=internal stops with
// "internal linking requested but external linking required: some packages
// could not be built to support internal linking (.../metrics/internal/sites)".
extern void x_cgo_init(void);
__attribute__((used)) static void (*const dwcp_go_needs_external_linking)(void) = x_cgo_init;

// The sites. Leaf functions that touch no stack of their own: the site's
// lea -128(%rsp) step, and what a uprobe trampoline pushes below it, are
// all they write below the stack pointer they are called with
// (../../site_amd64.s gives them a frame that covers it).
#define S (void)s0, (void)s1, (void)s2, (void)u0, (void)u1, (void)u2
#define SITE(name) \
	void dwcp_go_site_##name(const char *s0, const char *s1, const char *s2, uint64_t u0, uint64_t u1, uint64_t u2)

SITE(stream_start) { S; DWCP_STREAM_START(s0); }
SITE(stream_data) { S; DWCP_STREAM_DATA(s0, u0, u1); }
SITE(stream_error) { S; DWCP_STREAM_ERROR(s0, s1); }
SITE(stream_end) { S; DWCP_STREAM_END(s0, s1); }
SITE(op_start) { S; DWCP_OP_START(u0, s0); }
SITE(op_end) { S; DWCP_OP_END(u0); }
SITE(op_duration) { S; DWCP_OP_DURATION(s0, u0); }
SITE(bandwidth) { S; DWCP_BANDWIDTH(u0, u1); }
SITE(compress) { S; DWCP_COMPRESS(s0, u0, u1, u2); }
SITE(decompress) { S; DWCP_DECOMPRESS(u0); }
SITE(baseline) { S; DWCP_BASELINE(s0, u0); }
SITE(dictionary) { S; DWCP_DICTIONARY(u0); }
SITE(migration_start) { S; DWCP_MIGRATION_START(s0, s1, u0); }
SITE(migration_end) { S; DWCP_MIGRATION_END(s0, u0); }
SITE(migration_done) { S; DWCP_MIGRATION_DONE(s0, s1, u0, u1); }
SITE(speedup) { S; DWCP_SPEEDUP(s0, u0); }
SITE(federation_sync) { S; DWCP_FEDERATION_SYNC(s0, s1, u0); }
SITE(bandwidth_saved) { S; DWCP_BANDWIDTH_SAVED(s0, u0); }
SITE(health) { S; DWCP_HEALTH(s0, u0); }
SITE(feature) { S; DWCP_FEATURE(s0, u0); }
SITE(version) { S; DWCP_VERSION(s0, s1, s2); }

// In dwcp.d's order, as the index constants of sites.go.
const uintptr_t dwcp_go_sites[DWCP_GO_PROBES] = {
#define DWCP_GO_SITE_ADDRESS(name, nargs) (uintptr_t)dwcp_go_site_##name,
	DWCP_FOR_EACH_PROBE(DWCP_GO_SITE_ADDRESS)
};

// The semaphores, in the same order.
volatile unsigned short *const dwcp_go_semaphores[DWCP_GO_PROBES] = {
#define DWCP_GO_SEMAPHORE_ADDRESS(name, nargs) &DWCP_SEMAPHORE(name),
	DWCP_FOR_EACH_PROBE(DWCP_GO_SEMAPHORE_ADDRESS)
};
*/
import "C"

import "unsafe"

// The probes of dwcp.d, in its order: indexes into Semaphores and Sites.
const (
	StreamStart = iota
	StreamData
	StreamError
	StreamEnd
	OpStart
	OpEnd
	OpDuration
	Bandwidth
	Compress
	Decompress
	Baseline
	Dictionary
	MigrationStart
	MigrationEnd
	MigrationDone
	Speedup
	FederationSync
	BandwidthSaved
	Health
	Feature
	Version
	// Count is the number of probes.
	Count
)

// Semaphores are the probes' USDT semaphores: the kernel adds one for every
// site a tracer attaches to in this process. Only != 0 means anything.
var Semaphores [Count]*uint16

// Sites are the addresses of the probes' C functions, each called as
// void site(const char *s0, const char *s1, const char *s2, uint64_t u0,
// uint64_t u1, uint64_t u2): the probe's strings first, NUL-terminated,
// then its integers, in dwcp.d's order; unused arguments are ignored.
var Sites [Count]uintptr

func init() {
	// Plain loads of two C arrays (no cgo call): the addresses are
	// relocated by the dynamic loader before any Go code runs.
	for i := range Sites {
		Sites[i] = uintptr(C.dwcp_go_sites[i])
		Semaphores[i] = (*uint16)(unsafe.Pointer(C.dwcp_go_semaphores[i]))
	}
}
