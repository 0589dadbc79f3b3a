#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_layers.py: no circle among the units of userspace/.

A unit is userspace/NAME.c with userspace/NAME.h. Two graphs are read
from the real tools, not from the sources' text:
  - includes: the compiler's own include tree (gcc -H), direct includes of
    every userspace file, as the preprocessor followed them;
  - calls: what the linker resolves (nm on build/obj/userspace/*.o): unit A
    uses unit B when A's object needs a symbol B's object defines.
Both must be acyclic; tsort (coreutils) checks and orders them. Prints the
units bottom-up (each uses only units printed before it, the order ignores
self-edges). Exit status 1 on a circle.

Usage: check_layers.py [OUT]   (OUT: the build folder, default build)
"""
import glob
import os
import re
import subprocess
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "build"
CC = os.environ.get("CC", "gcc")
CFLAGS = ["-std=gnu11", "-D_GNU_SOURCE", f"-I{OUT}", "-Ibpf", "-Iusdt", "-Iuserspace",
          '-DDWCP_BPF_VERSION="0"', '-DDWCP_BPF_GIT_COMMIT="0"']


def unit_of(path):
    path = os.path.normpath(path)
    if os.path.dirname(path) != "userspace":
        return None
    return os.path.splitext(os.path.basename(path))[0]


def include_edges():
    edges = set()
    for src in sorted(glob.glob("userspace/*.c")):
        out = subprocess.run([CC, *CFLAGS, "-H", "-fsyntax-only", src], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"check_layers: {CC} -H {src} failed:\n{out.stderr}")
        stack = [src]  # stack[d]: the file at depth d
        for line in out.stderr.splitlines():
            m = re.match(r"^(\.+) (\S+)$", line)
            if not m:
                continue
            depth, path = len(m.group(1)), m.group(2)
            del stack[depth:]
            parent = stack[depth - 1]
            stack.append(path)
            a, b = unit_of(parent), unit_of(path)
            if a and b and a != b:
                edges.add((a, b))
    return edges


def call_edges():
    # objects of sources that exist now (a removed unit's object may linger)
    objs = sorted(o for o in glob.glob(f"{OUT}/obj/userspace/*.o")
                  if os.path.exists(f"userspace/{os.path.splitext(os.path.basename(o))[0]}.c"))
    if not objs:
        sys.exit(f"check_layers: no objects in {OUT}/obj/userspace (run make first)")
    defined, needed = {}, {}
    for o in objs:
        u = os.path.splitext(os.path.basename(o))[0]
        syms = subprocess.run(["nm", "-P", o], capture_output=True, text=True, check=True).stdout
        for line in syms.splitlines():
            f = line.split()
            if len(f) < 2:
                continue
            name, kind = f[0], f[1]
            if kind == "U":
                needed.setdefault(u, set()).add(name)
            elif kind.isupper():  # global definitions
                defined[name] = u
    return {(u, defined[s]) for u, names in needed.items() for s in names
            if s in defined and defined[s] != u}


def check(kind, edges):
    nodes = sorted({n for e in edges for n in e})
    text = "".join(f"{a} {b}\n" for a, b in sorted(edges)) + "".join(f"{n} {n}\n" for n in nodes)
    out = subprocess.run(["tsort"], input=text, capture_output=True, text=True)
    if out.returncode != 0 or "loop" in out.stderr:
        print(f"check_layers: the {kind} graph of userspace/ has a circle:\n{out.stderr}", file=sys.stderr)
        return False
    order = list(reversed(out.stdout.split()))  # tsort: users first
    print(f"{kind}: {len(nodes)} units, {len(edges)} edges, no circle; bottom-up: {' '.join(order)}")
    return True


def main():
    ok = check("includes (gcc -H)", include_edges())
    ok = check("calls (nm)", call_edges()) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
