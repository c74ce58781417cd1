"""A year's total over the deductible or the cap names the settlement that put it there, not only the total.

The stateful ledger said "年度累计超过起付标准或年度限额" with the year's total alone: a vendor read that 2023 was over
600.00 but not which settlement's answer made it so. Now the first standing settlement the reference answers
otherwise is named (with the reference's figure, as every other total in the ledger: total_breakers), then the total
against its limit.

Figures by hand from 南昌 四（二）1 (在职: 起付线600元, 三级50%, 限额1800元).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation
from told_answers import Answers, found as _found
from test_s9_implW_totals import NC


def _machine(told: dict):
    load()
    ctx = Context(Answers(told), "nanchang", PROPERTIES["stateful_ledger"])
    machine = PROPERTIES["stateful_ledger"].machine(ctx)()
    machine.start(setting=NC, psn_type="1101", traits=0, balance=1, year=2023, day=0)
    return machine


def test_a_total_over_the_deductible_names_the_settlement_that_put_it_there():
    # V1 the plainest visit: 0.01 at a 三级 hospital, all of it to the deductible (0.01 of 600.00). The system
    # answers a deductible of 700.00 and a year's total of 700.00: the total is the sum of its answers (so the
    # sum check holds) but over the 600.00 起付标准. The reference's V1 deductible is 0.01.
    machine = _machine({("V1", "act_pay_dedc"): "700.00", (2023, "ordinary_dedc"): "700.00"})
    machine.settle(seed=0)
    [visit] = machine.story.settlements
    assert (visit.medfee_sumamt, visit.facility, visit.med_type) == (Decimal("0.01"), "tertiary", "11")
    with pytest.raises(PropertyViolation) as e:
        machine.totals_are_the_standing_settlements()
    assert "超过起付标准" in e.value.headline, e.value.headline
    got = _found(e.value)
    assert got[0] == ("act_pay_dedc", "0.01", "700.00", "V1"), got
    assert ("ordinary_dedc", "≤ 起付标准 600.00", "700.00", "2023年度累计") in got, got
    assert e.value.departure == "V1"


def test_the_reference_is_not_over():
    machine = _machine({})
    machine.settle(seed=0)
    machine.totals_are_the_standing_settlements()  # no violation
