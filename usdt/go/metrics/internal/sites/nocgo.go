// SPDX-License-Identifier: Apache-2.0

//go:build !cgo

package sites

// Without cgo there is no C compiler to make the probe sites and their
// notes: a binary would build and fire nothing. Stop the build instead,
// with the reason in the compiler's message.
const _ = "cgo is required for the dwcp probes: build with CGO_ENABLED=1, gcc and sys/sdt.h; see README.md of novacron/backend/core/network/dwcp/metrics" + 0
