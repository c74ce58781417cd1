"""`--engine spark` without a java is refused before the ledger is read: a ten-million-row ledger took minutes to
read and check before Spark's start said that Java was missing. Spark Connect runs no local JVM and needs none."""
from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from conform.audit.engines import spark
from conform.harness.cli import main

LEDGER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n"
          "T1,P1,1101,2023-05-04,11,tertiary,400.00,0.00\n")


def _audit(tmp_path, *extra):
    if not os.environ.get("CI"):  # CI installs pyspark (the dev group, .ci/run's uv sync): never skipped there
        pytest.importorskip("pyspark")
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    return CliRunner().invoke(main, ["audit", str(ledger), "--policy", "zhejiang", "--region", "zhejiang-example",
                                     "--engine", "spark", "--out", str(tmp_path / "out"), *extra])


def test_no_java_is_said_before_the_ledger_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nojdk"))
    r = _audit(tmp_path)
    assert r.exit_code == 2, r.output
    assert f"the Spark engine needs Java 17: JAVA_HOME={tmp_path / 'nojdk'} has no bin/java" in r.output, r.output
    assert "读取并校验清单" not in r.output and not (tmp_path / "out").exists()
    monkeypatch.delenv("JAVA_HOME")
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    r = _audit(tmp_path, "--spark-master", "spark://127.0.0.1:1")  # a cluster's driver runs here too
    assert r.exit_code == 2 and "needs Java 17: no java on the PATH" in r.output, r.output


def test_spark_connect_needs_no_local_java(monkeypatch, tmp_path):
    if not os.environ.get("CI"):
        pytest.importorskip("pyspark")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nojdk"))
    spark.SparkEngine(master="sc://127.0.0.1:1")  # refused later, by the endpoint's own answer, not by Java
    with pytest.raises(Exception, match="needs Java 17"):
        spark.SparkEngine(master="local[2]")
