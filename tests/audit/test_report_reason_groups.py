"""The reference engine's notes under "参考实现的说明" are grouped by reason, not by settlement: its words name
the settlement (`结算 X：`, `settlement X: `), which the grouping leaves out, so one reason for three
settlements is one note with 3 rows. The line after the notes says truly what is left out: rows the
plan refused (which have no note), or notes beyond the five commonest.

北京 fixes no chronic benefit (every med_type 14 visit is refused by the reference engine, NotCovered);
攀枝花: a flexible worker (1103) without flex_tier is refused ordinary pooling — by the reference engine
for a person it settles (a chronic visit sends T there; the chronic visit itself is paid), by the plan
for the others (V).
"""
from __future__ import annotations

import json

from _ledger_files import ledger_and_persons
from _synth_fixtures import summary_for, write_discrepancies
from openpyxl import load_workbook

from conform.audit.report import write_reports
from conform.audit.run import audit
from conform.audit.verdict import UNASSESSED_REASONS

HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,exclusion,medfee_sumamt,act_pay_dedc,hifp_pay"
CHRONIC = ["BG1,BG,1101,2023-03-01,14,secondary,M03900,,3000.00,0.00,840.00",
           "BG2,BG,1101,2023-04-01,14,secondary,M03900,,3000.00,0.00,840.00",
           "CG1,CG,1101,2023-04-01,14,secondary,M03900,,3000.00,0.00,840.00"]
FLEX = ["T1,T,1103,2023-03-01,14,secondary,M03900,,400.00,0.00,200.00",
        "T2,T,1103,2023-04-01,11,tertiary,,,500.00,200.00,150.00",
        "T3,T,1103,2023-05-01,11,tertiary,,,500.00,0.00,250.00",
        "V1,V,1103,2023-03-01,11,tertiary,,,500.00,200.00,150.00",
        "V2,V,1103,2023-04-01,11,tertiary,,,500.00,0.00,250.00"]
FLEX_PERSONS = [{"psn_no": "T", "chronic_diseases": [{"dise_codg": "M03900", "kind": "two_disease"}]}]


def _run(tmp_path, policy, rows, persons=None) -> tuple[dict, str, list[tuple]]:
    ledger, pfile = ledger_and_persons(tmp_path, HEADER, rows, persons)
    out = tmp_path / "out"
    code, _ = audit([str(ledger)], policy, f"{policy}-example", pfile, out=out)
    assert code == 2
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    page = (out / "audit.html").read_text(encoding="utf-8")
    shown = page[page.index('id="unassessed"'):page.index('<div class="big">')]
    sheet = list(load_workbook(out / "audit.xlsx")["未能审核"].iter_rows(min_row=2, values_only=True))
    return s, shown, sheet


def test_one_reason_for_three_settlements_is_one_note_with_three_rows(tmp_path):
    s, shown, sheet = _run(tmp_path, "beijing", CHRONIC)
    (reason,) = s["unassessed_by_reason"]
    (detail,) = reason["details"]
    assert (detail["rows"], detail["example_setl_id"]) == (3, "BG1")
    assert detail["note"].startswith("北京未规定门诊慢特病待遇") and "does not fix" in detail["note"]
    for sid in ("BG1", "BG2", "CG1"):
        assert sid not in detail["note"]
    assert (reason["details_kinds"], reason["details_rows"]) == (1, 3)
    assert "（3 行，例如 setl_id <code>BG1</code>）" in shown and "其余" not in shown and "另有" not in shown
    assert [r[4:] for r in sheet] == [(detail["note"], 3, "BG1")]


def test_the_rows_the_plan_refused_are_said_to_have_no_note(tmp_path):
    """T2, T3 refused by the reference engine (one note, 2 rows); V1, V2 by the plan: no note, same reason."""
    s, shown, sheet = _run(tmp_path, "panzhihua", FLEX, FLEX_PERSONS)
    (reason,) = s["unassessed_by_reason"]
    assert (reason["status"], reason["rows"]) == ("refused_flex_tier", 4)
    (detail,) = reason["details"]
    assert (detail["rows"], detail["example_setl_id"]) == (2, "T2") and "T2" not in detail["note"]
    assert "其余 2 行由稽核计划判定（原因如上），没有参考实现的说明" in shown
    assert "未列出" not in shown
    assert [r[4:] for r in sheet] == [(detail["note"], 2, "T2"),
                                      ("（其余行由稽核计划判定，原因如左，没有参考实现的说明）", 2, None)]


def test_a_refused_after_note_names_no_settlement(tmp_path):
    """BG1 and CG1 (chronic, 北京) are refused; the ordinary visits after them in the year, for that: the note
    once named the earlier settlement (one note per person), now one note for the reason, 3 rows."""
    rows = CHRONIC[::2] + ["BG3,BG,1101,2023-05-01,11,tertiary,,,500.00,0.00,250.00",
                           "BG4,BG,1101,2023-06-01,11,tertiary,,,500.00,0.00,250.00",
                           "CG2,CG,1101,2023-06-01,11,tertiary,,,500.00,0.00,250.00"]
    s, shown, _ = _run(tmp_path, "beijing", rows)
    after = {u["status"]: u for u in s["unassessed_by_reason"]}["refused_after"]
    (detail,) = after["details"]
    assert (detail["rows"], detail["example_setl_id"]) == (3, "BG3") and after["rows"] == 3
    assert "BG1" not in detail["note"] and "CG1" not in detail["note"] and "无法审核" in detail["note"]


def test_notes_beyond_the_five_listed_are_said_to_be_more_kinds(tmp_path):
    """A summary with 7 kinds of note over 20 rows, 5 listed (10 rows), and 5 rows the plan refused."""
    disc = write_discrepancies(tmp_path / "d.parquet", [
        {"setl_id": "S1", "field": "hifp_pay", "recorded": "250.00", "expected": "150.00"}])
    reasons = [{"status": "refused_reference", "reason": UNASSESSED_REASONS["refused_reference"], "rows": 25,
                "example_setl_id": "A0", "details_kinds": 7, "details_rows": 20,
                "details": [{"note": f"reason {i}", "rows": 2, "example_setl_id": f"A{i}"} for i in range(5)]}]
    out = tmp_path / "audit-k"
    write_reports(out, disc, summary_for(disc, unassessed=25, unassessed_by_reason=reasons))
    page = (out / "audit.html").read_text(encoding="utf-8")
    assert "另有 2 种说明共 10 行未列出（每个原因只列出行数最多的五种）" in page
    assert "其余 5 行由稽核计划判定" in page
    got = [r[4:] for r in load_workbook(out / "audit.xlsx")["未能审核"].iter_rows(min_row=2, values_only=True)]
    assert got[5:] == [("（另有 2 种说明未列出：每个原因只列出行数最多的五种）", 10, None),
                       ("（其余行由稽核计划判定，原因如左，没有参考实现的说明）", 5, None)]
