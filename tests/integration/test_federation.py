# SPDX-License-Identifier: Apache-2.0
"""Federation for real: two per-cluster Prometheus servers run the shipped
federation/cluster-prometheus.yml (with the shipped recording rules) against
a synthetic exporter each, and a global Prometheus runs the shipped
federation/global-prometheus.yml against them. The global one must hold
every dwcp:* recording rule of both clusters, with the cluster's labels, the
values the cluster computed, and no raw dwcp_* series.

The synthetic exporters (prom.synthetic_exporter) serve counters that grow
linearly with time, so the rules compute from data generated over time; only
intervals (1 s) and targets differ from the shipped files."""
import math
import os

from prom import (PROM_CONFIGS, RECORDING_RULE_NAMES, RULE_FILES, Prometheus, StaticTarget, shipped_config,
                  synthetic_exporter)

FED = os.path.join(PROM_CONFIGS, "federation")
# Per cluster: share of finished streams that fail.
ERROR_SHARE = {"c1": 0.1, "c2": 0.2}
TIMEOUT = 45


def cluster_config(name, target):
    return shipped_config(
        os.path.join(FED, "cluster-prometheus.yml"),
        {
            "  scrape_interval: 15s": "  scrape_interval: 1s",
            "  evaluation_interval: 15s": "  evaluation_interval: 1s",
            "    scrape_interval: 10s": "    scrape_interval: 1s",
            "    scrape_timeout: 5s": "    scrape_timeout: 1s",
            "prometheus: dwcp-cluster-a": f"prometheus: {name}",
            "  - ../dwcp-recording-rules.yml": "  - " + RULE_FILES[0],
            "  - ../dwcp-alerts.yml": "  - " + RULE_FILES[1],
            "          - 'cluster-a-node-1:9477'\n          - 'cluster-a-node-2:9477'": f"          - '{target}'",
        },
    )


def global_config(a, b):
    return shipped_config(
        os.path.join(FED, "global-prometheus.yml"),
        {
            "scrape_interval: 30s": "scrape_interval: 1s",
            "  evaluation_interval: 30s": "  evaluation_interval: 1s",
            "    scrape_timeout: 20s": "    scrape_timeout: 1s",
            "'prometheus-cluster-a:9090'": f"'{a}'",
            "'prometheus-cluster-b:9090'": f"'{b}'",
        },
    )


def test_global_prometheus_federates_recording_rules():
    with StaticTarget(synthetic_exporter("c1", "n1", ERROR_SHARE["c1"])) as t1, StaticTarget(synthetic_exporter("c2", "n1", ERROR_SHARE["c2"])) as t2, \
            Prometheus(cluster_config("dwcp-cluster-a", t1.address), name="cluster-a") as pa, \
            Prometheus(cluster_config("dwcp-cluster-b", t2.address), name="cluster-b") as pb, \
            Prometheus(global_config(pa.url[7:], pb.url[7:]), name="global") as glob:
        expected = {(rule, c) for rule in RECORDING_RULE_NAMES for c in ("c1", "c2")}

        def federated():
            got = glob.query('group by (__name__, cluster) ({__name__=~"dwcp:.*"})')
            have = {(s["metric"]["__name__"], s["metric"].get("cluster")) for s in got}
            return have if expected <= have else None

        have = glob.wait_for(federated, TIMEOUT, "all six dwcp:* rules of c1 and c2 at the global Prometheus")
        assert have == expected, have ^ expected

        # Only the recording rules travel, not the raw exporter series.
        assert glob.query('count({__name__=~"dwcp_.*"})') == []

        # A range query returns the samples with their own timestamps, which
        # federation keeps (honor_timestamps).
        series = glob.api("query", query='{__name__=~"dwcp:.*"}[1m]')["result"]
        source = {"c1": (pa, "dwcp-cluster-a"), "c2": (pb, "dwcp-cluster-b")}
        values = {}
        for s in series:
            m = s["metric"]
            cluster = m["cluster"]
            cluster_prom, prom_label = source[cluster]
            # The labels the cluster Prometheus served survive (honor_labels),
            # including its external label.
            assert m["prometheus"] == prom_label, m
            if m["__name__"] in ("dwcp:migration:duration_median:1h",):
                assert m["dwcp_enabled"] in ("true", "false"), m
            elif m["__name__"] == "dwcp:federation:bandwidth_saved_gbps:1h":
                assert m["remote_cluster"] == "c9", m
            else:
                assert m["node"] == "n1", m
            # The same sample the cluster computed: query the cluster at the
            # federated sample's timestamp.
            ts, value = s["values"][-1][0], float(s["values"][-1][1])
            selector = ",".join(f'{k}="{v}"' for k, v in m.items()
                                if k not in ("__name__", "prometheus", "job", "instance"))
            at_source = cluster_prom.query(f'{m["__name__"]}{{{selector}}}', at=ts)
            assert len(at_source) == 1, (m, at_source)
            assert float(at_source[0]["value"][1]) == value, (m, at_source)
            key = (m["__name__"], cluster, m.get("dwcp_enabled"))
            assert key not in values, "two federated series for %r" % (key,)
            values[key] = value

        for c in ("c1", "c2"):
            assert math.isclose(values[("dwcp:amst:error_rate:5m", c, None)], ERROR_SHARE[c], rel_tol=1e-9)
            assert math.isclose(values[("dwcp:hde:compression_ratio_median:10m", c, None)], 3.5, rel_tol=1e-9)
            assert math.isclose(values[("dwcp:migration:duration_median:1h", c, "true")], 90, rel_tol=1e-9)
            assert math.isclose(values[("dwcp:migration:duration_median:1h", c, "false")], 375, rel_tol=1e-9)
            assert math.isclose(values[("dwcp:system:availability:5m", c, None)], 200 / 3, rel_tol=1e-9)
            # Rates over windows longer than the test: positive, not yet the
            # steady value (rate() divides by the whole window).
            assert values[("dwcp:amst:throughput_mbps:5m", c, None)] > 0
            assert values[("dwcp:federation:bandwidth_saved_gbps:1h", c, None)] > 0
        assert t1.scrapes >= 2 and t2.scrapes >= 2
