# SPDX-License-Identifier: Apache-2.0
"""The exporter's cost and traffic as self-metrics: its BPF programs' run
counts and run time from the kernel's BPF stats (--bpf.stats, or the
kernel.bpf_stats_enabled sysctl), and its HTTP requests by status code."""
from pathlib import Path

import pytest

from test_probe_contract import provider_probes
from harness import Exporter, Sim, by_label, series

SYSCTL = Path("/proc/sys/kernel/bpf_stats_enabled")
SIM_ARGS = ("--duration", "1", "--streams", "2", "--wait-for-tracer", "20")


@pytest.fixture
def stats_sysctl():
    """Sets kernel.bpf_stats_enabled for the test (0 by default) and puts
    back what it was."""
    before = SYSCTL.read_text().strip()
    SYSCTL.write_text("0")

    def set_to(value):
        SYSCTL.write_text(str(value))
    yield set_to
    SYSCTL.write_text(before)


def program_series(samples, name):
    return by_label(samples, name, "probe")


def test_bpf_stats_count_every_probe_run(sim_binary, stats_sysctl):
    with Exporter(binaries=(sim_binary,), extra_args=("--bpf.stats",)) as e:
        with Sim(*SIM_ARGS, binary=sim_binary) as sim:
            sim.ledger()
            fired = sim.fired()
        samples = e.samples()
        assert samples[("dwcp_bpf_stats_enabled", ())] == 1
        runs = program_series(samples, "dwcp_bpf_program_runs_total")
        seconds = program_series(samples, "dwcp_bpf_program_run_seconds_total")
        assert fired["stream_data"] > 0
        # one program per probe, summed over every attached binary: this
        # binary is a private copy, so its sim is the only one counted
        for probe, n in fired.items():
            assert runs[probe] == n, (probe, runs[probe], n)
            if n:
                assert seconds[probe] > 0, probe
        assert len(runs) == len(seconds) == len(provider_probes())


def test_without_bpf_stats_programs_are_not_counted(sim_binary, stats_sysctl):
    """Off (no flag, sysctl 0): the families are still served, the gauge is
    0 and the kernel counts nothing."""
    with Exporter(binaries=(sim_binary,)) as e:
        with Sim(*SIM_ARGS, binary=sim_binary) as sim:
            sim.ledger()
            assert sim.fired()["stream_data"] > 0
        samples = e.samples()
        assert samples[("dwcp_bpf_stats_enabled", ())] == 0
        runs = program_series(samples, "dwcp_bpf_program_runs_total")
        seconds = program_series(samples, "dwcp_bpf_program_run_seconds_total")
        assert len(runs) == len(provider_probes()) and not any(runs.values()) and not any(seconds.values())


def test_sysctl_alone_turns_the_counts_on(sim_binary, stats_sysctl):
    with Exporter(binaries=(sim_binary,)) as e:
        stats_sysctl(1)
        assert e.samples()[("dwcp_bpf_stats_enabled", ())] == 1
        with Sim(*SIM_ARGS, binary=sim_binary) as sim:
            sim.ledger()
            fired = sim.fired()
        stats_sysctl(0)
        samples = e.samples()
        assert samples[("dwcp_bpf_stats_enabled", ())] == 0
        assert program_series(samples, "dwcp_bpf_program_runs_total")["stream_data"] == fired["stream_data"]


def http_requests(exporter):
    return by_label(exporter.samples(), "dwcp_bpf_exporter_http_requests_total", "code")


def test_http_requests_by_status_code(sim_binary):
    with Exporter(binaries=(sim_binary,)) as e:
        before = http_requests(e)
        assert set(before) == {"200", "401", "404", "405", "429", "500", "503", "unlisted"}
        for _ in range(3):
            assert e.get("/health")[0] == 200
        for _ in range(2):
            assert e.get("/no-such-page")[0] == 404
        import urllib.request
        req = urllib.request.Request(e.url + "/metrics", data=b"x", method="POST")
        try:
            urllib.request.urlopen(req, timeout=10)
            raise AssertionError("POST answered 2xx")
        except urllib.error.HTTPError as err:
            assert err.code == 405
        after = http_requests(e)
    # the scrape that read "before" is counted once it was answered
    assert after["200"] - before["200"] == 3 + 1
    assert after["404"] - before["404"] == 2
    assert after["405"] - before["405"] == 1
    assert after["500"] == before["500"] == 0
    assert after["unlisted"] == before["unlisted"]
