"""The audit of a 南昌 ledger names the document as `conform run`'s reports do: 南昌（征求意见稿）, the rules of a
consultation draft's 起草说明 (nanchang.yaml title), which the adopted 实施细则 may change (probeQ F2). The mark is
read from the policy file's title (harness doc_label), as results.json's documents[].draft is.

Figures by hand (南昌 一 in force from 2023-01-01; deductible 600, 50% at a 三级 hospital):
  A1 2023-03-01 800.00 普通门诊: deductible 600.00, (800 − 600) × 50% = 100.00, as recorded.
"""
from __future__ import annotations

import json

from openpyxl import load_workbook

from conform.audit.run import audit
from conform.harness.report.model import DRAFT_MARK, doc_label
from conform.reference.policy import load_policy

HEAD = "setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay\n"


def _summary_and_pages(tmp_path, policy: str, region: str, row: str):
    path = tmp_path / "ledger.csv"
    path.write_text(HEAD + row + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _ = audit([str(path)], policy, region, out=out)
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    page = (out / "audit.html").read_text(encoding="utf-8")
    wb = load_workbook(out / "audit.xlsx", read_only=True)
    cells = [str(c) for ws in wb.worksheets[:1] for r in ws.iter_rows(values_only=True) for c in r if c]
    wb.close()
    return code, s, page, cells


def test_a_consultation_draft_is_named_so_in_every_report(tmp_path):
    code, s, page, cells = _summary_and_pages(tmp_path, "nanchang", "nanchang-example",
                                              "A1,A,1101,2023-03-01 10:00:00,11,tertiary,800.00,600.00,100.00")
    p = load_policy("nanchang")
    assert code == 0, s.get("verdict")
    assert (s["policy_label"], s["policy_draft"], s["policy_title"], s["policy_number"]) == \
        ("南昌（征求意见稿）", True, p.title, "无文号")
    assert s["policy_label"] == doc_label(p)  # the name `conform run` gives it
    line = f"南昌（{DRAFT_MARK}） nanchang：{p.title}"
    assert line in page and "<title>结算清单稽核报告 Ledger audit — 南昌（征求意见稿）" in page
    assert line in cells, cells[:20]


def test_an_adopted_document_is_not_called_a_draft(tmp_path):
    code, s, page, cells = _summary_and_pages(tmp_path, "panzhihua", "panzhihua-example",
                                              "A1,A,1101,2023-03-01 10:00:00,11,tertiary,500.00,200.00,150.00")
    assert code == 0
    assert (s["policy_label"], s["policy_draft"]) == ("攀枝花", False)
    assert "攀枝花 panzhihua" in cells and DRAFT_MARK not in page.split("假设")[0]
