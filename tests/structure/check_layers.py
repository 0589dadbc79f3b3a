#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_layers.py: the exporter's layers, as its folders say, and no circle.

userspace/ holds the wiring (top-level .c files: main, the --config.check
command) on top of one folder per layer. The layers are given bottom-up on
the command line, as the Makefile lists them; a unit is
userspace/LAYER/NAME.c with its .h (or a lone .h), named LAYER/NAME.

Two graphs are read from the real tools, not from the sources' text:
  - includes: the compiler's own include tree (gcc -H), direct includes of
    every userspace file, as the preprocessor followed them;
  - calls: what the linker resolves (nm on OUT/obj/userspace/**.o): unit A
    uses unit B when A's object needs a symbol B's object defines.
Each must be acyclic among the units (tsort checks and orders them), and
every edge must go down the layer order or stay within a layer: a layer
uses only itself and the layers below it, and nothing uses the wiring.
Every .c and .h under userspace/ must sit at the top or in a listed
layer's folder, and every .c must have its object: a unit outside the
check's view is an error, not a pass. Exit status 1 on any failure.

Generated code belongs to a layer too: OUT/gen/LAYER/**.c and .h (the
build generates them there, as the protobuf messages of the exposition
layer) are units of LAYER named after the file (exposition/metrics.pb-c),
their objects in OUT/obj/gen/LAYER/, and they are held to the same rules. A
folder in OUT/gen that is no layer is an error.

Usage: check_layers.py OUT LAYER...   (e.g. build base config exposition web probes collect)
"""
import glob
import os
import re
import subprocess
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "build"
LAYERS = sys.argv[2:]
TOP = "(wiring)"
GEN = os.path.normpath(f"{OUT}/gen")
CC = os.environ.get("CC", "gcc")
CFLAGS = ["-std=gnu11", "-D_GNU_SOURCE", f"-I{OUT}", *[f"-I{GEN}/{layer}" for layer in LAYERS],
          "-Ibpf", "-Iusdt", "-Iuserspace", '-DDWCP_BPF_VERSION="0"', '-DDWCP_BPF_GIT_COMMIT="0"']
RANK = {layer: i for i, layer in enumerate(LAYERS)}
RANK[TOP] = len(LAYERS)


def unit_of(path):
    """userspace/LAYER/NAME.[ch] -> LAYER/NAME, userspace/NAME.[ch] -> NAME,
    OUT/gen/LAYER/**/NAME.[ch] -> LAYER/NAME; None elsewhere."""
    path = os.path.normpath(path)
    if path.startswith(GEN + os.sep):
        parts = os.path.relpath(path, GEN).split(os.sep)
        return f"{parts[0]}/{os.path.splitext(parts[-1])[0]}" if parts[0] in RANK else None
    parts = path.split(os.sep)
    if parts[0] != "userspace":
        return None
    name = os.path.splitext(parts[-1])[0]
    return name if len(parts) == 2 else "/".join(parts[1:-1] + [name])


def layer_of(unit):
    return unit.split("/")[0] if "/" in unit else TOP


def outside_view():
    """Files the check would not see: in no listed layer, or nested deeper."""
    bad = []
    for path in sorted(glob.glob("userspace/**/*.[ch]", recursive=True)):
        parts = path.split(os.sep)
        if len(parts) == 3 and parts[1] in RANK or len(parts) == 2:
            continue
        bad.append(path)
    for path in sorted(glob.glob(f"{GEN}/*")):
        if os.path.basename(path) not in RANK:
            bad.append(path)
    return bad


def generated():
    return sorted(p for layer in LAYERS for p in glob.glob(f"{GEN}/{layer}/**/*.c", recursive=True))


def sources():
    return sorted(glob.glob("userspace/*.c") + [p for layer in LAYERS for p in glob.glob(f"userspace/{layer}/*.c")]) \
        + generated()


def object_of(src):
    if src.startswith(GEN + os.sep):
        return f"{OUT}/obj/gen/{os.path.splitext(os.path.relpath(src, GEN))[0]}.o"
    return f"{OUT}/obj/{os.path.splitext(src)[0]}.o"


def include_edges():
    edges = set()
    for src in sources():
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


def call_edges(missing):
    defined, needed = {}, {}
    for src in sources():
        obj = object_of(src)
        if not os.path.exists(obj):
            missing.append(f"{src}: no object {obj} (run make first)")
            continue
        u = unit_of(src)
        syms = subprocess.run(["nm", "-P", obj], capture_output=True, text=True, check=True).stdout
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
    ok = True
    for a, b in sorted(edges):
        if RANK[layer_of(b)] > RANK[layer_of(a)]:
            print(f"check_layers: {kind}: {a} uses {b}, a layer above its own "
                  f"({layer_of(a)} < {layer_of(b)} in: {' < '.join(LAYERS)} < wiring)", file=sys.stderr)
            ok = False
    nodes = sorted({n for e in edges for n in e})
    text = "".join(f"{a} {b}\n" for a, b in sorted(edges)) + "".join(f"{n} {n}\n" for n in nodes)
    out = subprocess.run(["tsort"], input=text, capture_output=True, text=True)
    if out.returncode != 0 or "loop" in out.stderr:
        print(f"check_layers: the {kind} graph of userspace/ has a circle:\n{out.stderr}", file=sys.stderr)
        return False
    order = list(reversed(out.stdout.split()))  # tsort: users first
    print(f"{kind}: {len(nodes)} units, {len(edges)} edges, no circle, none up a layer; bottom-up: {' '.join(order)}")
    return ok


def main():
    if not LAYERS:
        sys.exit("usage: check_layers.py OUT LAYER... (the layers bottom-up)")
    problems = [f"{p}: outside every layer folder ({', '.join(LAYERS)}) and not top-level wiring"
                for p in outside_view()]
    calls = call_edges(problems)
    for p in problems:
        print("check_layers:", p, file=sys.stderr)
    ok = check("includes (gcc -H)", include_edges()) and not problems
    ok = check("calls (nm)", calls) and ok
    print(f"layers, bottom-up: {' < '.join(LAYERS)} < wiring ({', '.join(os.path.basename(s) for s in glob.glob('userspace/*.c'))})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
