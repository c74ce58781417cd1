"""audit.xlsx 差异明细's 结算日期 is a date cell (a day number formatted yyyy-mm-dd), not text, so a regulator can
filter and sort the sheet by date; text from the ledger is still never a formula.

Figures by hand, 攀枝花 第七条 (在职职工: 起付线 200 元 a natural year; 三级 50%; cap 1000 元):
  A S1 2023-01-10, 600.00 in scope: 200.00 deductible, (600.00 − 200.00) × 50% = 200.00 — as recorded.
  A "=2+3" 2023-04-05, 300.00 in scope, the deductible used up: 300.00 × 50% = 150.00; recorded 200.00: the one
    discrepancy row (hifp_pay, +50.00). Its setl_id starts with '=': a formula if written raw.
2023-04-05 is Excel day 45021: 2023-01-01 is 44927, + 31 (Jan) + 28 (Feb) + 31 (Mar) + 4.
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile

from click.testing import CliRunner
from openpyxl import load_workbook

from conform.harness.cli import main

HEADER = "setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,pool_prop_selfpay"
ROWS = ["S1,A,1101,2023-01-10 10:00:00,11,tertiary,600.00,600.00,200.00,200.00,0.5000",
        "=2+3,A,1101,2023-04-05 10:00:00,11,tertiary,300.00,300.00,0.00,200.00,0.5000"]


def test_the_detail_sheet_dates_are_date_cells_and_ids_stay_text(tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    out = tmp_path / "report"
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(out), "--workers", "1"])
    assert r.exit_code == 1, r.output
    ws = load_workbook(out / "audit.xlsx")["差异明细"]
    assert ws["C1"].value == "结算日期" and ws.max_row == 2
    setl_id, date, month = ws["A2"], ws["C2"], ws["D2"]
    assert date.value == dt.datetime(2023, 4, 5) and date.is_date and date.number_format == "yyyy-mm-dd"
    assert (setl_id.value, setl_id.data_type, setl_id.quotePrefix) == ("=2+3", "s", True)
    assert month.value == "2023-04"
    assert float(ws["M2"].value) == 50.0
    assert date.data_type == "d"  # a day number shown as a date (text '2023-04-05' would be "s", is_date False)
    with zipfile.ZipFile(out / "audit.xlsx") as z:  # as stored: the number 45021, not a string
        stored = [n for n in z.namelist() if re.search(r'<c r="C2"[^>]*t="n"[^>]*><v>45021</v>', z.read(n).decode())]
    assert len(stored) == 1
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]  # no formula anywhere
