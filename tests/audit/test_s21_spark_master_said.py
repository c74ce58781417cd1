"""summary.json and the 概要 sheet say which Spark ran an audit, never its credentials (probe T, s21).

A report from a cluster could not be told from one from a local run: summary.json said "engine": "spark" alone.
攀枝花 第七条 (example region: 在职 起付线 200, 三级 50%): one visit of 300.00 pays (300 − 200) × 50% = 50.00,
recorded so: clean.
"""
from __future__ import annotations

import json

import openpyxl

from conform.audit.run import audit

HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay"
ROW = "X,B,1101,2023-01-05,11,tertiary,300.00,200.00,50.00"


def _audit(tmp_path, **engine):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(f"{HEADER}\n{ROW}\n", encoding="utf-8")
    out = tmp_path / "out"
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", None, out=out, **engine)
    said = {r[0]: r[1] for r in openpyxl.load_workbook(out / "audit.xlsx", read_only=True)["概要"].iter_rows(values_only=True)
            if r and r[0]}
    return code, json.loads((out / "summary.json").read_text(encoding="utf-8")), said


def test_spark_names_its_master_without_credentials(tmp_path, spark):
    code, s, said = _audit(tmp_path, engine="spark", spark=spark, spark_master="spark://alice:s3cretpw@10.0.0.7:7077")
    assert code == 0 and s["engine"] == "spark", s
    assert s["spark_master"] == "spark://***@10.0.0.7:7077", s["spark_master"]
    assert said["计算引擎 engine"] == "spark（spark://***@10.0.0.7:7077）", said["计算引擎 engine"]
    assert "s3cretpw" not in (tmp_path / "out" / "summary.json").read_text(encoding="utf-8")


def test_duckdb_has_no_master(tmp_path):
    code, s, said = _audit(tmp_path)
    assert code == 0 and "spark_master" not in s and said["计算引擎 engine"] == "duckdb", (s, said)
