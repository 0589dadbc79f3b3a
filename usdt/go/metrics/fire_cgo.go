// SPDX-License-Identifier: Apache-2.0

//go:build !amd64

package metrics

// fire_cgo.go: a traced call on architectures without the Go assembly of
// site_amd64.s (arm64 among them) crosses cgo once: internal/sites copies
// the strings into NUL-terminated buffers on the C side and calls the
// probe's site. Untraced, a call is the same load and branch as on amd64.

import "novacron/backend/core/network/dwcp/metrics/internal/sites"

func fire0S(site int, u0, u1 uint64) { sites.Call(site, "", "", "", u0, u1, 0) }

func fire1S(site int, s0 string, u0, u1, u2 uint64) { sites.Call(site, s0, "", "", u0, u1, u2) }

func fire2S(site int, s0, s1 string, u0, u1 uint64) { sites.Call(site, s0, s1, "", u0, u1, 0) }

func fire3S(site int, s0, s1, s2 string) { sites.Call(site, s0, s1, s2, 0, 0, 0) }
