# SPDX-License-Identifier: Apache-2.0
"""dashboards/dwcp-dashboard.json: the structure Grafana 10/11 needs (the
seed's 18 panels in order, unique ids, no overlapping grid positions, the
datasource variable everywhere, units, thresholds at the seed's SLAs), PromQL
that follows the rules (rate()/increase() around every counter, never around
a gauge, $__rate_interval in every rate) and parses in a real Prometheus, and
a live run: every panel's queries, variables substituted, return data from a
real Prometheus scraping the real exporter while dwcp-sim runs."""
import json
import math
import os
import re


from prom import PROM_CONFIGS, REPO, Prometheus, StaticTarget, free_port, shipped_config, synthetic_exporter

DASHBOARD = os.path.join(REPO, "dashboards", "dwcp-dashboard.json")

SEED_TITLES = [
    "AMST Active Streams",
    "AMST Bandwidth Utilization",
    "HDE Compression Ratio Distribution",
    "AMST Throughput",
    "HDE Compression Efficiency",
    "HDE Delta Hit Rate",
    "Migration Performance Comparison",
    "Error Rate",
    "Bandwidth Savings Calculator",
    "Daily Bandwidth Savings",
    "Cost Savings",
    "Component Health Matrix",
    "AMST Stream Latency",
    "Migration Speedup Factor",
    "Federation Sync Performance",
    "System Availability",
    "Average Migration Time",
    "Overall Error Rate",
]
UNITS = {
    "AMST Throughput": "Mbits",
    "Bandwidth Savings Calculator": "Bps",
    "Daily Bandwidth Savings": "decbytes",
    "Cost Savings": "currencyUSD",
    "AMST Bandwidth Utilization": "percent",
    "HDE Delta Hit Rate": "percent",
    "System Availability": "percent",
    "Error Rate": "percentunit",
    "Overall Error Rate": "percentunit",
    "Migration Performance Comparison": "s",
    "AMST Stream Latency": "s",
    "Federation Sync Performance": "s",
    "Average Migration Time": "s",
    "HDE Compression Efficiency": "suffix:x",
    "Migration Speedup Factor": "suffix:x",
    "AMST Active Streams": "none",
    "Component Health Matrix": "none",
    "HDE Compression Ratio Distribution": "none",
}
# The SLAs the seed names, as threshold steps.
SLA_THRESHOLDS = {
    "Migration Performance Comparison": 300,
    "Average Migration Time": 300,
    "Error Rate": 0.01,
    "Overall Error Rate": 0.01,
}
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
GAUGES = {
    "dwcp_amst_streams_active", "dwcp_amst_bandwidth_utilization_percent", "dwcp_hde_delta_hit_rate_percent",
    "dwcp_hde_baseline_count", "dwcp_hde_dictionary_efficiency_percent", "dwcp_migration_speedup_factor",
    "dwcp_system_component_health", "dwcp_system_config_enabled", "dwcp_system_version_info",
}
COUNTER = re.compile(r"\bdwcp_[a-z0-9_]+?_(?:total|bucket|sum|count)\b")
GAUGE = re.compile(r"\b(" + "|".join(sorted(GAUGES)) + r")\b")
RANGE_FN = re.compile(r"\b(rate|irate|increase|delta|idelta|deriv)\s*\(")
# What each range function may look back over: rates follow the panel's
# resolution; increases may also cover the time range or a day.
ALLOWED_WINDOWS = {"rate": {"$__rate_interval"}, "increase": {"$__rate_interval", "$__range", "24h"}}
BUILTIN_VARS = {"__rate_interval", "__range", "__interval"}


def load():
    with open(DASHBOARD, encoding="utf-8") as f:
        return json.load(f)


def panel_targets(dash):
    return [(p, t) for p in dash["panels"] for t in p["targets"]]


def call_argument(expr, open_paren):
    """Text between the parenthesis at open_paren and its match."""
    depth = 0
    for i in range(open_paren, len(expr)):
        if expr[i] == "(":
            depth += 1
        elif expr[i] == ")":
            depth -= 1
            if depth == 0:
                return expr[open_paren + 1:i]
    raise AssertionError(f"unbalanced parentheses: {expr}")


def substitute(expr, values):
    """Grafana's variable substitution for $name and ${name}."""
    for name in sorted(values, key=len, reverse=True):
        expr = expr.replace("${" + name + "}", values[name]).replace("$" + name, values[name])
    assert "$" not in expr, expr
    return expr


def test_dashboard_metadata_and_variables():
    dash = load()
    assert dash["schemaVersion"] == 39
    assert dash["uid"] and dash["title"]
    assert dash["id"] is None
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    ds = variables["datasource"]
    assert ds["type"] == "datasource" and ds["query"] == "prometheus"
    for name in ("cluster", "node"):
        v = variables[name]
        assert v["type"] == "query"
        assert v["datasource"] == DATASOURCE
        assert re.fullmatch(r"label_values\(dwcp_\w+(\{[^}]*\})?, " + name + r"\)", v["definition"]), v
        assert v["query"]["query"] == v["definition"]
        assert v["multi"] and v["includeAll"] and v["allValue"] == ".*"
    assert "$cluster" in variables["node"]["definition"]
    price = variables["price_per_gb"]
    assert price["type"] in ("textbox", "custom", "constant")
    float(price["query"])
    cost = [p for p in dash["panels"] if p["title"] == "Cost Savings"][0]
    assert all("$price_per_gb" in t["expr"] for t in cost["targets"])


def test_panels_in_seed_order_with_unique_ids():
    dash = load()
    assert [p["title"] for p in dash["panels"]] == SEED_TITLES
    ids = [p["id"] for p in dash["panels"]]
    assert all(isinstance(i, int) for i in ids)
    assert len(set(ids)) == len(ids) == 18


def test_grid_positions_do_not_overlap():
    boxes = []
    for p in load()["panels"]:
        g = p["gridPos"]
        assert g["w"] > 0 and g["h"] > 0 and g["x"] >= 0 and g["y"] >= 0, p["title"]
        assert g["x"] + g["w"] <= 24, p["title"]
        for title, o in boxes:
            overlap = (g["x"] < o["x"] + o["w"] and o["x"] < g["x"] + g["w"]
                       and g["y"] < o["y"] + o["h"] and o["y"] < g["y"] + g["h"])
            assert not overlap, (p["title"], title)
        boxes.append((p["title"], g))


def test_every_panel_has_datasource_unit_and_targets():
    for p in load()["panels"]:
        title = p["title"]
        assert p["datasource"] == DATASOURCE, title
        assert p["fieldConfig"]["defaults"]["unit"] == UNITS[title], title
        assert p["targets"], title
        refs = [t["refId"] for t in p["targets"]]
        assert len(set(refs)) == len(refs), title
        for t in p["targets"]:
            assert t["datasource"] == DATASOURCE, title
            assert t["expr"].strip(), title


def test_sla_thresholds():
    for p in load()["panels"]:
        if p["title"] in SLA_THRESHOLDS:
            steps = [s["value"] for s in p["fieldConfig"]["defaults"]["thresholds"]["steps"]]
            assert SLA_THRESHOLDS[p["title"]] in steps, (p["title"], steps)


def test_counters_rates_and_windows():
    dash = load()
    defined = {v["name"] for v in dash["templating"]["list"]} | BUILTIN_VARS
    for p, t in panel_targets(dash):
        expr, where = t["expr"], f'{p["title"]} {t["refId"]}'
        for m in re.finditer(r"\$\{?(\w+)", expr):
            assert m.group(1) in defined, (where, m.group(0))
        # Every counter sits directly inside rate() or increase().
        for m in COUNTER.finditer(expr):
            before = expr[:m.start()].rstrip()
            assert before.endswith("rate(") or before.endswith("increase("), (where, m.group(0))
            assert not before.endswith("irate("), (where, m.group(0))
        # No gauge inside a range function.
        for m in RANGE_FN.finditer(expr):
            arg = call_argument(expr, m.end() - 1)
            assert not GAUGE.search(arg), (where, m.group(1), arg)
            windows = re.findall(r"\[([^\]]+)\]", arg)
            assert windows, (where, arg)
            allowed = ALLOWED_WINDOWS.get(m.group(1), set())
            assert set(windows) <= allowed, (where, m.group(1), windows)


def variable_values(cluster="c1", node="n1"):
    return {
        "__rate_interval": "1m",
        "__range": "1h",
        "__interval": "15s",
        "cluster": cluster,
        "node": node,
        "price_per_gb": "0.05",
        "datasource": "prometheus",
    }


def test_every_query_parses_in_prometheus():
    """Prometheus itself parses every panel's PromQL (no data needed)."""
    dash = load()
    with Prometheus("scrape_configs: []\n", name="dashboard-parse") as prom:
        for p, t in panel_targets(dash):
            prom.query(substitute(t["expr"], variable_values()))
        for v in dash["templating"]["list"]:
            if v["type"] == "query":
                selector = re.fullmatch(r"label_values\((.*), \w+\)", v["definition"]).group(1)
                prom.api("series", **{"match[]": substitute(selector, variable_values())})


def finite(result):
    return [s for s in result if math.isfinite(float(s["value"][1]))]


def assert_every_panel_has_data(target, cluster, node, still_running=lambda: None, timeout=50,
                                describe_target=lambda: ""):
    """Runs the shipped prometheus.yml (recording rules and alerts loaded,
    1 s intervals) against target (host:port) and waits until every query
    of every panel, variables substituted, returns a finite value; then the
    cluster and node variables must list the test's values."""
    dash = load()
    values = variable_values(cluster, node)
    queries = [(f'{p["title"]} {t["refId"]}', substitute(t["expr"], values)) for p, t in panel_targets(dash)]
    port = free_port()
    config = shipped_config(
        os.path.join(PROM_CONFIGS, "prometheus.yml"),
        {
            "  scrape_interval: 15s": "  scrape_interval: 1s",
            "  evaluation_interval: 15s": "  evaluation_interval: 1s",
            "    scrape_interval: 10s": "    scrape_interval: 1s",
            "    scrape_timeout: 5s": "    scrape_timeout: 1s",
            "  - dwcp-recording-rules.yml": "  - " + os.path.join(PROM_CONFIGS, "dwcp-recording-rules.yml"),
            "  - dwcp-alerts.yml": "  - " + os.path.join(PROM_CONFIGS, "dwcp-alerts.yml"),
            "'localhost:9477'": f"'{target}'",
            "'localhost:9090'": f"'127.0.0.1:{port}'",
        },
    )
    with Prometheus(config, name="dashboard-data", port=port) as prom:
        missing = {}

        def all_panels_have_data():
            still_running()
            missing.clear()
            for name, q in queries:
                if not finite(prom.query(q)):
                    missing[name] = q
            return not missing

        try:
            prom.wait_for(all_panels_have_data, timeout, "data in every panel")
        except Exception as e:
            raise AssertionError(f"{e}; panels without data:\n" +
                                 "\n".join(f"  {k}: {v}" for k, v in missing.items()) +
                                 describe_target()) from e

        for v in dash["templating"]["list"]:
            if v["type"] != "query":
                continue
            selector = re.fullmatch(r"label_values\((.*), \w+\)", v["definition"]).group(1)
            found = prom.api("series", **{"match[]": substitute(selector, values)})
            labels = {s.get(v["name"]) for s in found}
            assert values[v["name"]] in labels, (v["name"], labels)


def test_every_panel_returns_data_from_the_metric_contract():
    """Against a stand-in exporter serving every metric family with the
    contract's names and labels: catches a panel whose query names a metric
    or label the exporter does not have, even where BPF cannot run."""
    with StaticTarget(synthetic_exporter("c1", "n1", 0.1)) as target:
        assert_every_panel_has_data(target.address, "c1", "n1", timeout=30)


def test_every_panel_returns_data_live(sim_binary):
    """The real exporter attached to a running dwcp-sim (make test builds
    both first; a missing build fails here rather than skipping)."""
    import harness

    with harness.Exporter(binaries=[sim_binary], cluster="c1", node="n1") as exporter, \
            harness.Sim("--duration", "60", "--migrations", "60", binary=sim_binary, ledger=False) as sim:

        def still_running():
            assert sim.proc.poll() is None, f"dwcp-sim exited early with {sim.proc.returncode}"
            assert exporter.proc.poll() is None, "exporter exited:\n" + exporter.output()

        def families():
            names = sorted({line.split("{")[0].split(" ")[0] for line in exporter.scrape().splitlines()
                            if line.startswith("dwcp_")})
            return "\nthe exporter serves now: " + " ".join(names)

        assert_every_panel_has_data(f"127.0.0.1:{exporter.port}", "c1", "n1", still_running,
                                    describe_target=families)
