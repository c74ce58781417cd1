"""A credit's working names the readings it rests on, as a settlement's does (probe s25 Z2, Z3).

- A flexible worker (1103, 1203) is credited as 在职职工 or 退休人员 by a reading, A-PERSON-TYPES: 北京（三）and 南昌
  四（三）1 credit only those two. 攀枝花 第四条 names 灵活就业人员 itself: no reading there.
- 攀枝花's 一档 2% credit (第四条（一）) is rounded to the fen half up by A-ACCOUNT-MONTH (the text's only rounding,
  以“元”为单位四舍五入, is （二）'s, for retirees): 4321.25 × 2% = 86.425 → 86.43, and the step says so.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.reference.account import credit_month
from conform.reference.case import CreditRequest, parse_person
from conform.reference.engine import rules_for


def _step(policy: str, person: dict, req: CreditRequest, params: dict | None = None) -> dict:
    rules = rules_for(policy, f"{policy}-example", params or {})
    credit = credit_month(rules, parse_person(person, "s25"), req)
    return {"amount": credit.amount, "step": credit.trace.render()[-1]}


@pytest.mark.parametrize("policy, psn_type, req", [
    ("beijing", "1103", CreditRequest("2023-03", base=Decimal("5000.00"))),    # 5000.00 × 2% = 100.00
    ("nanchang", "1103", CreditRequest("2023-03", base=Decimal("5000.00"))),
    ("nanchang", "1203", CreditRequest("2023-03")),
])
def test_a_flexible_workers_credit_rests_on_the_person_type_reading(policy, psn_type, req):
    got = _step(policy, {"psn_no": "F", "psn_type": psn_type, "birth_date": "1960-05-05"}, req)
    assert "A-PERSON-TYPES" in got["step"]["clause"]


@pytest.mark.parametrize("policy, psn_type, req", [
    ("beijing", "1101", CreditRequest("2023-03", base=Decimal("5000.00"))),
    ("nanchang", "1201", CreditRequest("2023-03")),
    ("panzhihua", "1103", CreditRequest("2023-03", base=Decimal("5000.00"))),   # 第四条 names 灵活就业人员
])
def test_an_employee_or_a_flexible_worker_the_text_names_needs_no_such_reading(policy, psn_type, req):
    person = {"psn_no": "E", "psn_type": psn_type, "birth_date": "1960-05-05"}
    if policy == "panzhihua":
        person["flex_tier"] = 1
    assert "A-PERSON-TYPES" not in _step(policy, person, req)["step"]["clause"]


def test_panzhihua_tier1_credit_rounded_to_the_fen_names_the_rounding_reading():
    got = _step("panzhihua", {"psn_no": "P", "psn_type": "1103", "flex_tier": 1},
                CreditRequest("2023-03", base=Decimal("4321.25")))
    assert got["amount"] == Decimal("86.43")   # 4321.25 × 2% = 86.425 → 86.43 (half up, not 86.42)
    assert "A-ACCOUNT-MONTH" in got["step"]["clause"] and "四舍五入到分" in got["step"]["detail"]


def test_panzhihua_tier1_credit_with_no_rounding_names_none():
    got = _step("panzhihua", {"psn_no": "P", "psn_type": "1103", "flex_tier": 1},
                CreditRequest("2023-03", base=Decimal("5000.00")))
    assert got["amount"] == Decimal("100.00")   # 5000.00 × 2% = 100.00 exactly
    assert "A-ACCOUNT-MONTH" not in got["step"]["clause"]


@pytest.mark.parametrize("policy, psn_type, req, amount, rounded", [
    # 北京（三）在职 2%: 6000.00 × 2% = 120.00 exactly; 4321.25 × 2% = 86.425 → 86.43
    ("beijing", "1101", CreditRequest("2023-03", base=Decimal("6000.00")), "120.00", False),
    ("beijing", "1101", CreditRequest("2023-03", base=Decimal("4321.25")), "86.43", True),
])
def test_a_rate_credit_cites_the_rounding_reading_only_where_it_rounded(policy, psn_type, req, amount, rounded):
    """A wrong rate is a breach of the article's written rate, not of the rounding reading (probe s25 Z3 F1)."""
    got = _step(policy, {"psn_no": "E", "psn_type": psn_type}, req)
    assert got["amount"] == Decimal(amount)
    assert ("A-ACCOUNT-MONTH" in got["step"]["clause"]) is rounded
    assert ("四舍五入到分" in got["step"]["detail"]) is rounded


@pytest.mark.parametrize("average, amount, rounded", [
    ("3000.00", "75.00", False),   # 南昌 四（三）1 退休 2.5%: 3000.00 × 2.5% = 75.00 exactly
    ("2987.50", "74.69", True),    # 2987.50 × 2.5% = 74.6875 → 74.69
])
def test_nanchang_retiree_credit_names_the_rounding_reading_only_where_it_rounded(average, amount, rounded):
    got = _step("nanchang", {"psn_no": "R", "psn_type": "1201"}, CreditRequest("2023-03"),
                {"account.retiree.average_pension": average})
    assert got["amount"] == Decimal(amount)
    assert ("A-ACCOUNT-MONTH" in got["step"]["clause"]) is rounded


def test_a_credit_rounded_to_the_yuan_rests_on_the_rounding_reading_however_many_fen_off():
    """北京（三）2%: 5432.25 × 2% = 108.645 → 108.65 (A-ACCOUNT-MONTH); a system rounding to the yuan answers 109.00, 0.35
    off — a rounding the texts leave open, as a 0.01-off one is (probe s25 ZR R3); 2% taken as 1.5% (81.48) is not."""
    from conform.harness.report.causes import blame

    step = _step("beijing", {"psn_no": "E", "psn_type": "1101"}, CreditRequest("2023-03", base=Decimal("5432.25")))
    trace = [step["step"]]
    assert step["amount"] == Decimal("108.65")

    def blamed(actual: str) -> tuple[list[str], list[str]]:
        m = {"field": "amount", "expected": "108.65", "actual": actual, "item": "2023-03", "label": "个人账户计入"}
        return blame([m], {"": trace}, "beijing")

    assert blamed("109.00") == (["beijing-3"], ["A-ACCOUNT-MONTH"])
    assert blamed("108.64") == (["beijing-3"], ["A-ACCOUNT-MONTH"])
    assert blamed("81.48") == (["beijing-3"], [])   # 5432.25 × 1.5% = 81.48375: a wrong rate, the article's
