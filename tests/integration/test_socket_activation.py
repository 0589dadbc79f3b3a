# SPDX-License-Identifier: Apache-2.0
"""Socket activation: systemd-socket-activate (Debian's systemd package)
holds the listening socket and starts the exporter with --web.systemd-socket
on the first connection, as a .socket unit would; the exporter serves on the
socket it was given (LISTEN_FDS), plain and over TLS, and the first client's
request, queued while the exporter started, is answered."""
import subprocess
import time

from harness import EXPORTER, SIM, Sim, free_port, parse_samples, private_copy, remove_pins, stop_process, wait_for
from test_web_config import curl, make_cert


def activated(tmp_path, *extra):
    port = free_port()
    pins = "/sys/fs/bpf/dwcp-test-activated-%d" % port
    log = open(tmp_path / "activate.log", "w+")
    cmd = ["systemd-socket-activate", "-l", "127.0.0.1:%d" % port, str(EXPORTER), "--web.systemd-socket",
           "--binary", str(private_copy(SIM, tmp_path)), "--bpf.pin-path", pins, "--cluster", "c1", "--node", "n1",
           *map(str, extra)]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    # systemd-socket-activate says so once it listens
    wait_for(lambda: "Listening on" in open(tmp_path / "activate.log").read(), 10, "the socket to listen")
    return proc, port, pins, log


def output(log):
    log.seek(0)
    return log.read()


def test_activated_socket_serves_metrics(tmp_path):
    proc, port, pins, log = activated(tmp_path)
    try:
        # the first connection starts the exporter; it waits in the queue
        code, status, _, body = curl("http://127.0.0.1:%d/metrics" % port, timeout=30)
        assert code == 0 and status == 200, output(log)
        samples = parse_samples(body.decode())
        assert samples[("dwcp_bpf_attached_binaries", ())] == 1
        # the exporter runs in the activator's process (it execs), on fd 3
        assert "fd 3 (127.0.0.1:%d)" % port in output(log), output(log)
        with open("/proc/%d/cmdline" % proc.pid) as f:
            assert "dwcp-bpf-exporter" in f.read()
        assert curl("http://127.0.0.1:%d/ready" % port)[1] == 200
    finally:
        stop_process(proc)
        remove_pins(pins)
    assert proc.returncode == 0, output(log)
    assert "shutting down" in output(log)


def test_tls_over_an_activated_socket(tmp_path):
    cert, key = make_cert(tmp_path, "activated")
    web = tmp_path / "web.yml"
    web.write_text("tls_server_config:\n  cert_file: %s\n  key_file: %s\n" % (cert, key))
    proc, port, pins, log = activated(tmp_path, "--web.config.file", web)
    try:
        code, status, _, body = curl("https://127.0.0.1:%d/metrics" % port, "--cacert", str(cert), timeout=30)
        assert code == 0 and status == 200, output(log)
        assert b"dwcp_bpf_attached_binaries 1" in body
        # plain HTTP to the TLS socket gets no metrics
        code, status, _, _ = curl("http://127.0.0.1:%d/metrics" % port, timeout=5)
        assert status != 200
        assert "tls=on" in output(log)
    finally:
        stop_process(proc)
        remove_pins(pins)


def test_systemd_socket_without_systemd_is_a_clear_error(tmp_path):
    p = subprocess.run([str(EXPORTER), "--web.systemd-socket", "--binary", str(SIM), "--no-bpf.pin"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert "--web.systemd-socket: systemd passed no sockets" in p.stdout + p.stderr
