"""settlement_ratio_bound works its bound from the system's own deductible: where the reference counts that deductible
otherwise, the deductible is named with the reference's figure, not a right payment against a bound worked from the
wrong deductible (rvendor8 D7).

Figures by hand from 南昌 四（二）1 (在职: 起付线600元, 三级50%, 限额1800元): V1 2023-03-01 三级 1000.00: 起付线
min(1000, 600) = 600.00, (1000 − 600) × 50% = 200.00.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.generators import PersonYear, Setting
from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation
from conform.reference.case import Person, Settlement

PY = PersonYear(Setting("nanchang", "nanchang-example"), Person("B1", "1101", birth_date=dt.date(1980, 5, 1)),
                (Settlement("V1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("1000.00")),))


class Answers(ReferenceAdapter):
    """The reference, its own ledger right, but some of V1's answered figures replaced."""

    def __init__(self, **told):
        super().__init__()
        self.told = told

    def settle(self, psn_no, settlement):
        return {**super().settle(psn_no, settlement), **self.told}


def _found(adapter) -> list[tuple[str, str, str, str]]:
    load()
    prop = PROPERTIES["settlement_ratio_bound"]
    with pytest.raises(PropertyViolation) as e:
        prop.check(Context(adapter, "nanchang", prop), PY)
    return [(m.field, m.expected, m.actual, m.item) for m in e.value.mismatches]


# the reference's 起付线 step: 600 − 0 = 600 left, min(1000, 600) = 600.00
DEDC_WORKED = "本年度起付线600.00元，此前已累计0.00元，尚余600.00元；本次计入起付线 min(1000.00, 600.00) = 600.00元"


def test_an_over_counted_deductible_is_named_not_the_right_payment():
    # act_pay_dedc answered 700.00 (≤ its scope 1000), the payment right at 200.00: the bound worked from 700.00 is
    # (1000 − 700) × 50% = 150.00, which the right 200.00 passes.
    # The reference's 600.00 comes with its working (s21 probeX item 2), ending on the figure.
    assert _found(Answers(act_pay_dedc="700.00")) == [("act_pay_dedc", DEDC_WORKED, "700.00", "V1")]


def test_a_payment_over_the_bound_too_is_named_with_the_references_figure():
    # the same deductible and a payment of (1000 − 300) × 50% = 350.00: both, each against the reference
    assert _found(Answers(act_pay_dedc="700.00", hifp_pay="350.00")) == [
        ("act_pay_dedc", DEDC_WORKED, "700.00", "V1"), ("hifp_pay", "200.00", "350.00", "V1")]


def test_with_the_right_deductible_the_bound_is_stated_as_before():
    # deductible right, payment 250.00 over (1000 − 600) × 50% = 200.00 (+ half a fen of rounding)
    [(field, expected, actual, item)] = _found(Answers(hifp_pay="250.00"))
    assert (field, actual, item) == ("hifp_pay", "250.00", "V1") and expected.startswith("≤ (1000.00 − 600.00) × 50% = 200.00"), \
        expected


def _reported_for(policy: str, adapter, py: PersonYear):
    from conform.harness.properties.runner import Budget, _reported
    from conform.harness.results import CheckResult

    load()
    prop = PROPERTIES["settlement_ratio_bound"]
    with pytest.raises(PropertyViolation) as e:
        prop.check(Context(adapter, policy, prop), py)
    ch = CheckResult(nodeid=f"p::settlement_ratio_bound[{policy}]", kind="property", name=prop.title, policy=policy)
    _reported(e.value, prop, policy, Budget(600.0), ch)
    return e.value, ch


class PaysV2(ReferenceAdapter):
    """The reference, but V2's fund payment answered as given."""

    def __init__(self, paid: str):
        super().__init__()
        self.paid = paid

    def settle(self, psn_no, settlement):
        out = dict(super().settle(psn_no, settlement))
        if settlement.id == "V2":
            out.update(hifp_pay=self.paid, ordinary_pay=self.paid, fund_pay_sumamt=self.paid)
        return out


def test_a_ratio_bound_passed_rests_on_the_ratio_not_on_the_deductibles_or_caps_readings():
    # 攀枝花 第七条 (在职 起付线200元, 三级50%, 限额1000元; 退休 起付线150元, 三级55%, 限额1500元), retiring 2023-06-01:
    # V1 2023-03-01 三级 1000.00 in service: 200.00, (1000 − 200) × 50% = 400.00. V2 2023-07-01 三级 1000.00
    # retired: the 200.00 counted already passes the retiree's 150 (A-MIDYEAR-RETIREMENT: nothing left), 1000 × 55%
    # = 550.00 of the 1500 − 400 = 1100.00 left. Paid 700.00 (70%): over 550.00 — the ratio's fault; the carried
    # deductible and cap (A-MIDYEAR-RETIREMENT) do not bear on the bound, which takes the system's own deductible.
    person = Person("B2", "1101", birth_date=dt.date(1963, 5, 1), retire_date=dt.date(2023, 6, 1))
    py = PersonYear(Setting("panzhihua", "panzhihua-example"), person, (
        Settlement("V1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("1000.00")),
        Settlement("V2", dt.date(2023, 7, 1), "11", "tertiary", Decimal("1000.00"))))
    e, ch = _reported_for("panzhihua", PaysV2("700.00"), py)
    assert [(m.field, m.actual, m.item) for m in e.mismatches] == [("hifp_pay", "700.00", "V2")]
    assert e.mismatches[0].expected.startswith("≤ (1000.00 − 0.00) × 55% = 550.00"), e.mismatches[0].expected
    assert ch.failed_articles == ["panzhihua-7"]
    # the bound's own 55% (the retiree's, by the type on the settlement's date) rests on A-MIDYEAR-RETIREMENT since s23
    # (probe K F4: a system taking the type at the start of the year pays 50%); the carried deductible and cap still
    # add nothing: the reading is named once, from the ratio step, and the article stays the one blamed
    assert ch.extra.get("rests_on") == ["A-MIDYEAR-RETIREMENT"], ch.extra


def test_a_ratio_reading_stays():
    # 南昌 在职 药店 1000.00 (四（二）1; the region's pharmacy ratio, nanchang-example 58%, A-NC-PHARMACY): 600.00 to
    # the deductible, (1000 − 600) × 58% = 232.00. Paid at 一级 60%: (1000 − 600) × 60% = 240.00 > 232.00.
    py = PersonYear(Setting("nanchang", "nanchang-example"), Person("B3", "1101", birth_date=dt.date(1980, 5, 1)),
                    (Settlement("V2", dt.date(2023, 3, 1), "41", "pharmacy", Decimal("1000.00")),))
    e, ch = _reported_for("nanchang", PaysV2("240.00"), py)
    assert e.mismatches[0].expected.startswith("≤ (1000.00 − 600.00) × 58% = 232.00"), e.mismatches[0].expected
    assert "A-NC-PHARMACY" in (ch.extra.get("rests_on") or []), ch.extra
