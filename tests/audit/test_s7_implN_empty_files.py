"""A month whose export failed (0 bytes, or blank lines only: not even a header) beside months with rows
(raudit4 D3): it is read as no rows, and named — in summary.json's `files` with its row count, in 概要 and
audit.html's overview, and by a warning on the console — not passed over while the run says 未发现差异.
The 0-byte and the blank-lines file behave alike; a month with its header and no rows is listed, unwarned.

Figures by hand, 攀枝花 第七条 (in-service; deductible 200.00 a natural year; 三级 50%):
  A S1 600.00 in scope: 200.00 to the deductible, (600.00 − 200.00) × 50% = 200.00 from the fund.
  B S2 300.00 in scope: 200.00 to the deductible, (300.00 − 200.00) × 50% = 50.00;
    S3 500.00, the deductible used up: 500.00 × 50% = 250.00.
Every recorded figure is the expected one: a clean ledger, exit 0.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from conform.harness.cli import main

HEADER = "setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,pool_prop_selfpay"
S1 = "S1,A,1101,2023-01-10 10:00:00,11,tertiary,600.00,600.00,200.00,200.00,0.5000"
S2 = "S2,B,1101,2023-03-02 10:00:00,11,tertiary,300.00,300.00,200.00,50.00,0.5000"
S3 = "S3,B,1101,2023-03-09 10:00:00,11,tertiary,500.00,500.00,0.00,250.00,0.5000"


def _months(folder: Path) -> Path:
    folder.mkdir()
    (folder / "2023-01.csv").write_text(f"{HEADER}\n{S1}\n", encoding="utf-8")
    (folder / "2023-02.csv").write_bytes(b"")  # the export job failed
    (folder / "2023-03.csv").write_text(f"{HEADER}\n{S2}\n{S3}\n", encoding="utf-8")
    (folder / "2023-04.csv").write_bytes(b"\r\n\r\n")  # failed too, leaving two blank lines
    (folder / "2023-05.csv").write_text(f"{HEADER}\n", encoding="utf-8")  # a month without settlements
    return folder


def test_an_empty_month_is_listed_with_no_rows_and_warned(tmp_path):
    folder = _months(tmp_path / "2023")
    r = CliRunner().invoke(main, ["audit", str(folder), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(tmp_path / "report"), "--workers", "1"])
    assert r.exit_code == 0, r.output  # the three rows are right: clean, as before
    s = json.loads((tmp_path / "report" / "summary.json").read_text(encoding="utf-8"))
    month = {n: str(folder / f"2023-0{n}.csv") for n in range(1, 6)}
    assert s["files"] == [{"path": month[1], "rows": 1, "empty": None},
                          {"path": month[2], "rows": 0, "empty": "0 bytes"},
                          {"path": month[3], "rows": 2, "empty": None},
                          {"path": month[4], "rows": 0, "empty": "blank lines only"},
                          {"path": month[5], "rows": 0, "empty": None}]
    assert s["rows_read"] == 3 and s["ledger"] == [month[1], month[3], month[5]]  # the files read, as before
    warned = [line for line in r.stderr.splitlines() if line.startswith("conform: warning:")]
    assert warned == [f"conform: warning: {month[2]}: 0 bytes, no rows read（0 字节，未读到任何行）; a failed export? "
                      "the settlements it should hold are not audited",
                      f"conform: warning: {month[4]}: blank lines only, no rows read（只有空行，未读到任何行）; a failed "
                      "export? the settlements it should hold are not audited"]
    overview = dict(load_workbook(tmp_path / "report" / "audit.xlsx", read_only=True)["概要"].iter_rows(values_only=True))
    assert overview["结算清单 ledger"] == (f"{month[1]}（1 行）；{month[2]}（0 行）；{month[3]}（2 行）；{month[4]}（0 行）；"
                                       f"{month[5]}（0 行）")
    said = overview["注意 空文件 files with no rows"]
    assert f"{month[2]}: 0 bytes, no rows read" in said and f"{month[4]}: blank lines only, no rows read" in said
    assert month[5] not in said
    page = (tmp_path / "report" / "audit.html").read_text(encoding="utf-8")
    assert f"<dt>注意 空文件 files with no rows</dt><dd>{month[2]}: 0 bytes, no rows read" in page


def test_a_blank_json_lines_month_is_no_rows_as_a_zero_byte_one(tmp_path):
    """Before, a blank file beside others was refused ("no records: every line is blank") where a 0-byte one
    was passed over: now both are months with no rows."""
    (tmp_path / "2023-01.csv").write_text(f"{HEADER}\n{S1}\n", encoding="utf-8")
    blank = tmp_path / "2023-02.jsonl"
    blank.write_text("\n  \n\n", encoding="utf-8")
    code, s = audit([str(tmp_path / "2023-01.csv"), str(blank)], "panzhihua", "panzhihua-example", write=False,
                    workers=1)
    assert code == 0 and s["rows_read"] == 1
    assert s["files"][1] == {"path": str(blank), "rows": 0, "empty": "blank lines only"}


def test_blank_files_alone_are_still_refused(tmp_path):
    """Nothing to audit: a blank file alone, or beside a 0-byte one, is refused by its reader as before."""
    blank = tmp_path / "2023-01.csv"
    blank.write_bytes(b"\n\n")
    with pytest.raises(AuditInputError, match=r"2023-01\.csv: empty file: no header line"):
        audit([str(blank)], "panzhihua", "panzhihua-example", write=False, workers=1)
    (tmp_path / "2023-02.csv").write_bytes(b"")
    with pytest.raises(AuditInputError, match=r"2023-01\.csv: empty file: no header line"):
        audit([str(tmp_path)], "panzhihua", "panzhihua-example", write=False, workers=1)
