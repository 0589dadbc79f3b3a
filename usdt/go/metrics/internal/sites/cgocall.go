// SPDX-License-Identifier: Apache-2.0

//go:build cgo && !amd64

package sites

/*
#include <stdint.h>
#include <string.h>
#include "sites.h"

// A Go string as a probe argument: at most DWCP_GO_STR_MAX bytes copied
// into a NUL-terminated buffer on this side of the call. One byte more than
// a tracer reads (63), so that it still sees and counts text that it cuts.
#define DWCP_GO_STR_MAX 64

static inline void dwcp_go_copy(char *dst, _GoString_ s)
{
	size_t n = _GoStringLen(s);

	if (n > DWCP_GO_STR_MAX)
		n = DWCP_GO_STR_MAX;
	if (n)
		memcpy(dst, _GoStringPtr(s), n);
	dst[n] = 0;
}

static void dwcp_go_call(uintptr_t site, _GoString_ s0, _GoString_ s1, _GoString_ s2, uint64_t u0,
			 uint64_t u1, uint64_t u2)
{
	char b0[DWCP_GO_STR_MAX + 1], b1[DWCP_GO_STR_MAX + 1], b2[DWCP_GO_STR_MAX + 1];

	dwcp_go_copy(b0, s0);
	dwcp_go_copy(b1, s1);
	dwcp_go_copy(b2, s2);
	((dwcp_go_site *)site)(b0, b1, b2, u0, u1, u2);
}
*/
import "C"

// Call fires the site of probe i through cgo: the strings are copied
// into NUL-terminated buffers on the C side. The path of architectures
// without the Go assembly of the metrics package (amd64 has it).
func Call(i int, s0, s1, s2 string, u0, u1, u2 uint64) {
	C.dwcp_go_call(C.uintptr_t(Sites[i]), s0, s1, s2, C.uint64_t(u0), C.uint64_t(u1), C.uint64_t(u2))
}
