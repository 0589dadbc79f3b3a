/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * dwcp_usdt_args.bpf.h: USDT probe arguments, read with no helper call for
 * arguments in registers.
 *
 * What it offers
 *   - dwcp_usdt_spec(): the argument specification of the probe site that
 *     fired, looked up once per event.
 *   - dwcp_usdt_arg(): argument n of that site as a 64-bit value, exactly as
 *     libbpf 1.1's bpf_usdt_arg() would return it (0 where that fails).
 *   - DWCP_USDT_ARGS(): the argument list DWCP_USDT passes to a program body.
 *
 * It works with libbpf 1.1's attach as it is: bpf_program__attach_usdt()
 * parses each site's argument string ("8@%rdi -4@-20(%rbp) 4@$7") into the
 * __bpf_usdt_specs map of <bpf/usdt.bpf.h> and gives every uprobe a BPF
 * cookie holding the spec id, or, on kernels without cookies (before 5.15),
 * fills __bpf_usdt_ip_to_spec_id with the site's address. We use the same
 * maps and the same lookup (__bpf_usdt_spec_id), and only read differently.
 *
 * Why not bpf_usdt_arg(): it is a subprogram that looks the spec up again
 * for every argument and reads each register with a bpf_probe_read_kernel()
 * call, although a uprobe program may load struct pt_regs fields directly.
 * The verifier allows only constant-offset loads from the context, so the
 * register is picked by a switch over the offset libbpf recorded; clang
 * turns it into a few compares (BPF has no jump tables), all well predicted
 * since one site always names the same registers.
 *
 * Argument kinds, as libbpf 1.1 parses them on x86-64 and on arm64:
 *   - constant, "4@$7" ("4@7" on arm64): the value is in the spec (val_off);
 *   - register, "8@%rdi", "-4@%esi", "1@%al" (arm64: "8@x3", "-4@x0",
 *     "8@sp", always the 64-bit name): a pt_regs field;
 *   - memory, "-4@-20(%rbp)", "8@(%rsp)" (arm64: "-4@[x2]", "-8@[x2, 8]",
 *     "-4@[sp, 28]"): register plus offset, read with bpf_probe_read_user()
 *     (the one helper left, for this kind only). We read the argument's own
 *     size where libbpf reads 8 bytes: the same value, and a 1-byte
 *     argument at the end of a mapping still reads.
 * Arguments of 1, 2 or 4 bytes are cut to their size and sign- or
 * zero-extended from the spec's arg_bitshift and arg_signed, as libbpf does
 * (on arm64 "-4@x0" names x0 and keeps its low 32 bits, sign-extended).
 */
#ifndef DWCP_USDT_ARGS_BPF_H
#define DWCP_USDT_ARGS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h> /* the spec maps libbpf's attach fills, and their layout */

#if !defined(__TARGET_ARCH_x86) && !defined(__TARGET_ARCH_arm64)
#error "dwcp_usdt_args.bpf.h reads x86-64 and arm64 registers only: add the pt_regs offsets libbpf's usdt.c uses on this architecture"
#endif

typedef const struct __bpf_usdt_spec *dwcp_usdt_spec_t;

static __always_inline dwcp_usdt_spec_t dwcp_usdt_spec(struct pt_regs *ctx)
{
	int spec_id = __bpf_usdt_spec_id(ctx);

	if (spec_id < 0)
		return NULL;
	return bpf_map_lookup_elem(&__bpf_usdt_specs, &spec_id);
}

/* One load at a constant offset: in asm, because as C clang merges such
 * loads into one from ctx + offset, which the verifier refuses. */
#define DWCP_PT_REG(field)                                                     \
	({                                                                     \
		unsigned long __v;                                             \
		asm volatile("%[v] = *(u64 *)(%[regs] + %[off])"                \
			     : [v] "=r"(__v)                                   \
			     : [regs] "r"(ctx), [off] "i"(__builtin_offsetof(struct pt_regs, field))); \
		__v;                                                           \
	})

#if defined(__TARGET_ARCH_x86)
/*
 * The register at offset off of struct pt_regs, for every register libbpf
 * 1.1 names on x86-64 (calc_pt_regs_off in its usdt.c): r15 0, r14 8,
 * r13 16, r12 24, bp 32, bx 40, r11 48, r10 56, r9 64, r8 72, ax 80, cx 88,
 * dx 96, si 104, di 112, ip 128, sp 152. A tree of compares, one instruction
 * each and at most five deep: a switch costs clang a dozen instructions
 * more. libbpf records no other offset; one past sp reads as 0.
 */
static __always_inline unsigned long dwcp_pt_reg(const struct pt_regs *ctx, unsigned short off)
{
	if (off > __builtin_offsetof(struct pt_regs, sp))
		return 0;
	return off < 80 ? (off < 40 ? (off < 16 ? (off < 8 ? DWCP_PT_REG(r15) : DWCP_PT_REG(r14))
					       : off < 24 ? DWCP_PT_REG(r13)
					       : off < 32 ? DWCP_PT_REG(r12)
							  : DWCP_PT_REG(bp))
				    : off < 56 ? (off < 48 ? DWCP_PT_REG(bx) : DWCP_PT_REG(r11))
				    : off < 64 ? DWCP_PT_REG(r10)
				    : off < 72 ? DWCP_PT_REG(r9)
					       : DWCP_PT_REG(r8))
	     : off < 112 ? (off < 96 ? (off < 88 ? DWCP_PT_REG(ax) : DWCP_PT_REG(cx))
				     : off < 104 ? DWCP_PT_REG(dx)
						 : DWCP_PT_REG(si))
	     : off < 120 ? DWCP_PT_REG(di)
	     : off < 128 ? 0 /* orig_ax */
	     : off < 136 ? DWCP_PT_REG(ip)
	     : off < 152 ? 0 /* cs, flags */
			 : DWCP_PT_REG(sp);
}
#else /* __TARGET_ARCH_arm64 */
/*
 * On arm64 libbpf 1.1 (calc_pt_regs_off in its usdt.c) records
 * offsetof(struct user_pt_regs, regs[n]) = 8n for xN (n < 31) and sp 248;
 * the kernel's struct pt_regs, a uprobe's context, begins with exactly
 * that struct. A tree of compares over the 32 slots, five deep; an offset
 * libbpf never records (past sp, or not a multiple of 8) reads as 0.
 */
_Static_assert(__builtin_offsetof(struct pt_regs, regs[30]) == 240 && __builtin_offsetof(struct pt_regs, sp) == 248,
	       "struct pt_regs begins with user_pt_regs: regs[0..30], sp");

#define DWCP_PT_SLOT(n)                                                        	({                                                                     		unsigned long __v;                                             		asm volatile("%[v] = *(u64 *)(%[regs] + %[off])"                			     : [v] "=r"(__v)                                   			     : [regs] "r"(ctx), [off] "i"(8 * (n)));           		__v;                                                           	})
#define DWCP_PT_SLOT2(n) (slot < (n) + 1 ? DWCP_PT_SLOT(n) : DWCP_PT_SLOT((n) + 1))
#define DWCP_PT_SLOT4(n) (slot < (n) + 2 ? DWCP_PT_SLOT2(n) : DWCP_PT_SLOT2((n) + 2))
#define DWCP_PT_SLOT8(n) (slot < (n) + 4 ? DWCP_PT_SLOT4(n) : DWCP_PT_SLOT4((n) + 4))
#define DWCP_PT_SLOT16(n) (slot < (n) + 8 ? DWCP_PT_SLOT8(n) : DWCP_PT_SLOT8((n) + 8))

static __always_inline unsigned long dwcp_pt_reg(const struct pt_regs *ctx, unsigned short off)
{
	unsigned int slot = off / 8;

	if (off > __builtin_offsetof(struct pt_regs, sp) || off % 8)
		return 0;
	return slot < 16 ? DWCP_PT_SLOT16(0) : DWCP_PT_SLOT16(16);
}

#undef DWCP_PT_SLOT16
#undef DWCP_PT_SLOT8
#undef DWCP_PT_SLOT4
#undef DWCP_PT_SLOT2
#undef DWCP_PT_SLOT
#endif

#undef DWCP_PT_REG

static __always_inline unsigned long dwcp_usdt_arg(struct pt_regs *ctx, dwcp_usdt_spec_t spec, int n)
{
	const struct __bpf_usdt_arg_spec *arg;
	unsigned long val = 0;
	unsigned int shift;

	if (!spec || n >= BPF_USDT_MAX_ARG_CNT || n >= (unsigned short)spec->arg_cnt)
		return 0;
	arg = &spec->args[n];
	shift = (unsigned char)arg->arg_bitshift;
	switch (arg->arg_type) {
	case BPF_USDT_ARG_REG:
		val = dwcp_pt_reg(ctx, (unsigned short)arg->reg_off);
		/* a whole 64-bit register: the common case, nothing to cut */
		if (shift == 0)
			return val;
		break;
	case BPF_USDT_ARG_CONST:
		val = arg->val_off;
		break;
	case BPF_USDT_ARG_REG_DEREF:
		if (shift > 56 || shift & 7)
			return 0;
		if (bpf_probe_read_user(&val, 8 - shift / 8,
					(void *)(dwcp_pt_reg(ctx, (unsigned short)arg->reg_off) + arg->val_off)))
			return 0;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		val >>= shift;
#endif
		break;
	default:
		return 0;
	}
	val <<= shift;
	if (arg->arg_signed)
		return (unsigned long)((long)val >> shift);
	return val >> shift;
}

/* ctx, then each argument of a DWCP_USDT program, read from spec. */
#define ___dwcp_usdt_args0() ctx
#define ___dwcp_usdt_args1(x) ___dwcp_usdt_args0(), (void *)dwcp_usdt_arg(ctx, spec, 0)
#define ___dwcp_usdt_args2(x, args...) ___dwcp_usdt_args1(args), (void *)dwcp_usdt_arg(ctx, spec, 1)
#define ___dwcp_usdt_args3(x, args...) ___dwcp_usdt_args2(args), (void *)dwcp_usdt_arg(ctx, spec, 2)
#define ___dwcp_usdt_args4(x, args...) ___dwcp_usdt_args3(args), (void *)dwcp_usdt_arg(ctx, spec, 3)
#define ___dwcp_usdt_args5(x, args...) ___dwcp_usdt_args4(args), (void *)dwcp_usdt_arg(ctx, spec, 4)
#define ___dwcp_usdt_args6(x, args...) ___dwcp_usdt_args5(args), (void *)dwcp_usdt_arg(ctx, spec, 5)
#define DWCP_USDT_ARGS(args...) ___bpf_apply(___dwcp_usdt_args, ___bpf_narg(args))(args)

#endif /* DWCP_USDT_ARGS_BPF_H */
