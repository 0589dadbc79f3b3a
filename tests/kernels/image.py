# SPDX-License-Identifier: Apache-2.0
"""The root image every kernel-matrix guest boots: busybox, this build's
binaries with the libraries they need, bpftrace, and guest/.

What it offers
  - stage(build, staging, arch): fill staging with
      /bin       busybox and its applets
      /dwcp/bin  dwcp-bpf-exporter and every program programs.list names
                 (found under build/), dwcp_sdt_argkinds, the probe-site
                 programs of tests/integration/test_probe_sites.py (built
                 here; x86-64 only), bpftrace
      /dwcp      init.sh, check.sh, programs.list
      /lib*, /usr/lib*  the shared libraries of all of those
    For the host's architecture busybox, bpftrace and the libraries (ldd)
    are the host's; for another (arm64: make ARCH=arm64) they come from the
    build's sysroot (BUILD/sysroot, Debian's packages of that
    architecture), the libraries found from each ELF's DT_NEEDED there.
  - build_image(build, out_dir, arch): staging plus qemu.root_image();
    returns the image path.
"""
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import qemu
from programs import read_programs

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GUEST = HERE / "guest"
HOST_ARCH = {"x86_64": "x86", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
MULTIARCH = {"x86": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}


def find_in_build(build, name):
    """build/NAME, else the first build/**/NAME outside the asan and fuzz trees."""
    direct = Path(build) / name
    if direct.is_file():
        return direct
    for path in sorted(Path(build).rglob(name)):
        # not the asan and fuzz builds, nor another architecture's build/arm64
        if path.is_file() and not {"asan", "fuzz", "sysroot", *MULTIARCH} & set(path.relative_to(build).parts):
            return path
    raise SystemExit("image: %s is named in programs.list but not built under %s" % (name, build))


def libraries(binary):
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
    libs = []
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) > parts.index("=>") + 1 and parts[parts.index("=>") + 1].startswith("/"):
            libs.append(parts[parts.index("=>") + 1])
        elif parts and parts[0].startswith("/"):
            libs.append(parts[0])  # the dynamic loader
    return libs


def sysroot_libraries(binary, sysroot, arch):
    """The shared libraries binary needs, found in sysroot as the guest's
    loader will (its multiarch folders), recursively; (guest path, file)."""
    dirs = ["lib/" + MULTIARCH[arch], "usr/lib/" + MULTIARCH[arch], "lib", "usr/lib"]
    found, todo = {}, [Path(binary)]
    while todo:
        elf = todo.pop()
        out = subprocess.run(["readelf", "-dlW", str(elf)], capture_output=True, text=True, check=True).stdout
        interp = re.search(r"Requesting program interpreter: (\S+)\]", out)
        names = [("/" + interp.group(1).lstrip("/"), None)] if interp else []
        names += [(None, n) for n in re.findall(r"\(NEEDED\)\s+Shared library: \[(\S+)\]", out)]
        for guest_path, soname in names:
            if guest_path is None:
                place = next((d for d in dirs if (Path(sysroot) / d / soname).exists()), None)
                if place is None:
                    raise SystemExit("image: %s needs %s, which %s does not have" % (elf, soname, sysroot))
                guest_path = "/%s/%s" % (place, soname)
            if guest_path not in found:
                found[guest_path] = Path(sysroot) / guest_path.lstrip("/")
                todo.append(Path(os.path.realpath(found[guest_path])))
    return sorted(found.items())


def copy_preserving_path(path, staging, source=None):
    target = Path(staging) / str(path).lstrip("/")
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.realpath(source or path), target)


def site_programs(directory):
    """The probe-site program of test_probe_sites.py: with dwcp_probes.h's
    site (lea bracket, nop5), a bare nop5 (the red-zone control) and a bare
    10-byte nop (the site Linux 7.x optimizes)."""
    sys.path.insert(0, str(ROOT / "tests/integration"))
    import test_probe_sites
    built = {}
    for name, defines in (("site_prog", ()), ("site_prog_bare_nop5", ("BARE_NOP5",)),
                          ("site_prog_bare_nop10", ("BARE_NOP10",))):
        exe = test_probe_sites.build_program(Path(directory), *defines)
        built[name] = exe.rename(Path(directory) / name)
    return built


def stage(build, staging, arch=HOST_ARCH):
    staging = Path(staging)
    native = arch == HOST_ARCH
    sysroot = Path(build) / "sysroot"
    if not native and not (sysroot / ".complete").exists():
        raise SystemExit("image: %s has no sysroot: build it with make ARCH=%s" % (build, arch))
    shutil.rmtree(staging, ignore_errors=True)
    for d in ("bin", "dwcp/bin", "etc", "proc", "sys", "dev", "tmp", "results", "root"):
        (staging / d).mkdir(parents=True)
    shutil.copy2(qemu.busybox(arch, build), staging / "bin/busybox")
    # the applets' names: the same busybox version on both architectures
    applets = subprocess.run([str(qemu.BUSYBOX), "--list"], capture_output=True, text=True, check=True).stdout
    for applet in applets.split():
        link = staging / "bin" / applet
        if not link.exists():
            link.symlink_to("busybox")
    (staging / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
    (staging / "etc/group").write_text("root:x:0:\nnogroup:x:65534:\n")

    binaries = [find_in_build(build, "dwcp-bpf-exporter")]
    binaries += [find_in_build(build, name) for name in sorted({p.binary for p in read_programs()})]
    binaries.append(find_in_build(build, "dwcp_sdt_argkinds"))
    if arch == "x86":  # the nop5 site and its controls are x86-64's
        sites_dir = staging.parent / "site-programs"
        shutil.rmtree(sites_dir, ignore_errors=True)
        sites_dir.mkdir()
        binaries += list(site_programs(sites_dir).values())
    bpftrace = shutil.which("bpftrace") if native else sysroot / "usr/bin/bpftrace"
    if bpftrace and Path(bpftrace).exists():
        binaries.append(Path(bpftrace))
    for binary in binaries:
        shutil.copy2(binary, staging / "dwcp/bin" / Path(binary).name)
        if native:
            for lib in libraries(binary):
                copy_preserving_path(lib, staging)
        else:
            for guest_path, source in sysroot_libraries(binary, sysroot, arch):
                copy_preserving_path(guest_path, staging, source)
    for name in ("init.sh", "check.sh", "programs.list"):
        shutil.copy2(GUEST / name, staging / "dwcp" / name)
    return staging


def build_image(build, out_dir, arch=HOST_ARCH):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = stage(build, out_dir / "staging", arch)
    return qemu.root_image(staging, out_dir / "rootfs.img")
