"""rclose10's D2–D5 and the display Cf table: a merged cause shows its figures, the credit's rounding step keeps
only roundings of the product, a plugin's reply beside its answer is bounded before it is parsed, the evidence
lock's at-fork hook releases only what it took, and UNSHOWN escapes every Cf of the running Python."""
from __future__ import annotations

import sys
import time
import unicodedata

import pytest
from openpyxl import load_workbook

from conform.harness.report import html, model, xlsx
from conform.harness.results import CheckResult, Mismatch, RunResult

# ------------------------------------------------------------------------------------------------- D2

# 北京's example region 在职 二级 (起付线 1800, 70%), a visit of 1800.15: (1800.15 − 1800) × 70% = 0.105 → 0.11 half up;
# a system rounding half to even answers 0.10, a fen off at 支付比例 (a trace made by hand in that shape)
TRACE = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "1800.15"},
         {"step": "起付线", "clause": "北京 二", "value": "1800.00"},
         {"step": "支付比例", "clause": "北京 二；A-ROUND-FEN", "value": "0.11", "rounded": True},
         {"step": "年度最高支付限额", "clause": "北京 二", "value": "0.11"}]


def _merged_run() -> RunResult:
    """Check a compares 普通门诊统筹支付 only (the part), b 统筹基金支付 only (the sum): one cause, field hifp_pay,
    whose representative (a, the first) has no hifp_pay mismatch."""
    run = RunResult(adapter={"adapter": "http"}, policies=["beijing"], selection={"policies": ["beijing"]},
                    run_id="implI", planned=2, finished="2024-01-01T00:01:00+00:00")
    for cid, mm in (("a", Mismatch("ordinary_pay", "0.11", "0.10", "V1", "普通门诊统筹支付")),
                    ("b", Mismatch("hifp_pay", "0.11", "0.10", "V1", "统筹基金支付"))):
        run.checks.append(CheckResult(nodeid=f"t.py::{cid}", kind="scenario", name=f"半分进位{cid}", policy="beijing",
                                      articles=["beijing-2"], status="failed", message="m",
                                      feature_file=f"beijing/{cid}.feature", line=3, mismatches=[mm], trace=TRACE))
    return run


def test_a_merged_cause_whose_representative_compared_the_part_shows_its_figures(tmp_path):
    data = model.build(_merged_run())
    [cause] = data["causes"]
    assert cause["field"] == "hifp_pay" and cause["fields"] == ["ordinary_pay", "hifp_pay"]
    rep = next(c for c in data["checks"] if c["id"] == cause["representative"])
    assert [m["field"] for m in rep["mismatches"]] == ["ordinary_pay"]
    page = html.render(data)
    section = page[page.index('id="causes"'):page.index('id="documents"')]
    assert '应为 <span class="exp">0.11</span>，实际 <span class="act">0.10</span>' in section
    path = xlsx.write(data, tmp_path / "r.xlsx")
    ws = load_workbook(path)["原因汇总"]
    head = [c.value for c in next(ws.iter_rows(max_row=1))]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == cause["id"])
    got = dict(zip(head, row))
    assert (got["应为 Expected"], got["实际 Actual"]) == (0.11, 0.1), got
    assert not got["信息 Message"]


def test_a_cause_of_two_parts_without_the_sum_is_named_as_the_sum():
    from conform.harness.report.causes import group

    def check(cid: str, field: str, label: str) -> dict:
        return {"id": cid, "status": "failed", "kind": "scenario", "document": "北京", "policy": "beijing",
                "articles": [], "path": f"features/beijing/{cid}.feature", "trace": TRACE, "message": "",
                "extra": {}, "mismatches": [{"field": field, "expected": "0.11", "actual": "0.10", "item": "V1",
                                             "label": label}]}

    [cause] = group([check("a", "ordinary_pay", "普通门诊统筹支付"), check("b", "chronic_pay", "慢特病支付")], {})
    assert cause["fields"] == ["ordinary_pay", "chronic_pay"] and cause["field"] == "hifp_pay"
    assert cause["label"] == "统筹基金支付"
    assert cause["headline"].startswith("统筹基金支付（hifp_pay）"), cause["headline"]
