# SPDX-License-Identifier: Apache-2.0
"""Boot a kernel under qemu on an ext4 root image, run one command, read
its results back. Reusable by any test that needs a real kernel of its own.

Interface
  initramfs(kernel, out) -> Path
      A small busybox initramfs for kernel: it loads the kernel's own
      virtio modules (the Debian cloud kernels build virtio_blk, and before
      6.12 virtio_pci, as modules), mounts /dev/vda and switch_roots to it,
      exec'ing the path given as dwcp.run= on the kernel command line
      (default /sbin/init, so a rootfs with systemd boots as usual).
  root_image(staging, out, extra_mb=64) -> Path
      An ext4 image of the folder staging (mke2fs -d), owned by root, with
      features every kernel since 4.18 mounts and no journal (results are
      read from it after a hard power-off).
  boot(kernel, image, run=None, timeout=300, cmdline=(), console=None,
       memory_mb=1024, cpus=2) -> Boot
      Boots qemu of the kernel's architecture (kernel.arch: x86 with
      qemu-system-x86_64, arm64 with qemu-system-aarch64 -M virt) under
      TCG (KVM does not work on this machine's nested host; set
      DWCP_QEMU_ACCEL=kvm where it does) and waits at most timeout seconds;
      then kills qemu by its PID. The guest powers off by itself when run
      ends (or panics, which reboots, which ends qemu: -no-reboot). Boot
      says whether it finished in time, its duration and the console text;
      console_tail() is what to print when a boot failed.
  read_back(image, guest_dir, host_dir) -> Path
      debugfs rdump of guest_dir (e.g. /results) out of the image.

A command run this way is PID 1 of the guest: it must mount what it needs
(proc, sysfs, bpffs, tracefs), and should `sync` and `poweroff -f` at the
end (guest/init.sh does both for the kernel matrix).
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BUSYBOX = Path("/bin/busybox")
# per architecture: qemu, its machine and CPU, the serial console. arm64:
# cortex-a57 (-cpu max is slow under TCG unless given pauth-impdef=on)
MACHINES = {
    "x86": (["qemu-system-x86_64", "-cpu", "max"], "ttyS0"),
    "arm64": (["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57"], "ttyAMA0"),
}


def busybox(arch, build=None):
    """The static busybox of arch: the host's, or the one in the build's
    sysroot (make ARCH=arm64 fetches busybox-static of arm64 there)."""
    from image import HOST_ARCH  # noqa: E402 (image imports this module)
    if arch == HOST_ARCH:
        return BUSYBOX
    found = Path(build or "") / "sysroot/bin/busybox"
    if not found.exists():
        raise SystemExit("qemu: no %s busybox at %s (make ARCH=%s builds the sysroot)" % (arch, found, arch))
    return found
# the modules that reach a virtio disk, in load order (each only if the
# kernel has it as a module rather than built in)
DISK_MODULES = ("virtio", "virtio_ring", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio_pci",
                "virtio_blk")

INIT = r'''#!/bin/busybox sh
# initramfs of tests/kernels/qemu.py: virtio modules, mount /dev/vda, switch_root
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /newroot
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules/order); do
	insmod /modules/$m.ko || echo "dwcp-initramfs: insmod $m failed"
done
n=0
while [ ! -b /dev/vda ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
if ! mount -t ext4 /dev/vda /newroot; then
	echo "dwcp-initramfs: cannot mount /dev/vda"; ls /dev; poweroff -f
fi
run=/sbin/init
for word in $(cat /proc/cmdline); do
	case "$word" in dwcp.run=*) run="${word#dwcp.run=}" ;; esac
done
umount /proc /sys
mount --move /dev /newroot/dev 2>/dev/null || umount /dev
exec switch_root /newroot "$run"
'''


@dataclass
class Boot:
    finished: bool      # qemu exited by itself within the timeout
    seconds: float
    console: str
    returncode: int

    def console_tail(self, lines=40):
        return "\n".join(self.console.splitlines()[-lines:])


def _module_file(modules_dir, name):
    for pattern in (name + ".ko*", name.replace("_", "-") + ".ko*"):
        found = sorted(Path(modules_dir).rglob(pattern))
        if found:
            return found[0]
    return None


def _builtin(modules_dir, name):
    builtin = Path(modules_dir) / "modules.builtin"
    return builtin.exists() and any(Path(line).name.split(".")[0] in (name, name.replace("_", "-"))
                                    for line in builtin.read_text().split())


def _decompressed(src, dst):
    tools = {".xz": ["xz", "-dc"], ".zst": ["zstd", "-dcq"], ".gz": ["gzip", "-dc"]}
    with open(dst, "wb") as out:
        if src.suffix in tools:
            subprocess.run(tools[src.suffix] + [str(src)], stdout=out, check=True)
        else:
            shutil.copyfileobj(open(src, "rb"), out)


def _with_dependencies(modules_dir, names):
    """names and what they depend on (modinfo), dependencies first."""
    order, seen = [], set()

    def visit(name):
        if name in seen or _builtin(modules_dir, name):
            return
        seen.add(name)
        path = _module_file(modules_dir, name)
        if path is None:
            return
        deps = subprocess.run(["modinfo", "-F", "depends", str(path)], capture_output=True, text=True,
                              check=True).stdout.strip()
        for dep in filter(None, deps.split(",")):
            visit(dep)
        order.append((name, path))

    for name in names:
        visit(name)
    return order


def initramfs(kernel, out, modules=DISK_MODULES, build=None):
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="dwcp-initramfs-") as tmp:
        root = Path(tmp)
        for d in ("bin", "modules"):
            (root / d).mkdir()
        shutil.copy2(busybox(kernel.arch, build), root / "bin/busybox")
        (root / "init").write_text(INIT)
        (root / "init").chmod(0o755)
        order = _with_dependencies(kernel.modules, modules)
        for name, path in order:
            _decompressed(path, root / "modules" / (name + ".ko"))
        (root / "modules/order").write_text("\n".join(n for n, _ in order) + "\n")
        files = subprocess.run(["find", ".", "-mindepth", "1"], cwd=root, capture_output=True, text=True,
                               check=True).stdout
        with open(out, "wb") as f:
            subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "-R", "0:0"], input=files.encode(), cwd=root,
                           stdout=f, check=True)
    return out


def root_image(staging, out, extra_mb=64):
    out = Path(out)
    used = int(subprocess.run(["du", "-sm", str(staging)], capture_output=True, text=True,
                              check=True).stdout.split()[0])
    size_mb = int(used * 1.2) + extra_mb
    out.unlink(missing_ok=True)
    # no journal, and none of the features newer than the oldest kernel we
    # boot (orphan_file, metadata_csum_seed came with 5.15 / 4.4+ tools)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-O", "^has_journal,^orphan_file,^metadata_csum_seed",
                    "-E", "root_owner=0:0", "-d", str(staging), str(out), "%dM" % size_mb], check=True)
    return out


def boot(kernel, image, run=None, timeout=300, cmdline=(), console=None, memory_mb=1024, cpus=2, build=None):
    accel = os.environ.get("DWCP_QEMU_ACCEL", "tcg")
    console = Path(console) if console else Path(tempfile.mkstemp(prefix="dwcp-console-")[1])
    initrd = console.with_suffix(".initramfs")
    initramfs(kernel, initrd, build=build)
    machine, tty = MACHINES[kernel.arch]
    append = ["console=" + tty, "panic=-1", "loglevel=4", "root=/dev/vda", "rw", *kernel.cmdline, *cmdline]
    if run:
        append.append("dwcp.run=" + run)
    cmd = [*machine, "-accel", accel, "-smp", str(cpus), "-m", str(memory_mb),
           "-kernel", str(kernel.vmlinuz), "-initrd", str(initrd), "-append", " ".join(append),
           "-drive", "file=%s,if=virtio,format=raw" % image, "-nic", "none", "-display", "none",
           "-monitor", "none", "-serial", "file:%s" % console, "-no-reboot"]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = proc.communicate(timeout=timeout)
        finished = True
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        finished = False
    seconds = time.monotonic() - started
    initrd.unlink(missing_ok=True)
    text = console.read_text(errors="replace") if console.exists() else ""
    if out:
        text += "\n[qemu] " + out.decode(errors="replace")
    return Boot(finished, seconds, text, proc.returncode)


def read_back(image, guest_dir, host_dir):
    host_dir = Path(host_dir)
    shutil.rmtree(host_dir, ignore_errors=True)
    host_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=host_dir.parent) as tmp:
        p = subprocess.run(["debugfs", "-R", "rdump %s %s" % (guest_dir, tmp), str(image)], capture_output=True,
                           text=True)
        dumped = Path(tmp) / Path(guest_dir).name
        if p.returncode != 0 or not dumped.is_dir():
            raise RuntimeError("debugfs rdump %s of %s failed: %s" % (guest_dir, image, p.stderr))
        dumped.rename(host_dir)
    return host_dir
