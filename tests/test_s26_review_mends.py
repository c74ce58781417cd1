"""Mends from the sceptical review of s26's fixes (probe s26 probeR).

R1: a chronic visit sending its rest on, whose chronic deductible was met earlier (the step charges 0.00 of 100.00,
"此前已累计100.00元"), and whose onward ordinary deductible the system over-charges by 30.00 (80.00 for 50.00 left: a
pharmacy purchase left out of the ordinary count): the departure is the onward 起付线 (第七条, with the handoff), not
the chronic deductible (第十条), which had nothing left to charge and was not counted afresh (that would be 100.00).

R3: a year's total (or a balance) rests on A-REVERSAL only where the other reading — a 2208 that gives nothing back —
can give the system's figure: a total higher by at most what was given back, a balance lower by at most what was
refunded; a figure off the other way, or by more, is a plain breach.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.harness.properties.base import mismatch, reversal_readings
from conform.harness.report.causes import _step, blame

TRACE = [
    {"step": "政策范围内费用", "detail": "3000.00 − 全自费0.00 − 超限价0.00 − 先行自付0.00 = 3000.00元",
     "clause": "国家医保平台结算口径", "value": "3000.00"},
    {"step": "慢特病起付线", "detail": "病种M001：起付线100.00元，此前已累计100.00元，本次计入0.00元", "clause": "攀枝花 第十条",
     "value": "0.00"},
    {"step": "慢特病支付", "detail": "(3000.00 − 0.00) × 80% = 2400.00元；年度限额2000.00元，此前已支付800.00元，本次支付1200.00元",
     "clause": "攀枝花 第十条", "value": "1200.00", "rounded": False, "rounding_unit": "0.01"},
    {"step": "转入普通门诊统筹", "detail": "限额内对应费用1200.00 / 80% = 1500.00元；超过限额后的费用3000.00 − 1500.00 = 1500.00元按普通门诊统筹政策支付",
     "clause": "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT", "value": "1500.00", "rounded": False, "rounding_unit": "0.01"},
    {"step": "起付线", "detail": "本年度起付线200.00元，此前已累计150.00元，尚余50.00元；本次计入起付线 min(1500.00, 50.00) = 50.00元",
     "clause": "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT；攀枝花 第七条", "value": "50.00"},
    {"step": "支付比例", "detail": "三级定点医疗机构（在职）支付比例50%：(1500.00 − 50.00) × 50% = 725.00元（四舍五入到分）",
     "clause": "攀枝花 第七条；A-ROUND-FEN", "value": "725.00", "rounded": True, "rounding_unit": "0.01"},
    {"step": "年度最高支付限额", "detail": "年度限额1000.00元，此前已支付0.00元，尚余1000.00元；本次统筹支付 min(725.00, 1000.00) = 725.00元",
     "clause": "攀枝花 第七条", "value": "725.00"}]


def _mismatches(dedc: str) -> list[dict]:
    return [{"field": "act_pay_dedc", "expected": "50.00", "actual": dedc, "item": "V3"},
            {"field": "chronic_pay", "expected": "1200.00", "actual": "1200.00", "item": "V3"}]


def test_an_onward_deductible_overcharged_after_the_chronic_one_was_met_is_the_onward_steps():
    ms = _mismatches("80.00")
    step, _ = _step(ms[0], TRACE, None, ms)
    assert step == "起付线"
    articles, _ = blame(ms, {"V3": TRACE}, "panzhihua")
    assert "panzhihua-7" in articles and "panzhihua-10" not in articles


def test_a_chronic_deductible_counted_afresh_is_still_the_chronic_steps():
    # 50.00 + the whole 100.00 standard charged again: the chronic deductible's (第十条), as afa319c made it
    ms = _mismatches("150.00")
    step, _ = _step(ms[0], TRACE, None, ms)
    assert step == "慢特病起付线"


@pytest.mark.parametrize("field, expected, actual, back, rests", [
    ("ordinary_dedc", "200.00", "400.00", "200.00", True),    # the reversed 200.00 kept: the other reading's total
    ("ordinary_dedc", "200.00", "350.00", "200.00", True),    # kept, and a later visit charged less for it
    ("ordinary_dedc", "200.00", "0.00", "200.00", False),     # lower: no reading of reversals gives it
    ("ordinary_dedc", "600.00", "599.99", "600.00", False),   # a fen lower: a rounding's, not a reversal's
    ("ordinary_pay", "90.00", "400.00", "300.00", False),     # higher by more than was given back
    ("acct_balance", "500.00", "350.00", "150.00", True),     # the refund paid out in cash, not to the account
    ("acct_balance", "500.00", "650.00", "150.00", False),    # refunded twice: wrong under either reading
])
def test_a_reversal_reading_is_named_only_where_it_can_give_the_figure(field, expected, actual, back, rests):
    m = mismatch(field, Decimal(expected), actual, "2023年度累计")
    assert reversal_readings([m], {field: Decimal(back)}) == (("A-REVERSAL",) if rests else ())
