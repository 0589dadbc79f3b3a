# SPDX-License-Identifier: Apache-2.0
"""Native histograms against what dwcp-sim fired.

The sim lists every value it observed itself in its ledger ("# value"
lines: op_duration latencies, compression ratios, federation syncs, in the
raw unit). From them the test computes, with integer arithmetic of its own,
the native bucket of each value (schema 3: v <= scale * 2^(i/8), so v^8 <=
scale^8 * 2^i) and compares every bucket of the protobuf scrape exactly;
then it has Debian's Prometheus 2.42 with native histograms on read them and
checks its count, sum and quantiles against the values themselves.
"""
import math
import re
import time

from harness import Exporter, Sim, wait_for
from prom import Prometheus
from test_protobuf import PROM_PB_ACCEPT, decode_delimited, get, pb2, pb_samples  # noqa: F401 (pb2: fixture)

SCHEMA = 3
# raw units per base unit, and the labels a value's series is told by
FAMILIES = {
    "dwcp_amst_latency_seconds": (10**9, ("operation",)),
    "dwcp_hde_compression_ratio": (1000, ("data_type",)),
    "dwcp_federation_sync_duration_seconds": (10**9, ("remote_cluster", "sync_type")),
}
SIM_ARGS = ("--duration", "3", "--compress-rate", "1000", "--federation-interval-ms", "50", "--migrations", "2")
# a native bucket's upper bound over its lower one
BUCKET_RATIO = 2 ** (1 / 2 ** SCHEMA)


def native_index(raw, scale):
    """The schema-3 bucket of raw / scale: the least i with raw <= scale *
    2^(i/8), decided exactly on integers."""
    def at_or_below(i):  # raw <= scale * 2^(i/8)
        return raw ** 8 <= scale ** 8 * 2 ** i if i >= 0 else raw ** 8 * 2 ** -i <= scale ** 8
    i = math.floor(2 ** SCHEMA * math.log2(raw / scale)) - 2
    while not at_or_below(i):
        i += 1
    assert not at_or_below(i - 1)
    return i


def ledger_values(sim):
    """{(family, (label values...)): [raw values]} from the ledger."""
    values = {}
    for m in re.finditer(r"^# value (\S+) (\S+) (\S+) (\d+)$", sim.ledger_path.read_text(), re.M):
        family, a, b, raw = m.groups()
        key = (family, (a,) if b == "-" else (a, b))
        values.setdefault(key, []).append(int(raw))
    return values


def series_of(natives, family, label_values):
    """The one native series of family whose labels hold label_values."""
    names = FAMILIES[family][1]
    found = [v for (name, labels), v in natives.items() if name == family and
             tuple(dict(labels).get(n) for n in names) == label_values]
    assert len(found) == 1, "%s %r: %d series" % (family, label_values, len(found))
    return found[0]


def scrape_natives(pb2, exporter):
    hdrs, body = get(exporter, PROM_PB_ACCEPT)
    natives = {}
    samples = pb_samples(pb2, decode_delimited(pb2, body), natives)
    return samples, natives


def test_every_native_bucket_holds_what_the_sim_fired(pb2, sim_binary):
    with Exporter(binaries=(sim_binary,)) as exporter, \
            Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=sim_binary) as sim:
        sim.ledger()
        values = ledger_values(sim)
        assert {f for f, _ in values} == set(FAMILIES), "the sim timed every kind"
        _, natives = scrape_natives(pb2, exporter)
        for (family, label_values), raws in values.items():
            scale = FAMILIES[family][0]
            got = series_of(natives, family, label_values)
            want = {}
            for raw in raws:
                if raw:
                    i = native_index(raw, scale)
                    want[i] = want.get(i, 0) + 1
            assert got["schema"] == SCHEMA and got["zero_threshold"] == 2.0 ** -128
            assert got["zero_count"] == raws.count(0), (family, label_values)
            assert got["count"] == len(raws), (family, label_values)
            assert got["sum"] == sum(raws) / scale, (family, label_values)
            assert got["buckets"] == want, (family, label_values)


def test_native_and_classic_counts_agree_in_every_scrape_while_the_sim_fires(pb2, sim_binary):
    """Concurrent observations: every scrape's native buckets total its
    classic count (pb_samples checks each series), and counts only grow."""
    with Exporter(binaries=(sim_binary,)) as exporter, \
            Sim("--duration", "4", "--compress-rate", "0", "--federation-interval-ms", "20",
                "--wait-for-tracer", "20", binary=sim_binary) as sim:
        last, scrapes, grew = {}, 0, 0
        while sim.proc.poll() is None and not sim.ledger_path.exists():
            samples, natives = scrape_natives(pb2, exporter)
            scrapes += 1
            for key, n in natives.items():
                assert n["count"] >= last.get(key, 0), key
                grew += n["count"] > last.get(key, 0)
                last[key] = n["count"]
            assert {(k[0][:-len("_count")], k[1]) for k in samples if k[0][:-len("_count")] in FAMILIES
                    or k[0] == "dwcp_migration_duration_seconds_count"} == set(natives)
            time.sleep(0.05)
        assert scrapes >= 10 and grew >= 10, (scrapes, grew)


def exact_quantile_bounds(raws, q):
    """The values around rank q * n: a histogram's estimate may fall
    anywhere between them."""
    s = sorted(raws)
    rank = q * len(s)
    return s[max(0, math.ceil(rank) - 1)], s[min(len(s) - 1, math.ceil(rank))]


def test_prometheus_quantiles_of_native_histograms_within_the_schema_error(sim_binary):
    with Exporter(binaries=(sim_binary,)) as exporter, \
            Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=sim_binary) as sim:
        sim.ledger()
        values = ledger_values(sim)
        config = ("global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: dwcp\n"
                  "    static_configs: [{targets: ['127.0.0.1:%d']}]\n" % exporter.port)
        with Prometheus(config, name="native", extra_args=("--enable-feature=native-histograms",)) as prom:
            checked = 0
            for (family, label_values), raws in sorted(values.items()):
                if len(raws) < 20:
                    continue  # too few values for a quantile to mean much
                scale, names = FAMILIES[family]
                selector = "%s{%s}" % (family, ",".join('%s="%s"' % kv for kv in zip(names, label_values)))

                def one(expr):
                    r = prom.query(expr)
                    return float(r[0]["value"][1]) if len(r) == 1 else None

                wait_for(lambda: one("histogram_count(%s)" % selector) == len(raws), 30,
                         "Prometheus's native count of " + selector)
                assert math.isclose(one("histogram_sum(%s)" % selector), sum(raws) / scale, rel_tol=1e-12)
                for q in (0.5, 0.9, 0.99):
                    estimate = one("histogram_quantile(%s, %s)" % (q, selector))
                    lo, hi = exact_quantile_bounds(raws, q)
                    assert lo / scale / BUCKET_RATIO <= estimate <= hi / scale * BUCKET_RATIO, \
                        (selector, q, estimate, lo / scale, hi / scale)
                    # the classic buckets of the same series, as before
                    classic = one("histogram_quantile(%s, %s)" % (q, selector.replace("{", "_bucket{", 1)))
                    assert classic is not None and math.isfinite(classic), (selector, q)
                checked += 1
            assert checked >= 3, "series with enough values: %d" % checked
