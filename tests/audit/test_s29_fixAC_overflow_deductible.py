"""A chronic/两病 visit over its cap whose expected ordinary deductible is 0.00 cites, on act_pay_dedc, the step that
decides that 0.00 — the ordinary deductible its rest meets — not the chronic article before it (probe s29 A2 F5).

攀枝花, panzhihua-example: 两病 M03900 deductible 0, 50%, cap 300.00 a year (第九条; region figures); the part past the
cap goes to 门诊统筹 (第十一条), whose deductible is 200.00 a year, 二级 60%, cap 1000.00 (第七条) — only for a
person with a personal account (第七条 建立了个人账户…; a 二档 flexible worker has none: A-PZH-FLEX-TIER2,
A-PZH-NO-ACCOUNT-CHRONIC). Chronic visits are settled by the reference engine.
南昌 (nanchang-example with chronic.overflow_to_ordinary true): 门诊特殊慢性病 零起付线 (四（二）2), the ordinary
deductible 600.00 a year (四（二）1).
"""
from __future__ import annotations

from pathlib import Path

from _hand_audit import discrepancies

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,act_pay_dedc,hifp_pay,"
          "fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay")
REGIONS = Path(__file__).resolve().parents[2] / "conform" / "fixtures" / "regions"


def _run(tmp_path, rows: list[str], persons: list[dict], policy: str, region: str) -> dict:
    return discrepancies(tmp_path, HEADER, rows, persons, policy, region)


TWO = [{"dise_codg": "M03900", "kind": "two_disease"}]


def test_a_deductible_met_before_the_overflow_cites_the_ordinary_deductible(tmp_path):
    """Q (in service, ytd ordinary deductible 200.00 = met) 两病 1000.00 at 二级: 1000 × 50% = 500.00 > cap 300.00 →
    300.00, covering 300 / 50% = 600.00; the other 400.00 to 门诊统筹: deductible met → 0.00, 400 × 60% = 240.00;
    total 540.00. Recorded with the ordinary deductible charged again: 200.00 and 300 + (400 − 200) × 60% = 420.00.
    The 0.00 is 第七条's (一个统筹年度…起付线为200元, met), reached through 第十一条 — not 第九条."""
    got = _run(tmp_path, ["Q1,Q,1101,2023-03-01,14,secondary,M03900,1000.00,200.00,420.00,420.00,580.00,0.00,580.00"],
               [{"psn_no": "Q", "chronic_diseases": TWO, "ytd": {"year": 2023, "ordinary_dedc": "200.00"}}],
               "panzhihua", "panzhihua-example")
    assert got[("Q1", "hifp_pay")][:2] == ("540.00", "-120.00")
    assert got[("Q1", "act_pay_dedc")] == ("0.00", "200.00", "攀枝花 第十一条；攀枝花 第七条", "reference")


def test_a_tier_two_worker_overflow_cites_the_reading_that_denies_the_ordinary_deductible(tmp_path):
    """T (1103, flex_tier 2) 两病 1000.00 at 二级: 300.00 within the cap; the 400.00 past it would go to 门诊统筹, which
    a 二档 worker (no personal account) does not have → nothing more, no ordinary deductible: 300.00 and 0.00.
    Recorded with 200.00 and 300 + (400 − 200) × 60% = 420.00: the 200.00 rests on the 二档 reading."""
    got = _run(tmp_path, ["T1,T,1103,2023-03-01,14,secondary,M03900,1000.00,200.00,420.00,420.00,580.00,0.00,580.00"],
               [{"psn_no": "T", "flex_tier": 2, "chronic_diseases": TWO, "ytd": {"year": 2023}}],
               "panzhihua", "panzhihua-example")
    assert got[("T1", "hifp_pay")][:2] == ("300.00", "120.00")
    assert got[("T1", "act_pay_dedc")] == (
        "0.00", "200.00", "攀枝花 第七条；A-PZH-FLEX-TIER2；A-PZH-NO-ACCOUNT-CHRONIC", "reference")


def test_nanchang_overflow_deductible_met_cites_the_ordinary_article(tmp_path):
    """N (in service, ytd ordinary deductible 600.00 = met, M03900 paid 3900.00 of its 4000.00 cap) 1000.00 at 二级:
    零起付线, 1000 × 85% = 850.00 > 100.00 left → 100.00, covering 100 / 85% = 117.65; the other 882.35 to ordinary
    pooling: deductible met → 0.00, 882.35 × 55% = 485.29; total 585.29. Recorded with the 600.00 charged again.
    The 0.00 is 四（二）1's (600 元 a year, met), not 四（二）2's 零起付线."""
    region = tmp_path / "nc.yaml"
    text = (REGIONS / "nanchang-example.yaml").read_text(encoding="utf-8")
    assert 'chronic.overflow_to_ordinary: "false"' in text
    region.write_text(text.replace("name: nanchang-example", "name: nc-overflow")
                      .replace('chronic.overflow_to_ordinary: "false"', 'chronic.overflow_to_ordinary: "true"'),
                      encoding="utf-8")
    got = _run(tmp_path, ["N1,N,1101,2023-03-01,14,secondary,M03900,1000.00,600.00,255.29,255.29,744.71,0.00,744.71"],
               [{"psn_no": "N", "chronic_diseases": [{"dise_codg": "M03900", "kind": "chronic"}],
                 "ytd": {"year": 2023, "ordinary_dedc": "600.00", "chronic_pay": {"M03900": "3900.00"}}}],
               "nanchang", str(region))
    assert got[("N1", "hifp_pay")][:2] == ("585.29", "-330.00")
    expected, diff, clause, route = got[("N1", "act_pay_dedc")]
    assert (expected, diff, route) == ("0.00", "600.00", "reference")
    assert clause.split("；")[-1] == "南昌 四（二）1", clause
