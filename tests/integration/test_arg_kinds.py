# SPDX-License-Identifier: Apache-2.0
"""Every kind of USDT argument libbpf 1.1 parses, read by our reader
(bpf/dwcp_usdt_args.bpf.h): tests/programs/dwcp_sdt_argkinds.c, built on
plain sys/sdt.h without dwcp_probes.h's constraint, fires stream_data with
8-byte registers, 1/2/4-byte sub-registers whose upper bits hold other data,
memory operands, constants, signed and unsigned, the id in a register and in
memory. readelf shows that each kind is really in the binary, so this test
cannot quietly stop covering one; the exporter's bytes and out-of-range
count match the program's ledger exactly. The arm64 build of the program
(make ARCH=arm64) is held to arm64's kinds here; the kernel matrix counts
it in arm64 guests (tests/kernels)."""
import re
import signal
import subprocess

import pytest

from harness import BUILD, Exporter, private_copy, series, stop_process

ARGKINDS = BUILD / "tests" / "dwcp_sdt_argkinds"
ARGKINDS_ARM64 = BUILD / "arm64" / "tests" / "dwcp_sdt_argkinds"

# one argument of a stapsdt note, SIZE@LOCATION, by the ELF machine
KINDS = {
    "X86-64": {
        "8-byte register": r"^8@%r[a-z0-9]+$",
        "1-byte register": r"^-?1@%[a-z0-9]+$",
        "2-byte register": r"^-?2@%[a-z0-9]+$",
        "4-byte register": r"^-?4@%[a-z0-9]+$",
        "signed sub-register": r"^-[124]@%[a-z0-9]+$",
        "memory, 8 bytes": r"^8@-?\d*\(%r[a-z0-9]+\)$",
        "memory, 1 byte signed": r"^-1@-?\d*\(%r[a-z0-9]+\)$",
        "memory, 2 bytes": r"^-?2@-?\d*\(%r[a-z0-9]+\)$",
        "memory, 4 bytes": r"^-?4@-?\d*\(%r[a-z0-9]+\)$",
        "memory, no offset": r"^-?\d@\(%r[a-z0-9]+\)$",
        "memory, not the stack": r"^-?\d@-?\d*\(%r(?!sp|bp)[a-z0-9]+\)$",
        "constant": r"^-?\d@\$\d+$",
        "negative constant": r"^-\d@\$-\d+$",
    },
    # libbpf 1.1's arm64 forms: xN (the 64-bit name, whatever the size),
    # [xN], [xN, off], [sp, off], constants without $
    "AArch64": {
        "8-byte register": r"^8@x\d+$",
        "1-byte register": r"^-?1@x\d+$",
        "2-byte register": r"^-?2@x\d+$",
        "4-byte register": r"^-?4@x\d+$",
        "signed sub-register": r"^-[124]@x\d+$",
        "memory, 8 bytes": r"^8@\[(x\d+|sp)(, -?\d+)?\]$",
        "memory, 1 byte signed": r"^-1@\[(x\d+|sp)(, -?\d+)?\]$",
        "memory, 2 bytes": r"^-?2@\[(x\d+|sp)(, -?\d+)?\]$",
        "memory, 4 bytes": r"^-?4@\[(x\d+|sp)(, -?\d+)?\]$",
        "memory, [xN]": r"^-?\d@\[x\d+\]$",
        "memory, [xN, off]": r"^-?\d@\[x\d+, -?\d+\]$",
        "memory, [sp, off]": r"^-?\d@\[sp, -?\d+\]$",
        "constant": r"^-?\d@\d+$",
        "negative constant": r"^-\d@-\d+$",
    },
}


def machine(binary):
    out = subprocess.run(["readelf", "-hW", str(binary)], capture_output=True, text=True, check=True).stdout
    return re.search(r"Machine:\s+(?:Advanced Micro Devices )?(\S+)", out).group(1)


def missing_kinds(binary):
    """The kinds of binary's architecture that none of its stream_data
    arguments has, and whether the id is both in a register and in memory."""
    sites = stream_data_sites(binary)
    args = [a for site in sites for a in site]
    missing = [kind for kind, pattern in KINDS[machine(binary)].items() if not any(re.match(pattern, a) for a in args)]
    ids = {site[0] for site in sites}
    in_memory = {i for i in ids if "(" in i or "[" in i}
    if not in_memory or in_memory == ids:
        missing.append("the id in a register and in memory")
    return missing, sites


def stream_data_sites(binary):
    """The argument strings of binary's stream_data notes, one list per site."""
    out = subprocess.run(["readelf", "-n", str(binary)], capture_output=True, text=True, check=True).stdout
    sites = re.findall(r"Name: stream_data\n\s*Location:.*\n\s*Arguments: (.*)", out)
    assert sites, out
    # an arm64 memory operand holds a space: [sp, 28]
    return [re.findall(r"\S+@(?:\[[^\]]*\]|\S+)", site) for site in sites]


def test_binary_has_every_argument_kind():
    missing, sites = missing_kinds(ARGKINDS)
    assert not missing, "dwcp_sdt_argkinds no longer has %s: %s" % (missing, sites)


@pytest.mark.skipif(not ARGKINDS_ARM64.exists(), reason="no arm64 build (make ARCH=arm64)")
def test_arm64_binary_has_every_argument_kind():
    assert machine(ARGKINDS_ARM64) == "AArch64"
    missing, sites = missing_kinds(ARGKINDS_ARM64)
    assert not missing, "the arm64 dwcp_sdt_argkinds no longer has %s: %s" % (missing, sites)


def read_ledger(stdout):
    """{stream id: (sent, received)} and the out-of-range count, until "done"."""
    streams, out_of_range = {}, None
    for line in stdout:
        words = line.split()
        if words == ["done"]:
            return streams, out_of_range
        if words[0] == "bytes":
            assert words[1] not in streams, line
            streams[words[1]] = (int(words[2]), int(words[3]))
        else:
            assert words[0] == "out_of_range" and out_of_range is None, line
            out_of_range = int(words[1])
    raise AssertionError("dwcp_sdt_argkinds ended without its ledger")


def test_every_argument_kind_counted_exactly(tmp_path):
    binary = private_copy(ARGKINDS, tmp_path)
    with Exporter(binaries=(binary,)) as exporter:
        p = subprocess.Popen([str(binary)], stdout=subprocess.PIPE, text=True)
        try:
            assert p.stdout.readline().strip() == "waiting"
            p.send_signal(signal.SIGUSR1)
            ledger, out_of_range = read_ledger(p.stdout)
            s = exporter.samples()
        finally:
            stop_process(p)
    assert out_of_range > 0  # only a sign extension makes a negative value out of range
    assert len(ledger) == 3
    sent = series(s, "dwcp_amst_bytes_sent_total")
    received = series(s, "dwcp_amst_bytes_received_total")
    assert set(sent) == {("dwcp_amst_bytes_sent_total", (("stream_id", i),)) for i in ledger}
    for stream_id, (want_sent, want_received) in ledger.items():
        assert sent[("dwcp_amst_bytes_sent_total", (("stream_id", stream_id),))] == want_sent, stream_id
        assert received[("dwcp_amst_bytes_received_total", (("stream_id", stream_id),))] == want_received, stream_id
    bad = {k: v for k, v in series(s, "dwcp_bpf_bad_probe_args_total").items() if v}
    assert bad == {("dwcp_bpf_bad_probe_args_total", (("probe", "stream_data"), ("reason", "out_of_range"))):
                   out_of_range}, bad
