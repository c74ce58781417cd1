"""A ledger's setl_id and fixmedins_name carrying U+202E (RIGHT-TO-LEFT OVERRIDE) cannot reorder what a
regulator reads: audit.html and audit.xlsx show it as \\u202e (conform.display), while discrepancies.csv and
discrepancies.parquet, which are data, keep the ledger's value as it is (the CSV escapes only what no file
holds, a NUL or a bell, as before). So with the characters that show nothing (a zero-width space in the id, a
BOM in the person's number, a zero-width joiner and a soft hyphen in the name): the reader sees \\u200b,
\\ufeff, \\u200d, \\xad where they are, the data keeps them.

By hand (攀枝花 第七条, retiree 1201 at a 二级 facility: 65%, deductible 150): 400.00 in scope;
(400 − 150) × 65% = 162.50 is the fund's share; recorded 250.00, so hifp_pay differs by +87.50 (overpaid) and
psn_part_amt, recorded 150.00 against 400 − 162.50 = 237.50, by −87.50.
"""
from __future__ import annotations

import csv
import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from conform.harness.cli import main

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_code,fixmedins_name,medfee_sumamt,"
          "fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,hifp_pay,psn_part_amt")
RLO = "\u202e"
SETL_ID = f"T{RLO}1\u200b"   # and a zero-width space: with and without it, two ids
NAME = f"市中心\u200d医院{RLO}元00.05付多\xad"  # reversed on screen it would read 多付50.00元; a ZWJ, a soft hyphen
PSN_NO = "P\u20669\u2069\ufeff"  # an isolate pair: escaped alike; a BOM
INVISIBLE = (RLO, "\u2066", "\u2069", "\u200b", "\u200d", "\xad", "\ufeff")


def _audit(tmp_path, *extra: str):
    tmp_path.mkdir(exist_ok=True)
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(f"{HEADER}\n{SETL_ID},{PSN_NO},1201,2023-05-04,11,secondary,H1,{NAME},400.00,0,0,0,250.00,150.00\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(out), *extra])
    assert r.exit_code == 1, r.output
    return out, r.output


def _no_bidi(text: str) -> bool:
    return not any(c in text for c in INVISIBLE)


def _read(out):
    page = (out / "audit.html").read_text(encoding="utf-8")
    wb = load_workbook(out / "audit.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    detail = list(wb["差异明细"].iter_rows(min_row=2, values_only=True))
    with open(out / "discrepancies.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return page, cells, detail, rows


def test_a_bidi_override_is_shown_escaped_in_the_page_and_workbook_and_kept_raw_in_the_data(tmp_path):
    out, console = _audit(tmp_path)
    page, cells, detail, rows = _read(out)
    assert _no_bidi(page) and all(_no_bidi(c) for c in cells) and _no_bidi(console)
    assert "T\\u202e1\\u200b" in page and "市中心\\u200d医院\\u202e元00.05付多\\xad" in page
    assert {(r[0], r[1], r[7]) for r in detail} == {("T\\u202e1\\u200b", "P\\u20669\\u2069\\ufeff",
                                                    "市中心\\u200d医院\\u202e元00.05付多\\xad")}
    # the data: as the ledger wrote it
    assert [(r["setl_id"], r["psn_no"], r["fixmedins_name"], r["field"], r["diff"]) for r in rows] == [
        (SETL_ID, PSN_NO, NAME, "hifp_pay", "87.50"), (SETL_ID, PSN_NO, NAME, "psn_part_amt", "-87.50")]
    table = pq.read_table(out / "discrepancies.parquet")
    assert set(table["setl_id"].to_pylist()) == {SETL_ID} and set(table["fixmedins_name"].to_pylist()) == {NAME}


@pytest.mark.usefixtures("spark")
def test_spark_writes_the_same_escaped_reports_and_raw_data(tmp_path):
    """The reports are built from the engine's rows by one writer: Spark's run reads the same as DuckDB's."""
    duck, _ = _audit(tmp_path / "duckdb")
    spark, _ = _audit(tmp_path / "spark", "--engine", "spark")
    assert json.loads((spark / "summary.json").read_text(encoding="utf-8"))["engine"] == "spark"
    assert (spark / "discrepancies.csv").read_bytes() == (duck / "discrepancies.csv").read_bytes()
    assert (spark / "discrepancies.parquet").read_bytes() == (duck / "discrepancies.parquet").read_bytes()
    page, cells, detail, _ = _read(spark)
    assert _no_bidi(page) and all(_no_bidi(c) for c in cells)
    assert detail == _read(duck)[2]
