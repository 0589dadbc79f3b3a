#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_licences.py: every tracked source file names its licence.

The project is Apache-2.0, except the BPF programs and the headers they
share with userspace (bpf/, and the bench's BPF programs), which are
GPL-2.0-only OR BSD-2-Clause. Each source file (C, headers, Go, Python,
shell, bpftrace, dwcp.d, Makefile, YAML, units) carries an SPDX line in its
first five lines, with the licence of its folder; the licence texts are in
LICENSE, LICENSES/ and usdt/go/metrics/LICENSE (that folder is copied
whole into DWCP trees). Exit status 1 names every file that falls short.

Usage: check_licences.py   (from the repository's top)
"""
import os
import re
import subprocess
import sys

APACHE = "Apache-2.0"
DUAL = "GPL-2.0-only OR BSD-2-Clause"
SOURCE = re.compile(r"(\.(c|h|go|py|sh|bt|d|yml|service|socket|list)$|(^|/)(Makefile|run|install-deps|postinst|postrm|prerm)$)")
TEXTS = ("LICENSE", "LICENSES/Apache-2.0.txt", "LICENSES/GPL-2.0-only.txt", "LICENSES/BSD-2-Clause.txt",
         "usdt/go/metrics/LICENSE")


def expected(path):
    if path.startswith("bpf/") or path.endswith(".bpf.c") or path == "tests/bench/parts.h":
        return DUAL
    return APACHE


def main():
    files = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout.split()
    bad = [f"{t}: missing licence text" for t in TEXTS if not os.path.isfile(t)]
    checked = 0
    for path in files:
        if path.startswith("tests/fuzz/corpus/") or not (SOURCE.search(path) or path == "configs/default/dwcp-bpf-exporter"):
            continue
        if not os.path.exists(path):  # deleted in the work tree, not yet in git
            continue
        checked += 1
        with open(path, errors="replace") as f:
            head = [next(f, "") for _ in range(5)]
        found = [m.group(1).strip(" */") for line in head for m in [re.search(r"SPDX-License-Identifier:\s*(.+)", line)] if m]
        if not found:
            bad.append(f"{path}: no SPDX-License-Identifier line in its first five lines")
        elif found[0] != expected(path):
            bad.append(f"{path}: SPDX says {found[0]!r}, its folder's licence is {expected(path)!r}")
    for line in bad:
        print("check_licences:", line, file=sys.stderr)
    if not bad:
        print(f"licences: {checked} source files, each with the SPDX line of its folder")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
