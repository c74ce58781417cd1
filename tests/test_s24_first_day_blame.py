"""A system settling a visit on a document's first day in force as the reference settles it the day before (南昌
四（六）: an ordinary visit before 2023-01-01 is paid 0.00) is blamed on the validity article, not on the deductible
article where the figures part (probe s24 R F3); a first-day visit wrong some other way is still the deductible's."""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.plugin import MismatchError
from conform.harness.report.causes import blame
from conform.harness.steps.library import when_visit
from conform.harness.steps.world import World

FIRST = dt.date(2023, 1, 1)


class FirstDayAsBefore(ReferenceAdapter):
    """The reference, but the first day in force is settled as the day before (a `<=` for a `<`)."""

    name = "first-day-as-before"

    def settle(self, psn_no, settlement):
        if settlement.date == FIRST:
            settlement = dataclasses.replace(settlement, date=FIRST - dt.timedelta(days=1))
        return super().settle(psn_no, settlement)


class FirstDayNoDeductible(ReferenceAdapter):
    """The reference, but a visit on the first day charges no deductible (wrong, but not as the day before)."""

    name = "first-day-no-deductible"

    def settle(self, psn_no, settlement):
        out = super().settle(psn_no, settlement)
        return {**out, "act_pay_dedc": "0.00"} if settlement.date == FIRST else out


def _failure(system: ReferenceAdapter) -> MismatchError:
    w = World(system)
    w.policy = "nanchang"
    w.set_person(psn_no="NC-046-A", psn_type="1101")
    # 三级 在职 1000.00 on 2023-01-01: (1000 − 600) × 50% = 200.00, deductible 600.00 (四（二）1)
    when_visit(w, "2023-01-01", "三级医疗机构", "普通门诊", None, "结算", "1000.00", None, None)
    with pytest.raises(MismatchError) as e:
        w.expect_fields(None, {"act_pay_dedc": Decimal("600.00"), "hifp_pay": Decimal("200.00")})
    return e.value


def test_the_first_day_settled_as_the_day_before_is_the_validity_articles_failure():
    e = _failure(FirstDayAsBefore())
    assert {(m.field, m.actual) for m in e.mismatches} == {("act_pay_dedc", "0.00"), ("hifp_pay", "0.00")}
    found = [dataclasses.asdict(m) for m in e.mismatches]
    tags, _ = blame(found, {"": e.trace, **e.traces}, "nanchang")
    assert tags == ["nanchang-4.6"], tags
    assert e.trace[0]["step"] == "施行日期" and len(e.trace) > 1  # the reference's working still follows


def test_a_first_day_visit_wrong_otherwise_is_blamed_where_its_figures_part():
    e = _failure(FirstDayNoDeductible())
    found = [dataclasses.asdict(m) for m in e.mismatches]
    tags, _ = blame(found, {"": e.trace, **e.traces}, "nanchang")
    assert "nanchang-4.6" not in tags and "nanchang-4.2.1" in tags, tags
