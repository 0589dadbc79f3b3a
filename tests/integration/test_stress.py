# SPDX-License-Identifier: Apache-2.0
"""Load: two dwcp-sim processes firing as fast as they can (4 stream
threads each, unpaced compression, ops around every chunk) while scrapes
run every 100 ms. Afterwards every counter equals the processes' own totals
(0 events lost) and the exporter stays small."""
import os
import threading
import time

from harness import Exporter, Sim, assert_matches_ledger
from test_end_to_end import merged_counters

# make soak sets DWCP_SOAK_SECONDS to run the same test for minutes
SECONDS = int(os.environ.get("DWCP_SOAK_SECONDS", "5"))
STRESS = ("--duration", str(SECONDS), "--streams", "4", "--rate", "0", "--compress-rate", "0",
          "--stream-bytes", "1000000", "--chunk-bytes", "4096", "--federation-interval-ms", "20",
          "--wait-for-tracer", "20")


# Beyond the stream grace period (30 s) ended streams leave their series, so
# a longer soak counts bytes per node (--no-stream.id-label) and compares
# those with the ledger's streams summed.
PER_NODE = SECONDS > 20
STREAM_BYTES = ("dwcp_amst_bytes_sent_total", "dwcp_amst_bytes_received_total")


def summed_per_node(ledger):
    out = {}
    for key, value in ledger.items():
        if key[0] in STREAM_BYTES:
            key = (key[0], ())
        out[key] = out.get(key, 0) + value
    return out


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def test_nothing_lost_under_load_with_scrapes_every_100ms(sim_binary):
    with Exporter(binaries=(sim_binary,), extra_args=("--no-stream.id-label",) if PER_NODE else ()) as exporter:
        stop = threading.Event()
        scrapes, peak_rss, failures, timeline = [0], [0], [], []
        start = time.monotonic()

        def scraper():
            next_report = 0
            while not stop.is_set():
                try:
                    exporter.scrape()
                    scrapes[0] += 1
                    peak_rss[0] = max(peak_rss[0], rss_kib(exporter.pid))
                    elapsed = time.monotonic() - start
                    if elapsed >= next_report:
                        timeline.append((int(elapsed), rss_kib(exporter.pid), open_fds(exporter.pid)))
                        next_report += 10
                except Exception as e:  # noqa: BLE001 - reported below
                    failures.append(repr(e))
                stop.wait(0.1)

        thread = threading.Thread(target=scraper)
        thread.start()
        try:
            with Sim(*STRESS, "--stream-prefix", "a", "--seed", "3", binary=sim_binary) as a, \
                    Sim(*STRESS, "--stream-prefix", "b", "--seed", "4", binary=sim_binary) as b:
                ledgers = (a.ledger(timeout=SECONDS + 60), b.ledger(timeout=SECONDS + 60))
                fired = sum(sum(s.fired().values()) for s in (a, b))
                samples = exporter.samples()
        finally:
            stop.set()
            thread.join()
    assert not failures, failures[:3]
    assert scrapes[0] >= 30
    assert fired > 100000, "the load was too light to mean anything: %d probe hits" % fired
    expected = merged_counters(*ledgers)
    assert_matches_ledger(samples, summed_per_node(expected) if PER_NODE else expected)
    assert peak_rss[0] < 20 * 1024, "exporter RSS peaked at %d KiB" % peak_rss[0]
    print("stress: %d s, %d probe hits, %d scrapes, exporter peak RSS %d KiB" %
          (SECONDS, fired, scrapes[0], peak_rss[0]))
    for second, rss, fds in timeline:
        print("  t=%4ds exporter RSS %6d KiB, open fds %d" % (second, rss, fds))
    # fds do not grow with scrapes
    assert timeline[-1][2] <= timeline[0][2] + 2, timeline
