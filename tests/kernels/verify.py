# SPDX-License-Identifier: Apache-2.0
"""Judges what guest/check.sh recorded in one guest's /results, on the host,
with the integration tests' own parsers (harness.parse_samples refuses a
series printed twice; assert_matches_ledger wants every ledger value
exactly).

What it offers
  - verify(results, build) -> Verdict: a list of Check (what, ok, detail;
    ok None for facts that are reported, not judged) and the facts the
    kernel table shows.

What a program line of programs.list must show
  - its probes all attached (as many as the binary has dwcp notes);
  - every ledger figure served exactly, no series the ledger does not have
    in the families it covers (a corrupted key shows up as an extra
    stream_id or label), and no bad probe argument the ledger did not fire;
  - the same counters after an exporter restart on the pinned maps (the
    first line only);
  - --capabilities.keep attach: every thread holds CAP_SYS_ADMIN only (plus
    CAP_SYS_PTRACE with --pid), no ambient or inheritable set,
    no_new_privs;
  - or, for a PIE binary without --pid on a kernel without BPF cookies, a
    refusal that names BPF cookies.
"""
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from image import find_in_build
from programs import read_programs

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests/integration"))
from harness import NODE_LABELS, assert_matches_ledger, parse_samples  # noqa: E402
from test_capabilities import KEPT_FOR_ATTACH, caps_mask  # noqa: E402
from test_arg_kinds import read_ledger as read_argkinds_ledger  # noqa: E402
from test_end_to_end import is_counter  # noqa: E402
from test_probe_sites import EVENTS as SITE_EVENTS  # noqa: E402
from test_probe_sites import dwcp_sites  # noqa: E402


@dataclass
class Check:
    what: str
    ok: object  # True, False, or None (a fact, not judged)
    detail: str = ""


@dataclass
class Verdict:
    checks: list = field(default_factory=list)
    facts: dict = field(default_factory=dict)

    def add(self, what, ok, detail=""):
        self.checks.append(Check(what, ok, detail))
        return ok

    @property
    def ok(self):
        return all(c.ok is not False for c in self.checks)


def read_facts(path):
    facts = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, _, value = line.partition("=")
            facts[key] = value.strip()
    return facts


def samples_of(path):
    return parse_samples(path.read_text(), NODE_LABELS)


def probe_names(binary):
    out = subprocess.run(["readelf", "-nW", str(binary)], check=True, capture_output=True, text=True).stdout
    names, provider = set(), None
    for line in out.splitlines():
        m = re.search(r"Provider: (\S+)", line)
        if m:
            provider = m.group(1)
        m = re.search(r"Name: (\S+)", line)
        if m and provider == "dwcp":
            names.add(m.group(1))
    return names


def is_pie(binary):
    out = subprocess.run(["readelf", "-hW", str(binary)], check=True, capture_output=True, text=True).stdout
    return re.search(r"Type:\s+DYN", out) is not None


def ledger_mismatches(samples, ledger):
    """Problems, as lines: ledger values not served exactly, series the
    ledger's families do not have, bad arguments the ledger did not fire."""
    problems = []
    try:
        assert_matches_ledger(samples, ledger)
    except AssertionError as e:
        problems.append(str(e))
    # a histogram's buckets and sum count as one series with its count: a
    # ledger may leave out the buckets and sum it cannot know (latency), not
    # the histogram
    def series_id(key):
        name, labels = key
        return re.sub(r"_(bucket|sum)$", "_count", name), tuple(l for l in labels if l[0] != "le")

    families = {name for name, _ in ledger}
    known = {series_id(k) for k in ledger}
    # the exporter renders some fixed series at 0 (decompress results)
    extra = sorted(k for k, value in samples.items()
                   if k[0] in families and series_id(k) not in known and value != 0)
    if extra:
        problems.append("%d series the ledger does not have, e.g. %s" % (
            len(extra), ", ".join("%s%s" % (n, dict(l)) for n, l in extra[:5])))
    bad = {k: v for k, v in samples.items() if k[0] == "dwcp_bpf_bad_probe_args_total" and v and k not in ledger}
    if bad:
        problems.append("bad probe arguments never fired: %s" % ", ".join(
            "%s=%g" % (dict(k[1]), v) for k, v in sorted(bad.items())))
    return problems


def capability_problems(path, with_pid):
    want = caps_mask(KEPT_FOR_ATTACH + (("sys_ptrace",) if with_pid else ()))
    problems, threads = [], 0
    for block in path.read_text().split("== ")[1:]:
        threads += 1
        fields = dict(re.findall(r"^(\w+):\s*(\S+)", block, re.M))
        got = {k: int(fields.get(k, "-1"), 16) for k in ("CapEff", "CapPrm", "CapBnd", "CapInh", "CapAmb")}
        expect = {"CapEff": want, "CapPrm": want, "CapBnd": want, "CapInh": 0, "CapAmb": 0}
        if got != expect or fields.get("NoNewPrivs") != "1":
            problems.append("%s: %s NoNewPrivs=%s" % (block.split()[0], {k: hex(v) for k, v in got.items()},
                                                      fields.get("NoNewPrivs")))
    if threads < 2:
        problems.append("%d threads recorded (the HTTP server's are missing)" % threads)
    return problems


def verify_program(v, program, results, build, cookies, first):
    d = results / ("prog-" + program.name)
    binary = find_in_build(build, program.binary)
    with_pid = "--pid" in program.flags
    log = (d / "exporter.log").read_text() if (d / "exporter.log").exists() else ""
    if not cookies and is_pie(binary) and not with_pid:
        refused = (d / "exporter.exit").exists() and (d / "exporter.exit").read_text().strip() != "0"
        v.add("%s: PIE without --pid refused, naming BPF cookies" % program.name,
              refused and "BPF cookies" in log, log.strip().splitlines()[-1] if log.strip() else "no log")
        v.facts[program.name] = "refused (no BPF cookies)" if refused and "BPF cookies" in log else "FAIL"
        return
    if not (d / "scrape.prom").exists():
        v.add("%s: scraped after its ledger" % program.name, False, log[-2000:])
        v.facts[program.name] = "FAIL"
        return
    samples = samples_of(d / "scrape.prom")
    ledger = parse_samples((d / "ledger.prom").read_text())
    want = len(probe_names(binary))
    attached = sum(val for k, val in samples.items() if k[0] == "dwcp_bpf_probe_attached")
    ok_attached = v.add("%s: all %d probes attached" % (program.name, want), attached == want,
                        "%d attached" % attached)
    problems = ledger_mismatches(samples, ledger)
    ok_ledger = v.add("%s: %d ledger figures exact, nothing extra" % (program.name, len(ledger)), not problems,
                      "\n".join(problems))
    restarted = d / "scrape-restarted.prom"
    if not first:
        pass  # check.sh restarts the exporter under the first program only
    elif restarted.exists():
        after = samples_of(restarted)
        lost = ["%s%s: %r then %r" % (k[0], dict(k[1]), samples.get(k), after.get(k))
                for k in ledger if is_counter(k[0]) and after.get(k) != samples.get(k)]
        v.add("%s: counters survive an exporter restart (pinned maps)" % program.name, not lost,
              "; ".join(lost[:5]))
    else:
        v.add("%s: counters survive an exporter restart (pinned maps)" % program.name, False,
              "no scrape after the restart")
    caps = capability_problems(d / "capabilities.txt", with_pid)
    v.add("%s: --capabilities.keep attach leaves %s" % (
        program.name, "CAP_SYS_ADMIN + CAP_SYS_PTRACE" if with_pid else "CAP_SYS_ADMIN"), not caps, "; ".join(caps))
    interleaved = samples.get(("dwcp_bpf_interleaved_runs_total", ()))
    v.add("%s: interleaved BPF runs (preempted programs)" % program.name, None, "%s" % interleaved)
    v.facts[program.name] = "exact" if ok_attached and ok_ledger else "FAIL"
    if interleaved is not None:  # builds before the metric existed lack it
        v.facts["interleaved"] = v.facts.get("interleaved", 0) + int(interleaved)


def verify_bpftrace(v, results, build):
    d = results / "bpftrace"
    if (d / "absent").exists() or not d.exists():
        v.add("bpftrace lists the probes", None, "bpftrace not in the image")
        v.facts["bpftrace"] = "not run"
        return
    listed = set(re.findall(r"^usdt:\S+:dwcp:(\w+)$", (d / "list.txt").read_text(), re.M))
    want = probe_names(build / "dwcp-sim")
    v.add("bpftrace lists the %d probes" % len(want), listed == want, "listed %d" % len(listed))
    sums, exact = {}, None
    exit_code = (d / "bpftrace.exit").read_text().strip() if (d / "bpftrace.exit").exists() else None
    if exit_code != "0":
        v.add("bpftrace sum() of the threads client's bytes per stream", None,
              "bpftrace did not finish (exit %s: killed by check.sh's time limit)" % exit_code)
        v.facts["bpftrace"] = "lists %d/%d; sums: bpftrace hung, killed" % (len(listed), len(want))
        return
    if (d / "ledger.prom").exists():
        ledger = parse_samples((d / "ledger.prom").read_text())
        for m in re.finditer(r"^@(sent|received)\[(.*)\]: (\d+)$", (d / "sums.txt").read_text(), re.M):
            name = "dwcp_amst_bytes_%s_total" % m.group(1)
            key = (name, (("stream_id", m.group(2)),))
            assert key not in sums, "bpftrace printed %r twice" % (key,)
            sums[key] = float(m.group(3))
        want_sums = {k: val for k, val in ledger.items() if k[0] in ("dwcp_amst_bytes_sent_total",
                                                                     "dwcp_amst_bytes_received_total")}
        wrong = sorted(k for k in set(want_sums) | set(sums) if sums.get(k) != want_sums.get(k))
        exact = not wrong
        v.add("bpftrace sum() of the threads client's bytes per stream", None,
              "exact (%d figures)" % len(want_sums) if exact else
              "%d of %d figures wrong or extra" % (len(wrong), len(want_sums)))
    v.facts["bpftrace"] = "lists %d/%d; sums %s" % (len(listed), len(want), {
        None: "not run", True: "exact", False: "WRONG"}[exact])


def site_answers(d):
    phases = (d / "phases.txt").read_text().split() if (d / "phases.txt").exists() else []
    answers = re.findall(r"clobbered=(\d+) trampoline=(\d+)", (d / "site.out").read_text()) \
        if (d / "site.out").exists() else []
    return {p: (int(c), int(t)) for p, (c, t) in zip(phases, answers)}


def verify_sites(v, results, facts):
    """dwcp_probes.h's site must keep the red zone and count every hit, fast
    path or not; the bare nop5 control must be clobbered where the kernel
    optimizes it (so the check above can fail); a bare nop10 is what Linux
    7.x optimizes, moving %rsp past the red zone itself."""
    d = results / "sites-site_prog"
    a = site_answers(d)
    if set(a) != {"untraced", "traced", "traced-again", "detached"}:
        v.add("probe sites: the site program answered every phase", False, "answers %r" % a)
        v.facts["fast path"] = "FAIL"
        return
    v.add("probe sites: red zone intact, traced or not", all(c == 0 for c, _ in a.values()), "%r" % a)
    sent = samples_of(d / "scrape.prom").get(("dwcp_amst_bytes_sent_total", ())) \
        if (d / "scrape.prom").exists() else None
    v.add("probe sites: every traced hit counted", sent == 2 * SITE_EVENTS, "%s of %d" % (sent, 2 * SITE_EVENTS))
    fast = {}
    for variant in ("site_prog", "site_prog_bare_nop5", "site_prog_bare_nop10"):
        answers = site_answers(results / ("sites-" + variant))
        if "traced-again" in answers:
            fast[variant] = answers["traced-again"][1] == 1
            v.add("probe sites: %s takes the fast path (call to [uprobes-trampoline])" % variant, None,
                  "yes" if fast[variant] else "no")
    v.facts["fast path"] = "dwcp_probes.h site %s; bare nop10 %s" % (
        "yes" if fast.get("site_prog") else "no", "yes" if fast.get("site_prog_bare_nop10") else "no")
    controls = []
    nop5 = site_answers(results / "sites-site_prog_bare_nop5").get("traced-again")
    if nop5 and nop5[1] == 1:
        v.add("red-zone control: a bare nop5 on the fast path is clobbered", nop5[0] >= SITE_EVENTS - 10,
              "clobbered %d of %d" % (nop5[0], SITE_EVENTS))
        controls.append("bare nop5 clobbered %d/%d" % (nop5[0], SITE_EVENTS))
    nop10 = site_answers(results / "sites-site_prog_bare_nop10").get("traced-again")
    if nop10 and nop10[1] == 1:
        v.add("red zone: a bare nop10 on the fast path is not clobbered (the kernel moves %rsp)", nop10[0] == 0,
              "clobbered %d of %d" % (nop10[0], SITE_EVENTS))
        controls.append("bare nop10 clobbered %d/%d" % (nop10[0], SITE_EVENTS))
    v.facts["red-zone control"] = "; ".join(controls) or "n/a (no fast path)"


def verify_argkinds(v, results):
    """dwcp_sdt_argkinds (its notes checked by readelf in test_arg_kinds.py,
    for each architecture): every stream's bytes and the out-of-range
    drops exactly as its ledger says."""
    d = results / "argkinds"
    if not (d / "scrape.prom").exists():
        v.add("argument kinds: scraped after the ledger", False,
              (d / "exporter.log").read_text()[-1500:] if (d / "exporter.log").exists() else "no exporter log")
        v.facts["argument kinds"] = "FAIL"
        return
    lines = (d / "program.out").read_text().splitlines()
    ledger, out_of_range = read_argkinds_ledger(iter(lines[lines.index("waiting") + 1:]))
    samples = samples_of(d / "scrape.prom")
    want = {}
    for stream_id, (sent, received) in ledger.items():
        want[("dwcp_amst_bytes_sent_total", (("stream_id", stream_id),))] = sent
        want[("dwcp_amst_bytes_received_total", (("stream_id", stream_id),))] = received
    want[("dwcp_bpf_bad_probe_args_total", (("probe", "stream_data"), ("reason", "out_of_range")))] = out_of_range
    got = {k: val for k, val in samples.items()
           if k[0] in ("dwcp_amst_bytes_sent_total", "dwcp_amst_bytes_received_total")
           or (k[0] == "dwcp_bpf_bad_probe_args_total" and val)}
    wrong = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
    ok = not wrong and out_of_range > 0 and len(ledger) == 3
    v.add("argument kinds: every stream and the out-of-range drops exact", ok,
          "%d of %d wrong, e.g. %s" % (len(wrong), len(want), ["%s: want %s got %s" % (k, want.get(k), got.get(k))
                                                               for k in wrong[:3]]) if wrong else
          "%d figures, %d out of range" % (len(want), out_of_range))
    v.facts["argument kinds"] = "exact (%d figures)" % len(want) if ok else "**WRONG**"


def verify_btf(v, facts, build, kernel):
    """The arm64 vmlinux.h is made from BTF cut out of the kernel package
    (cross/kernel_btf.py): the kernel it came from must serve the same."""
    made, origin = build / "vmlinux.btf", build / "vmlinux.btf.kernel"
    if kernel is None or not origin.exists() or not facts.get("btf_sha256"):
        return
    if origin.read_text().split() != [kernel.arch, kernel.name, kernel.version]:
        return  # made from another kernel of the list
    import hashlib
    ours = hashlib.sha256(made.read_bytes()).hexdigest()
    v.add("vmlinux.h: the BTF cut from the package is what the kernel serves", ours == facts["btf_sha256"],
          "%s: sha256 %s, /sys/kernel/btf/vmlinux %s" % (made, ours[:16], facts["btf_sha256"][:16]))


def verify(results, build, kernel=None):
    results, build = Path(results), Path(build)
    v = Verdict()
    facts = read_facts(results / "kernel" / "facts.txt")
    exit_code = (results / "exit-code").read_text().strip() if (results / "exit-code").exists() else None
    v.add("check.sh ran to its end in the guest", exit_code == "0", "exit code %s" % exit_code)
    cookies = bool(facts.get("sym_bpf_get_attach_cookie_trace"))
    m = re.search(r"\((\w+)\)", facts.get("preempt", ""))
    v.facts["preemption"] = m.group(1) if m else "voluntary (no dynamic preemption)" if not facts.get("preempt") \
        else facts["preempt"]
    v.facts["private stack"] = "yes" if facts.get("sym_bpf_jit_supports_private_stack") == "T" else "no"
    v.facts["BPF cookies"] = "yes" if cookies else "no"
    v.add("kernel", None, " ".join("%s=%s" % kv for kv in facts.items() if kv[0] != "cmdline"))
    for n, program in enumerate(read_programs()):
        verify_program(v, program, results, build, cookies, first=n == 0)
    verify_argkinds(v, results)
    verify_btf(v, facts, build, kernel)
    verify_bpftrace(v, results, build)
    if facts.get("machine") == "aarch64":
        # no nop5 site on arm64: sys/sdt.h's nop, which 6.13+ simulates
        v.facts["fast path"] = "nop simulated (no single-step)" if facts.get("sym_simulate_nop") \
            else "nop single-stepped"
        v.facts["red-zone control"] = "n/a (x86-64 only)"
    else:
        verify_sites(v, results, facts)
    return v


if __name__ == "__main__":
    # verify.py RESULTS_DIR [BUILD_DIR]
    verdict = verify(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ROOT / "build")
    for c in verdict.checks:
        print("%-4s %s%s" % ({True: "ok", False: "FAIL", None: "--"}[c.ok], c.what,
                             (": " + c.detail) if c.detail else ""))
    print(verdict.facts)
    sys.exit(0 if verdict.ok else 1)
