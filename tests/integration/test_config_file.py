# SPDX-License-Identifier: Apache-2.0
"""--config.file: settings from a file, flags win, clear errors, SIGHUP reload.

The exporter is started with almost nothing on its command line, so what it
serves shows what it read from the file.
"""
import signal

from harness import Exporter, Sim, run_exporter_expecting_failure, wait_for

SIM_ARGS = ("--duration", "1", "--streams", "3", "--rate", "0", "--stream-bytes", "50000", "--migrations", "0")


class FileExporter(Exporter):
    """An exporter configured by a file; flags only for what the test says."""

    def __init__(self, config_text, tmp_path, flags=()):
        self.config = tmp_path / "exporter.yml"
        self.config.write_text(config_text)
        super().__init__(binaries=(), cluster=None, node=None, extra_args=("--config.file", self.config, *flags))

    def reload(self, config_text, log_needle):
        self.config.write_text(config_text)
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: log_needle in self.output(), 10, "%r in the log" % log_needle)


def labels_of(samples, name):
    return [dict(k[1]) for k in samples if k[0] == name]


def test_settings_come_from_the_file_and_flags_win(sim_binary, tmp_path):
    config = ("# test config\nbinary:\n  - %s\ncluster: from-file\nnode: 'node \"7\"'\n"
              "stream.id-label: false\nlog.format: json\n" % sim_binary)
    with FileExporter(config, tmp_path, flags=("--node", "from-flag")) as exporter:
        with Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=sim_binary) as sim:
            ledger = sim.ledger()
        samples = exporter.samples(drop_node_labels=False)
        sent = [(dict(k[1]), v) for k, v in samples.items() if k[0] == "dwcp_amst_bytes_sent_total"]
        assert len(sent) == 1, sent  # stream.id-label: false -> one series per node
        labels, value = sent[0]
        assert labels == {"cluster": "from-file", "node": "from-flag"}
        assert value == sum(v for k, v in ledger.items() if k[0] == "dwcp_amst_bytes_sent_total")
        assert exporter.output().lstrip().startswith("{"), exporter.output()[:200]  # json logs


def test_bad_config_file_fails_naming_file_line_and_key(sim_binary, tmp_path):
    config = tmp_path / "bad.yml"
    config.write_text("binary: %s\nstream.grace: soon\n" % sim_binary)
    code, out = run_exporter_expecting_failure("--config.file", config)
    assert code == 2
    assert "--config.file %s: line 2: --stream.grace: \"soon\" is not a duration" % config in out, out
    config.write_text("binary:\n  path: x\n")
    code, out = run_exporter_expecting_failure("--config.file", config)
    assert code == 2 and "line 2: binary: expected a list item" in out, out
    code, out = run_exporter_expecting_failure("--config.file", tmp_path / "missing.yml")
    assert code == 2 and "missing.yml: No such file or directory" in out, out


def test_sighup_applies_live_settings_and_names_the_rest(sim_binary, tmp_path):
    config = "binary:\n  - %s\ncluster: c1\nstream.id-label: true\n" % sim_binary
    with FileExporter(config, tmp_path) as exporter:
        with Sim(*SIM_ARGS, "--wait-for-tracer", "20", binary=sim_binary) as sim:
            sim.ledger()
        per_stream = labels_of(exporter.samples(drop_node_labels=False), "dwcp_amst_bytes_sent_total")
        assert len(per_stream) >= 3 and all("stream_id" in l for l in per_stream), per_stream

        # live: stream.id-label and log.level; needs a restart: cluster
        exporter.reload("binary:\n  - %s\ncluster: c2\nstream.id-label: false\nlog.level: debug\n" % sim_binary,
                        "config reloaded")
        out = exporter.output()
        assert "changed settings need a restart" in out and "settings=cluster" in out, out
        summed = labels_of(exporter.samples(drop_node_labels=False), "dwcp_amst_bytes_sent_total")
        assert summed == [{"cluster": "c1", "node": summed[0]["node"]}], summed

        # a broken file: reported, the running configuration stays
        exporter.reload("binary: [oops\n", "config reload failed")  # an unclosed flow list
        assert labels_of(exporter.samples(drop_node_labels=False), "dwcp_amst_bytes_sent_total") == summed
        assert exporter.proc.poll() is None
