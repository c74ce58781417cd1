"""A visit the rules give no benefit but the system charges or pays is where the system departs, blamed on the rule
that gave none (probe s27/probeH F3).

`settlement_exact` and `deductible` skipped a visit routed to no benefit (吉林 六（三）: during a hospital stay; 攀枝花
第七条: outside the 待遇享受期). A system paying such a visit (and counting its deductible) then failed on the next
visit — "本次起付线与本年尚余起付线不符" under 吉林 二（二）, "此前已计 0.00" being the reference's count — or on the year's
total "与各次结算的本次起付线之和不符", which the system's total did equal. Now that visit is named first, with the
reference's 0.00, and the failure is blamed on its own rule. The defective systems are real HTTP servers in their
own processes (tests/_s27_property_twins.py registers the twins in the sample system's DEFECTS)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from conform.harness import evidence
from conform.harness.adapters.http import HttpAdapter
from conform.harness.config import AdapterConfig
from conform.harness.generators import PersonYear, Setting
from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation
from conform.harness.results import CheckResult
from conform.reference.case import Period, Person, Settlement

from sample_server import twin_servers

TWINS = Path(__file__).with_name("_s27_property_twins.py")


@pytest.fixture(scope="module")
def twin():
    """name → the URL of a sample system with that defect, each stopped at the end."""
    with twin_servers(TWINS, ("stay_ignored", "benefit_period_ignored")) as urls:
        yield urls


def _check(url: str, prop: str, py: PersonYear) -> CheckResult:
    """Run `prop` on the one example `py` against the system at `url`, and report its violation as a run does."""
    from conform.harness.properties.runner import Budget, _reported

    load()
    system = HttpAdapter(url, AdapterConfig(timeout=10))
    system.start()
    ch = CheckResult(nodeid=f"p::{prop}[{py.policy}]", kind="property", name=prop, policy=py.policy)
    evidence.begin()
    try:
        with pytest.raises(PropertyViolation) as caught:
            PROPERTIES[prop].check(Context(system, py.policy, PROPERTIES[prop]), py)
        _reported(caught.value, PROPERTIES[prop], py.policy, Budget(60.0), ch, system=system)
    finally:
        evidence.take()
        system.stop()
    return ch


def _visit(sid: str, day: dt.date, amount: str, med_type: str = "11", facility: str = "tertiary") -> Settlement:
    return Settlement(sid, day, med_type, facility, Decimal(amount))


# 吉林 (jilin-example), 在职: 起付线 200.00 a year. V1, a pharmacy purchase inside the stay 05-31..06-18, gets nothing
# (六（三）); the twin charges it the 200.00 deductible, so V2 after discharge (charged 200.00 by the reference) is
# charged 0.00 — right given the system's own V1.
JILIN = PersonYear(Setting("jilin", "jilin-example"),
                   Person("JL-S27", "1101", birth_date=dt.date(1980, 1, 1),
                          hospital_stays=(Period(dt.date(2023, 5, 31), dt.date(2023, 6, 18)),)),
                   (_visit("V1", dt.date(2023, 6, 3), "300.00", "41", "pharmacy"), _visit("V2", dt.date(2023, 7, 1), "300.00")))


def test_a_visit_paid_during_a_stay_is_the_departure_of_settlement_exact_on_article_six_three(twin):
    ch = _check(twin["stay_ignored"], "settlement_exact", JILIN)
    assert "V1 按规则不享受统筹待遇（住院期间）" in ch.message, ch.message
    assert "V1 本次起付线 (act_pay_dedc): 应为 0.00，实际 200.00" in ch.message, ch.message
    assert ch.failed_articles == ["jilin-6.3"], ch.failed_articles  # not 二（二）, the deductible's article


# 攀枝花 (panzhihua-example), 在职: 起付线 200.00, 第七条 only within the 待遇享受期 (here from 04-01). V1 on 03-15 gets
# nothing; the twin charges it 200.00 of deductible.
def _panzhihua(*visits: Settlement) -> PersonYear:
    return PersonYear(Setting("panzhihua", "panzhihua-example"),
                      Person("PZH-S27", "1101", birth_date=dt.date(1980, 1, 1), acct_balance=Decimal("0.00"),
                             benefit_period=Period(dt.date(2023, 4, 1), dt.date(2023, 12, 31))), visits)


def test_a_year_total_counting_a_visit_outside_the_benefit_period_names_that_visit_on_article_seven(twin):
    ch = _check(twin["benefit_period_ignored"], "deductible", _panzhihua(_visit("V1", dt.date(2023, 3, 15), "300.00")))
    assert "V1 按规则不享受统筹待遇（不在待遇享受期内）" in ch.message, ch.message
    assert "与各次结算的本次起付线之和不符" not in ch.message, ch.message  # the system's total is its answers' sum
    assert ch.failed_articles == ["panzhihua-7"], ch.failed_articles


def test_a_payment_after_a_deductible_taken_outside_the_benefit_period_names_that_visit(twin):
    ch = _check(twin["benefit_period_ignored"], "deductible",
                _panzhihua(_visit("V1", dt.date(2023, 3, 15), "300.00"), _visit("V2", dt.date(2023, 5, 1), "300.00")))
    assert "V1 按规则不享受统筹待遇（不在待遇享受期内）" in ch.message, ch.message
    assert ch.failed_articles == ["panzhihua-7"], ch.failed_articles
