#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A Debian sysroot of a foreign architecture (arm64), for `make ARCH=arm64`.

  sysroot.py --arch arm64 --out BUILD/sysroot

What it offers
  - OUT/      the packages of cross/packages.list (the -dev packages the
              build links, sys/sdt.h, and the guest's busybox and bpftrace)
              with every package they depend on, unpacked with dpkg -x;
              absolute symlinks made relative so that they stay inside OUT.
  - OUT/.dpkg a dpkg database of just those packages (status, file lists,
              symbols and shlibs files) for dpkg-shlibdeps --admindir, so
              that make deb computes Depends for arm64 as for amd64.
  - OUT/.complete, written last: the sysroot is whole.

How: apt-get through the private apt configuration of the kernel matrix
(tests/kernels/fetch.py: the machine's mirrors, its own lists and cache,
never /etc/apt nor dpkg's architectures), with APT::Architecture=ARCH and
an empty dpkg status, resolves the packages' closure from Debian 12
(bookworm, with its security suite: the libraries the host builds with)
and downloads it into /var/cache/dwcp-bpf/sysroot/apt-ARCH/archives once.
A second run downloads nothing; what is downloaded is printed.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests/kernels"))
import fetch  # noqa: E402

CACHE = Path(os.environ.get("DWCP_SYSROOT_CACHE", "/var/cache/dwcp-bpf/sysroot"))
SUITE = "bookworm"
MULTIARCH = {"arm64": "aarch64-linux-gnu"}


def read_packages(path):
    return [w for line in Path(path).read_text().splitlines() for w in line.split("#", 1)[0].split()]


def closure(apt, packages):
    """Download packages and everything they depend on (from an empty
    system: libc6 included); the .deb paths."""
    status = apt.dir / "empty-status"
    status.write_text("")
    wanted = ["%s:%s" % (p, apt.arch) for p in packages]
    before = {p.name for p in (apt.dir / "archives").glob("*.deb")}
    started = time.monotonic()
    out = apt.run("apt-get", "-q", "-y", "-o", "Dir::State::status=%s" % status,
                  "-o", "Dir::State::extended_states=%s" % (apt.dir / "extended_states"),
                  "-o", "APT::Install-Recommends=0", "-o", "APT::Get::Download-Only=1",
                  "-o", "Debug::pkgDPkgPM=0", "install", *wanted)
    debs = []
    for m in re.finditer(r"^Inst (\S+) \(", apt.run(
            "apt-get", "-s", "-o", "Dir::State::status=%s" % status, "-o", "APT::Install-Recommends=0",
            "install", *wanted), re.M):
        debs.append(m.group(1))
    files = sorted((apt.dir / "archives").glob("*.deb"))
    new = sorted(p.name for p in files if p.name not in before)
    if new:
        print("sysroot: downloaded %d packages in %.1f s: %s" % (len(new), time.monotonic() - started,
                                                                 " ".join(new)), flush=True)
    del out
    # the archive may hold older versions too: take the one apt chose
    chosen = []
    for name in debs:
        name = name.split(":")[0]
        matches = [f for f in files if f.name.startswith(name + "_")]
        if not matches:
            raise SystemExit("sysroot: apt chose %s but did not download it" % name)
        chosen.append(max(matches, key=lambda f: f.stat().st_mtime))
    return chosen


def relative_symlinks(root):
    """An absolute link (/lib/aarch64-linux-gnu/libz.so.1) points into the
    host; make it relative to its place in root."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if path.is_symlink():
                target = os.readlink(path)
                if target.startswith("/"):
                    path.unlink()
                    path.symlink_to(os.path.relpath(root / target.lstrip("/"), path.parent))


def unpack(debs, out, arch):
    """dpkg -x every deb into out; a dpkg database of them in out/.dpkg."""
    admin = out / ".dpkg"
    (admin / "info").mkdir(parents=True)
    (admin / "info" / "format").write_text("1\n")  # file names with :ARCH (Multi-Arch: same)
    (admin / "updates").mkdir()
    (admin / "arch").write_text("amd64\n%s\n" % arch)
    status = []
    for deb in debs:
        subprocess.run(["dpkg-deb", "-x", str(deb), str(out)], check=True)
        with tempfile.TemporaryDirectory() as control:
            subprocess.run(["dpkg-deb", "-e", str(deb), control], check=True)
            fields = (Path(control) / "control").read_text().rstrip("\n")
            name = re.search(r"^Package: (\S+)", fields, re.M).group(1)
            pkg_arch = re.search(r"^Architecture: (\S+)", fields, re.M).group(1)
            same = re.search(r"^Multi-Arch: same$", fields, re.M) is not None
            key = "%s:%s" % (name, pkg_arch) if same else name
            for part in ("symbols", "shlibs"):
                if (Path(control) / part).exists():
                    shutil.copy(Path(control) / part, admin / "info" / ("%s.%s" % (key, part)))
        listing = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, check=True).stdout
        paths = subprocess.run(["tar", "-t"], input=listing, capture_output=True, check=True).stdout.decode().split("\n")
        # the files as dpkg-shlibdeps finds them: under out
        lines = [str(out) + "/" + p.lstrip("./").rstrip("/") for p in paths if p.strip("./")]
        (admin / "info" / ("%s.list" % key)).write_text("\n".join(lines) + "\n")
        status.append(re.sub(r"^(Package: .*)$", r"\1\nStatus: install ok installed", fields, count=1, flags=re.M))
    (admin / "status").write_text("\n\n".join(status) + "\n")
    relative_symlinks(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", required=True, choices=sorted(MULTIARCH))
    ap.add_argument("--out", required=True)
    ap.add_argument("--packages", default=str(HERE / "packages.list"))
    args = ap.parse_args()
    out = Path(args.out).resolve()
    apt = fetch.Apt(CACHE, [SUITE], arch=args.arch)
    debs = closure(apt, read_packages(args.packages))
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.monotonic()
    unpack(debs, out, args.arch)
    (out / ".complete").write_text("".join("%s\n" % d.name for d in debs))
    print("sysroot: %s: %d packages unpacked in %.1f s" % (out, len(debs), time.monotonic() - started), flush=True)


if __name__ == "__main__":
    main()
