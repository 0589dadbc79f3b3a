# SPDX-License-Identifier: Apache-2.0
"""--web.config.file with real clients on loopback: TLS with a self-signed
certificate made here by openssl, minimum TLS versions, plain HTTP to the
TLS port, basic auth with bcrypt hashes made here by libcrypt, errors at
start naming file, line and key, and reloads on SIGHUP."""
import signal
import socket
import subprocess
import time
import warnings

import pytest

from harness import (SIM, EXPORTER, Exporter, private_copy, recv_all, remove_pins, run_exporter_expecting_failure,
                     wait_for)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # libcrypt's crypt(3), the one the exporter verifies with


def bcrypt(password, rounds=2 ** 10):
    h = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=rounds))
    assert h.startswith("$2b$"), h
    return h


def make_cert(directory, name):
    """A self-signed EC certificate for 127.0.0.1 and localhost."""
    cert, key = directory / (name + ".crt"), directory / (name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=" + name,
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def curl(url, *args, timeout=10):
    """(curl exit code, HTTP status or 0, headers lowercased, body)."""
    p = subprocess.run(["curl", "-sS", "--max-time", str(timeout), "-D", "-", "-o", "/dev/stderr",
                        "-w", "\n%{http_code}", *args, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout + 5)
    out = p.stdout.decode("latin-1")
    head, _, code = out.rpartition("\n")
    headers = {}
    for line in head.split("\r\n")[1:]:
        k, sep, v = line.partition(":")
        if sep:
            headers[k.strip().lower()] = v.strip()
    return p.returncode, int(code or 0), headers, p.stderr


class WebExporter(Exporter):
    """An exporter with a web config; ready when a request with these curl
    arguments gets a 200 from /ready."""

    def __init__(self, tmp_path, web_config, curl_args=(), scheme="https"):
        self.web_config = tmp_path / "web.yml"
        self.web_config.write_text(web_config)
        super().__init__(binaries=[private_copy(SIM, tmp_path)],
                         extra_args=["--web.config.file", self.web_config], wait_ready=False)
        self.base = "%s://127.0.0.1:%d" % (scheme, self.port)
        self.wait(curl_args)

    def wait(self, curl_args, scheme=None):
        if scheme:
            self.base = "%s://127.0.0.1:%d" % (scheme, self.port)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("exporter exited %s:\n%s" % (self.proc.returncode, self.output()))
            return curl(self.base + "/ready", *curl_args)[1] == 200
        try:
            wait_for(ready, 30, "exporter /ready")
        except AssertionError:
            self.stop()
            raise AssertionError("exporter not ready; log:\n" + self.output())

    def reload(self, text, expect_log):
        mark = len(self.output())
        self.web_config.write_text(text)
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: expect_log in self.output()[mark:], 10, "%r in the log" % expect_log)
        return self.output()[mark:]


@pytest.fixture
def certs(tmp_path):
    return make_cert(tmp_path, "server")


def test_tls_and_basic_auth(tmp_path, certs):
    cert, _ = certs
    config = ("tls_server_config:\n"
              "  cert_file: server.crt   # relative to this file\n"
              "  key_file: server.key\n"
              "basic_auth_users:\n"
              "  alice: %s\n"
              "  'bob': \"%s\"\n" % (bcrypt("s3cret:with colon"), bcrypt("hunter2", rounds=2 ** 4)))
    alice = ("--cacert", str(cert), "-u", "alice:s3cret:with colon")
    with WebExporter(tmp_path, config, alice) as e:
        rc, status, headers, body = curl(e.base + "/metrics", *alice)
        assert (rc, status) == (0, 200), body[:300]
        assert b"\ndwcp_bpf_exporter_build_info{" in body
        assert curl(e.base + "/metrics", "--cacert", str(cert), "-u", "bob:hunter2")[1] == 200

        for who in (["-u", "alice:wrong"], ["-u", "mallory:s3cret:with colon"], ["-u", "alice:"], []):
            for path in ("/metrics", "/health", "/ready", "/"):
                rc, status, headers, body = curl(e.base + path, "--cacert", str(cert), *who)
                assert status == 401, (who, path, status)
                assert headers.get("www-authenticate") == 'Basic realm="dwcp-bpf-exporter"', headers
                assert b"dwcp_" not in body

        # the 16 refusals are counted by code
        body = curl(e.base + "/metrics", *alice)[3]
        assert b'\ndwcp_bpf_exporter_http_requests_total{code="401"} 16\n' in body, body[-1500:]

        # the certificate is checked by the client: a wrong CA fails
        other, _ = make_cert(tmp_path, "other")
        rc, status, _, _ = curl(e.base + "/metrics", "--cacert", str(other), "-u", "alice:s3cret:with colon")
        assert rc != 0 and status == 0


def test_unknown_user_costs_as_much_as_a_wrong_password(tmp_path, certs):
    """No user enumeration by timing: an unknown user is checked against a
    bcrypt hash too (cost 2^12 makes the difference measurable)."""
    cert, _ = certs
    config = ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
              "basic_auth_users:\n  alice: %s\n" % bcrypt("secret", rounds=2 ** 12))
    with WebExporter(tmp_path, config, ("--cacert", str(cert), "-u", "alice:secret")) as e:
        def took(user):
            best = 1e9
            for _ in range(3):
                t0 = time.monotonic()
                assert curl(e.base + "/health", "--cacert", str(cert), "-u", user)[1] == 401
                best = min(best, time.monotonic() - t0)
            return best
        wrong, unknown = took("alice:nope"), took("nobody:nope")
        print("401 for a wrong password %.3f s, for an unknown user %.3f s" % (wrong, unknown))
        assert wrong > 0.05, "bcrypt at cost 12 should take a while: %.3f s" % wrong
        assert unknown > 0.5 * wrong, (wrong, unknown)


def test_plain_http_to_the_tls_port_gets_nothing(tmp_path, certs):
    cert, _ = certs
    config = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
    with WebExporter(tmp_path, config, ("--cacert", str(cert))) as e:
        rc, status, _, body = curl("http://127.0.0.1:%d/metrics" % e.port)
        assert rc != 0 and status == 0 and b"dwcp_" not in body
        with socket.create_connection(("127.0.0.1", e.port), timeout=10) as s:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            reply = recv_all(s)
        assert b"dwcp_" not in reply and b"HTTP/1.1 200" not in reply, reply[:200]
        # TLS still works after that
        assert curl(e.base + "/metrics", "--cacert", str(cert))[1] == 200


def test_min_version(tmp_path, certs):
    cert, _ = certs
    base = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
    with WebExporter(tmp_path, base, ("--cacert", str(cert))) as e:
        # the default minimum is TLS 1.2
        assert curl(e.base + "/health", "--cacert", str(cert), "--tls-max", "1.2")[1] == 200
        assert curl(e.base + "/health", "--cacert", str(cert), "--tlsv1.1", "--tls-max", "1.1")[1] == 0
        e.reload(base + "  min_version: TLS13\n", "web config reloaded")
        rc, status, _, _ = curl(e.base + "/health", "--cacert", str(cert), "--tls-max", "1.2")
        assert rc != 0 and status == 0
        assert curl(e.base + "/health", "--cacert", str(cert), "--tlsv1.3")[1] == 200


def test_bad_web_config_fails_at_start(tmp_path, certs):
    sim = private_copy(SIM, tmp_path)
    pins = "/sys/fs/bpf/dwcp-test-webcfg-%d" % time.monotonic_ns()
    cases = [
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS10\n",
         "web config %s line 4: tls_server_config.min_version: TLS10 is not supported"),
        ("basic_auth_users:\n  alice: plaintext\n",
         "web config %s line 2: basic_auth_users.alice: not a bcrypt hash"),
        ("tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n",
         "web config %s line 2: tls_server_config.cert_file: " + str(tmp_path / "missing.crt")
         + ": No such file or directory"),
    ]
    try:
        for text, want in cases:
            web = tmp_path / "bad.yml"
            web.write_text(text)
            code, out = run_exporter_expecting_failure(
                "--binary", sim, "--bpf.pin-path", pins, "--web.listen-address", "127.0.0.1:0",
                "--web.config.file", web)
            assert code != 0, out
            assert want % web in out, out
        code, out = run_exporter_expecting_failure(
            "--binary", sim, "--bpf.pin-path", pins, "--web.listen-address", "127.0.0.1:0",
            "--web.config.file", tmp_path / "nope.yml")
        assert code != 0 and "web config %s: No such file or directory" % (tmp_path / "nope.yml") in out, out
    finally:
        remove_pins(pins)


def test_reload_on_sighup(tmp_path, certs):
    cert, _ = certs
    with WebExporter(tmp_path, "basic_auth_users:\n  alice: %s\n" % bcrypt("one"), ("-u", "alice:one"),
                     scheme="http") as e:
        assert curl(e.base + "/health")[1] == 401
        # new users count from the next request
        e.reload("basic_auth_users:\n  bob: %s\n" % bcrypt("two"), "web config reloaded")
        assert curl(e.base + "/health", "-u", "alice:one")[1] == 401
        assert curl(e.base + "/health", "-u", "bob:two")[1] == 200

        # a broken file is refused and named; bob stays
        log = e.reload("basic_auth_users:\n  bob two\n", "web config reload failed")
        assert "line 2: basic_auth_users: must be a mapping" in log and str(e.web_config) in log, log
        assert curl(e.base + "/health", "-u", "bob:two")[1] == 200

        # TLS on, without a restart of the process and on the same port
        tls = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
        e.reload(tls + "basic_auth_users:\n  bob: %s\n" % bcrypt("two"), "web config reloaded")
        https = "https://127.0.0.1:%d" % e.port
        assert curl(https + "/metrics", "--cacert", str(cert), "-u", "bob:two")[1] == 200
        assert curl(e.base + "/metrics", "-u", "bob:two")[1] == 0

        # a new certificate for new connections
        make_cert(tmp_path, "server")
        assert curl(https + "/health", "--cacert", str(cert), "-u", "bob:two")[1] == 0
        e.reload(tls + "basic_auth_users:\n  bob: %s\n" % bcrypt("two"), "web config reloaded")
        assert curl(https + "/health", "--cacert", str(cert), "-u", "bob:two")[1] == 200
        assert e.proc.poll() is None


def test_certificate_rotation(tmp_path, certs):
    cert, _ = certs
    tls = "tls_server_config:\n  cert_file: %s\n  key_file: %s\n"
    with WebExporter(tmp_path, tls % certs, ("--cacert", str(cert))) as e:
        new_cert, new_key = make_cert(tmp_path, "rotated")
        e.reload(tls % (new_cert, new_key), "web config reloaded")
        assert curl(e.base + "/health", "--cacert", str(new_cert))[1] == 200
        rc, status, _, _ = curl(e.base + "/health", "--cacert", str(cert))
        assert rc != 0 and status == 0
        # a key that does not match its certificate is refused; the rotated pair stays
        log = e.reload(tls % (cert, new_key), "web config reload failed")
        assert "cert_file %s with key_file %s" % (cert, new_key) in log, log
        assert curl(e.base + "/health", "--cacert", str(new_cert))[1] == 200
