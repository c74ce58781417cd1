"""A year's total that is not the sum of the standing settlements' answers names what the reference answers otherwise,
with its figure (rvendor8 D7, as the identities and the ledger's balance since a235705).

cross_year_reversal and the stateful ledger compared the year's totals with the sum of the system's own answers and,
where they differed, blamed the total with that sum as "应为": a deductible under-reported on one settlement made the
right total wrong by the amount of the wrong answer. Now the settlement the reference answers otherwise is named, and
the total only where the reference's differs; with nothing from the reference, the relation, its sum in a note.

Figures by hand from 南昌 四（二）1 (在职: 起付线600元, 三级50%, 限额1800元).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conform.harness.generators import PersonYear, Setting
from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation
from conform.harness.report.causes import _expected_figure
from conform.reference.case import Person, Settlement
from told_answers import Answers, found as _found

NC = Setting("nanchang", "nanchang-example")


def _reversal(adapter) -> PropertyViolation:
    # V1 2023-12-20 三级 1000.00: 起付线 600.00, (1000 − 600) × 50% = 200.00; V2 2024-01-05 三级 1000.00: a new year,
    # 600.00 and 200.00 again; then V1 reversed (2023's totals back to 0.00, 2024's stay 600.00 and 200.00).
    from conform.harness.properties.settlement import ReversalAcross

    load()
    person = Person("T1", "1101", birth_date=dt.date(1980, 5, 1))
    py = PersonYear(NC, person, (Settlement("V1", dt.date(2023, 12, 20), "11", "tertiary", Decimal("1000.00")),
                                 Settlement("V2", dt.date(2024, 1, 5), "11", "tertiary", Decimal("1000.00"))))
    prop = PROPERTIES["cross_year_reversal"]
    with pytest.raises(PropertyViolation) as e:
        prop.check(Context(adapter, "nanchang", prop), ReversalAcross(py, "V1"))
    return e.value


def test_a_standing_settlements_wrong_deductible_is_named_not_the_right_year_total():
    # V2's deductible answered 500.00 (600.00 counted): 2024's total 600.00 is right; worked from the answers it
    # would be "应为 2024年仍有效各笔的本次起付线之和 500.00".
    e = _reversal(Answers({("V2", "act_pay_dedc"): "500.00"}))
    assert _found(e) == [("act_pay_dedc", "600.00", "500.00", "V2")], _found(e)
    assert e.departure == "V2" and e.readings == [], (e.departure, e.readings)  # no reversal took V2's part out


def test_without_the_reference_the_relation_is_stated_its_sum_in_a_note(monkeypatch):
    from conform.harness.properties import settlement

    monkeypatch.setattr(settlement.Oracle, "observed", property(lambda self: None))
    [m] = _reversal(Answers({("V2", "act_pay_dedc"): "500.00"})).mismatches
    assert (m.field, m.actual, m.item) == ("ordinary_dedc", "600.00", "2024年度累计"), m
    assert _expected_figure(m.expected) is None and "500.00" in m.expected, m.expected


def test_the_ledger_names_the_settlement_answered_otherwise_not_the_right_total():
    # The stateful ledger, 南昌 在职, V1 the plainest visit: 0.01 at a 三级 hospital, all of it to the deductible
    # (0.01 of 600), the fund pays 0.00. Its deductible answered 0.00: the year's total 0.01 is right; worked from
    # the answers it would be "应为 0.00".
    ctx = Context(Answers({("V1", "act_pay_dedc"): "0.00"}), "nanchang", PROPERTIES["stateful_ledger"])
    load()
    machine = PROPERTIES["stateful_ledger"].machine(ctx)()
    machine.start(setting=NC, psn_type="1101", traits=0, balance=1, year=2023, day=0)
    machine.settle(seed=0)
    [visit] = machine.story.settlements
    assert (visit.medfee_sumamt, visit.facility, visit.med_type) == (Decimal("0.01"), "tertiary", "11")
    with pytest.raises(PropertyViolation) as e:
        machine.totals_are_the_standing_settlements()
    assert _found(e.value) == [("act_pay_dedc", "0.01", "0.00", "V1")], _found(e.value)
    assert e.value.departure == "V1"


def test_a_reversal_negating_what_was_counted_names_the_wrong_answer_not_the_reversal():
    # The stateful ledger, 南昌 在职: V1 and V2 the plainest visit, 0.01 at a 三级 hospital, each all to the deductible
    # (0.01, then 0.01 more of the 600), the fund pays 0.00. V2's deductible answered 0.00 (0.01 counted); reversed,
    # the system takes back the 0.01 it counted: −0.01 is the reversal of the reference's 0.01. Taking the answer as
    # given, the right reversal would be "应为 -0.00".
    from types import SimpleNamespace

    load()
    ctx = Context(Answers({("V2", "act_pay_dedc"): "0.00"}), "nanchang", PROPERTIES["stateful_ledger"])
    machine = PROPERTIES["stateful_ledger"].machine(ctx)()
    machine.start(setting=NC, psn_type="1101", traits=0, balance=1, year=2023, day=0)
    machine.settle(seed=0)
    machine.settle(seed=0)
    with pytest.raises(PropertyViolation) as e:
        machine.reverse(SimpleNamespace(draw=lambda strategy, label=None: "V2"))
    assert _found(e.value) == [("act_pay_dedc", "0.01", "0.00", "V2")], _found(e.value)
