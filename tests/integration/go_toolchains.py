# SPDX-License-Identifier: Apache-2.0
"""The Go toolchains the Go package is tested with, for the integration
tests: Debian 12's Go 1.19 and trixie's Go 1.24 (tests/go/toolchain.py
fetches the latter into its cache on first use).

What it offers
  - NAMES: the toolchains' names ("1.19", "1.24"), for parametrize.
  - go(name): the go command of one; env(): the offline environment the
    Makefile builds with (build folder's caches, GOTOOLCHAIN=local).
  - node(name, flags=()): dwcp-go-node (usdt/go/node) built with that
    toolchain and those go build flags, once per test session.
"""
import os
import subprocess
import sys
from pathlib import Path

from harness import BUILD, GO_NODE, ROOT

sys.path.insert(0, str(ROOT / "tests" / "go"))
import toolchain  # noqa: E402

_TOOLCHAINS = dict(toolchain.toolchains())
NAMES = sorted(_TOOLCHAINS, key=lambda n: tuple(map(int, n.split("."))))
SYSTEM = toolchain.SYSTEM_GO[0]


def go(name):
    return _TOOLCHAINS[name]


def env(**extra):
    return {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod", "GOPROXY": "off",
            "GOCACHE": str(BUILD / "go-cache"), "GOPATH": str(BUILD / "gopath"), **extra}


_built = {}


def node(name, flags=()):
    """dwcp-go-node built by Go `name` with `flags`; make's own build for the
    system toolchain without flags."""
    if name == SYSTEM and not flags:
        return GO_NODE
    key = (name, tuple(flags))
    if key not in _built:
        tag = "".join(c if c.isalnum() else "_" for c in "-".join(flags)) or "default"
        out = BUILD / ("go-%s" % name) / tag / "dwcp-go-node"
        out.parent.mkdir(parents=True, exist_ok=True)
        p = subprocess.run([go(name), "build", *flags, "-o", str(out), "."], cwd=ROOT / "usdt" / "go" / "node",
                           env=env(), capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, "go %s build %s: %s" % (name, " ".join(flags), p.stderr)
        _built[key] = out
    return _built[key]
