/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stream_loops.h: the loops that fire dwcp:stream_data for the probe
 * benchmarks (probe_cost.c, probe_parts.c), one per probe site form.
 *
 * What it offers
 *   - BENCH_ID: the stream id every event carries (22 bytes, as in issue
 *     15's measurement: the id is read and hashed on every event).
 *   - SENT(i), RECV(i): the byte counts of event i.
 *   - loop_probe(n, id): n events on the site usdt/dwcp_probes.h emits
 *     (nop5 on x86-64); loop_probe_nop1(n, id): the same on the 1-byte nop
 *     plain sys/sdt.h emits.
 * Include it once, after dwcp_probes.h.
 */
#ifndef DWCP_BENCH_STREAM_LOOPS_H
#define DWCP_BENCH_STREAM_LOOPS_H

#define BENCH_ID "node-07/stream-0000042"

/* The argument values vary so no tracer can cache them, and the mask keeps
 * them within the exporter's per-event sanity bound. */
#define SENT(i) (1 + ((uint64_t)(i) & 0xffff))
#define RECV(i) ((uint64_t)(i) & 0xff)

static __attribute__((noinline)) void loop_probe(long n, const char *id)
{
	for (long i = 0; i < n; i++)
		DWCP_STREAM_DATA(id, SENT(i), RECV(i));
}

/* One 1-byte nop, which a uprobe always turns into a breakpoint trap.
 * _SDT_NOP is expanded where a probe is used, so redefining it here changes
 * only this function. */
#pragma push_macro("_SDT_NOP")
#undef _SDT_NOP
#define _SDT_NOP nop
static __attribute__((noinline)) void loop_probe_nop1(long n, const char *id)
{
	for (long i = 0; i < n; i++)
		DWCP_STREAM_DATA(id, SENT(i), RECV(i));
}
#pragma pop_macro("_SDT_NOP")

#endif /* DWCP_BENCH_STREAM_LOOPS_H */
