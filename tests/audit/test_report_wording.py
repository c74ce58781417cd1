"""Words a 基金监管 reader may trip on: the console says 稽核 and 参考实现 as the reports do (审计 is the audit
office's word); a reversal (2208) that differs is counted as a reversal, not a settlement; 净额 says it is
多付 − 少付; a control character in a setl_id is written escaped in audit.xlsx (\\x07), not as U+FFFD, so the
id can still be found in the ledger.

The reversal ledger (攀枝花 第七条, 三级 50%, deductible 200.00): D1 overpaid 100.00 and D1R refunded it as
recorded; E1R left E1's deductible standing, so E2 counted none (E2 overpaid 100.00); F1R took back 450.00
of F1's right 400.00. Differing: D1 and E2 (settlements), D1R, E1R and F1R (reversals), 18 fields.
"""
from __future__ import annotations

from click.testing import CliRunner
from openpyxl import load_workbook

from _synth_fixtures import summary_for, write_discrepancies
from conform.audit.report import write_reports
from conform.harness.cli import main
from test_report_reversal_note import HEADER

ROWS = ["D1,D,1101,2023-03-01,11,tertiary,H1,,1000.00,1000.00,200.00,500.00,0.5000,500.00,500.00,0.00,500.00",
        "D1R,D,1101,2023-04-02,11,tertiary,H1,D1,-1000.00,-1000.00,-200.00,-500.00,0.5000,-500.00,-500.00,0.00,-500.00",
        "E1,E,1101,2023-03-01,11,tertiary,H2,,1000.00,1000.00,200.00,400.00,0.5000,400.00,600.00,0.00,600.00",
        "E1R,E,1101,2023-05-01,11,tertiary,H2,E1,-1000.00,-1000.00,0.00,-400.00,0.5000,-400.00,-600.00,0.00,-600.00",
        "E2,E,1101,2023-06-01,11,tertiary,H2,,300.00,300.00,0.00,150.00,0.5000,150.00,150.00,0.00,150.00",
        "F1,F,1101,2023-03-01,11,tertiary,H3,,1000.00,1000.00,200.00,400.00,0.5000,400.00,600.00,0.00,600.00",
        "F1R,F,1101,2023-08-01,11,tertiary,H4,F1,-1000.00,-1000.00,-200.00,-450.00,0.5000,-450.00,-550.00,0.00,-550.00"]


def test_settlements_and_reversals_are_counted_apart_and_the_console_says_jihe(tmp_path):
    ledger = tmp_path / "rev.csv"
    ledger.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(out)])
    assert r.exit_code == 1, r.output
    assert "稽核完成：7 行，3 人，差异 18 项" in r.output and "（参考实现结算 0 人）" in r.output
    assert "审计" not in r.output and "参考引擎" not in r.output
    page = (out / "audit.html").read_text(encoding="utf-8")
    assert "发现差异：2 笔结算、3 笔撤销、18 个字段与按规定计算的结果不符。" in page
    assert "统筹基金少付：0 笔结算、1 笔撤销" in page  # F1R alone
    assert "5 笔结算" not in page
    wb = load_workbook(out / "audit.xlsx")
    overview = dict(wb["概要"].iter_rows(min_row=2, values_only=True))
    assert overview["结论 verdict"] == "发现差异：2 笔结算、3 笔撤销、18 个字段"
    for sheet in ("按机构", "按月份", "按人员类别"):
        header = next(wb[sheet].iter_rows(max_row=1, values_only=True))
        assert "差异结算和撤销数" in header and header[-1] == "净额（多付−少付，元）", (sheet, header)
        assert "差异结算数" not in header


def test_a_control_character_in_a_setl_id_is_escaped_in_the_workbook(tmp_path):
    sid = "S\x07\x1b1"
    disc = write_discrepancies(tmp_path / "d.parquet", [
        {"setl_id": sid, "field": "hifp_pay", "recorded": "250.00", "expected": "150.00"}])
    write_reports(tmp_path / "audit-c", disc, summary_for(disc))
    wb = load_workbook(tmp_path / "audit-c" / "audit.xlsx")
    (detail,) = list(wb["差异明细"].iter_rows(min_row=2, values_only=True))
    assert detail[0] == "S\\x07\\x1b1"
    (cls,) = list(wb["按差异类型"].iter_rows(min_row=2, values_only=True))
    assert cls[-1] == "S\\x07\\x1b1"
