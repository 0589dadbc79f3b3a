# SPDX-License-Identifier: Apache-2.0
"""The HTTP side under abuse, with real clients on loopback: many concurrent
scrapes, slow clients, oversized headers and 10,000 junk requests. The
exporter must answer what it can, refuse the rest with a status (never a
half-written body), and keep its fd count and memory where they were."""
import os
import random
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness import SIM, Exporter, private_copy, recv_all, wait_for


@pytest.fixture
def exporter(tmp_path):
    with Exporter(binaries=[private_copy(SIM, tmp_path)]) as e:
        yield e


def http_get(port, path="/metrics", timeout=15, source=None):
    """(status, headers dict, body) over a fresh connection, read until the
    server closes or Content-Length is satisfied. source: the client's
    address (any of 127/8 reaches the loopback listener)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                  source_address=(source, 0) if source else None) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % path).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    return status, headers, body


def concurrent_scrapes(port, n):
    barrier = threading.Barrier(n)

    def one(_):
        barrier.wait(timeout=20)
        return http_get(port)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def assert_complete(body, headers):
    assert body.endswith(b"\n"), body[-200:]
    assert b"\ndwcp_bpf_exporter_build_info{" in body
    if "content-length" in headers:
        assert int(headers["content-length"]) == len(body)


def test_200_concurrent_scrapes_answered_or_refused(exporter):
    results = concurrent_scrapes(exporter.port, 200)
    statuses = [r[0] for r in results]
    assert set(statuses) <= {200, 503}, sorted(set(statuses))
    assert statuses.count(200) >= 1
    for status, headers, body in results:
        if status == 200:
            assert_complete(body, headers)
    print("200 concurrent scrapes with the default limit: %d x 200, %d x 503"
          % (statuses.count(200), statuses.count(503)))


def test_200_concurrent_scrapes_without_limit(tmp_path):
    with Exporter(binaries=[private_copy(SIM, tmp_path)], extra_args=["--web.max-requests", "0"]) as e:
        results = concurrent_scrapes(e.port, 200)
        assert [r[0] for r in results] == [200] * 200
        for status, headers, body in results:
            assert_complete(body, headers)


def test_slowloris_does_not_block_scrapes(exporter):
    socks = []
    stop = threading.Event()
    try:
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", exporter.port), timeout=5)
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)

        def drip():
            while not stop.wait(1.0):
                for s in socks:
                    try:
                        s.sendall(b"X")
                    except OSError:
                        pass

        dripper = threading.Thread(target=drip)
        dripper.start()
        try:
            for _ in range(3):
                started = time.monotonic()
                status, headers, body = http_get(exporter.port, timeout=5)
                took = time.monotonic() - started
                assert status == 200 and took < 2.0, (status, took)
                assert_complete(body, headers)
                time.sleep(1.0)  # spread the scrapes over several drips
        finally:
            stop.set()
            dripper.join()
    finally:
        for s in socks:
            s.close()


def test_oversized_headers_get_4xx(exporter):
    with socket.create_connection(("127.0.0.1", exporter.port), timeout=10) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n")
        reply = recv_all(s)
    status = int(reply.split(b" ", 2)[1])
    assert 400 <= status < 500, reply[:200]
    assert exporter.proc.poll() is None
    assert exporter.get("/metrics")[0] == 200


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def rss_kb(pid):
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


JUNK = [
    ("garbage", lambda r: bytes(r.getrandbits(8) for _ in range(r.randrange(1, 400)))),
    ("text", lambda r: b"hello there\r\n\r\n"),
    ("half-closed", lambda r: b"GET /metrics HTTP/1.1\r\nHost: x\r\n"),
    ("post", lambda r: b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"),
    ("unknown path", lambda r: b"GET /nope/%d HTTP/1.1\r\nHost: x\r\n\r\n" % r.randrange(10**6)),
    ("bad version", lambda r: b"GET /metrics HTTP/7.3\r\nHost: x\r\n\r\n"),
    ("no version", lambda r: b"GET /metrics\r\n\r\n"),
    ("huge length", lambda r: b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\nab"),
    ("just close", lambda r: b""),
]
EXPECT = {"post": b" 405 ", "unknown path": b" 404 ", "bad version": b" 505 "}


def junk_request(port, kind, payload):
    """Sends one bad request; reads the answer where one is due. Binary
    garbage gets no answer (the server waits for a request line), so the
    client gives up at once, as an attacker would."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        if payload:
            s.sendall(payload)
        if kind in ("garbage", "just close"):
            return None
        s.shutdown(socket.SHUT_WR)
        reply = b""
        while len(reply) < 64:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
        return reply
    except (ConnectionResetError, BrokenPipeError):
        return None
    finally:
        s.close()


def run_junk(port, n, seed):
    r = random.Random(seed)
    work = [JUNK[i % len(JUNK)] for i in range(n)]
    payloads = [(kind, make(r)) for kind, make in work]
    wrong = []

    def one(item):
        kind, payload = item
        reply = junk_request(port, kind, payload)
        if kind in EXPECT and (reply is None or EXPECT[kind] not in reply.split(b"\r\n", 1)[0] + b" "):
            wrong.append((kind, reply[:80] if reply else reply))

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one, payloads))
    assert not wrong, wrong[:10]


def test_10000_junk_requests_leak_nothing(exporter):
    deadline = time.monotonic() + 45
    assert exporter.get("/metrics")[0] == 200
    fds0 = open_fds(exporter.pid)  # no connection open: the exporter's own fds
    run_junk(exporter.port, 300, seed=1)  # warm up allocator arenas and thread stacks
    rss0 = rss_kb(exporter.pid)

    run_junk(exporter.port, 10_000, seed=2)
    assert time.monotonic() < deadline, "10,000 junk requests took too long"
    assert exporter.proc.poll() is None, exporter.output()[-2000:]
    assert exporter.get("/metrics")[0] == 200
    # connections the server still closes (the client went first) end quickly
    wait_for(lambda: open_fds(exporter.pid) <= fds0 + 5, 10, "fd count back near %d (now %d)"
             % (fds0, open_fds(exporter.pid)))
    grown = rss_kb(exporter.pid) - rss0
    print("after 10,000 junk requests: fds %d -> %d, RSS +%d kB" % (fds0, open_fds(exporter.pid), grown))
    assert grown < 5 * 1024, "RSS grew by %d kB" % grown


# the exporter's defaults (http_server.c): 512 connections, of which one
# client address may hold all but 32, closed after 10 s without a request
CONNECTION_LIMIT, PER_IP_RESERVE, IDLE_TIMEOUT = 512, 32, 10


def closed_within(sock, seconds):
    """True when the server closes sock (EOF or reset) within seconds."""
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test_garbage_connections_do_not_lock_out_scrapes(exporter):
    """Connections that send bytes without a line end get no answer: each
    holds a server thread. One client address cannot take the last slots,
    and the idle timeout frees the rest."""
    per_ip = CONNECTION_LIMIT - PER_IP_RESERVE
    held = []
    try:
        for _ in range(per_ip):
            s = socket.create_connection(("127.0.0.1", exporter.port), timeout=5)
            s.sendall(b"\x16\x03\x01 no line end")
            held.append(s)
        opened = time.monotonic()
        # one more from the same address is closed at once
        extra = socket.create_connection(("127.0.0.1", exporter.port), timeout=5)
        try:
            assert closed_within(extra, 2.0), "connection %d from one address was accepted" % (per_ip + 1)
        finally:
            extra.close()
        # a scraper on another address still gets in, quickly
        for _ in range(3):
            started = time.monotonic()
            status, headers, body = http_get(exporter.port, timeout=5, source="127.0.0.2")
            took = time.monotonic() - started
            assert status == 200 and took < 2.0, (status, took)
            assert_complete(body, headers)
        # the garbage connections are closed by the idle timeout
        for s in held[:5] + held[-5:]:
            assert closed_within(s, IDLE_TIMEOUT + 5 - (time.monotonic() - opened))
        assert time.monotonic() - opened < IDLE_TIMEOUT + 5
    finally:
        for s in held:
            s.close()
    wait_for(lambda: http_get(exporter.port, timeout=5)[0] == 200, 10, "a scrape from 127.0.0.1 again")
