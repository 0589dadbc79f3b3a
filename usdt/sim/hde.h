/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hde.h: HDE, hierarchical delta encoding, as dwcp-sim does it with zlib.
 *
 * What it offers
 *   - struct hde_codec: one thread's reusable deflate/inflate streams, and
 *     hde_codec_deflate()/hde_codec_inflate() with an optional preset
 *     dictionary (no probes: the far end of a migration uses these).
 *   - struct hde: baselines per data type (at most HDE_MAX_BASELINES). A page
 *     at least half of whose 8-byte words equal a baseline's is a delta hit
 *     and is deflated with that baseline as preset dictionary; other pages are
 *     deflated alone and become baselines (replacing the least used one).
 *     Baselines unused for a while expire, and a much-used baseline that drifted is refreshed. Every change
 *     fires baseline(type, active count).
 *   - hde_compress(): against the engine's baselines; fires compress.
 *     hde_compress_with(): against a frozen set of dictionaries (a migration's
 *     snapshot, which the destination received first); fires compress.
 *   - hde_decompress(): inflates a frame and compares with the original;
 *     corrupt=true flips a byte of the Adler-32 trailer first so the real
 *     inflate fails. Fires decompress(success).
 *   - hde_dictionary_efficiency(): delta hits per compress over the last 256
 *     compressions, in percent x 100 (the dictionary probe's unit).
 */
#ifndef DWCP_SIM_HDE_H
#define DWCP_SIM_HDE_H

#include "pagegen.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#define HDE_MAX_BASELINES 8
/* deflate output bound for one page, with room to spare */
#define HDE_FRAME_CAP (PAGE_SIZE_BYTES + 256)

struct hde_codec {
	z_stream def, inf;
	bool def_ok, inf_ok;
};

int hde_codec_init(struct hde_codec *c);
void hde_codec_free(struct hde_codec *c);
/* dict: PAGE_SIZE_BYTES bytes or NULL. 0 or -1. */
int hde_codec_deflate(struct hde_codec *c, const uint8_t *dict, const uint8_t *in, size_t n,
		      uint8_t *out, size_t cap, size_t *out_len);
int hde_codec_inflate(struct hde_codec *c, const uint8_t *dict, const uint8_t *in, size_t n,
		      uint8_t *out, size_t cap, size_t *out_len);

struct hde_dictset {
	unsigned int n;
	uint8_t page[HDE_MAX_BASELINES][PAGE_SIZE_BYTES];
};

struct hde_frame {
	enum hde_type type;
	bool delta;
	int dict_index; /* in the dictset of hde_compress_with(), else -1 */
	uint8_t dict[PAGE_SIZE_BYTES];
	size_t len;
	uint8_t data[HDE_FRAME_CAP];
};

struct hde;

struct hde *hde_new(void);
void hde_free(struct hde *h);
void hde_add_baseline(struct hde *h, enum hde_type t, const uint8_t page[PAGE_SIZE_BYTES]);
void hde_snapshot(struct hde *h, enum hde_type t, struct hde_dictset *set);

/* 0 or -1 (nothing fired then). */
int hde_compress(struct hde *h, struct hde_codec *c, enum hde_type t,
		 const uint8_t page[PAGE_SIZE_BYTES], struct hde_frame *f);
int hde_compress_with(struct hde *h, const struct hde_dictset *set, struct hde_codec *c,
		      enum hde_type t, const uint8_t page[PAGE_SIZE_BYTES], struct hde_frame *f);
bool hde_decompress(struct hde_codec *c, const struct hde_frame *f,
		    const uint8_t expect[PAGE_SIZE_BYTES], bool corrupt);

uint64_t hde_dictionary_efficiency(struct hde *h);

#endif /* DWCP_SIM_HDE_H */
