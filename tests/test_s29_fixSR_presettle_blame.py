"""The differential property closes each year with a 2206 of its last visit; a system whose 2206 ignores the year's
totals while its 2207s are right (probe s29 H5 F6; twin tests/_s29_fixF6_mutant.py s29_presettle_fresh_year) failed it
under 北京 with the blame saying it rested on A-YEAR-BY-SETTLEMENT-DATE, the reading that counts the deductible and
cap by the natural year. The system's own 2207 of the same visit, settled just before on the same totals, equals the
reference's: whatever period it reads, it read the reference's here, so a 2206 parting from the reference's rests on
no period reading — named now only where a 2207 departs first.

Figures by hand, beijing-example 在职 (起付线 1800.00, 一级 90%, 三级 70%, 限额 20000.00):
  V1 2023-03-01 一级 1000.00: deductible 1000.00, paid 0.00; V2 2023-04-01 三级 2000.00: deductible 800.00,
  (2000 − 800) × 70% = 840.00 (the twin alike); V2P, its 2206 after it: deductible met, 2000.00 × 70% = 1400.00 —
  the twin, reading an empty year, 1800.00 and (2000 − 1800) × 70% = 140.00.
  A system whose cap is not reset on 1 January (V1 2023 三级 40000.00 paid the cap 20000.00; V2 2024-03-01 三级
  3000.00: deductible 1800.00, (3000 − 1800) × 70% = 840.00, that system 0.00) departs at a 2207: the reading stays.
"""
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
from conform.reference.case import Person, Settlement

from sample_server import SampleServer, twin_servers

MUTANT = Path(__file__).with_name("_s29_fixF6_mutant.py")
TWIN = "s29_presettle_fresh_year"
YEAR = "A-YEAR-BY-SETTLEMENT-DATE"
PERSON = Person("SR-2", "1101", birth_date=dt.date(1980, 5, 1))
BEIJING = Setting("beijing", "beijing-example")


def _check(url: str, py: PersonYear) -> tuple[CheckResult, PropertyViolation]:
    """Run the differential on the one example `py` against the system at `url`, reported as a run reports it."""
    from conform.harness.properties.runner import Budget, _reported

    load()
    prop = PROPERTIES["differential"]
    system = HttpAdapter(url, AdapterConfig(timeout=10))
    system.start()
    ch = CheckResult(nodeid=f"p::differential[{py.policy}]", kind="property", name="differential", policy=py.policy)
    evidence.begin()
    try:
        with pytest.raises(PropertyViolation) as caught:
            prop.check(Context(system, py.policy, prop), py)
        _reported(caught.value, prop, py.policy, Budget(60.0), ch, system=system)
    finally:
        evidence.take()
        system.stop()
    return ch, caught.value


def test_a_2206_parting_after_its_own_right_2207_rests_on_no_period_reading():
    py = PersonYear(BEIJING, PERSON, (Settlement("V1", dt.date(2023, 3, 1), "11", "primary", Decimal("1000.00")),
                                      Settlement("V2", dt.date(2023, 4, 1), "11", "tertiary", Decimal("2000.00"))))
    with twin_servers(MUTANT, (TWIN,)) as urls:
        ch, e = _check(urls[TWIN], py)
    assert e.departure == "V2P", e.departure
    assert "V2P 本次起付线（预结算） (act_pay_dedc): 应为 0.00，实际 1800.00" in ch.message, ch.message
    assert "V2P 统筹基金支付（预结算） (hifp_pay): 应为 1400.00，实际 140.00" in ch.message, ch.message
    assert not any(m.item == "V2" for m in e.mismatches), e.mismatches  # its 2207 is right
    assert ch.failed_articles == ["beijing-5"], ch.failed_articles
    assert YEAR not in ch.extra.get("rests_on", ()), ch.extra
    assert YEAR not in ch.extra.get("assumptions", ()), ch.extra
    # the working the report shows for the failing figure cites the article, not the period reading
    assert e.trace and all(YEAR not in str(t.get("clause", "")) for t in e.trace), e.trace
    assert any("北京 (五)" in str(t.get("clause", "")) for t in e.trace if t.get("step") == "起付线"), e.trace


def test_a_2207_parting_at_the_new_year_still_rests_on_it():
    py = PersonYear(BEIJING, PERSON, (Settlement("V1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("40000.00")),
                                      Settlement("V2", dt.date(2024, 3, 1), "11", "tertiary", Decimal("3000.00"))))
    with SampleServer(defect="cap_not_reset_on_new_year") as server:
        ch, e = _check(server.url, py)
    assert e.departure == "V2", (e.departure, ch.message)
    assert "V2 统筹基金支付 (hifp_pay): 应为 840.00，实际 0.00" in ch.message, ch.message
    assert YEAR in ch.extra.get("rests_on", ()), ch.extra
