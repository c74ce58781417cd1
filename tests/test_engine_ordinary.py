"""Ordinary outpatient pooling (普通门诊统筹), every document, worked by hand.

攀枝花 第七条: 在职 200元 / 三级和药店50% / 二级及以下60% / 1000元；退休 150元 / 55% / 65% / 1500元.
南昌 四（二）1: 600元 / 一级及以下60%、二级55%、三级50% / 1800元；退休 +5个百分点, 2000元.
吉林 二（二）: region deductible ≤300, cap ≤2000; 60%/55%/50%; retirees + the region's inpatient tilt.
浙江 二（一）: city figures; 基层 ≥60%; 退休起付线减半、比例+5个百分点.
北京 (五): figures from the basic-insurance rules (a region file).
Example regions (conform/fixtures/regions/*-example.yaml, fictitious):
  吉林: deductible 200, cap 1500, tilt 5 points, pharmacy 50%.
  浙江: deductible 600 / retirees 300, cap 2000, 一级70% 未定级70% 二级60% 三级50% 药店50%.
  北京: deductible 1800 / 1300, cap 20000 / 20000, in-service 90/90/70/70/70%, retirees 90/90/85/85/85%.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import PolicyError, bind

D = Decimal
REGION = {"jilin": "jilin-example", "zhejiang": "zhejiang-example", "beijing": "beijing-example",
          "nanchang": "nanchang-example"}  # 南昌: the pharmacy ratio is the region's (A-NC-PHARMACY)


def visit(sid, date, amount, facility="tertiary", med_type=None, **kw):
    mt = med_type or ("41" if facility == "pharmacy" else "11")
    return {"id": sid, "date": date, "med_type": mt, "facility": facility, "medfee_sumamt": str(amount), **kw}


def run(policy, settlements, person=None, params=None, region="default"):
    region = REGION.get(policy) if region == "default" else region
    p = {"psn_no": "P1", "psn_type": "1101", **(person or {})}
    case = parse_case({"policy": policy, "person": p, "settlements": list(settlements)})
    ledger = PersonLedger(bind(policy, region, params), case.person)
    return ledger, [ledger.settle(s) for s in case.items]


def one(policy, amount, facility="tertiary", psn_type="1101", date="2023-03-01", **person):
    _, (r,) = run(policy, [visit("S1", date, amount, facility)], {"psn_type": psn_type, **person})
    return r


# --------------------------------------------------------------------------- deductible


@pytest.mark.parametrize(
    "policy, psn_type, facility, amount, dedc, pay",
    [
        # 攀枝花 第七条 在职 起付线200元, 三级50%
        ("panzhihua", "1101", "tertiary", "150.00", "150.00", "0.00"),    # 150 < 200: all deductible
        ("panzhihua", "1101", "tertiary", "199.99", "199.99", "0.00"),
        ("panzhihua", "1101", "tertiary", "200.00", "200.00", "0.00"),    # exactly the deductible
        ("panzhihua", "1101", "tertiary", "200.01", "200.00", "0.01"),    # (200.01 − 200) × 50% = 0.005 → 0.01 (A-ROUND-FEN)
        ("panzhihua", "1101", "tertiary", "200.03", "200.00", "0.02"),    # 0.03 × 50% = 0.015 → 0.02
        ("panzhihua", "1101", "tertiary", "430.00", "200.00", "115.00"),  # (430 − 200) × 50% = 115.00
        # 攀枝花 第七条 退休 起付线150元, 二级及以下65%
        ("panzhihua", "1201", "secondary", "149.99", "149.99", "0.00"),
        ("panzhihua", "1201", "secondary", "150.00", "150.00", "0.00"),
        ("panzhihua", "1201", "secondary", "350.00", "150.00", "130.00"),  # (350 − 150) × 65% = 130.00
        # 南昌 四（二）1 起付线600元, 一级及以下60%
        ("nanchang", "1101", "primary", "599.99", "599.99", "0.00"),
        ("nanchang", "1101", "primary", "600.00", "600.00", "0.00"),
        ("nanchang", "1101", "primary", "700.00", "600.00", "60.00"),     # (700 − 600) × 60% = 60.00
        # 南昌 A-NC-RETIREE-DEDUCTIBLE: retirees also 600; 一级及以下 60% + 5 = 65%
        ("nanchang", "1201", "primary", "700.00", "600.00", "65.00"),     # (700 − 600) × 65% = 65.00
        # 吉林 二（二）region deductible 200 (example), 二级55%
        ("jilin", "1101", "secondary", "200.00", "200.00", "0.00"),
        ("jilin", "1101", "secondary", "300.00", "200.00", "55.00"),      # (300 − 200) × 55% = 55.00
        # 浙江 二（一）退休起付线减半: 300 (example), 二级 60% + 5 = 65%
        ("zhejiang", "1201", "secondary", "300.00", "300.00", "0.00"),
        ("zhejiang", "1201", "secondary", "400.00", "300.00", "65.00"),   # (400 − 300) × 65% = 65.00
        ("zhejiang", "1101", "secondary", "400.00", "400.00", "0.00"),    # in-service 600: 400 all deductible
    ],
)
def test_deductible_below_at_above(policy, psn_type, facility, amount, dedc, pay):
    r = one(policy, amount, facility, psn_type)
    assert (r.act_pay_dedc, r.hifp_pay) == (D(dedc), D(pay))
    assert r.psn_part_amt == D(amount) - D(pay)


def test_settlement_straddling_the_deductible_panzhihua():
    """攀枝花 第七条: the deductible accumulates over the natural year."""
    ledger, (r1, r2) = run("panzhihua", [visit("S1", "2023-03-01", "120"), visit("S2", "2023-03-05", "300")])
    assert (r1.act_pay_dedc, r1.hifp_pay) == (D("120.00"), D("0.00"))  # 120 < 200
    # 200 − 120 = 80 left; (300 − 80) × 50% = 110.00
    assert (r2.act_pay_dedc, r2.hifp_pay) == (D("80.00"), D("110.00"))
    ys = ledger.ytd(2023)
    assert (ys.ordinary_dedc, ys.ordinary_pay) == (D("200.00"), D("110.00"))


def test_settlement_straddling_the_deductible_nanchang():
    """南昌 四（二）1 一个自然年度内起付线600元."""
    _, (r1, r2) = run("nanchang", [visit("S1", "2023-02-01", "500", "primary"),
                                   visit("S2", "2023-02-02", "300", "secondary")])
    assert r1.act_pay_dedc == D("500.00") and r1.hifp_pay == 0
    # 600 − 500 = 100 left; (300 − 100) × 55% = 110.00
    assert (r2.act_pay_dedc, r2.hifp_pay) == (D("100.00"), D("110.00"))


def test_year_to_date_from_the_case_is_counted():
    """攀枝花 第七条: 150 already counted this year → 50 left; (430 − 50) × 50% = 190.00."""
    _, (r,) = run("panzhihua", [visit("S1", "2023-05-01", "430")],
                  {"ytd": {"year": 2023, "ordinary_dedc": "150", "ordinary_pay": "0"}})
    assert (r.act_pay_dedc, r.hifp_pay) == (D("50.00"), D("190.00"))


# --------------------------------------------------------------------------- 1 January


def test_first_of_january_resets_deductible_and_cap():
    """攀枝花 第七条 一个统筹年度（自然年度）; A-YEAR-BY-SETTLEMENT-DATE."""
    ledger, (r1, r2) = run("panzhihua", [visit("S1", "2023-12-31", "430"), visit("S2", "2024-01-01", "430")],
                           {"ytd": {"year": 2023, "ordinary_dedc": "200", "ordinary_pay": "1000"}})
    assert r1.hifp_pay == D("0.00")  # 2023's cap of 1000 already reached
    # 2024 starts afresh: (430 − 200) × 50% = 115.00
    assert (r2.act_pay_dedc, r2.hifp_pay) == (D("200.00"), D("115.00"))
    assert (ledger.ytd(2023).ordinary_dedc, ledger.ytd(2023).ordinary_pay) == (D("200.00"), D("1000.00"))
    assert (ledger.ytd(2024).ordinary_dedc, ledger.ytd(2024).ordinary_pay) == (D("200.00"), D("115.00"))


def test_new_year_deductible_starts_again_nanchang():
    """南昌 四（二）1 一个自然年度内: 2023-12-31 uses 600; 2024-01-01 needs 600 again."""
    _, (r1, r2) = run("nanchang", [visit("S1", "2023-12-31", "700", "primary"),
                                   visit("S2", "2024-01-01", "700", "primary")])
    assert r1.hifp_pay == r2.hifp_pay == D("60.00")  # (700 − 600) × 60% each year


# --------------------------------------------------------------------------- annual cap


@pytest.mark.parametrize(
    "policy, psn_type, facility, prior, amount, pay",
    [
        # 攀枝花 第七条 在职 cap 1000, 三级50%; deductible already met
        ("panzhihua", "1101", "tertiary", "0", "1800", "900.00"),        # 1800 × 50% = 900 < 1000
        ("panzhihua", "1101", "tertiary", "900", "200", "100.00"),       # 200 × 50% = 100 = 1000 − 900: reaches the cap
        ("panzhihua", "1101", "tertiary", "900", "400", "100.00"),       # 400 × 50% = 200 > 100 left → 100
        ("panzhihua", "1101", "tertiary", "999.99", "0.02", "0.01"),     # 0.02 × 50% = 0.01 = 0.01 left
        ("panzhihua", "1101", "tertiary", "999.99", "100", "0.01"),      # 50 > 0.01 left → 0.01
        ("panzhihua", "1101", "tertiary", "1000", "100", "0.00"),        # cap reached: nothing
        ("panzhihua", "1101", "tertiary", "1000", "0.01", "0.00"),
        # 攀枝花 第七条 退休 cap 1500, 三级55%
        ("panzhihua", "1201", "tertiary", "1400", "400", "100.00"),      # 400 × 55% = 220 > 100 left → 100
        ("panzhihua", "1201", "tertiary", "1000", "400", "220.00"),      # 220 < 500 left
        # 南昌 四（二）1 在职 1800, 退休 2000 (三级 50% / 55%)
        ("nanchang", "1101", "tertiary", "1790", "100", "10.00"),        # 100 × 50% = 50 > 10 left → 10
        ("nanchang", "1201", "tertiary", "1790", "100", "55.00"),        # 100 × 55% = 55 < 210 left
        ("nanchang", "1201", "tertiary", "1990", "100", "10.00"),        # 55 > 10 left → 10
        ("nanchang", "1201", "tertiary", "2000", "100", "0.00"),
        # 吉林 example cap 1500 (≤2000, 二（二）), 三级50%
        ("jilin", "1101", "tertiary", "1450", "200", "50.00"),           # 200 × 50% = 100 > 50 left → 50
        # 浙江 example cap 2000 for everyone, 一级 70% / 退休 75%
        ("zhejiang", "1201", "primary", "1950", "100", "50.00"),         # 100 × 75% = 75 > 50 left → 50
        # 北京 example cap 20000, 三级 70%
        ("beijing", "1101", "tertiary", "19900", "200", "100.00"),       # 200 × 70% = 140 > 100 left → 100
    ],
)
def test_cap_approach_reach_exceed(policy, psn_type, facility, prior, amount, pay):
    big = "5000"  # any deductible in play is already met
    _, (r,) = run(policy, [visit("S1", "2023-06-01", amount, facility)],
                  {"psn_type": psn_type, "ytd": {"year": 2023, "ordinary_dedc": big, "ordinary_pay": prior}})
    assert r.act_pay_dedc == D("0.00")
    assert r.hifp_pay == D(pay)


def test_cap_reached_over_several_settlements_panzhihua():
    """攀枝花 第七条 在职 统筹年度最高支付限额为1000元."""
    ledger, rs = run("panzhihua", [
        visit("S1", "2023-01-10", "1200"),  # (1200 − 200) × 50% = 500.00; total 500
        visit("S2", "2023-02-10", "800"),   # 800 × 50% = 400.00; total 900
        visit("S3", "2023-03-10", "400"),   # 400 × 50% = 200 > 100 left → 100.00; total 1000
        visit("S4", "2023-04-10", "100"),   # cap reached → 0.00
    ])
    assert [r.hifp_pay for r in rs] == [D("500.00"), D("400.00"), D("100.00"), D("0.00")]
    assert ledger.ytd(2023).ordinary_pay == D("1000.00")


# --------------------------------------------------------------------------- every person type × facility

# (role, facility) → (expected payment, arithmetic), for one settlement in a fresh year.
TABLES = {
    # 攀枝花 第七条, amount 1000
    "panzhihua": ("1000", {
        ("in_service", "tertiary"): ("400.00", "(1000 − 200) × 50%"),
        ("in_service", "pharmacy"): ("400.00", "(1000 − 200) × 50% 定点零售药店"),
        ("in_service", "secondary"): ("480.00", "(1000 − 200) × 60%"),
        ("in_service", "primary"): ("480.00", "(1000 − 200) × 60% 二级及以下"),
        ("in_service", "unrated"): ("480.00", "(1000 − 200) × 60% A-PZH-UNRATED"),
        ("retiree", "tertiary"): ("467.50", "(1000 − 150) × 55%"),
        ("retiree", "pharmacy"): ("467.50", "(1000 − 150) × 55%"),
        ("retiree", "secondary"): ("552.50", "(1000 − 150) × 65%"),
        ("retiree", "primary"): ("552.50", "(1000 − 150) × 65%"),
        ("retiree", "unrated"): ("552.50", "(1000 − 150) × 65% A-PZH-UNRATED"),
    }),
    # 南昌 四（二）1, amount 1600: 1600 − 600 = 1000 in scope
    "nanchang": ("1600", {
        ("in_service", "primary"): ("600.00", "1000 × 60% 一级及以下"),
        ("in_service", "unrated"): ("600.00", "1000 × 60% A-NC-UNRATED"),
        ("in_service", "secondary"): ("550.00", "1000 × 55%"),
        ("in_service", "tertiary"): ("500.00", "1000 × 50%"),
        ("in_service", "pharmacy"): ("580.00", "1000 × 58% (nanchang-example's pharmacy ratio, A-NC-PHARMACY)"),
        ("retiree", "primary"): ("650.00", "1000 × (60% + 5%)"),
        ("retiree", "unrated"): ("650.00", "1000 × (60% + 5%)"),
        ("retiree", "secondary"): ("600.00", "1000 × (55% + 5%)"),
        ("retiree", "tertiary"): ("550.00", "1000 × (50% + 5%)"),
        ("retiree", "pharmacy"): ("630.00", "1000 × (58% + 5%)"),
    }),
    # 吉林 二（二）, example region, amount 1200: 1200 − 200 = 1000
    "jilin": ("1200", {
        ("in_service", "primary"): ("600.00", "1000 × 60%"),
        ("in_service", "unrated"): ("600.00", "1000 × 60% A-JL-UNRATED"),
        ("in_service", "secondary"): ("550.00", "1000 × 55%"),
        ("in_service", "tertiary"): ("500.00", "1000 × 50%"),
        ("in_service", "pharmacy"): ("500.00", "1000 × 50% (region's pharmacy ratio, 一、)"),
        ("retiree", "primary"): ("650.00", "1000 × (60% + 5% inpatient tilt)"),
        ("retiree", "unrated"): ("650.00", "1000 × (60% + 5%)"),
        ("retiree", "secondary"): ("600.00", "1000 × (55% + 5%)"),
        ("retiree", "tertiary"): ("550.00", "1000 × (50% + 5%)"),
        ("retiree", "pharmacy"): ("550.00", "1000 × (50% + 5%)"),
    }),
    # 浙江 二（一）, example city, amount 1600: in-service 1600 − 600 = 1000; retirees 1600 − 300 = 1300
    "zhejiang": ("1600", {
        ("in_service", "primary"): ("700.00", "1000 × 70%"),
        ("in_service", "unrated"): ("700.00", "1000 × 70%"),
        ("in_service", "secondary"): ("600.00", "1000 × 60%"),
        ("in_service", "tertiary"): ("500.00", "1000 × 50%"),
        ("in_service", "pharmacy"): ("500.00", "1000 × 50%"),
        ("retiree", "primary"): ("975.00", "1300 × (70% + 5%)"),
        ("retiree", "unrated"): ("975.00", "1300 × 75%"),
        ("retiree", "secondary"): ("845.00", "1300 × (60% + 5%)"),
        ("retiree", "tertiary"): ("715.00", "1300 × (50% + 5%)"),
        ("retiree", "pharmacy"): ("715.00", "1300 × 55%"),
    }),
    # 北京 (五), example figures, amount 2800: in-service 2800 − 1800 = 1000; retirees 2800 − 1300 = 1500
    "beijing": ("2800", {
        ("in_service", "primary"): ("900.00", "1000 × 90%"),
        ("in_service", "unrated"): ("900.00", "1000 × 90%"),
        ("in_service", "secondary"): ("700.00", "1000 × 70%"),
        ("in_service", "tertiary"): ("700.00", "1000 × 70%"),
        ("in_service", "pharmacy"): ("700.00", "1000 × 70%"),
        ("retiree", "primary"): ("1350.00", "1500 × 90%"),
        ("retiree", "unrated"): ("1350.00", "1500 × 90%"),
        ("retiree", "secondary"): ("1275.00", "1500 × 85%"),
        ("retiree", "tertiary"): ("1275.00", "1500 × 85%"),
        ("retiree", "pharmacy"): ("1275.00", "1500 × 85%"),
    }),
}
PSN_TYPES = {"1101": "in_service", "1103": "in_service", "1201": "retiree", "1203": "retiree"}
GRID = [
    (policy, psn_type, facility, amount, *table[(role, facility)])
    for policy, (amount, table) in TABLES.items()
    for psn_type, role in PSN_TYPES.items()
    for facility in ("tertiary", "secondary", "primary", "unrated", "pharmacy")
]


@pytest.mark.parametrize("policy, psn_type, facility, amount, pay, arithmetic", GRID,
                         ids=[f"{g[0]}-{g[1]}-{g[2]}" for g in GRID])
def test_every_person_type_at_every_facility(policy, psn_type, facility, amount, pay, arithmetic):
    extra = {"flex_tier": 1} if psn_type in ("1103", "1203") else {}  # 攀枝花 第四条: 一档 has an account
    r = one(policy, amount, facility, psn_type, **extra)
    assert r.hifp_pay == D(pay), arithmetic
    assert r.benefit == "ordinary"


def test_jilin_pharmacy_without_a_region_pharmacy_ratio_pays_nothing():
    """吉林 一、有条件的统筹区可探索定点零售药店门诊保障: absent the region's choice, no pooling."""
    params = {"ordinary.deductible": "200", "ordinary.cap": "1500", "inpatient.retiree_ratio_bonus": "0.05"}
    ledger, (r,) = run("jilin", [visit("S1", "2023-03-01", "1200", "pharmacy")], params=params, region=None)
    assert r.hifp_pay == D("0.00")
    assert ledger.ytd(2023).ordinary_dedc == D("0.00")  # nothing counted towards the deductible either
    assert any(step["clause"] == "吉林 一" for step in r.trace.render())


# --------------------------------------------------------------------------- amounts outside the policy scope


@pytest.mark.parametrize(
    "split, inscp, pay",
    [
        ({"fulamt_ownpay_amt": "100", "overlmt_selfpay": "50", "preselfpay_amt": "50"},
         "800.00", "300.00"),                                   # 1000 − 100 − 50 − 50 = 800; (800 − 200) × 50% = 300
        ({"fulamt_ownpay_amt": "570"}, "430.00", "115.00"),     # 1000 − 570 = 430; (430 − 200) × 50% = 115
        ({"overlmt_selfpay": "570"}, "430.00", "115.00"),
        ({"preselfpay_amt": "570"}, "430.00", "115.00"),
        ({"fulamt_ownpay_amt": "1000"}, "0.00", "0.00"),        # nothing in scope
    ],
)
def test_split_amounts_are_excluded_from_the_policy_scope(split, inscp, pay):
    """攀枝花 第七条 政策范围内普通门诊费用: 全自费、超限价、先行自付 are not in scope."""
    _, (r,) = run("panzhihua", [visit("S1", "2023-03-01", "1000", **split)])
    assert r.inscp_scp_amt == D(inscp)
    assert r.hifp_pay == D(pay)
    assert r.psn_part_amt == D("1000") - D(pay)


def test_out_of_scope_amount_does_not_use_up_the_deductible():
    """攀枝花 第七条: 300 全自费 counts nothing, so a later 430 still pays (430 − 200) × 50% = 115.00."""
    ledger, (r1, r2) = run("panzhihua", [visit("S1", "2023-03-01", "300", fulamt_ownpay_amt="300"),
                                         visit("S2", "2023-03-02", "430")])
    assert r1.act_pay_dedc == D("0.00")
    assert (r2.act_pay_dedc, r2.hifp_pay) == (D("200.00"), D("115.00"))


# --------------------------------------------------------------------------- mid-year retirement


def test_midyear_retirement_keeps_counting_deductible_and_payments():
    """A-MIDYEAR-RETIREMENT under 攀枝花 第七条."""
    ledger, (r1, r2) = run("panzhihua", [visit("S1", "2023-03-01", "1200"), visit("S2", "2023-08-01", "2000")],
                           {"retire_date": "2023-07-01"})
    assert r1.hifp_pay == D("500.00")  # in service: (1200 − 200) × 50% = 500.00
    # retired: deductible 150 already covered by the 200 counted; 2000 × 55% = 1100;
    # retiree cap 1500 − 500 paid = 1000 left → 1000.00
    assert (r2.act_pay_dedc, r2.hifp_pay) == (D("0.00"), D("1000.00"))
    assert ledger.ytd(2023).ordinary_pay == D("1500.00")


def test_midyear_retirement_before_the_deductible_is_met():
    """A-MIDYEAR-RETIREMENT: 100 counted in service; retiree deductible 150 → 50 left."""
    _, (r1, r2) = run("panzhihua", [visit("S1", "2023-06-30", "100"), visit("S2", "2023-07-01", "100")],
                      {"retire_date": "2023-07-01"})
    assert r1.act_pay_dedc == D("100.00") and r1.hifp_pay == 0
    # on the retirement date the person is a retiree: (100 − 50) × 55% = 27.50
    assert (r2.act_pay_dedc, r2.hifp_pay) == (D("50.00"), D("27.50"))


def test_midyear_retirement_raises_the_cap():
    """A-MIDYEAR-RETIREMENT: the in-service cap 1000 was reached; the retiree cap 1500 leaves 500."""
    _, (r,) = run("panzhihua", [visit("S1", "2023-09-01", "2000")],
                  {"retire_date": "2023-07-01", "ytd": {"year": 2023, "ordinary_dedc": "200", "ordinary_pay": "1000"}})
    assert r.hifp_pay == D("500.00")  # 2000 × 55% = 1100 > 1500 − 1000 = 500


# --------------------------------------------------------------------------- validity


@pytest.mark.parametrize(
    "policy, date, amount, facility, pay",
    [
        ("panzhihua", "2023-01-01", "430", "tertiary", "115.00"),   # 第十九条 自2023年1月1日起实施: (430 − 200) × 50%
        ("panzhihua", "2027-12-31", "430", "tertiary", "115.00"),   # 有效期5年: last day 2027-12-31
        ("nanchang", "2023-01-01", "700", "primary", "60.00"),      # 四（六）: (700 − 600) × 60%
        ("jilin", "2023-01-01", "430", "tertiary", "115.00"),       # 六（三）: (430 − 200) × 50%
        ("zhejiang", "2023-01-01", "1600", "tertiary", "500.00"),   # A-ZJ-VALID-FROM: (1600 − 600) × 50%
        ("beijing", "2022-03-06", "2800", "tertiary", "700.00"),    # A-BJ-EFFECTIVE: (2800 − 1800) × 70%
    ],
)
def test_validity_from_the_first_day(policy, date, amount, facility, pay):
    _, (r,) = run(policy, [visit("S1", date, amount, facility)])
    assert r.hifp_pay == D(pay)


@pytest.mark.parametrize(
    "policy, before, after, amount, dedc, pay, cite",
    [
        # 攀枝花 第十九条 原有规定; then (430 − 200) × 50% = 115.00 with the full 200 deductible
        ("panzhihua", "2022-12-31", "2023-01-01", "430", "200.00", "115.00", "攀枝花 第十九条"),
        # 吉林 六（三）原有门诊保障待遇执行至2022年年底; then (430 − 200) × 50% = 115.00
        ("jilin", "2022-12-31", "2023-01-01", "430", "200.00", "115.00", "吉林 六（三）"),
        # 浙江 二（三）2023年起开始实施改革; then (1600 − 600) × 50% = 500.00
        ("zhejiang", "2022-12-31", "2023-01-01", "1600", "600.00", "500.00", "浙江 二（三）"),
    ],
)
def test_before_the_start_the_earlier_rules_are_unknown_so_the_settlement_is_refused(
        policy, before, after, amount, dedc, pay, cite):
    """A-BEFORE-VALIDITY: only 南昌 一 says what applied before; elsewhere a 0 would be a guess."""
    case = parse_case({"policy": policy, "person": {"psn_no": "P1", "psn_type": "1101"},
                       "settlements": [visit("S1", before, amount), visit("S2", after, amount)]})
    ledger = PersonLedger(bind(policy, REGION.get(policy)), case.person)
    early, late = case.items
    with pytest.raises(PolicyError, match=f"S1: date {before} is before .*{re.escape(cite)}") as e:
        ledger.settle(early)
    assert "A-BEFORE-VALIDITY" in str(e.value)
    assert ledger.ytd(int(before[:4])).ordinary_dedc == 0  # the refusal recorded nothing
    r = ledger.settle(late)  # the first day of the new rules: the deductible is counted in full
    assert (r.act_pay_dedc, r.hifp_pay) == (D(dedc), D(pay))


def test_beijing_outpatient_figures_are_not_dated_by_the_measures():
    """北京（五）: the outpatient figures 按基本医疗保险规定执行 — the measures change none of them, so a visit before
    their issue date (2022-03-06) is settled by the region's figures (A-BJ-EFFECTIVE; rtext D5, s10)."""
    # beijing-example 在职 三级 2800.00 on 2022-03-05: 起付线 1800, (2800 − 1800) × 70% = 700.00
    _, (r,) = run("beijing", [visit("S1", "2022-03-05", "2800", "tertiary")])
    assert (r.act_pay_dedc, r.hifp_pay) == (D("1800.00"), D("700.00"))


def test_beijing_region_figures_dated_by_the_region_refuse_what_comes_before():
    """A region whose basic-rule figures start on a date it gives (valid_from) refuses a visit before it: the
    earlier figures are not in the region file (A-BEFORE-VALIDITY)."""
    case = parse_case({"policy": "beijing", "person": {"psn_no": "P1", "psn_type": "1101"},
                       "settlements": [visit("S1", "2022-12-31", "2800"), visit("S2", "2023-01-01", "2800")]})
    ledger = PersonLedger(bind("beijing", "beijing-example", {"valid_from": "2023-01-01"}), case.person)
    early, late = case.items
    with pytest.raises(PolicyError, match="S1: date 2022-12-31 is before .*2023-01-01") as e:
        ledger.settle(early)
    assert "A-BEFORE-VALIDITY" in str(e.value)
    # 2023-01-01 在职 三级: (2800 − 1800) × 70% = 700.00
    assert ledger.settle(late).hifp_pay == D("700.00")


@pytest.mark.parametrize(
    "med_type, facility",
    [("11", "primary"), ("41", "pharmacy")],
)
def test_nanchang_before_the_start_ordinary_costs_were_the_accounts(med_type, facility):
    """南昌 一 个人账户用于参保人员普通门诊及定点零售药店就医购药医疗费用支出 (A-BEFORE-VALIDITY): the two
    visits the text names. Emergency and day surgery it does not name (see the test below)."""
    ledger, (r, r2) = run("nanchang", [visit("S1", "2022-12-31", "700", facility, med_type),
                                       visit("S2", "2023-01-01", "700", "primary")])
    assert (r.hifp_pay, r.act_pay_dedc, r.benefit) == (D("0.00"), D("0.00"), "none")
    assert r.psn_part_amt == D("700.00")
    assert ledger.ytd(2022).ordinary_dedc == 0  # nothing counted before the rules apply
    clauses = " ".join(s["clause"] for s in r.trace.render())
    assert "南昌 一" in clauses and "A-BEFORE-VALIDITY" in clauses
    # 2023-01-01 一级 700: the full 600 deductible, (700 − 600) × 60% = 60.00
    assert (r2.act_pay_dedc, r2.hifp_pay) == (D("600.00"), D("60.00"))


@pytest.mark.parametrize("med_type, name", [("13", "急诊"), ("28", "日间手术")])
def test_nanchang_before_the_start_emergency_and_day_surgery_are_refused(med_type, name):
    """南昌 一 names only 普通门诊 and 定点零售药店 as the account's before the reform; whether an emergency or a
    day surgery then counted as ordinary outpatient or went along inpatient rules (as 吉林 二（五）（六）) it does
    not say, and A-EMERGENCY-ORDINARY (在本细则中) reads the rules in force from 2023-01-01 only. So the
    engine refuses, citing 四（六） and A-BEFORE-VALIDITY, rather than certify a 0 (reviewer rfeat2 item 2)."""
    case = parse_case({"policy": "nanchang", "person": {"psn_no": "P1", "psn_type": "1101"},
                       "settlements": [visit("S1", "2022-12-31", "1000", "tertiary", med_type),
                                       visit("S2", "2023-01-01", "1000", "tertiary", med_type)]})
    ledger = PersonLedger(bind("nanchang", REGION.get("nanchang")), case.person)
    early, late = case.items
    with pytest.raises(PolicyError, match=rf"S1: date 2022-12-31 is before .*四（六）.*med_type {med_type}"
                                          r".*南昌 一 names only .*A-BEFORE-VALIDITY") as e:
        ledger.settle(early)
    assert f"未写明{name}如何结算" in e.value.zh and "四（六）" in e.value.zh
    assert ledger.ytd(2022).ordinary_dedc == 0  # the refusal recorded nothing
    # 2023-01-01 三级 1000 under A-EMERGENCY-ORDINARY: the full 600 deductible, (1000 − 600) × 50% = 200.00
    r = ledger.settle(late)
    assert (r.act_pay_dedc, r.hifp_pay) == (D("600.00"), D("200.00"))


def test_after_panzhihua_expires_the_engine_refuses():
    """攀枝花 第十九条 有效期5年: 2028-01-01 is outside; the successor rules are unknown."""
    with pytest.raises(PolicyError, match="2027-12-31.*攀枝花 第十九条"):
        run("panzhihua", [visit("S1", "2028-01-01", "430")])


# --------------------------------------------------------------------------- emergency and day surgery elsewhere


@pytest.mark.parametrize(
    "policy, med_type, facility, amount, pay",
    [
        ("panzhihua", "13", "tertiary", "430", "115.00"),   # A-EMERGENCY-ORDINARY: (430 − 200) × 50%
        ("panzhihua", "28", "secondary", "430", "138.00"),  # (430 − 200) × 60%
        ("nanchang", "13", "primary", "700", "60.00"),      # (700 − 600) × 60%
        ("nanchang", "28", "tertiary", "700", "50.00"),     # (700 − 600) × 50%
    ],
)
def test_emergency_and_day_surgery_follow_ordinary_pooling_where_the_text_is_silent(policy, med_type, facility,
                                                                                       amount, pay):
    ledger, (r,) = run(policy, [visit("S1", "2023-03-01", amount, facility, med_type)])
    assert r.hifp_pay == D(pay)
    assert r.ordinary_pay == D(pay) and r.inpatient_pay == 0
    assert ledger.ytd(2023).ordinary_pay == D(pay)  # counted against the ordinary cap
    assert any(s["clause"] == "A-EMERGENCY-ORDINARY" for s in r.trace.render())


# --------------------------------------------------------------------------- the personal account pays the rest


@pytest.mark.parametrize(
    "balance, flag, acct, cash, left",
    [
        ("100", True, "100.00", "215.00", "0.00"),    # 430 − 115 = 315 to pay; account 100, cash 215
        ("500", True, "315.00", "0.00", "185.00"),    # account covers all 315; 500 − 315 = 185 left
        ("500", False, "0.00", "315.00", "500.00"),   # acct_used_flag false: all cash
        ("0", True, "0.00", "315.00", "0.00"),
    ],
)
def test_personal_account_pays_the_persons_part(balance, flag, acct, cash, left):
    ledger, (r,) = run("panzhihua", [visit("S1", "2023-03-01", "430", acct_used_flag=flag)],
                       {"acct_balance": balance})
    assert r.hifp_pay == D("115.00")
    assert (r.psn_part_amt, r.acct_pay, r.psn_cash_pay) == (D("315.00"), D(acct), D(cash))
    assert ledger.balance == D(left)


def test_figures_are_consistent_and_cited():
    """Every figure of a settlement carries the clause it applies (攀枝花 第七条)."""
    r = one("panzhihua", "430")
    assert r.fund_pay_sumamt == r.hifp_pay == r.ordinary_pay
    assert r.medfee_sumamt == r.hifp_pay + r.psn_part_amt
    assert r.psn_part_amt == r.acct_pay + r.psn_cash_pay
    clauses = {s["step"]: s["clause"] for s in r.trace.render()}
    assert clauses["起付线"] == clauses["支付比例"] == clauses["年度最高支付限额"] == "攀枝花 第七条"
    out = r.to_output()
    assert out["hifp_pay"] == "115.00" and out["act_pay_dedc"] == "200.00" and out["pool_prop_selfpay"] == "0.5000"


def test_settlements_out_of_date_order_or_repeated_are_refused():
    ledger, _ = run("panzhihua", [visit("S1", "2023-03-01", "430")])
    case = parse_case({"policy": "panzhihua", "person": {"psn_no": "P1", "psn_type": "1101"},
                       "settlements": [visit("S2", "2023-02-01", "430"), visit("S1", "2023-04-01", "430")]})
    with pytest.raises(PolicyError, match="before the previous settlement's date"):
        ledger.settle(case.items[0])
    with pytest.raises(PolicyError, match="already settled"):
        ledger.settle(case.items[1])
    assert ledger.ytd(2023).ordinary_pay == D("115.00")


def test_the_year_of_a_settlement_is_its_date():
    """A-YEAR-BY-SETTLEMENT-DATE."""
    ledger, _ = run("panzhihua", [visit("S1", "2024-02-01", "430")])
    assert ledger.ytd(2024).ordinary_pay == D("115.00")
    assert ledger.ytd(2023).ordinary_pay == 0
    assert dt.date(2024, 2, 1).year in ledger.years


def test_a_pharmacy_outside_pooling_is_a_settlement_the_fund_may_not_pay(tmp_path):
    """吉林 一 “有条件的统筹区可探索定点零售药店门诊保障服务工作”: a region that does not (jilin-example without
    ordinary.ratio.pharmacy) pools no pharmacy purchase. 300.00 at a pharmacy: fund 0.00, deductible 0.00, ratio
    0.0000 — and its benefit is none, as for an exclusion or a hospital stay (the audit's status for the class
    统筹基金不予支付却支付), not ordinary."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "conform" / "fixtures" / "regions" / "jilin-example.yaml"
    lines = example.read_text(encoding="utf-8").splitlines(keepends=True)
    region = tmp_path / "jilin-no-pharmacy.yaml"
    region.write_text("".join(x for x in lines if not x.lstrip().startswith("ordinary.ratio.pharmacy:"))
                      .replace("name: jilin-example", "name: jilin-no-pharmacy"), encoding="utf-8")  # a name of its own
    _, (r,) = run("jilin", [visit("P1", "2023-02-01", "300.00", "pharmacy")], region=str(region))
    assert (r.hifp_pay, r.act_pay_dedc, r.pool_prop_selfpay, r.benefit) == (D("0.00"), D("0.00"), D("0"), "none")
