// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * parts.bpf.c: the stream_data program of bpf/amst.bpf.c taken apart, for
 * probe_parts. One program, "part"; the loader sets upto (a read-only global,
 * so the verifier knows its value and drops the code it does not reach) to
 * one of tests/bench/parts.h, and the program does that variant.
 *
 * The "after" chain is built from the same headers as bpf/amst.bpf.c. The
 * "before" chain keeps here, for comparison only, what stream_data was
 * until issue 15: libbpf's bpf_usdt_arg(), an atomic count of the runs in
 * progress on the CPU, and a 72-byte (tgid, label) key.
 */
#include "dwcp_common.bpf.h"
#include "dwcp_streams.bpf.h"
#include "parts.h"

const volatile __u32 upto = PART_EMPTY;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DWCP_MAX_STREAMS);
	__type(key, struct dwcp_proc_label_key);
	__type(value, struct dwcp_stream);
} streams_before SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} runs_before SEC(".maps");

/* keeps a value alive at no cost */
#define SINK(v) asm volatile("" : : "r"(v))

/* the run count as it was: runs in progress on this CPU, +1 and -1 */
static __always_inline __u64 *count_enter_before(void)
{
	__u32 index = 0;
	__u64 *inside = bpf_map_lookup_elem(&runs_before, &index);

	if (!inside)
		return NULL;
	if (*inside) {
		__u64 *interleaved;

		index = 1;
		interleaved = bpf_map_lookup_elem(&runs_before, &index);
		if (interleaved)
			counter_add(interleaved, 1);
	}
	counter_add(inside, 1);
	return inside;
}

static __always_inline int part_before(struct pt_regs *ctx)
{
	struct dwcp_proc_label_key key;
	struct dwcp_stream *stream;
	long id, sent, received;
	__u64 *inside = NULL;

	bpf_usdt_arg(ctx, 0, &id);
	bpf_usdt_arg(ctx, 1, &sent);
	bpf_usdt_arg(ctx, 2, &received);
	SINK(id);
	SINK(sent);
	SINK(received);
	if (upto == PART_BEFORE_ARGS)
		return 0;
	if (upto >= PART_BEFORE_COUNT)
		inside = count_enter_before();
	if (upto <= PART_BEFORE_COUNT)
		goto out;
	if ((__u64)sent > DWCP_MAX_BYTES_PER_EVENT || (__u64)received > DWCP_MAX_BYTES_PER_EVENT) {
		count_bad_arg(DWCP_PROBE_STREAM_DATA, DWCP_BAD_OUT_OF_RANGE);
		goto out;
	}
	add_total(DWCP_AMST_BYTES_SENT, sent);
	add_total(DWCP_AMST_BYTES_RECEIVED, received);
	if (upto == PART_BEFORE_TOTALS)
		goto out;
	__builtin_memset(&key, 0, sizeof(key));
	key.tgid = current_tgid();
	read_label(key.label, (const char *)id, DWCP_PROBE_STREAM_DATA);
	if (upto == PART_BEFORE_KEY) {
		SINK(&key);
		goto out;
	}
	stream = bpf_map_lookup_elem(&streams_before, &key);
	if (!stream) {
		struct dwcp_stream fresh = { .start_ns = bpf_ktime_get_ns() };

		if (checked_update(&streams_before, &key, &fresh, BPF_NOEXIST, DWCP_MAP_STREAMS) == -E2BIG)
			goto out;
		stream = bpf_map_lookup_elem(&streams_before, &key);
		if (!stream)
			goto out;
	}
	if (upto == PART_BEFORE_LOOKUP) {
		SINK(stream);
		goto out;
	}
	counter_add(&stream->bytes_sent, sent);
	counter_add(&stream->bytes_received, received);
out:
	if (inside)
		counter_add(inside, (__u64)-1);
	bpf_tail_call(ctx, &no_tail_call, 0);
	return 0;
}

static __always_inline int part_after(struct pt_regs *ctx)
{
	dwcp_usdt_spec_t spec = dwcp_usdt_spec(ctx);
	const char *stream_id = (const char *)dwcp_usdt_arg(ctx, spec, 0);
	__u64 sent = dwcp_usdt_arg(ctx, spec, 1), received = dwcp_usdt_arg(ctx, spec, 2);
	__u64 preemptions = 0;
	struct dwcp_stream *stream;
	struct stream_ref ref;

	SINK(stream_id);
	SINK(sent);
	SINK(received);
	if (upto == PART_AFTER_ARGS)
		return 0;
	if (upto >= PART_AFTER_COUNT)
		preemptions = run_enter();
	if (upto == PART_AFTER_TAIL) {
		bpf_tail_call(ctx, &no_tail_call, 0);
		return 0;
	}
	if (upto == PART_AFTER_COUNT)
		goto out;
	if (sent > DWCP_MAX_BYTES_PER_EVENT || received > DWCP_MAX_BYTES_PER_EVENT) {
		count_bad_arg(DWCP_PROBE_STREAM_DATA, DWCP_BAD_OUT_OF_RANGE);
		goto out;
	}
	add_total(DWCP_AMST_BYTES_SENT, sent);
	add_total(DWCP_AMST_BYTES_RECEIVED, received);
	if (upto == PART_AFTER_TOTALS)
		goto out;
	stream_ref_read(&ref, stream_id, DWCP_PROBE_STREAM_DATA);
	if (upto == PART_AFTER_KEY) {
		SINK(&ref);
		goto out;
	}
	stream = stream_lookup(&ref);
	if (!stream) {
		struct dwcp_stream fresh = { .start_ns = bpf_ktime_get_ns() };

		stream = stream_insert(&ref, &fresh);
		if (!stream)
			goto out;
	}
	if (upto == PART_AFTER_LOOKUP) {
		SINK(stream);
		goto out;
	}
	counter_add(&stream->bytes_sent, sent);
	counter_add(&stream->bytes_received, received);
out:
	run_exit(ctx, preemptions);
	return 0;
}

SEC("usdt")
int part(struct pt_regs *ctx)
{
	if (upto == PART_EMPTY)
		return 0;
	if (upto < PART_AFTER_ARGS)
		return part_before(ctx);
	return part_after(ctx);
}
