"""The audit's five outputs from a discrepancy file: figures, formats, escaping, atomic publishing."""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
from pathlib import Path

import pytest
from _synth_fixtures import summary_for, write_discrepancies
from openpyxl import load_workbook

import conform.audit.report as report
from conform.audit.report import html as html_report
from conform.audit.report import write_reports
from conform.audit.report import xlsx as audit_xlsx

HOSTILE_ID = "<script>alert(1)</script>"
FORMULA = "=cmd|' /C calc'!A0"

# Three settlements, figures worked by hand:
#   S1 hifp_pay recorded 250.00, expected 150.00 → diff +100.00 (overpaid); act_pay_dedc 0.00 vs 200.00 → −200.00
#   S2 hifp_pay recorded 57.49, expected 57.50 → −0.01 (underpaid, a fen)
#   S3 pool_prop_selfpay recorded 0.5500, expected 0.6000 → −0.0500; hifp_pay 110.00 vs 120.00 → −10.00
# overpaid = 100.00; underpaid = 0.01 + 10.00 = 10.01
ROWS = [
    {"setl_id": "S1", "psn_no": "P1", "field": "hifp_pay", "recorded": "250.00", "expected": "150.00",
     "setl_date": dt.date(2023, 4, 1), "fixmedins_code": "H1", "clause": "攀枝花 第七条"},
    {"setl_id": "S1", "psn_no": "P1", "field": "act_pay_dedc", "recorded": "0.00", "expected": "200.00",
     "setl_date": dt.date(2023, 4, 1), "fixmedins_code": "H1"},
    {"setl_id": "S2", "psn_no": "P2", "field": "hifp_pay", "recorded": "57.49", "expected": "57.50",
     "setl_date": dt.date(2023, 5, 2), "fixmedins_code": "H2", "facility": "primary", "psn_type": "1201"},
    {"setl_id": "S3", "psn_no": "P3", "field": "pool_prop_selfpay", "recorded": "0.5500", "expected": "0.6000",
     "setl_date": dt.date(2023, 5, 9), "fixmedins_code": "P9", "facility": "pharmacy", "med_type": "41", "psn_type": "1201"},
    {"setl_id": "S3", "psn_no": "P3", "field": "hifp_pay", "recorded": "110.00", "expected": "120.00",
     "setl_date": dt.date(2023, 5, 9), "fixmedins_code": "P9", "facility": "pharmacy", "med_type": "41", "psn_type": "1201"},
]


def _explain(setl_id: str) -> dict:
    return {"setl_id": setl_id, "psn_no": "P", "expected": {"hifp_pay": "150.00"},
            "trace": [{"step": "起付线", "text": "本年度起付线200元，此前已累计0元", "clause": "攀枝花 第七条"},
                      {"step": "支付比例", "text": "(500 − 200) × 50% = 150.00元", "clause": "攀枝花 第七条"}]}


@pytest.fixture()
def found(tmp_path) -> tuple[int, Path]:
    disc = write_discrepancies(tmp_path / "d.parquet", ROWS)
    out = tmp_path / "out" / "audit-run"
    code = write_reports(out, disc, summary_for(disc), _explain)
    return code, out


def test_totals_and_summary_json(found):
    code, out = found
    assert code == 1
    assert sorted(p.name for p in out.iterdir()) == sorted(report.FILES)
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (s["overpaid"], s["underpaid"]) == ("100.00", "10.01")
    assert s["verdict"] == "discrepancies" and s["discrepancies"] == 5 and s["settlements_with_discrepancies"] == 3
    assert "overpaid_fen" not in s and s["expected_hifp_pay"] == "9910.01"  # 10000.00 − 100.00 + 10.01
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temporary left behind


def test_csv_two_decimals_and_four_for_the_ratio(found):
    _, out = found
    with open(out / "discrepancies.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    got = {(r["setl_id"], r["field"]): (r["recorded"], r["expected"], r["diff"]) for r in rows}
    assert got[("S1", "hifp_pay")] == ("250.00", "150.00", "100.00")
    assert got[("S1", "act_pay_dedc")] == ("0.00", "200.00", "-200.00")
    assert got[("S2", "hifp_pay")] == ("57.49", "57.50", "-0.01")
    assert got[("S3", "pool_prop_selfpay")] == ("0.5500", "0.6000", "-0.0500")
    assert rows[0]["setl_date"] == "2023-04-01"
    # the settlement's expected status, as in the Parquet file (docs/audit.md §5; this file has none: empty)
    assert list(rows[0])[-1] == "status"


def test_xlsx_sheets_numbers_and_rollups(found):
    _, out = found
    wb = load_workbook(out / "audit.xlsx")
    assert wb.sheetnames == ["概要", "差异明细", "按机构", "按月份", "按人员类别", "按差异类型", "假设"]
    detail = wb["差异明细"]
    assert detail.max_row == 6
    cell = next(r for r in detail.iter_rows(min_row=2) if r[0].value == "S1" and "hifp_pay" in r[9].value)[10]
    assert cell.value == 250 and cell.number_format == "0.00"
    ratio = next(r for r in detail.iter_rows(min_row=2) if "pool_prop_selfpay" in r[9].value)[12]
    assert ratio.number_format == "0.00%" and round(ratio.value, 4) == -0.05
    months = {r[0].value: (r[3].value, r[4].value) for r in wb["按月份"].iter_rows(min_row=2)}
    assert months == {"2023-04": (100, 0), "2023-05": (0, 10.01)}
    classes = {r[0].value: r[2].value for r in wb["按差异类型"].iter_rows(min_row=2)}
    # S1: deductible under-counted; S2: a fen; S3: ratio below the rule
    assert classes == {"起付线少计（如跨年度未重置、撤销后未冲回）": 1, "分位舍入不符（差一分）": 1, "支付比例低于规定": 1}
    assert [r[0].value for r in wb["假设"].iter_rows(min_row=2)] == ["A-ROUND-FEN"]


def test_html_totals_classes_and_worked_example(found):
    _, out = found
    page = (out / "audit.html").read_text(encoding="utf-8")
    assert "¥100.00" in page and "¥10.01" in page and "发现差异" in page
    assert "起付线少计" in page and "(500 − 200) × 50% = 150.00元" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert page.count("<svg") == 2


def test_hostile_values_are_escaped_and_never_formulas(tmp_path):
    rows = [{**ROWS[0], "setl_id": HOSTILE_ID, "psn_no": FORMULA, "fixmedins_code": "+SUM(A1)", "clause": "@x",
             "fixmedins_name": "<b>=HYPERLINK(\"http://x\")</b>"},
            {**ROWS[2], "setl_id": FORMULA}]
    disc = write_discrepancies(tmp_path / "d.parquet", rows)
    out = tmp_path / "audit-h"
    def explain(sid):
        return {"trace": [{"step": "<img src=x onerror=alert(1)>", "text": HOSTILE_ID, "clause": FORMULA}]}
    assert write_reports(out, disc, summary_for(disc, ledger=[HOSTILE_ID]), explain) == 1
    page = (out / "audit.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    wb = load_workbook(out / "audit.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value[:1] in "=+-@":
                    assert c.data_type == "s" and c.quotePrefix, (ws.title, c.coordinate, c.value)
    ids = [r[0].value for r in wb["差异明细"].iter_rows(min_row=2)]
    assert FORMULA in ids and HOSTILE_ID in ids  # stored verbatim as text
    with open(out / "discrepancies.csv", encoding="utf-8", newline="") as f:
        rows_csv = list(csv.DictReader(f))
    assert {r["setl_id"] for r in rows_csv} == {"'" + FORMULA, HOSTILE_ID}
    assert {r["fixmedins_code"] for r in rows_csv} >= {"'+SUM(A1)"}
    assert "<b>=HYPERLINK" not in page and "&lt;b&gt;=HYPERLINK" in page  # the institution's name, from the ledger
    # and bidi-isolated: a right-to-left override in a name must not reorder the text around it
    assert "<bdi>&lt;b&gt;=HYPERLINK" in page and "unicode-bidi:isolate" in page
    names = {r[1].value for r in wb["按机构"].iter_rows(min_row=2)}
    assert '<b>=HYPERLINK("http://x")</b>' in names
    assert any(r["diff"] == "-0.01" for r in rows_csv)  # numbers are not quote-prefixed


def test_clean_ledger_writes_empty_files_and_exit_0(tmp_path):
    disc = write_discrepancies(tmp_path / "d.parquet", [])
    out = tmp_path / "audit-clean"
    assert write_reports(out, disc, summary_for(disc)) == 0
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["verdict"] == "clean" and (s["overpaid"], s["underpaid"]) == ("0.00", "0.00")
    assert (out / "discrepancies.csv").read_text(encoding="utf-8").count("\n") == 1
    assert load_workbook(out / "audit.xlsx")["差异明细"].max_row == 1
    assert "未发现差异" in (out / "audit.html").read_text(encoding="utf-8")


def test_detail_sheet_is_capped_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr(audit_xlsx, "EXCEL_MAX_ROWS", 5)  # cap = 5 − 2 = 3 data rows
    disc = write_discrepancies(tmp_path / "d.parquet", ROWS)
    out = tmp_path / "audit-cap"
    write_reports(out, disc, summary_for(disc))
    wb = load_workbook(out / "audit.xlsx")
    rows = list(wb["差异明细"].iter_rows(values_only=True))
    assert len(rows) == 5 and "discrepancies.parquet" in rows[-1][0] and "共5行" in rows[-1][0]
    assert any("超过Excel行数上限" in str(r[1]) for r in wb["概要"].iter_rows(values_only=True))
    with open(out / "discrepancies.csv", encoding="utf-8") as f:
        assert sum(1 for _ in f) == 6  # the CSV and the Parquet hold all


def test_interrupted_run_leaves_the_previous_report_and_nothing_that_looks_complete(tmp_path, monkeypatch):
    disc = write_discrepancies(tmp_path / "d.parquet", ROWS)
    out = tmp_path / "r" / "audit-1"
    write_reports(out, disc, summary_for(disc))
    before = (out / "summary.json").read_bytes()

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(html_report, "render", boom)
    with pytest.raises(KeyboardInterrupt):
        write_reports(out, write_discrepancies(tmp_path / "e.parquet", []), summary_for(disc))
    assert (out / "summary.json").read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["audit-1"]
    with pytest.raises(KeyboardInterrupt):
        write_reports(tmp_path / "r" / "audit-2", disc, summary_for(disc))
    assert [p.name for p in out.parent.iterdir()] == ["audit-1"]


def test_default_location_updates_audit_latest(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    disc = write_discrepancies(tmp_path / "d.parquet", ROWS)
    first = report.default_out_dir()
    write_reports(first, disc, summary_for(disc))
    latest = Path("reports") / "audit-latest"
    assert latest.is_symlink() and os.readlink(latest) == first.name
    elsewhere = tmp_path / "mine"
    write_reports(elsewhere, disc, summary_for(disc))
    assert os.readlink(latest) == first.name  # a chosen --out folder does not move audit-latest


def test_a_failing_explain_does_not_lose_the_report(tmp_path):
    disc = write_discrepancies(tmp_path / "d.parquet", ROWS)
    def explain(sid):
        raise RuntimeError("no such person")
    assert write_reports(tmp_path / "audit-x", disc, summary_for(disc), explain) == 1
    assert "计算过程不可用" in (tmp_path / "audit-x" / "audit.html").read_text(encoding="utf-8")


def test_a_folder_with_other_files_is_refused_not_replaced(tmp_path):
    from conform.audit.errors import AuditInputError

    disc = write_discrepancies(tmp_path / "d.parquet", ROWS)
    mine = tmp_path / "Documents"
    mine.mkdir()
    (mine / "thesis.docx").write_text("precious", encoding="utf-8")
    with pytest.raises(AuditInputError, match="thesis.docx"):
        write_reports(mine, disc, summary_for(disc))
    assert (mine / "thesis.docx").read_text(encoding="utf-8") == "precious"
    assert [p.name for p in mine.iterdir()] == ["thesis.docx"]
    # an earlier report in the folder is replaced whole; an empty folder is used
    empty = tmp_path / "empty"
    empty.mkdir()
    assert write_reports(empty, disc, summary_for(disc)) == 1
    assert write_reports(empty, disc, summary_for(disc)) == 1
    assert sorted(p.name for p in empty.iterdir()) == sorted(report.FILES)


def test_a_ledger_without_hifp_pay_claims_no_fund_figures(tmp_path):
    """fields_audited lacks hifp_pay (the ledger has no such column): run.py gives the fund's totals as None.
    No report may turn that into 0.00 overpaid or underpaid: summary.json has null, the xlsx and the page say
    it was not audited, and no chart of ¥0.00 bars is drawn."""
    rows = [{"setl_id": "S1", "psn_no": "P1", "field": "act_pay_dedc", "recorded": "0.00", "expected": "200.00",
             "setl_date": dt.date(2023, 4, 1), "fixmedins_code": "H1"},
            {"setl_id": "S1", "psn_no": "P1", "field": "psn_part_amt", "recorded": "300.00", "expected": "400.00",
             "setl_date": dt.date(2023, 4, 1), "fixmedins_code": "H1"}]
    disc = write_discrepancies(tmp_path / "d.parquet", rows)
    summary = summary_for(disc, fields_audited=["act_pay_dedc", "psn_part_amt"], recorded_hifp_pay_fen=None,
                          expected_hifp_pay_fen=None, overpaid_fen=None, underpaid_fen=None)
    out = tmp_path / "audit-nohifp"
    assert write_reports(out, disc, summary, _explain) == 1
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [s[k] for k in ("recorded_hifp_pay", "expected_hifp_pay", "overpaid", "underpaid")] == [None] * 4
    assert s["verdict"] == "discrepancies" and s["discrepancies"] == 2
    wb = load_workbook(out / "audit.xlsx")
    overview = {r[0]: r[1] for r in wb["概要"].iter_rows(min_row=2, values_only=True)}
    for label in ("清单记录统筹支付 recorded hifp_pay（元）", "按规定应支付 expected hifp_pay（元）",
                  "统筹基金多付 overpaid（元）", "统筹基金少付 underpaid（元）"):
        assert isinstance(overview[label], str) and "未审核" in overview[label], (label, overview[label])
    for sheet, money in (("按机构", slice(5, 8)), ("按月份", slice(3, 6)), ("按人员类别", slice(4, 7)), ("按差异类型", slice(4, 6))):
        got = [r[money] for r in wb[sheet].iter_rows(min_row=2, values_only=True)]
        assert got and all(v is None for r in got for v in r), (sheet, got)
    page = (out / "audit.html").read_text(encoding="utf-8")
    assert "统筹基金支付 hifp_pay 未审核（清单无此列）" in page
    assert "¥0.00" not in page and "<svg" not in page
    assert "起付线少计" in page  # the other fields' discrepancies are reported as ever


def test_top_lists_hold_only_those_the_fund_overpaid(found):
    """P1 was overpaid 100.00 (S1); P2 and P3 only underpaid (0.01, 10.00): "多付最多的人员" lists P1 alone,
    and "多付最多的定点机构" H1 alone — never a row of ¥0.00 overpaid."""
    _, out = found
    page = (out / "audit.html").read_text(encoding="utf-8")
    top = page[page.index('<section id="top">'):page.index('<section id="assumptions">')]
    persons, institutions = top.split("多付最多的定点机构")
    assert "<code>P1</code>" in persons and "<code>P2</code>" not in persons and "<code>P3</code>" not in persons
    assert "<code>H1</code>" in institutions and "<code>H2</code>" not in institutions and "<code>P9</code>" not in institutions
    assert "¥0.00</td><td class=\"num under\">" not in top  # no overpaid cell of ¥0.00
    assert "¥100.00" in persons and "¥100.00" in institutions


def test_top_lists_say_none_when_nothing_was_overpaid(tmp_path):
    disc = write_discrepancies(tmp_path / "d.parquet", [ROWS[2]])  # S2: underpaid a fen
    out = tmp_path / "audit-under"
    assert write_reports(out, disc, summary_for(disc)) == 1
    page = (out / "audit.html").read_text(encoding="utf-8")
    top = page[page.index('<section id="top">'):page.index('<section id="assumptions">')]
    assert top.count("无多付 none overpaid") == 2 and "<code>P2</code>" not in top
    assert "¥0.01" in page  # the underpayment itself is still told (totals, chart, classes)


def test_money_columns_of_the_sheets_and_the_overview_are_each_their_own(found):
    """The fixture's money, by hand: 2023-04 holds S1 (+100.00): overpaid 100.00, underpaid 0, net +100.00 —
    the act_pay_dedc −200.00 of S1 is no fund money. 2023-05 holds S2 (−0.01) and S3 (−10.00): overpaid 0,
    underpaid 10.01, net −10.01. 人员类别 1101 is S1/P1 alone; 1201 is S2/P2 and S3/P3 (two settlements,
    two persons). 按差异类型: 起付线少计 (S1) overpaid 100.00; 分位 (S2) underpaid 0.01; 比例低 (S3) underpaid 10.00."""
    _, out = found
    wb = load_workbook(out / "audit.xlsx")
    months = {r[0]: tuple(float(x) for x in r[3:6]) for r in wb["按月份"].iter_rows(min_row=2, values_only=True)}
    assert months == {"2023-04": (100.0, 0.0, 100.0), "2023-05": (0.0, 10.01, -10.01)}
    types = {r[0]: (r[2], r[3], *(float(x) for x in r[4:7])) for r in wb["按人员类别"].iter_rows(min_row=2, values_only=True)}
    assert types == {"1101": (1, 1, 100.0, 0.0, 100.0), "1201": (2, 2, 0.0, 10.01, -10.01)}
    classes = {r[0]: (float(r[4]), float(r[5])) for r in wb["按差异类型"].iter_rows(min_row=2, values_only=True)}
    assert classes == {"起付线少计（如跨年度未重置、撤销后未冲回）": (100.0, 0.0), "分位舍入不符（差一分）": (0.0, 0.01),
                       "支付比例低于规定": (0.0, 10.0)}
    overview = {r[0]: r[1] for r in wb["概要"].iter_rows(min_row=2, values_only=True)}
    assert (float(overview["统筹基金多付 overpaid（元）"]), float(overview["统筹基金少付 underpaid（元）"])) == (100.0, 10.01)


def test_persons_with_discrepancies_counts_persons_not_settlements(tmp_path):
    # P1 has two differing settlements (S1 +100.00, S4 +5.00), P2 one (S2): 3 settlements, 2 persons
    rows = [ROWS[0], ROWS[2], {**ROWS[0], "setl_id": "S4", "recorded": "105.00", "expected": "100.00"}]
    disc = write_discrepancies(tmp_path / "d.parquet", rows)
    assert write_reports(tmp_path / "audit-p", disc, summary_for(disc)) == 1
    s = json.loads((tmp_path / "audit-p" / "summary.json").read_text(encoding="utf-8"))
    assert (s["settlements_with_discrepancies"], s["persons_with_discrepancies"]) == (3, 2)
    assert (s["overpaid"], s["underpaid"]) == ("105.00", "0.01")  # 100.00 + 5.00; S2's fen


def test_a_detail_sheet_exactly_at_the_limit_is_not_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(audit_xlsx, "EXCEL_MAX_ROWS", 7)  # cap = 7 − 2 = 5 data rows: the fixture's 5 fit
    disc = write_discrepancies(tmp_path / "d.parquet", ROWS)
    write_reports(tmp_path / "audit-fit", disc, summary_for(disc))
    wb = load_workbook(tmp_path / "audit-fit" / "audit.xlsx")
    rows = list(wb["差异明细"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["S1", "S1", "S2", "S3", "S3"]  # all five, no note row
    assert not any("超过Excel行数上限" in str(r[1]) for r in wb["概要"].iter_rows(values_only=True))


def test_the_csv_guards_every_text_column_and_a_leading_minus(tmp_path):
    """A reversal's init_setl_id is ledger text as much as setl_id; '-2+3+cmd|…' is a formula to a spreadsheet
    as much as '=…' (OWASP CSV injection: = + - @ tab CR)."""
    minus = "-2+3+cmd|' /C calc'!A0"
    rows = [{**ROWS[2], "setl_id": minus, "init_setl_id": FORMULA, "med_type": "@SUM(1)"}]
    disc = write_discrepancies(tmp_path / "d.parquet", rows)
    write_reports(tmp_path / "audit-c", disc, summary_for(disc))
    with open(tmp_path / "audit-c" / "discrepancies.csv", encoding="utf-8", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["setl_id"], row["init_setl_id"], row["med_type"]) == ("'" + minus, "'" + FORMULA, "'@SUM(1)")
    assert row["diff"] == "-0.01"  # 57.49 − 57.50: a number, not prefixed


def test_an_assumption_that_looks_like_a_formula_is_text(tmp_path):
    disc = write_discrepancies(tmp_path / "d.parquet", ROWS[:1])
    summary = summary_for(disc, assumptions=[{"id": "=HYPERLINK(\"http://x\")", "text": "+1", "cite": "-1"}])
    write_reports(tmp_path / "audit-a", disc, summary)
    (row,) = list(load_workbook(tmp_path / "audit-a" / "audit.xlsx")["假设"].iter_rows(min_row=2))
    assert [c.value for c in row[:3]] == ['=HYPERLINK("http://x")', "+1", "-1"]
    assert all(c.data_type == "s" and c.quotePrefix for c in row[:3])
    assert row[3].data_type == "s" and row[3].value.startswith("文件的其他假设")  # 本次稽核 (s22): no discrepancy cites it


def test_rows_left_out_by_skip_are_told_in_the_overview(tmp_path):
    disc = write_discrepancies(tmp_path / "d.parquet", ROWS[:1])
    summary = summary_for(disc, rows_skipped=7, skipped_by_code=[{"skip": "insutype=390", "rows": 5},
                                                                 {"skip": "med_type=51", "rows": 2}])
    write_reports(tmp_path / "audit-s", disc, summary)
    overview = {r[0]: r[1] for r in load_workbook(tmp_path / "audit-s" / "audit.xlsx")["概要"].iter_rows(values_only=True)}
    assert overview["排除、不审核（--map [skip]、无效记录、外地参保人员） left out"] == "7 行：insutype=390 5 行；med_type=51 2 行"
    assert "本地区医保区划 --admdvs" not in overview
    # --admdvs is told even when it left nothing out: the reader learns whose insured persons were audited
    write_reports(tmp_path / "audit-h", disc, summary_for(disc, admdvs="510400"))
    overview = {r[0]: r[1] for r in load_workbook(tmp_path / "audit-h" / "audit.xlsx")["概要"].iter_rows(values_only=True)}
    assert overview["本地区医保区划 --admdvs"].startswith("510400：只审核参保地在本地区的人员")


def test_the_month_chart_scales_each_bar_by_its_own_figure():
    # biggest figure 100.00 (10000 fen) is 460 wide; 10.01 underpaid is 460 × 1001 / 10000 = 46.046 → 46.0
    chart = html_report.bar_chart([{"month": "2023-04", "overpaid": 10000, "underpaid": 0},
                                   {"month": "2023-05", "overpaid": 0, "underpaid": 1001}], "month")
    assert [(b["over_w"], b["under_w"], b["over"], b["under"]) for b in chart["bars"]] == [
        (460.0, 0.0, "¥100.00", "¥0.00"), (0.0, 46.0, "¥0.00", "¥10.01")]


def test_a_negative_figure_keeps_its_sign_and_a_ledger_without_hifp_pay_has_no_fund_figures():
    from conform.audit.report.text import fund_audited, yuan_grouped

    assert (yuan_grouped(-1001), yuan_grouped(123456789), yuan_grouped(None)) == ("-¥10.01", "¥1,234,567.89", "—")
    # hifp_pay not among the fields audited: no over/underpayment figure, even if a 0 stands in the summary
    assert not fund_audited({"fields_audited": ["act_pay_dedc"], "overpaid_fen": 0, "underpaid_fen": 0,
                             "recorded_hifp_pay_fen": 0, "expected_hifp_pay_fen": 0})
    assert fund_audited({"fields_audited": ["hifp_pay"], "overpaid_fen": 0, "underpaid_fen": 0,
                         "recorded_hifp_pay_fen": 0, "expected_hifp_pay_fen": 0})


def test_a_control_character_or_an_overlong_text_in_the_ledger_does_not_break_the_workbook(tmp_path):
    """openpyxl refuses \\x07 in a cell and Excel holds at most 32,767 characters: the bell is written escaped
    (\\x07, visible and searchable; it was U+FFFD) and a 40,000-character clause is cut to the guard's 32,000,
    the last of them the "…" that marks the cut (report.model.cut), in the detail sheet as in the roll-ups."""
    rows = [{**ROWS[0], "fixmedins_name": "医院\x07", "clause": "条" * 40_000}]
    disc = write_discrepancies(tmp_path / "d.parquet", rows)
    assert write_reports(tmp_path / "audit-ctl", disc, summary_for(disc)) == 1
    wb = load_workbook(tmp_path / "audit-ctl" / "audit.xlsx")
    (detail,) = list(wb["差异明细"].iter_rows(min_row=2, values_only=True))
    assert detail[7] == "医院\\x07" and detail[13] == "条" * 31_999 + "…"
    assert [r[1] for r in wb["按机构"].iter_rows(min_row=2, values_only=True)] == ["医院\\x07"]


def test_the_csv_and_the_detail_sheet_run_in_date_order(tmp_path):
    # S9 was settled on 2023-01-02, before S1 (2023-04-01), though its id sorts after: S9 comes first in both
    rows = [ROWS[0], {**ROWS[2], "setl_id": "S9", "setl_date": dt.date(2023, 1, 2)}]
    disc = write_discrepancies(tmp_path / "d.parquet", rows)
    write_reports(tmp_path / "audit-o", disc, summary_for(disc))
    with open(tmp_path / "audit-o" / "discrepancies.csv", encoding="utf-8", newline="") as f:
        assert [(r["setl_id"], r["setl_date"]) for r in csv.DictReader(f)] == [("S9", "2023-01-02"), ("S1", "2023-04-01")]
    ws = load_workbook(tmp_path / "audit-o" / "audit.xlsx")["差异明细"]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == ["S9", "S1"]
