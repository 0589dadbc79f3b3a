# SPDX-License-Identifier: Apache-2.0
"""dwcp-sim against bpftrace: the ledger must be exactly what was fired.

bpftrace attaches to every probe of a private copy of dwcp-sim (so no other
tracer on build/dwcp-sim can satisfy --wait-for-tracer for us), aggregates
what the probes carried in the kernel, and the test compares that with the
ledger the sim wrote. Also covers shutdown on SIGTERM, --linger and flag
errors. Needs root (bpftrace) for the tracing tests.
"""
import json
import math
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SIM = Path(os.environ.get("DWCP_SIM", REPO / "build" / "dwcp-sim"))

EVENT_PROBES = [
    "stream_start", "stream_data", "stream_error", "stream_end", "op_start",
    "op_end", "compress", "decompress", "migration_start", "migration_end",
    "federation_sync", "bandwidth_saved", "op_duration", "migration_done",
]
LEVEL_PROBES = [
    "bandwidth", "baseline", "dictionary", "speedup", "health", "feature",
    "version",
]

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def need_sim():
    if not SIM.exists():
        pytest.fail(f"{SIM} is missing: run `make build/dwcp-sim` first")


def need_tracing():
    if os.geteuid() != 0:
        pytest.skip("bpftrace needs root")
    if shutil.which("bpftrace") is None:
        pytest.skip("bpftrace is not installed")
    if not os.path.ismount("/sys/kernel/tracing"):
        subprocess.run(["mount", "-t", "tracefs", "tracefs", "/sys/kernel/tracing"],
                       check=False)


def parse_ledger(path):
    """(fired counts, {(name, frozenset(labels)): value}, header, body lines)"""
    lines = Path(path).read_text().splitlines()
    header = [l for l in lines if l.startswith("#")]
    body = [l for l in lines if not l.startswith("#")]
    fired = {}
    for l in header:
        parts = l.split()
        if parts[:2] == ["#", "fired"]:
            fired[parts[2]] = int(parts[3])
    samples = {}
    for l in body:
        m = SAMPLE.match(l)
        assert m, f"not a sample line: {l!r}"
        labels = tuple(LABEL.findall(m.group(3) or ""))
        key = (m.group(1), labels)
        assert key not in samples, f"duplicate sample {l!r}"
        samples[key] = float(m.group(4)) if m.group(4) != "+Inf" else math.inf
    return fired, samples, header, body


def by_label(samples, name, label):
    """{label value: sample value} for one single-label family."""
    out = {}
    for (n, labels), v in samples.items():
        if n == name:
            d = dict(labels)
            assert d[label] not in out, f"{name}: two series with {label}={d[label]!r}"
            out[d[label]] = v
    return out


def stop(proc, sig=signal.SIGTERM, timeout=30):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def private_sim(tmp_path):
    need_sim()
    copy = tmp_path / "dwcp-sim"
    shutil.copy2(SIM, copy)
    return copy


# One program per probe: a probe's semaphore turns non-zero when its (only)
# program attaches, so --wait-for-tracer covers every aggregation below.
AGGREGATIONS = {
    "stream_data": "@sent[str(arg0)] = sum(arg1); @received[str(arg0)] = sum(arg2);",
    "stream_error": "@errors[str(arg1)] = count();",
    "stream_end": "@results[str(arg1)] = count();",
    "op_start": "@ops[str(arg1)] = count();",
    "compress": "@compress[str(arg0)] = count(); @original[str(arg0)] = sum(arg1); "
                "@compressed[str(arg0)] = sum(arg2); @hits = sum(arg3);",
    "decompress": "@decompress[arg0] = count();",
    "migration_end": "@migrations[arg1] = count();",
    "migration_done": "@migrations[arg3] = count();",
    "op_duration": "@timed[str(arg0)] = count(); @timed_ns[str(arg0)] = sum(arg1);",
    "federation_sync": "@syncs[str(arg0)] = count(); @sync_ns[str(arg0)] = sum(arg2);",
    "bandwidth_saved": "@saved[str(arg0)] = sum(arg1);",
    "feature": "@features[str(arg0)] = max(arg1);",
    "version": "@versions[str(arg0)] = count();",
}


def bpftrace_script(binary):
    return "\n".join(
        f"usdt:{binary}:dwcp:{probe} {{ @fired[probe] = count(); "
        f"{AGGREGATIONS.get(probe, '')} }}"
        for probe in EVENT_PROBES + LEVEL_PROBES)


def run_traced(binary, tmp_path, sim_args):
    """Runs the sim under bpftrace; returns (sim rc, bpftrace maps, ledger path)."""
    ledger = tmp_path / "ledger.txt"
    sim = subprocess.Popen(
        [str(binary), "--wait-for-tracer", "30", "--ledger", str(ledger), "--quiet",
         *sim_args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    bt = subprocess.Popen(
        ["bpftrace", "-f", "json", "-e", bpftrace_script(binary)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        sim_rc = sim.wait(timeout=90)
    finally:
        stop(sim)
        # bpftrace prints its maps when interrupted
        stop(bt, signal.SIGINT)
    out, err = bt.communicate()
    assert sim_rc == 0, f"dwcp-sim exited {sim_rc}: {sim.stderr.read()}"
    maps = {}
    for line in out.splitlines():
        if not line.strip():
            continue
        msg = json.loads(line)
        if msg.get("type") == "map":
            twice = set(maps) & set(msg["data"])
            assert not twice, f"bpftrace printed {twice} twice"
            maps.update(msg["data"])
    assert "@fired" in maps, f"bpftrace printed no maps: {out}\n{err}"
    short = {k.rsplit(":", 1)[1]: v for k, v in maps["@fired"].items()}
    maps["@fired"] = short
    return maps, ledger


def test_ledger_matches_bpftrace(private_sim, tmp_path):
    need_tracing()
    maps, ledger = run_traced(private_sim, tmp_path, [
        "--duration", "2.5", "--streams", "4", "--error-rate", "0.05",
        "--decompress-failure-rate", "0.05", "--federation-interval-ms", "200",
        "--migrations", "2", "--migration-bytes", "1048576", "--seed", "7"])
    fired, samples, header, body = parse_ledger(ledger)

    # event probes fire only after the wait: every one was seen, exactly
    for probe in EVENT_PROBES:
        assert fired[probe] == maps["@fired"].get(probe, 0), probe
    # levels also fired once before the tracer came, then were re-announced
    for probe in LEVEL_PROBES:
        assert fired[probe] >= maps["@fired"].get(probe, 0), probe
    assert maps["@versions"] == {"1.0.0": maps["@fired"]["version"]}
    assert maps["@versions"]["1.0.0"] >= 1, "version was not re-announced"
    # every probe the sim fired after the wait, and only those (a run may
    # have no speedup, or no migration ended the seed's way)
    assert set(maps["@fired"]) == {p for p in EVENT_PROBES + LEVEL_PROBES if maps["@fired"].get(p)} == \
        {p for p in EVENT_PROBES if fired[p]} | {p for p in LEVEL_PROBES if p in maps["@fired"]}
    assert maps["@features"] == {"amst_enabled": 1, "hde_enabled": 1,
                                 "federation_enabled": 1}

    # AMST: per-stream bytes, errors, results, operations
    sent = by_label(samples, "dwcp_amst_bytes_sent_total", "stream_id")
    received = by_label(samples, "dwcp_amst_bytes_received_total", "stream_id")
    assert len(sent) == fired["stream_start"] > 0
    # bpftrace has a key for every stream that had stream_data, even of 0 bytes
    assert {k: sent[k] for k in maps["@sent"]} == maps["@sent"]
    assert {k: received[k] for k in maps["@received"]} == maps["@received"]
    assert not [k for k, v in sent.items() if v and k not in maps["@sent"]]
    assert not [k for k, v in received.items() if v and k not in maps["@received"]]
    assert sum(sent.values()) > 0
    errors = by_label(samples, "dwcp_amst_errors_total", "error_type")
    assert errors == maps["@errors"]
    assert sum(errors.values()) > 0
    assert set(errors) <= {"connection_timeout", "checksum_mismatch", "peer_reset"}
    assert by_label(samples, "dwcp_amst_streams_total", "result") == maps["@results"]
    assert samples[("dwcp_amst_streams_active", ())] == 0
    latency_counts = by_label(samples, "dwcp_amst_latency_seconds_count", "operation")
    assert set(maps["@ops"]) == {"handshake", "chunk_send"}
    assert {op: latency_counts[op] for op in maps["@ops"]} == maps["@ops"]
    # "connect" is timed by the sim itself (op_duration); every ended stream
    # is observed as "stream_duration"
    assert maps["@timed"] == {"connect": latency_counts["connect"]}
    assert samples[("dwcp_amst_latency_seconds_sum", (("operation", "connect"),))] == \
        pytest.approx(maps["@timed_ns"]["connect"] / 1e9, rel=1e-12)
    assert latency_counts["stream_duration"] == sum(maps["@results"].values())
    assert set(latency_counts) == {"handshake", "chunk_send", "connect", "stream_duration"}

    # HDE: counts and bytes per data type, operations, delta hit rate
    counts = by_label(samples, "dwcp_hde_compression_ratio_count", "data_type")
    assert counts == maps["@compress"]
    assert set(counts) == {"vm_memory", "vm_disk", "vm_state"}
    assert by_label(samples, "dwcp_hde_bytes_original_total", "data_type") == maps["@original"]
    assert by_label(samples, "dwcp_hde_bytes_compressed_total", "data_type") == maps["@compressed"]
    ops = sum(maps["@compress"].values())
    assert samples[("dwcp_hde_operations_total",
                    (("operation", "encode"), ("result", "success")))] == ops
    assert samples[("dwcp_hde_delta_hit_rate_percent", ())] == maps["@hits"] / ops * 100
    assert samples[("dwcp_hde_operations_total",
                    (("operation", "decode"), ("result", "success")))] == maps["@decompress"]["1"]
    assert samples[("dwcp_hde_operations_total",
                    (("operation", "decode"), ("result", "failure")))] == maps["@decompress"]["0"]

    # migrations and federation
    ok = sum(v for (n, _), v in samples.items()
             if n == "dwcp_migration_duration_seconds_count")
    assert ok == maps["@migrations"].get("1", 0) == 2
    fed = {}
    for (n, labels), v in samples.items():
        if n == "dwcp_federation_sync_duration_seconds_count":
            remote = dict(labels)["remote_cluster"]
            fed[remote] = fed.get(remote, 0) + v
    assert fed == maps["@syncs"]
    for remote, ns in maps["@sync_ns"].items():
        total = sum(v for (n, labels), v in samples.items()
                    if n == "dwcp_federation_sync_duration_seconds_sum"
                    and dict(labels)["remote_cluster"] == remote)
        assert total == pytest.approx(ns / 1e9, rel=1e-12)
    assert by_label(samples, "dwcp_federation_bandwidth_saved_bytes_total",
                    "remote_cluster") == maps["@saved"]


def test_ledger_is_well_formed(tmp_path):
    need_sim()
    ledger = tmp_path / "ledger.txt"
    rc = subprocess.run([str(SIM), "--duration", "1.5", "--ledger", str(ledger), "--quiet",
                         "--migrations", "2", "--migration-bytes", "262144",
                         "--federation-interval-ms", "100"],
                        timeout=60).returncode
    assert rc == 0
    fired, samples, header, body = parse_ledger(ledger)
    assert re.fullmatch(r"# dwcp-sim ledger v1 pid=\d+", header[0])
    assert len(fired) == 21
    assert body == sorted(body)
    assert not (tmp_path / "ledger.txt.tmp").exists()
    # histograms: cumulative buckets, +Inf equals _count
    for family in ("dwcp_hde_compression_ratio", "dwcp_federation_sync_duration_seconds"):
        series = {}
        for (n, labels), v in samples.items():
            if n == family + "_bucket":
                d = dict(labels)
                le = d.pop("le")
                series.setdefault(tuple(sorted(d.items())), []).append((float(le), v))
        assert series, family
        for key, buckets in series.items():
            buckets.sort()
            values = [v for _, v in buckets]
            assert values == sorted(values), (family, key)
            assert buckets[-1][0] == math.inf
            count = samples[(family + "_count", tuple(key))]
            assert buckets[-1][1] == count
    les = sorted({dict(l)["le"] for (n, l) in samples
                  if n == "dwcp_hde_compression_ratio_bucket"}, key=float)
    assert les == ["1", "1.5", "2", "2.5", "3", "4", "5", "7.5", "10", "15", "20",
                   "30", "50", "75", "100", "+Inf"]
    for comp in ("amst", "hde", "migration", "federation", "dwcp_manager"):
        assert samples[("dwcp_system_component_health", (("component", comp),))] in (1, 2)
    assert samples[("dwcp_system_version_info", (("version", "1.0.0"),
                    ("git_commit", "abc123def456"), ("build_date", "2025-11-08")))] == 1
    assert ("dwcp_migration_speedup_factor", (("vm_type", "large_vm"),)) in samples


def threads_of(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def test_sigterm_mid_run_closes_every_stream(tmp_path):
    need_sim()
    ledger = tmp_path / "ledger.txt"
    sim = subprocess.Popen([str(SIM), "--duration", "0", "--streams", "8",
                            "--ledger", str(ledger), "--quiet"])
    try:
        # main + ticker + 8 workers + 8 echo peers + compressor + migrator with
        # 2 destinations + federation with 2 remotes + monitor: work is running
        deadline = time.monotonic() + 20
        while threads_of(sim.pid) < 26 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert threads_of(sim.pid) >= 26
        sim.send_signal(signal.SIGTERM)
        assert sim.wait(timeout=30) == 0
    finally:
        stop(sim, signal.SIGKILL)
    fired, samples, _, _ = parse_ledger(ledger)
    assert fired["stream_start"] == fired["stream_end"] >= 8
    assert fired["op_start"] == fired["op_end"]
    assert fired["migration_start"] == fired["migration_end"]
    assert samples[("dwcp_amst_streams_active", ())] == 0
    results = by_label(samples, "dwcp_amst_streams_total", "result")
    assert sum(results.values()) == fired["stream_start"]
    assert set(results) <= {"success", "error", "cancelled"}


def test_linger_keeps_running_after_the_ledger(tmp_path):
    need_sim()
    ledger = tmp_path / "ledger.txt"
    sim = subprocess.Popen([str(SIM), "--duration", "0.5", "--linger", "--quiet",
                            "--ledger", str(ledger)])
    try:
        deadline = time.monotonic() + 30
        while not ledger.exists() and time.monotonic() < deadline:
            assert sim.poll() is None, "dwcp-sim exited instead of lingering"
            time.sleep(0.01)
        assert ledger.exists()
        assert sim.poll() is None
        sim.send_signal(signal.SIGINT)
        assert sim.wait(timeout=10) == 0
    finally:
        stop(sim, signal.SIGKILL)


@pytest.mark.parametrize("args,flag", [
    (["--streams", "many"], "--streams"),
    (["--error-rate", "1.5"], "--error-rate"),
    (["--chunk-bytes", "0"], "--chunk-bytes"),
    (["--duration", "-1"], "--duration"),
    (["--stream-prefix", "x" * 40], "--stream-prefix"),
    (["--no-such-flag"], "--no-such-flag"),
])
def test_bad_flags_exit_2_naming_the_flag(args, flag):
    need_sim()
    r = subprocess.run([str(SIM), *args], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert flag in r.stderr


def test_help_has_usage_and_examples():
    need_sim()
    r = subprocess.run([str(SIM), "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0
    assert "Usage: dwcp-sim" in r.stdout and "Examples:" in r.stdout


def test_wait_for_tracer_times_out_with_exit_3(private_sim):
    r = subprocess.run([str(private_sim), "--wait-for-tracer", "0.3", "--quiet"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 3
    assert "--wait-for-tracer" in r.stderr
