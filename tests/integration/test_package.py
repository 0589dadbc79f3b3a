# SPDX-License-Identifier: Apache-2.0
"""make install and make deb: the package builds, lintian finds no error,
its Depends cover every library the exporter links, its layout is Debian's,
the exporter it holds is an ELF of the package's architecture, and the
exporter extracted from it into a temporary root runs against dwcp-sim and
counts exactly. make deb ARCH=arm64 likewise gives an arm64 package: lintian
clean, an AArch64 exporter, Depends from the arm64 sysroot's packages (its
counts are the kernel matrix's, in arm64 guests)."""
import gzip
import os
import re
import shutil
import subprocess

import pytest

from harness import BUILD, ROOT, SIM, Sim, assert_matches_ledger, free_port, private_copy, remove_pins, wait_for
from test_end_to_end import SIM_ARGS

VERSION = (ROOT / "VERSION").read_text().strip()
ARCH = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()
DEB = BUILD / ("dwcp-bpf-exporter_%s_%s.deb" % (VERSION, ARCH))
DEB_ARM64 = BUILD / "arm64" / ("dwcp-bpf-exporter_%s_arm64.deb" % VERSION)
SYSROOT_ARM64 = BUILD / "arm64" / "sysroot"
# readelf's Machine: for each Debian architecture
ELF_MACHINE = {"amd64": "Advanced Micro Devices X86-64", "arm64": "AArch64"}


@pytest.fixture(scope="module")
def deb():
    subprocess.run(["make", "--no-print-directory", "deb"], cwd=ROOT, check=True, capture_output=True, timeout=600)
    assert DEB.exists()
    return DEB


@pytest.fixture(scope="module")
def extracted(deb, tmp_path_factory):
    root = tmp_path_factory.mktemp("pkgroot")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root


def field(deb, name):
    return subprocess.run(["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_lintian_finds_no_errors(deb):
    p = subprocess.run(["lintian", "--fail-on", "error,warning", "-I", str(deb)], capture_output=True, text=True,
                       timeout=300)
    lines = [line for line in p.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert p.returncode == 0 and not lines, p.stdout + p.stderr


def test_depends_cover_every_linked_library(deb, extracted):
    depends = {d.split()[0] for d in field(deb, "Depends").split(", ")}
    needed = re.findall(r"\(NEEDED\).*\[(.+)\]", subprocess.run(
        ["readelf", "-d", str(extracted / "usr/bin/dwcp-bpf-exporter")], capture_output=True, text=True,
        check=True).stdout)
    assert "libbpf.so.1" in needed and "libmicrohttpd.so.12" in needed
    for lib in needed:
        owner = subprocess.run(["dpkg", "-S", "*/" + lib], capture_output=True, text=True).stdout.split(":")[0]
        assert owner in depends, "%s (from %s) not in Depends: %s" % (lib, owner, sorted(depends))


def test_layout(deb, extracted):
    files = set(subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True,
                               check=True).stdout.split())
    for path in ("./usr/bin/dwcp-bpf-exporter", "./usr/share/man/man1/dwcp-bpf-exporter.1.gz",
                 "./lib/systemd/system/dwcp-bpf-exporter.service", "./lib/systemd/system/dwcp-bpf-exporter.socket",
                 "./etc/dwcp-bpf-exporter/dwcp-bpf-exporter.yml", "./etc/default/dwcp-bpf-exporter",
                 "./usr/share/dwcp-bpf-exporter/prometheus/dwcp-recording-rules.yml",
                 "./usr/share/dwcp-bpf-exporter/prometheus/dwcp-alerts.yml",
                 "./usr/share/dwcp-bpf-exporter/dashboards/dwcp-dashboard.json",
                 "./usr/share/dwcp-bpf-exporter/bpftrace/dwcp-streams.bt",
                 "./usr/include/dwcp_probes.h", "./usr/share/dwcp-bpf-exporter/usdt/dwcp.d",
                 "./usr/share/doc/dwcp-bpf-exporter/copyright", "./usr/share/doc/dwcp-bpf-exporter/changelog.gz"):
        assert path in files, path
    conffiles = subprocess.run(["dpkg-deb", "-I", str(deb), "conffiles"], capture_output=True, text=True,
                               check=True).stdout.split()
    assert conffiles == ["/etc/dwcp-bpf-exporter/dwcp-bpf-exporter.yml", "/etc/default/dwcp-bpf-exporter"]
    unit = (extracted / "lib/systemd/system/dwcp-bpf-exporter.service").read_text()
    assert "ExecStart=/usr/bin/dwcp-bpf-exporter --config.file /etc/dwcp-bpf-exporter/dwcp-bpf-exporter.yml" in unit
    # the man page is --help's, flag by flag
    man = gzip.decompress((extracted / "usr/share/man/man1/dwcp-bpf-exporter.1.gz").read_bytes()).decode()
    man = re.sub(r"\\f[BIRP]", "", man).replace("\\-", "-")  # roff's fonts and escaped hyphens
    for flag in ("--binary", "--web.systemd-socket", "--config.check", "--web.max-requests"):
        assert flag in man, flag


def test_packaged_config_checks_and_exporter_counts_exactly(extracted, tmp_path):
    exporter = extracted / "usr/bin/dwcp-bpf-exporter"
    config = extracted / "etc/dwcp-bpf-exporter/dwcp-bpf-exporter.yml"
    p = subprocess.run([str(exporter), "--config.check", "--config.file", str(config)], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr
    sim = private_copy(SIM, tmp_path)
    port = free_port()
    pins = "/sys/fs/bpf/dwcp-test-package-%d" % port
    log = open(tmp_path / "exporter.log", "w+")
    # the packaged config, with this test's binary, port and pins on top
    proc = subprocess.Popen([str(exporter), "--config.file", str(config), "--binary", str(sim),
                             "--web.listen-address", "127.0.0.1:%d" % port, "--bpf.pin-path", pins,
                             "--cluster", "c1", "--node", "n1"], stdout=log, stderr=subprocess.STDOUT)
    try:
        import urllib.request

        def get(path):
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
                    return r.status, r.read().decode()
            except OSError:
                return None, ""
        wait_for(lambda: get("/ready")[0] == 200, 30, "the packaged exporter")
        with Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=sim) as s:
            ledger = s.ledger()
            from harness import NODE_LABELS, parse_samples
            samples = parse_samples(get("/metrics")[1], NODE_LABELS)
        assert_matches_ledger(samples, ledger)
    finally:
        proc.terminate()
        proc.wait(20)
        remove_pins(pins)
    assert proc.returncode == 0


def elf_machine(path):
    out = subprocess.run(["readelf", "-hW", str(path)], capture_output=True, text=True, check=True).stdout
    return re.search(r"Machine:\s+(.+)", out).group(1).strip()


def test_exporter_is_of_the_package_architecture(deb, extracted):
    assert field(deb, "Architecture") == ARCH
    assert elf_machine(extracted / "usr/bin/dwcp-bpf-exporter") == ELF_MACHINE[ARCH]


@pytest.fixture(scope="module")
def deb_arm64(tmp_path_factory):
    if ARCH == "arm64":
        pytest.skip("the host's own package is arm64: tested above")
    p = subprocess.run(["make", "--no-print-directory", "deb", "ARCH=arm64"], cwd=ROOT, capture_output=True,
                       text=True, timeout=1200)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert DEB_ARM64.exists()
    root = tmp_path_factory.mktemp("pkgroot-arm64")
    subprocess.run(["dpkg-deb", "-x", str(DEB_ARM64), str(root)], check=True)
    return DEB_ARM64, root


def test_arm64_package(deb_arm64):
    deb, root = deb_arm64
    assert field(deb, "Architecture") == "arm64"
    exporter = root / "usr/bin/dwcp-bpf-exporter"
    assert elf_machine(exporter) == "AArch64"
    p = subprocess.run(["lintian", "--fail-on", "error,warning", "-I", str(deb)], capture_output=True, text=True,
                       timeout=300)
    lines = [line for line in p.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert p.returncode == 0 and not lines, p.stdout + p.stderr
    # Depends: every library the arm64 exporter links, by the package that
    # holds it in the arm64 sysroot's dpkg database
    depends = {d.split()[0] for d in field(deb, "Depends").split(", ")}
    needed = re.findall(r"\(NEEDED\).*\[(.+)\]", subprocess.run(
        ["readelf", "-d", str(exporter)], capture_output=True, text=True, check=True).stdout)
    assert "libbpf.so.1" in needed and "libmicrohttpd.so.12" in needed
    for lib in needed:
        owner = subprocess.run(["dpkg-query", "--admindir=%s" % (SYSROOT_ARM64 / ".dpkg"), "-S", "*/" + lib],
                               capture_output=True, text=True).stdout.split(":")[0]
        assert owner and owner in depends, "%s (from %r) not in Depends: %s" % (lib, owner, sorted(depends))
    # the same files as the host's package, but for the binary
    files = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    assert "./usr/bin/dwcp-bpf-exporter" in files and "./usr/include/dwcp_probes.h" in files


def test_make_install_keeps_an_edited_config(tmp_path):
    dest = tmp_path / "dest"
    run = ["make", "--no-print-directory", "install", "PREFIX=/usr/local", "DESTDIR=%s" % dest]
    subprocess.run(run, cwd=ROOT, check=True, capture_output=True, timeout=300)
    config = dest / "usr/local/etc/dwcp-bpf-exporter/dwcp-bpf-exporter.yml"
    unit = (dest / "usr/local/lib/systemd/system/dwcp-bpf-exporter.service").read_text()
    assert "ExecStart=/usr/local/bin/dwcp-bpf-exporter --config.file %s" % (
        "/usr/local/etc/dwcp-bpf-exporter/dwcp-bpf-exporter.yml") in unit
    assert "EnvironmentFile=-/usr/local/etc/default/dwcp-bpf-exporter" in unit
    assert (dest / "usr/local/bin/dwcp-bpf-exporter").exists()
    config.write_text("binary: /opt/edited\n")
    subprocess.run(run, cwd=ROOT, check=True, capture_output=True, timeout=300)
    assert config.read_text() == "binary: /opt/edited\n"
