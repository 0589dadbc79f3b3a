# SPDX-License-Identifier: Apache-2.0
"""usdt/go/metrics used the two ways the README gives, in a tiny DWCP-like
module built offline with real `go build` runs of each tested toolchain
(Go 1.19, and Go 1.24 under a go.mod like the seed's own): copied into the
tree in place of the seed's package, and referenced through a go.mod
replace. Every probe of dwcp.d must be in each binary, also with -s -w and
-buildmode=pie; internal linking, which would drop them, must fail, and so
must a build without cgo, naming the reason. The C sites must fit the
frame that the package's Go assembly gives them."""
import platform
import re
import shutil
import subprocess
import time

import pytest

import go_toolchains
from harness import ROOT
from test_probe_contract import binary_probes, provider_probes

PACKAGE = ROOT / "usdt" / "go" / "metrics"
IMPORT = "novacron/backend/core/network/dwcp/metrics"
ENV = go_toolchains.env()
# the seed's go.mod names go 1.24.0 and toolchain go1.24.6; GOTOOLCHAIN=local
# builds with the toolchain at hand
GO_MOD = {"1.19": "module novacron\n\ngo 1.19\n", "1.24": "module novacron\n\ngo 1.24.0\n\ntoolchain go1.24.6\n"}

# A DWCP command on the seed's API, as the Quick Start writes it: with an
# argument N it waits for a tracer, then sends N chunks on one stream.
MAIN = """package main

import (
	"os"
	"strconv"
	"time"

	"%s"
)

func main() {
	if err := metrics.InitializeMetrics("cluster-1", "node-01", 9090); err != nil {
		panic(err)
	}
	defer metrics.ShutdownMetrics()
	n := 0
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if attached, _ := metrics.ProbesAttached(); attached > 0 || time.Now().After(deadline) {
				break
			}
		}
	}
	amst := metrics.NewAMSTMetricsWrapper()
	amst.OnStreamStart("stream-001")
	for i := 0; i < n; i++ {
		amst.OnStreamData("stream-001", 4096, 64)
	}
	amst.OnStreamEnd("stream-001")
}
""" % IMPORT


def dwcp_tree(root, how, go_name):
    """A module "novacron" with cmd/dwcp-node, using the package `how`."""
    (root / "cmd" / "dwcp-node").mkdir(parents=True)
    (root / "cmd" / "dwcp-node" / "main.go").write_text(MAIN)
    (root / "go.mod").write_text(GO_MOD[go_name])
    # the README's steps, "Instrumenting a Go DWCP binary"
    if how == "copy":
        # the folder in place of the seed's, without its go.mod
        target = root / "backend" / "core" / "network" / "dwcp" / "metrics"
        shutil.copytree(PACKAGE, target)
        (target / "go.mod").unlink()
    else:
        subprocess.run([go_toolchains.go(go_name), "mod", "edit", "-require=%s@v0.0.0" % IMPORT,
                        "-replace=%s=%s" % (IMPORT, PACKAGE)],
                       cwd=root, env=ENV, check=True)
    root.go_name = go_name
    return root


class Tree(type(ROOT)):
    """A tree's folder, and the toolchain it is built with."""
    go_name = None


def go_build(tree, output, *flags, env=ENV):
    return subprocess.run([go_toolchains.go(tree.go_name), "build", *flags, "-o", str(output), "./cmd/dwcp-node"],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module", params=[(how, go) for go in go_toolchains.NAMES for how in ("copy", "replace")],
                ids=lambda p: "%s-go%s" % p)
def tree(request, tmp_path_factory):
    how, go_name = request.param
    return dwcp_tree(Tree(tmp_path_factory.mktemp(how)), how, go_name)


@pytest.mark.parametrize("flags", [(), ("-ldflags=-s -w",), ("-buildmode=pie",), ("-buildmode=pie", "-ldflags=-s -w")],
                         ids=["default", "stripped", "pie", "pie-stripped"])
def test_every_probe_is_in_the_binary(tree, tmp_path, flags):
    # the package's own tests and examples pass where it was put
    if not flags:
        pkg = "./backend/core/network/dwcp/metrics" if (tree / "backend").exists() else IMPORT
        p = subprocess.run([go_toolchains.go(tree.go_name), "test", "-count=1", pkg], cwd=tree, env=ENV,
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stdout + p.stderr
    binary = tmp_path / "dwcp-node"
    p = go_build(tree, binary, *flags)
    assert p.returncode == 0, p.stderr
    assert binary_probes(binary) == provider_probes()
    assert subprocess.run([str(binary)], timeout=30).returncode == 0


def test_internal_linking_fails_loudly(tree, tmp_path):
    p = go_build(tree, tmp_path / "dwcp-node", "-ldflags=-linkmode=internal")
    assert p.returncode != 0
    assert "internal linking requested but external linking required" in p.stderr, p.stderr
    assert IMPORT in p.stderr
    assert not (tmp_path / "dwcp-node").exists()


def test_cgo_disabled_fails_naming_the_reason(tree, tmp_path):
    p = go_build(tree, tmp_path / "x", env={**ENV, "CGO_ENABLED": "0"})
    assert p.returncode != 0 and not (tmp_path / "x").exists()
    assert "cgo is required for the dwcp probes" in p.stderr, p.stderr
    assert "see README.md of %s" % IMPORT in p.stderr, p.stderr


def test_stripped_pie_probes_fire_under_bpftrace(tree, tmp_path):
    binary = tmp_path / "dwcp-node"
    assert go_build(tree, binary, "-buildmode=pie", "-ldflags=-s -w").returncode == 0
    chunks = 2500
    bt = subprocess.Popen(["bpftrace", "-e", 'usdt:%s:dwcp:stream_data { @n = count(); @sent = sum(arg1); }'
                           % binary], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        node = subprocess.run([str(binary), str(chunks)], timeout=60)
        assert node.returncode == 0
    finally:
        time.sleep(0.2)
        bt.send_signal(2)
        out, err = bt.communicate(timeout=30)
    assert "@n: %d" % chunks in out, out + err
    assert "@sent: %d" % (chunks * 4096) in out, out + err


def site_frame():
    """The frame site_amd64.s declares for callSite, from its TEXT line."""
    text = (PACKAGE / "site_amd64.s").read_text()
    return int(re.search(r"TEXT ·callSite\(SB\), \d+, \$(\d+)-56", text).group(1))


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the Go assembly path is amd64's")
def test_sites_fit_the_frame_of_the_assembly(tree, tmp_path):
    """Everything a site writes below the stack pointer callSite gives it
    must lie in callSite's frame: its return address, its own pushes and
    stack adjustments, the 128-byte step of the nop5 site, and the return
    address and three registers of the optimized-uprobe trampoline. callSite
    sets the C stack pointer at most frame - 8 bytes above the frame's bottom
    (8 less when the Go stack pointer is not 16-aligned)."""
    binary = tmp_path / "dwcp-node"
    assert go_build(tree, binary).returncode == 0
    dump = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(binary)], capture_output=True, text=True,
                          check=True).stdout
    functions = dict(re.findall(r"^[0-9a-f]+ <(dwcp_go_site_\w+)>:\n(.*?)\n\n", dump, re.M | re.S))
    assert sorted(f[len("dwcp_go_site_"):] for f in functions) == sorted(provider_probes())
    room = site_frame() - 8
    for name, body in functions.items():
        used = 8  # the return address
        for line in body.splitlines():
            insn = line.split(":", 1)[1].strip() if ":" in line else ""
            if insn.startswith("push"):
                used += 8
            m = re.match(r"sub\s+\$0x([0-9a-f]+),%rsp", insn)
            if m:
                used += int(m.group(1), 16)
            m = re.match(r"lea\s+-0x([0-9a-f]+)\(%rsp\),%rsp", insn)
            if m:
                used += int(m.group(1), 16) + 32  # the step, then the trampoline's call and pushes
            assert "call" not in insn, "%s calls out: %s" % (name, insn)
        assert "lea    -0x80(%rsp),%rsp" in body, "%s has no nop5 site" % name
        assert used <= room, "%s writes %d bytes below its stack pointer; callSite's frame covers %d" % (
            name, used, room)
