"""--engine spark where pyspark is not installed: refused before any reading (it failed only after the whole
ledger had been read and grouped), exit 2, saying how to install it."""
from __future__ import annotations

import sys

from click.testing import CliRunner

from conform.harness.cli import main as cli


def test_spark_without_pyspark_is_refused_before_the_ledger_is_read(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark raises ImportError, as when not installed
    missing = tmp_path / "no-such-ledger.csv"
    r = CliRunner().invoke(cli, ["audit", str(missing), "--policy", "panzhihua", "--region", "panzhihua-example",
                                 "--engine", "spark", "--out", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert "conform[spark]" in r.output and "no such" not in r.output.lower(), r.output
