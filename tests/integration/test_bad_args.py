# SPDX-License-Identifier: Apache-2.0
"""Bad probe arguments never break accounting: tests/programs/dwcp_badargs.c
fires each case once; the exporter counts, labels or drops it as documented,
and the scrape stays valid."""
import subprocess

from harness import BUILD, Exporter, Sim, by_label, series, wait_for

BADARGS = BUILD / "tests" / "dwcp_badargs"
NOSEM = BUILD / "tests" / "dwcp_nosem"


def start(binary, *args):
    p = subprocess.Popen([str(binary), *args], stdout=subprocess.PIPE, text=True)
    return p


def stop(p):
    p.terminate()
    p.wait(10)
    p.stdout.close()


def test_bad_arguments_are_counted_and_accounting_holds():
    with Exporter(binaries=(BADARGS,)) as exporter:
        p = start(BADARGS)
        try:
            assert p.stdout.readline().strip() == "fired"
            text = exporter.scrape()
        finally:
            stop(p)
    from harness import parse_samples, NODE_LABELS
    s = parse_samples(text, NODE_LABELS)

    def bad(probe, reason):
        return s[("dwcp_bpf_bad_probe_args_total", (("probe", probe), ("reason", reason)))]

    assert bad("stream_start", "unreadable_string") == 1
    assert bad("stream_data", "unreadable_string") == 1
    assert bad("stream_data", "out_of_range") == 1
    assert bad("stream_data", "truncated_string") == 0  # exactly 63 bytes fits
    assert bad("stream_error", "truncated_string") == 1
    assert bad("compress", "out_of_range") == 2
    assert bad("health", "out_of_range") == 1
    assert bad("op_end", "unmatched_end") == 1
    assert bad("migration_end", "unmatched_end") == 1
    assert bad("migration_done", "unmatched_end") == 1
    assert bad("op_duration", "unreadable_string") == 1
    assert bad("dictionary", "out_of_range") == 1
    assert bad("version", "unreadable_string") == 1
    assert bad("bandwidth_saved", "unreadable_string") == 1
    assert bad("bandwidth", "out_of_range") == 1
    total = sum(v for k, v in s.items() if k[0] == "dwcp_bpf_bad_probe_args_total")
    assert total == 15

    # what the bad calls still counted
    assert s[("dwcp_amst_bytes_sent_total", (("stream_id", "(unreadable)"),))] == 100
    assert s[("dwcp_amst_bytes_received_total", (("stream_id", "(unreadable)"),))] == 200
    assert s[("dwcp_amst_bytes_sent_total", (("stream_id", "y" * 63),))] == 1
    assert s[("dwcp_amst_errors_total", (("error_type", "x" * 63),))] == 1
    assert s[("dwcp_amst_errors_total", (("error_type", 'quote"back\\slash\nnewline'),))] == 1
    assert s[("dwcp_amst_errors_total", (("error_type", "bad\ufffd\ufffdutf8"),))] == 1
    assert ("dwcp_amst_bytes_sent_total", (("stream_id", "s-ok"),)) not in s  # only the dropped 2^60
    assert s[("dwcp_hde_operations_total", (("operation", "encode"), ("result", "success")))] == 3
    assert s[("dwcp_hde_bytes_original_total", (("data_type", "bad_type"),))] == 1000 + (1 << 40)
    assert s[("dwcp_hde_bytes_compressed_total", (("data_type", "bad_type"),))] == 1
    assert s[("dwcp_hde_compression_ratio_count", (("data_type", "bad_type"),))] == 1
    assert s[("dwcp_hde_compression_ratio_bucket", (("data_type", "bad_type"), ("le", "100")))] == 0
    assert s[("dwcp_hde_compression_ratio_bucket", (("data_type", "bad_type"), ("le", "+Inf")))] == 1
    assert s[("dwcp_hde_delta_hit_rate_percent", ())] == 100 / 3
    assert s[("dwcp_system_component_health", (("component", "amst"),))] == 1
    assert s[("dwcp_amst_latency_seconds_count", (("operation", "(unreadable)"),))] == 1
    assert not series(s, "dwcp_migration_duration_seconds_count")
    assert not series(s, "dwcp_hde_dictionary_efficiency_percent")
    assert not series(s, "dwcp_amst_bandwidth_utilization_percent")
    assert s[("dwcp_system_version_info", (("build_date", "2026-01-01"), ("git_commit", "c0ffee"),
                                           ("version", "(unreadable)")))] == 1
    assert s[("dwcp_federation_bandwidth_saved_bytes_total", (("remote_cluster", "(unreadable)"),))] == 5
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    lint = [l for l in (p.stdout + p.stderr).splitlines()
            if l.strip() and not l.startswith('dwcp_hde_baseline_count non-histogram and non-summary')]
    assert not lint, "\n".join(lint)


def test_probes_without_semaphores_are_counted():
    with Exporter(binaries=(NOSEM,)) as exporter:
        p = start(NOSEM, "4")
        try:
            assert p.stdout.readline().strip() == "waiting"
            p.send_signal(__import__("signal").SIGUSR1)
            assert p.stdout.readline().strip() == "done"
            s = exporter.samples()
        finally:
            stop(p)
    for i in range(4):
        assert s[("dwcp_amst_bytes_sent_total", (("stream_id", "nosem-%d" % i),))] == 10 * 1000 * (i + 1)
        assert s[("dwcp_amst_bytes_received_total", (("stream_id", "nosem-%d" % i),))] == 10 * (i + 1)
    assert s[("dwcp_amst_streams_total", (("result", "success"),))] == 4
    attached = by_label(s, "dwcp_bpf_probe_attached", "probe")
    assert attached["stream_data"] == 1 and attached["compress"] == 0


def test_full_stream_map_is_counted_and_totals_stay_exact(sim_binary):
    # 8 concurrent streams into a map of 4: the overflow is counted, and the
    # node totals (kept apart from the stream map) still match the ledger
    with Exporter(binaries=(sim_binary,), extra_args=("--bpf.max-streams", "4", "--no-stream.id-label")) as exporter, \
            Sim("--duration", "2", "--streams", "8", "--rate", "0", "--stream-bytes", "100000",
                "--wait-for-tracer", "20", binary=sim_binary) as sim:
        ledger = sim.ledger()
        s = exporter.samples()
    assert s[("dwcp_bpf_map_full_events_total", (("map", "streams"),))] > 0
    assert s[("dwcp_bpf_map_capacity", (("map", "streams"),))] == 4
    for name in ("dwcp_amst_bytes_sent_total", "dwcp_amst_bytes_received_total"):
        assert s[(name, ())] == sum(v for k, v in ledger.items() if k[0] == name)
