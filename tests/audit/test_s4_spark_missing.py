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
    assert "no such" not in r.output.lower(), r.output
    # a clone's way and the wheel's; never `pip install conform[spark]`, a name on no package index (probe s20 L)
    said = " ".join(r.output.split())
    assert "uv sync --extra spark" in said and ".whl[spark]'" in said and "install conform[spark]" not in said, said


def test_the_help_and_the_error_give_the_same_spark_advice():
    from conform.audit.cli import SPARK_INSTALL

    r = CliRunner().invoke(cli, ["audit", "--help"])
    assert " ".join(SPARK_INSTALL.split()) in " ".join(r.output.split()), r.output
