"""audit.xlsx 按月份 and audit.html's month chart list every month of the audited period (summary.json's
period: first to last setl_date), a month without a discrepancy as zeros: a month missing from the sheet reads
to a regulator as a month not audited.

Figures by hand, 攀枝花 第七条 (在职职工: 起付线 200 元 a natural year; 三级 50%; cap 1000 元):
  A S1 2023-01-10, 600.00 in scope: 200.00 to the deductible, (600.00 − 200.00) × 50% = 200.00 — as recorded.
  B S3 2023-03-09, 300.00 in scope: 200.00 to the deductible, (300.00 − 200.00) × 50% = 50.00 — as recorded.
  A S2 2023-04-05, 300.00 in scope, the deductible used up: 300.00 × 50% = 150.00 (A's year: 350.00 ≤ 1000);
    recorded 200.00 → +50.00, the fund overpaid 50.00.
Period 2023-01-10 … 2023-04-05: months 2023-01, 2023-02 (no settlement at all), 2023-03 (a settlement, no
discrepancy), 2023-04 (S2: one settlement, one person, 多付 50.00, 少付 0.00, 净额 50.00).
"""
from __future__ import annotations

import json
import re

from click.testing import CliRunner
from openpyxl import load_workbook

from conform.harness.cli import main

HEADER = "setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,pool_prop_selfpay"
ROWS = ["S1,A,1101,2023-01-10 10:00:00,11,tertiary,600.00,600.00,200.00,200.00,0.5000",
        "S3,B,1101,2023-03-09 10:00:00,11,tertiary,300.00,300.00,200.00,50.00,0.5000",
        "S2,A,1101,2023-04-05 10:00:00,11,tertiary,300.00,300.00,0.00,200.00,0.5000"]


def _num(x):
    return None if x is None else float(x)


def _audit(tmp_path, rows):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "report"
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(out), "--workers", "1"])
    return r, out


def test_every_month_of_the_period_is_in_the_month_sheet_and_chart(tmp_path):
    r, out = _audit(tmp_path, ROWS)
    assert r.exit_code == 1, r.output
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["period"] == {"from": "2023-01-10", "to": "2023-04-05"} and s["overpaid"] == "50.00"
    sheet = list(load_workbook(out / "audit.xlsx", read_only=True)["按月份"].iter_rows(min_row=2, values_only=True))
    # 2023-02 has no row: not audited, so 无结算记录 and not 0.00 (docs/audit.md, 按月份), though too few rows
    # around it to take it for a forgotten file (months_absent)
    assert [(m, n, p, _num(o), _num(u), _num(net)) for m, n, p, o, u, net in (r + (None,) * (6 - len(r)) for r in sheet)] == [
        ("2023-01", 0, 0, 0.0, 0.0, 0.0), ("2023-02", "无结算记录", None, None, None, None), ("2023-03", 0, 0, 0.0, 0.0, 0.0),
        ("2023-04", 1, 1, 50.0, 0.0, 50.0)]
    assert (s["months_without_rows"], s["months_absent"]) == (["2023-02"], [])
    page = (out / "audit.html").read_text(encoding="utf-8")
    chart = page[page.index('<section id="months">'):page.index('<section id="facilities">')]
    assert re.findall(r'text-anchor="end">([0-9-]+)</text>', chart) == ["2023-01", "2023-02", "2023-03", "2023-04"]
    assert "¥50.00" in chart
    assert "2023-02：无结算记录，清单中该月没有结算" in chart and "见上方“注意”" not in chart


def test_a_clean_ledger_lists_its_months_with_zeros(tmp_path):
    """S2 recorded 150.00, as 第七条 gives: no discrepancy, and still each of the four months is listed as audited."""
    r, out = _audit(tmp_path, ROWS[:2] + [ROWS[2].replace(",200.00,0.5000", ",150.00,0.5000")])
    assert r.exit_code == 0, r.output
    sheet = list(load_workbook(out / "audit.xlsx", read_only=True)["按月份"].iter_rows(min_row=2, values_only=True))
    assert [(m, n, p, _num(o), _num(u), _num(net)) for m, n, p, o, u, net in (r + (None,) * (6 - len(r)) for r in sheet)] == [
        (f"2023-0{k}", 0, 0, 0.0, 0.0, 0.0) if k != 2 else ("2023-02", "无结算记录", None, None, None, None)
        for k in range(1, 5)]
