/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * parts.h: the variants of the stream_data program that probe_parts times,
 * shared by parts.bpf.c (which builds them) and probe_parts.c (which names
 * them and says what each adds to which).
 *
 * Two chains from one empty program: "before" is stream_data as it was until
 * issue 15 (libbpf's argument reader, a count of runs in progress, a 72-byte
 * key), "after" is stream_data now (bpf/amst.bpf.c). Each variant does what
 * the one it builds on does plus one part.
 */
#ifndef DWCP_BENCH_PARTS_H
#define DWCP_BENCH_PARTS_H

/* X(id, the variant it adds to, what it adds) */
#define DWCP_BENCH_PARTS(X)                                                                              \
	X(PART_EMPTY, PART_EMPTY, "empty program (the uprobe floor, plus BPF stats)")                     \
	X(PART_BEFORE_ARGS, PART_EMPTY, "before: 3 arguments by libbpf's bpf_usdt_arg()")                \
	X(PART_BEFORE_TAIL, PART_BEFORE_ARGS, "before: + the never-taken tail call")                     \
	X(PART_BEFORE_COUNT, PART_BEFORE_TAIL, "before: + runs-in-progress count (2 atomic adds)")        \
	X(PART_BEFORE_TOTALS, PART_BEFORE_COUNT, "before: + range check, two per-CPU totals")            \
	X(PART_BEFORE_KEY, PART_BEFORE_TOTALS, "before: + 72-byte key: zeroed, tgid, id read")           \
	X(PART_BEFORE_LOOKUP, PART_BEFORE_KEY, "before: + hash lookup of the 72-byte key")               \
	X(PART_BEFORE_ADDS, PART_BEFORE_LOOKUP, "before: + two atomic adds (all of stream_data)")        \
	X(PART_AFTER_ARGS, PART_EMPTY, "after: 3 arguments by dwcp_usdt_args.bpf.h")                     \
	X(PART_AFTER_TAIL, PART_AFTER_ARGS, "after: + the never-taken tail call")                        \
	X(PART_AFTER_COUNT, PART_AFTER_TAIL, "after: + preempted-run count (task's nivcsw twice)")        \
	X(PART_AFTER_TOTALS, PART_AFTER_COUNT, "after: + range check, two per-CPU totals")               \
	X(PART_AFTER_KEY, PART_AFTER_TOTALS, "after: + id read into a zeroed label, hashed, 16-byte key") \
	X(PART_AFTER_LOOKUP, PART_AFTER_KEY, "after: + hash lookup of the 16-byte key, label compared")  \
	X(PART_AFTER_ADDS, PART_AFTER_LOOKUP, "after: + two atomic adds (all of stream_data)")

#define DWCP_BENCH_PART_ENUM(id, base, text) id,
enum dwcp_bench_part { DWCP_BENCH_PARTS(DWCP_BENCH_PART_ENUM) PART_COUNT };
#undef DWCP_BENCH_PART_ENUM

#endif /* DWCP_BENCH_PARTS_H */
