"""CONFORM_SPARK_DRIVER_MEMORY below what Spark's local driver needs (450m: 1.5 × its 300 MB reserve) is refused
before any work with one line naming it. At 16m the JVM itself could not start and said only "A JNI error has
occurred, please check your installation", which sent the user after Java instead of the setting."""
from __future__ import annotations

import os

import pytest

from conform.audit.engines import spark


@pytest.mark.parametrize("value, refused", [
    ("16m", True), ("449m", True), ("200", True), ("460000000b", True), ("64MB", True),
    ("450m", False), ("450", False), ("3g", False), ("1T", False), ("abc", False), (None, False),
])
def test_a_driver_memory_too_small_for_spark_is_named(monkeypatch, value, refused):
    if value is None:
        monkeypatch.delenv("CONFORM_SPARK_DRIVER_MEMORY", raising=False)
    else:
        monkeypatch.setenv("CONFORM_SPARK_DRIVER_MEMORY", value)
    said = spark.driver_memory_problem()
    assert (said is not None) == refused, said
    if refused:
        assert said.startswith(f"CONFORM_SPARK_DRIVER_MEMORY={value} is too small") and "450m" in said


def test_the_audit_refuses_it_before_reading_the_ledger(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from conform.harness.cli import main

    if not os.environ.get("CI"):  # CI installs pyspark (the dev group, .ci/run's uv sync): never skipped there
        pytest.importorskip("pyspark")
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n"
                      "T1,P1,1101,2023-05-04,11,tertiary,400.00,0.00\n", encoding="utf-8")
    monkeypatch.setenv("CONFORM_SPARK_DRIVER_MEMORY", "16m")
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "zhejiang", "--region", "zhejiang-example",
                                  "--engine", "spark", "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and "CONFORM_SPARK_DRIVER_MEMORY=16m is too small" in r.output, r.output
    assert "读取并校验清单" not in r.output and not (tmp_path / "out").exists()
