#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""run.py: the exporter's package under a real systemd. Boots a Debian 12
guest (Debian's 6.1 cloud kernel under qemu, TCG) whose PID 1 is systemd,
from a debootstrap root filesystem (rootfs.sh), where guest/check.sh
runs the operator quick start of README.md as it is written there (its two
marked blocks, command by command under `sh -ex`), then the service and
the socket unit as an operator would, and records what it saw; then judges
it here:

  - the quick start's install block installs the package offline and its
    service starts, waiting (/ready 503) for the default config's binary,
    which does not exist yet;
  - DWCP (dwcp-sim, installed as /usr/bin/dwcp-node) then the quick
    start's configure block: config written, checked, a restart, /ready;
    every count equals the sim's ledger exactly, under the quick start's
    cluster and node labels;
  - hardening as it holds in the guest: capability sets of every thread
    from /proc (effective CAP_SYS_ADMIN only, bounding set the unit's three,
    no inheritable or ambient), no_new_privs, seccomp, /usr read-only and
    /sys/fs/bpf writable from the service's mount namespace, and
    `systemd-analyze security` in the guest below 4.0 ("OK");
  - `systemctl reload` re-reads the config in the same process, `stop`
    exits 0 and closes the port;
  - the .socket unit holds the port, the first scrape starts the service
    with --web.systemd-socket and gets the metrics.

It boots with the kernel-matrix harness of issue 17 (tests/kernels/qemu.py,
fetch.py: kernel cache, initramfs, ext4 image, read-back); this runner adds
no qemu code of its own. DWCP_KERNELS_DIR points at another copy of that
folder (to try a branch before it is merged). Exit 0 when every check
holds, 1 with the failures, 77 when the harness is not there.

Usage: tests/systemd/run.py [OUT]   (default build/systemd-guest; root)
"""
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
KERNELS = Path(os.environ.get("DWCP_KERNELS_DIR", ROOT / "tests" / "kernels"))
ROOTFS_CACHE = Path(os.environ.get("DWCP_ROOTFS_CACHE", "/var/cache/dwcp-bpf/systemd-rootfs/bookworm.tar"))
KERNEL_NAME = os.environ.get("DWCP_SYSTEMD_KERNEL", "6.1")
# CAP_SYS_ADMIN kept after attach; the unit's bounding set
CAP_SYS_ADMIN, CAP_PERFMON, CAP_BPF = 21, 38, 39

sys.path.insert(0, str(KERNELS))
sys.path.insert(0, str(ROOT / "tests" / "integration"))
try:
    import fetch
    import qemu
except ImportError:
    print("systemd guest: needs the kernel-matrix harness (tests/kernels/qemu.py and fetch.py, issue 17); "
          "not in %s" % KERNELS, file=sys.stderr)
    sys.exit(77)
from harness import NODE_LABELS, assert_matches_ledger, parse_samples  # noqa: E402


QUICK_START = ("operator-install", "operator-configure")


def quick_start(readme, names=QUICK_START):
    """The README's marked shell blocks, as written: {name: script}."""
    blocks = {}
    for name in names:
        m = re.search(r"<!-- %s:[^>]*-->\n```sh\n(.*?)\n```" % re.escape(name), readme, flags=re.S)
        if not m:
            sys.exit("systemd guest: README.md lacks the quick-start block %s" % name)
        blocks[name] = m.group(1) + "\n"
    return blocks


def quick_start_labels(script):
    """cluster and node as the quick start's config sets them."""
    return {k: re.search(r"^%s: (\S+)$" % k, script, flags=re.M).group(1) for k in ("cluster", "node")}


def stage(out):
    """The guest's root: the debootstrap tarball, the .deb, dwcp-sim, the check."""
    subprocess.run([str(HERE / "rootfs.sh"), str(ROOTFS_CACHE)], check=True)
    subprocess.run(["make", "--no-print-directory", "all", "deb"], cwd=ROOT, check=True)
    version = (ROOT / "VERSION").read_text().strip()
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()
    staging = out / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(ROOTFS_CACHE) as t:
        t.extractall(staging, numeric_owner=True)
    dwcp = staging / "dwcp"
    (dwcp / "bin").mkdir(parents=True)
    deb = "dwcp-bpf-exporter_%s_%s.deb" % (version, arch)
    shutil.copy2(ROOT / "build" / deb, dwcp / deb)
    for name, script in quick_start((ROOT / "README.md").read_text()).items():
        (dwcp / (name + ".sh")).write_text(script)
    for name, script in quick_start((ROOT / "configs" / "README.md").read_text(), ("socket-activation",)).items():
        (dwcp / (name + ".sh")).write_text(script)
    shutil.copy2(ROOT / "build" / "dwcp-sim", dwcp / "bin" / "dwcp-sim")
    shutil.copy2(HERE / "guest" / "check.sh", dwcp / "check.sh")
    units = staging / "etc/systemd/system"
    shutil.copy2(HERE / "guest" / "dwcp-guest-check.service", units / "dwcp-guest-check.service")
    wants = units / "default.target.wants"
    wants.mkdir(exist_ok=True)
    (wants / "dwcp-guest-check.service").symlink_to("/etc/systemd/system/dwcp-guest-check.service")
    (staging / "results").mkdir()
    return staging


def kernel():
    """Debian 12's kernel from the kernel matrix's cache (downloaded once)."""
    entries = fetch.read_list(KERNELS / "kernels.list")
    return fetch.fetch(next(e for e in entries if e.arch == "x86" and e.name == KERNEL_NAME), fetch.apts(entries)["x86"])


def read(results, name):
    path = results / name
    return path.read_text().strip() if path.exists() else "(missing)"


def judge(results):
    problems = []

    def check(ok, what):
        if not ok:
            problems.append(what)

    steps = dict(line.split() for line in read(results, "steps").splitlines() if " " in line)
    for name in ("install", "restart", "ready", "reload", "stop", "socket-start", "socket-stop"):
        check(steps.get(name) == "0", "step %s exited %s" % (name, steps.get(name)))
    check(read(results, "active-after-install") == "active", "the package did not start the service")
    check(read(results, "ready-waiting.code") == "503" and "does not exist yet" in read(results, "ready-waiting.txt"),
          "the service did not wait for the default binary: %s" % read(results, "ready-waiting.txt"))

    labels = quick_start_labels(quick_start((ROOT / "README.md").read_text())["operator-configure"])
    metrics = read(results, "metrics.txt")
    check('dwcp_amst_streams_active{cluster="%s",node="%s"}' % (labels["cluster"], labels["node"]) in metrics,
          "the quick start's cluster and node labels are not in the scrape: %s" % labels)
    try:
        samples = parse_samples(metrics, NODE_LABELS)
        assert_matches_ledger(samples, parse_samples(read(results, "ledger.prom")))
    except AssertionError as e:
        problems.append("counts in the guest: %s" % e)

    status = dict(line.split(":", 1) for line in read(results, "status").splitlines() if ":" in line)
    cap = {k: int(status.get(k, "-1").strip() or "-1", 16) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}
    check(cap["CapEff"] == 1 << CAP_SYS_ADMIN, "CapEff %x, want only CAP_SYS_ADMIN" % cap["CapEff"])
    check(cap["CapBnd"] == (1 << CAP_SYS_ADMIN) | (1 << CAP_PERFMON) | (1 << CAP_BPF),
          "CapBnd %x, want the unit's three" % cap["CapBnd"])
    check(cap["CapInh"] == 0 and cap["CapAmb"] == 0, "inheritable %x, ambient %x" % (cap["CapInh"], cap["CapAmb"]))
    check(status.get("NoNewPrivs", "").strip() == "1", "no_new_privs not set")
    check(status.get("Seccomp", "").strip() == "2", "no seccomp filter")
    threads = read(results, "threads").splitlines()
    check(threads and all("CapEff:\t%016x" % (1 << CAP_SYS_ADMIN) in t for t in threads),
          "a thread holds other capabilities: %s" % threads)
    writes = read(results, "writes")
    check("usr 1" in writes and "bpffs 0" in writes, "/usr writable or /sys/fs/bpf not: %s" % writes)
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", read(results, "security.txt"))
    check(m and float(m.group(1)) < 4.0, "systemd-analyze security in the guest: %s" % (m.group(1) if m else
                                                                                       read(results, "security.txt")))

    check(read(results, "mainpid-after-reload") == read(results, "mainpid"), "reload restarted the process")
    check("config reloaded" in read(results, "journal-after-reload.txt"), "no 'config reloaded' in the journal")
    after = read(results, "after-stop")
    check("ActiveState=inactive" in after and "Result=success" in after and "ExecMainStatus=0" in after,
          "stop: %s" % after)
    check(read(results, "ready-after-stop.code") == "000", "the port answered after stop")

    check(read(results, "service-before-connect") == "inactive", "the socket started the service before a client")
    check(read(results, "activated.code") == "200" and "dwcp_bpf_attached_binaries 1"
          in read(results, "metrics-activated.txt"), "the activated scrape: %s" % read(results, "activated.code"))
    check(read(results, "service-after-connect") == "active", "the first connection did not start the service")
    check(read(results, "done") == "done", "the check did not finish")
    return problems


def main():
    if os.geteuid() != 0:
        sys.exit("systemd guest: run as root (debootstrap, mke2fs -d of a root filesystem)")
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "systemd-guest").resolve()
    staging = stage(out)
    image = qemu.root_image(staging, out / "root.img", extra_mb=256)
    boot = qemu.boot(kernel(), image, timeout=int(os.environ.get("DWCP_SYSTEMD_TIMEOUT", "1200")),
                     console=out / "console.txt", memory_mb=1536)
    print("systemd guest: booted in %.0f s, finished %s" % (boot.seconds, boot.finished))
    results = qemu.read_back(image, "/results", out / "results")
    problems = judge(results)
    if problems or not boot.finished:
        print("systemd guest: FAILED\n  " + "\n  ".join(problems or ["the guest did not power off"]))
        print("console tail:\n" + boot.console_tail())
        print("guest log: %s" % (results / "check.log"))
        sys.exit(1)
    print("systemd guest: every check holds (results in %s)" % results)


if __name__ == "__main__":
    main()
