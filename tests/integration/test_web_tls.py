# SPDX-License-Identifier: Apache-2.0
"""--web.config.file's TLS with real handshakes (curl and openssl s_client)
against certificates from test CAs made here: every client_auth_type with no
certificate, one from another CA and the right one; allowed SANs; inline
PEM; cipher suites and curves refused at the handshake; reloads from plain
TLS to mutual TLS and back; and a real Prometheus scraping over mutual TLS
with basic auth."""
import subprocess
import time

import pytest

from prom import Prometheus
from test_web_config import WebExporter, bcrypt, curl


def openssl(*args, stdin=None):
    subprocess.run(["openssl", *args], check=True, input=stdin, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


class CA:
    """A test certificate authority (EC P-256) that signs leaves."""

    def __init__(self, directory, name):
        self.dir, self.name = directory, name
        self.crt, self.key = directory / (name + ".crt"), directory / (name + ".key")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", str(self.key), "-out", str(self.crt), "-days", "2", "-subj", "/CN=" + name,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")

    def leaf(self, name, san, usage):
        """(cert, key) for name with subjectAltName san and extendedKeyUsage usage."""
        crt, key, csr, ext = (self.dir / (name + s) for s in (".crt", ".key", ".csr", ".ext"))
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key),
                "-out", str(csr), "-subj", "/CN=" + name)
        ext.write_text("subjectAltName=%s\nextendedKeyUsage=%s\n" % (san, usage))
        openssl("x509", "-req", "-in", str(csr), "-CA", str(self.crt), "-CAkey", str(self.key), "-CAcreateserial",
                "-out", str(crt), "-days", "2", "-extfile", str(ext))
        return crt, key


@pytest.fixture
def pki(tmp_path):
    """The server's CA and certificate, the client CA and its client, and a
    stranger from another CA with the same names."""
    server_ca, client_ca, other_ca = CA(tmp_path, "server-ca"), CA(tmp_path, "client-ca"), CA(tmp_path, "other-ca")
    p = {
        "server_ca": server_ca.crt,
        "server": server_ca.leaf("server", "DNS:localhost,IP:127.0.0.1", "serverAuth"),
        "client_ca": client_ca.crt,
        "client": client_ca.leaf("client", "DNS:prometheus.example,URI:spiffe://dwcp/prometheus", "clientAuth"),
        "stranger": other_ca.leaf("stranger", "DNS:prometheus.example", "clientAuth"),
        "server_auth_only": client_ca.leaf("serveronly", "DNS:prometheus.example", "serverAuth"),
    }
    return p


def tls_config(pki, extra="", ca=True):
    text = "tls_server_config:\n  cert_file: %s\n  key_file: %s\n" % pki["server"]
    if ca:
        text += "  client_ca_file: %s\n" % pki["client_ca"]
    return text + extra


def status_with(e, pki, who, *args):
    """HTTP status of /health for a client presenting who's certificate (None: none); 0 if the handshake
    or the connection failed."""
    cert = ("--cert", str(pki[who][0]), "--key", str(pki[who][1])) if who else ()
    return curl(e.base + "/health", "--cacert", str(pki["server_ca"]), *cert, *args)[1]


def s_client(e, pki, who, *args):
    """openssl s_client's exit code and output for one request."""
    cert = ("-cert", str(pki[who][0]), "-key", str(pki[who][1])) if who else ()
    p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % e.port, "-CAfile", str(pki["server_ca"]),
                        "-verify_return_error", "-quiet", *cert, *args],
                       input=b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20)
    return p.returncode, p.stdout.decode("latin-1")


# client_auth_type: the status with no certificate, a stranger's, the client's
AUTH_TYPES = {
    "NoClientCert": (200, 200, 200),
    "RequestClientCert": (200, 200, 200),
    "RequireAnyClientCert": (0, 200, 200),
    "VerifyClientCertIfGiven": (200, 0, 200),
    "RequireAndVerifyClientCert": (0, 0, 200),
}


@pytest.mark.parametrize("auth", sorted(AUTH_TYPES))
@pytest.mark.parametrize("tls", ["1.2", "1.3"])
def test_client_auth_types(tmp_path, pki, auth, tls):
    config = tls_config(pki, "  client_auth_type: %s\n" % auth, ca=auth != "NoClientCert")
    version = ("--tlsv" + tls, "--tls-max", tls)
    with WebExporter(tmp_path, config, ("--cacert", str(pki["server_ca"]), "--cert", str(pki["client"][0]),
                                        "--key", str(pki["client"][1]))) as e:
        got = tuple(status_with(e, pki, who, *version) for who in (None, "stranger", "client"))
        assert got == AUTH_TYPES[auth], (auth, tls, got, e.output()[-2000:])
        if auth == "RequireAndVerifyClientCert":
            # a certificate for servers only is not one for clients (extended key usage), as in Go
            assert status_with(e, pki, "server_auth_only", *version) == 0
            assert "client certificate not verified" in e.output(), e.output()[-2000:]
            # openssl too: the handshake fails (libmicrohttpd closes the
            # connection), the right certificate is served
            rc, out = s_client(e, pki, None, "-tls" + tls.replace(".", "_"))
            assert rc != 0 and "HTTP/1.1 200" not in out, out
            rc, out = s_client(e, pki, "client", "-tls" + tls.replace(".", "_"))
            assert rc == 0 and "HTTP/1.1 200" in out, out


def test_allowed_sans_and_inline_pem(tmp_path, pki):
    def indent(path):
        return "".join("    " + line + "\n" for line in path.read_text().splitlines())

    inline = ("tls_server_config:\n  cert: |\n%s  key: |\n%s  client_ca: |\n%s"
              "  client_auth_type: RequireAndVerifyClientCert\n"
              % (indent(pki["server"][0]), indent(pki["server"][1]), indent(pki["client_ca"])))
    client = ("--cacert", str(pki["server_ca"]), "--cert", str(pki["client"][0]), "--key", str(pki["client"][1]))
    with WebExporter(tmp_path, inline, client) as e:
        assert status_with(e, pki, "client") == 200
        assert status_with(e, pki, "stranger") == 0
        assert status_with(e, pki, None) == 0

        for sans, want in ((["prometheus.example"], 200), (["spiffe://dwcp/prometheus"], 200),
                           (["other.example", "127.0.0.1"], 0)):
            e.reload(inline + "  client_allowed_sans: [%s]\n" % ", ".join('"%s"' % s for s in sans),
                     "web config reloaded")
            assert status_with(e, pki, "client") == want, (sans, e.output()[-1500:])
            assert status_with(e, pki, "stranger") == 0
        assert "could not find allowed SANs in client cert, found: [other.example 127.0.0.1]" in e.output()

        # with RequireAnyClientCert the SANs are checked on an unverified certificate, as in Go
        e.reload(inline.replace("RequireAndVerifyClientCert", "RequireAnyClientCert")
                 + "  client_allowed_sans: [prometheus.example]\n", "web config reloaded")
        assert status_with(e, pki, "stranger") == 200
        assert status_with(e, pki, "server_auth_only") == 200
        assert status_with(e, pki, None) == 0


def test_cipher_suites_and_curves(tmp_path, pki):
    base = tls_config(pki, ca=False)
    ca = ("--cacert", str(pki["server_ca"]))
    with WebExporter(tmp_path, base + "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]\n", ca) as e:
        tls12 = ("--tls-max", "1.2")
        assert status_with(e, pki, None, *tls12, "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256") == 200
        # a suite outside the list: refused at the handshake, by curl and openssl
        assert status_with(e, pki, None, *tls12, "--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384") == 0
        assert status_with(e, pki, None, *tls12, "--ciphers", "ECDHE-ECDSA-CHACHA20-POLY1305") == 0
        rc, out = s_client(e, pki, None, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384")
        assert rc != 0 and "HTTP/1.1 200" not in out, out
        rc, out = s_client(e, pki, None, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")
        assert rc == 0 and "HTTP/1.1 200" in out, out
        # a client offering both gets the listed one
        assert status_with(e, pki, None, *tls12, "--ciphers",
                           "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256") == 200
        # TLS 1.3 suites are not configurable, as in Go: any of them works
        for suite in ("TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"):
            assert status_with(e, pki, None, "--tlsv1.3", "--tls13-ciphers", suite) == 200, suite

        # curves: only P-384 for the key exchange
        e.reload(base + "  curve_preferences: [CurveP384]\n", "web config reloaded")
        assert status_with(e, pki, None, "--tlsv1.3", "--curves", "P-384") == 200
        assert status_with(e, pki, None, "--tlsv1.3", "--curves", "X25519:P-256") == 0
        rc, out = s_client(e, pki, None, "-tls1_3", "-groups", "X25519")
        assert "HTTP/1.1 200" not in out, out
        e.reload(base + "  curve_preferences: [X25519, CurveP256]\n", "web config reloaded")
        assert status_with(e, pki, None, "--tlsv1.3", "--curves", "X25519") == 200
        assert status_with(e, pki, None, "--tlsv1.3", "--curves", "P-384") == 0


def test_headers_and_http2(tmp_path, pki):
    config = (tls_config(pki, ca=False)
              + "http_server_config:\n  http2: true\n  headers:\n"
              "    X-Frame-Options: deny\n    X-Content-Type-Options: nosniff\n"
              "    Strict-Transport-Security: max-age=31536000; includeSubDomains\n"
              "    Content-Security-Policy: \"default-src 'self'\"\n    X-XSS-Protection: 1; mode=block\n"
              "basic_auth_users:\n  alice: %s\n" % bcrypt("pw", rounds=2 ** 4))
    ca = ("--cacert", str(pki["server_ca"]))
    want = {"x-frame-options": "deny", "x-content-type-options": "nosniff",
            "strict-transport-security": "max-age=31536000; includeSubDomains",
            "content-security-policy": "default-src 'self'", "x-xss-protection": "1; mode=block"}
    with WebExporter(tmp_path, config, ca + ("-u", "alice:pw")) as e:
        for path, who, code in (("/metrics", "alice:pw", 200), ("/nope", "alice:pw", 404), ("/", "alice:x", 401)):
            rc, status, headers, _ = curl(e.base + path, *ca, "-u", who)
            assert status == code, (path, status)
            for k, v in want.items():
                assert headers.get(k) == v, (path, k, headers)
        # http2 is accepted; ALPN settles on HTTP/1.1, which is what is served
        p = subprocess.run(["curl", "-sS", "--http2", "-o", "/dev/null", "-w", "%{http_version}", *ca, "-u",
                            "alice:pw", e.base + "/health"], stdout=subprocess.PIPE, check=True)
        assert p.stdout == b"1.1", p.stdout
        rc, out = s_client(e, pki, None, "-alpn", "h2,http/1.1")
        assert "ALPN protocol: http/1.1" in out or "HTTP/1.1 401" in out, out


def test_rate_limit(tmp_path, pki):
    config = "rate_limit:\n  interval: 2s\n  burst: 3\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n"
    with WebExporter(tmp_path, config, scheme="http") as e:
        time.sleep(6.5)  # the readiness polls took tokens: full again
        got = [curl(e.base + "/health")[1] for _ in range(5)]
        assert got == [200, 200, 200, 429, 429], got
        rc, status, headers, body = curl(e.base + "/metrics")
        assert status == 429 and body == b"too many requests\n" and headers.get("x-frame-options") == "deny"
        # less than a token now (the last request was refused): after one
        # interval and a bit, a request passes; then no more than the
        # tokens that can have come back (one every 2 s)
        time.sleep(2.2)
        t0 = time.monotonic()
        got = [curl(e.base + "/health")[1] for _ in range(4)]
        elapsed = time.monotonic() - t0
        assert got[0] == 200 and 429 in got and got.count(200) <= 2 + elapsed / 2, (got, elapsed)
        # counted by code
        time.sleep(2.2)
        body = curl(e.base + "/metrics")[3]
        assert b'dwcp_bpf_exporter_http_requests_total{code="429"} ' in body, body[-1500:]
        # a reload without rate_limit lifts it
        e.reload("", "web config reloaded")
        assert {curl(e.base + "/health")[1] for _ in range(10)} == {200}


def test_reload_tls_to_mutual_tls_and_back(tmp_path, pki):
    plain = tls_config(pki, ca=False)
    mutual = tls_config(pki, "  client_auth_type: RequireAndVerifyClientCert\n")
    with WebExporter(tmp_path, plain, ("--cacert", str(pki["server_ca"]))) as e:
        port = e.port
        assert status_with(e, pki, None) == 200
        e.reload(mutual, "web config reloaded")
        assert status_with(e, pki, None) == 0
        assert status_with(e, pki, "stranger") == 0
        assert status_with(e, pki, "client") == 200
        # a bad file keeps mutual TLS
        log = e.reload(mutual.replace("RequireAndVerifyClientCert", "RequireAndVerify"), "web config reload failed")
        assert "line 5: tls_server_config.client_auth_type: invalid ClientAuth" in log and "RequireAndVerify" in log, log
        assert status_with(e, pki, None) == 0 and status_with(e, pki, "client") == 200
        e.reload(plain, "web config reloaded")
        assert status_with(e, pki, None) == 200
        assert e.port == port and e.proc.poll() is None


def test_prometheus_scrapes_over_mutual_tls_with_basic_auth(tmp_path, pki):
    config = (tls_config(pki, "  client_auth_type: RequireAndVerifyClientCert\n"
                         "  client_allowed_sans: [prometheus.example]\n")
              + "basic_auth_users:\n  prometheus: %s\n" % bcrypt("scrape-pw", rounds=2 ** 4))
    client = ("--cacert", str(pki["server_ca"]), "--cert", str(pki["client"][0]), "--key", str(pki["client"][1]),
              "-u", "prometheus:scrape-pw")
    with WebExporter(tmp_path, config, client) as e:
        def job(name, cert, password):
            return ("  - job_name: %s\n    scrape_interval: 1s\n    scheme: https\n"
                    "    basic_auth: {username: prometheus, password: %s}\n"
                    "    tls_config:\n      ca_file: %s\n      cert_file: %s\n      key_file: %s\n"
                    "      server_name: localhost\n"
                    "    static_configs: [{targets: ['127.0.0.1:%d']}]\n"
                    % (name, password, pki["server_ca"], cert[0], cert[1], e.port))
        prom_config = ("global: {scrape_interval: 1s}\nscrape_configs:\n" + job("mtls", pki["client"], "scrape-pw")
                       + job("stranger", pki["stranger"], "scrape-pw") + job("wrongpw", pki["client"], "nope"))
        with Prometheus(prom_config, name="web-mtls") as prom:
            def up():
                r = {s["metric"]["job"]: s["value"][1] for s in prom.query("up")}
                return r if len(r) == 3 and r["mtls"] == "1" else None
            got = prom.wait_for(up, 60, "three jobs scraped, mtls up")
            assert got == {"mtls": "1", "stranger": "0", "wrongpw": "0"}, got
            info = prom.wait_for(lambda: prom.query('dwcp_bpf_exporter_build_info{job="mtls"}'), 30, "build_info")
            assert len(info) == 1, info
            health = {t["labels"]["job"]: t["lastError"] for t in prom.targets()}
            assert "401" in health["wrongpw"], health
            assert health["stranger"], health
