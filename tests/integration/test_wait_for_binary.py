# SPDX-License-Identifier: Apache-2.0
"""A --binary that is not installed yet is waited for, not fatal: the
exporter serves (/ready 503, dwcp_bpf_binary_missing 1), attaches when the
file appears, and counts exactly from then on. A binary that exists without
dwcp probes stays a start-up error (test_cli.py)."""
import glob
import os
import shutil
import time

from harness import BUILD, SIM, Exporter, Sim, assert_matches_ledger, wait_for
from test_end_to_end import SIM_ARGS

WAITING = "binary does not exist yet; waiting for it"


def missing(exporter, path):
    return exporter.samples().get(("dwcp_bpf_binary_missing", (("binary", str(path)),)))


def attached_binaries(exporter):
    return exporter.samples()[("dwcp_bpf_attached_binaries", ())]


def waiting_exporter(path, *binaries):
    e = Exporter(binaries=(path, *binaries), wait_ready=False)
    try:
        wait_for(lambda: WAITING in e.output() or e.proc.poll() is not None, 30, "the exporter to say it waits")
        assert e.proc.poll() is None, "exporter exited %s" % e.proc.returncode
        assert WAITING in e.output()
        wait_for(lambda: e.get("/ready")[0] == 503, 30, "the exporter to serve")
    except AssertionError as err:
        e.stop()
        raise AssertionError("%s; exporter log:\n%s" % (err, e.output()))
    return e


def install(src, path):
    """As a package does: the file written beside, then renamed into place."""
    os.makedirs(path.parent, exist_ok=True)
    staged = path.with_name(path.name + ".dpkg-new")
    shutil.copy2(src, staged)
    os.rename(staged, path)


def test_binary_installed_after_the_exporter(tmp_path):
    # its folder does not exist either: the package creates it
    path = tmp_path / "opt" / "dwcp" / "bin" / "dwcp-sim"
    with waiting_exporter(path) as exporter:
        status, _, body = exporter.get("/ready")
        assert status == 503 and b"does not exist yet" in body
        assert missing(exporter, path) == 1 and attached_binaries(exporter) == 0
        assert "level=warn" in exporter.output() and str(path) in exporter.output()

        install(SIM, path)
        wait_for(lambda: exporter.get("/ready")[0] == 200, 10, "the binary to be attached")
        assert 'msg="binary appeared"' in exporter.output()
        assert "probes attached" in exporter.output()
        with Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=path) as sim:
            ledger = sim.ledger()
            samples = exporter.samples()
        assert samples[("dwcp_bpf_binary_missing", (("binary", str(path)),))] == 0
        assert samples[("dwcp_bpf_binary_reattached_total", (("binary", str(path)),))] == 0
    assert_matches_ledger(samples, ledger)


def test_binary_copied_in_place_is_attached_once_written(tmp_path):
    # cp creates the file empty, then writes it: no probes at first sight
    path = tmp_path / "dwcp-sim"
    with waiting_exporter(path) as exporter:
        shutil.copy(SIM, path)
        wait_for(lambda: exporter.get("/ready")[0] == 200, 10, "the written binary to be attached")
        with Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=path) as sim:
            ledger = sim.ledger()
            samples = exporter.samples()
    assert_matches_ledger(samples, ledger)


def test_binary_present_at_start_and_one_appearing_later(tmp_path, sim_binary):
    # both orders in one exporter: one binary there at start, one later
    late = tmp_path / "late" / "dwcp-sim"
    with waiting_exporter(late, sim_binary) as exporter:
        with Sim(*SIM_ARGS, "--wait-for-tracer", "20", "--stream-prefix", "early", binary=sim_binary) as first:
            ledger_first = first.ledger()
        assert attached_binaries(exporter) == 1 and exporter.get("/ready")[0] == 503
        install(SIM, late)
        wait_for(lambda: exporter.get("/ready")[0] == 200, 10, "the late binary to be attached")
        assert attached_binaries(exporter) == 2
        with Sim(*SIM_ARGS, "--wait-for-tracer", "20", "--stream-prefix", "late", binary=late) as second:
            ledger_second = second.ledger()
            samples = exporter.samples()
    from test_end_to_end import merged_counters
    assert_matches_ledger(samples, merged_counters(ledger_first, ledger_second))


def test_binary_appearing_long_after_the_start(tmp_path):
    """DWCP installed a good while after the exporter started: nothing polls
    meanwhile (no thread of the exporter wakes), and it attaches at once."""
    path = tmp_path / "dwcp-sim"
    wait_s = float(os.environ.get("DWCP_WAIT_SECONDS", "45"))
    with waiting_exporter(path) as exporter:
        def switches():
            n = 0
            for status in glob.glob("/proc/%d/task/*/status" % exporter.pid):
                with open(status) as f:
                    n += sum(int(line.split()[1]) for line in f if "ctxt_switches" in line)
            return n
        before = switches()
        time.sleep(wait_s)
        # no scrapes, no changes: no thread woke to look. A context switch
        # is counted for every wake, so any poll or timer of a period under
        # wait_s shows, however cheap (the exporter makes none here)
        assert switches() - before <= 2, "a thread of the exporter woke while waiting"
        install(SIM, path)
        wait_for(lambda: exporter.get("/ready")[0] == 200, 10, "the binary to be attached")
        with Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=path) as sim:
            ledger = sim.ledger()
            samples = exporter.samples()
    assert_matches_ledger(samples, ledger)


def test_binary_appearing_without_probes_is_not_ready(tmp_path):
    path = tmp_path / "dwcp-sim"
    with waiting_exporter(path) as exporter:
        install(BUILD / "tests" / "dwcp_noprobes", path)
        wait_for(lambda: b"has no dwcp probes" in exporter.get("/ready")[2], 10, "/ready to name the binary")
        assert exporter.get("/ready")[0] == 503
        assert missing(exporter, path) == 0
        # a DWCP build replaces it: attached then
        install(SIM, path)
        wait_for(lambda: exporter.get("/ready")[0] == 200, 10, "the real binary to be attached")
