/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dwcp_probes.h: USDT probes for DWCP binaries (provider "dwcp").
 *
 * What it offers
 *   - One macro per probe of usdt/dwcp.d, DWCP_<PROBE>(args...). A probe site
 *     is a few nops until a tracer (dwcp-bpf-exporter, bpftrace) attaches
 *     (see "Probe sites" below).
 *   - DWCP_<PROBE>_ENABLED(): true while something is attached to that probe
 *     (its USDT semaphore is non-zero). Use it to skip work done only to build
 *     probe arguments (formatting an id, computing a total).
 *   - dwcp_reannounce_due(): tells a binary when to fire its level probes
 *     again, so a tracer that attaches late still learns the current state.
 *
 * Example
 *
 *     #include "dwcp_probes.h"
 *
 *     DWCP_STREAM_START(id);
 *     DWCP_STREAM_DATA(id, sent, received);
 *     if (DWCP_STREAM_ERROR_ENABLED())
 *             DWCP_STREAM_ERROR(id, classify(err));
 *     DWCP_STREAM_END(id, "success");
 *
 *     // in a loop that runs at least every 250 ms:
 *     static struct dwcp_reannounce ra;
 *     if (dwcp_reannounce_due(&ra, now_ns)) {
 *             DWCP_HEALTH("amst", 2);
 *             DWCP_VERSION(VERSION, GIT_COMMIT, BUILD_DATE);
 *             ...every level probe with its current value...
 *     }
 *
 * Arguments: strings are const char * to NUL-terminated text (tracers read at
 * most 63 bytes), numbers are converted to 64-bit integers. Include this
 * header before any other include of <sys/sdt.h>: semaphores must be enabled
 * when sys/sdt.h is first read.
 *
 * Semaphores are weak hidden symbols in the ".probes" section, so any number
 * of translation units may include this header and a binary (or shared
 * object) ends up with one semaphore per probe.
 */
#ifndef DWCP_PROBES_H
#define DWCP_PROBES_H

#if defined(_SYS_SDT_H) && !defined(_SDT_HAS_SEMAPHORES)
#error "include dwcp_probes.h before <sys/sdt.h>: DWCP probes need USDT semaphores"
#endif
#ifndef _SDT_HAS_SEMAPHORES
#define _SDT_HAS_SEMAPHORES 1
#endif
/* Arguments in registers or immediates only. The default "nor" lets the
 * compiler describe an argument as a memory operand such as 8@304+L(%rip),
 * which libbpf's USDT argument parser (and other tracers) cannot read. */
#if !defined(STAP_SDT_ARG_CONSTRAINT) && (defined(__x86_64__) || defined(__i386__))
#define STAP_SDT_ARG_CONSTRAINT nr
#define DWCP_SITE_CONSTRAINT_NR 1
#endif
#include <sys/sdt.h>
#include <stdint.h>

/*
 * Probe sites. sys/sdt.h marks a site with a 1-byte nop; a uprobe there
 * always costs a breakpoint trap. Linux 6.17+ on x86-64 can turn a uprobe on
 * the 5-byte nop 0f 1f 44 00 00 into a call to a "[uprobes-trampoline]" page
 * (after its first hit, when the nop does not cross a page), so on x86-64
 * the USDT note points at such a nop5, 8-byte aligned so it never crosses a
 * page. Tracers that attach at the note address (libbpf 1.1, bpftrace 0.17,
 * newer libbpf too) get the call where the kernel offers it and the
 * ordinary trap elsewhere; the site stays a valid stapsdt note.
 *
 * The call pushes its return address, and the trampoline three registers,
 * below %rsp: into the red zone where a leaf function may keep locals across
 * the asm. The nop5 is therefore bracketed by lea -128(%rsp),%rsp and
 * lea 128(%rsp),%rsp, which also needs every argument in a register or an
 * immediate (STAP_SDT_ARG_CONSTRAINT nr above, never %rsp-relative memory).
 * A TU that sets its own STAP_SDT_ARG_CONSTRAINT, or defines
 * DWCP_PROBE_SITE_NOP1, keeps sys/sdt.h's 1-byte nop; DWCP_PROBE_SITE_NOP5
 * is defined where the nop5 site is in use. The bytes are spelled
 * out because _SDT_NOP reaches the assembler through a one-argument macro
 * (no commas) and an asm with operands (no bare %); the second 990 label
 * moves the note's address from the first lea to the nop5.
 * Like sys/sdt.h's, this takes effect for every STAP_PROBE expanded after
 * this header in the translation unit.
 */
#if defined(__x86_64__) && defined(DWCP_SITE_CONSTRAINT_NR) && !defined(DWCP_PROBE_SITE_NOP1)
#undef _SDT_NOP
/* lea -0x80(%rsp),%rsp; align 8; 990: nopl 0x0(%rax,%rax,1); lea 0x80(%rsp),%rsp */
#define _SDT_NOP                                                               \
	.4byte 0x24648d48; .byte 0x80; .p2align 3;                             \
	990: .4byte 0x00441f0f; .byte 0x00; .8byte 0x0000008024a48d48
#define DWCP_PROBE_SITE_NOP5 1
#endif

#define DWCP_SEMAPHORE(probe) dwcp_##probe##_semaphore

#define DWCP_DEFINE_SEMAPHORE(probe)                                           \
	__attribute__((weak, section(".probes"), visibility("hidden")))        \
	volatile unsigned short DWCP_SEMAPHORE(probe)

#define DWCP_PROBE_ENABLED(probe) __builtin_expect(DWCP_SEMAPHORE(probe) != 0, 0)

#define DWCP_U64(v) ((uint64_t)(v))

/*
 * A BPF program on a probe cannot fault a page in: a string in a page this
 * process never touched (a literal in .rodata nobody else reads) would read
 * as unreadable. While the probe is enabled, its string arguments get their
 * first byte touched, which maps the page. NULL stays NULL and is reported
 * by the tracer as unreadable. Costs nothing while nothing is attached.
 */
static inline const char *dwcp_probe_str(const char *s, int enabled)
{
	if (__builtin_expect(enabled, 0) && s)
		(void)*(const volatile char *)s;
	return s;
}
#define DWCP_STR(probe, s) dwcp_probe_str((const char *)(s), DWCP_PROBE_ENABLED(probe))

/* Every probe of usdt/dwcp.d, in its order; X(name, argument count).
 * Code generated from usdt/dwcp.d by tests/structure/check_ids.py --write;
 * DO NOT EDIT. */
#define DWCP_FOR_EACH_PROBE(X)                                                 \
	X(stream_start, 1)                                                     \
	X(stream_data, 3)                                                      \
	X(stream_error, 2)                                                     \
	X(stream_end, 2)                                                       \
	X(op_start, 2)                                                         \
	X(op_end, 1)                                                           \
	X(op_duration, 2)                                                      \
	X(bandwidth, 2)                                                        \
	X(compress, 4)                                                         \
	X(decompress, 1)                                                       \
	X(baseline, 2)                                                         \
	X(dictionary, 1)                                                       \
	X(migration_start, 3)                                                  \
	X(migration_end, 2)                                                    \
	X(migration_done, 4)                                                   \
	X(speedup, 2)                                                          \
	X(federation_sync, 3)                                                  \
	X(bandwidth_saved, 2)                                                  \
	X(health, 2)                                                           \
	X(feature, 2)                                                          \
	X(version, 3)

#define DWCP_X_SEMAPHORE(name, nargs) DWCP_DEFINE_SEMAPHORE(name);
DWCP_FOR_EACH_PROBE(DWCP_X_SEMAPHORE)
#undef DWCP_X_SEMAPHORE

/* ---- AMST: adaptive multi-stream transport ---- */
#define DWCP_STREAM_START(stream_id) STAP_PROBE1(dwcp, stream_start, DWCP_STR(stream_start, stream_id))
#define DWCP_STREAM_START_ENABLED() DWCP_PROBE_ENABLED(stream_start)

#define DWCP_STREAM_DATA(stream_id, bytes_sent, bytes_received)                \
	STAP_PROBE3(dwcp, stream_data, DWCP_STR(stream_data, stream_id), DWCP_U64(bytes_sent), \
		    DWCP_U64(bytes_received))
#define DWCP_STREAM_DATA_ENABLED() DWCP_PROBE_ENABLED(stream_data)

#define DWCP_STREAM_ERROR(stream_id, error_type)                               \
	STAP_PROBE2(dwcp, stream_error, DWCP_STR(stream_error, stream_id), DWCP_STR(stream_error, error_type))
#define DWCP_STREAM_ERROR_ENABLED() DWCP_PROBE_ENABLED(stream_error)

/* result: "success", "error", "cancelled", ... (becomes the result label) */
#define DWCP_STREAM_END(stream_id, result)                                     \
	STAP_PROBE2(dwcp, stream_end, DWCP_STR(stream_end, stream_id), DWCP_STR(stream_end, result))
#define DWCP_STREAM_END_ENABLED() DWCP_PROBE_ENABLED(stream_end)

/* op_id: unique among this process's in-flight operations. The time between
 * op_start and op_end is the latency observed for "operation". */
#define DWCP_OP_START(op_id, operation)                                        \
	STAP_PROBE2(dwcp, op_start, DWCP_U64(op_id), DWCP_STR(op_start, operation))
#define DWCP_OP_START_ENABLED() DWCP_PROBE_ENABLED(op_start)

#define DWCP_OP_END(op_id) STAP_PROBE1(dwcp, op_end, DWCP_U64(op_id))
#define DWCP_OP_END_ENABLED() DWCP_PROBE_ENABLED(op_end)

/* An operation the caller timed itself: the same latency histogram as
 * op_start/op_end, for code that has the duration only afterwards. */
#define DWCP_OP_DURATION(operation, duration_ns)                               \
	STAP_PROBE2(dwcp, op_duration, DWCP_STR(op_duration, operation), DWCP_U64(duration_ns))
#define DWCP_OP_DURATION_ENABLED() DWCP_PROBE_ENABLED(op_duration)

/* level: current bandwidth in use and available, bytes per second */
#define DWCP_BANDWIDTH(used_bytes_per_sec, available_bytes_per_sec)            \
	STAP_PROBE2(dwcp, bandwidth, DWCP_U64(used_bytes_per_sec),              \
		    DWCP_U64(available_bytes_per_sec))
#define DWCP_BANDWIDTH_ENABLED() DWCP_PROBE_ENABLED(bandwidth)

/* ---- HDE: hierarchical delta encoding ---- */
#define DWCP_COMPRESS(data_type, original_bytes, compressed_bytes, delta_hit)  \
	STAP_PROBE4(dwcp, compress, DWCP_STR(compress, data_type), DWCP_U64(original_bytes), \
		    DWCP_U64(compressed_bytes), DWCP_U64(!!(delta_hit)))
#define DWCP_COMPRESS_ENABLED() DWCP_PROBE_ENABLED(compress)

#define DWCP_DECOMPRESS(success) STAP_PROBE1(dwcp, decompress, DWCP_U64(!!(success)))
#define DWCP_DECOMPRESS_ENABLED() DWCP_PROBE_ENABLED(decompress)

/* level: number of active baselines of one type */
#define DWCP_BASELINE(baseline_type, count)                                    \
	STAP_PROBE2(dwcp, baseline, DWCP_STR(baseline, baseline_type), DWCP_U64(count))
#define DWCP_BASELINE_ENABLED() DWCP_PROBE_ENABLED(baseline)

/* level: dictionary efficiency in percent x 100 (0..10000) */
#define DWCP_DICTIONARY(efficiency_percent_x100)                               \
	STAP_PROBE1(dwcp, dictionary, DWCP_U64(efficiency_percent_x100))
#define DWCP_DICTIONARY_ENABLED() DWCP_PROBE_ENABLED(dictionary)

/* ---- VM migration ---- */
#define DWCP_MIGRATION_START(migration_id, dest_node, dwcp_enabled)            \
	STAP_PROBE3(dwcp, migration_start, DWCP_STR(migration_start, migration_id),              \
		    DWCP_STR(migration_start, dest_node), DWCP_U64(!!(dwcp_enabled)))
#define DWCP_MIGRATION_START_ENABLED() DWCP_PROBE_ENABLED(migration_start)

#define DWCP_MIGRATION_END(migration_id, success)                              \
	STAP_PROBE2(dwcp, migration_end, DWCP_STR(migration_end, migration_id), DWCP_U64(!!(success)))
#define DWCP_MIGRATION_END_ENABLED() DWCP_PROBE_ENABLED(migration_end)

/* Ends a migration whose destination and DWCP flag are known only now (its
 * migration_start may pass an empty dest_node): these arguments, not the
 * start's, label the outcome. End a migration with this or with
 * DWCP_MIGRATION_END, not both. */
#define DWCP_MIGRATION_DONE(migration_id, dest_node, dwcp_enabled, success)    \
	STAP_PROBE4(dwcp, migration_done, DWCP_STR(migration_done, migration_id),                \
		    DWCP_STR(migration_done, dest_node), DWCP_U64(!!(dwcp_enabled)), DWCP_U64(!!(success)))
#define DWCP_MIGRATION_DONE_ENABLED() DWCP_PROBE_ENABLED(migration_done)

/* level: speedup of DWCP over standard migration for a VM type, x 1000 */
#define DWCP_SPEEDUP(vm_type, factor_x1000)                                    \
	STAP_PROBE2(dwcp, speedup, DWCP_STR(speedup, vm_type), DWCP_U64(factor_x1000))
#define DWCP_SPEEDUP_ENABLED() DWCP_PROBE_ENABLED(speedup)

/* ---- Federation ---- */
#define DWCP_FEDERATION_SYNC(remote_cluster, sync_type, duration_ns)           \
	STAP_PROBE3(dwcp, federation_sync, DWCP_STR(federation_sync, remote_cluster),            \
		    DWCP_STR(federation_sync, sync_type), DWCP_U64(duration_ns))
#define DWCP_FEDERATION_SYNC_ENABLED() DWCP_PROBE_ENABLED(federation_sync)

#define DWCP_BANDWIDTH_SAVED(remote_cluster, bytes)                            \
	STAP_PROBE2(dwcp, bandwidth_saved, DWCP_STR(bandwidth_saved, remote_cluster), DWCP_U64(bytes))
#define DWCP_BANDWIDTH_SAVED_ENABLED() DWCP_PROBE_ENABLED(bandwidth_saved)

/* ---- System ---- */
enum dwcp_health_state {
	DWCP_HEALTH_DOWN = 0,
	DWCP_HEALTH_DEGRADED = 1,
	DWCP_HEALTH_HEALTHY = 2,
};

/* level: component health, a dwcp_health_state */
#define DWCP_HEALTH(component, state)                                          \
	STAP_PROBE2(dwcp, health, DWCP_STR(health, component), DWCP_U64(state))
#define DWCP_HEALTH_ENABLED() DWCP_PROBE_ENABLED(health)

/* level: a feature flag, enabled 0/1 */
#define DWCP_FEATURE(feature_name, enabled)                                         \
	STAP_PROBE2(dwcp, feature, DWCP_STR(feature, feature_name), DWCP_U64(!!(enabled)))
#define DWCP_FEATURE_ENABLED() DWCP_PROBE_ENABLED(feature)

/* level: the running build */
#define DWCP_VERSION(version_string, git_commit, build_date)                          \
	STAP_PROBE3(dwcp, version, DWCP_STR(version, version_string), DWCP_STR(version, git_commit),     \
		    DWCP_STR(version, build_date))
#define DWCP_VERSION_ENABLED() DWCP_PROBE_ENABLED(version)

/* ---- Re-announcing level state ----
 *
 * Level probes (bandwidth, baseline, dictionary, speedup, health, feature,
 * version) describe state that may have been set long before a tracer
 * attached. Call dwcp_reannounce_due() from a loop that runs at least every
 * 250 ms; when it returns 1, fire every level probe with its current value.
 * It returns 1 as soon as a level probe's semaphore changes (a tracer came or
 * went) and then once per DWCP_REANNOUNCE_PERIOD_NS while any is attached, so
 * a tracer that detaches and reattaches quickly is also served. It costs seven
 * loads and a compare while nothing is attached, and returns 0 then.
 */
#ifndef DWCP_REANNOUNCE_PERIOD_NS
#define DWCP_REANNOUNCE_PERIOD_NS 1000000000ull
#endif

struct dwcp_reannounce {
	unsigned int last_signature;
	uint64_t next_due_ns;
};

static inline unsigned int dwcp_level_signature(void)
{
	return (unsigned int)DWCP_SEMAPHORE(bandwidth) + DWCP_SEMAPHORE(baseline) +
	       DWCP_SEMAPHORE(dictionary) + DWCP_SEMAPHORE(speedup) +
	       DWCP_SEMAPHORE(health) + DWCP_SEMAPHORE(feature) +
	       DWCP_SEMAPHORE(version);
}

static inline int dwcp_reannounce_due(struct dwcp_reannounce *r, uint64_t now_ns)
{
	unsigned int signature = dwcp_level_signature();

	if (signature == 0) {
		r->last_signature = 0;
		return 0;
	}
	if (signature != r->last_signature || now_ns >= r->next_due_ns) {
		r->last_signature = signature;
		r->next_due_ns = now_ns + DWCP_REANNOUNCE_PERIOD_NS;
		return 1;
	}
	return 0;
}

#endif /* DWCP_PROBES_H */
