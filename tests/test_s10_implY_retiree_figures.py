"""A region's own retiree deductible and cap where the text leaves them open (s10 rtext D1).

吉林 二（二）“起付标准……最高不超过300元，具体标准由各统筹区确定……统筹基金年度最高支付限额不超过2000元，具体标准由各
统筹区确定” and 浙江 二（一）“合理确定职工医保门诊起付标准、最高支付限额……待遇支付适当向退休人员倾斜” set ceilings (吉林) or
nothing (浙江's cap) and neither gives nor forbids a separate retiree figure. A region with 在职300/退休200 was refused
and its right system failed on every retiree visit reaching the deductible: now `ordinary.deductible.retiree` /
`ordinary.cap.retiree` (吉林, under the same ceilings) and `ordinary.cap.retiree` (浙江) are optional region figures;
one figure stays the default for both person types (A-JL-RETIREE-DEDUCTIBLE, A-ZJ-RETIREE-CAP). 浙江's retiree
deductible stays exactly half (“退休人员起付线减半执行”). Figures are worked by hand below, from the articles.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.audit.params import params_rows
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import PolicyError, bind, check_region

D = Decimal


def settle(policy: str, visits: list[dict], psn_type: str, params: dict | None = None):
    case = parse_case({"policy": policy, "person": {"psn_no": "P1", "psn_type": psn_type}, "settlements": visits})
    ledger = PersonLedger(bind(policy, f"{policy}-example", params), case.person)
    return [ledger.settle(s) for s in case.items]


def visit(sid: str, date: str, amount: str, facility: str = "tertiary") -> dict:
    return {"id": sid, "date": date, "med_type": "11", "facility": facility, "medfee_sumamt": amount}


def steps(result) -> dict[str, str]:
    return {s["step"]: s["clause"] for s in result.trace.render()}


# 吉林 a region with 在职 300 / 退休 200 (the reviewer's jl3 case), cap 2000 for both.
JL_SPLIT = {"ordinary.deductible": "300", "ordinary.deductible.retiree": "200", "ordinary.cap": "2000"}


@pytest.mark.parametrize("psn_type, dedc, pay", [
    # 二级 1000.00, retiree: (1000 − 200) × (55% + 5% jilin-example tilt) = 800 × 60% = 480.00
    ("1201", "200.00", "480.00"),
    # in service: (1000 − 300) × 55% = 385.00
    ("1101", "300.00", "385.00"),
])
def test_jilin_a_retiree_deductible_of_the_regions_own(psn_type, dedc, pay):
    (r,) = settle("jilin", [visit("V1", "2023-03-01", "1000.00", "secondary")], psn_type, JL_SPLIT)
    assert (r.act_pay_dedc, r.hifp_pay) == (D(dedc), D(pay))
    # the region's own figure is the article's, not the one-figure reading
    assert steps(r)["起付线"] == "吉林 二（二）"


def test_jilin_a_retiree_cap_of_the_regions_own():
    # jilin-example: deductible 200 for both; cap 1500 in service, 1800 (the region's own) for retirees.
    # retiree 三级: 50% + 5 points (jilin-example inpatient.retiree_ratio_bonus) = 55%:
    # V1 3000.00: (3000 − 200) × 55% = 1540.00 ≤ 1800 → 1540.00 (in service it would be cut to 1500)
    # V2 1000.00: 1000 × 55% = 550.00, 1800 − 1540 = 260.00 left → 260.00
    params = {"ordinary.cap.retiree": "1800"}
    r1, r2 = settle("jilin", [visit("V1", "2023-03-01", "3000.00"), visit("V2", "2023-03-05", "1000.00")], "1201",
                    params)
    assert (r1.hifp_pay, r2.hifp_pay) == (D("1540.00"), D("260.00"))
    assert steps(r2)["年度最高支付限额"] == "吉林 二（二）"
    # in service, the same visit: (3000 − 200) × 50% = 1400.00 ≤ 1500 → 1400.00; V2 1000 × 50% = 500, 100 left → 100.00
    i1, i2 = settle("jilin", [visit("V1", "2023-03-01", "3000.00"), visit("V2", "2023-03-05", "1000.00")], "1101",
                    params)
    assert (i1.hifp_pay, i2.hifp_pay) == (D("1400.00"), D("100.00"))


def test_jilin_one_figure_stays_the_default_and_cites_the_reading():
    # no retiree figure: the retiree takes the 200 of jilin-example by A-JL-RETIREE-DEDUCTIBLE
    # 三级: (1000 − 200) × 55% = 440.00
    (r,) = settle("jilin", [visit("V1", "2023-03-01", "1000.00")], "1201")
    assert (r.act_pay_dedc, r.hifp_pay) == (D("200.00"), D("440.00"))
    assert steps(r)["起付线"] == "吉林 二（二）；A-JL-RETIREE-DEDUCTIBLE"


@pytest.mark.parametrize("key, value, ceiling", [
    ("ordinary.deductible.retiree", "300.01", "300"),   # 二（二）最高不超过300元
    ("ordinary.cap.retiree", "2000.01", "2000"),        # 二（二）年度最高支付限额不超过2000元
])
def test_jilin_a_retiree_figure_keeps_the_ceiling(key, value, ceiling):
    with pytest.raises(PolicyError, match=rf"{key} = {value} exceeds the ceiling {ceiling}\.00 \(吉林 二（二）"):
        bind("jilin", "jilin-example", {key: value})
    bind("jilin", "jilin-example", {key: ceiling})  # the ceiling itself is allowed


def test_jilin_an_in_service_key_is_still_not_a_separate_value():
    """The in-service figure is ordinary.deductible itself: a second key for it could disagree with it."""
    with pytest.raises(PolicyError, match=r"ordinary\.deductible\.in_service.*set ordinary\.deductible"):
        bind("jilin", "jilin-example", {"ordinary.deductible.in_service": "250"})


def test_zhejiang_a_retiree_cap_of_the_citys_own():
    # zhejiang-example: in-service deductible 600, retiree half = 300 (二（一）减半); 三级 50% + 5 points = 55%;
    # cap 2000. Retiree 三级 5000.00: (5000 − 300) × 55% = 2585.00; under the city's one cap → 2000.00;
    # with a retiree cap of 3000 of the city's own → 2585.00.
    (one,) = settle("zhejiang", [visit("V1", "2023-03-01", "5000.00")], "1201")
    assert one.hifp_pay == D("2000.00") and "A-ZJ-RETIREE-CAP" in steps(one)["年度最高支付限额"]
    (own,) = settle("zhejiang", [visit("V1", "2023-03-01", "5000.00")], "1201", {"ordinary.cap.retiree": "3000"})
    assert (own.act_pay_dedc, own.hifp_pay) == (D("300.00"), D("2585.00"))
    # in service under that city: (5000 − 600) × 50% = 2200.00 → the cap 2000.00
    (ins,) = settle("zhejiang", [visit("V1", "2023-03-01", "5000.00")], "1101", {"ordinary.cap.retiree": "3000"})
    assert ins.hifp_pay == D("2000.00")


def test_zhejiang_the_retiree_deductible_stays_exactly_half():
    # 二（一）退休人员起付线减半执行: 600 / 2 = 300, so 250 is refused, and a retiree cap does not change it
    with pytest.raises(PolicyError, match="is not half of ordinary.deductible.in_service"):
        bind("zhejiang", "zhejiang-example", {"ordinary.cap.retiree": "3000", "ordinary.deductible.retiree": "250"})


def test_a_region_file_with_retiree_figures_checks_clean(tmp_path):
    path = tmp_path / "jl-split.yaml"
    path.write_text('name: jl-split\npolicy: jilin\nvalues:\n'
                    + "".join(f'  {k}: "{v}"\n' for k, v in {**JL_SPLIT, "ordinary.cap.retiree": "1800"}.items()),
                    encoding="utf-8")
    check = check_region(str(path))
    assert check.ok, check.errors
    assert "ordinary.deductible.retiree" not in check.missing_optional + check.missing_required


def test_the_audit_plan_reads_the_retiree_figures():
    """The plan's parameter rows (conform/audit/params.py) hold each person type's own figures, in fen."""
    rules = bind("jilin", "jilin-example", {**JL_SPLIT, "ordinary.cap.retiree": "1800"})
    rows = {(r["role"], r["facility"]): r for r in params_rows(rules)}
    assert (rows["retiree", "secondary"]["dedc"], rows["retiree", "secondary"]["cap"]) == (20000, 180000)
    assert (rows["in_service", "secondary"]["dedc"], rows["in_service", "secondary"]["cap"]) == (30000, 200000)
