# SPDX-License-Identifier: Apache-2.0
"""Out of file descriptors, with a real exporter under a real RLIMIT_NOFILE
(set as prlimit --nofile=SOFT:HARD does) and copies of dwcp-sim as targets:
the exporter raises its soft limit to the hard one; when the hard one is
too low, the log and /ready name the errno and the limit (never "the binary
lacks probes"), dwcp_bpf_attach_errors_total counts each failed probe, a
failed accept is counted, logged and waited out (no spinning), and the
server answers again once descriptors are free. 16 targets with 200 and 300
wrk clients under the systemd unit's LimitNOFILE get every answer."""
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from harness import EXPORTER, ROOT, SIM, Exporter, by_label, free_port, parse_samples, private_copy, series, wait_for
from test_probe_contract import provider_probes

UNIT = ROOT / "configs" / "systemd" / "dwcp-bpf-exporter.service"
UNIT_LIMIT = int(re.search(r"^LimitNOFILE=(\d+)$", UNIT.read_text(), re.M).group(1))
ATTACH_FAILED = re.compile(r'msg="dwcp probes the binary carries could not be attached \(/ready is 503\)" '
                           r'binary=(\S+) attached=(\d+) failed=(\S+) errno=(\w+) error="([^"]*)" limit="([^"]*)"$',
                           re.M)
ACCEPT_FAILED = re.compile(r'msg="cannot accept HTTP connections; clients wait until it can" listen=\S+ '
                           r'errno=(\w+) error="([^"]*)" failures=(\d+) limit="([^"]*)"$', re.M)


def copies(tmp_path, n):
    """n copies of dwcp-sim, each its own inode (its own uprobes)."""
    out = []
    for i in range(n):
        d = tmp_path / ("t%d" % i)
        d.mkdir()
        out.append(private_copy(SIM, d))
    return out


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def nofile_limits(pid):
    """(soft, hard) "Max open files" of /proc/PID/limits."""
    line = next(l for l in Path("/proc/%d/limits" % pid).read_text().splitlines() if l.startswith("Max open files"))
    soft, hard = line.split()[3:5]
    return int(soft), int(hard)


def cpu_seconds(pid):
    fields = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_serving(e):
    """Until /health answers (/ready may rightly be 503)."""
    def health():
        if e.proc.poll() is not None:
            raise AssertionError("exporter exited %s:\n%s" % (e.proc.returncode, e.output()))
        try:
            return e.get("/health", timeout=2)[0] == 200
        except OSError:
            return False
    wait_for(health, 30, "exporter /health")


def wrk(url, clients, seconds):
    """Runs wrk; {requests, errors: {kind: n}, non_2xx}. A reply may take up
    to 10 s: on a shared 2-core machine 300 concurrent renders of 16
    binaries take over wrk's default 2 s, which is speed, not descriptors."""
    p = subprocess.run(["wrk", "-t2", "-c%d" % clients, "-d%ds" % seconds, "--timeout", "10s", url],
                       capture_output=True, text=True, timeout=seconds + 60)
    assert p.returncode == 0, p.stdout + p.stderr
    requests = int(re.search(r"^\s*(\d+) requests in", p.stdout, re.M).group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", p.stdout)
    errors = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups()))) if m else {}
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", p.stdout)
    return {"requests": requests, "errors": {k: v for k, v in errors.items() if v}, "non_2xx": int(m.group(1)) if m else 0,
            "text": p.stdout}


def test_soft_limit_is_raised_to_the_hard_one(tmp_path):
    with Exporter(binaries=copies(tmp_path, 1), extra_args=["--log.level", "debug"], nofile=(160, 4096)) as e:
        assert 'msg="open files limit (RLIMIT_NOFILE)" soft=160 hard=4096 soft_now=4096' in e.output(), e.output()
        assert nofile_limits(e.pid) == (4096, 4096)
        samples = e.samples()
        attached = by_label(samples, "dwcp_bpf_probe_attached", "probe")
        assert set(attached) == set(provider_probes()) and set(attached.values()) == {1}
        assert series(samples, "dwcp_bpf_attach_errors_total") == {}
        assert samples[("process_max_fds", ())] == 4096
        print("1 target: %d descriptors in use" % open_fds(e.pid))


def test_soft_limit_64_exits_naming_the_limit():
    p = subprocess.run(["prlimit", "--nofile=64:64", str(EXPORTER), "--no-bpf.pin", "--web.listen-address",
                        "127.0.0.1:%d" % free_port(), "--binary", str(SIM)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    assert p.returncode == 1, p.stdout
    assert re.search(r'level=error msg="load BPF object \w+: Too many open files; the process\'s open files limit '
                     r'\(RLIMIT_NOFILE\) 64 \(hard 64\) is reached: raise LimitNOFILE= in the systemd unit, or '
                     r'ulimit -n"', p.stdout), p.stdout


def test_hard_limit_160_names_the_limit_and_keeps_serving(tmp_path):
    binary, = copies(tmp_path, 1)
    with Exporter(binaries=[binary], nofile=(160, 160), wait_ready=False) as e:
        wait_serving(e)
        out = e.output()
        assert "lacks some dwcp probes" not in out and "has no dwcp probes" not in out, out
        lines = ATTACH_FAILED.findall(out)
        assert len(lines) == 1, out
        path, n_attached, failed, errno, error, limit = lines[0]
        failed = failed.split(",")
        assert (path, errno, error) == (str(binary), "EMFILE", "Too many open files")
        assert "open files limit (RLIMIT_NOFILE) 160 (hard 160) is reached" in limit

        status, _, body = e.get("/ready")
        body = body.decode()
        assert status == 503, body
        assert body.startswith("not ready: binary %s: %d of its dwcp probes not attached: %s: EMFILE (Too many "
                               "open files); the process's open files limit (RLIMIT_NOFILE) 160 (hard 160) is "
                               "reached" % (binary, len(failed), ",".join(failed))), body

        samples = e.samples()
        attached = by_label(samples, "dwcp_bpf_probe_attached", "probe")
        assert set(attached) == set(provider_probes())
        assert {p for p, v in attached.items() if v == 0} == set(failed)
        assert sum(attached.values()) == int(n_attached) and 0 < len(failed) < len(attached)
        assert by_label(samples, "dwcp_bpf_attach_errors_total", "probe", errno="EMFILE") == {p: 1 for p in failed}
        assert len(series(samples, "dwcp_bpf_attach_errors_total")) == len(failed)

        # idle, it answers and does not spin (libmicrohttpd's accept did)
        before = cpu_seconds(e.pid)
        time.sleep(2)
        assert cpu_seconds(e.pid) - before < 0.2
        for _ in range(20):
            assert e.get("/health")[0] == 200
        print("soft and hard limit 160: %d of %d probes attached, %d descriptors in use"
              % (int(n_attached), len(attached), open_fds(e.pid)))


def test_accept_failures_are_counted_logged_and_waited_out(tmp_path):
    with Exporter(binaries=copies(tmp_path, 1), nofile=(160, 160), wait_ready=False) as e:
        wait_serving(e)
        held = []
        answered = {}

        def late_client():
            started = time.monotonic()
            with socket.create_connection(("127.0.0.1", e.port), timeout=60) as s:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                reply = s.recv(100)
            answered["reply"], answered["at"] = reply, time.monotonic()

        try:
            # idle connections take every descriptor left; the rest wait in
            # the backlog (128)
            for _ in range(100):
                held.append(socket.create_connection(("127.0.0.1", e.port), timeout=5))
            started = time.monotonic()
            wait_for(lambda: ACCEPT_FAILED.search(e.output()), 10, "the accept failure in the log")
            client = threading.Thread(target=late_client)
            client.start()
            time.sleep(2)
            assert not answered, "answered while every descriptor was held"
        finally:
            for s in held:
                s.close()
        freed = time.monotonic()
        client.join(30)
        assert answered["reply"].startswith(b"HTTP/1.1 200"), answered
        # the accept is retried every 50 ms: served once descriptors are free
        assert answered["at"] - freed < 2.0, answered["at"] - freed

        wait_for(lambda: "accepting HTTP connections again" in e.output(), 10, "the recovery in the log")
        elapsed = time.monotonic() - started
        samples = e.samples()
        counted = by_label(samples, "dwcp_bpf_exporter_http_accept_errors_total", "errno")
        assert set(counted) == {"EMFILE", "ENFILE", "ENOBUFS", "ENOMEM", "other"}
        lines = ACCEPT_FAILED.findall(e.output())
        assert {(errno, error) for errno, error, _, _ in lines} == {("EMFILE", "Too many open files")}
        assert all("open files limit (RLIMIT_NOFILE) 160 (hard 160) is reached" in l[3] for l in lines)
        # rate-limited: a line per 10 s at most, each with the failures since
        # the one before (the count also holds those after the last line)
        assert len(lines) <= 1 + elapsed / 10, lines
        assert counted["EMFILE"] >= sum(int(l[2]) for l in lines) and counted["EMFILE"] > len(lines)
        assert counted["ENFILE"] == counted["ENOBUFS"] == counted["ENOMEM"] == counted["other"] == 0
        print("limit 160, 100 idle connections held: %d failed accepts, %d log lines; a waiting client answered "
              "%.2f s after they closed" % (counted["EMFILE"], len(lines), answered["at"] - freed))


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk not installed")
@pytest.mark.parametrize("soft,clients", [(1024, 300), (UNIT_LIMIT, 200)], ids=["soft-1024-300-clients",
                                                                              "unit-limit-200-clients"])
def test_16_targets_answer_every_client(tmp_path, soft, clients):
    """Under the unit's hard limit (systemd's default soft limit raised by
    the exporter, or the unit's own), 16 binaries and wrk's clients, every
    one answered 200 (--web.max-requests is raised to the clients: beyond
    it a scrape gets 503 by design)."""
    with Exporter(binaries=copies(tmp_path, 16), nofile=(soft, UNIT_LIMIT),
                  extra_args=["--web.max-requests", str(clients)]) as e:
        in_use = open_fds(e.pid)
        samples = e.samples()
        assert samples[("dwcp_bpf_attached_binaries", ())] == 16
        assert set(series(samples, "dwcp_bpf_probe_attached").values()) == {1}
        assert len(series(samples, "dwcp_bpf_probe_attached")) == 16 * len(provider_probes())
        result = wrk(e.url + "/metrics", clients, 5)
        assert result["errors"] == {} and result["non_2xx"] == 0, result["text"]
        assert result["requests"] >= clients, result["text"]
        counted = by_label(e.samples(), "dwcp_bpf_exporter_http_accept_errors_total", "errno")
        assert set(counted.values()) == {0}, counted
        assert e.get("/ready")[0] == 200
        print("16 targets, limit %d:%d: %d descriptors in use; wrk -c%d 5 s: %d scrapes answered, none failed"
              % (soft, UNIT_LIMIT, in_use, clients, result["requests"]))
