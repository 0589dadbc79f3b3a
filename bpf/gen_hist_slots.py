#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""gen_hist_slots.py: the bucket tables of every histogram kind, as a C header.

The one place the histogram bounds are written down. For each kind it emits:
  - the classic bounds, the round numbers operators write in PromQL ("le");
  - the native bounds of schema 3, R(i) = floor(scale * 2^(i/8)) in the raw
    unit (nanoseconds, ratio x 1000), for every i whose bucket can hold a
    64-bit raw value;
  - the slots: the merged, sorted and deduplicated set of both, plus 0 for
    the zero bucket. One counter per slot serves both kinds of bucket,
    because every classic and every native bound is a slot bound;
  - where to start looking for a value's slot (see dwcp_hist_slot() in
    histogram.h): per sixteenth of a power of two of the raw value, how many
    slot bounds lie below it, and how many slot bounds at most one such
    range holds (the window);
  - per slot, its classic bucket and its native bucket.

Rounding R(i) down is exact for integers: v <= scale * 2^(i/8) holds if and
only if v <= floor(scale * 2^(i/8)). So a raw value goes to the native bucket
whose real bounds hold it, the upper bound included, as Prometheus defines
the buckets; a value equal to a rounded bound R(i) is in bucket i, and it is
there by the real bound too. Everything is integer arithmetic: no float.

Usage: gen_hist_slots.py OUT.h   (the Makefile writes $(OUT)/dwcp_hist_slots.h)
"""
import os
import sys

SCHEMA = 3
PER_OCTAVE = 1 << SCHEMA
SUB_BITS = 4                   # sixteenths of a power of two
SUBRANGES = 64 << SUB_BITS     # of a 64-bit value
TABLE_LEN = 1024               # slot table, padded: a power of two for BPF's masks
U64_MAX = (1 << 64) - 1

US, MS, S = 1000, 1000 * 1000, 1000 * 1000 * 1000

# name, what, raw units per base unit, classic bounds in the raw unit
KINDS = [
    ("OP_LATENCY", "AMST operations: 50 us to 10 s", S,
     [50 * US, 100 * US, 250 * US, 500 * US, 1 * MS, 2500 * US, 5 * MS, 10 * MS, 25 * MS, 50 * MS,
      100 * MS, 250 * MS, 500 * MS, 1 * S, 2500 * MS, 5 * S, 10 * S]),
    ("COMPRESSION", "compression ratio original/compressed x 1000: 1x to 100x; the seed's alert is 3x", 1000,
     [1000, 1500, 2000, 2500, 3000, 4000, 5000, 7500, 10000, 15000, 20000, 30000, 50000, 75000, 100000]),
    ("MIGRATION", "migrations: 1 s to 1 h; 300 s is the seed's SLA, 600 s twice it", S,
     [s * S for s in (1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 300, 450, 600, 900, 1800, 3600)]),
    ("FEDERATION_SYNC", "federation syncs: 10 ms to 5 min", S,
     [10 * MS, 25 * MS, 50 * MS, 100 * MS, 250 * MS, 500 * MS, 1 * S, 2500 * MS, 5 * S, 10 * S,
      30 * S, 60 * S, 120 * S, 300 * S]),
]


def native_bound(scale, i):
    """floor(scale * 2^(i/8)): the largest r with r^8 <= scale^8 * 2^i."""
    num, den = scale ** PER_OCTAVE, 1
    if i >= 0:
        num <<= i
    else:
        den <<= -i
    lo, hi = 0, 1
    while hi ** PER_OCTAVE * den <= num:
        hi <<= 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if mid ** PER_OCTAVE * den <= num:
            lo = mid
        else:
            hi = mid
    return lo


def native_bounds(scale):
    """{i: R(i)} from the first bound >= 1 to the first >= U64_MAX (capped)."""
    i = 0
    while native_bound(scale, i - 1) >= 1:
        i -= 1
    out = {}
    while True:
        r = native_bound(scale, i)
        out[i] = min(r, U64_MAX)
        if r >= U64_MAX:
            return out
        i += 1


def subrange_low(idx):
    """The smallest integer of subrange idx: 2^k + m * 2^(k-4), rounded up."""
    k, m = divmod(idx, 1 << SUB_BITS)
    low = (1 << (k + SUB_BITS)) + m * (1 << k)  # in units of 2^-4
    return -(-low >> SUB_BITS)


def subrange_high(idx):
    """One past the largest integer of subrange idx."""
    return subrange_low(idx + 1) if idx + 1 < SUBRANGES else U64_MAX + 1


def kind_tables(scale, classic):
    native = native_bounds(scale)
    assert all(b in range(1, U64_MAX) for b in classic) and classic == sorted(set(classic))
    slots = sorted({0} | set(native.values()) | set(classic))
    assert len(slots) <= TABLE_LEN
    first, window = [], 0
    for idx in range(SUBRANGES):
        lo = 0 if idx == 0 else subrange_low(idx)   # subrange 0 holds 0 and 1
        f = sum(1 for b in slots if b < lo)
        window = max(window, sum(1 for b in slots if b < subrange_high(idx)) - f)
        first.append(f)
    slot_native = [0]
    for b in slots[1:]:
        slot_native.append(min(i for i, r in native.items() if r >= b))
    slot_classic = [next((j for j, c in enumerate(classic) if c >= b), len(classic)) for b in slots]
    return dict(native=native, slots=slots, first=first, window=window,
                slot_native=slot_native, slot_classic=slot_classic)


def c_list(values, per_line):
    rows = [", ".join(str(v) for v in values[i:i + per_line]) for i in range(0, len(values), per_line)]
    return "{ \\\n\t" + ", \\\n\t".join(rows) + " \\\n}"


def u64(v):
    return "~0ull" if v == U64_MAX else "%dull" % v


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_hist_slots.py OUT.h")
    tables = [(name, what, scale, classic, kind_tables(scale, classic)) for name, what, scale, classic in KINDS]
    out = ["/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */",
           "/* Generated by bpf/gen_hist_slots.py: do not edit. What it holds: see there",
           " * and bpf/histogram.h. */",
           "#ifndef DWCP_HIST_SLOTS_H", "#define DWCP_HIST_SLOTS_H", "",
           "#define DWCP_NATIVE_SCHEMA %d" % SCHEMA,
           "#define DWCP_SLOT_SUB_BITS %d" % SUB_BITS,
           "#define DWCP_SLOT_SUBRANGES %d" % SUBRANGES,
           "#define DWCP_SLOT_TABLE_LEN %d" % TABLE_LEN,
           "/* slot bounds one subrange holds at most */",
           "#define DWCP_SLOT_WINDOW %d" % max(t["window"] for *_, t in tables),
           "/* the slots of the largest kind */",
           "#define DWCP_HIST_SLOTS %d" % max(len(t["slots"]) for *_, t in tables), ""]
    for name, what, scale, classic, t in tables:
        p = "DWCP_" + name
        padded = t["slots"] + [U64_MAX] * (TABLE_LEN - len(t["slots"]))
        out += ["/* %s */" % what,
                "#define %s_SCALE %dull" % (p, scale),
                "#define %s_NBOUNDS %d" % (p, len(classic)),
                "#define %s_BOUNDS %s" % (p, c_list([u64(c) for c in classic], 4)),
                "#define %s_NSLOTS %d" % (p, len(t["slots"])),
                "#define %s_SLOT_BOUNDS %s" % (p, c_list([u64(b) for b in padded], 4)),
                "#define %s_SLOT_FIRST %s" % (p, c_list(t["first"], 16)),
                "#define %s_SLOT_NATIVE %s" % (p, c_list(t["slot_native"], 16)),
                "#define %s_SLOT_CLASSIC %s" % (p, c_list(t["slot_classic"], 24)), ""]
    out += ["#endif /* DWCP_HIST_SLOTS_H */", ""]
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("\n".join(out))
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])


if __name__ == "__main__":
    main()
