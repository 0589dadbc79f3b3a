# SPDX-License-Identifier: Apache-2.0
"""Stream ids in the stream table of bpf/dwcp_streams.bpf.h (keyed by a
hash of the id, the id in the value), driven probe by probe through
tests/programs/dwcp_sdt_streams.c, which passes every id through one
reused buffer:
- with an exporter built so that every id hashes alike (make
  build/collide/dwcp-bpf-exporter), four streams share one hash: each is
  counted exactly, a fifth is counted as a full stream map, a deleted
  entry in front of a live one neither hides it nor duplicates it, and a
  new id takes the freed probe;
- with the real exporter, ids up to 63 bytes that differ only in their
  last byte stay apart, and longer ids are cut at 63 and counted as
  truncated, as before issue 15."""
import subprocess

from harness import BUILD, Exporter, private_copy, series, stop_process, wait_for

STREAMS = BUILD / "tests" / "dwcp_sdt_streams"
COLLIDE = BUILD / "collide" / "dwcp-bpf-exporter"


class Streams:
    """dwcp_sdt_streams and the ledger of what it was told to fire."""

    def __init__(self, binary):
        self.p = subprocess.Popen([str(binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.p.stdout.readline().strip() == "ready"

    def do(self, *words):
        self.p.stdin.write(" ".join(map(str, words)) + "\n")
        self.p.stdin.flush()
        assert self.p.stdout.readline().strip() == "ok", words

    def close(self):
        self.p.stdin.close()
        stop_process(self.p)


def by_stream(s, name):
    return {labels[0][1]: v for (_, labels), v in series(s, name).items()}


def full_streams(s):
    return s.get(("dwcp_bpf_map_full_events_total", (("map", "streams"),)), 0)


def test_colliding_ids_take_their_own_probes(tmp_path):
    binary = private_copy(STREAMS, tmp_path)
    with Exporter(binaries=(binary,), exe=COLLIDE, extra_args=("--stream.grace", "1s")) as exporter:
        st = Streams(binary)
        try:
            want = {}
            for i, sid in enumerate(("a", "b", "c", "d")):  # probes 0 to 3
                st.do("start", sid)
                st.do("data", sid, 1000 * (i + 1), i + 1)
                want[sid] = [1000 * (i + 1), i + 1]
            st.do("start", "e")  # no probe left: a full map, twice
            st.do("data", "e", 5, 5)
            s = exporter.samples()
            assert by_stream(s, "dwcp_amst_bytes_sent_total") == {k: v[0] for k, v in want.items()}
            assert full_streams(s) == 2
            # "a" ends and leaves (grace 1 s): probe 0 is free, "d" is still at 3
            st.do("end", "a", "success")
            del want["a"]
            wait_for(lambda: "a" not in by_stream(exporter.samples(), "dwcp_amst_bytes_sent_total"), 30,
                     "the ended stream's entry deleted after its grace")
            st.do("data", "d", 7, 70)
            want["d"][0] += 7
            want["d"][1] += 70
            st.do("start", "f")  # into the freed probe 0
            st.do("data", "f", 11, 12)
            want["f"] = [11, 12]
            s = exporter.samples()
        finally:
            st.close()
    assert by_stream(s, "dwcp_amst_bytes_sent_total") == {k: v[0] for k, v in want.items()}
    assert by_stream(s, "dwcp_amst_bytes_received_total") == {k: v[1] for k, v in want.items()}
    # one entry each: a duplicate of "d" at probe 0 would count it twice
    assert s[("dwcp_amst_streams_active", ())] == 4
    assert full_streams(s) == 2
    assert s[("dwcp_amst_streams_total", (("result", "success"),))] == 1


def test_long_ids_stay_apart_or_are_cut(tmp_path):
    binary = private_copy(STREAMS, tmp_path)
    last_byte = ["z" * 62 + c for c in "12"]  # 63 bytes: the last word tells them apart
    cut = ["y" * 63 + tail for tail in ("", "A", "BB" * 20)]  # one label after the cut at 63
    with Exporter(binaries=(binary,)) as exporter:
        st = Streams(binary)
        try:
            for sid in last_byte + cut:
                st.do("data", sid, len(sid), 1)
            st.do("data", "short", 3, 4)
            s = exporter.samples()
        finally:
            st.close()
    sent = by_stream(s, "dwcp_amst_bytes_sent_total")
    assert sent == {last_byte[0]: 63, last_byte[1]: 63, "y" * 63: sum(map(len, cut)), "short": 3}
    bad = {k: v for k, v in series(s, "dwcp_bpf_bad_probe_args_total").items() if v}
    assert bad == {("dwcp_bpf_bad_probe_args_total", (("probe", "stream_data"), ("reason", "truncated_string"))): 2}
