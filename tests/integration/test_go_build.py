# SPDX-License-Identifier: Apache-2.0
"""usdt/go/metrics used the two ways the README gives, in a tiny DWCP-like
module built offline with real `go build` runs: copied into the tree in
place of the seed's package, and referenced through a go.mod replace.
Every probe of dwcp.d must be in each binary, also with -s -w and
-buildmode=pie; internal linking, which would drop them, must fail."""
import os
import shutil
import subprocess
import time

import pytest

from harness import BUILD, ROOT
from test_probe_contract import binary_probes, provider_probes

PACKAGE = ROOT / "usdt" / "go" / "metrics"
IMPORT = "novacron/backend/core/network/dwcp/metrics"
ENV = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOCACHE": str(BUILD / "go-cache"),
       "GOPATH": str(BUILD / "gopath")}

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


def dwcp_tree(root, how):
    """A module "novacron" with cmd/dwcp-node, using the package `how`."""
    (root / "cmd" / "dwcp-node").mkdir(parents=True)
    (root / "cmd" / "dwcp-node" / "main.go").write_text(MAIN)
    (root / "go.mod").write_text("module novacron\n\ngo 1.19\n")
    # the README's steps, "Instrumenting a Go DWCP binary"
    if how == "copy":
        # the folder in place of the seed's, without its go.mod
        target = root / "backend" / "core" / "network" / "dwcp" / "metrics"
        shutil.copytree(PACKAGE, target)
        (target / "go.mod").unlink()
    else:
        subprocess.run(["go", "mod", "edit", "-require=%s@v0.0.0" % IMPORT, "-replace=%s=%s" % (IMPORT, PACKAGE)],
                       cwd=root, env=ENV, check=True)
    return root


def go_build(tree, output, *flags):
    return subprocess.run(["go", "build", *flags, "-o", str(output), "./cmd/dwcp-node"], cwd=tree, env=ENV,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module", params=["copy", "replace"])
def tree(request, tmp_path_factory):
    return dwcp_tree(tmp_path_factory.mktemp(request.param), request.param)


@pytest.mark.parametrize("flags", [(), ("-ldflags=-s -w",), ("-buildmode=pie",), ("-buildmode=pie", "-ldflags=-s -w")],
                         ids=["default", "stripped", "pie", "pie-stripped"])
def test_every_probe_is_in_the_binary(tree, tmp_path, flags):
    # the package's own tests and examples pass where it was put
    if not flags:
        pkg = "./backend/core/network/dwcp/metrics" if (tree / "backend").exists() else IMPORT
        p = subprocess.run(["go", "test", "-count=1", pkg], cwd=tree, env=ENV, capture_output=True, text=True,
                           timeout=300)
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


def test_cgo_disabled_does_not_build(tree, tmp_path):
    p = subprocess.run(["go", "build", "-o", str(tmp_path / "x"), "./cmd/dwcp-node"], cwd=tree,
                       env={**ENV, "CGO_ENABLED": "0"}, capture_output=True, text=True, timeout=300)
    assert p.returncode != 0 and not (tmp_path / "x").exists()


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
