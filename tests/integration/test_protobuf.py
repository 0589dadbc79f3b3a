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


def pb_samples(pb2, families):
    """{(name, labels): value} as the text format names the samples."""
    types = pb2.MetricType
    samples = {}
    for mf in families:
        assert mf.metric, "family %s without metrics" % mf.name
        for m in mf.metric:
            labels = tuple(sorted((lp.name, lp.value) for lp in m.label))
            if mf.type == types.Value("COUNTER"):
                assert m.HasField("counter"), mf.name
                put(samples, (mf.name, labels), m.counter.value)
            elif mf.type == types.Value("GAUGE"):
                assert m.HasField("gauge"), mf.name
                put(samples, (mf.name, labels), m.gauge.value)
            elif mf.type == types.Value("HISTOGRAM"):
                h = m.histogram
                assert m.HasField("histogram"), mf.name
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
        assert len(names) == len(set(names)), "a family twice"
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

        pb = pb_samples(pb2, families)
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
        again = pb_samples(pb2, decode_delimited(pb2, gzip.decompress(gz)))
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
    (PROM_PB_ACCEPT) and stores what the text format says; a histogram with
    native buckets as a native histogram of the same count and sum."""
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
            stored, native = {}, set()
            for r in prom.query('{__name__=~"dwcp_.+", job="dwcp"}'):
                labels = {k: v for k, v in r["metric"].items() if k not in ("job", "instance")}
                name = labels.pop("__name__")
                if "histogram" in r:
                    # a series with native buckets: Prometheus 2.42 stores
                    # the native histogram alone (no _bucket series); its
                    # count and sum are the text's _count and _sum
                    labels = tuple(sorted(labels.items()))
                    h = r["histogram"][1]
                    assert sum(float(b[3]) for b in h.get("buckets", [])) == float(h["count"]), (name, h)
                    native.add((name, labels))
                    put(stored, (name + "_count", labels), float(h["count"]))
                    put(stored, (name + "_sum", labels), float(h["sum"]))
                    continue
                key = (name, le_key(labels.items()) if name.endswith("_bucket") else tuple(sorted(labels.items())))
                put(stored, key, float(r["value"][1]))
            text = {k: v for k, v in text_samples(exporter.scrape()).items()
                    if k[0].startswith("dwcp_") and family_of(k[0]) not in VOLATILE
                    and not (k[0].endswith("_bucket") and
                             (k[0][:-len("_bucket")], tuple(kv for kv in k[1] if kv[0] != "le")) in native)}
            stored = {k: v for k, v in stored.items() if family_of(k[0]) not in VOLATILE}
            assert stored == text
