#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The Go toolchains the Go package is tested with.

What it offers
  - `toolchain.py list`: one line per tested toolchain, "NAME GOROOT/bin/go"
    (Debian 12's Go 1.19 from the machine, Debian trixie's Go 1.24 from the
    cache), fetching trixie's packages first when they are not cached.
  - `toolchain.py go NAME`: the go command of one of them.
  - toolchains(): the same as (name, path of go) pairs, for tests.

Trixie's golang-1.24-go and golang-1.24-src are downloaded with
`apt-get download` through the private apt configuration of the kernel
matrix (tests/kernels/fetch.py: its own sources list and state under the
cache, never /etc/apt) and unpacked with `dpkg -x` under
/var/cache/dwcp-bpf/go (DWCP_GO_CACHE). The tree's GOROOT symlinks are
relative and work where it is unpacked. Run it with GOTOOLCHAIN=local, so
that a go.mod's toolchain line never makes it look for another.
"""
import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "kernels"))
import fetch  # noqa: E402  (tests/kernels/fetch.py: the private apt)

CACHE = Path(os.environ.get("DWCP_GO_CACHE", "/var/cache/dwcp-bpf/go"))
SYSTEM_GO = ("1.19", "/usr/lib/go-1.19/bin/go")
# name, Debian suite, packages; GOROOT in the unpacked tree
FETCHED = [("1.24", "trixie", ("golang-1.24-go", "golang-1.24-src"), "usr/lib/go-1.24")]


def fetched_go(name, suite, packages, goroot):
    root = CACHE / name
    done = root / ".complete"
    if not done.exists():
        with contextlib.redirect_stdout(sys.stderr):  # stdout is the list
            apt = fetch.Apt(CACHE, [suite])
        versions = {p: apt.newest(p, suite) for p in packages}
        shutil.rmtree(root, ignore_errors=True)
        (root / "debs").mkdir(parents=True)
        wanted = ["%s=%s" % pv for pv in sorted(versions.items())]
        started = time.monotonic()
        print("go: downloading %s" % " ".join(wanted), file=sys.stderr, flush=True)
        apt.run("apt-get", "-q", "download", *wanted, cwd=root / "debs")
        for deb in sorted((root / "debs").glob("*.deb")):
            subprocess.run(["dpkg", "-x", str(deb), str(root / "tree")], check=True)
        shutil.rmtree(root / "debs")
        go = root / "tree" / goroot / "bin" / "go"
        if not go.exists():
            raise SystemExit("toolchain: %s not in the unpacked %s" % (go, " ".join(wanted)))
        print("go: Go %s unpacked in %s (%.1f s)" % (name, root, time.monotonic() - started),
              file=sys.stderr, flush=True)
        done.touch()
    return str(root / "tree" / goroot / "bin" / "go")


def toolchains():
    result = []
    if not os.path.exists(SYSTEM_GO[1]):
        raise SystemExit("toolchain: %s missing (Debian 12's golang-go)" % SYSTEM_GO[1])
    result.append(SYSTEM_GO)
    for name, suite, packages, goroot in FETCHED:
        result.append((name, fetched_go(name, suite, packages, goroot)))
    return result


def main(argv):
    if argv[1:] == ["list"]:
        for name, go in toolchains():
            print(name, go)
    elif len(argv) == 3 and argv[1] == "go":
        found = dict(toolchains())
        if argv[2] not in found:
            raise SystemExit("toolchain: no Go %r; tested: %s" % (argv[2], " ".join(found)))
        print(found[argv[2]])
    else:
        raise SystemExit("usage: toolchain.py list | go NAME")


if __name__ == "__main__":
    main(sys.argv)
