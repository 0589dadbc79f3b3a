# SPDX-License-Identifier: Apache-2.0
"""Debian kernels for the matrix: resolve, download once, unpack, cache.

What it offers
  - read_list(path): the entries of kernels.list.
  - apts(entries, cache): one Apt per architecture of entries.
  - fetch(entry, apt, cache): the newest kernel of the entry's Debian suite
    (its -security suite included), downloaded with `apt-get download`
    through a private apt configuration and unpacked with `dpkg -x` under
    cache (cache/arm64/... for arm64); a Kernel with the vmlinuz, the
    modules folder and the config.

The machine's own apt sources, state and /boot are never touched: the
private configuration lives under cache/apt, names the suites of
kernels.list on the mirrors the machine's sources already use, and its
package lists are refreshed when older than a day (DWCP_KERNELS_REFRESH=1
forces it). Everything downloaded is printed; a second run downloads
nothing. A foreign architecture (arm64) gets apt's own lists of that
architecture (APT::Architecture); dpkg's architectures stay as they are.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CACHE = Path(os.environ.get("DWCP_KERNEL_CACHE", "/var/cache/dwcp-bpf/kernels"))
LIST_MAX_AGE_S = 24 * 3600
# the packages that make up one kernel: image, its split parts (sid puts
# vmlinuz and the modules in packages of their own), config and System.map
KERNEL_PART = re.compile(r"^linux-(image|binary|modules|base)-")


# the architectures of kernels.list and make's ARCH, with Debian's names
DEBIAN_ARCH = {"x86": "amd64", "arm64": "arm64"}


@dataclass(frozen=True)
class Entry:
    name: str
    arch: str         # make's ARCH: x86 or arm64
    suite: str
    package: str
    cmdline: tuple
    note: str


@dataclass(frozen=True)
class Kernel:
    name: str
    arch: str
    version: str      # Debian package version, e.g. 6.1.192-3
    release: str      # uname -r, e.g. 6.1.0-57-cloud-amd64
    vmlinuz: Path
    modules: Path     # the lib/modules/RELEASE folder
    config: Path
    cmdline: tuple


def read_list(path):
    entries = []
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split(None, 5)
        if len(fields) < 5:
            raise SystemExit("%s:%d: want 'name arch suite package cmdline [note]', got %r" % (path, n, line))
        if fields[1] not in DEBIAN_ARCH:
            raise SystemExit("%s:%d: architecture %r is not one of %s" % (path, n, fields[1], " ".join(DEBIAN_ARCH)))
        cmdline = () if fields[4] == "-" else tuple(fields[4].split(","))
        entries.append(Entry(fields[0], fields[1], fields[2], fields[3], cmdline, fields[5] if len(fields) > 5 else ""))
    keys = ["%s/%s" % (e.arch, e.name) for e in entries]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise SystemExit("%s: kernels given twice: %s" % (path, " ".join(sorted(dup))))
    return entries


def apts(entries, cache=DEFAULT_CACHE):
    """{arch: Apt}; x86 keeps the plain cache/apt of earlier runs. Every
    suite of the list is named, whichever kernels run, so the lists stay."""
    return {arch: Apt(cache, sorted({e.suite for e in entries if e.arch == arch}),
                      arch=None if arch == "x86" else DEBIAN_ARCH[arch])
            for arch in sorted({e.arch for e in entries})}


def machine_mirrors():
    """(archive URI, security URI) from the machine's own apt sources, so the
    private configuration asks the mirrors this machine is set up for."""
    archive = security = None
    texts = []
    for f in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")) + \
            sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        if os.path.exists(f):
            texts.append(Path(f).read_text())
    for text in texts:
        # one-line format: deb URI SUITE COMPONENTS
        for m in re.finditer(r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", text, re.M):
            uri, suite = m.groups()
            if suite.endswith("-security"):
                security = security or uri
            elif "debian" in uri:
                archive = archive or uri
        # deb822 format: blocks of Types/URIs/Suites
        for block in re.split(r"\n\s*\n", text):
            uris = re.search(r"^URIs:\s*(\S+)", block, re.M)
            suites = re.search(r"^Suites:\s*(.+)$", block, re.M)
            if not uris or not suites or not re.search(r"^Types:.*\bdeb\b", block, re.M):
                continue
            if any(s.endswith("-security") for s in suites.group(1).split()):
                security = security or uris.group(1)
            elif "debian" in uris.group(1):
                archive = archive or uris.group(1)
    archive = os.environ.get("DWCP_KERNEL_MIRROR", archive)
    security = os.environ.get("DWCP_KERNEL_SECURITY_MIRROR", security)
    if not archive:
        raise SystemExit("fetch: no Debian archive in the machine's apt sources; set DWCP_KERNEL_MIRROR")
    return archive, security


class Apt:
    """apt-get/apt-cache with a configuration of their own under cache/apt
    (cache/apt-ARCH for a foreign Debian architecture such as arm64: its
    package lists are the ones apt resolves names and dependencies in)."""

    def __init__(self, cache, suites, arch=None):
        self.arch = arch
        self.dir = Path(cache) / ("apt-" + arch if arch else "apt")
        for sub in ("lists/partial", "archives/partial"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        archive, security = machine_mirrors()
        lines = []
        for suite in suites:
            lines.append("deb %s %s main" % (archive, suite))
            if security and suite not in ("sid", "unstable", "experimental"):
                lines.append("deb %s %s-security main" % (security, suite))
        self.sources = self.dir / "sources.list"
        text = "\n".join(lines) + "\n"
        changed = not self.sources.exists() or self.sources.read_text() != text
        if changed:
            self.sources.write_text(text)
        self.options = [
            "-o", "Dir::Etc::sourcelist=%s" % self.sources,
            "-o", "Dir::Etc::sourceparts=/dev/null",
            "-o", "Dir::State::Lists=%s" % (self.dir / "lists"),
            "-o", "Dir::Cache=%s" % self.dir,
            "-o", "Dir::Cache::archives=%s" % (self.dir / "archives"),
            "-o", "Debug::NoLocking=1",
            "-o", "APT::Get::List-Cleanup=0",
            "-o", "APT::Sandbox::User=root",
        ]
        if arch:
            # the packages of arch only; dpkg's own architectures are untouched
            self.options += ["-o", "APT::Architecture=%s" % arch, "-o", "APT::Architectures::=%s" % arch]
        stamp = self.dir / "lists.stamp"
        stale = not stamp.exists() or time.time() - stamp.stat().st_mtime > LIST_MAX_AGE_S
        if changed or stale or os.environ.get("DWCP_KERNELS_REFRESH") == "1":
            print("kernels: refreshing the package lists of %s" % " ".join(suites), flush=True)
            started = time.monotonic()
            self.run("apt-get", "-q", "update")
            stamp.touch()
            print("kernels: package lists refreshed in %.1f s" % (time.monotonic() - started), flush=True)

    def run(self, tool, *args, cwd=None):
        p = subprocess.run([tool, *self.options, *args], capture_output=True, text=True, cwd=cwd)
        if p.returncode != 0:
            raise SystemExit("fetch: %s %s failed:\n%s%s" % (tool, " ".join(args), p.stdout, p.stderr))
        return p.stdout

    def newest(self, package, suite):
        """The newest version of package in suite or suite-security."""
        for line in self.run("apt-cache", "madison", package).splitlines():
            fields = [f.strip() for f in line.split("|")]
            if len(fields) == 3 and fields[2].split()[1].split("/")[0] in (suite, suite + "-security"):
                return fields[1]  # madison lists the newest first
        raise SystemExit("fetch: no %s in suite %s" % (package, suite))

    def kernel_parts(self, package, version):
        """package=version and, recursively, the kernel packages it depends on."""
        parts, todo = {}, [(package, version)]
        while todo:
            name, ver = todo.pop()
            if name in parts:
                continue
            parts[name] = ver
            show = self.run("apt-cache", "show", "%s=%s" % (name, ver))
            depends = re.search(r"^Depends: (.*)$", show.split("\n\n")[0], re.M)
            for group in (depends.group(1).split(",") if depends else ()):
                for alternative in group.split("|"):
                    m = re.match(r"\s*(\S+)\s*(?:\(= (\S+)\))?", alternative)
                    if m and KERNEL_PART.match(m.group(1)) and m.group(2):
                        todo.append((m.group(1), m.group(2)))
        return parts


def fetch(entry, apt, cache=DEFAULT_CACHE):
    version = apt.newest(entry.package, entry.suite)
    root = Path(cache) / ("" if entry.arch == "x86" else entry.arch) / entry.name / version
    done = root / ".complete"
    if not done.exists():
        shutil.rmtree(root, ignore_errors=True)
        (root / "debs").mkdir(parents=True)
        parts = apt.kernel_parts(entry.package, version)
        del parts[entry.package]  # the metapackage holds nothing
        started = time.monotonic()
        size = 0
        wanted = ["%s=%s" % part for part in sorted(parts.items())]
        print("kernels: %s %s: downloading %s" % (entry.arch, entry.name, " ".join(wanted)), flush=True)
        apt.run("apt-get", "-q", "download", *wanted, cwd=root / "debs")
        for deb in sorted((root / "debs").glob("*.deb")):
            size += deb.stat().st_size
            subprocess.run(["dpkg", "-x", str(deb), str(root / "tree")], check=True)
        shutil.rmtree(root / "debs")
        print("kernels: %s %s: %s downloaded (%.1f MB) and unpacked in %.1f s" % (
            entry.arch, entry.name, version, size / 1e6, time.monotonic() - started), flush=True)
        done.touch()
    else:
        print("kernels: %s %s: %s cached in %s" % (entry.arch, entry.name, version, root), flush=True)
    return locate(entry, version, root / "tree")


def locate(entry, version, tree):
    vmlinuz = sorted(tree.glob("boot/vmlinuz-*")) + sorted(tree.glob("usr/lib/modules/*/vmlinuz")) + \
        sorted(tree.glob("lib/modules/*/vmlinuz"))
    if not vmlinuz:
        raise SystemExit("fetch: no vmlinuz in %s" % tree)
    v = vmlinuz[0]
    release = v.name[len("vmlinuz-"):] if v.name.startswith("vmlinuz-") else v.parent.name
    modules = next((d for d in (tree / "lib/modules" / release, tree / "usr/lib/modules" / release)
                    if d.is_dir()), None)
    config = next((c for c in (tree / "boot" / ("config-" + release), tree / "usr/lib/modules" / release / "config",
                               tree / "lib/modules" / release / "config") if c.exists()), None)
    if modules is None or config is None:
        raise SystemExit("fetch: %s: modules or config of %s missing in %s" % (entry.name, release, tree))
    return Kernel(entry.name, entry.arch, version, release, v, modules, config, entry.cmdline)


if __name__ == "__main__":
    # fetch.py [ARCH/NAME...]: fetch (and print) the kernels of kernels.list
    here = Path(__file__).resolve().parent
    entries = read_list(here / "kernels.list")
    wanted = sys.argv[1:] or ["%s/%s" % (e.arch, e.name) for e in entries]
    apt = apts(entries)
    for e in entries:
        if "%s/%s" % (e.arch, e.name) in wanted:
            print(fetch(e, apt[e.arch]))
