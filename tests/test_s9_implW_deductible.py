"""The deductible property names the settlement where the system first counts otherwise, with the reference's figure
(rvendor8 D7 outside the identities).

Its checks add up the system's own act_pay_dedc: "起付线尚未用完，统筹基金已经支付" compared a payment with that sum, so a
deductible under-reported on V1 made V2's right payment "应为 0.00" — an amount worked from the wrong V1. Now the
first settlement whose deductible the reference gives otherwise is named with the reference's figure, and a later one
only where the reference pays it otherwise too; without a reference figure the rule is stated, with no amount.

Figures by hand from 南昌 四（二）1: "普通门诊统筹的起付线为600元；…三级50%；最高支付限额1800元" (在职).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conform.harness.generators import PersonYear, Setting
from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation
from conform.harness.properties.runner import Budget, _reported
from conform.harness.report.causes import _expected_figure
from conform.harness.results import CheckResult
from conform.reference.case import Person, Settlement
from told_answers import Answers, found as _found

NC = Setting("nanchang", "nanchang-example")
PERSON = Person("D1", "1101", birth_date=dt.date(1980, 5, 1))


def _visit(sid: str, day: dt.date, amount: str) -> Settlement:
    return Settlement(sid, day, "11", "tertiary", Decimal(amount))


def _fail(adapter, *visits: Settlement) -> tuple[PropertyViolation, CheckResult]:
    load()
    prop = PROPERTIES["deductible"]
    with pytest.raises(PropertyViolation) as e:
        prop.check(Context(adapter, "nanchang", prop), PersonYear(NC, PERSON, visits))
    ch = CheckResult(nodeid="p::deductible[nanchang]", kind="property", name=prop.title, policy="nanchang")
    _reported(e.value, prop, "nanchang", Budget(600.0), ch)
    return e.value, ch


# V1 2023-03-01 三级 400.00: 起付线 min(400, 600) = 400.00, the fund pays 0.00 (nothing above the deductible).
# V2 2023-04-01 三级 1000.00: 起付线 min(1000, 600 − 400 = 200) = 200.00, (1000 − 200) × 50% = 400.00.
V1 = _visit("V1", dt.date(2023, 3, 1), "400.00")
V2 = _visit("V2", dt.date(2023, 4, 1), "1000.00")


def test_a_deductible_under_reported_on_v1_is_named_not_v2s_right_payment():
    # The system answers V1's act_pay_dedc 200.00 (it counted 400.00) and V2 right (200.00, 400.00): its deductibles
    # add up to 200 + 200 = 400 < 600 when V2 is paid. Worked from that sum, V2's right 400.00 would be "应为 0.00".
    e, ch = _fail(Answers({("V1", "act_pay_dedc"): "200.00"}), V1, V2)
    assert _found(e) == [("act_pay_dedc", "400.00", "200.00", "V1")], _found(e)
    assert "V2 的统筹基金支付与参考实现相同" in e.headline, e.headline
    assert e.departure == "V1"
    assert ch.failed_articles == ["nanchang-4.2.1"], ch.failed_articles
    assert "应为 0.00" not in ch.message, ch.message


def test_a_later_payment_the_reference_makes_otherwise_is_named_too_with_the_references_figure():
    # The same V1, and V2 paid 500.00 (its 200.00 deductible right): V1 first, then V2's payment against the
    # reference's 400.00 — never against "0.00".
    e, _ = _fail(Answers({("V1", "act_pay_dedc"): "200.00", ("V2", "hifp_pay"): "500.00"}), V1, V2)
    assert _found(e) == [("act_pay_dedc", "400.00", "200.00", "V1"), ("hifp_pay", "400.00", "500.00", "V2")], _found(e)
    assert e.departure == "V1"


def test_a_visit_skipping_its_own_deductible_is_named_with_both_reference_figures():
    # V1 alone, 三级 1000.00: 起付线 600.00, (1000 − 600) × 50% = 200.00. The system counts none and pays
    # 1000 × 50% = 500.00 at once.
    e, _ = _fail(Answers({("V1", "act_pay_dedc"): "0.00", ("V1", "hifp_pay"): "500.00"}),
                 _visit("V1", dt.date(2023, 3, 1), "1000.00"))
    assert _found(e) == [("act_pay_dedc", "600.00", "0.00", "V1"), ("hifp_pay", "200.00", "500.00", "V1")], _found(e)


def test_without_a_reference_figure_the_rule_is_stated_without_an_amount(monkeypatch):
    from conform.harness.properties import settlement

    monkeypatch.setattr(settlement.Oracle, "figure", lambda self, item, f: None)
    e, _ = _fail(Answers({("V1", "act_pay_dedc"): "200.00"}), V1, V2)
    [m] = e.mismatches
    assert (m.field, m.actual, m.item) == ("hifp_pay", "400.00", "V2")
    assert _expected_figure(m.expected) is None, m.expected
    assert "起付线用完之前统筹基金不支付" in m.expected and "400.00" in m.expected, m.expected


def test_a_deductible_over_reported_past_the_standard_is_named_where_it_departs():
    # V1 三级 500.00: 起付线 500.00, paid 0.00; V2 三级 500.00: 起付线 min(500, 600 − 500) = 100.00,
    # (500 − 100) × 50% = 200.00. The system answers V2's deductible 500.00 (its own scope, so no bound on the visit
    # catches it): 500 + 500 = 1000 > 600, and it is V2's deductible that the reference counts otherwise.
    e, _ = _fail(Answers({("V2", "act_pay_dedc"): "500.00"}),
                 _visit("V1", dt.date(2023, 3, 1), "500.00"), _visit("V2", dt.date(2023, 4, 1), "500.00"))
    assert _found(e) == [("act_pay_dedc", "100.00", "500.00", "V2")], _found(e)


def test_a_year_total_off_from_right_settlements_names_the_total_with_the_references_figure():
    # V1 and V2 answered right (400.00 + 200.00 = 600.00), the year's total answered 500.00: the reference's 600.00
    e, _ = _fail(Answers({(2023, "ordinary_dedc"): "500.00"}), V1, V2)
    assert _found(e) == [("ordinary_dedc", "600.00", "500.00", "2023年度累计")], _found(e)


def test_a_right_year_total_beside_a_wrong_settlement_names_the_settlement():
    # V1 alone, answered 300.00 (it counted 400.00, paid 0.00), the total right at 400.00: the sum of the answers,
    # 300.00, is not the total; the reference names V1, not the right total "应为 300.00".
    e, _ = _fail(Answers({("V1", "act_pay_dedc"): "300.00"}), V1)
    assert _found(e) == [("act_pay_dedc", "400.00", "300.00", "V1")], _found(e)
    assert "各次结算的本次起付线之和不符" in e.headline, e.headline
