# SPDX-License-Identifier: Apache-2.0
"""The root image every kernel-matrix guest boots: busybox, this build's
binaries with the libraries ldd names, bpftrace if installed, and guest/.

What it offers
  - stage(build, staging, programs_list): fill staging with
      /bin       busybox and its applets
      /dwcp/bin  dwcp-bpf-exporter and every program programs.list names
                 (found under build/), the probe-site programs of
                 tests/integration/test_probe_sites.py (built here), bpftrace
      /dwcp      init.sh, check.sh, programs.list
      /lib*, /usr/lib*  the shared libraries of all of those
  - build_image(build, out_dir): staging plus qemu.root_image(); returns
    the image path.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import qemu
from programs import read_programs

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GUEST = HERE / "guest"


def find_in_build(build, name):
    """build/NAME, else the first build/**/NAME outside the asan and fuzz trees."""
    direct = Path(build) / name
    if direct.is_file():
        return direct
    for path in sorted(Path(build).rglob(name)):
        if path.is_file() and not {"asan", "fuzz"} & set(path.relative_to(build).parts):
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


def copy_preserving_path(path, staging):
    target = Path(staging) / str(path).lstrip("/")
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.realpath(path), target)


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


def stage(build, staging):
    staging = Path(staging)
    shutil.rmtree(staging, ignore_errors=True)
    for d in ("bin", "dwcp/bin", "etc", "proc", "sys", "dev", "tmp", "results", "root"):
        (staging / d).mkdir(parents=True)
    shutil.copy2(qemu.BUSYBOX, staging / "bin/busybox")
    applets = subprocess.run([str(qemu.BUSYBOX), "--list"], capture_output=True, text=True, check=True).stdout
    for applet in applets.split():
        link = staging / "bin" / applet
        if not link.exists():
            link.symlink_to("busybox")
    (staging / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
    (staging / "etc/group").write_text("root:x:0:\nnogroup:x:65534:\n")

    binaries = [find_in_build(build, "dwcp-bpf-exporter")]
    binaries += [find_in_build(build, name) for name in sorted({p.binary for p in read_programs()})]
    sites_dir = staging.parent / "site-programs"
    shutil.rmtree(sites_dir, ignore_errors=True)
    sites_dir.mkdir()
    binaries += list(site_programs(sites_dir).values())
    bpftrace = shutil.which("bpftrace")
    if bpftrace:
        binaries.append(Path(bpftrace))
    for binary in binaries:
        shutil.copy2(binary, staging / "dwcp/bin" / Path(binary).name)
        for lib in libraries(binary):
            copy_preserving_path(lib, staging)
    for name in ("init.sh", "check.sh", "programs.list"):
        shutil.copy2(GUEST / name, staging / "dwcp" / name)
    return staging


def build_image(build, out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = stage(build, out_dir / "staging")
    return qemu.root_image(staging, out_dir / "rootfs.img")
