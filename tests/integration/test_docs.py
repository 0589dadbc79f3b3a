# SPDX-License-Identifier: Apache-2.0
"""The documentation holds to the code and to itself: the front page's
metric table is what `dwcp-bpf-exporter --list-metrics` prints, its probe
table is usdt/dwcp.d, the flag table of userspace/README.md is every flag of
`--help`; every relative link of every Markdown file resolves (file and
#anchor); no user document names an issue number, nor a host CPU model
outside the bench results' tables; the front page stays a front page. The
operator quick start itself runs in tests/systemd (make test-systemd)."""
import re
import subprocess
import unicodedata

from harness import EXPORTER, ROOT
from test_probe_contract import provider_probes

README = (ROOT / "README.md").read_text()
USERSPACE = (ROOT / "userspace" / "README.md").read_text()
FRONT_PAGE_MAX_LINES = 400
QUICK_START_BLOCKS = ("operator-install", "operator-configure")
BENCH_README = ROOT / "tests" / "bench" / "README.md"
ISSUE = re.compile(r"\bissues?\s+#?\d+|\bissue\s+#|(?<![\w&/])#\d+\b", re.I)
CPU_MODEL = re.compile(r"\b(Intel|AMD|Xeon|EPYC|Ryzen|Opteron|Threadripper|Pentium|Celeron|Core\(TM\)|"
                       r"Graviton|Neoverse|Ampere|Cortex-A\d+|Kunpeng)\b")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def docs():
    """Every Markdown file of the tree, outside build output and VCS data."""
    out = []
    for p in sorted(ROOT.rglob("*.md")):
        rel = p.relative_to(ROOT)
        if rel.parts[0] in ("build", ".git") or "node_modules" in rel.parts:
            continue
        out.append(p)
    return out


def prose_lines(text):
    """(line number, line) outside fenced code blocks."""
    fenced = False
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield n, line


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped,
    spaces to hyphens."""
    text = re.sub(r"`|\*\*|\*|_(?=\W)|(?<=\W)_", lambda m: "_" if m.group(0) == "_" else "", heading.strip())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(path):
    seen = {}
    out = set()
    for _, line in prose_lines(path.read_text()):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else "%s-%d" % (base, n))
    return out


def test_front_page_is_short():
    n = len(README.splitlines())
    assert n <= FRONT_PAGE_MAX_LINES, "README.md has %d lines, at most %d" % (n, FRONT_PAGE_MAX_LINES)


def test_metric_table_matches_exporter():
    table = subprocess.run([str(EXPORTER), "--list-metrics"], capture_output=True, text=True, check=True).stdout
    for row in table.splitlines():
        assert row in README, "README lacks metric row: " + row
    readme_rows = [l for l in README.splitlines() if re.match(r"\| `dwcp_\w+` \| (counter|gauge|histogram) \|", l)]
    assert len(readme_rows) == len(table.splitlines())


def test_probe_table_matches_provider():
    section = README.split("\n## Probe table", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (.*?) \|", section, flags=re.M)
    # "state (0 down, 1 degraded, 2 healthy)" is one argument
    probes = {name: len([a for a in re.sub(r"\([^)]*\)", "", args).split(",") if a.strip()])
              for name, args in rows}
    assert probes == provider_probes()


def test_flag_table_lists_every_flag_of_help():
    help_text = subprocess.run([str(EXPORTER), "--help"], capture_output=True, text=True, check=True).stdout
    flags = set(re.findall(r"^\s+(?:-h, )?(--[a-z][a-z.-]+)", help_text, flags=re.M))
    table = "\n".join(l for l in USERSPACE.splitlines() if l.startswith("| `--"))
    assert len(flags) > 20
    missing = sorted(f for f in flags if "`%s" % f not in table and "/ `%s" % f not in table)
    assert not missing, "userspace/README.md flag table lacks: %s" % missing


def test_every_relative_link_resolves():
    broken = []
    cache = {}
    for doc in docs():
        for n, line in prose_lines(doc.read_text()):
            for target in LINK.findall(line):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:, file:
                    continue
                path, _, anchor = target.partition("#")
                dest = (doc.parent / path).resolve() if path else doc
                where = "%s:%d: %s" % (doc.relative_to(ROOT), n, target)
                if not dest.exists():
                    broken.append(where + " (no such file)")
                    continue
                if anchor:
                    if dest.suffix != ".md":
                        broken.append(where + " (an anchor into a file that is not Markdown)")
                        continue
                    if dest not in cache:
                        cache[dest] = anchors(dest)
                    if anchor not in cache[dest]:
                        broken.append(where + " (no heading for #%s)" % anchor)
    assert not broken, "broken links:\n  " + "\n  ".join(broken)


def test_no_issue_numbers_or_host_cpu_models():
    found = []
    for doc in docs():
        for n, line in enumerate(doc.read_text().splitlines(), 1):
            where = "%s:%d: %s" % (doc.relative_to(ROOT), n, line.strip()[:120])
            if ISSUE.search(line):
                found.append(where + "  (an issue number)")
            # host models belong in the bench results' tables only
            if CPU_MODEL.search(line) and not (doc == BENCH_README and line.startswith("|")):
                found.append(where + "  (a host CPU model)")
    assert not found, "user documents must not name these:\n  " + "\n  ".join(found)


def test_quick_start_blocks_are_marked_for_the_systemd_guest():
    # tests/systemd/run.py runs these blocks in the guest as they are written
    for name in QUICK_START_BLOCKS:
        m = re.search(r"<!-- %s:[^>]*-->\n```sh\n(.*?)\n```" % re.escape(name), README, flags=re.S)
        assert m, "README.md lacks the quick-start block %s" % name
        assert m.group(1).strip()


def test_slug_matches_github():
    assert slug("Where stream_data's cost goes") == "where-stream_datas-cost-goes"
    assert slug("The Go package (run A, part `go`)") == "the-go-package-run-a-part-go"
    assert slug("Probe sites: which form is faster depends on the host") == \
        "probe-sites-which-form-is-faster-depends-on-the-host"
    assert slug("dwcp-sim, the reference node") == "dwcp-sim-the-reference-node"
