# SPDX-License-Identifier: Apache-2.0
"""dwcp-sim under dwcp-bpf-exporter: every family against the sim's ledger.

The ledger is what dwcp-sim fired; the exporter must serve exactly that,
with several streams on several threads and two processes at once, whether
it attached before the sim started or to a sim already running.
"""
import signal
import subprocess
import time

from harness import (Exporter, Sim, assert_matches_ledger, by_label, parse_samples, series, wait_for)

SIM_ARGS = ("--duration", "3", "--streams", "4", "--rate", "0", "--stream-bytes", "200000",
            "--migrations", "3", "--federation-interval-ms", "100", "--error-rate", "0.05")


# a gauge despite its suffix: the seed's name
GAUGES_NAMED_LIKE_COUNTERS = {"dwcp_hde_baseline_count"}


def is_counter(name):
    return name.endswith(("_total", "_bucket", "_count", "_sum")) and name not in GAUGES_NAMED_LIKE_COUNTERS


def merged_counters(*ledgers):
    """The counters of several ledgers (processes, or one process after
    another) as one node's: they add up. Gauges are left out: each describes
    one process at one time, and there is no one right value to keep."""
    merged = {}
    for ledger in ledgers:
        for key, value in counters_only(ledger).items():
            merged[key] = merged.get(key, 0) + value
    return merged


def counters_only(ledger):
    return {k: v for k, v in ledger.items() if is_counter(k[0])}


def test_exporter_first_every_family_matches_ledger(sim_binary):
    with Exporter(binaries=(sim_binary,)) as exporter, Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=sim_binary) as sim:
        ledger = sim.ledger()
        samples = exporter.samples()
        assert_matches_ledger(samples, ledger)
        # the run did real work on every family
        for family in ("dwcp_amst_bytes_sent_total", "dwcp_hde_bytes_original_total",
                       "dwcp_migration_duration_seconds_count", "dwcp_federation_sync_duration_seconds_count",
                       "dwcp_system_component_health", "dwcp_amst_latency_seconds_count"):
            assert any(k[0] == family and v > 0 for k, v in ledger.items()), family


def test_attach_to_running_sim_and_level_gauges_reannounced(sim_binary):
    # the sim fires its level probes once, then waits for a tracer: the
    # gauges can only be right if it re-announces them after attach
    with Sim(*SIM_ARGS, "--wait-for-tracer", "30", binary=sim_binary) as sim:
        time.sleep(1.0)
        assert sim.proc.poll() is None
        with Exporter(binaries=(sim_binary,)) as exporter:
            ledger = sim.ledger()
            assert_matches_ledger(exporter.samples(), ledger)


def test_two_sims_at_once_aggregate_into_node_series(sim_binary):
    with Exporter(binaries=(sim_binary,)) as exporter, \
            Sim(*SIM_ARGS, "--wait-for-tracer", "20", "--stream-prefix", "a", "--seed", "1", binary=sim_binary) as a, \
            Sim(*SIM_ARGS, "--wait-for-tracer", "20", "--stream-prefix", "b", "--seed", "2", binary=sim_binary) as b:
        ledger = merged_counters(a.ledger(), b.ledger())
        assert_matches_ledger(exporter.samples(), ledger)


def test_exited_process_leaves_no_gauges_and_keeps_counters(sim_binary):
    with Exporter(binaries=(sim_binary,), extra_args=("--stream.grace", "60s")) as exporter:
        sim = Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=sim_binary)
        ledger = sim.ledger()
        before = exporter.samples()
        assert series(before, "dwcp_system_component_health")
        sim.stop(signal.SIGKILL)
        after = wait_for(lambda: (lambda s: s if not series(s, "dwcp_system_component_health") else None)(
            exporter.samples()), 5, "level gauges of the dead process to go")
        for gauge in ("dwcp_system_config_enabled", "dwcp_system_version_info", "dwcp_hde_baseline_count",
                      "dwcp_migration_speedup_factor", "dwcp_amst_bandwidth_utilization_percent",
                      "dwcp_hde_dictionary_efficiency_percent"):
            assert not series(after, gauge), gauge
        assert after[("dwcp_amst_streams_active", ())] == 0
        assert_matches_ledger(after, counters_only(ledger))


def test_killed_mid_stream_active_streams_disappear(sim_binary):
    with Exporter(binaries=(sim_binary,)) as exporter:
        sim = Sim("--duration", "0", "--streams", "3", "--rate", "20", "--stream-bytes", "100000000",
                  "--wait-for-tracer", "20", binary=sim_binary, ledger=False, linger=False)
        try:
            wait_for(lambda: exporter.samples().get(("dwcp_amst_streams_active", ())) == 3, 10,
                     "3 active streams")
        finally:
            sim.stop(signal.SIGKILL)
        samples = wait_for(lambda: (lambda s: s if s[("dwcp_amst_streams_active", ())] == 0 else None)(
            exporter.samples()), 5, "active streams of the killed sim to go")
        assert not series(samples, "dwcp_amst_bytes_sent_total")
        # the three streams that never ended are counted, not lost silently
        assert samples[("dwcp_bpf_abandoned_total", (("what", "stream"),))] == 3


def test_stream_id_label_off_sums_bytes_per_node(sim_binary):
    with Exporter(binaries=(sim_binary,), extra_args=("--no-stream.id-label",)) as exporter, Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=sim_binary) as sim:
        ledger = sim.ledger()
        samples = exporter.samples()
        for name in ("dwcp_amst_bytes_sent_total", "dwcp_amst_bytes_received_total"):
            want = sum(v for k, v in ledger.items() if k[0] == name)
            assert samples[(name, ())] == want
            assert not [k for k in samples if k[0] == name and k[1]]


def test_ended_streams_disappear_after_grace(sim_binary):
    with Exporter(binaries=(sim_binary,), extra_args=("--stream.grace", "1s")) as exporter, Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=sim_binary) as sim:
        sim.ledger()
        wait_for(lambda: not series(exporter.samples(), "dwcp_amst_bytes_sent_total"), 5,
                 "ended streams to leave after the grace period")
        assert series(exporter.samples(), "dwcp_amst_streams_total")


def test_scrape_passes_promtool(sim_binary):
    with Exporter(binaries=(sim_binary,)) as exporter, Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=sim_binary) as sim:
        sim.ledger()
        text = exporter.scrape()
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    # the seed names a gauge dwcp_hde_baseline_count, which promtool's lint
    # reads as a summary's _count; the seed's names are the contract
    lint = [l for l in (p.stdout + p.stderr).splitlines()
            if l.strip() and not l.startswith('dwcp_hde_baseline_count non-histogram and non-summary')]
    assert not lint, "\n".join(lint)
    # one HELP and TYPE per family, families not interleaved
    seen, current = set(), None
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            current = line.split()[2]
            assert current not in seen
            seen.add(current)
    assert len(seen) >= 22


def test_pid_narrows_to_one_process(sim_binary):
    with Sim(*SIM_ARGS, "--wait-for-tracer", "30", "--stream-prefix", "mine", binary=sim_binary) as mine, \
            Sim(*SIM_ARGS, "--stream-prefix", "other", binary=sim_binary) as other:
        with Exporter(binaries=(sim_binary,), extra_args=("--pid", mine.pid)) as exporter:
            ledger = mine.ledger()
            other.ledger()
            samples = exporter.samples()
    assert_matches_ledger(samples, ledger)
    # no series of the other process's streams (the exporter's own metrics
    # have label values of their own, such as errno="other")
    assert not [k for k in samples if not k[0].startswith("dwcp_bpf_")
                and any(v.startswith("other") for _, v in k[1])]


def test_level_gauges_right_soon_after_late_attach(sim_binary):
    # the sim set its state long before the exporter came; no ledger wait:
    # only re-announcement can make the gauges appear
    with Sim("--duration", "0", "--rate", "5", "--migrations", "0", "--federation-interval-ms", "0",
             "--error-rate", "0", binary=sim_binary, ledger=False, linger=False) as sim:
        time.sleep(2)
        with Exporter(binaries=(sim_binary,)) as exporter:
            started = time.monotonic()
            levels = ("dwcp_system_version_info", "dwcp_system_config_enabled", "dwcp_system_component_health",
                      "dwcp_hde_baseline_count", "dwcp_hde_dictionary_efficiency_percent",
                      "dwcp_amst_bandwidth_utilization_percent")
            samples = wait_for(lambda: (lambda s: s if all(series(s, f) for f in levels) and
                                        len(series(s, "dwcp_system_component_health")) == 5 else None)(
                exporter.samples()), 5, "level gauges after a late attach")
            assert time.monotonic() - started < 2.5
    assert samples[("dwcp_system_version_info", (("build_date", "2025-11-08"), ("git_commit", "abc123def456"),
                                                 ("version", "1.0.0")))] == 1
    features = by_label(samples, "dwcp_system_config_enabled", "feature")
    # --federation-interval-ms 0 turns federation off, and the sim says so
    assert features == {"amst_enabled": 1, "hde_enabled": 1, "federation_enabled": 0}
    health = by_label(samples, "dwcp_system_component_health", "component")
    assert health == {c: 2 for c in ("amst", "hde", "migration", "federation", "dwcp_manager")}
    assert series(samples, "dwcp_hde_dictionary_efficiency_percent")


def test_stream_duration_only_for_streams_whose_start_was_seen(sim_binary):
    # three streams start before the exporter attaches (tracked from their
    # next stream_data), three after: only the later three have a known
    # lifetime when the sim cancels all six on SIGTERM
    args = ("--duration", "0", "--streams", "3", "--rate", "20", "--stream-bytes", "100000000", "--error-rate", "0")
    sim = Sim(*args, binary=sim_binary, ledger=False, linger=False)
    try:
        time.sleep(1.0)
        with Exporter(binaries=(sim_binary,)) as exporter:
            wait_for(lambda: exporter.samples().get(("dwcp_amst_streams_active", ())) == 3, 10,
                     "the 3 running streams to be tracked")
            late = Sim(*args, "--stream-prefix", "late", binary=sim_binary, ledger=False, linger=False)
            try:
                wait_for(lambda: exporter.samples().get(("dwcp_amst_streams_active", ())) == 6, 10,
                         "6 active streams")
            finally:
                assert late.stop() == 0
            assert sim.stop() == 0
            samples = wait_for(lambda: (lambda s: s if sum(series(s, "dwcp_amst_streams_total").values()) == 6
                                        else None)(exporter.samples()), 10, "6 ended streams")
    finally:
        sim.stop()
    assert samples[("dwcp_amst_latency_seconds_count", (("operation", "stream_duration"),))] == 3
    assert samples[("dwcp_amst_latency_seconds_sum", (("operation", "stream_duration"),))] > 0
