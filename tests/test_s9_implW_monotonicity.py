"""A comparison between two runs of the system names the run the reference answers otherwise, not the other run by the
wrong one's figure (rvendor8 D7 in the metamorphic properties).

more_spending_never_lowers, lower_level_never_less, retiree_not_less and year_independent compare two runs of the
system: a failure says one of them is wrong, not which. They used to state the second run's "应为" from the first
run's figures, so a system overpaying the cheaper year had its right dearer year blamed "≥ <the overpayment>", and
year_independent took the run without last year as the oracle. Now the settlement the reference answers otherwise is
named, with the reference's figure and its run; without the reference, the relation with the other run's figure in a
note.

Figures by hand from 南昌 四（二）1 (在职: 起付线600元, 三级50%, 限额1800元).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.generators import PersonYear, Setting, TwoYears
from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation
from conform.harness.report.causes import _expected_figure
from conform.reference.case import Person, Settlement

NC = Setting("nanchang", "nanchang-example")
PERSON = Person("M1", "1101", birth_date=dt.date(1980, 5, 1))


class OverpaysAThousand(ReferenceAdapter):
    """The reference, but a visit of exactly 1000.00 is answered as paid 500.00 (its own ledger counts it right)."""

    def settle(self, psn_no, settlement):
        out = dict(super().settle(psn_no, settlement))
        if settlement.medfee_sumamt == Decimal("1000.00"):
            out.update(hifp_pay="500.00", ordinary_pay="500.00", fund_pay_sumamt="500.00")
        return out


class FirstVisitFree(ReferenceAdapter):
    """The reference, but a person's first visit ever is answered with no deductible: 1000.00 at 三级 paid 500.00."""

    def settle(self, psn_no, settlement):
        first = not self._ledger(psn_no).settled
        out = dict(super().settle(psn_no, settlement))
        if first:
            out.update(act_pay_dedc="0.00", hifp_pay="500.00", ordinary_pay="500.00", fund_pay_sumamt="500.00")
        return out


def _fail(pid: str, adapter, example) -> PropertyViolation:
    load()
    prop = PROPERTIES[pid]
    with pytest.raises(PropertyViolation) as e:
        prop.check(Context(adapter, "nanchang", prop), example)
    return e.value


def test_the_cheaper_run_overpaid_is_named_not_the_right_dearer_one():
    # 原就诊 V1 三级 1000.00: 600.00 to the deductible, (1000 − 600) × 50% = 200.00 — answered 500.00.
    # 多花费用 V1 三级 1500.00: (1500 − 600) × 50% = 450.00, answered right. The year's 450.00 < 500.00; worked
    # from the cheaper run, the right dearer year would be "≥ 500.00".
    base = PersonYear(NC, PERSON, (Settlement("V1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("1000.00")),))
    more = PersonYear(NC, PERSON, (Settlement("V1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("1500.00")),))
    e = _fail("more_spending_never_lowers", OverpaysAThousand(), (base, more))
    found = [(m.field, m.expected, m.actual, m.item, m.label) for m in e.mismatches]
    assert found == [("hifp_pay", "200.00", "500.00", "V1", "统筹基金支付（原就诊）")], found
    assert e.departure == "V1" and e.stories[0].title == "原就诊", (e.departure, e.stories[0].title)


def test_without_the_reference_the_relation_keeps_the_other_runs_figure_in_a_note(monkeypatch):
    from conform.harness.properties import settlement

    monkeypatch.setattr(settlement.Oracle, "observed", property(lambda self: None))
    base = PersonYear(NC, PERSON, (Settlement("V1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("1000.00")),))
    more = PersonYear(NC, PERSON, (Settlement("V1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("1500.00")),))
    [m] = _fail("more_spending_never_lowers", OverpaysAThousand(), (base, more)).mismatches
    assert (m.field, m.actual) == ("hifp_pay", "450.00") and "500.00" in m.expected, m
    assert _expected_figure(m.expected) is None, m.expected


def test_year_independent_names_the_run_the_reference_answers_otherwise_not_the_run_with_last_year():
    # 上一年度有结算: V1 2022-06-01 三级 1000.00 (the first visit: answered 500.00, no deductible), V2 2023-03-01
    # 三级 1000.00: a new year, 600.00 and (1000 − 600) × 50% = 200.00, answered right.
    # 上一年度无结算: V2 alone is the person's first visit: answered 0.00 deductible and 500.00 — the wrong run.
    # Taking the run without last year as the oracle, the right V2 would be "应为 0.00 / 500.00".
    ex = TwoYears(NC, PERSON, (Settlement("V1", dt.date(2022, 6, 1), "11", "tertiary", Decimal("1000.00")),),
                  (Settlement("V2", dt.date(2023, 3, 1), "11", "tertiary", Decimal("1000.00")),))
    e = _fail("year_independent", FirstVisitFree(), ex)
    found = [(m.field, m.expected, m.actual, m.item) for m in e.mismatches]
    assert ("act_pay_dedc", "600.00", "0.00", "V2") in found and ("hifp_pay", "200.00", "500.00", "V2") in found, found
    assert all(m.label.endswith("（上一年度无结算）") for m in e.mismatches), [m.label for m in e.mismatches]
    assert e.stories[0].title == "上一年度无结算"


class LeaksDeductible(ReferenceAdapter):
    """The reference, but every person after the first starts each year with the previous one's 600.00 of deductible
    already counted (one person's totals leaking into the next)."""

    prepared = 0

    def prepare_person(self, subject):
        super().prepare_person(subject)
        self.prepared += 1
        if self.prepared > 1:
            ledger = self.ledgers[subject.person.psn_no]
            for y in range(2020, 2031):
                ledger.year(y).ordinary_dedc = Decimal("600.00")


def test_the_ledgers_replay_is_no_oracle_the_reference_names_the_wrong_run():
    # The stateful ledger, 南昌 在职: V1 and V2 the plainest visit, 0.01 at a 三级 hospital, all of it to the deductible
    # (0.01 of 600), the fund pays 0.00; V2 reversed. Replaying V1 alone on a fresh person, the twin has 600.00
    # counted already: 起付线 0.00, 0.01 × 50% = 0.005 → 0.01 (half up) — the replay is the wrong run. Taking it as
    # the oracle, the right V1 would be "本次起付线 应为 0.00".
    from types import SimpleNamespace

    load()
    ctx = Context(LeaksDeductible(), "nanchang", PROPERTIES["stateful_ledger"])
    machine = PROPERTIES["stateful_ledger"].machine(ctx)()
    machine.start(setting=NC, psn_type="1101", traits=0, balance=1, year=2023, day=0)
    machine.settle(seed=0)
    machine.settle(seed=0)
    assert [v.medfee_sumamt for v in machine.story.settlements] == [Decimal("0.01"), Decimal("0.01")]
    machine.reverse(SimpleNamespace(draw=lambda strategy, label=None: "V2"))
    with pytest.raises(PropertyViolation) as e:
        machine.teardown()
    found = {(m.field, m.expected, m.actual, m.item) for m in e.value.mismatches}
    assert {("act_pay_dedc", "0.01", "0.00", "V1"), ("hifp_pay", "0.00", "0.01", "V1")} <= found, found
    assert all(m.label.endswith("（只结算仍然有效的各笔）") for m in e.value.mismatches), e.value.mismatches
    assert e.value.stories[0].title == "只结算仍然有效的各笔"


class ForgetsTheYearAlone(ReferenceAdapter):
    """The reference, but a year's deductible total is answered 0.00 for a person with nothing settled the year before."""

    def query_ytd(self, psn_no, year):
        out = dict(super().query_ytd(psn_no, year))
        if not any(entry[1].year == year - 1 for entry in self._ledger(psn_no).settled.values()):
            out["ordinary_dedc"] = "0.00"
        return out


def test_year_independent_names_the_year_total_the_reference_gives_otherwise():
    # 上一年度有结算: V1 2022-06-01 三级 1000.00, V2 2023-03-01 三级 1000.00: 2023's deductible total 600.00, answered
    # right. 上一年度无结算: V2 alone, the same 600.00 — answered 0.00. Taking that run as the oracle, the right
    # 600.00 would be "应为 0.00".
    ex = TwoYears(NC, PERSON, (Settlement("V1", dt.date(2022, 6, 1), "11", "tertiary", Decimal("1000.00")),),
                  (Settlement("V2", dt.date(2023, 3, 1), "11", "tertiary", Decimal("1000.00")),))
    e = _fail("year_independent", ForgetsTheYearAlone(), ex)
    found = [(m.field, m.expected, m.actual, m.item, m.label) for m in e.mismatches]
    assert found == [("ordinary_dedc", "600.00", "0.00", "2023年度累计", "年度累计起付线（上一年度无结算）")], found
