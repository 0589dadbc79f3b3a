# SPDX-License-Identifier: Apache-2.0
"""The exporter's command line: clear errors and non-zero exits."""
import socket

from harness import BUILD, EXPORTER, SIM, Exporter, free_port, run_exporter_expecting_failure

import subprocess


def test_help_lists_every_flag():
    p = subprocess.run([str(EXPORTER), "--help"], capture_output=True, text=True)
    assert p.returncode == 0
    for flag in ("--binary", "--pid", "--cluster", "--node", "--web.listen-address", "--web.telemetry-path",
                 "--web.max-requests", "--stream.id-label", "--stream.grace", "--bpf.max-streams",
                 "--log.level", "--log.format", "--version", "--config.file", "--web.config.file",
                 "--capabilities.keep", "--bpf.stats", "--no-bpf.stats", "--bpf.pin-path", "--no-bpf.pin",
                 "--list-metrics", "--web.systemd-socket", "--config.check"):
        assert flag in p.stdout, flag


def test_version():
    p = subprocess.run([str(EXPORTER), "--version"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("dwcp-bpf-exporter ")


def test_missing_binary_that_can_never_be_attached():
    # a missing binary is waited for (test_wait_for_binary.py), except where
    # nothing could attach it later: --pid, and no capabilities kept
    import os
    for extra in (("--pid", str(os.getpid())), ("--capabilities.keep", "none")):
        code, out = run_exporter_expecting_failure("--binary", "/nonexistent/dwcp", *extra)
        assert code != 0 and "/nonexistent/dwcp" in out and "No such file" in out, (extra, out)


def test_binary_without_probes():
    code, out = run_exporter_expecting_failure("--binary", BUILD / "tests" / "dwcp_noprobes",
                                               "--web.listen-address", "127.0.0.1:%d" % free_port())
    assert code != 0 and "no dwcp USDT probes" in out


def test_bad_flags():
    for args, needle in ((["--binary", SIM, "--pid", "abc"], "--pid"),
                         (["--binary", SIM, "--stream.grace", "10"], "--stream.grace"),
                         (["--binary", SIM, "--log.level", "loud"], "--log.level"),
                         (["--binary", SIM, "--web.listen-address", "nocolon"], "--web.listen-address"),
                         (["--binary", SIM, "--bogus"], "--bogus"),
                         ([], "--binary")):
        code, out = run_exporter_expecting_failure(*args)
        assert code == 2 and needle in out, (args, out)


def test_port_in_use():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code, out = run_exporter_expecting_failure("--binary", SIM, "--web.listen-address", "127.0.0.1:%d" % port)
    assert code != 0 and "in use" in out


def test_endpoints():
    with Exporter() as e:
        assert e.get("/health")[0] == 200
        assert e.get("/ready")[0] == 200
        status, headers, body = e.get("/")
        assert status == 200 and b"/metrics" in body
        status, headers, _ = e.get("/metrics")
        assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        assert e.get("/nope")[0] == 404
        assert e.stop() == 0


def test_refuses_to_run_unprivileged():
    p = subprocess.run(["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", str(EXPORTER),
                        "--binary", str(SIM), "--web.listen-address", "127.0.0.1:%d" % free_port()],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert "not root" in p.stderr and "CAP_BPF" in p.stderr, p.stderr
