# SPDX-License-Identifier: Apache-2.0
"""configs/systemd/dwcp-bpf-exporter.service: systemd accepts it, its
exposure score stays low, and its system call allow list covers every system
call the real exporter makes while it attaches, counts and serves.

systemd is not PID 1 here, so the unit is checked offline: `systemd-analyze
verify` and `security --offline`, and the allow list against strace."""
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from harness import EXPORTER, ROOT, SIM, Sim, free_port, private_copy, wait_for

UNIT = ROOT / "configs" / "systemd" / "dwcp-bpf-exporter.service"
# systemd's own scale: 0 (locked down) .. 10 (unprotected); < 4.0 is its "OK".
MAX_EXPOSURE = 3.0

pytestmark = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")


def unit_settings(text):
    """{key: [values]} of the [Service] section (comments dropped)."""
    settings, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]":
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


@pytest.fixture
def unit_with_real_binary(tmp_path):
    """The unit with ExecStart pointing at the built exporter, so verify
    checks everything else instead of stopping at a missing /usr/bin one."""
    text = UNIT.read_text()
    exec_start = unit_settings(text)["ExecStart"][0]
    assert exec_start.startswith("/usr/bin/dwcp-bpf-exporter ")
    copy = tmp_path / UNIT.name
    copy.write_text(text.replace("/usr/bin/dwcp-bpf-exporter", str(EXPORTER)))
    return copy


def test_verify(unit_with_real_binary):
    # --man=no: Documentation=man:dwcp-bpf-exporter(1) is in the package
    # (test_package.py), not in this machine's man path
    p = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit_with_real_binary)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0 and not p.stderr.strip() and not p.stdout.strip(), p.stdout + p.stderr


def test_verify_fails_on_a_broken_unit(tmp_path, unit_with_real_binary):
    """verify does complain about a bad value, so the silence above means something."""
    broken = tmp_path / "broken" / UNIT.name
    broken.parent.mkdir()
    broken.write_text(unit_with_real_binary.read_text().replace("ProtectSystem=strict", "ProtectSystem=sometimes"))
    p = subprocess.run(["systemd-analyze", "verify", "--man=no", str(broken)], capture_output=True, text=True, timeout=60)
    assert "protect system value" in p.stderr and "sometimes" in p.stderr, p.stderr


def test_security_exposure_score(unit_with_real_binary):
    p = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", str(unit_with_real_binary)],
                       capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", p.stdout)
    assert m, p.stdout + p.stderr
    score = float(m.group(1))
    print("systemd-analyze security exposure score: %.1f" % score)
    assert score < MAX_EXPOSURE, p.stdout


def test_hardening_settings_present():
    s = unit_settings(UNIT.read_text())
    caps = set(s["CapabilityBoundingSet"][-1].split())
    assert caps == {"CAP_BPF", "CAP_PERFMON", "CAP_SYS_ADMIN"}, caps
    for key, value in [("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "read-only"),
                       ("PrivateTmp", "yes"), ("MemoryDenyWriteExecute", "yes"), ("LockPersonality", "yes"),
                       ("RestrictRealtime", "yes"), ("SystemCallArchitectures", "native"),
                       ("ProtectKernelModules", "yes"), ("ProtectControlGroups", "yes")]:
        assert s.get(key) == [value], (key, s.get(key))
    assert set(s["RestrictAddressFamilies"][0].split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}
    # the pinned maps are the only thing it writes; under systemd 252
    # ProtectKernelTunables=yes would keep them read-only (tests/systemd),
    # so the unit makes the same views read-only itself
    assert s["ReadWritePaths"] == ["/sys/fs/bpf"]
    assert "ProtectKernelTunables" not in s
    assert {"/sys", "/proc/sys"} <= set(s["ReadOnlyPaths"][0].split())


def syscall_groups():
    """{"@group": [members]} from systemd's own tables; members may be groups."""
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    groups, current = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif current is not None and line.strip() and not line.strip().startswith("#"):
            current.append(line.strip())
        elif not line.strip():
            current = None
    return groups


def allowed_syscalls(filter_lines):
    """The allow list that SystemCallFilter= lines make: allow entries add,
    "~" entries remove, in order (the first line must be an allow list)."""
    groups = syscall_groups()

    def expand(name, seen=()):
        if not name.startswith("@"):
            return {name}
        assert name in groups, "unknown syscall group %s" % name
        out = set()
        for member in groups[name]:
            if member not in seen:
                out |= expand(member, seen + (name,))
        return out

    allowed = set()
    for i, line in enumerate(filter_lines):
        deny = line.startswith("~")
        names = set()
        for item in line.lstrip("~").split():
            names |= expand(item)
        assert not (deny and i == 0), "the first SystemCallFilter= must be an allow list"
        allowed = allowed - names if deny else allowed | names
    return allowed


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace not installed")
def test_syscall_filter_allows_what_the_exporter_calls(tmp_path):
    allowed = allowed_syscalls(unit_settings(UNIT.read_text())["SystemCallFilter"])
    assert {"bpf", "perf_event_open", "accept4", "openat"} <= allowed
    sim = private_copy(SIM, tmp_path)
    port = free_port()
    trace = tmp_path / "strace.txt"
    log = tempfile.TemporaryFile(mode="w+")
    tracer = subprocess.Popen(["strace", "-f", "-qq", "-o", str(trace), str(EXPORTER), "--binary", str(sim),
                               "--no-bpf.pin", "--web.listen-address", "127.0.0.1:%d" % port],
                              stdout=log, stderr=subprocess.STDOUT)
    import urllib.request

    def get(path, headers=None):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read()
        except OSError:
            return None, b""

    try:
        wait_for(lambda: tracer.poll() is not None or get("/ready")[0] == 200, 60, "traced exporter /ready")
        assert tracer.poll() is None, log.seek(0) or log.read()
        with Sim("--duration", "1", binary=sim, linger=False) as s:
            s.ledger()
        status, body = get("/metrics")
        assert status == 200 and b"dwcp_amst_bytes_sent_total" in body
        assert get("/metrics", {"Accept-Encoding": "gzip"})[0] == 200
        assert get("/metrics", {"Accept": "application/openmetrics-text; version=1.0.0"})[0] == 200
        get("/")
    finally:
        # SIGTERM to the traced exporter itself (strace passes it on only to
        # the tracee it was meant for), then strace ends with it.
        children = Path("/proc/%d/task/%d/children" % (tracer.pid, tracer.pid)).read_text().split() \
            if tracer.poll() is None else []
        for pid in children:
            subprocess.run(["kill", "-TERM", pid])
        try:
            tracer.wait(30)
        except subprocess.TimeoutExpired:
            tracer.send_signal(signal.SIGKILL)
            tracer.wait()
    used = set()
    for line in trace.read_text().splitlines():
        m = re.match(r"\d+\s+([a-z0-9_]+)\(", line)
        if m:
            used.add(m.group(1))
    assert "bpf" in used and "perf_event_open" in used, sorted(used)
    missing = sorted(used - allowed)
    assert not missing, "the exporter calls %s, which the unit's SystemCallFilter= would refuse" % missing


def test_socket_unit_verifies_with_its_service(tmp_path, unit_with_real_binary):
    socket_unit = ROOT / "configs" / "systemd" / "dwcp-bpf-exporter.socket"
    (tmp_path / socket_unit.name).write_text(socket_unit.read_text())
    p = subprocess.run(["systemd-analyze", "verify", "--man=no", str(tmp_path / socket_unit.name)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and not p.stderr.strip(), p.stdout + p.stderr
    text = socket_unit.read_text()
    assert "ListenStream=9477" in text and "Accept=no" in text
    # the service it starts (by name) serves on the socket when told so
    assert "$ARGS" in unit_settings(UNIT.read_text())["ExecStart"][0]
    assert unit_settings(UNIT.read_text())["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
