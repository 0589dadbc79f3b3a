# SPDX-License-Identifier: Apache-2.0
"""make test-kernels: boot every kernel of kernels.list (or those KERNELS=
names) of the given architectures under qemu with that architecture's build
inside, run guest/check.sh, judge the results with verify.py, print a
kernel x result table.

  run.py [--kernels "6.1 sid"] [--arch x86=build --arch arm64=build/arm64]
         [--out DIR] [--jobs N] [--fetch-only]

--arch ARCH=BUILD (repeatable; default the host's architecture with
--build, default build/) names an architecture of kernels.list and the
build folder of its binaries (make ARCH=arm64 builds build/arm64). The
guests of all architectures share one pool of --jobs, so an x86-64 and an
arm64 guest run side by side.

Kernels are fetched and cached first (fetch.py: what is downloaded is
printed), one root image is made for all of them (image.py), then the
guests boot, --jobs at a time (default 2). Each guest has a time limit and
its qemu is killed by PID past it; a guest that did not finish prints its
console tail. Results stay in OUT/NAME/ (console.log, results/), the table
in OUT/table.md. Exit status 0 when every judged check passed.
--fetch-only downloads and caches the kernels and stops: make test runs it
while it builds, as the download is bound by the network, not the CPUs.
"""
import argparse
import concurrent.futures
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fetch  # noqa: E402
import image  # noqa: E402
import qemu  # noqa: E402
import verify  # noqa: E402

GUEST_LIMIT_S = {"x86": 300, "arm64": 420}  # check.sh inside the guest (arm64 is slower under TCG)
BOOT_MARGIN_S = 90          # boot, power-off, a slow host
COLUMNS = ("kernel", "arch", "preemption", "JIT private stack", "BPF cookies", "sim (exporter first / late / --pid)",
           "threads client, plain sys/sdt.h (PIE / non-PIE)", "Go node (usdt/go/node)", "interleaved runs", "argument kinds", "bpftrace",
           "fast probe sites", "red-zone control", "result", "guest s")


def run_one(kernel, base_image, out, build, cpus):
    d = out / kernel.arch / kernel.name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    img = d / "rootfs.img"
    shutil.copyfile(base_image, img)
    print("kernels: %s %s: booting %s" % (kernel.arch, kernel.name, kernel.release), flush=True)
    limit = GUEST_LIMIT_S[kernel.arch]
    boot = qemu.boot(kernel, img, run="/dwcp/init.sh", timeout=limit + BOOT_MARGIN_S,
                     cmdline=("dwcp.limit=%d" % limit,), console=d / "console.log", memory_mb=2048, cpus=cpus, build=build)
    try:
        results = qemu.read_back(img, "/results", d / "results")
        verdict = verify.verify(results, build, kernel)
    except Exception as e:  # no results to judge: the boot itself failed
        verdict = verify.Verdict()
        verdict.add("results read back from the guest", False, str(e))
    if not boot.finished:
        verdict.add("guest finished within %d s" % (limit + BOOT_MARGIN_S), False, "qemu killed")
    img.unlink()
    return kernel, boot, verdict


def row(kernel, boot, v):
    f = v.facts
    return (
        "%s (%s)" % (kernel.name, kernel.version), kernel.arch,
        f.get("preemption", "?"), f.get("private stack", "?"), f.get("BPF cookies", "?"),
        " / ".join(f.get(n, "?") for n in ("sim", "sim-late", "sim-pid")),
        " / ".join(f.get(n, "?") for n in ("sdt", "sdt-nopie")), f.get("go", "?"),
        str(f.get("interleaved", "n/a")), f.get("argument kinds", "?"), f.get("bpftrace", "?"), f.get("fast path", "?"),
        f.get("red-zone control", "?"), "pass" if v.ok else "**FAIL**", "%.0f" % boot.seconds)


def table(rows):
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernels", default=os.environ.get("KERNELS", ""), help="names from kernels.list (default all)")
    ap.add_argument("--build", default=str(verify.ROOT / "build"), help="the host architecture's build")
    ap.add_argument("--arch", action="append", default=[], metavar="ARCH=BUILD",
                    help="an architecture of kernels.list and its build folder (repeatable)")
    ap.add_argument("--out", default=None, help="default BUILD/kernels (of the first --arch)")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("KERNEL_JOBS", "2")))
    ap.add_argument("--cpus", type=int, default=int(os.environ.get("KERNEL_CPUS", "1")),
                    help="vCPUs per guest (default 1: under TCG a 2-vCPU 7.2 guest sometimes dies of an int3 "
                         "Oops while the kernel patches its own text; preemption shows on one vCPU as well)")
    ap.add_argument("--fetch-only", action="store_true", help="download and cache the kernels, boot none")
    args = ap.parse_args()
    builds = {}
    for a in args.arch or ["%s=%s" % (image.HOST_ARCH, args.build)]:
        arch, _, folder = a.partition("=")
        if arch not in fetch.DEBIAN_ARCH or not folder:
            sys.exit("test-kernels: --arch %r: want ARCH=BUILD with ARCH one of %s" % (a, " ".join(fetch.DEBIAN_ARCH)))
        builds[arch] = Path(folder).resolve()
    out = Path(args.out or next(iter(builds.values())) / "kernels").resolve()
    started = time.monotonic()

    entries = fetch.read_list(HERE / "kernels.list")
    wanted = args.kernels.split()
    unknown = set(wanted) - {e.name for e in entries if e.arch in builds}
    if unknown:
        sys.exit("test-kernels: not in kernels.list for %s: %s (it has %s)" % (
            " ".join(builds), " ".join(sorted(unknown)),
            " ".join("%s/%s" % (e.arch, e.name) for e in entries)))
    # the apt configuration names every suite of the list, whichever run
    apts = fetch.apts(entries)
    entries = [e for e in entries if e.arch in builds and (not wanted or e.name in wanted)]
    kernels = []
    for e in entries:
        try:
            kernels.append(fetch.fetch(e, apts[e.arch]))
        except SystemExit as failure:  # a kernel that cannot be downloaded fails, naming it
            sys.exit("test-kernels: %s %s (%s %s) could not be fetched: %s" % (e.arch, e.name, e.suite, e.package,
                                                                            failure))
    fetched = time.monotonic()
    if args.fetch_only:
        print("kernels: %d kernels fetched in %.0f s" % (len(kernels), fetched - started))
        return 0
    bases = {}
    for arch in sorted({k.arch for k in kernels}):
        bases[arch] = image.build_image(builds[arch], out / arch / "image", arch)
        print("kernels: %s root image %s (%.0f MB)" % (arch, bases[arch], bases[arch].stat().st_size / 1e6),
              flush=True)

    done = {}
    # the slowest guests first (arm64 under TCG), so that the pool ends together
    order = sorted(kernels, key=lambda k: k.arch == "x86")
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_one, k, bases[k.arch], out, builds[k.arch], args.cpus) for k in order]
        for fut in concurrent.futures.as_completed(futures):
            kernel, boot, verdict = fut.result()
            done[(kernel.arch, kernel.name)] = (kernel, boot, verdict)
            print("kernels: %s %s: %s in %.0f s" % (kernel.arch, kernel.name, "pass" if verdict.ok else "FAIL",
                                                    boot.seconds), flush=True)
            for c in verdict.checks:
                if c.ok is False:
                    print("  FAIL %s: %s" % (c.what, c.detail), flush=True)
            if not verdict.ok:
                print("  console tail (%s):\n%s" % (out / kernel.arch / kernel.name / "console.log",
                                                     boot.console_tail()), flush=True)
    rows = [row(*done[(k.arch, k.name)]) for k in kernels]
    text = table(rows)
    (out / "table.md").write_text(text)
    print(text)
    print("kernels: fetch %.0f s, image and guests %.0f s, %d kernels, --jobs %d" % (
        fetched - started, time.monotonic() - fetched, len(kernels), args.jobs))
    failed = sum(1 for k in kernels if not done[(k.arch, k.name)][2].ok)
    print("%d passed, %d failed" % (len(kernels) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
