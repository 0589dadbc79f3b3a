// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * amst.bpf.c: AMST (adaptive multi-stream transport) probes.
 *
 * streams:        (tgid, stream_id) -> bytes, start, end; the exporter shows
 *                 a stream while active and for a grace period after its end
 *                 (dwcp_streams.bpf.h: keyed by a hash of the id)
 * amst_totals:    bytes of every stream, tracked in "streams" or not
 * stream_results: streams ended, by result
 * stream_errors:  errors by error_type
 * ops_inflight:   (tgid, op_id) -> start time and operation, until op_end
 * op_latency:     per-operation histogram of op_end - op_start, of the
 *                 caller-timed op_duration, and of each stream's lifetime
 *                 (stream_start to stream_end) as "stream_duration"
 * bandwidth_levels: per process, last used/available bytes per second
 */
#include "dwcp_common.bpf.h"
#include "dwcp_streams.bpf.h"

DWCP_HIST_TABLES(op_latency, OP_LATENCY);

DWCP_LABEL_COUNTER_MAP(stream_results, DWCP_MAX_LABELS);
DWCP_LABEL_COUNTER_MAP(stream_errors, DWCP_MAX_LABELS);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DWCP_MAX_INFLIGHT_OPS);
	__type(key, struct dwcp_op_key);
	__type(value, struct dwcp_op);
} ops_inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, DWCP_MAX_LABELS);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* 4 KB a series per CPU: bpf/README.md */
	__type(key, struct dwcp_label_key);
	__type(value, struct dwcp_hist);
} op_latency SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DWCP_MAX_PROCS);
	__type(key, struct dwcp_proc_key);
	__type(value, struct dwcp_bandwidth);
} bandwidth_levels SEC(".maps");

static struct dwcp_hist zero_hist;

/* One observation of duration_ns into operation's latency histogram. */
static __always_inline void observe_op(const struct dwcp_label_key *operation, __u64 duration_ns)
{
	struct dwcp_hist *hist = lookup_or_init(&op_latency, operation, &zero_hist, DWCP_MAP_OP_LATENCY);

	if (hist)
		hist_observe(hist, op_latency_slot_bounds, op_latency_slot_first, duration_ns);
}

SEC("usdt")
int DWCP_USDT(stream_start, const char *stream_id)
{
	struct dwcp_stream fresh = { .start_ns = bpf_ktime_get_ns(), .start_seen = 1 };
	struct dwcp_stream *existing;
	struct stream_ref ref;

	stream_ref_read(&ref, stream_id, DWCP_PROBE_STREAM_START);
	add_total(DWCP_AMST_STREAMS_STARTED, 1);
	existing = stream_lookup(&ref);
	if (!existing) {
		stream_insert(&ref, &fresh);
		return 0;
	}
	/* an active stream keeps its bytes; an ended one in its grace period
	 * is a new stream reusing the id */
	if (existing->end_ns == 0)
		return 0;
	__builtin_memcpy(fresh.stream_id, ref.id, sizeof(fresh.stream_id));
	checked_update(&streams, &ref.key, &fresh, BPF_ANY, DWCP_MAP_STREAMS);
	return 0;
}

SEC("usdt")
int DWCP_USDT(stream_data, const char *stream_id, __u64 bytes_sent, __u64 bytes_received)
{
	struct dwcp_stream *stream;
	struct stream_ref ref;

	if (bytes_sent > DWCP_MAX_BYTES_PER_EVENT || bytes_received > DWCP_MAX_BYTES_PER_EVENT) {
		count_bad_arg(DWCP_PROBE_STREAM_DATA, DWCP_BAD_OUT_OF_RANGE);
		return 0;
	}
	add_total(DWCP_AMST_BYTES_SENT, bytes_sent);
	add_total(DWCP_AMST_BYTES_RECEIVED, bytes_received);

	stream_ref_read(&ref, stream_id, DWCP_PROBE_STREAM_DATA);
	stream = stream_lookup(&ref);
	if (!stream) {
		/* started before we attached: track it from here on */
		struct dwcp_stream fresh = { .start_ns = bpf_ktime_get_ns() };

		stream = stream_insert(&ref, &fresh);
		if (!stream)
			return 0;
	}
	counter_add(&stream->bytes_sent, bytes_sent);
	counter_add(&stream->bytes_received, bytes_received);
	return 0;
}

SEC("usdt")
int DWCP_USDT(stream_error, const char *stream_id, const char *error_type)
{
	(void)stream_id;
	add_label_counter(&stream_errors, error_type, 1, DWCP_PROBE_STREAM_ERROR, DWCP_MAP_STREAM_ERRORS);
	return 0;
}

SEC("usdt")
int DWCP_USDT(stream_end, const char *stream_id, const char *result)
{
	struct dwcp_stream *stream;
	struct stream_ref ref;

	add_label_counter(&stream_results, result, 1, DWCP_PROBE_STREAM_END, DWCP_MAP_STREAM_RESULTS);
	stream_ref_read(&ref, stream_id, DWCP_PROBE_STREAM_END);
	stream = stream_lookup(&ref);
	if (!stream || stream->end_ns != 0)
		return 0;
	stream->end_ns = bpf_ktime_get_ns();
	/* a stream first seen at a stream_data has no known start */
	if (stream->start_seen) {
		struct dwcp_label_key lifetime;

		__builtin_memset(&lifetime, 0, sizeof(lifetime));
		__builtin_memcpy(lifetime.label, DWCP_OP_STREAM_DURATION, sizeof(DWCP_OP_STREAM_DURATION));
		observe_op(&lifetime, stream->end_ns > stream->start_ns ? stream->end_ns - stream->start_ns : 0);
	}
	return 0;
}

SEC("usdt")
int DWCP_USDT(op_start, __u64 op_id, const char *operation)
{
	struct dwcp_op_key key = { .tgid = current_tgid(), .op_id = op_id };
	struct dwcp_op op;

	__builtin_memset(&op, 0, sizeof(op));
	read_label(op.operation, operation, DWCP_PROBE_OP_START);
	op.start_ns = bpf_ktime_get_ns();
	checked_update(&ops_inflight, &key, &op, BPF_ANY, DWCP_MAP_OPS_INFLIGHT);
	return 0;
}

SEC("usdt")
int DWCP_USDT(op_end, __u64 op_id)
{
	struct dwcp_op_key key = { .tgid = current_tgid(), .op_id = op_id };
	struct dwcp_label_key operation;
	struct dwcp_op *op;
	__u64 now = bpf_ktime_get_ns();
	__u64 start_ns;

	op = bpf_map_lookup_elem(&ops_inflight, &key);
	if (!op) {
		count_bad_arg(DWCP_PROBE_OP_END, DWCP_BAD_UNMATCHED_END);
		return 0;
	}
	start_ns = op->start_ns;
	__builtin_memcpy(operation.label, op->operation, sizeof(operation.label));
	/* whoever deletes the entry records it: two op_end for one op count once */
	if (bpf_map_delete_elem(&ops_inflight, &key) != 0) {
		count_bad_arg(DWCP_PROBE_OP_END, DWCP_BAD_UNMATCHED_END);
		return 0;
	}
	observe_op(&operation, now > start_ns ? now - start_ns : 0);
	return 0;
}

SEC("usdt")
int DWCP_USDT(op_duration, const char *operation, __u64 duration_ns)
{
	struct dwcp_label_key key;

	__builtin_memset(&key, 0, sizeof(key));
	read_label(key.label, operation, DWCP_PROBE_OP_DURATION);
	observe_op(&key, duration_ns);
	return 0;
}

SEC("usdt")
int DWCP_USDT(bandwidth, __u64 used_bytes_per_sec, __u64 available_bytes_per_sec)
{
	struct dwcp_proc_key key = { .tgid = current_tgid() };
	struct dwcp_bandwidth value = {
		.used_bytes_per_sec = used_bytes_per_sec,
		.available_bytes_per_sec = available_bytes_per_sec,
		.updated_ns = bpf_ktime_get_ns(),
	};

	if (available_bytes_per_sec == 0)
		count_bad_arg(DWCP_PROBE_BANDWIDTH, DWCP_BAD_OUT_OF_RANGE);
	checked_update(&bandwidth_levels, &key, &value, BPF_ANY, DWCP_MAP_BANDWIDTH);
	return 0;
}
