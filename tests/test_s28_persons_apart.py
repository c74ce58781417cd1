"""Two persons settled in turn keep their own deductible and cap (probe s28 probeH3 F1).

A system filing the year's totals under the psn_no without its last character shares one deductible and one cap
between two persons whose ids differ only there. Every scenario and every other property settles one person at a
time, each after its own T001, so such a system passed every profile. The property `persons_apart` prepares two such
persons first, settles their visits in turn and compares each person's answers with the same system's answers to
that person's visits alone. The defective system is a real HTTP server in its own process
(tests/_s28_mix_persons_mutant.py registers the twin in the sample system's DEFECTS)."""
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

from property_runs import seeded_property
from sample_server import SampleServer, twin_servers

TWIN = Path(__file__).with_name("_s28_mix_persons_mutant.py")
MIX = "s28_mix_persons_ytd"


@pytest.fixture(scope="module")
def twin():
    with twin_servers(TWIN, (MIX,)) as urls:
        yield urls[MIX]


def _year(psn: str, *amounts: str) -> PersonYear:
    """An in-service person of 浙江 (zhejiang-example: 起付线 600.00, 三级 50%), ordinary visits at a 三级 hospital."""
    visits = tuple(Settlement(f"V{i}", dt.date(2023, 3, i), "11", "tertiary", Decimal(a))
                   for i, a in enumerate(amounts, 1))
    return PersonYear(Setting("zhejiang", "zhejiang-example"), Person(psn, "1101", birth_date=dt.date(1980, 1, 1)),
                      visits)


def _check(url: str, pair: tuple[PersonYear, PersonYear]) -> CheckResult:
    """The property on the one example `pair` against the system at `url`, its violation reported as a run does."""
    from conform.harness.properties.runner import Budget, _reported

    load()
    prop = PROPERTIES["persons_apart"]
    system = HttpAdapter(url, AdapterConfig(timeout=10))
    system.start()
    ch = CheckResult(nodeid="p::persons_apart[zhejiang]", kind="property", name="persons_apart", policy="zhejiang")
    evidence.begin()
    try:
        with pytest.raises(PropertyViolation) as caught:
            prop.check(Context(system, "zhejiang", prop), pair)
        _reported(caught.value, prop, "zhejiang", Budget(60.0), ch, system=system)
    finally:
        evidence.take()
        system.stop()
    return ch


def test_the_second_persons_first_visit_is_charged_their_own_deductible(twin):
    # A's V1 (1000.00) counts 600.00 of deductible; sent next, B's V1 of the twin finds the shared 600.00 used up and
    # pays 500.00; B's own deductible is untouched: 600.00 charged, (1000 − 600) × 50% = 200.00 paid.
    ch = _check(twin, (_year("A", "1000.00"), _year("B", "1000.00")))
    assert "编号仅末位不同的两名参保人" in ch.message and "交替结算（A-V1、B-V1）" in ch.message, ch.message
    assert "B-V1 本次起付线（参保人乙（与甲交替结算）） (act_pay_dedc): 应为 600.00，实际 0.00" in ch.message, ch.message
    assert "B-V1 统筹基金支付（参保人乙（与甲交替结算）） (hifp_pay): 应为 200.00，实际 500.00" in ch.message, ch.message
    # the other run's figure is never the expected one: the reference's is
    assert "应为 0.00" not in ch.message.split("反例")[0], ch.message
    assert ch.failed_articles == ["zhejiang-2.1"], ch.failed_articles   # 二（一）, the ordinary pooling article
    assert "rests_on" not in ch.extra, ch.extra                           # no reading: the text says "per person"


def test_the_property_fails_on_the_mixing_system_in_a_seeded_run(twin):
    c = seeded_property(twin, "zhejiang", "persons_apart", 1, 10)
    assert c.status == "failed", c.message
    assert "年度累计起付线" in c.message or "本次起付线" in c.message, c.message
    assert c.failed_articles == ["zhejiang-2.1"], c.failed_articles
    assert "rests_on" not in c.extra, c.extra


@pytest.mark.parametrize("policy", ["zhejiang", "jilin"])
def test_the_property_passes_on_the_correct_sample_system(policy):
    server = SampleServer()
    server.start()
    try:
        c = seeded_property(server.url, policy, "persons_apart", 1, 10)
    finally:
        server.stop()
    assert c.status == "passed" and c.extra.get("examples") == 10, (c.message, c.extra)


@pytest.mark.parametrize("policy", ["panzhihua", "nanchang", "beijing"])
def test_the_property_passes_on_the_reference(policy):
    c = seeded_property("reference", policy, "persons_apart", 1, 10)
    assert c.status == "passed" and c.extra.get("examples") == 10, (c.message, c.extra)
