"""A disease's chronic ratio of each person type's own where the text leaves it open (s10 rtext D4).

攀枝花 第十条 “门诊慢特病保障按现行政策执行” (第九条 likewise for “两病”) defers the whole benefit; 南昌 四（二）2 gives
only ranges (“统筹基金支付比例为80%-98%”). Neither says a disease's ratio is one for 在职 and 退休, yet only
`chronic.<disease>.ratio` could be written: a region whose 现行政策 pays retirees more was refused or failed on one
group. Now `chronic.<disease>.ratio.{in_service,retiree}` are optional region figures (南昌's 80–98 % bound applies
to each), the per-disease figure staying the default for both. Figures worked by hand from the articles.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import PolicyError, bind, check_region

D = Decimal


def chronic(policy: str, params: dict, psn_type: str, code: str, kind: str, facility: str, amount: str):
    case = parse_case({"policy": policy,
                       "person": {"psn_no": "P1", "psn_type": psn_type,
                                  "chronic_diseases": [{"dise_codg": code, "kind": kind}]},
                       "settlements": [{"id": "V1", "date": "2023-03-01", "med_type": "14", "dise_codg": code,
                                        "facility": facility, "medfee_sumamt": amount}]})
    return PersonLedger(bind(policy, f"{policy}-example", params), case.person).settle(case.items[0])


def clause(result, step: str) -> str:
    return next(s["clause"] for s in result.trace.render() if s["step"] == step)


@pytest.mark.parametrize("psn_type, pay", [
    # nanchang-example M03900: 零起付线, ratio 85 %, cap 4000; the region's retiree ratio 95 %:
    # retiree 1000.00 × 95% = 950.00; in service 1000.00 × 85% = 850.00 (the disease's one figure)
    ("1201", "950.00"),
    ("1101", "850.00"),
])
def test_nanchang_a_diseases_retiree_ratio(psn_type, pay):
    r = chronic("nanchang", {"chronic.M03900.ratio.retiree": "0.95"}, psn_type, "M03900", "chronic", "tertiary",
                "1000.00")
    assert (r.act_pay_dedc, r.hifp_pay) == (D("0.00"), D(pay))
    assert clause(r, "慢特病支付") == "南昌 四（二）2"


@pytest.mark.parametrize("key, value, word", [
    ("chronic.M03900.ratio.retiree", "0.99", "exceeds the ceiling 98%"),     # 四（二）2 80%-98%
    ("chronic.M03900.ratio.in_service", "0.79", "is below the floor 80%"),
])
def test_nanchang_each_person_types_ratio_keeps_the_range(key, value, word):
    with pytest.raises(PolicyError, match=rf"{key} = {value[2:]}% {word} \(南昌 四（二）2"):
        bind("nanchang", "nanchang-example", {key: value})


@pytest.mark.parametrize("params, psn_type, code, kind, amount, pay, cite", [
    # panzhihua-example M00500 (门诊慢特病): deductible 300, ratio 80 %, cap 4000; retirees 90 % of the region's own:
    # retiree 二级 1300.00: (1300 − 300) × 90% = 900.00; in service (1300 − 300) × 80% = 800.00
    ({"chronic.M00500.ratio.retiree": "0.90"}, "1201", "M00500", "chronic", "1300.00", "900.00", "攀枝花 第十条"),
    ({"chronic.M00500.ratio.retiree": "0.90"}, "1101", "M00500", "chronic", "1300.00", "800.00", "攀枝花 第十条"),
    # M03900 (“两病”): deductible 0, ratio 50 %, cap 300; in-service staff 55 % of the region's own:
    # in service 400.00 × 55% = 220.00 ≤ 300; retiree 400.00 × 50% = 200.00 — cited to 第九条, the 两病 article
    ({"chronic.M03900.ratio.in_service": "0.55"}, "1101", "M03900", "two_disease", "400.00", "220.00", "攀枝花 第九条"),
    ({"chronic.M03900.ratio.in_service": "0.55"}, "1201", "M03900", "two_disease", "400.00", "200.00", "攀枝花 第九条"),
])
def test_panzhihua_a_diseases_ratio_per_person_type(params, psn_type, code, kind, amount, pay, cite):
    r = chronic("panzhihua", params, psn_type, code, kind, "secondary", amount)
    assert r.hifp_pay == D(pay)
    assert clause(r, "慢特病支付") == cite


def test_a_region_file_with_person_type_ratios_checks_clean(tmp_path):
    path = tmp_path / "nc-roles.yaml"
    # (南昌 四（四）'s pharmacy ratio and 四（二）2's transfer past a cap are the region's too: A-NC-PHARMACY, A-NC-CHRONIC-OVERFLOW)
    path.write_text("name: nc-roles\npolicy: nanchang\nvalues:\n  account.retiree.average_pension: \"2987.50\"\n"
                    "  ordinary.ratio.in_service.pharmacy: \"0.58\"\n  chronic.overflow_to_ordinary: \"false\"\n"
                    "  chronic.M03900.ratio: \"0.85\"\n  chronic.M03900.ratio.retiree: \"0.95\"\n"
                    "  chronic.M03900.cap: \"4000\"\n", encoding="utf-8")
    check = check_region(str(path))
    assert check.ok, check.errors
    assert check.missing_required == ()
    assert "chronic.M03900.ratio.in_service" in check.missing_optional


def test_jilin_names_no_per_disease_ratio():
    """吉林 二（三）sets the region's band (“由统筹区选择确定”), not one per disease: that key stays refused."""
    with pytest.raises(PolicyError, match="chronic.M00100.ratio.retiree is not a value 吉林 leaves to a region"):
        bind("jilin", "jilin-example", {"chronic.M00100.ratio.retiree": "0.60"})
