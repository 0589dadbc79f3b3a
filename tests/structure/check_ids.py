#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Holds the probe table of bpf/dwcp_ids.h, and the probe list of
usdt/dwcp_probes.h (and its copy in usdt/go/metrics), to usdt/dwcp.d, the
probe contract. make runs it before it compiles anything: a probe added to
dwcp.d fails the build until it has its row.

  check_ids.py          check; exit 1 naming each difference
  check_ids.py --write  regenerate DWCP_FOR_EACH_PROBE in usdt/dwcp_probes.h
                        and its Go copy from dwcp.d (the rows of dwcp_ids.h
                        are written by hand: a new probe takes the next
                        free id)
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "usdt" / "dwcp.d"
IDS = ROOT / "bpf" / "dwcp_ids.h"
HEADERS = (ROOT / "usdt" / "dwcp_probes.h", ROOT / "usdt" / "go" / "metrics" / "dwcp_probes.h")

BEGIN = "/* Every probe of usdt/dwcp.d, in its order; X(name, argument count)."
END = "\n\n#define DWCP_X_SEMAPHORE"
GENERATED = ("/* Every probe of usdt/dwcp.d, in its order; X(name, argument count).\n"
             " * Code generated from usdt/dwcp.d by tests/structure/check_ids.py --write;\n"
             " * DO NOT EDIT. */\n")


def contract():
    text = re.sub(r"/\*.*?\*/", "", CONTRACT.read_text(), flags=re.S)
    probes = [(name, len([a for a in args.split(",") if a.strip()]))
              for name, args in re.findall(r"probe\s+(\w+)\s*\(([^)]*)\)\s*;", text)]
    if not probes:
        sys.exit("check_ids: no probes in %s" % CONTRACT)
    return probes


def probe_list(probes):
    lines = ["#define DWCP_FOR_EACH_PROBE(X)"] + ["\tX(%s, %d)" % p for p in probes]
    width = 79
    out = []
    for i, line in enumerate(lines):
        if i == len(lines) - 1:
            out.append(line)
        else:
            pad = width - len(line.expandtabs(8))
            out.append(line + " " * max(pad, 1) + "\\")
    return GENERATED + "\n".join(out)


def split_header(path):
    text = path.read_text()
    i = text.find(BEGIN)
    j = text.find(END, i)
    if i < 0 or j < 0:
        sys.exit("check_ids: %s: no DWCP_FOR_EACH_PROBE block" % path.relative_to(ROOT))
    return text[:i], text[i:j], text[j:]


def ids_rows():
    text = IDS.read_text()
    m = re.search(r"#define DWCP_PROBES\(X\)(.*?)\n\n", text, re.S)
    if not m:
        sys.exit("check_ids: %s: no DWCP_PROBES table" % IDS.relative_to(ROOT))
    return [(n, up, int(k), int(i)) for n, up, k, i in
            re.findall(r"X\((\w+),\s*(\w+),\s*(\d+),\s*(\d+)\)", m.group(1))]


def main():
    probes = contract()
    want = probe_list(probes)
    if sys.argv[1:] == ["--write"]:
        for path in HEADERS:
            before, _, after = split_header(path)
            path.write_text(before + want + after)
        return 0
    errors = []
    rows = ids_rows()
    if [(n, k) for n, _, k, _ in rows] != probes:
        errors.append("bpf/dwcp_ids.h: DWCP_PROBES is %s; usdt/dwcp.d has %s (name, argument count, in order)"
                      % ([(n, k) for n, _, k, _ in rows], probes))
    for name, upper, _, _ in rows:
        if upper != name.upper():
            errors.append("bpf/dwcp_ids.h: probe %s has the enum name %s, not %s" % (name, upper, name.upper()))
    ids = sorted(i for _, _, _, i in rows)
    if ids != list(range(len(rows))):
        errors.append("bpf/dwcp_ids.h: the probe ids %s are not 0..%d, each once" % (ids, len(rows) - 1))
    for path in HEADERS:
        if path.exists() and split_header(path)[1] != want:
            errors.append("%s: DWCP_FOR_EACH_PROBE is not what usdt/dwcp.d gives: run tests/structure/check_ids.py --write"
                          % path.relative_to(ROOT))
    for e in errors:
        print("check_ids: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
