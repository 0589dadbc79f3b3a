# SPDX-License-Identifier: Apache-2.0
"""The protobuf exposition, read with Python classes generated at test time
from the same metrics.proto the exporter's C code is generated from.

A delimited stream is decoded by hand (varint length, MetricFamily) and every
sample compared with a text scrape of the same steady state: dwcp-sim has
done its work and only re-announces its levels. Also: which Accept gets
which format, the exact Content-Type, gzip.
"""
import gzip
import importlib.util
import subprocess

import pytest

from harness import Exporter, Sim, parse_samples

MODEL = "/usr/share/gocode/src/github.com/prometheus/client_model"
PROTO = "io/prometheus/client/metrics.proto"
PB_TYPE = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
TEXT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Prometheus 2.42's scrape header with native histograms on (scrape/scrape.go)
PROM_PB_ACCEPT = ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,"
                  "application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,"
                  "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
SIM_ARGS = ("--duration", "1", "--streams", "4", "--rate", "0", "--stream-bytes", "200000",
            "--migrations", "3", "--federation-interval-ms", "100", "--error-rate", "0.05")
# The exporter's own families that may change with every scrape (its CPU
# time, memory, fds, requests, the last scrape's duration): the same series
# in both formats; a counter's value between the text scrapes before and
# after. Every other series must be equal exactly.
VOLATILE = {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
            "process_open_fds", "dwcp_bpf_exporter_http_requests_total", "dwcp_bpf_exporter_scrape_duration_seconds"}


@pytest.fixture(scope="module")
def pb2(tmp_path_factory):
    """metrics_pb2 from protoc --python_out. Loaded from its file: its
    package path starts with "io", which is the standard library's module."""
    out = tmp_path_factory.mktemp("pb2")
    subprocess.run(["protoc", "--proto_path=" + MODEL, "--proto_path=/usr/include", "--python_out=" + str(out),
                    PROTO], check=True)
    spec = importlib.util.spec_from_file_location("metrics_pb2", out / "io/prometheus/client/metrics_pb2.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def decode_delimited(pb2, body):
    """The MetricFamily messages of a delimited stream."""
    from google.protobuf.internal.decoder import _DecodeVarint32
    families, pos = [], 0
    while pos < len(body):
        size, pos = _DecodeVarint32(body, pos)
        assert pos + size <= len(body), "message of %d bytes beyond the body's end" % size
        families.append(pb2.MetricFamily.FromString(body[pos:pos + size]))
        pos += size
    return families


def put(samples, key, value):
    assert key not in samples, "duplicate series %r" % (key,)
    samples[key] = value


def le_key(labels):
    """le compared as a number: "1e-05" and 1e-05 are the same bound."""
    return tuple(sorted((k, float(v) if k == "le" else v) for k, v in labels))


def native_buckets(h):
    """{bucket index: count} of a native histogram's spans and deltas."""
    buckets, index, count, deltas = {}, 0, 0, list(h.positive_delta)
    assert len(deltas) == sum(span.length for span in h.positive_span), "one delta per bucket of the spans"
    for span in h.positive_span:
        index += span.offset
        for _ in range(span.length):
            count += deltas.pop(0)
            assert count >= 0, "a bucket count below zero"
            if count:
                buckets[index] = count
            index += 1
    assert not h.negative_span and not h.negative_delta, "no observation is negative"
    return buckets


def is_native(h):
    return h.HasField("schema") or h.HasField("zero_threshold") or len(h.positive_span) > 0


def pb_samples(pb2, families, natives=None):
    """{(name, labels): value} as the text format names the samples. A
    histogram family with native buckets comes as two messages of its name,
    classic then native: the native series go into natives, {(name,
    labels): {count, sum, schema, zero_threshold, zero_count, buckets}}, and
    each must carry the count and sum of its classic twin."""
    types = pb2.MetricType
    samples, seen = {}, []
    for mf in families:
        assert mf.metric, "family %s without metrics" % mf.name
        native_message = mf.type == types.Value("HISTOGRAM") and is_native(mf.metric[0].histogram)
        if mf.name in seen:
            assert native_message and seen[-1] == mf.name and mf.name + " native" not in seen, \
                "family %s again, and not as the native message right after its classic one" % mf.name
            seen.append(mf.name + " native")
        else:
            assert not native_message, "family %s: its native message before its classic one" % mf.name
        seen.append(mf.name)
        for m in mf.metric:
            labels = tuple(sorted((lp.name, lp.value) for lp in m.label))
            if mf.type == types.Value("COUNTER"):
                assert m.HasField("counter"), mf.name
                put(samples, (mf.name, labels), m.counter.value)
            elif mf.type == types.Value("GAUGE"):
                assert m.HasField("gauge"), mf.name
                put(samples, (mf.name, labels), m.gauge.value)
            elif mf.type == types.Value("HISTOGRAM") and native_message:
                h = m.histogram
                assert is_native(h) and not h.bucket, "%s: a native message's series carry native buckets only" % mf.name
                assert natives is not None, "native histograms where none were expected"
                put(natives, (mf.name, labels), {
                    "count": h.sample_count, "sum": h.sample_sum, "schema": h.schema,
                    "zero_threshold": h.zero_threshold, "zero_count": h.zero_count, "buckets": native_buckets(h)})
                assert h.sample_count == samples[(mf.name + "_count", labels)], (mf.name, labels)
                assert h.sample_sum == samples[(mf.name + "_sum", labels)], (mf.name, labels)
                assert h.zero_count + sum(natives[(mf.name, labels)]["buckets"].values()) == h.sample_count, \
                    (mf.name, labels, "native buckets do not add up to the count")
            elif mf.type == types.Value("HISTOGRAM"):
                h = m.histogram
                assert m.HasField("histogram"), mf.name
                assert not is_native(h), "%s: a classic message's series carry classic buckets only" % mf.name
                for b in h.bucket:
                    assert b.upper_bound != float("inf"), "+Inf is left out, as client_golang does"
                    put(samples, (mf.name + "_bucket", le_key(labels + (("le", b.upper_bound),))),
                        float(b.cumulative_count))
                put(samples, (mf.name + "_bucket", le_key(labels + (("le", float("inf")),))), float(h.sample_count))
                put(samples, (mf.name + "_sum", labels), h.sample_sum)
                put(samples, (mf.name + "_count", labels), float(h.sample_count))
            else:
                raise AssertionError("family %s of type %s" % (mf.name, mf.type))
    return samples


def text_samples(text):
    return {(name, le_key(labels) if name.endswith("_bucket") else labels): v
            for (name, labels), v in parse_samples(text).items()}


def family_of(name):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[:-len(suffix)] in VOLATILE:
            return name[:-len(suffix)]
    return name


def get(exporter, accept=None, encoding=None):
    headers = {}
    if accept is not None:
        headers["Accept"] = accept
    if encoding is not None:
        headers["Accept-Encoding"] = encoding
    status, hdrs, body = exporter.get("/metrics", headers)
    assert status == 200, (status, body[:300])
    return hdrs, body


def test_protobuf_matches_text_sample_by_sample(pb2, sim_binary):
    with Exporter(binaries=(sim_binary,)) as exporter, \
            Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=sim_binary) as sim:
        sim.ledger()  # done firing: from here on the state is steady
        _, before = get(exporter, "text/plain;version=0.0.4")
        hdrs, body = get(exporter, PROM_PB_ACCEPT)
        _, after = get(exporter, "text/plain;version=0.0.4")
        assert hdrs["Content-Type"] == PB_TYPE

        families = decode_delimited(pb2, body)
        names = [mf.name for mf in families]
        twice = {n for n in names if names.count(n) > 1}
        assert twice == {"dwcp_amst_latency_seconds", "dwcp_hde_compression_ratio",
                         "dwcp_migration_duration_seconds", "dwcp_federation_sync_duration_seconds"}, \
            "only the histograms come twice, classic and native: %r" % twice
        types = {mf.name: pb2.MetricType.Name(mf.type) for mf in families}
        # every family type; counters named with _total, as client_golang names them
        assert {"COUNTER", "GAUGE", "HISTOGRAM"} <= set(types.values())
        assert all(n.endswith("_total") for n, t in types.items() if t == "COUNTER")
        assert types["dwcp_amst_latency_seconds"] == "HISTOGRAM"
        # HELP as the text format has it (unescaped)
        helps = {mf.name: mf.help for mf in families}
        for line in before.decode().splitlines():
            if line.startswith("# HELP "):
                name, help_text = line[7:].split(" ", 1)
                if name in helps:
                    assert helps[name] == help_text.replace("\\n", "\n").replace("\\\\", "\\"), name

        natives = {}
        pb = pb_samples(pb2, families, natives)
        assert {name for name, _ in natives} == twice
        assert {(n + "_count", l) for n, l in natives} == {k for k in pb if k[0][:-len("_count")] in twice
                                                             and k[0].endswith("_count")}, "every series native too"
        t1, t2 = text_samples(before.decode()), text_samples(after.decode())
        assert set(pb) == set(t1) == set(t2), (set(pb) ^ set(t1), set(t1) ^ set(t2))
        histograms = [k for k in pb if k[0] == "dwcp_amst_latency_seconds_count"]
        assert histograms and all(pb[k] > 0 for k in histograms), "the run observed latencies"
        unequal, changed = [], []
        for key, value in pb.items():
            if t1[key] == t2[key]:
                if value != t1[key]:
                    unequal.append((key, value, t1[key]))
            else:
                changed.append(key)
                if key[0].endswith("_total"):
                    assert t1[key] <= value <= t2[key], (key, t1[key], value, t2[key])
        assert all(family_of(k[0]) in VOLATILE for k in changed), \
            "changed between two text scrapes: %r" % sorted({k[0] for k in changed if family_of(k[0]) not in VOLATILE})
        assert not unequal, "protobuf and text differ:\n" + "\n".join(map(repr, unequal[:20]))

        # the same again compressed: Content-Encoding gzip, the same families
        hdrs, gz = get(exporter, PROM_PB_ACCEPT, "gzip")
        assert hdrs["Content-Type"] == PB_TYPE
        assert hdrs.get("Content-Encoding") == "gzip"
        natives_again = {}
        again = pb_samples(pb2, decode_delimited(pb2, gzip.decompress(gz)), natives_again)
        assert natives_again == natives
        assert set(again) == set(pb)
        assert {k: v for k, v in again.items() if family_of(k[0]) not in VOLATILE} == \
            {k: v for k, v in pb.items() if family_of(k[0]) not in VOLATILE}


ACCEPTS = [
    ("text/plain;version=0.0.4", TEXT_TYPE),
    ("text/plain", TEXT_TYPE),
    (None, TEXT_TYPE),
    ("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
     "application/openmetrics-text; version=1.0.0; charset=utf-8"),
    # protobuf without the parameters that say which: not ours to guess
    ("application/vnd.google.protobuf", TEXT_TYPE),
    ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text", TEXT_TYPE),
    # malformed: ignored, never an error
    ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=2", TEXT_TYPE),
    (";;,,=\x7f", TEXT_TYPE),
    ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.4,"
     "text/plain;q=0.5", TEXT_TYPE),
    ("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited", PB_TYPE),
    (PROM_PB_ACCEPT, PB_TYPE),
]


def test_accept_chooses_the_format():
    with Exporter() as exporter:
        for accept, content_type in ACCEPTS:
            hdrs, body = get(exporter, accept)
            assert hdrs["Content-Type"] == content_type, accept
            if content_type == TEXT_TYPE:
                assert body.decode().startswith("# HELP "), (accept, body[:100])


def test_prometheus_ingests_the_protobuf_scrape(sim_binary):
    """Debian's Prometheus 2.42 with native histograms on asks for protobuf
    (PROM_PB_ACCEPT) and stores what the text format says, the classic
    _bucket, _sum and _count series included; and beside them every
    histogram series as a native histogram of the same count and sum."""
    from prom import Prometheus
    with Exporter(binaries=(sim_binary,)) as exporter, \
            Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=sim_binary) as sim:
        sim.ledger()
        config = ("global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: dwcp\n"
                  "    static_configs: [{targets: ['127.0.0.1:%d']}]\n" % exporter.port)
        with Prometheus(config, name="protobuf", extra_args=("--enable-feature=native-histograms",)) as prom:
            prom.wait_for(lambda: prom.query('up{job="dwcp"} == 1'), 20, "a successful scrape")
            target = prom.targets()[0]
            assert target["health"] == "up" and not target["lastError"], target
            stored, native = {}, {}
            for r in prom.query('{__name__=~"dwcp_.+", job="dwcp"}'):
                labels = {k: v for k, v in r["metric"].items() if k not in ("job", "instance")}
                name = labels.pop("__name__")
                if "histogram" in r:
                    h = r["histogram"][1]
                    assert sum(float(b[3]) for b in h.get("buckets", [])) == float(h["count"]), (name, h)
                    put(native, (name, tuple(sorted(labels.items()))), (float(h["count"]), float(h["sum"])))
                    continue
                key = (name, le_key(labels.items()) if name.endswith("_bucket") else tuple(sorted(labels.items())))
                put(stored, key, float(r["value"][1]))
            text = {k: v for k, v in text_samples(exporter.scrape()).items()
                    if k[0].startswith("dwcp_") and family_of(k[0]) not in VOLATILE}
            stored = {k: v for k, v in stored.items() if family_of(k[0]) not in VOLATILE}
            # the classic series, exactly as the text format has them
            assert stored == text
            # every histogram series natively too, with the text's count and sum
            counts = {(k[0][:-len("_count")], k[1]) for k in text if k[0].endswith("_count")
                      and (k[0][:-len("_count")] + "_bucket") in {n for n, _ in text}}
            assert set(native) == counts
            for (name, labels), (count, total) in native.items():
                assert count == text[(name + "_count", labels)], (name, labels)
                assert total == text[(name + "_sum", labels)], (name, labels)
