# SPDX-License-Identifier: Apache-2.0
"""The README's tables are the code's: the metric table is what
`dwcp-bpf-exporter --list-metrics` prints, the probe table is usdt/dwcp.d."""
import re
import subprocess

from harness import EXPORTER, ROOT
from test_probe_contract import provider_probes

README = (ROOT / "README.md").read_text()


def test_metric_table_matches_exporter():
    table = subprocess.run([str(EXPORTER), "--list-metrics"], capture_output=True, text=True, check=True).stdout
    for row in table.splitlines():
        assert row in README, "README lacks metric row: " + row
    readme_rows = [l for l in README.splitlines() if re.match(r"\| `dwcp_\w+` \| (counter|gauge|histogram) \|", l)]
    assert len(readme_rows) == len(table.splitlines())


def test_probe_table_matches_provider():
    section = README.split("### Probe table", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (.*?) \|", section, flags=re.M)
    # "state (0 down, 1 degraded, 2 healthy)" is one argument
    probes = {name: len([a for a in re.sub(r"\([^)]*\)", "", args).split(",") if a.strip()])
              for name, args in rows if name in provider_probes() or not name.startswith("dwcp_")}
    assert probes == provider_probes()


def test_flag_table_lists_every_flag_of_help():
    help_text = subprocess.run([str(EXPORTER), "--help"], capture_output=True, text=True, check=True).stdout
    flags = set(re.findall(r"^\s+(?:-h, )?(--[a-z][a-z.-]+)", help_text, flags=re.M))
    table = "\n".join(l for l in README.splitlines() if l.startswith("| `--"))
    assert len(flags) > 20
    missing = sorted(f for f in flags if "`%s" % f not in table and "/ `%s" % f not in table)
    assert not missing, "README flag table lacks: %s" % missing
