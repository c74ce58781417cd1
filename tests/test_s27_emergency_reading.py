"""A property failing on an emergency visit names the reading that routes it (probe s27/probeH F8).

浙江 is silent on emergencies; A-EMERGENCY-ORDINARY has the reference settle them as ordinary outpatient (its trace's
routing step 急诊, `decides`). A system paying an emergency nothing takes the other reading. Under the CI profile the
differential shrank to an emergency of 0.01, whose first differing figure (本次起付线 0.01 for 0.00) is a fen off —
alone, a rounding's, naming no route reading — though the same visit's ratio is 0.0000 for 0.5000: the failure was
reported as a plain breach of 浙江 二（一）. Whichever field differs first, a visit routed by a reading names it."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from conform.harness import evidence
from conform.harness.generators import settings_for
from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, PropertyViolation, Story, mismatch
from conform.harness.results import CheckResult
from conform.reference.case import Person, Settlement

EMERGENCY = "A-EMERGENCY-ORDINARY"


def _reported(mismatches: list) -> CheckResult:
    from conform.harness.properties.runner import Budget, _reported

    load()
    setting = settings_for("zhejiang")[0]
    visit = Settlement("V1", dt.date(2023, 3, 1), "13", "tertiary", Decimal("0.01"))
    story = Story.of(setting, Person("Z1", "1101", birth_date=dt.date(1980, 1, 1)), [visit], "差分")
    e = PropertyViolation("被测系统与参考实现的结算结果不一致", mismatches, [story], departure="V1")
    ch = CheckResult(nodeid="p::differential[zhejiang]", kind="property", name="differential", policy="zhejiang")
    evidence.begin()
    try:
        _reported(e, PROPERTIES["differential"], "zhejiang", Budget(60.0), ch)
    finally:
        evidence.take()
    return ch


def test_an_emergency_paid_nothing_rests_on_the_emergency_reading_though_its_first_figure_is_a_fen_off():
    ch = _reported([mismatch("act_pay_dedc", "0.01", "0.00", "V1"), mismatch("pool_prop_selfpay", "0.5000", "0.0000", "V1")])
    assert ch.failed_articles == ["zhejiang-2.1"], ch.failed_articles
    assert EMERGENCY in (ch.extra.get("rests_on") or []), ch.extra


def test_an_emergency_a_fen_off_and_nothing_else_is_a_rounding_not_the_reading():
    # the deductible a fen off with every other figure right: no other standard gives that, the reading is not named
    ch = _reported([mismatch("act_pay_dedc", "0.01", "0.00", "V1")])
    assert EMERGENCY not in (ch.extra.get("rests_on") or []), ch.extra
