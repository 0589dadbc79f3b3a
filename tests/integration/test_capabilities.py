# SPDX-License-Identifier: Apache-2.0
"""Least privilege, by experiment: the exporter as an unprivileged uid with
exactly the capabilities the README and the systemd unit document attaches
and counts a sim's events; without any one of them it fails at start.

On this kernel (6.18) uprobe perf events need CAP_SYS_ADMIN (the 2025 fix
"perf: Require CAP_SYS_ADMIN for uprobes"; CAP_PERFMON alone gets EACCES),
CAP_BPF loads the programs, and the exporter checks for CAP_PERFMON.
CAP_DAC_READ_SEARCH is needed only for a binary the uid cannot read, and
CAP_SYS_PTRACE only for --pid of another uid's process.

Once attached, the exporter drops what --capabilities.keep does not keep
(attach: CAP_SYS_ADMIN, which re-attaching to a replaced binary needs, plus
CAP_DAC_READ_SEARCH / CAP_SYS_PTRACE only if opening a binary needs them;
none: nothing; all: everything), in every thread, and sets no_new_privs."""
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from test_probe_contract import provider_probes
from harness import (EXPORTER, SIM, Exporter, Sim, assert_matches_ledger, free_port, parse_samples, remove_pins,
                     series, stop_process, wait_for)
from test_end_to_end import counters_only

NOBODY = 65534
DOCUMENTED = ("bpf", "perfmon", "sys_admin")
# what --capabilities.keep attach keeps of DOCUMENTED (see privileges.c)
KEPT_FOR_ATTACH = ("sys_admin",)
# bit numbers of linux/capability.h
CAP_BITS = {"dac_read_search": 2, "sys_ptrace": 19, "sys_admin": 21, "perfmon": 38, "bpf": 39}


def caps_mask(caps):
    return sum(1 << CAP_BITS[c] for c in caps)


class UnprivilegedExporter:
    """The exporter under setpriv: uid/gid nobody, no groups, and caps as its
    inheritable, ambient and bounding sets (so they are all it can have).
    Its maps are pinned in a bpffs directory that uid owns."""

    def __init__(self, binary, caps, *extra_args):
        self.port = free_port()
        self.pin_path = "/sys/fs/bpf/dwcp-captest-%d-%d" % (os.getpid(), self.port)
        os.mkdir(self.pin_path, 0o700)
        os.chown(self.pin_path, NOBODY, NOBODY)
        capset = ",".join(["-all"] + ["+" + c for c in caps])
        cmd = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups",
               "--inh-caps=" + capset, "--ambient-caps=" + capset, "--bounding-set=" + capset,
               str(EXPORTER), "--binary", str(binary), "--bpf.pin-path", self.pin_path,
               "--web.listen-address", "127.0.0.1:%d" % self.port, *map(str, extra_args)]
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, text=True)

    def get(self, path):
        import urllib.error
        import urllib.request
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path), timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except OSError:
            return None, ""

    def ready_or_exited(self, timeout=30):
        """True once /ready answers 200, False if the exporter exits first."""
        return wait_for(lambda: "exited" if self.proc.poll() is not None else self.get("/ready")[0] == 200,
                        timeout, "exporter ready or exited") is True

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        stop_process(self.proc)
        remove_pins(self.pin_path)
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@pytest.fixture
def readable_sim():
    """A private copy of dwcp-sim (uprobes attach per inode) in a directory
    the nobody uid can traverse (pytest's tmp_path is 0700)."""
    d = tempfile.mkdtemp(prefix="dwcp-captest-")
    os.chmod(d, 0o755)
    target = Path(d) / "dwcp-sim"
    shutil.copy2(SIM, target)
    os.chmod(target, 0o755)
    yield target
    shutil.rmtree(d)


def proc_status(pid):
    return dict(line.split(":\t", 1) for line in Path("/proc/%d/status" % pid).read_text().splitlines()
                if ":\t" in line)


def thread_statuses(pid):
    """/proc/PID/task/*/status of every thread: capabilities are per thread,
    and the HTTP threads are the ones that face the network. A thread that
    ends between the listing and the read (ESRCH) has nothing left to check."""
    statuses = []
    for t in Path("/proc/%d/task" % pid).iterdir():
        try:
            statuses.append(proc_status(int(t.name)))
        except (ProcessLookupError, FileNotFoundError):
            continue
    return statuses


def assert_capability_sets(pid, permitted, bounding, ambient, no_new_privs=True):
    """Every thread of pid has exactly these sets (effective = permitted)."""
    statuses = thread_statuses(pid)
    assert len(statuses) >= 2, "expected the HTTP server's threads too"
    for status in statuses:
        got = {key: int(status[key], 16) for key in ("CapEff", "CapPrm", "CapBnd", "CapAmb")}
        want = {"CapEff": permitted, "CapPrm": permitted, "CapBnd": bounding, "CapAmb": ambient}
        assert got == want, (status["Name"], {k: hex(v) for k, v in got.items()},
                             {k: hex(v) for k, v in want.items()})
        assert status["NoNewPrivs"].strip() == ("1" if no_new_privs else "0"), status["Name"]


def kept_log_line(output):
    lines = [l for l in output.splitlines() if "msg=capabilities " in l]
    assert len(lines) == 1, output
    return lines[0]


def test_documented_capabilities_attach_and_count(readable_sim):
    with UnprivilegedExporter(readable_sim, DOCUMENTED) as e:
        assert e.ready_or_exited(), e.output()
        status = proc_status(e.proc.pid)
        assert status["Uid"].split()[:2] == [str(NOBODY)] * 2
        # dropped after attach: the bounding set stays (shrinking it needs
        # CAP_SETPCAP), no_new_privs keeps exec from using it
        assert_capability_sets(e.proc.pid, caps_mask(KEPT_FOR_ATTACH), caps_mask(DOCUMENTED), 0)
        assert 'keep=attach kept=cap_sys_admin' in kept_log_line(e.output())
        with Sim("--duration", "1", "--streams", "2", binary=readable_sim, linger=False) as sim:
            ledger = sim.ledger()
        want = series(ledger, "dwcp_amst_bytes_sent_total")
        assert want and sum(want.values()) > 0
        code, body = e.get("/metrics")
        assert code == 200
        got = series(parse_samples(body, ("cluster", "node", "source_node")), "dwcp_amst_bytes_sent_total")
        assert got == want


@pytest.mark.parametrize("missing", ["bpf", "perfmon"])
def test_fails_at_start_naming_the_missing_capability(readable_sim, missing):
    caps = [c for c in DOCUMENTED if c != missing]
    with UnprivilegedExporter(readable_sim, caps) as e:
        assert not e.ready_or_exited(), "started without CAP_%s" % missing.upper()
        assert e.proc.returncode != 0
        assert ("cap_%s" % missing) in e.output().lower(), e.output()


def test_fails_at_start_without_sys_admin(readable_sim):
    with UnprivilegedExporter(readable_sim, ("bpf", "perfmon")) as e:
        assert not e.ready_or_exited(), "attached uprobes without CAP_SYS_ADMIN"
        assert e.proc.returncode != 0


def test_missing_sys_admin_is_named(readable_sim):
    with UnprivilegedExporter(readable_sim, ("bpf", "perfmon")) as e:
        assert not e.ready_or_exited()
        assert "cap_sys_admin" in e.output().lower(), e.output()


def test_unreadable_binary_needs_dac_read_search(readable_sim):
    os.chmod(readable_sim, 0o700)
    with UnprivilegedExporter(readable_sim, DOCUMENTED) as e:
        assert not e.ready_or_exited(), "attached to a binary its uid cannot read"
    with UnprivilegedExporter(readable_sim, DOCUMENTED + ("dac_read_search",)) as e:
        assert e.ready_or_exited(), e.output()
        # kept after the drop: re-attaching opens the binary again
        assert_capability_sets(e.proc.pid, caps_mask(KEPT_FOR_ATTACH + ("dac_read_search",)),
                               caps_mask(DOCUMENTED + ("dac_read_search",)), 0)


def test_dac_read_search_is_dropped_when_not_needed(readable_sim):
    with UnprivilegedExporter(readable_sim, DOCUMENTED + ("dac_read_search", "sys_ptrace")) as e:
        assert e.ready_or_exited(), e.output()
        assert_capability_sets(e.proc.pid, caps_mask(KEPT_FOR_ATTACH),
                               caps_mask(DOCUMENTED + ("dac_read_search", "sys_ptrace")), 0)


def test_pid_filter_needs_sys_ptrace(readable_sim):
    """--pid opens the binary through /proc/PID/root (processes in other
    mount namespaces): for a process of another uid (root here) that is a
    ptrace-mode access, so CAP_SYS_PTRACE is needed on top."""
    with Sim("--duration", "0", binary=readable_sim, ledger=False, linger=False) as sim:
        with UnprivilegedExporter(readable_sim, DOCUMENTED, "--pid", sim.pid) as e:
            assert not e.ready_or_exited(), "--pid of a root process without CAP_SYS_PTRACE"
            assert "/proc/%d/root" % sim.pid in e.output() and "Permission denied" in e.output(), e.output()
        with UnprivilegedExporter(readable_sim, DOCUMENTED + ("sys_ptrace",), "--pid", sim.pid) as e:
            assert e.ready_or_exited(), e.output()
            # kept: following the binary stats and opens it through /proc/PID/root again
            assert_capability_sets(e.proc.pid, caps_mask(KEPT_FOR_ATTACH + ("sys_ptrace",)),
                                   caps_mask(DOCUMENTED + ("sys_ptrace",)), 0)

            def sent():
                code, body = e.get("/metrics")
                return code == 200 and sum(series(parse_samples(body), "dwcp_amst_bytes_sent_total").values()) > 0

            wait_for(sent, 30, "bytes counted for --pid")


@pytest.mark.parametrize("mode", ["none", "all"])
def test_keep_modes_as_unprivileged_uid(readable_sim, mode):
    """none drops every capability, all keeps what it started with; either
    way scrapes go on serving exact counts."""
    with UnprivilegedExporter(readable_sim, DOCUMENTED, "--capabilities.keep", mode) as e:
        assert e.ready_or_exited(), e.output()
        if mode == "none":
            assert_capability_sets(e.proc.pid, 0, caps_mask(DOCUMENTED), 0)
            assert 'keep=none kept=""' in kept_log_line(e.output())
        else:
            assert_capability_sets(e.proc.pid, caps_mask(DOCUMENTED), caps_mask(DOCUMENTED),
                                   caps_mask(DOCUMENTED), no_new_privs=False)
            assert 'keep=all kept=cap_sys_admin,cap_perfmon,cap_bpf' in kept_log_line(e.output())
        with Sim("--duration", "1", "--streams", "2", binary=readable_sim, linger=False) as sim:
            ledger = sim.ledger()
        code, body = e.get("/metrics")
        assert code == 200
        got = series(parse_samples(body, ("cluster", "node", "source_node")), "dwcp_amst_bytes_sent_total")
        assert got == series(ledger, "dwcp_amst_bytes_sent_total") and got


@pytest.mark.parametrize("mode", ["attach", "none", "all"])
def test_keep_modes_as_root(sim_binary, mode):
    """Started as root with every capability: attach keeps CAP_SYS_ADMIN,
    none nothing (both shrink the bounding set too, root has CAP_SETPCAP),
    all everything."""
    own = proc_status(os.getpid())
    with Exporter(binaries=(sim_binary,), extra_args=("--capabilities.keep", mode)) as e:
        if mode == "attach":
            assert_capability_sets(e.pid, caps_mask(KEPT_FOR_ATTACH), caps_mask(KEPT_FOR_ATTACH), 0)
        elif mode == "none":
            assert_capability_sets(e.pid, 0, 0, 0)
        else:
            assert_capability_sets(e.pid, int(own["CapPrm"], 16), int(own["CapBnd"], 16), int(own["CapAmb"], 16),
                                   no_new_privs=own["NoNewPrivs"].strip() == "1")
        with Sim("--duration", "1", "--streams", "2", linger=False, binary=sim_binary) as sim:
            ledger = sim.ledger()
        assert_matches_ledger(e.samples(), counters_only(ledger))


def test_pid_as_root_keeps_sys_ptrace(sim_binary):
    """Root reaching /proc/PID/root of a process with more capabilities than
    it keeps is a ptrace access check: CAP_SYS_PTRACE stays (without it,
    following would see the binary as gone)."""
    with Sim("--duration", "0", binary=sim_binary, ledger=False) as sim:
        with Exporter(binaries=(sim_binary,), extra_args=("--pid", sim.pid)) as e:
            assert_capability_sets(e.pid, caps_mask(KEPT_FOR_ATTACH + ("sys_ptrace",)),
                                   caps_mask(KEPT_FOR_ATTACH + ("sys_ptrace",)), 0)
            replace_binary(sim_binary)
            wait_for(lambda: reattached(e, "/proc/%d/root%s" % (sim.pid, sim_binary)) == 1, 10,
                     "the replaced binary to be attached through /proc/PID/root")
            assert e.samples()[("dwcp_bpf_binary_missing",
                                (("binary", "/proc/%d/root%s" % (sim.pid, sim_binary)),))] == 0


def replace_binary(path):
    """A package upgrade: a new file renamed over the path."""
    staged = Path(str(path) + ".new")
    shutil.copy2(path, staged)
    os.rename(staged, path)


def reattached(exporter, path):
    return exporter.samples().get(("dwcp_bpf_binary_reattached_total", (("binary", str(path)),)))


def test_attach_mode_follows_a_replaced_binary_unprivileged(readable_sim):
    """uid nobody with only CAP_SYS_ADMIN left re-attaches to a new file at
    the path: the capability it keeps is enough."""
    with UnprivilegedExporter(readable_sim, DOCUMENTED) as e:
        assert e.ready_or_exited(), e.output()
        replace_binary(readable_sim)

        def followed():
            code, body = e.get("/metrics")
            samples = parse_samples(body)
            return code == 200 and samples.get(
                ("dwcp_bpf_binary_reattached_total", (("binary", str(readable_sim)),))) == 1 and samples
        samples = wait_for(followed, 10, "the replaced binary to be attached")
        attached = [v for k, v in samples.items() if k[0] == "dwcp_bpf_probe_attached"]
        assert len(attached) == len(provider_probes()) and all(attached), e.output()
        with Sim("--duration", "1", "--streams", "2", "--wait-for-tracer", "20", binary=readable_sim,
                 linger=False) as sim:
            ledger = sim.ledger()
        code, body = e.get("/metrics")
        got = series(parse_samples(body, ("cluster", "node", "source_node")), "dwcp_amst_bytes_sent_total")
        assert got == series(ledger, "dwcp_amst_bytes_sent_total") and got


def test_none_mode_does_not_follow_says_so_once_and_keeps_serving(sim_binary):
    with Exporter(binaries=(sim_binary,), extra_args=("--capabilities.keep", "none")) as e:
        with Sim("--duration", "1", "--streams", "2", "--wait-for-tracer", "20", "--stream-prefix", "old",
                 binary=sim_binary) as old:
            ledger = old.ledger()
        replace_binary(sim_binary)
        log_before = e.output()
        time.sleep(3)  # three follow periods
        # a process of the new file is not instrumented
        with Sim("--duration", "1", "--streams", "2", "--stream-prefix", "new", binary=sim_binary,
                 linger=False) as new:
            new_ledger = new.ledger()
        assert series(new_ledger, "dwcp_amst_bytes_sent_total")
        samples = e.samples()
        assert samples[("dwcp_bpf_binary_reattached_total", (("binary", str(sim_binary)),))] == 0
        assert not any(dict(k[1]).get("stream_id", "").startswith("new") for k in samples
                       if k[0] == "dwcp_amst_bytes_sent_total")
        # the counts of the old file's processes are served as they were
        assert_matches_ledger(samples, counters_only(ledger))
        assert e.get("/ready")[0] == 200
        out = e.output()
        assert out.count("will not be followed") == 1, out
        assert out == log_before, "logged while not following:\n" + out[len(log_before):]


def test_privileged_port_is_bound_before_the_drop(sim_binary):
    """The ports are bound while privileged: a port below 1024 serves with
    every capability dropped (none), and the serving threads hold nothing."""
    port = next(p for p in range(990, 900, -1) if _port_free(p))
    with Exporter(binaries=(sim_binary,), extra_args=("--capabilities.keep", "none"), port=port) as e:
        assert_capability_sets(e.pid, 0, 0, 0)
        assert "dwcp_bpf_exporter_build_info" in e.scrape()


def _port_free(port):
    import socket
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
