"""What the reports tell the regulator beside the figures: why rows were not assessed (in the reference
engine's own words), which document an assumption rests on, each article of a clause once, and no
"None" where the ledger names no institution."""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from _synth_fixtures import summary_for, write_discrepancies
from openpyxl import load_workbook

from conform.audit import params
from conform.audit.report import write_reports
from conform.reference.policy import COMMON_CITE
from conform.audit.run import audit
from conform.audit.verdict import UNASSESSED_REASONS
from conform.reference.policy import bind_cached

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,insuplc_admdvs,mdtrtarea_admvs,init_setl_id,"
          "medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay\n")
# 攀枝花 takes effect on 2023-01-01: V0 (2022-12-01) cannot be settled. R0 reverses V3 with V4 between them,
# so the reference engine settles person A, and it is the reference engine that refuses V0, saying why.
REFUSED = ("V0,A,1101,2022-12-01,11,tertiary,510400,510400,,100.00,100.00,0.00,0.00,0.00,100.00,0.00,100.00\n"
           "V3,A,1101,2023-01-05,11,tertiary,510400,510400,,300.00,300.00,200.00,50.00,50.00,250.00,0.00,250.00\n"
           "R0,A,1101,2023-01-07,11,tertiary,510400,510400,V3,-300.00,-300.00,-200.00,-50.00,-50.00,-250.00,0.00,-250.00\n"
           "V4,A,1101,2023-01-06,11,tertiary,510400,510400,,300.00,300.00,200.00,50.00,50.00,250.00,0.00,250.00\n")
NOTE = "before 攀枝花 takes effect on 2023-01-01"

HOSTILE = "<script>alert(1)</script>"
FORMULA = "=cmd|' /C calc'!A0"


def _rows(ws) -> list[tuple]:
    return list(ws.iter_rows(min_row=2, values_only=True))


@pytest.fixture(scope="module")
def refused(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("refused")
    ledger = tmp / "ledger.csv"
    ledger.write_text(HEADER + REFUSED, encoding="utf-8")
    out = tmp / "out"
    code, _ = audit([str(ledger)], "panzhihua", "panzhihua-example", out=out)
    assert code == 1  # V4 differs (V3's deductible was reversed, so V4 owes it): found, and one row refused
    return out


def test_the_reference_engines_reasons_are_in_every_report(refused):
    s = json.loads((refused / "summary.json").read_text(encoding="utf-8"))
    (reason,) = s["unassessed_by_reason"]
    assert (reason["status"], reason["rows"], reason["example_setl_id"]) == ("refused_validity", 1, "V0")
    (detail,) = reason["details"]
    assert NOTE in detail["note"] and (detail["rows"], detail["example_setl_id"]) == (1, "V0")

    page = (refused / "audit.html").read_text(encoding="utf-8")
    shown = page[page.index('id="unassessed"'):page.index('<div class="big">')]
    assert NOTE in shown and "参考实现的说明" in shown
    assert "（1 行，例如 setl_id <code>V0</code>）" in shown

    wb = load_workbook(refused / "audit.xlsx")
    assert wb.sheetnames[:2] == ["概要", "未能审核"]
    (row,) = _rows(wb["未能审核"])
    assert row[0] == "refused_validity" and row[2:4] == (1, "V0")
    assert NOTE in row[4] and row[5:] == (1, "V0")
    overview = dict(_rows(wb["概要"]))
    assert "未能审核”工作表" in overview["未能审核的原因 reasons not assessed"]


def test_the_reason_says_where_the_engines_words_are_and_they_are_there(refused):
    """The wording once sent the reader to a worked example that never showed the refusal."""
    text = UNASSESSED_REASONS["refused_reference"]
    assert "计算过程" not in text
    page = (refused / "audit.html").read_text(encoding="utf-8")
    assert "“未能审核的结算”" in text and "未能审核的结算" in page
    assert "“未能审核”工作表" in text and "未能审核" in load_workbook(refused / "audit.xlsx").sheetnames


def test_the_engines_words_are_text_escaped_and_never_formulas(tmp_path):
    disc = write_discrepancies(tmp_path / "d.parquet", [
        {"setl_id": "S1", "field": "hifp_pay", "recorded": "250.00", "expected": "150.00"}])
    reasons = [{"status": "refused_reference", "reason": UNASSESSED_REASONS["refused_reference"], "rows": 7,
                "example_setl_id": FORMULA,
                "details": [{"note": f"settlement {HOSTILE}: no rule", "rows": 3, "example_setl_id": HOSTILE},
                            {"note": FORMULA, "rows": 2, "example_setl_id": "+SUM(A1)"}]},
               {"status": "refused_flex_tier", "reason": UNASSESSED_REASONS["refused_flex_tier"], "rows": 4,
                "example_setl_id": "F1", "details": []}]
    out = tmp_path / "audit-h"
    write_reports(out, disc, summary_for(disc, unassessed=11, unassessed_by_reason=reasons))
    page = (out / "audit.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "settlement &lt;script&gt;alert(1)&lt;/script&gt;: no rule" in page
    # 7 rows, of which the notes listed cover 3 + 2 (all the notes there are): the plan refused the other 2
    assert "其余 2 行由稽核计划判定（原因如上），没有参考实现的说明" in page
    wb = load_workbook(out / "audit.xlsx")
    ws = wb["未能审核"]
    got = [tuple(c.value for c in r) for r in ws.iter_rows(min_row=2)]
    assert [(r[0], r[2], r[4], r[5], r[6]) for r in got] == [
        ("refused_reference", 7, f"settlement {HOSTILE}: no rule", 3, HOSTILE),
        ("refused_reference", 7, FORMULA, 2, "+SUM(A1)"),
        ("refused_reference", 7, "（其余行由稽核计划判定，原因如左，没有参考实现的说明）", 2, None),
        ("refused_flex_tier", 4, None, None, None)]
    for row in ws.iter_rows(min_row=2):
        for c in row:
            if isinstance(c.value, str) and c.value[:1] in "=+-@":
                assert c.data_type == "s" and c.quotePrefix, (c.coordinate, c.value)


def test_a_clean_report_has_no_sheet_of_reasons(tmp_path):
    disc = write_discrepancies(tmp_path / "d.parquet", [
        {"setl_id": "S1", "field": "hifp_pay", "recorded": "250.00", "expected": "150.00"}])
    write_reports(tmp_path / "audit-c", disc, summary_for(disc))
    assert "未能审核" not in load_workbook(tmp_path / "audit-c" / "audit.xlsx").sheetnames


def test_common_assumptions_are_cited_as_common_not_as_the_policy(refused):
    """A-ROUND-FEN is in none of the five documents (conform/reference/policies/common.yaml): "攀枝花" would say
    that 攀枝花's document decides it."""
    s = json.loads((refused / "summary.json").read_text(encoding="utf-8"))
    cites = {a["id"]: a["cite"] for a in s["assumptions"]}
    assert cites["A-ROUND-FEN"] == cites["A-REVERSAL"] == COMMON_CITE
    assert cites["A-PZH-FLEX-TIER2"] == "攀枝花"  # 攀枝花's own
    assert cites["A-AUDIT-ORDER"] == "conform audit"
    sheet = {r[0]: r[2] for r in _rows(load_workbook(refused / "audit.xlsx")["假设"])}
    assert sheet == cites
    page = (refused / "audit.html").read_text(encoding="utf-8")
    assert "<td>A-ROUND-FEN</td><td>" in page
    row = page[page.index("<td>A-ROUND-FEN</td>"):]
    assert row[:row.index("</tr>")].endswith(f"<td>{COMMON_CITE}</td>")


@pytest.mark.parametrize("policy, cite", [("zhejiang", "浙江 二（一）"), ("nanchang", "南昌 四（二）1"),
                                          ("jilin", "吉林 二（二）")])
def test_a_retirees_ratio_cites_its_article_once(tmp_path, policy, cite):
    """A retiree's ratio is the in-service ratio plus a bonus, both from one article in these documents."""
    rows = params.params_rows(bind_cached(policy, f"{policy}-example", None))
    assert {r["ratio_cite"] for r in rows if r["role"] == "retiree" and r["facility"] == "tertiary"} == {cite}
    # and so the discrepancy: 1000.00 at 三级, recorded as if 10%
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay,pool_prop_selfpay\n"
                      "Z1,R,1201,2023-06-01,11,tertiary,1000.00,1.00,0.1000\n", encoding="utf-8")
    out = tmp_path / "out"
    assert audit([str(ledger)], policy, f"{policy}-example", out=out)[0] == 1
    got = duckdb.sql(f"SELECT DISTINCT clause FROM read_parquet('{out}/discrepancies.parquet')").fetchall()
    # the ratio's clause; the payment's adds the reading its deductible left rests on (the ledger holds 2023 from
    # 06-01 without R's ytd: A-AUDIT-YTD-FROM-LEDGER; 浙江's deductible also counts over the year of the settlement date,
    # A-YEAR-BY-SETTLEMENT-DATE, carried onto the payment: probe s29 A2 F1), the article still once
    year = "；A-YEAR-BY-SETTLEMENT-DATE" if policy == "zhejiang" else ""
    assert sorted(got) == [(cite,), (f"{cite}{year}；A-AUDIT-YTD-FROM-LEDGER",)]


def test_the_reports_name_each_article_of_a_clause_once(tmp_path):
    """A clause the reference engine joined from a ratio and a cap of one article ("吉林 二（三）；吉林 二（三）"),
    and a class whose clauses are "X" and "X；A-REVERSAL": each article once, in order, in every output."""
    twice = "吉林 二（三）；吉林 二（三）"
    disc = write_discrepancies(tmp_path / "d.parquet", [
        {"setl_id": "S1", "field": "hifp_pay", "recorded": "250.00", "expected": "150.00", "clause": twice},
        {"setl_id": "S2", "psn_no": "P2", "field": "hifp_pay", "recorded": "260.00", "expected": "150.00",
         "clause": "吉林 二（三）；A-REVERSAL"}])

    def explain(sid):
        return {"trace": [{"step": "慢特病支付", "text": "(500 − 0) × 70% = 350.00元", "clause": twice}]}

    out = tmp_path / "audit-j"
    write_reports(out, disc, summary_for(disc, policy="jilin"), explain)
    assert duckdb.sql(f"SELECT setl_id, clause FROM read_parquet('{out}/discrepancies.parquet') ORDER BY 1").fetchall() == \
        [("S1", "吉林 二（三）"), ("S2", "吉林 二（三）；A-REVERSAL")]
    with open(out / "discrepancies.csv", encoding="utf-8", newline="") as f:
        assert {r["setl_id"]: r["clause"] for r in csv.DictReader(f)} == \
            {"S1": "吉林 二（三）", "S2": "吉林 二（三）；A-REVERSAL"}
    wb = load_workbook(out / "audit.xlsx")
    assert {r[0]: r[13] for r in _rows(wb["差异明细"])} == {"S1": "吉林 二（三）", "S2": "吉林 二（三）；A-REVERSAL"}
    assert [r[7] for r in _rows(wb["按差异类型"])] == ["吉林 二（三）；A-REVERSAL"]
    page = (out / "audit.html").read_text(encoding="utf-8")
    assert "吉林 二（三）；吉林 二（三）" not in page and "（吉林 二（三））" in page  # the trace's clause


def test_a_file_without_repeated_articles_keeps_its_rows_and_types(tmp_path):
    # (rewritten in discrepancies.csv's order by one writer, so two engines' files are the same bytes: raudit3)
    disc = write_discrepancies(tmp_path / "d.parquet", [
        {"setl_id": "S1", "field": "hifp_pay", "recorded": "250.00", "expected": "150.00", "clause": "攀枝花 第七条"}])
    write_reports(tmp_path / "audit-k", disc, summary_for(disc))
    written = pq.read_table(tmp_path / "audit-k" / "discrepancies.parquet")
    assert written.cast(pq.read_schema(disc)).equals(pq.read_table(disc))
    assert [(f.name, f.type) for f in written.schema] == [(f.name, f.type) for f in pq.read_schema(disc)]


def test_a_worked_example_without_an_institution_code_says_no_none(tmp_path):
    disc = write_discrepancies(tmp_path / "d.parquet", [
        {"setl_id": "S1", "field": "hifp_pay", "recorded": "250.00", "expected": "150.00", "fixmedins_code": None,
         "setl_date": dt.date(2023, 4, 1)}])
    write_reports(tmp_path / "audit-n", disc, summary_for(disc))
    page = (tmp_path / "audit-n" / "audit.html").read_text(encoding="utf-8")
    assert "None" not in page
    assert "（人员 <code>P1</code>，2023-04-01，三级定点医疗机构）" in page
    top = page[page.index("多付最多的定点机构"):]
    # no "—" row that reads as one institution: the ledger names none (test_report_unnamed_institutions.py)
    assert "<tr><td>—</td>" not in top and "清单未提供定点机构编码" in top


def test_a_value_left_to_the_region_is_asked_of_the_region_file(tmp_path):
    """攀枝花 第十条 leaves the chronic figures to the region (按现行政策执行): without them the reference engine
    refuses the visit, and the reason names the parameter, the article and the --region file, in Chinese —
    not a conformance case's `params`, which an audit has not."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,hifp_pay\n"
                      "Q1,Q,1101,2023-03-01,14,secondary,M00500,1000.00,560.00\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text(json.dumps({"psn_no": "Q", "chronic_diseases": [{"dise_codg": "M00500", "kind": "chronic"}]})
                       + "\n", encoding="utf-8")
    code, s = audit([str(ledger)], "panzhihua", None, str(persons), out=tmp_path / "out")
    assert code == 2
    ((detail,),) = [r["details"] for r in s["unassessed_by_reason"]]
    note = detail["note"]
    assert note.startswith("参数 chronic.") and "攀枝花 第十条" in note and "--region" in note, note
    assert "params" not in note
