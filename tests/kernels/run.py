# SPDX-License-Identifier: Apache-2.0
"""make test-kernels: boot every kernel of kernels.list (or those KERNELS=
names) under qemu with this build inside, run guest/check.sh, judge the
results with verify.py, print a kernel x result table.

  run.py [--kernels "6.1 sid"] [--build DIR] [--out DIR] [--jobs N]

Kernels are fetched and cached first (fetch.py: what is downloaded is
printed), one root image is made for all of them (image.py), then the
guests boot, --jobs at a time (default 2). Each guest has a time limit and
its qemu is killed by PID past it; a guest that did not finish prints its
console tail. Results stay in OUT/NAME/ (console.log, results/), the table
in OUT/table.md. Exit status 0 when every judged check passed.
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

GUEST_LIMIT_S = 300         # check.sh inside the guest
BOOT_MARGIN_S = 90          # boot, power-off, a slow host
COLUMNS = ("kernel", "preemption", "JIT private stack", "BPF cookies", "sim (exporter first / late / --pid)",
           "threads client, plain sys/sdt.h (PIE / non-PIE)", "Go node (usdt/go/node)", "interleaved runs", "bpftrace", "fast probe sites",
           "red-zone control", "result", "guest s")


def run_one(kernel, base_image, out, build, cpus):
    d = out / kernel.name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    img = d / "rootfs.img"
    shutil.copyfile(base_image, img)
    print("kernels: %s: booting %s" % (kernel.name, kernel.release), flush=True)
    boot = qemu.boot(kernel, img, run="/dwcp/init.sh", timeout=GUEST_LIMIT_S + BOOT_MARGIN_S,
                     cmdline=("dwcp.limit=%d" % GUEST_LIMIT_S,), console=d / "console.log", memory_mb=2048, cpus=cpus)
    try:
        results = qemu.read_back(img, "/results", d / "results")
        verdict = verify.verify(results, build)
    except Exception as e:  # no results to judge: the boot itself failed
        verdict = verify.Verdict()
        verdict.add("results read back from the guest", False, str(e))
    if not boot.finished:
        verdict.add("guest finished within %d s" % (GUEST_LIMIT_S + BOOT_MARGIN_S), False, "qemu killed")
    img.unlink()
    return kernel, boot, verdict


def row(kernel, boot, v):
    f = v.facts
    return (
        "%s (%s)" % (kernel.name, kernel.version),
        f.get("preemption", "?"), f.get("private stack", "?"), f.get("BPF cookies", "?"),
        " / ".join(f.get(n, "?") for n in ("sim", "sim-late", "sim-pid")),
        " / ".join(f.get(n, "?") for n in ("sdt", "sdt-nopie")), f.get("go", "?"),
        str(f.get("interleaved", "n/a")), f.get("bpftrace", "?"), f.get("fast path", "?"),
        f.get("red-zone control", "?"), "pass" if v.ok else "**FAIL**", "%.0f" % boot.seconds)


def table(rows):
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernels", default=os.environ.get("KERNELS", ""), help="names from kernels.list (default all)")
    ap.add_argument("--build", default=str(verify.ROOT / "build"))
    ap.add_argument("--out", default=None, help="default BUILD/kernels")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("KERNEL_JOBS", "2")))
    ap.add_argument("--cpus", type=int, default=int(os.environ.get("KERNEL_CPUS", "1")),
                    help="vCPUs per guest (default 1: under TCG a 2-vCPU 7.2 guest sometimes dies of an int3 "
                         "Oops while the kernel patches its own text; preemption shows on one vCPU as well)")
    args = ap.parse_args()
    build = Path(args.build).resolve()
    out = Path(args.out or build / "kernels").resolve()
    started = time.monotonic()

    entries = fetch.read_list(HERE / "kernels.list")
    wanted = args.kernels.split()
    unknown = set(wanted) - {e.name for e in entries}
    if unknown:
        sys.exit("test-kernels: not in kernels.list: %s (it has %s)" % (
            " ".join(sorted(unknown)), " ".join(e.name for e in entries)))
    # the apt configuration names every suite of the list, whichever run
    apt = fetch.Apt(fetch.DEFAULT_CACHE, sorted({e.suite for e in entries}))
    entries = [e for e in entries if not wanted or e.name in wanted]
    kernels = [fetch.fetch(e, apt) for e in entries]
    fetched = time.monotonic()
    base = image.build_image(build, out / "image")
    print("kernels: root image %s (%.0f MB)" % (base, base.stat().st_size / 1e6), flush=True)

    done = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_one, k, base, out, build, args.cpus) for k in kernels]
        for fut in concurrent.futures.as_completed(futures):
            kernel, boot, verdict = fut.result()
            done[kernel.name] = (kernel, boot, verdict)
            print("kernels: %s: %s in %.0f s" % (kernel.name, "pass" if verdict.ok else "FAIL", boot.seconds),
                  flush=True)
            for c in verdict.checks:
                if c.ok is False:
                    print("  FAIL %s: %s" % (c.what, c.detail), flush=True)
            if not verdict.ok:
                print("  console tail (%s):\n%s" % (out / kernel.name / "console.log", boot.console_tail()),
                      flush=True)
    rows = [row(*done[k.name]) for k in kernels]
    text = table(rows)
    (out / "table.md").write_text(text)
    print(text)
    print("kernels: fetch %.0f s, image and guests %.0f s, %d kernels, --jobs %d" % (
        fetched - started, time.monotonic() - fetched, len(kernels), args.jobs))
    failed = sum(1 for k in kernels if not done[k.name][2].ok)
    print("%d passed, %d failed" % (len(kernels) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
