# SPDX-License-Identifier: Apache-2.0
"""usdt/dwcp.d is the one source of truth for probe names and argument
order: the header, the built binaries and the BPF programs must agree."""
import re
import subprocess

from harness import BUILD, ROOT, SIM


def provider_probes():
    text = (ROOT / "usdt" / "dwcp.d").read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    probes = {}
    for name, args in re.findall(r"probe\s+(\w+)\s*\(([^)]*)\)\s*;", text):
        probes[name] = len([a for a in args.split(",") if a.strip()])
    return probes


def header_probes():
    text = (ROOT / "usdt" / "dwcp_probes.h").read_text()
    block = text[text.index("#define DWCP_FOR_EACH_PROBE(X)"):]
    block = block[:block.index("\n\n")]
    return {name: int(n) for name, n in re.findall(r"X\((\w+), (\d)\)", block)}


def binary_probes(path):
    out = subprocess.run(["readelf", "-n", str(path)], capture_output=True, text=True, check=True).stdout
    probes = {}
    for provider, name, args in re.findall(
            r"Provider: (\S+)\n\s+Name: (\S+)\n.*?\n\s+Arguments: ?(.*)", out):
        assert provider == "dwcp", provider
        n = len(args.split())
        assert probes.setdefault(name, n) == n, "probe %s has sites with different argument counts" % name
    return probes


def test_provider_has_the_contract_probes():
    assert len(provider_probes()) == 21


def test_header_matches_provider():
    assert header_probes() == provider_probes()


def test_every_probe_has_a_macro_and_enabled_check():
    text = (ROOT / "usdt" / "dwcp_probes.h").read_text()
    for name in provider_probes():
        assert "#define DWCP_%s(" % name.upper() in text, name
        assert "#define DWCP_%s_ENABLED()" % name.upper() in text, name


def test_sim_fires_every_probe_with_the_contract_arguments():
    assert binary_probes(SIM) == provider_probes()


def test_sim_arguments_are_registers_or_immediates():
    # libbpf cannot read memory operands such as 8@304+L(%rip)
    out = subprocess.run(["readelf", "-n", str(SIM)], capture_output=True, text=True, check=True).stdout
    for args in re.findall(r"Arguments: (.*)", out):
        for arg in args.split():
            assert re.fullmatch(r"-?\d+@(%\w+|\$-?\d+)", arg), arg


def test_every_probe_has_a_bpf_program():
    programs = set()
    for obj in (BUILD / "bpf").glob("*.bpf.o"):
        out = subprocess.run(["llvm-objdump", "-t", str(obj)], capture_output=True, text=True, check=True).stdout
        programs |= set(re.findall(r"\sF usdt\s+\S+\s+(\w+)$", out, flags=re.M))
    assert programs == set(provider_probes())


def test_go_package_carries_the_contract_unchanged():
    # usdt/go/metrics is copied whole into DWCP trees: its copies of the
    # contract and the header are the ones here (its go test checks the same)
    for name in ("dwcp.d", "dwcp_probes.h"):
        assert (ROOT / "usdt" / "go" / "metrics" / name).read_bytes() == (ROOT / "usdt" / name).read_bytes(), name
