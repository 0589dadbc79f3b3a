# SPDX-License-Identifier: Apache-2.0
"""Exporter restarts keep counters: the maps are pinned in bpffs and the
next exporter reuses them. Events fired while no exporter runs are missed
(the probes detach with the exporter); these tests fire none then."""
import os
import signal

import pytest

from harness import (Exporter, Sim, assert_matches_ledger, free_port, remove_pins, run_exporter_expecting_failure,
                     series)
from test_end_to_end import SIM_ARGS, counters_only, merged_counters


# The runs compare every ended stream's series across a restart: keep them
# for longer than a slow machine may take between the two runs (30 s default)
KEEP_ENDED = ("--stream.grace", "10m")


def run_sim(sim_binary, prefix):
    with Sim(*SIM_ARGS, "--wait-for-tracer", "20", "--stream-prefix", prefix, binary=sim_binary) as sim:
        return sim.ledger()


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_counters_survive_exporter_restart(sim_binary, tmp_path, how):
    # the pid too: tmp_path names repeat across concurrent pytest runs
    pins = "/sys/fs/bpf/dwcp-test-restart-%d-%s" % (os.getpid(), tmp_path.name)
    try:
        first = Exporter(binaries=(sim_binary,), pin_path=pins, extra_args=KEEP_ENDED)
        try:
            ledger1 = run_sim(sim_binary, "one")
        finally:
            first.stop(how)
        with Exporter(binaries=(sim_binary,), pin_path=pins, extra_args=KEEP_ENDED) as second:
            ledger2 = run_sim(sim_binary, "two")
            samples = second.samples()
        assert_matches_ledger(samples, merged_counters(ledger1, ledger2))
    finally:
        remove_pins(pins)


def test_without_pinning_a_restart_starts_from_zero(sim_binary):
    with Exporter(binaries=(sim_binary,), extra_args=("--no-bpf.pin",)):
        run_sim(sim_binary, "one")
    with Exporter(binaries=(sim_binary,), extra_args=("--no-bpf.pin",)) as second:
        ledger2 = run_sim(sim_binary, "two")
        samples = second.samples()
    assert_matches_ledger(samples, counters_only(ledger2))
    assert not [k for k in samples if any(v.startswith("one") for _, v in k[1])]


def test_pins_that_do_not_fit_are_replaced_per_area(sim_binary, tmp_path):
    pins = "/sys/fs/bpf/dwcp-test-refit-%d-%s" % (os.getpid(), tmp_path.name)
    try:
        with Exporter(binaries=(sim_binary,), pin_path=pins, extra_args=(*KEEP_ENDED, "--bpf.max-streams", "4096")):
            ledger1 = run_sim(sim_binary, "one")
        with Exporter(binaries=(sim_binary,), pin_path=pins, extra_args=(*KEEP_ENDED, "--bpf.max-streams", "8192")) as second:
            ledger2 = run_sim(sim_binary, "two")
            samples = second.samples()
            assert "pinned maps do not fit this build" in second.output()
        assert samples[("dwcp_bpf_map_capacity", (("map", "streams"),))] == 8192
        # only the AMST object's maps stopped fitting: AMST starts over,
        # every other area keeps counting
        both = merged_counters(ledger1, ledger2)
        assert_matches_ledger(samples, {k: v for k, v in counters_only(ledger2).items()
                                        if k[0].startswith("dwcp_amst_")})
        assert_matches_ledger(samples, {k: v for k, v in both.items() if not k[0].startswith("dwcp_amst_")})
    finally:
        remove_pins(pins)


def test_pin_path_with_missing_folders_in_bpffs_is_created_and_kept(sim_binary, tmp_path):
    """A pin path whose parents do not exist yet: the folders are made in
    bpffs, the maps pinned there, and a restart continues the counters."""
    top = "/sys/fs/bpf/dwcp-test-nested-%s" % tmp_path.name
    pins = top + "/a/b"
    assert not os.path.exists(top)
    try:
        with Exporter(binaries=(sim_binary,), pin_path=pins, extra_args=KEEP_ENDED) as first:
            ledger1 = run_sim(sim_binary, "one")
            assert "no bpffs" not in first.output()
        assert os.path.isdir(pins + "/amst")
        with Exporter(binaries=(sim_binary,), pin_path=pins, extra_args=KEEP_ENDED) as second:
            ledger2 = run_sim(sim_binary, "two")
            samples = second.samples()
        assert_matches_ledger(samples, merged_counters(ledger1, ledger2))
    finally:
        remove_pins(top)


def test_pin_path_outside_bpffs_fails_at_start(sim_binary, tmp_path):
    """The operator asked for pinning: a path that is not in bpffs is an
    error at start, not a run whose counters reset on the next restart."""
    pins = tmp_path / "not-bpffs" / "pins"
    code, out = run_exporter_expecting_failure("--binary", sim_binary, "--bpf.pin-path", pins,
                                               "--web.listen-address", "127.0.0.1:%d" % free_port())
    assert code == 1, out
    assert "--bpf.pin-path %s: %s is not in bpffs" % (pins, tmp_path) in out, out
    assert "--no-bpf.pin" in out
    assert not (tmp_path / "not-bpffs").exists()
