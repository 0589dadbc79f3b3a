# SPDX-License-Identifier: Apache-2.0
"""Start and stop the real programs the integration tests need.

dwcp-sim (with its ledger), dwcp-bpf-exporter (scraped over HTTP), and the
small probe programs of tests/programs. Every process started here is
stopped by the fixture or context manager that started it.
"""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
SIM = BUILD / "dwcp-sim"
EXPORTER = BUILD / "dwcp-bpf-exporter"
GO_NODE = BUILD / "dwcp-go-node"

# labels the exporter adds from its own flags
NODE_LABELS = ("cluster", "node", "source_node")


def private_copy(binary, directory):
    """A copy of binary with its own inode: uprobes attach per inode, so only
    processes of this copy are instrumented, whatever else runs on the host."""
    import shutil
    target = Path(directory) / Path(binary).name
    shutil.copy2(binary, target)
    return target


def stop_process(proc, sig=signal.SIGTERM, timeout=20):
    """Signals proc and waits; SIGKILL if it does not exit in time."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recv_all(sock):
    """Everything the peer sends until it closes; a reset ends it too (a
    server may close while the client still sends: what came first counts)."""
    reply = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return reply
            reply += chunk
    except ConnectionResetError:
        return reply


def wait_for(condition, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def _unescape(v):
    return re.sub(r'\\(.)', lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), v)


def parse_samples(text, drop_labels=()):
    """Exposition text -> {(name, ((label, value), ...)): float}."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, "unparsable exposition line: %r" % line
        labels = tuple(sorted((k, _unescape(v)) for k, v in _LABEL.findall(m.group(2) or "")
                              if k not in drop_labels))
        key = (m.group(1), labels)
        assert key not in samples, "duplicate series %r" % (key,)
        samples[key] = float(m.group(3))
    return samples


def series(samples, name, **labels):
    """Values of every series of name whose labels include labels."""
    want = set(labels.items())
    return {k: v for k, v in samples.items() if k[0] == name and want <= set(k[1])}


def unique_dict(pairs, what):
    """dict(pairs), failing on a key that comes twice: two values for one key
    are ambiguous, and keeping either would hide the problem."""
    out = {}
    for key, value in pairs:
        assert key not in out, "%s: %r twice (%r and %r)" % (what, key, out[key], value)
        out[key] = value
    return out


def by_label(samples, name, label, **labels):
    """{value of label: sample} for the series of name (whose labels include
    labels); fails if two series share a value of label."""
    return unique_dict(((dict(k[1])[label], v) for k, v in series(samples, name, **labels).items()),
                       "%s by %s" % (name, label))


class LedgerProcess:
    """A DWCP node process that writes a ledger of what it fired (dwcp-sim,
    dwcp-go-node); ledger() waits for and parses it."""

    def __init__(self, cmd, ledger=True, env=None, prefix="dwcp-node-"):
        self.dir = tempfile.TemporaryDirectory(prefix=prefix)
        self.ledger_path = Path(self.dir.name) / "ledger.prom" if ledger else None
        if ledger:
            cmd = [*cmd, "--ledger", str(self.ledger_path)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=None if env is None else {**os.environ, **env})
        self.pid = self.proc.pid
        self.name = Path(cmd[0]).name

    def ledger(self, timeout=60):
        wait_for(lambda: self.ledger_path.exists() or self.proc.poll() is not None, timeout,
                 "the ledger of " + self.name)
        if not self.ledger_path.exists():
            out, err = self.proc.communicate()
            raise AssertionError("%s exited %s without a ledger: %s" % (self.name, self.proc.returncode, err))
        return parse_samples(self.ledger_path.read_text())

    def fired(self):
        """{probe: times fired} from the ledger's comment lines."""
        return unique_dict(((m.group(1), int(m.group(2))) for m in
                            re.finditer(r"^# fired (\w+) (\d+)$", self.ledger_path.read_text(), re.M)),
                           "fired counts of the ledger")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        stop_process(self.proc, sig, timeout)
        self.proc.communicate()
        self.dir.cleanup()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Sim(LedgerProcess):
    """A dwcp-sim process."""

    def __init__(self, *args, binary=SIM, linger=True, ledger=True):
        cmd = [str(binary), "--quiet", *map(str, args)]
        if linger:
            cmd.append("--linger")
        super().__init__(cmd, ledger=ledger, prefix="dwcp-sim-")


class GoNode(LedgerProcess):
    """A dwcp-go-node process (usdt/go/node): the metrics package's probes
    in a Go binary, GOMAXPROCS threads running its goroutines."""

    def __init__(self, *args, binary=GO_NODE, linger=True, ledger=True, gomaxprocs=8):
        cmd = [str(binary), *map(str, args)]
        if linger:
            cmd.append("--linger")
        super().__init__(cmd, ledger=ledger, env={"GOMAXPROCS": str(gomaxprocs)}, prefix="dwcp-go-node-")


class Exporter:
    """A dwcp-bpf-exporter on a free loopback port, ready when constructed."""

    def __init__(self, binaries=(SIM,), extra_args=(), cluster="c1", node="n1", wait_ready=True, pin_path=None,
                 port=None, exe=EXPORTER, nofile=None):
        """pin_path: the bpffs directory for the maps; by default a fresh one
        for this exporter alone, removed when it stops. A test that restarts
        the exporter passes the same pin_path twice and removes it itself.
        cluster, node: None leaves the flag out (a config file may set it);
        port: a free one by default; exe: another build of the exporter;
        nofile: (soft, hard) RLIMIT_NOFILE to start it with, as prlimit
        --nofile=soft:hard does."""
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.own_pins = pin_path is None
        self.pin_path = pin_path or "/sys/fs/bpf/dwcp-test-%d-%d" % (os.getpid(), self.port)
        cmd = [str(exe), "--bpf.pin-path", self.pin_path, "--web.listen-address", "127.0.0.1:%d" % self.port,
               *map(str, extra_args)]
        if cluster is not None:
            cmd += ["--cluster", cluster]
        if node is not None:
            cmd += ["--node", node]
        for b in binaries:
            cmd += ["--binary", str(b)]
        self.log = tempfile.TemporaryFile(mode="w+")
        limit = None
        if nofile:
            import resource
            limit = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, nofile)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, text=True, preexec_fn=limit)
        self.pid = self.proc.pid
        if wait_ready:
            try:
                wait_for(self._ready, 30, "exporter /ready")
            except AssertionError:
                self.stop()
                raise AssertionError("exporter not ready; log:\n" + self.output())

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError("exporter exited %s:\n%s" % (self.proc.returncode, self.output()))
        try:
            return self.get("/ready")[0] == 200
        except OSError:
            return False

    def get(self, path, headers=None, timeout=10):
        req = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def scrape(self):
        status, _, body = self.get("/metrics")
        assert status == 200, "scrape answered %s: %r" % (status, body[:300])
        return body.decode()

    def samples(self, drop_node_labels=True):
        return parse_samples(self.scrape(), NODE_LABELS if drop_node_labels else ())

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self, sig=signal.SIGTERM, timeout=20):
        stop_process(self.proc, sig, timeout)
        if self.own_pins:
            remove_pins(self.pin_path)
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def remove_pins(pin_path):
    """bpffs directories are removed like any other (rm -r)."""
    import shutil
    shutil.rmtree(pin_path, ignore_errors=True)


def run_exporter_expecting_failure(*args, timeout=30):
    """Runs the exporter with args; returns (exit code, combined output)."""
    p = subprocess.run([str(EXPORTER), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout


def assert_matches_ledger(samples, ledger, rel=1e-9):
    """Every ledger sample is served with exactly that value (floats that the
    exporter derives by division within rel)."""
    problems = []
    for key, want in sorted(ledger.items()):
        got = samples.get(key)
        if got is None:
            problems.append("missing %s%s (ledger %r)" % (key[0], dict(key[1]), want))
        elif got != want and abs(got - want) > rel * max(abs(want), 1.0):
            problems.append("%s%s: exporter %r, ledger %r" % (key[0], dict(key[1]), got, want))
    assert not problems, "%d of %d ledger samples differ:\n  " % (len(problems), len(ledger)) + \
        "\n  ".join(problems[:40])
