"""The blame of a rounding reads what the reference's trace records, not what its steps are called.

A step that rounds its figure records `rounded` (whether rounding changed it), `rounding_unit` ("0.01" the fen,
"1" the yuan) and, where its figure is the rounding of an exact figure, `rounded_from` (that figure, unrounded).
conform.harness.report.causes decided both roundings it knows by two tables of step names: 攀枝花's retiree
credit (退休人员定额 rounds 平均养老金 × 比例 to the yuan) and the steps rounding a payment to the fen (支付比例,
慢特病支付, 住院比例和限额). A step renamed in the engine then silently lost its blame. A results.json written
before these keys still gives the blame it gave.

Figures worked by hand from the texts:
- 攀枝花 第四条（二）: 退休人员……个人账户按……2022年度基本养老金平均水平的2%定额计入(以“元”为单位四舍五入);
  第十二条: 人力资源社会保障部门负责提供2022年度攀枝花市职工退休人员月平均养老金数据 (the example region
  panzhihua-example supplies 2825.00, fictitious; other averages are given as parameters here).
- 攀枝花 第四条（一）: 以职工医保“一档”缴费标准参保的灵活就业人员，按缴费基数2%计入本人个人账户.
- 南昌 四（三）1: 在职参保人员……计入标准为本人参保缴费基数的2%.
- 攀枝花 第七条 (起付线200元, 二级及以下60%) and 第十一条 (超过慢特病限额的部分转入普通门诊统筹), with the
  feature's example disease M001 (起付线 100, 80%, 限额 800): the split visit of test_s6_implE_blame_readings.
"""
from __future__ import annotations

from decimal import Decimal

from test_s6_implE_blame_readings import SPLIT_MISMATCHES, nc_pharmacy, pzh_split

from conform.harness.report.causes import _step, blame
from conform.reference.account import credit_month
from conform.reference.case import CreditRequest, parse_person
from conform.reference.engine import rules_for
from conform.reference.trace import Trace

KEYS = ("rounded", "rounding_unit", "rounded_from")


def _credit(policy: str, region: str, params: dict, person: dict, req: CreditRequest) -> list[dict]:
    rules = rules_for(policy, region, params)
    return credit_month(rules, parse_person(person, "implK"), req).trace.render()


def _retiree(average: str) -> list[dict]:
    return _credit("panzhihua", "panzhihua-example", {"account.retiree.average_pension": average},
                   {"psn_no": "R", "psn_type": "1201"}, CreditRequest("2023-03"))


def _wrong(actual: str, expected: str = "57.00") -> list[dict]:
    return [{"field": "amount", "expected": expected, "actual": actual, "item": "2023-03", "label": "个人账户计入"}]


# ------------------------------------------------------------------------------------------------- the trace

def test_the_retiree_credits_rounding_step_records_its_unit_and_the_exact_product():
    # 2825.00 × 2% = 56.5 → 以“元”为单位四舍五入 57: rounded, to the yuan, from 56.5
    product, rounding = _retiree("2825.00")
    assert (rounding["value"], rounding["rounded"], rounding["rounding_unit"], rounding["rounded_from"]) == (
        "57.00", True, "1", "56.5")
    assert not any(k in product for k in KEYS)  # the product step rounds nothing
    # 2824.99 × 2% = 56.4998 → 56: the source is the exact product, not the product held to the fen (56.50)
    _, rounding = _retiree("2824.99")
    assert (rounding["value"], rounding["rounded_from"]) == ("56.00", "56.4998")
    # 2850.00 × 2% = 57 exactly: a rounding step that changed nothing
    _, rounding = _retiree("2850.00")
    assert (rounding["rounded"], rounding["rounding_unit"], rounding["rounded_from"]) == (False, "1", "57")


def test_the_credits_rounded_to_the_fen_record_the_fen_and_their_product():
    # 南昌 四（三）1 在职: 5000.55 × 2% = 100.011 → 100.01 (rounded to the fen, A-ACCOUNT-MONTH)
    [step] = _credit("nanchang", None, {}, {"psn_no": "N", "psn_type": "1101"},
                     CreditRequest("2023-03", base=Decimal("5000.55")))
    assert (step["value"], step["rounded"], step["rounding_unit"], step["rounded_from"]) == (
        "100.01", True, "0.01", "100.011")
    # 攀枝花 第四条（一） 一档灵活就业: 3333.33 × 2% = 66.6666 → 66.67
    [step] = _credit("panzhihua", "panzhihua-example", {}, {"psn_no": "F", "psn_type": "1103", "flex_tier": 1},
                     CreditRequest("2023-03", base=Decimal("3333.33")))
    assert (step["value"], step["rounded"], step["rounding_unit"], step["rounded_from"]) == (
        "66.67", True, "0.01", "66.6666")


def test_a_payment_rounded_to_the_fen_records_the_fen():
    # 南昌 在职 药店 836.17: (836.17 − 600.00) × 50% = 118.085 → 118.09, rounded to the fen; the ratio step is
    # given no exact figure by the engine yet, so it names none
    [ratio] = [t for t in nc_pharmacy() if "rounded" in t]
    assert (ratio["value"], ratio["rounded"], ratio["rounding_unit"]) == ("118.09", True, "0.01")
    assert "rounded_from" not in ratio


def test_a_trace_extended_keeps_each_steps_rounding_where_it_landed():
    first, second = Trace(), Trace()
    first.add("甲", "", (), "x", Decimal("1.00"))
    second.add("乙", "", (), "x", Decimal("57.00"), True, unit=Decimal("1"), rounded_from=Decimal("56.50"))
    first.extend(second)
    plain, rounding = first.render()
    assert not any(k in plain for k in KEYS)
    assert (rounding["rounding_unit"], rounding["rounded_from"]) == ("1", "56.5")


# ------------------------------------------------------------------------------------------------- the blame

def _renamed(trace: list[dict], names: dict[str, str]) -> list[dict]:
    return [{**t, "step": names.get(t["step"], t["step"])} for t in trace]


def test_the_credits_rounding_is_told_from_the_product_by_the_recorded_facts_whatever_the_names():
    # the two steps renamed: the rounding step still says it computes the credit (定额), the product step says
    # nothing the tables knew. 2825.00 × 2% = 56.5 → 57.00
    trace = _renamed(_retiree("2825.00"), {"平均养老金 × 比例": "养老金乘积", "退休人员定额": "按元取整的定额"})
    # 56.50: the product kept to the fen, 56.00: rounded down; both within a yuan of 56.5 and whole fen / yuan:
    # the rounding to the yuan (第四条) alone
    assert blame(_wrong("56.50"), {"2023-03": trace}, "panzhihua") == (["panzhihua-4"], [])
    assert blame(_wrong("56.00"), {"2023-03": trace}, "panzhihua") == (["panzhihua-4"], [])
    # 60.00 (3000.00 × 2%), 56.37 (2818.50 × 2%): no rounding of 56.5: the product's, 第四条；第十二条
    assert blame(_wrong("60.00"), {"2023-03": trace}, "panzhihua") == (["panzhihua-4", "panzhihua-12"], [])
    assert blame(_wrong("56.37"), {"2023-03": trace}, "panzhihua") == (["panzhihua-4", "panzhihua-12"], [])
    assert _step(_wrong("60.00")[0], trace)[0] == "养老金乘积"


def test_the_source_is_the_recorded_figure_not_the_step_before():
    # 2850.00 × 2% = 57 exactly. A step before it showing 57.00 is the product; 57.50 is neither 57 to the fen nor a
    # whole yuan: the product's. Where the step before shows another figure (a hand-made trace, its step called as
    # the product step is but showing 3.00), nothing computes the recorded 57 but the rounding step itself: the
    # blame stays there (by the name, 57.50 was no rounding of 3.00 and went to that step's 第十二条 alone)
    trace = _retiree("2850.00")
    assert blame(_wrong("57.50"), {"2023-03": trace}, "panzhihua") == (["panzhihua-4", "panzhihua-12"], [])
    alone = [{"step": "平均养老金 × 比例", "clause": "攀枝花 第十二条", "value": "3.00"}, trace[1]]
    assert blame(_wrong("57.50"), {"2023-03": alone}, "panzhihua") == (["panzhihua-4"], [])


def test_a_ratio_step_renamed_still_carries_the_splits_rounding():
    # V2 1000.00 after V1 1049.53 (M001): chronic pays the 40.38 left; covered 40.38 / 80% = 50.475 → 50.48;
    # ordinary (949.52 − 200) × 60% = 449.712 → 449.71. A system rounding 50.475 down answers 449.72: the fen may
    # have begun only at the split (第十一条；A-PZH-OVERFLOW-SPLIT): no usual rounding of 449.712 gives 449.72 (probe
    # s22 E, F2). The ratio step renamed: it rounds to the fen by what it records, so the split is still found
    trace = _renamed(pzh_split(), {"支付比例": "按比例支付", "转入普通门诊统筹": "超限部分转普通统筹"})
    assert _step(SPLIT_MISMATCHES[0], trace) == (
        "超限部分转普通统筹", "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT；A-ROUND-FEN")


def test_a_step_rounding_to_the_yuan_is_not_a_fen_rounding_carried_into_a_payment():
    # the split step made to say it rounded to the yuan: a fen off at the ordinary part is then the ratio step's
    # rounding alone (a yuan's rounding is not what moved a fen)
    trace = [{**t, "rounding_unit": "1"} if t["step"] == "转入普通门诊统筹" else t for t in pzh_split()]
    assert _step(SPLIT_MISMATCHES[0], trace) == ("支付比例", "攀枝花 第七条；A-ROUND-FEN")


# ------------------------------------------------------------------------------------------------- old results.json

def _old(trace: list[dict], drop: tuple[str, ...]) -> list[dict]:
    return [{k: v for k, v in t.items() if k not in drop} for t in trace]


def test_an_old_credit_trace_without_the_keys_gives_the_blame_it_gave():
    # written before the credit's steps recorded any rounding: by the legacy names, 56.50 is the rounding's,
    # 60.00 the product's
    trace = _old(_retiree("2825.00"), KEYS)
    assert blame(_wrong("56.50"), {"2023-03": trace}, "panzhihua") == (["panzhihua-4"], [])
    assert blame(_wrong("60.00"), {"2023-03": trace}, "panzhihua") == (["panzhihua-4", "panzhihua-12"], [])


def test_an_old_settlement_trace_with_rounded_alone_gives_the_blame_it_gave():
    # written when a step recorded `rounded` but no unit: a fen, as it was then
    trace = _old(pzh_split(), ("rounding_unit", "rounded_from"))
    assert _step(SPLIT_MISMATCHES[0], trace) == (
        "转入普通门诊统筹", "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT；A-ROUND-FEN")
    assert blame(SPLIT_MISMATCHES, {"V2": trace}, "panzhihua") == (
        ["panzhihua-11"], ["A-PZH-OVERFLOW-SPLIT", "A-ROUND-FEN"])
