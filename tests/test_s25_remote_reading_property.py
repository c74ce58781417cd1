"""A property failing on a remote (异地) visit names A-REMOTE-SAME exactly where the system under test settles that visit
otherwise than the same visit made locally (probe s24 X3).

A-REMOTE-SAME (本文件未对异地就医单独规定待遇标准，按参保地标准结算) has the reference settle a remote visit as a local one,
so the reference can never tell whether the reading bears on a failure: that is the system's answers' to say. A system
paying 北京's remote visits at a ratio 10 points lower (0.60 for 0.70) fails on the remote standard itself, and the
failing property rests on the reading; a pharmacy deductible skipped everywhere (rvendor8 D2) does not, though the
failing visit was remote. Both systems are real HTTP servers in their own processes: the sample system's twins
(`python -m conform.fixtures.sample_system --defect ...`), one of them registered by a launcher written here."""
from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

from conform.harness import evidence
from conform.harness.adapters import NotApplicable
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.config import AdapterConfig
from conform.harness.generators import Setting
from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, PropertyViolation, Story, mismatch
from conform.harness.results import CheckResult
from conform.reference.case import Person, Settlement

from property_runs import seeded_property
from sample_server import SampleServer, shared

REMOTE = "A-REMOTE-SAME"

# The twin the sample system does not have: its DEFECTS table gets one more entry, applied by its own --defect in the
# server process only (the harness's reference, in this process, is untouched).
LAUNCHER = '''
import sys
from decimal import Decimal

from conform.fixtures.sample_system import defects as D
from conform.reference import benefits, engine

_compute, _ratio = engine.compute, benefits.ordinary_ratio


def lowered(rules, role, facility):
    r = _ratio(rules, role, facility)
    return None if r is None else (r[0] - Decimal("0.10"), r[1])


@D.defect("remote_lower_ratio", "异地就医普通门诊按本地比例降低10个百分点支付", "A-REMOTE-SAME")
def _remote():
    def compute(rules, person, s, ys, trace):
        if not s.remote:
            return _compute(rules, person, s, ys, trace)
        benefits.ordinary_ratio = lowered
        try:
            return _compute(rules, person, s, ys, trace)
        finally:
            benefits.ordinary_ratio = _ratio
    engine.compute = compute


if __name__ == "__main__":
    from conform.fixtures.sample_system.__main__ import main
    sys.exit(main(["--defect", sys.argv[1], *sys.argv[2:]]))
'''


@pytest.fixture(scope="module")
def remote_lower_ratio():
    """The URL of a sample system paying remote visits 10 points below the local ratio, stopped at the end."""
    with tempfile.TemporaryDirectory(prefix="conform-s25-") as tmp:
        script = Path(tmp) / "twin.py"
        script.write_text(LAUNCHER, encoding="utf-8")
        with SampleServer(script=script, script_args=("remote_lower_ratio",)) as server:
            yield server.url


def _differential(url: str) -> CheckResult:
    c = seeded_property(url, "beijing", "differential", 1, 20)
    assert c.status == "failed", (c.status, c.message[:400])
    return c


def test_the_beijing_property_of_a_remote_ratio_defect_rests_on_the_remote_reading(remote_lower_ratio):
    c = _differential(remote_lower_ratio)
    # seed 1: a remote 日间手术 visit paid at 60% for 70% (the twin pays the same visit made locally at 70%)
    assert "V1 支付比例 (pool_prop_selfpay): 应为 0.7000，实际 0.6000" in c.message, c.message[:400]
    assert "日间手术结算医疗费用 72.33 元（异地就医）" in c.counterexample, c.counterexample
    assert REMOTE in c.extra.get("rests_on", []), c.extra
    # the twin was settled outside the check's evidence: every exchange there is the example's own person's
    persons = {str(e.get("request", {}).get("psn_no") or e.get("request", {}).get("input", {}).get("data", {})
                   .get("psn_no", "")) for e in c.evidence if isinstance(e.get("request"), dict)}
    assert persons and all(p.startswith("HP-differential-beijing-") for p in persons if p), persons


# --------------------------------------------------------------------------- the report of one violation on a remote
# visit (runner._reported), with the system under test a real HTTP server

def _remote_violation(prop: str, field_name: str, expected: str, actual: str, visit: Settlement) -> PropertyViolation:
    load()
    person = Person("R1", "1101", birth_date=dt.date(1980, 1, 1))
    return PropertyViolation("不一致", [mismatch(field_name, expected, actual, visit.id)],
                             [Story.of(Setting("beijing", "beijing-example"), person, [visit], prop)])


def _reported_on(url_or_adapter, e: PropertyViolation, prop: str) -> CheckResult:
    from conform.harness.adapters.http import HttpAdapter
    from conform.harness.properties.runner import Budget, _reported

    system = (HttpAdapter(url_or_adapter, AdapterConfig(timeout=10)) if isinstance(url_or_adapter, str)
              else url_or_adapter)
    system.start()
    ch = CheckResult(nodeid=f"p::{prop}[beijing]", kind="property", name=prop, policy="beijing")
    evidence.begin()
    mine = {"operation": "2207", "request": {"psn_no": "HP-example-1"}, "response": {"infcode": 0}}
    evidence.record(mine["operation"], mine["request"], mine["response"])
    try:
        _reported(e, PROPERTIES[prop], "beijing", Budget(60.0), ch, system=system)
        kept = evidence.take()
    finally:
        system.stop()
    # the twin's exchanges are not the check's: only what the example recorded is there
    assert [(k["operation"], k["request"]) for k in kept] == [(mine["operation"], mine["request"])], kept
    return ch


# 北京 (五), beijing-example 在职: 三级 70%, 起付线 1800. A remote 三级 visit of 3000.00: (3000 − 1800) × 70% = 840.00,
# which the remote twin pays at 60%.
ORDINARY = Settlement("V1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("3000.00"), remote=True)


def test_a_remote_ratio_defect_rests_on_the_remote_reading_by_the_systems_answers(remote_lower_ratio):
    e = _remote_violation("differential", "pool_prop_selfpay", "0.7000", "0.6000", ORDINARY)
    ch = _reported_on(remote_lower_ratio, e, "differential")
    assert REMOTE in ch.extra.get("rests_on", []), ch.extra


def test_a_defect_the_same_remote_or_local_does_not_rest_on_the_remote_reading():
    # rvendor8 D2: the pharmacy deductible skipped everywhere; a remote pharmacy purchase of 100.00 is paid
    # 100 × 70% = 70.00 before the year's 1800 is used, and so is the same purchase made locally
    pharmacy = Settlement("V1", dt.date(2023, 3, 1), "41", "pharmacy", Decimal("100.00"), remote=True)
    e = _remote_violation("deductible", "hifp_pay", "0.00（本年起付线1800.00，各次本次起付线累计仅0.00）", "70.00", pharmacy)
    ch = _reported_on(shared("pharmacy_skips_deductible").url, e, "deductible")
    assert REMOTE not in (ch.extra.get("rests_on") or []), ch.extra


class LocalUnsendable(ReferenceAdapter):
    """A system paying remote visits 10 points below, which cannot be sent a local visit: no twin to compare."""

    def settle(self, psn_no, s):
        if not s.remote:
            raise NotApplicable("local-unsendable", "settle")
        out = dict(super().settle(psn_no, s))
        out["pool_prop_selfpay"] = "0.6000"
        return out


def test_a_twin_the_system_cannot_be_sent_keeps_the_references_decision():
    # the reference settles the remote visit and its local twin alike (A-REMOTE-SAME): the reading is dropped, as before
    e = _remote_violation("differential", "pool_prop_selfpay", "0.7000", "0.6000", ORDINARY)
    ch = _reported_on(LocalUnsendable(), e, "differential")
    assert REMOTE not in (ch.extra.get("rests_on") or []), ch.extra
