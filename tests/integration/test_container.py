# SPDX-License-Identifier: Apache-2.0
"""A DWCP process in another mount namespace (as in a container): its binary
is at a path only that namespace has; --pid reaches it through
/proc/PID/root. --binary alone covers binaries the host's namespace sees."""
import subprocess

from harness import Exporter, assert_matches_ledger, parse_samples, wait_for
from test_end_to_end import SIM_ARGS


def test_pid_in_another_mount_namespace(sim_binary, tmp_path):
    ledger_path = tmp_path / "ledger.prom"
    inner = "/dwcp-container/dwcp-sim"
    # a private tmpfs at /dwcp-container exists only inside the namespace
    script = ("mkdir -p /dwcp-container && mount -t tmpfs none /dwcp-container && cp %s %s && "
              "exec %s --quiet --linger --ledger %s %s"
              % (sim_binary, inner, inner, ledger_path, " ".join(SIM_ARGS + ("--wait-for-tracer", "30"))))
    proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script])
    try:
        wait_for(lambda: subprocess.run(["test", "-e", "/proc/%d/root%s" % (proc.pid, inner)]).returncode == 0
                 or proc.poll() is not None, 10, "the sim to start in its namespace")
        assert proc.poll() is None
        subprocess.run(["test", "!", "-e", inner], check=True)  # not visible from here
        with Exporter(binaries=(inner,), extra_args=("--pid", proc.pid)) as exporter:
            wait_for(lambda: ledger_path.exists(), 60, "the ledger")
            assert_matches_ledger(exporter.samples(), parse_samples(ledger_path.read_text()))
    finally:
        proc.terminate()
        proc.wait(20)
