# SPDX-License-Identifier: Apache-2.0
"""The Go package's traced path (Go assembly calling the probe's C site on
the goroutine stack, usdt/go/metrics/site_amd64.s) under what the Go
runtime does to a program: asynchronous preemption, garbage collection,
goroutine stacks that grow and shrink, a CPU profile, the race detector.

dwcp-go-node runs under the real dwcp-bpf-exporter (every probe attached,
semaphores non-zero) with 64 goroutines on more OS threads than there are
cores, built by each tested toolchain, with its --stress options (the
exporter keeps ended streams for the whole run); every
count and every stream's bytes must match its ledger exactly (a string read
from a moved stack, a clobbered register or a lost event shows there), the
process must exit cleanly, and bpftrace must see the signals of the run
(SIGURG, SIGPROF) delivered while a site was running: the situation the
tests exist for did happen."""
import os
import platform
import re
import subprocess
import tempfile
import time

import pytest

import go_toolchains
from harness import Exporter, GoNode, assert_matches_ledger, private_copy, wait_for

GOROUTINES = 64
GOMAXPROCS = max(8, 2 * os.cpu_count())
NODE_ARGS = ("--goroutines", GOROUTINES, "--streams", 2, "--chunks", 8, "--wait-for-tracer", "30s")
HAMMER = ("--hammer", 60)
SIGURG, SIGPROF = 23, 27

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64", reason="the Go assembly path is amd64's")


class SignalWatch:
    """bpftrace counting, by signal, where in the process's code signals
    were delivered (the interrupted user instruction's function)."""

    def __init__(self, pid):
        self.out = tempfile.TemporaryFile(mode="w+")
        script = ('tracepoint:signal:signal_deliver /pid == %d && (args->sig == %d || args->sig == %d)/ '
                  '{ @[args->sig, ustack(1)] = count(); }' % (pid, SIGURG, SIGPROF))
        # bpftrace 0.17 caches no symbols when ASLR is on: every stack it
        # prints at exit would load the Go binary's symbol table anew (over
        # 180 s on a loaded host); one process is traced, so a cache is right
        self.proc = subprocess.Popen(["bpftrace", "-e", script], stdout=self.out, stderr=subprocess.STDOUT,
                                     text=True, env={**os.environ, "BPFTRACE_CACHE_USER_SYMBOLS": "1"})
        wait_for(lambda: "Attaching" in self.text() or self.proc.poll() is not None, 30, "bpftrace")
        assert self.proc.poll() is None, self.text()

    def text(self):
        self.out.seek(0)
        return self.out.read()

    def stop(self):
        """{(signal, function): deliveries}"""
        if self.proc.poll() is None:
            self.proc.send_signal(2)
            try:
                self.proc.wait(180)  # it symbolizes every stack it kept (cached: seconds)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise
        counts = {}
        for sig, frame, n in re.findall(r"@\[(\d+),\s*\n\s*(\S+)\s*\n\]: (\d+)", self.text()):
            key = (int(sig), re.sub(r"\+\d+$", "", frame))
            counts[key] = counts.get(key, 0) + int(n)
        return counts


TRAMPOLINES = []  # [uprobes-trampoline] pages of the node being watched (Linux 6.17+)


def in_site_path(frame):
    if frame.startswith("dwcp_go_site_") or frame.endswith("metrics.callSite.abi0"):
        return True
    if frame.startswith("0x"):
        address = int(frame, 16)
        return any(lo <= address < hi for lo, hi in TRAMPOLINES)
    return False


def in_sites(counts, sig):
    """Deliveries of sig while a probe's C site (dwcp_go_site_*), the
    assembly calling it or the kernel's uprobe trampoline called from the
    site ran."""
    return sum(n for (s, f), n in counts.items() if s == sig and in_site_path(f))


def trampolines(pid):
    pages = []
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            if line.rstrip().endswith("[uprobes-trampoline]"):
                lo, hi = line.split()[0].split("-")
                pages.append((int(lo, 16), int(hi, 16)))
    return pages


def stress_comments(ledger_path):
    text = open(ledger_path).read()
    return {k: int(v) for k, v in re.findall(r"^# stress (\w+) (\d+)$", text, re.M)}


def run_traced(binary, *extra, watch=True, hammer=HAMMER):
    """The node under the exporter; returns (ledger, stress comments,
    signal deliveries). Checks the counts, the threads and a clean exit."""
    node = GoNode(*NODE_ARGS, *hammer, *extra, binary=binary, gomaxprocs=GOMAXPROCS)
    try:
        watcher = SignalWatch(node.pid) if watch else None
        try:
            with Exporter(binaries=(binary,), extra_args=("--stream.grace", "10m")) as exporter:
                ledger = node.ledger(timeout=600)
                stressed = stress_comments(node.ledger_path)
                TRAMPOLINES[:] = trampolines(node.pid)
                assert_matches_ledger(exporter.samples(), ledger)
        finally:
            signals = watcher.stop() if watcher else {}
        # a clean exit on SIGTERM (its lingering end)
        node.proc.terminate()
        rc = node.proc.wait(60)
        err = node.proc.stderr.read()
    finally:
        node.stop()
    assert rc == 0, err[-3000:]
    assert "DATA RACE" not in err and "fatal error" not in err and "panic" not in err, err[-3000:]
    print("stress %s; SIGURG in sites %d, SIGPROF in sites %d; deliveries %s" % (
        stressed, in_sites(signals, SIGURG), in_sites(signals, SIGPROF), sorted(signals.items())[:12]))
    return ledger, stressed, signals


@pytest.fixture(params=go_toolchains.NAMES, ids=lambda n: "go" + n)
def go_name(request):
    return request.param


def test_preemption_gc_and_stack_moves_around_traced_calls(go_name, tmp_path):
    binary = private_copy(go_toolchains.node(go_name), tmp_path)
    ledger, stressed, signals = run_traced(binary, "--stress-gc", "--stress-stack", "--stress-preempt")
    # every stream's bytes (its id read from the goroutine's stack by the
    # probe) were checked above; here, that the stress happened
    streams = [k for k in ledger if k[0] == "dwcp_amst_bytes_sent_total"]
    assert len(streams) == GOROUTINES * 2
    assert stressed["gc"] >= 100, stressed
    assert stressed["sigurg"] > 0, stressed
    assert in_sites(signals, SIGURG) > 0, signals


def profiled_seconds(header):
    """The CPU time a pprof report's header counts ("Total samples = 1.23s")."""
    m = re.search(r"Total samples = ([0-9.]+)(ms|s|mins|hrs)\b", header)
    assert m, header
    return float(m.group(1)) * {"ms": 1e-3, "s": 1, "mins": 60, "hrs": 3600}[m.group(2)]


def test_cpu_profile_while_traced_calls_run(go_name, tmp_path):
    binary = private_copy(go_toolchains.node(go_name), tmp_path)
    profile = tmp_path / "cpu.pprof"
    ledger, stressed, signals = run_traced(binary, "--cpuprofile", profile)
    # a SIGPROF arrived while a thread was inside a probe site (the signal
    # watch sees where each delivery lands), and the run stayed exact
    assert in_sites(signals, SIGPROF) > 0, signals
    # the profile is whole and readable. Whether one of its samples lands
    # in the sites is chance (a run profiles about 0.3 s at 100 Hz, the
    # sites are a small share of it), so the watch above is what proves it
    p = subprocess.run([go_toolchains.go(go_name), "tool", "pprof", "-traces", str(binary), str(profile)],
                       capture_output=True, text=True, timeout=120, env=go_toolchains.env())
    assert p.returncode == 0, p.stderr
    header, *stacks = p.stdout.split("-----------+-------------------------------------------------------")
    assert profiled_seconds(header) >= 0.1 and stacks, p.stdout[-3000:]


def test_race_detector_with_traced_calls(go_name, tmp_path):
    binary = private_copy(go_toolchains.node(go_name, ("-race",)), tmp_path)
    # the race detector makes every call many times slower: fewer events
    run_traced(binary, "--stress-gc", watch=False, hammer=("--hammer", 5))
