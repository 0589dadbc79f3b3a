# SPDX-License-Identifier: Apache-2.0
"""--config.check: the flags, the config file, the web config and every
binary checked without loading BPF or needing privileges; exit 0 when all
is well, 1 with every error named, 2 when the flags do not parse."""
import os
import re
import pathlib
import shutil
import subprocess
import tempfile

from harness import BUILD, EXPORTER, SIM
from test_web_config import bcrypt, make_cert


def check(*args, user=None):
    cmd = [str(EXPORTER), "--config.check", *map(str, args)]
    if user:
        cmd = ["setpriv", "--reuid", str(user), "--regid", str(user), "--clear-groups", "--inh-caps=-all",
               "--bounding-set=-all", *cmd]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


def test_good_configuration_passes_unprivileged():
    # pytest's tmp_path is root's alone: a folder nobody can read
    tmp_path = pathlib.Path(tempfile.mkdtemp(prefix="dwcp-config-check."))
    try:
        good_configuration_passes_unprivileged(tmp_path)
    finally:
        shutil.rmtree(tmp_path)


def good_configuration_passes_unprivileged(tmp_path):
    os.chmod(tmp_path, 0o755)
    sim = shutil.copy(SIM, tmp_path / "dwcp-sim")
    cert, key = make_cert(tmp_path, "check")
    for f in (cert, key):
        os.chmod(f, 0o644)
    web = tmp_path / "web.yml"
    web.write_text("tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  prom: %s\n"
                   % (cert, key, bcrypt("secret")))
    web.chmod(0o644)
    config = tmp_path / "exporter.yml"
    config.write_text("binary:\n  - %s\n  - %s\nweb.listen-address:\n  - 127.0.0.1:9477\n"
                      % (sim, tmp_path / "not-yet" / "dwcp-node"))
    config.chmod(0o644)
    # as nobody, with no capabilities: nothing is loaded or attached
    code, out = check("--config.file", config, "--web.config.file", web, user=65534)
    assert code == 0, out
    # every probe of the contract, however many it has
    assert re.search(r"ok: --binary %s: (\d+) of \1 dwcp probes\n" % re.escape(str(sim)), out), out
    assert "note: --binary %s does not exist yet" % (tmp_path / "not-yet" / "dwcp-node") in out
    assert "ok: web config %s: TLS, 1 basic auth user" % web in out
    assert "config check passed: 0 errors" in out


def test_every_error_is_named(tmp_path):
    web = tmp_path / "web.yml"
    web.write_text("tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n")
    code, out = check("--binary", BUILD / "tests" / "dwcp_noprobes", "--binary", "/etc/hostname",
                      "--binary", "/etc", "--web.config.file", web, "--web.listen-address", "bad.invalid:9477")
    assert code == 1, out
    assert "no dwcp USDT probes" in out and "dwcp_noprobes" in out
    assert "error: --binary /etc/hostname: not an ELF file" in out
    assert "error: --binary /etc: not a regular file" in out
    assert "nope.crt" in out
    assert "error: --web.listen-address bad.invalid:9477" in out
    assert "config check failed: 5 errors" in out


def test_flags_that_do_not_parse_exit_2():
    code, out = check("--binary", SIM, "--stream.grace", "soon")
    assert code == 2 and "--stream.grace" in out


def test_bad_config_file_exits_2(tmp_path):
    config = tmp_path / "exporter.yml"
    config.write_text("binary: [a, b\n")  # an unclosed flow list
    code, out = check("--config.file", config)
    assert code == 2 and str(config) in out and "line 1" in out
