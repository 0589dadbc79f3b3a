"""Least privilege, by experiment: the exporter as an unprivileged uid with
exactly the capabilities the README and the systemd unit document attaches
and counts a sim's events; without any one of them it fails at start.

On this kernel (6.18) uprobe perf events need CAP_SYS_ADMIN (the 2025 fix
"perf: Require CAP_SYS_ADMIN for uprobes"; CAP_PERFMON alone gets EACCES),
CAP_BPF loads the programs, and the exporter checks for CAP_PERFMON.
CAP_DAC_READ_SEARCH is needed only for a binary the uid cannot read, and
CAP_SYS_PTRACE only for --pid of another uid's process."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from harness import EXPORTER, SIM, Sim, free_port, parse_samples, remove_pins, series, stop_process, wait_for

NOBODY = 65534
DOCUMENTED = ("bpf", "perfmon", "sys_admin")
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


def test_documented_capabilities_attach_and_count(readable_sim):
    with UnprivilegedExporter(readable_sim, DOCUMENTED) as e:
        assert e.ready_or_exited(), e.output()
        status = proc_status(e.proc.pid)
        assert status["Uid"].split()[:2] == [str(NOBODY)] * 2
        for key in ("CapEff", "CapPrm", "CapBnd", "CapAmb"):
            assert int(status[key], 16) == caps_mask(DOCUMENTED), (key, status[key])
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
        assert int(proc_status(e.proc.pid)["CapEff"], 16) == caps_mask(DOCUMENTED + ("dac_read_search",))


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

            def sent():
                code, body = e.get("/metrics")
                return code == 200 and sum(series(parse_samples(body), "dwcp_amst_bytes_sent_total").values()) > 0

            wait_for(sent, 30, "bytes counted for --pid")
