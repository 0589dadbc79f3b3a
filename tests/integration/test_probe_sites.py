# SPDX-License-Identifier: Apache-2.0
"""Probe sites (usdt/dwcp_probes.h): every dwcp USDT note of a binary built
with the header points at an 8-byte aligned nop5 bracketed by
lea -128(%rsp),%rsp / lea 128(%rsp),%rsp; a traced site is turned into a
call to [uprobes-trampoline] where the kernel offers that (Linux 6.17+,
x86-64), the call leaves the red zone of the traced function intact, events
are still counted, and detaching restores the nop5. A control build with a
bare nop5 shows that the red zone would be clobbered without the bracket."""
import platform
import re
import subprocess

import pytest

from harness import BUILD, ROOT, Exporter, wait_for

NOP5 = bytes.fromhex("0f1f440000")
LEA_DOWN = bytes.fromhex("488d642480")        # lea -0x80(%rsp),%rsp
LEA_UP = bytes.fromhex("488da42480000000")    # lea 0x80(%rsp),%rsp
EVENTS = 2000

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64", reason="the nop5 site is x86-64 only")

# A leaf function with marker words in the 32 bytes below %rsp (where the
# trampoline call and its three pushes land) across one stream_data site.
# Commands on stdin: "fire" fires EVENTS events and prints
# "clobbered=K trampoline=T"; "quit" exits.
PROGRAM = r'''
#include "dwcp_probes.h"
#include <stdio.h>
#include <string.h>
#ifdef BARE_NOP5
#undef _SDT_NOP
#define _SDT_NOP .p2align 3; 990: .4byte 0x00441f0f; .byte 0x00
#endif
#ifdef BARE_NOP10 /* nopw %cs:0x0(%rax,%rax,1), the site Linux 7.x optimizes */
#undef _SDT_NOP
#define _SDT_NOP .p2align 4; 990: .4byte 0x1f0f2e66; .byte 0x84; .4byte 0; .byte 0
#endif
static __attribute__((noinline)) int fire(const char *id, unsigned long v)
{
	unsigned long a, b, c, d;

	__asm__ volatile("movq %0, -8(%%rsp)\n\tmovq %0, -16(%%rsp)\n\t"
			 "movq %0, -24(%%rsp)\n\tmovq %0, -32(%%rsp)" : : "r"(v) : "memory");
	DWCP_STREAM_DATA(id, 1, 2);
	__asm__ volatile("movq -8(%%rsp), %0\n\tmovq -16(%%rsp), %1\n\t"
			 "movq -24(%%rsp), %2\n\tmovq -32(%%rsp), %3"
			 : "=r"(a), "=r"(b), "=r"(c), "=r"(d) : : "memory");
	return a != v || b != v || c != v || d != v;
}
static int trampoline_mapped(void)
{
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, "[uprobes-trampoline]") != NULL;
	if (f)
		fclose(f);
	return found;
}
int main(void)
{
	char cmd[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	puts("ready");
	while (fgets(cmd, sizeof(cmd), stdin) && strncmp(cmd, "quit", 4) != 0) {
		int clobbered = 0;

		for (unsigned long i = 0; i < EVENTS; i++)
			clobbered += fire("site-test", 0x5a5a5a5a00000000ul + i);
		printf("clobbered=%d trampoline=%d\n", clobbered, trampoline_mapped());
	}
	return 0;
}
'''


def kernel_optimizes_uprobes():
    with open("/proc/kallsyms") as f:
        return any(line.rstrip().endswith(" arch_uprobe_optimize") for line in f)


def load_segments(path):
    out = subprocess.run(["readelf", "-lW", str(path)], check=True, capture_output=True, text=True).stdout
    segs = []
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            segs.append((int(f[1], 16), int(f[2], 16), int(f[4], 16)))  # offset, vaddr, filesz
    return segs


def dwcp_sites(path):
    """Addresses (ELF vaddr) of the dwcp notes of path."""
    out = subprocess.run(["readelf", "-nW", str(path)], check=True, capture_output=True, text=True).stdout
    sites, provider = [], None
    for line in out.splitlines():
        m = re.search(r"Provider: (\S+)", line)
        if m:
            provider = m.group(1)
        m = re.search(r"Location: (0x[0-9a-f]+)", line)
        if m and provider == "dwcp":
            sites.append(int(m.group(1), 16))
    return sites


def file_bytes(path, vaddr, n, segs):
    for off, va, size in segs:
        if va <= vaddr < va + size:
            with open(path, "rb") as f:
                f.seek(vaddr - va + off)
                return f.read(n)
    raise AssertionError("0x%x is in no loaded segment of %s" % (vaddr, path))


@pytest.mark.parametrize("binary", [BUILD / "dwcp-sim", BUILD / "tests" / "dwcp_badargs"])
def test_every_site_is_a_bracketed_aligned_nop5(binary):
    sites = dwcp_sites(binary)
    assert sites, "no dwcp notes in %s" % binary
    segs = load_segments(binary)
    for site in sites:
        assert site % 8 == 0, "site 0x%x of %s is not 8-byte aligned" % (site, binary)
        assert file_bytes(binary, site, 5, segs) == NOP5
        assert file_bytes(binary, site + 5, 8, segs) == LEA_UP
        # the lea down, then at most 7 bytes of alignment nops
        before = file_bytes(binary, site - 12, 12, segs)
        assert LEA_DOWN in before, "site 0x%x of %s: no lea -128(%%rsp) before it" % (site, binary)


def test_plain_sdt_binary_keeps_one_byte_nop():
    """The control: a binary on plain sys/sdt.h has the 1-byte nop."""
    binary = BUILD / "tests" / "dwcp_nosem"
    segs = load_segments(binary)
    sites = dwcp_sites(binary)
    assert sites
    for site in sites:
        assert file_bytes(binary, site, 1, segs) == b"\x90"


def build_program(directory, *defines):
    src = directory / "site_prog.c"
    src.write_text(PROGRAM)
    exe = directory / ("site_prog" + "".join(d.lower() for d in defines))
    subprocess.run(["gcc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-DEVENTS=%d" % EVENTS,
                    *("-D" + d for d in defines), "-I", str(ROOT / "usdt"), str(src), "-o", str(exe)],
                   check=True)
    return exe


class SiteProgram:
    def __init__(self, exe):
        self.exe = exe
        self.proc = subprocess.Popen([str(exe)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"
        (site,) = dwcp_sites(exe)
        self.site = self.load_base() + site

    def load_base(self):
        with open("/proc/%d/maps" % self.proc.pid) as f:
            for line in f:
                fields = line.split()
                if fields[-1] == str(self.exe) and int(fields[2], 16) == 0:
                    return int(fields[0].split("-")[0], 16)
        raise AssertionError("no mapping of %s" % self.exe)

    def site_bytes(self):
        with open("/proc/%d/mem" % self.proc.pid, "rb") as f:
            f.seek(self.site)
            return f.read(5)

    def fire(self):
        self.proc.stdin.write("fire\n")
        self.proc.stdin.flush()
        m = re.match(r"clobbered=(\d+) trampoline=(\d+)", self.proc.stdout.readline())
        assert m
        return int(m.group(1)), int(m.group(2))

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(10)


def bytes_sent(exporter):
    return exporter.samples().get(("dwcp_amst_bytes_sent_total", ()), 0)


def test_traced_site_takes_the_trampoline_and_keeps_the_red_zone(tmp_path):
    exe = build_program(tmp_path)
    prog = SiteProgram(exe)
    try:
        assert prog.site_bytes() == NOP5
        assert prog.fire() == (0, 0)  # untraced: nothing to see
        with Exporter(binaries=(exe,), extra_args=("--no-stream.id-label",)) as exporter:
            wait_for(lambda: prog.site_bytes() != NOP5, 10, "the uprobe on the site")
            clobbered, trampoline = prog.fire()
            assert clobbered == 0
            if kernel_optimizes_uprobes():
                assert trampoline == 1
                assert prog.site_bytes()[0] == 0xE8, "site not turned into a call: %s" % prog.site_bytes().hex()
            wait_for(lambda: bytes_sent(exporter) == EVENTS, 10, "every traced event counted")
            assert prog.fire()[0] == 0
            wait_for(lambda: bytes_sent(exporter) == 2 * EVENTS, 10, "the second round counted")
        # detached: the nop5 is back and the site costs nothing again
        wait_for(lambda: prog.site_bytes() == NOP5, 10, "the nop5 restored after detach")
        assert prog.fire()[0] == 0
    finally:
        prog.close()


def test_bare_nop5_would_clobber_the_red_zone(tmp_path):
    """Why the lea bracket exists: without it the trampoline call writes
    below %rsp of the traced function."""
    if not kernel_optimizes_uprobes():
        pytest.skip("this kernel does not optimize uprobes on nop5")
    exe = build_program(tmp_path, "BARE_NOP5")
    prog = SiteProgram(exe)
    try:
        with Exporter(binaries=(exe,)):
            wait_for(lambda: prog.site_bytes() != NOP5, 10, "the uprobe on the site")
            clobbered, trampoline = prog.fire()
            assert trampoline == 1
            # the first hit traps and optimizes; every later one is a call
            assert clobbered >= EVENTS - 10
    finally:
        prog.close()
