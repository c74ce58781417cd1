"""What a probe of the audit's other commands found (2026-12-04):

- `conform synth-ledger` where FILE.persons.jsonl (or FILE.planted.parquet) is a folder failed only when publishing,
  with errno's text about a temp file, after writing the planted list: beside an earlier FILE.parquet that made a
  set whose planted pairs were not in its ledger. It is refused before any work, and an earlier ledger goes first
  when the new files are published, so a failure never leaves one beside the other's planted list.
- `--spark-master spark://host:port` where nothing listens failed after Spark's client retried for 74 s; now a TCP
  connect to each master says so in about a second, before any JVM starts.
"""
from __future__ import annotations

import socket

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from conform.audit.engines import spark
from conform.harness.cli import main


@pytest.mark.parametrize("sidecar, what", [("x.persons.jsonl", "its persons file"),
                                           ("x.planted.parquet", "its planted list")])
def test_synth_ledger_refuses_a_folder_in_a_sidecars_place_before_writing_anything(tmp_path, sidecar, what):
    out = tmp_path / "x.parquet"
    r = CliRunner().invoke(main, ["synth-ledger", "--rows", "200", "--policy", "panzhihua", "--defect-rate", "0.5",
                                  "--seed", "1", "--out", str(out)])
    assert r.exit_code == 0, r.output
    before = set(pq.read_table(out).column("setl_id").to_pylist())
    (tmp_path / "x.persons.jsonl").unlink(missing_ok=True)
    (tmp_path / sidecar).unlink(missing_ok=True)
    (tmp_path / sidecar).mkdir()
    r = CliRunner().invoke(main, ["synth-ledger", "--rows", "200", "--policy", "panzhihua", "--defect-rate", "0.5",
                                  "--seed", "2", "--out", str(out)])
    assert r.exit_code == 2 and f"{tmp_path / sidecar}: is a folder, where synth-ledger writes {what}" in r.output
    assert "Traceback" not in r.output and ".tmp" not in r.output
    # nothing new was published: the earlier ledger and its own planted list are as they were
    assert set(pq.read_table(out).column("setl_id").to_pylist()) == before
    if sidecar != "x.planted.parquet":
        planted = set(pq.read_table(tmp_path / "x.planted.parquet").column("setl_id").to_pylist())
        assert planted <= before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed on leaving: a connect to it is refused


def test_an_unreachable_standalone_master_is_said_before_any_jvm_starts(monkeypatch):
    monkeypatch.setattr(spark, "_launch_gateway", lambda conf: pytest.fail("a JVM started for a master not there"))
    port = _refused_port()
    with pytest.raises(ConnectionError, match=rf"no Spark master accepts a connection at 127\.0\.0\.1:{port}: "
                                              "Connection refused"):
        spark.session(f"spark://127.0.0.1:{port}")


def test_one_listening_master_of_several_is_enough():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(1)
        up = listening.getsockname()[1]
        spark._master_answers(f"spark://127.0.0.1:{_refused_port()},127.0.0.1:{up}")  # no error: one answers
        with pytest.raises(ConnectionError, match="127.0.0.1:.*refused; 127.0.0.1:.*refused"):
            spark._master_answers(f"spark://127.0.0.1:{_refused_port()},127.0.0.1:{_refused_port()}")
