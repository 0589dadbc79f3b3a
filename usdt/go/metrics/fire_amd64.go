// SPDX-License-Identifier: Apache-2.0

package metrics

// fire_amd64.go: a traced call on amd64 runs the probe's C site from Go
// assembly (site_amd64.s) on the goroutine's own stack, without cgo's
// transition to the thread's system stack: what the probe costs from C,
// plus the copy of its strings. Why this is safe is in site_amd64.s.

import "novacron/backend/core/network/dwcp/metrics/internal/sites"

// cstr is a string argument as the probe reads it: at most strMax bytes
// and a NUL, on the caller's stack.
type cstr [strMax + 1]byte

func (b *cstr) from(s string) *byte {
	n := copy(b[:strMax], s)
	b[n] = 0
	return &b[0]
}

// callSite calls the C function at site with the System V arguments
// (s0, s1, s2, u0, u1, u2). The strings are pointers, not addresses: if
// the goroutine's stack moves while callSite's prologue grows it, the
// runtime updates them along with the buffers they point into.
//
//go:noescape
func callSite(site uintptr, s0, s1, s2 *byte, u0, u1, u2 uint64)

func fire0S(site int, u0, u1 uint64) {
	callSite(sites.Sites[site], nil, nil, nil, u0, u1, 0)
}

func fire1S(site int, s0 string, u0, u1, u2 uint64) {
	var b0 cstr
	callSite(sites.Sites[site], b0.from(s0), nil, nil, u0, u1, u2)
}

func fire2S(site int, s0, s1 string, u0, u1 uint64) {
	var b0, b1 cstr
	callSite(sites.Sites[site], b0.from(s0), b1.from(s1), nil, u0, u1, 0)
}

func fire3S(site int, s0, s1, s2 string) {
	var b0, b1, b2 cstr
	callSite(sites.Sites[site], b0.from(s0), b1.from(s1), b2.from(s2), 0, 0, 0)
}

// siteFrame is the frame that site_amd64.s declares for the C site, read
// by the tests that hold the sites' stack use to it.
const siteFrame = 512
