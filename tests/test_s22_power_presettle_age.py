"""The differential compares a 2206 after the year has counted, and always asks about an in-service person of 64.

Defects that passed every run (s22 probeE): a pre-settlement (2206) computed as if the year had counted nothing
(F0: every 2206 scenario was a first visit, and the differential collected pre-settlement answers but compared none);
in-service staff born before 1965 settled as retirees (F1: no scenario gave an in-service person a birth date, and the
drawn persons reach that age too rarely for the derandomized CI run). The differential now closes each year with a 2206
of its last visit compared field by field (`_presettle_last`) and always tries an in-service person born 64 years before
the year (`_still_working_at_64`). Each defect is made here on the system's own ledger only (the oracle stays the
reference) and must be found by a fixed example — whatever the seed — with the blame the reference's working cites.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.properties import differential as diff
from conform.harness.properties.base import PROPERTIES, Context, Presettle, PropertyViolation, Story
from conform.reference.ledger import YearState

POLICIES = ("panzhihua", "nanchang", "jilin", "beijing", "zhejiang")


class FreshYearPresettle(ReferenceAdapter):
    """2207 right; 2206 computed on an empty year (the pre-settlement service reads no year-to-date)."""

    name = "s22-presettle-fresh-year"

    def presettle(self, psn_no, settlement):
        led = self._ledger(psn_no)
        y = settlement.date.year
        kept = led.years.get(y)
        led.years[y] = YearState(y)
        try:
            return super().presettle(psn_no, settlement)
        finally:
            if kept is None:
                del led.years[y]
            else:
                led.years[y] = kept


class RetiredByAge(ReferenceAdapter):
    """An in-service person (1101/1103) born before 1965 is settled as a retiree (1201/1203)."""

    name = "s22-retired-by-age"

    def prepare_person(self, subject):
        p = subject.person
        if p.psn_type in ("1101", "1103") and p.birth_date is not None and p.birth_date < dt.date(1965, 1, 1):
            subject = replace(subject, person=replace(p, psn_type={"1101": "1201", "1103": "1203"}[p.psn_type]))
        return super().prepare_person(subject)


def _first_failure(adapter, policy: str) -> PropertyViolation:
    prop = PROPERTIES["differential"]
    ctx = Context(adapter, policy, prop)
    for py in prop.examples(policy):
        try:
            diff.differential(ctx, py)
        except PropertyViolation as e:
            return e
    raise AssertionError(f"no fixed example of the differential catches {type(adapter).__name__} under {policy}")


@pytest.mark.parametrize("policy", POLICIES)
def test_a_fresh_year_presettlement_is_caught_by_a_fixed_example(policy):
    e = _first_failure(FreshYearPresettle(), policy)
    assert e.mismatches and all(m.item.endswith(diff.PRESETTLED) for m in e.mismatches), e.mismatches
    assert any(m.field in ("act_pay_dedc", "hifp_pay") for m in e.mismatches)
    assert any(isinstance(op, Presettle) for op in e.stories[0].ops)
    assert "预结算" in e.summary()


@pytest.mark.parametrize("policy", POLICIES)
def test_in_service_at_64_is_settled_in_service(policy):
    examples = PROPERTIES["differential"].examples(policy)
    old = [py for py in examples if py.person.psn_type in ("1101", "1103") and py.person.birth_date is not None
           and py.person.birth_date.year < 1965 and py.person.retire_date is None]
    assert old, "no fixed example of an in-service person aged 60 or more"
    e = _first_failure(RetiredByAge(), policy)
    assert e.mismatches


def test_the_reference_passes_its_own_presettlement():
    """The closing 2206 adds no difference against the reference itself, refused or not."""
    prop = PROPERTIES["differential"]
    for policy in POLICIES:
        ctx = Context(ReferenceAdapter(), policy, prop)
        for py in prop.examples(policy):
            diff.differential(ctx, py)
            story = Story.of_year(py)
            assert diff._presettle_last(ctx, story) is not None
            assert isinstance(story.ops[-1], Presettle) and story.ops[-1].settlement.id.endswith(diff.PRESETTLED)



def test_the_counterexample_asserts_the_presettlement_it_failed_on():
    """The rendered counterexample of a 2206 failure asserts the 2206's figures in its results table (it only commented
    them: pasted into a feature, it passed against the very system the property had failed)."""
    from conform.harness.counterexample import RESULT_COLUMNS, render_scenario, renumbered
    from conform.harness.properties.base import execute, no_evidence

    e = _first_failure(FreshYearPresettle(), "panzhihua")
    story = renumbered(e.stories[0])  # as render_scenario numbers it
    lines = render_scenario(story, "反例", ["panzhihua-7"])
    rows = {cells[0]: cells[1:] for ln in lines if ln.strip().startswith("|")
            for cells in [[c.strip() for c in ln.strip().strip("|").split("|")]]}
    pre = next(op.settlement.id for op in story.ops if isinstance(op, Presettle))
    assert pre in rows, rows
    fields = [f for _, f in RESULT_COLUMNS if f != "pool_prop_selfpay"]  # amounts, in the table's order
    with no_evidence():
        want = execute(ReferenceAdapter(), story, psn_no="CE-0001").presettled[pre]
        got = execute(FreshYearPresettle(), story, psn_no="CE-0001").presettled[pre]
    assert rows[pre][:len(fields)] == [str(want[f]) for f in fields], (rows[pre], want)
    assert any(str(want[f]) != str(got[f]) for f in fields), "the row must tell the reference from the defect"
