// SPDX-License-Identifier: Apache-2.0

//go:build !cgo

package sites

// Without cgo there is no C compiler to make the probe sites and their
// notes: a binary would build and fire nothing. Stop the build instead,
// with the reason in the compiler's message.
const _ = "dwcp metrics: cgo is required for the probes (build with CGO_ENABLED=1, gcc and sys/sdt.h); see the package README.md" + 0
