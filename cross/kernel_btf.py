#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The BTF of a Debian kernel of another architecture, for its vmlinux.h.

  kernel_btf.py --arch arm64 --kernel 6.1 --out BUILD/vmlinux.btf --origin BUILD/vmlinux.btf.kernel

A host builds the BPF programs of its own architecture from its running
kernel's /sys/kernel/btf/vmlinux. For arm64 on an x86-64 host there is no
such file: this takes the kernel of kernels.list's line (ARCH, NAME), as the
kernel matrix fetches and caches it (tests/kernels/fetch.py), and cuts the
kernel's .BTF section out of its Image. That section is loaded with the
kernel and lies in the Image as it will in memory, starting with the BTF
header (magic 0xeb9f, version 1); the strings follow the types, and the
section is the one of that shape that begins with an empty string and
holds the most. The kernel itself serves exactly these bytes as
/sys/kernel/btf/vmlinux (the kernel matrix checks so in its guests).
`bpftool btf dump file OUT format c` then writes vmlinux.h from it.
"""
import argparse
import gzip
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests/kernels"))
import fetch  # noqa: E402

HEADER = struct.Struct("<HBBIIIII")  # magic version flags hdr_len type_off type_len str_off str_len
MAGIC = 0xEB9F


def find_btf(image):
    """The bytes of the kernel's .BTF section in image, or None."""
    best = None
    start = image.find(b"\x9f\xeb\x01\x00")
    while start >= 0:
        magic, version, _flags, hdr_len, type_off, type_len, str_off, str_len = HEADER.unpack_from(image, start)
        end = start + hdr_len + str_off + str_len
        if (magic == MAGIC and version == 1 and hdr_len == HEADER.size and type_off == 0 and str_off == type_len
                and type_len > 0 and str_len > 0 and end <= len(image) and image[start + hdr_len + str_off] == 0
                and image[end - 1] == 0 and (best is None or end - start > len(best))):
            best = image[start:end]
        start = image.find(b"\x9f\xeb\x01\x00", start + 1)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", required=True)
    ap.add_argument("--kernel", required=True, help="a name of kernels.list for that architecture")
    ap.add_argument("--out", required=True)
    ap.add_argument("--origin", required=True, help="where to write 'ARCH NAME VERSION' of the kernel")
    args = ap.parse_args()
    entries = fetch.read_list(HERE.parent / "tests/kernels/kernels.list")
    entry = next((e for e in entries if e.arch == args.arch and e.name == args.kernel), None)
    if entry is None:
        sys.exit("kernel_btf: no kernel %s for %s in kernels.list" % (args.kernel, args.arch))
    kernel = fetch.fetch(entry, fetch.apts(entries)[args.arch])
    image = kernel.vmlinuz.read_bytes()
    if image[:2] == b"\x1f\x8b":
        image = gzip.decompress(image)
    btf = find_btf(image)
    if btf is None:
        sys.exit("kernel_btf: no BTF section in %s (a kernel built without CONFIG_DEBUG_INFO_BTF?)" % kernel.vmlinuz)
    Path(args.out).write_bytes(btf)
    # which kernel: the kernel matrix checks that this one serves the same
    Path(args.origin).write_text("%s %s %s\n" % (kernel.arch, kernel.name, kernel.version))
    print("kernel_btf: %s: %d bytes of BTF from %s (%s)" % (args.out, len(btf), kernel.vmlinuz.name, kernel.version))


if __name__ == "__main__":
    main()
