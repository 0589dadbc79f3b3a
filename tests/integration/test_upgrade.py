# SPDX-License-Identifier: Apache-2.0
"""A DWCP binary replaced on disk, as a package upgrade does (a new file
renamed over the old path), is instrumented again without restarting the
exporter; /ready and the self-metrics say what happened meanwhile."""
import os
import shutil

from test_probe_contract import provider_probes
from harness import Exporter, Sim, assert_matches_ledger, wait_for
from test_end_to_end import SIM_ARGS, counters_only, merged_counters


def reattached(exporter, path):
    return exporter.samples().get(("dwcp_bpf_binary_reattached_total", (("binary", str(path)),)))


def test_replaced_binary_is_followed(sim_binary):
    # the old run's ended streams are compared too: keep them past the
    # 30 s default grace, however slow the machine
    with Exporter(binaries=(sim_binary,), extra_args=("--stream.grace", "10m")) as exporter:
        with Sim(*SIM_ARGS, "--wait-for-tracer", "20", "--stream-prefix", "old", binary=sim_binary) as old:
            ledger_old = old.ledger()

        # mid-upgrade: nothing at the path for a moment
        staged = sim_binary.with_name("dwcp-sim.dpkg-new")
        shutil.copy2(sim_binary, staged)
        os.unlink(sim_binary)
        wait_for(lambda: exporter.get("/ready")[0] == 503, 5, "/ready to say the binary is missing")
        status, _, body = exporter.get("/ready")
        assert b"missing" in body
        assert exporter.samples()[("dwcp_bpf_binary_missing", (("binary", str(sim_binary)),))] == 1

        os.rename(staged, sim_binary)  # a new inode at the old path
        wait_for(lambda: reattached(exporter, sim_binary) == 1, 5, "the new binary to be attached")
        assert exporter.get("/ready")[0] == 200

        with Sim(*SIM_ARGS, "--wait-for-tracer", "20", "--stream-prefix", "new", binary=sim_binary) as new:
            ledger_new = new.ledger()
            samples = exporter.samples()
    assert samples[("dwcp_bpf_binary_missing", (("binary", str(sim_binary)),))] == 0
    assert_matches_ledger(samples, merged_counters(ledger_old, ledger_new))


def test_old_binary_processes_stay_instrumented(sim_binary):
    with Exporter(binaries=(sim_binary,)) as exporter:
        # a process of the old binary runs across the upgrade
        old = Sim("--duration", "4", "--streams", "2", "--rate", "50", "--stream-bytes", "100000",
                  "--stream-prefix", "old", "--wait-for-tracer", "20", binary=sim_binary)
        try:
            wait_for(lambda: exporter.samples().get(("dwcp_amst_streams_active", ())), 10, "old streams to run")
            staged = sim_binary.with_name("dwcp-sim.new")
            shutil.copy2(sim_binary, staged)
            os.rename(staged, sim_binary)
            wait_for(lambda: reattached(exporter, sim_binary) == 1, 5, "the new binary to be attached")
            ledger_old = old.ledger()
            samples = exporter.samples()
        finally:
            old.stop()
    assert_matches_ledger(samples, counters_only(ledger_old))


def test_replaced_by_a_binary_without_probes_keeps_serving(sim_binary):
    from harness import BUILD
    with Exporter(binaries=(sim_binary,)) as exporter:
        with Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=sim_binary) as sim:
            ledger = sim.ledger()
        staged = sim_binary.with_name("dwcp-sim.new")
        shutil.copy2(BUILD / "tests" / "dwcp_noprobes", staged)
        os.rename(staged, sim_binary)
        wait_for(lambda: reattached(exporter, sim_binary) == 1, 5, "the probe-less binary to be examined")
        status, _, body = exporter.get("/ready")
        assert status == 503 and b"no dwcp probes" in body
        samples = exporter.samples()  # still serving
        attached = [v for k, v in samples.items() if k[0] == "dwcp_bpf_probe_attached"]
        assert len(attached) == len(provider_probes()) and not any(attached)
        assert_matches_ledger(samples, counters_only(ledger))
        assert "binary has no dwcp probes" in exporter.output()
