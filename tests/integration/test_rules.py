# SPDX-License-Identifier: Apache-2.0
"""The shipped Prometheus configs and rules pass promtool: every config
parses (with its rule files), the rule files pass `check rules`, and the
rule unit tests (every alert firing and not firing, every recording rule's
value) pass `test rules`. A real Prometheus then loads prometheus.yml and
reports all twelve rules healthy."""
import glob
import os
import subprocess

import pytest

from prom import PROM_CONFIGS, PROMTOOL, RECORDING_RULE_NAMES, RULE_FILES, Prometheus, shipped_config

CONFIGS = sorted(
    [os.path.join(PROM_CONFIGS, "prometheus.yml"), os.path.join(PROM_CONFIGS, "dwcp-scrape-config.yml")]
    + glob.glob(os.path.join(PROM_CONFIGS, "federation", "*.yml"))
)
RULE_TESTS = sorted(glob.glob(os.path.join(PROM_CONFIGS, "tests", "*.test.yml")))

ALERTS = {
    "DWCPHighErrorRate",
    "DWCPComponentDown",
    "DWCPSLAViolation",
    "DWCPLowCompressionRatio",
    "DWCPLowBandwidthUtilization",
    "DWCPMigrationSlow",
}


def promtool(*args):
    r = subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def test_shipped_files_exist():
    assert len(CONFIGS) == 5, CONFIGS
    assert len(RULE_TESTS) == 2, RULE_TESTS
    for path in CONFIGS + RULE_FILES + RULE_TESTS:
        assert os.path.isfile(path), path


@pytest.mark.parametrize("config", CONFIGS, ids=os.path.basename)
def test_check_config(config):
    rc, out = promtool("check", "config", config)
    assert rc == 0, out
    assert "SUCCESS" in out


def test_check_rules():
    rc, out = promtool("check", "rules", *RULE_FILES)
    assert rc == 0, out
    assert out.count("SUCCESS: 6 rules found") == 2, out


def test_rule_unit_tests():
    rc, out = promtool("test", "rules", *RULE_TESTS)
    assert rc == 0, out
    assert "FAILED" not in out, out


def test_rule_tests_cover_every_rule():
    """Each alert has a firing case (exp_alerts with labels) and a silent
    case (exp_alerts: []); each recording rule has a value test."""
    with open(os.path.join(PROM_CONFIGS, "tests", "dwcp-alerts.test.yml"), encoding="utf-8") as f:
        alerts_text = f.read()
    with open(os.path.join(PROM_CONFIGS, "tests", "dwcp-recording-rules.test.yml"), encoding="utf-8") as f:
        recording_text = f.read()
    blocks = alerts_text.split("alertname: ")[1:]
    seen = {}
    for block in blocks:
        name, rest = block.split("\n", 1)
        expect = rest.split("alertname: ")[0]
        kind = "silent" if expect.lstrip().startswith("exp_alerts: []") else "fires"
        if kind == "fires":
            assert "exp_labels:" in expect and "exp_annotations:" in expect, name
            assert "runbook_url:" in expect and "description:" in expect, name
        seen.setdefault(name.strip(), set()).add(kind)
    assert set(seen) == ALERTS
    for name, kinds in seen.items():
        assert kinds == {"fires", "silent"}, (name, kinds)
    for rule in RECORDING_RULE_NAMES:
        assert f"- expr: {rule}\n" in recording_text, rule


def test_runbook_has_every_anchor():
    with open(os.path.join(PROM_CONFIGS, "RUNBOOK.md"), encoding="utf-8") as f:
        headings = {line[3:].strip().lower() for line in f if line.startswith("## ")}
    with open(RULE_FILES[1], encoding="utf-8") as f:
        alerts_text = f.read()
    for alert in ALERTS:
        assert f"RUNBOOK.md#{alert.lower()}\"" in alerts_text, alert
        assert alert.lower() in headings, alert


def test_prometheus_loads_rules():
    """The example prometheus.yml, run by a real server, loads both rule
    files and evaluates all twelve rules without error (no data needed)."""
    text = shipped_config(
        os.path.join(PROM_CONFIGS, "prometheus.yml"),
        {
            "  evaluation_interval: 15s": "  evaluation_interval: 1s",
            "  - dwcp-recording-rules.yml": "  - " + RULE_FILES[0],
            "  - dwcp-alerts.yml": "  - " + RULE_FILES[1],
        },
    )
    with Prometheus(text, name="rules") as prom:

        def evaluated():
            groups = prom.api("rules")["groups"]
            rules = [r for g in groups for r in g["rules"]]
            if len(rules) != 12 or any(r.get("lastEvaluation", "").startswith("0001") for r in rules):
                return None
            return rules

        rules = prom.wait_for(evaluated, 20, "every rule evaluated once")
        names = {r["name"] for r in rules}
        assert names == set(RECORDING_RULE_NAMES) | ALERTS
        bad = [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"]
        assert not bad, bad
