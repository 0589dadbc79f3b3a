// SPDX-License-Identifier: Apache-2.0

// site_amd64.s: callSite, a C probe site called from Go on the goroutine
// stack (see fire_amd64.go).
//
// Why no cgo transition is needed here, and what keeps it safe:
//   - The site is a leaf of a few instructions that writes memory only
//     below its stack pointer: its return address, the 128 bytes it steps
//     over (lea -128(%rsp),%rsp) and, on kernels with optimized uprobes,
//     the return address and three registers the trampoline call pushes.
//     The C stack pointer is set near the top of this function's declared
//     frame (SITE_FRAME bytes, checked and grown by the prologue: not
//     NOSPLIT), so all of that lands inside the frame. The test of
//     test_go_build.py holds every site's own stack use to it.
//   - The stack pointer moves only by ADJSP, so the unwinder (profiler,
//     tracebacks) knows every frame at every instruction of this function.
//   - While the site runs the goroutine is in neither Go code nor a cgo
//     call: the scheduler cannot preempt it asynchronously there (it is no
//     safe point, as in any assembly), a signal runs on the thread's
//     signal stack, and a profiling signal that lands in the site is
//     counted as external code. The goroutine's stack cannot move before
//     the site returns.
//   - The C ABI keeps RBX, RBP, R12-R15 and the stack pointer; Go's ABI0
//     keeps nothing else, and the wrapper around this ABI0 function
//     restores Go's fixed registers (R14, X15) after it.

#include "textflag.h"

#define SITE_FRAME 512 // as in the TEXT line (go vet reads the number only there)

// func callSite(site uintptr, s0, s1, s2 *byte, u0, u1, u2 uint64)
TEXT ·callSite(SB), 0, $512-56
	MOVQ site+0(FP), AX
	MOVQ s0+8(FP), DI
	MOVQ s1+16(FP), SI
	MOVQ s2+24(FP), DX
	MOVQ u0+32(FP), CX
	MOVQ u1+40(FP), R8
	MOVQ u2+48(FP), R9
	// The C stack pointer: 16-byte aligned at the call, at most
	// SITE_FRAME bytes above the frame's bottom.
	TESTQ $8, SP
	JNE unaligned
	ADJSP $-SITE_FRAME
	CALL AX
	ADJSP $SITE_FRAME
	RET
unaligned:
	ADJSP $-(SITE_FRAME-8)
	CALL AX
	ADJSP $(SITE_FRAME-8)
	RET
