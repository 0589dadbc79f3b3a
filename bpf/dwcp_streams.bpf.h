/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * dwcp_streams.bpf.h: the AMST stream table, (process, stream id) -> struct
 * dwcp_stream, for the stream_start, stream_data and stream_end programs.
 *
 * What it offers
 *   - the "streams" map (key struct dwcp_stream_key, see dwcp_maps.h), and
 *     "amst_totals" with add_total(): the bytes of every stream, tracked in
 *     "streams" or not;
 *   - stream_ref_read(): a probe's stream id read once per event into a
 *     zeroed 64-byte label, its hash and the key of its first probe;
 *   - stream_lookup(): the entry of that id, or NULL;
 *   - stream_insert(): a new entry for it, or the one another run made first.
 *
 * Why a hash in the key. A 72-byte key (tgid + label) made every stream_data
 * lookup hash 18 words and compare 72 bytes in the kernel. The id is hashed
 * here once, from the label's eight words, into a 16-byte key; the entry
 * keeps the label, and a lookup is a hit only when it matches word for word.
 * So the id is still read on every event (a reused buffer may hold another
 * id at the same address), and two ids never share an entry.
 *
 * Collisions. Ids of one process whose hashes collide take successive
 * probes of the key (0 .. DWCP_STREAM_PROBES-1). A lookup that does not find
 * its id at probe 0 tries every probe, so a deleted entry at a lower probe
 * never hides one above it; a new id goes to the first free probe. When all
 * probes hold other ids (four 64-bit hash collisions in one process) the
 * stream is not tracked and counted as a full streams map, as when the map
 * is full: the node totals still count its bytes.
 */
#ifndef DWCP_STREAMS_BPF_H
#define DWCP_STREAMS_BPF_H

#include "dwcp_common.bpf.h"

#define DWCP_LABEL_WORDS (DWCP_LABEL_LEN / 8)

/* The bits of the hash kept in the key. The collision test builds the
 * exporter with 0 (make build/collide/dwcp-bpf-exporter), so that every id
 * collides and the probes are what tells streams apart. */
#ifndef DWCP_STREAM_HASH_MASK
#define DWCP_STREAM_HASH_MASK (~0ull)
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DWCP_MAX_STREAMS);
	__type(key, struct dwcp_stream_key);
	__type(value, struct dwcp_stream);
} streams SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DWCP_AMST_TOTAL_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} amst_totals SEC(".maps");

static __always_inline void add_total(enum dwcp_amst_total index, __u64 delta)
{
	__u32 key = index;
	__u64 *total = bpf_map_lookup_elem(&amst_totals, &key);

	if (total)
		counter_add(total, delta);
}

/* One event's stream: its key (probe 0 at first) and its label, as words. */
struct stream_ref {
	struct dwcp_stream_key key;
	__u64 id[DWCP_LABEL_WORDS];
};

/* The words of the id that hold text (the rest are zero), each times its
 * own odd constant: a one-word difference always changes the sum; the shift
 * folds the high bits into the low ones. */
static __always_inline __u64 stream_id_hash(const __u64 *w, long len)
{
	static const __u64 odd[DWCP_LABEL_WORDS] = {
		0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull, 0xd6e8feb86659fd93ull,
		0xff51afd7ed558ccdull, 0xc4ceb9fe1a85ec53ull, 0x94d049bb133111ebull, 0xbf58476d1ce4e5b9ull,
	};
	__u64 h = 0;

#pragma unroll
	for (int i = 0; i < DWCP_LABEL_WORDS; i++) {
		if (i * 8 >= len)
			break;
		h += w[i] * odd[i];
	}
	return (h ^ (h >> 29)) & DWCP_STREAM_HASH_MASK;
}

static __always_inline void stream_ref_read(struct stream_ref *ref, const char *stream_id, enum dwcp_probe_id probe)
{
	long len;

	__builtin_memset(ref->id, 0, sizeof(ref->id));
	len = read_label((char *)ref->id, stream_id, probe);
	ref->key.tgid = current_tgid();
	ref->key.probe = 0;
	ref->key.id_hash = stream_id_hash(ref->id, len);
}

static __always_inline bool stream_is(const struct dwcp_stream *s, const __u64 *id)
{
	const __u64 *label = (const __u64 *)s->stream_id;
	__u64 diff = 0;

#pragma unroll
	for (int i = 0; i < DWCP_LABEL_WORDS; i++)
		diff |= label[i] ^ id[i];
	return diff == 0;
}

/* The entry of ref's id, or NULL; then ref->key.probe is the first free
 * probe (DWCP_STREAM_PROBES: none). */
static __always_inline struct dwcp_stream *stream_lookup(struct stream_ref *ref)
{
	__u32 free_probe = DWCP_STREAM_PROBES;
	struct dwcp_stream *s;

#pragma unroll
	for (__u32 p = 0; p < DWCP_STREAM_PROBES; p++) {
		ref->key.probe = p;
		s = bpf_map_lookup_elem(&streams, &ref->key);
		if (!s) {
			if (free_probe == DWCP_STREAM_PROBES)
				free_probe = p;
			continue;
		}
		if (stream_is(s, ref->id))
			return s;
	}
	ref->key.probe = free_probe;
	return NULL;
}

/* ref's id into the free probe stream_lookup() left in ref->key. */
static __always_inline long stream_store(struct stream_ref *ref, const struct dwcp_stream *fresh)
{
	if (ref->key.probe >= DWCP_STREAM_PROBES)
		return -E2BIG;
	return bpf_map_update_elem(&streams, &ref->key, fresh, BPF_NOEXIST);
}

/*
 * After stream_lookup() returned NULL: stores fresh (its stream_id set here)
 * under ref's id and returns the entry now there, also when another run
 * stored the same id first. NULL (counted as a full streams map) when there
 * is no room. A run that loses the race for the free probe looks once more
 * and finds either the id or the next free probe.
 */
static __always_inline struct dwcp_stream *stream_insert(struct stream_ref *ref, struct dwcp_stream *fresh)
{
	struct dwcp_stream *s;
	long err;

	__builtin_memcpy(fresh->stream_id, ref->id, sizeof(fresh->stream_id));
	err = stream_store(ref, fresh);
	if (err == -EEXIST) {
		s = stream_lookup(ref);
		if (s)
			return s;
		err = stream_store(ref, fresh);
	}
	if (err == 0)
		return bpf_map_lookup_elem(&streams, &ref->key);
	count_map_full(DWCP_MAP_STREAMS);
	return NULL;
}

#endif /* DWCP_STREAMS_BPF_H */
