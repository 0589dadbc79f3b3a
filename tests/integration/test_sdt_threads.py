# SPDX-License-Identifier: Apache-2.0
"""dwcp_sdt_threads (plain sys/sdt.h, 4 threads at full speed, static ids)
under the exporter: every figure of its ledger exact, no stream id it did
not use, no bad argument, and the interleaved-runs self-metric served.
The kernel matrix (tests/kernels) runs the same client on kernels that
preempt BPF programs; this kernel (voluntary preemption) does not."""
import subprocess

from harness import BUILD, Exporter, assert_matches_ledger, parse_samples, private_copy, series, stop_process


def test_threads_client_counted_exactly(tmp_path):
    binary = private_copy(BUILD / "tests" / "dwcp_sdt_threads", tmp_path)
    ledger_path = tmp_path / "ledger.prom"
    with Exporter(binaries=(binary,)) as exporter:
        client = subprocess.Popen([str(binary), "--rounds", "5000", "--linger", "--ledger", str(ledger_path)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert client.stdout.readline().strip() == "done"
            ledger = parse_samples(ledger_path.read_text())
            samples = exporter.samples()
        finally:
            stop_process(client)
    assert_matches_ledger(samples, ledger)
    used = {k for k in ledger if k[0] == "dwcp_amst_bytes_sent_total"}
    assert set(series(samples, "dwcp_amst_bytes_sent_total")) == used and len(used) == 32
    assert not {k: v for k, v in series(samples, "dwcp_bpf_bad_probe_args_total").items() if v}
    assert ("dwcp_bpf_interleaved_runs_total", ()) in samples
