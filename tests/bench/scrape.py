#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""scrape.py: the cost of rendering /metrics for the scrape benchmark.

Waits until the exporter reports exactly --streams active streams (so the
maps are populated), then times --scrapes sequential scrapes on one
keep-alive connection, as Prometheus does, and prints one Markdown row:
streams | median ms | p99 ms | bytes plain | bytes gzip | RSS MiB | CPU ms/scrape.
With --format, the scrapes ask for that exposition format as Prometheus
does (its Accept header), the answer's Content-Type is checked, and the row
has the format after streams.
"""
import argparse
import gzip
import http.client
import os
import re
import statistics
import sys
import time

# Prometheus 2.42's Accept headers: text only, and with native histograms on
ACCEPT = {
    "text": "text/plain;version=0.0.4",
    "protobuf": "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,"
                "application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,"
                "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
}
CONTENT_TYPE = {
    "text": "text/plain; version=0.0.4; charset=utf-8",
    "protobuf": "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
}


def get(conn, path, gz=False, fmt=None):
    headers = {"Accept-Encoding": "gzip"} if gz else {}
    if fmt:
        headers["Accept"] = ACCEPT[fmt]
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {resp.status}")
    if fmt and resp.getheader("Content-Type") != CONTENT_TYPE[fmt]:
        raise RuntimeError(f"GET {path} as {fmt}: Content-Type {resp.getheader('Content-Type')}")
    return resp, body


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat(5); 12, 13 after "comm)"
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--streams", type=int, required=True)
    ap.add_argument("--scrapes", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--format", choices=sorted(ACCEPT), help="ask for this format (a column of the row)")
    ap.add_argument("--wait-only", action="store_true",
                    help="return once the streams are reported, measure nothing")
    a = ap.parse_args()

    conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
    want = re.compile(rb"^dwcp_amst_streams_active\{[^}]*\} (\S+)$", re.M)
    deadline = time.monotonic() + a.timeout
    while True:
        try:
            _, body = get(conn, "/metrics")
            m = want.search(body)
            if m and float(m.group(1)) == a.streams:
                break
        except (OSError, http.client.HTTPException):
            conn.close()
        if time.monotonic() > deadline:
            sys.exit(f"scrape.py: exporter never reported {a.streams} active streams")
        time.sleep(0.05)

    if a.wait_only:
        return
    cpu0 = cpu_seconds(a.pid)
    times = []
    plain = 0
    for _ in range(a.scrapes):
        t0 = time.perf_counter()
        _, body = get(conn, "/metrics", fmt=a.format)
        times.append((time.perf_counter() - t0) * 1000)
        plain = len(body)
    cpu = cpu_seconds(a.pid) - cpu0
    resp, zbody = get(conn, "/metrics", gz=True, fmt=a.format)
    if resp.getheader("Content-Encoding") == "gzip":
        gzip.decompress(zbody)  # a corrupt body must fail the benchmark
        zbytes = str(len(zbody))
    else:
        zbytes = "not gzipped"
    times.sort()
    p99 = times[min(len(times) - 1, int(round(0.99 * len(times))) - 1)]
    fmt = f" {a.format} |" if a.format else ""
    print(f"| {a.streams} |{fmt} {statistics.median(times):.2f} | {p99:.2f} | {plain} | {zbytes} "
          f"| {rss_mib(a.pid):.1f} | {cpu / a.scrapes * 1000:.2f} |")


if __name__ == "__main__":
    main()
