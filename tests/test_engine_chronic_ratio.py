"""The ratio a chronic-disease settlement records (pool_prop_selfpay), worked by hand from the articles.

攀枝花 第十一条 and 吉林 六（三）pay a 两病/慢特病 visit first under its own benefit and what lies beyond its
yearly cap under ordinary pooling. A visit the cap, used up before it, no longer covers at all is paid
by ordinary pooling alone: the only ratio applied, and the one it records (its article: the ordinary
pooling's). A visit that crosses the cap is paid under both; it records the chronic ratio
(A-CHRONIC-OVERFLOW-RATIO), and the trace says so.

Example regions (fictitious, conform/fixtures/regions/):
  攀枝花: M03900 (两病) deductible 0 / 50% / cap 300; M00500 deductible 300 / 80% / cap 4000;
          ordinary (第七条) in service 200 / 60% at 二级, retiree 150 / 65%.
  吉林:   ordinary deductible 200 (shared with chronic, 二（三）) / 二级 55% / cap 1500;
          chronic 70%, M00500 cap 5000.
  南昌:   M03900 85% / cap 4000, no transfer to ordinary (the example region's chronic.overflow_to_ordinary: false,
          A-NC-CHRONIC-OVERFLOW: the text leaves it to the region).
"""
from __future__ import annotations

from decimal import Decimal

from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import bind

D = Decimal


def _settle(policy: str, code: str, visits: list[tuple[str, str, str]], person: dict | None = None):
    case = parse_case({"policy": policy,
                       "person": {"psn_no": "P", "psn_type": "1101",
                                  "chronic_diseases": [{"dise_codg": code, "kind": "chronic"}], **(person or {})},
                       "settlements": [{"id": sid, "date": date, "med_type": "14", "facility": "secondary",
                                        "dise_codg": code, "medfee_sumamt": amount} for sid, date, amount in visits]})
    ledger = PersonLedger(bind(policy, f"{policy}-example"), case.person)
    return [ledger.settle(s) for s in case.items]


def _steps(r) -> dict[str, dict]:
    return {s["step"]: s for s in r.trace.render()}


def test_panzhihua_a_visit_after_the_two_disease_cap_records_the_ordinary_ratio():
    # Reviewer A's J1/J2 (攀枝花, M03900 两病, in service, 二级):
    # J1 600.00: deductible 0; 600 × 50% = 300.00 = the cap 300 (第九条/第十条 region figures): cap used up,
    #    nothing beyond it → ratio 50%.
    # J2 500.00: 两病 cap used up → 0.00; all 500.00 to ordinary pooling (第十一条): ordinary deductible 200
    #    (第七条; 两病's own is 0 and not shared), (500 − 200) × 60% = 180.00. Only 60% was applied → 0.6000.
    j1, j2 = _settle("panzhihua", "M03900", [("J1", "2023-03-01", "600.00"), ("J2", "2023-04-01", "500.00")])
    assert (j1.chronic_pay, j1.ordinary_pay, j1.pool_prop_selfpay) == (D("300.00"), D("0.00"), D("0.50"))
    assert (j2.chronic_pay, j2.ordinary_pay, j2.act_pay_dedc, j2.hifp_pay) == (
        D("0.00"), D("180.00"), D("200.00"), D("180.00"))
    assert j2.pool_prop_selfpay == D("0.60")
    steps = _steps(j2)
    assert steps["支付比例"]["clause"] == "攀枝花 第七条"
    # the ordinary ratio is recorded by A-CHRONIC-OVERFLOW-RATIO's second sentence (a chronic visit its cap no longer
    # covers): cited, so that a report counts the reading as used (probe s23-L F1)
    assert steps["结算支付比例"]["clause"] == "攀枝花 第七条；A-CHRONIC-OVERFLOW-RATIO"
    assert "60%" in steps["结算支付比例"]["detail"] and "50%" not in steps["结算支付比例"]["detail"]


def test_panzhihua_a_retiree_after_the_cap_records_the_retiree_ordinary_ratio():
    # as J2 for a retiree: (500 − 150) × 65% = 227.50 (第七条 退休, 二级及以下 65%) → 0.6500
    _, j2 = _settle("panzhihua", "M03900", [("J1", "2023-03-01", "600.00"), ("J2", "2023-04-01", "500.00")],
                    {"psn_type": "1201"})
    assert (j2.chronic_pay, j2.ordinary_pay, j2.pool_prop_selfpay) == (D("0.00"), D("227.50"), D("0.65"))


def test_panzhihua_a_visit_crossing_the_cap_keeps_the_chronic_ratio_and_names_the_assumption():
    # M03900: J1 400.00 → 400 × 50% = 200.00 (100 left of 300).
    # J2 400.00: 400 × 50% = 200 > 100 left → 两病 100.00; that covers 100 / 50% = 200.00; the other 200.00 go
    #    to ordinary pooling (第十一条), all of it the ordinary deductible 200 → ordinary 0.00. Paid in part
    #    by the 两病 benefit: the settlement records its 50% (A-CHRONIC-OVERFLOW-RATIO).
    _, j2 = _settle("panzhihua", "M03900", [("J1", "2023-03-01", "400.00"), ("J2", "2023-04-01", "400.00")])
    assert (j2.chronic_pay, j2.ordinary_pay, j2.act_pay_dedc, j2.pool_prop_selfpay) == (
        D("100.00"), D("0.00"), D("200.00"), D("0.50"))
    kept = _steps(j2)["结算支付比例"]
    assert kept["clause"] == "攀枝花 第十条；A-CHRONIC-OVERFLOW-RATIO"  # the 两病 ratio's article and the reading
    assert "50%" in kept["detail"] and "60%" in kept["detail"]


def test_jilin_a_visit_after_the_chronic_cap_records_the_ordinary_ratio():
    # Reviewer A's A1/A2 (吉林, M00500 门诊慢性病, in service, 二级):
    # A1 7500.00: deductible 200 (二（三）, shared with ordinary); (7500 − 200) × 70% = 5110 > cap 5000 →
    #    chronic 5000.00; it covers 5000 / 70% = 7142.857… → 7142.86; the other 7300 − 7142.86 = 157.14 to
    #    ordinary pooling (六（三）): deductible met, 157.14 × 55% = 86.427 → 86.43; total 5086.43. Paid in part
    #    by the chronic benefit → 70% (A-CHRONIC-OVERFLOW-RATIO).
    # A2 1000.00: chronic cap used up → 0.00; 1000 × 55% = 550.00 under 二（二）: 0.5500.
    a1, a2 = _settle("jilin", "M00500", [("A1", "2023-03-01", "7500.00"), ("A2", "2023-04-01", "1000.00")])
    assert (a1.chronic_pay, a1.ordinary_pay, a1.hifp_pay, a1.pool_prop_selfpay) == (
        D("5000.00"), D("86.43"), D("5086.43"), D("0.70"))
    assert _steps(a1)["结算支付比例"]["clause"] == "吉林 二(三)；A-CHRONIC-OVERFLOW-RATIO"
    assert (a2.chronic_pay, a2.ordinary_pay, a2.act_pay_dedc, a2.pool_prop_selfpay) == (
        D("0.00"), D("550.00"), D("0.00"), D("0.55"))
    assert _steps(a2)["结算支付比例"]["clause"] == "吉林 二（二）；A-CHRONIC-OVERFLOW-RATIO"


def test_where_nothing_goes_on_to_ordinary_pooling_the_chronic_ratio_stays():
    # 南昌 nanchang-example provides no transfer (A-NC-CHRONIC-OVERFLOW, the region's false): after the M03900 cap 4000 is used up
    # (S1 5000.00: no deductible, 5000 × 85% = 4250 > 4000 → 4000.00), S2 1000.00 pays 0.00 and no ordinary
    # ratio is applied: 0.8500 as before.
    _, s2 = _settle("nanchang", "M03900", [("S1", "2023-03-01", "5000.00"), ("S2", "2023-04-01", "1000.00")])
    assert (s2.chronic_pay, s2.ordinary_pay, s2.pool_prop_selfpay) == (D("0.00"), D("0.00"), D("0.85"))
    # 攀枝花 without an account (has_account false): the part beyond the cap would go to ordinary pooling,
    # which 第七条 withholds (A-PZH-NO-ACCOUNT-CHRONIC): no ordinary ratio applied, 50% as before.
    _, j2 = _settle("panzhihua", "M03900", [("J1", "2023-03-01", "600.00"), ("J2", "2023-04-01", "500.00")],
                    {"has_account": False})
    assert (j2.chronic_pay, j2.ordinary_pay, j2.pool_prop_selfpay) == (D("0.00"), D("0.00"), D("0.50"))
