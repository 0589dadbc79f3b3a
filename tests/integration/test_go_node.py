# SPDX-License-Identifier: Apache-2.0
"""dwcp-go-node (usdt/go/node, the seed's Go API on our probes) under
dwcp-bpf-exporter and bpftrace: every family against its ledger, exactly,
with 64 goroutines on more OS threads than this machine has cores, in both
start orders; built with each tested Go toolchain (1.19 and 1.24)."""
import os
import re
import subprocess
import time

import pytest

import go_toolchains
from harness import BUILD, ROOT, Exporter, GoNode, assert_matches_ledger, private_copy, series, wait_for
from test_probe_contract import binary_probes, provider_probes

GOROUTINES = 64
GOMAXPROCS = max(8, 2 * os.cpu_count())
NODE_ARGS = ("--goroutines", GOROUTINES, "--streams", 2, "--chunks", 20)
LEVELS_SET_ONLY_BEFORE_WORK = ("dwcp_system_version_info", "dwcp_system_config_enabled", "dwcp_hde_baseline_count")


@pytest.fixture(params=go_toolchains.NAMES, ids=lambda n: "go" + n)
def go_node(request):
    return go_toolchains.node(request.param)


def go_binary(go_node, tmp_path):
    return private_copy(go_node, tmp_path)


def threads(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"^Threads:\s+(\d+)", f.read(), re.M).group(1))


def check_ran_wide(node, ledger):
    fired = node.fired()
    assert fired["stream_start"] == fired["stream_end"] == GOROUTINES * 2
    assert fired["stream_error"] > 0 and fired["migration_done"] > 0 and fired["migration_end"] == 1
    assert ledger[("dwcp_amst_latency_seconds_count", (("operation", "stream_duration"),))] == GOROUTINES * 2
    # the Go runtime ran the goroutines on more threads than there are cores
    assert threads(node.pid) > os.cpu_count(), threads(node.pid)


def test_go_binary_carries_every_contract_probe(go_node):
    assert binary_probes(go_node) == provider_probes()


def test_exporter_first_every_family_matches_ledger(go_node, tmp_path):
    binary = go_binary(go_node, tmp_path)
    with Exporter(binaries=(binary,)) as exporter, \
            GoNode(*NODE_ARGS, "--wait-for-tracer", "20s", binary=binary, gomaxprocs=GOMAXPROCS) as node:
        ledger = node.ledger()
        assert_matches_ledger(exporter.samples(), ledger)
        check_ran_wide(node, ledger)
        for family in ("dwcp_amst_bytes_sent_total", "dwcp_hde_compression_ratio_bucket",
                       "dwcp_migration_duration_seconds_count", "dwcp_migration_failures_total",
                       "dwcp_federation_sync_duration_seconds_bucket", "dwcp_system_component_health",
                       "dwcp_amst_latency_seconds_bucket", "dwcp_migration_speedup_factor"):
            assert any(k[0] == family and v > 0 for k, v in ledger.items()), family


def test_late_attach_levels_are_reannounced(go_node, tmp_path):
    # the node sets its levels, then waits for a tracer: version, features
    # and baselines are never set again, so only the package's re-announce
    # can make them right
    binary = go_binary(go_node, tmp_path)
    with GoNode(*NODE_ARGS, "--wait-for-tracer", "30s", binary=binary, gomaxprocs=GOMAXPROCS) as node:
        time.sleep(1.0)
        assert node.proc.poll() is None
        with Exporter(binaries=(binary,)) as exporter:
            started = time.monotonic()
            wait_for(lambda: all(series(exporter.samples(), f) for f in LEVELS_SET_ONLY_BEFORE_WORK), 5,
                     "level gauges after a late attach")
            assert time.monotonic() - started < 2.5
            ledger = node.ledger()
            assert_matches_ledger(exporter.samples(), ledger)
            check_ran_wide(node, ledger)


def test_bounds_are_the_bpf_histogram_bounds():
    # the classic bounds as the build generated them (bpf/gen_hist_slots.py)
    header = (BUILD / "dwcp_hist_slots.h").read_text()

    def bounds(macro):
        body = re.search(r"#define %s \{(.*?)\}" % macro, header, re.S).group(1)
        return [int(term.strip().removesuffix("ull")) for term in body.replace("\\", "").split(",")]

    go = (ROOT / "usdt" / "go" / "node" / "bounds.go").read_text()

    def go_bounds(name):
        body = re.search(r"%s = \[\]uint64\{(.*?)\}" % name, go, re.S).group(1)
        return [eval(t.strip().replace("_", "").replace("nsPerMs", "1000000")) for t in body.split(",") if t.strip()]

    assert go_bounds("opLatencyBoundsNs") == bounds("DWCP_OP_LATENCY_BOUNDS")
    assert go_bounds("compressionBoundsMilli") == bounds("DWCP_COMPRESSION_BOUNDS")
    assert go_bounds("federationBoundsNs") == bounds("DWCP_FEDERATION_SYNC_BOUNDS")


def test_bpftrace_lists_and_counts_the_go_probes(go_node, tmp_path):
    binary = go_binary(go_node, tmp_path)
    listed = subprocess.run(["bpftrace", "-l", "usdt:%s:dwcp:*" % binary], capture_output=True, text=True,
                            check=True).stdout.split()
    assert sorted(p.rsplit(":", 1)[1] for p in listed) == sorted(provider_probes())

    script = "usdt:%s:dwcp:* { @[probe] = count(); }" % binary
    with GoNode(*NODE_ARGS, "--wait-for-tracer", "30s", binary=binary, gomaxprocs=GOMAXPROCS) as node:
        bt = subprocess.Popen(["bpftrace", "-f", "json", "-e", script], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        try:
            node.ledger()
            fired = node.fired()
        finally:
            bt.send_signal(2)
            out, err = bt.communicate(timeout=30)
    counts = {}
    for line in out.splitlines():
        if '"type": "map"' in line:
            import json
            for probe, n in json.loads(line)["data"]["@"].items():
                counts[probe.rsplit(":", 1)[1]] = n
    events = {p: counts.get(p, 0) for p in fired}
    assert events == fired, err
