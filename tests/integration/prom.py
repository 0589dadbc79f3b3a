# SPDX-License-Identifier: Apache-2.0
"""prom.py: a real Prometheus server for integration tests.

What it offers
  - Prometheus(config_text): a context manager that writes the config into a
    temporary directory, starts Debian's `prometheus` on a free 127.0.0.1
    port with its own data directory, waits for /-/ready and always stops
    the server and removes the directory on exit.
  - Prometheus.query(expr) -> instant vector/scalar result (HTTP API),
    Prometheus.wait_for(fn, timeout): poll until fn() returns something.
  - shipped_config(path, replacements): a shipped config file with exact
    text replacements, each of which must match (tests run the files we
    ship, only pointed at test targets).
  - StaticTarget: an HTTP server in a thread that serves text exposition
    produced by a function, for tests that need a scrape target.
  - synthetic_exporter(cluster, node, error_share): such a function serving
    every dwcp-bpf-exporter metric family, counters growing linearly with
    time at known rates (values in its docstring).
  - PROMETHEUS, PROMTOOL, REPO, PROM_CONFIGS paths.

Stdlib only.
"""
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROM_CONFIGS = os.path.join(REPO, "configs", "prometheus")
# the rule files the shipped configs load: recording rules, then alerts
RULE_FILES = [os.path.join(PROM_CONFIGS, "dwcp-recording-rules.yml"), os.path.join(PROM_CONFIGS, "dwcp-alerts.yml")]
# the seed's six recording rules
RECORDING_RULE_NAMES = (
    "dwcp:amst:error_rate:5m",
    "dwcp:amst:throughput_mbps:5m",
    "dwcp:hde:compression_ratio_median:10m",
    "dwcp:migration:duration_median:1h",
    "dwcp:federation:bandwidth_saved_gbps:1h",
    "dwcp:system:availability:5m",
)
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


def free_port():
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shipped_config(path, replacements):
    """Text of a shipped config with each `old -> new` replaced; every old
    string must occur, so a test never silently runs an unmodified file."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for old, new in replacements.items():
        if old not in text:
            raise AssertionError(f"{path}: expected text not found: {old!r}")
        text = text.replace(old, new)
    return text


def http_get(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


class PrometheusError(RuntimeError):
    pass


class Prometheus:
    """One Prometheus server on loopback; use as a context manager."""

    def __init__(self, config_text, name="prometheus", extra_args=(), ready_timeout=30.0, port=None):
        """port: where to listen (a config that scrapes this server itself
        needs it in advance); a free port when None."""
        self.config_text = config_text
        self.name = name
        self.extra_args = list(extra_args)
        self.ready_timeout = ready_timeout
        self.proc = None
        self.dir = None
        self.port = port
        self.url = None
        self._log = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        self.dir = tempfile.mkdtemp(prefix=f"dwcp-{self.name}-")
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w", encoding="utf-8") as f:
            f.write(self.config_text)
        if self.port is None:
            self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(os.path.join(self.dir, "prometheus.log"), "wb")
        self.proc = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={os.path.join(self.dir, 'data')}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--web.enable-lifecycle",
                "--log.level=info",
                *self.extra_args,
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + self.ready_timeout
        while True:
            if self.proc.poll() is not None:
                raise PrometheusError(
                    f"{self.name} exited with {self.proc.returncode} before ready:\n{self.log_tail()}")
            try:
                status, _ = http_get(self.url + "/-/ready", timeout=1.0)
                if status == 200:
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise PrometheusError(f"{self.name} not ready after {self.ready_timeout}s:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.dir is not None and os.environ.get("DWCP_KEEP_PROM_DIR") is None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def log_tail(self, nbytes=4000):
        try:
            with open(os.path.join(self.dir, "prometheus.log"), "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - nbytes))
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return "(no log)"

    def api(self, path, **params):
        url = f"{self.url}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            _, body = http_get(url)
        except urllib.error.HTTPError as e:
            body = e.read()
        doc = json.loads(body)
        if doc.get("status") != "success":
            raise PrometheusError(f"{self.name} {path} {params}: {doc.get('errorType')}: {doc.get('error')}")
        return doc["data"]

    def query(self, expr, at=None):
        """Instant query: a list of {"metric": {...}, "value": [t, "v"]}
        (a scalar result comes back as one sample without labels)."""
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        data = self.api("query", **params)
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        return data["result"]

    def targets(self):
        return self.api("targets")["activeTargets"]

    def wait_for(self, fn, timeout, what):
        """Poll fn() every 0.25 s until it returns a truthy value (returned)
        or timeout seconds pass (PrometheusError naming `what`)."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            last = fn()
            if last:
                return last
            if self.proc is None or self.proc.poll() is not None:
                raise PrometheusError(f"{self.name} died while waiting for {what}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise PrometheusError(f"{self.name}: timed out after {timeout}s waiting for {what}")
            time.sleep(0.25)


class StaticTarget:
    """A scrape target on loopback serving render() as text exposition at
    /metrics, from a thread; use as a context manager."""

    def __init__(self, render):
        self.render = render
        self.server = None
        self.thread = None
        self.scrapes = 0

    def __enter__(self):
        target = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.split("?")[0] != "/metrics":
                    self.send_error(404)
                    return
                body = target.render().encode()
                target.scrapes += 1
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="static-target", daemon=True)
        self.thread.start()
        return self

    @property
    def address(self):
        return f"127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        return False


COMPRESSION_LE = ["1", "1.5", "2", "2.5", "3", "4", "5", "7.5", "10", "15", "20", "30", "50", "75", "100"]
MIGRATION_LE = ["1", "2", "5", "10", "15", "30", "60", "120", "180", "240", "300", "450", "600", "900", "1800",
                "3600"]
LATENCY_LE = ["5e-05", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
              "0.25", "0.5", "1", "2.5", "5", "10"]
SYNC_LE = ["0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60", "120", "300"]


def _histogram(name, labels, bounds, per_second, t, with_type=True):
    """Cumulative buckets, _sum and _count after t seconds of observations
    arriving at per_second[bound] per second into the bucket of that bound."""
    out = [f"# TYPE {name} histogram"] if with_type else []
    count = 0.0
    for le in bounds:
        count += per_second.get(le, 0.0) * t
        out.append(f'{name}_bucket{{{labels},le="{le}"}} {count!r}')
    out.append(f'{name}_bucket{{{labels},le="+Inf"}} {count!r}')
    total = sum(float(le) * n * t for le, n in per_second.items())
    out.append(f"{name}_sum{{{labels}}} {total!r}")
    out.append(f"{name}_count{{{labels}}} {count!r}")
    return out


def synthetic_exporter(cluster, node, error_share):
    """render() for a stand-in dwcp-bpf-exporter (the exporter's metric
    names, types and labels) whose counters grow with time since creation:
    10 streams/s finish, error_share of them with result="error"; 1e6 B/s
    sent, 0.25e6 B/s received; compression ratios 4/s in (3,4] (median 3.5);
    DWCP migrations 1/s in (60,120] (median 90 s), standard 1/s in (300,450]
    (median 375 s); 125e6 B/s saved towards remote cluster "c9"; health
    amst 2, hde 1, federation 0 (availability 200/3 %)."""
    t0 = time.monotonic()
    cn = f'cluster="{cluster}",node="{node}"'

    def render():
        t = time.monotonic() - t0
        lines = [
            "# TYPE dwcp_amst_streams_active gauge",
            f"dwcp_amst_streams_active{{{cn}}} 3",
            "# TYPE dwcp_amst_streams_total counter",
            f'dwcp_amst_streams_total{{{cn},result="success"}} {10 * (1 - error_share) * t!r}',
            f'dwcp_amst_streams_total{{{cn},result="error"}} {10 * error_share * t!r}',
            f'dwcp_amst_streams_total{{{cn},result="cancelled"}} 0',
            "# TYPE dwcp_amst_bytes_sent_total counter",
            f"dwcp_amst_bytes_sent_total{{{cn}}} {1e6 * t!r}",
            "# TYPE dwcp_amst_bytes_received_total counter",
            f"dwcp_amst_bytes_received_total{{{cn}}} {0.25e6 * t!r}",
            "# TYPE dwcp_amst_errors_total counter",
            f'dwcp_amst_errors_total{{{cn},error_type="timeout"}} {15 * error_share * t!r}',
            "# TYPE dwcp_amst_bandwidth_utilization_percent gauge",
            f"dwcp_amst_bandwidth_utilization_percent{{{cn}}} 72.5",
            "# TYPE dwcp_hde_operations_total counter",
            f'dwcp_hde_operations_total{{{cn},operation="encode",result="success"}} {4 * t!r}',
            f'dwcp_hde_operations_total{{{cn},operation="decode",result="failure"}} 0',
            "# TYPE dwcp_hde_delta_hit_rate_percent gauge",
            f"dwcp_hde_delta_hit_rate_percent{{{cn}}} 81",
            "# TYPE dwcp_hde_baseline_count gauge",
            f'dwcp_hde_baseline_count{{{cn},baseline_type="vm_state"}} 12',
            "# TYPE dwcp_hde_dictionary_efficiency_percent gauge",
            f"dwcp_hde_dictionary_efficiency_percent{{{cn}}} 64.25",
            "# TYPE dwcp_hde_bytes_original_total counter",
            f'dwcp_hde_bytes_original_total{{{cn},data_type="vm_memory"}} {4 * 4096 * t!r}',
            "# TYPE dwcp_hde_bytes_compressed_total counter",
            f'dwcp_hde_bytes_compressed_total{{{cn},data_type="vm_memory"}} {4 * 1170 * t!r}',
            "# TYPE dwcp_migration_failures_total counter",
            f'dwcp_migration_failures_total{{cluster="{cluster}",source_node="{node}",dest_node="n2",'
            f'dwcp_enabled="true"}} 0',
            "# TYPE dwcp_migration_speedup_factor gauge",
            f'dwcp_migration_speedup_factor{{cluster="{cluster}",vm_type="large_vm"}} 4.5',
            "# TYPE dwcp_federation_bandwidth_saved_bytes_total counter",
            f'dwcp_federation_bandwidth_saved_bytes_total{{cluster="{cluster}",remote_cluster="c9"}} {125e6 * t!r}',
            "# TYPE dwcp_system_component_health gauge",
            f'dwcp_system_component_health{{{cn},component="amst"}} 2',
            f'dwcp_system_component_health{{{cn},component="hde"}} 1',
            f'dwcp_system_component_health{{{cn},component="federation"}} 0',
            "# TYPE dwcp_system_config_enabled gauge",
            f'dwcp_system_config_enabled{{{cn},feature="hde_enabled"}} 1',
            "# TYPE dwcp_system_version_info gauge",
            f'dwcp_system_version_info{{cluster="{cluster}",version="1.0.0",git_commit="abc123",'
            f'build_date="2025-11-08"}} 1',
        ]
        lines += _histogram("dwcp_amst_latency_seconds", f'{cn},operation="send"', LATENCY_LE,
                            {"0.001": 50.0, "0.01": 5.0}, t)
        lines += _histogram("dwcp_hde_compression_ratio", f'{cn},data_type="vm_memory"', COMPRESSION_LE,
                            {"4": 4.0}, t)
        pair = f'cluster="{cluster}",source_node="{node}",dest_node="n2"'
        lines += _histogram("dwcp_migration_duration_seconds", pair + ',dwcp_enabled="true"', MIGRATION_LE,
                            {"120": 1.0}, t)
        lines += _histogram("dwcp_migration_duration_seconds", pair + ',dwcp_enabled="false"', MIGRATION_LE,
                            {"450": 1.0}, t, with_type=False)
        lines += _histogram("dwcp_federation_sync_duration_seconds",
                            f'cluster="{cluster}",remote_cluster="c9",sync_type="state"', SYNC_LE, {"0.25": 2.0}, t)
        return "\n".join(lines) + "\n"

    return render
