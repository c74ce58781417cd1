"""settlement_ratio_bound bounds a payment by (政策范围内费用 − the system's own deductible) × ratio, which reads the
deductible as counted from 政策范围内费用 only — A-DEDUCTIBLE-SCOPE where the text is silent (北京（五）), 浙江 二（一）'s
article where it decides. A lawful system counting 先行自付 toward the 北京 deductible (probe s29 H5 F3) failed this
property as a plain breach of 北京（五）, no reading named. Now the failure rests on the reading where it decides: the
bill has 先行自付 (全自费/超限价 are outside the fund's scope by the article: probe s29 R R3), the system counted a
deductible, and the payment is within the bound that 先行自付 could have taken the deductible from; a payment over even that rests on none, nor does 浙江's (its article decides).

The twin (tests/_s29_fixSR_mutant.py s29_preselfpay_counts_dedc) is a real HTTP server in its own process. Figures by
hand, beijing-example 在职 (起付线 1800.00, 一级 90%, 三级 70%):
  V1 2023-03-01 一级 1000.00: deductible 1000.00, paid 0.00 (800.00 left);
  V2 2023-04-01 三级 3000.00, 先行自付 1000.00: 政策范围内费用 2000.00. Reference: deductible min(2000, 800) = 800.00,
     (2000 − 800) × 70% = 840.00. Twin: the 先行自付 takes the 800.00 left, so 800.00 answered as well, and
     2000.00 × 70% = 1400.00 paid — over the bound 840.005, within (2000 − max(800 − 1000, 0)) × 70% = 1400.00.
zhejiang-example 在职 (起付线 600.00, 二级 60%, 三级 50%): V1 二级 400.00 all deductible; V2 三级 1000.00, 先行自付 300.00:
  政策范围内费用 700.00, deductible 200.00 either way; reference (700 − 200) × 50% = 250.00, twin 700 × 50% = 350.00.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from conform.harness import evidence
from conform.harness.adapters.http import HttpAdapter
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.config import AdapterConfig
from conform.harness.generators import PersonYear, Setting
from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation
from conform.harness.results import CheckResult
from conform.reference.case import Person, Settlement

from sample_server import twin_servers

MUTANT = Path(__file__).with_name("_s29_fixSR_mutant.py")
TWIN = "s29_preselfpay_counts_dedc"
PROP = "settlement_ratio_bound"
SCOPE = "A-DEDUCTIBLE-SCOPE"


def _year(policy: str, first: str, first_at: str, second: str, pre: str) -> PersonYear:
    return PersonYear(Setting(policy, f"{policy}-example"), Person("SR-1", "1101", birth_date=dt.date(1980, 5, 1)),
                      (Settlement("V1", dt.date(2023, 3, 1), "11", first_at, Decimal(first)),
                       Settlement("V2", dt.date(2023, 4, 1), "11", "tertiary", Decimal(second),
                                  preselfpay_amt=Decimal(pre))))


BEIJING = _year("beijing", "1000.00", "primary", "3000.00", "1000.00")
ZHEJIANG = _year("zhejiang", "400.00", "secondary", "1000.00", "300.00")


@pytest.fixture(scope="module")
def twin():
    with twin_servers(MUTANT, (TWIN,)) as urls:
        yield urls[TWIN]


def _check(adapter, py: PersonYear) -> CheckResult:
    """Run the property on the one example `py` against `adapter`, and report its violation as a run does."""
    from conform.harness.properties.runner import Budget, _reported

    load()
    ch = CheckResult(nodeid=f"p::{PROP}[{py.policy}]", kind="property", name=PROP, policy=py.policy)
    evidence.begin()
    try:
        with pytest.raises(PropertyViolation) as caught:
            PROPERTIES[PROP].check(Context(adapter, py.policy, PROPERTIES[PROP]), py)
        _reported(caught.value, PROPERTIES[PROP], py.policy, Budget(60.0), ch,
                  system=adapter if isinstance(adapter, HttpAdapter) else None)
    finally:
        evidence.take()
    return ch


def _http(url: str) -> HttpAdapter:
    system = HttpAdapter(url, AdapterConfig(timeout=10))
    system.start()
    return system


def test_a_payment_over_the_bound_only_by_what_the_deductible_accumulates_rests_on_the_reading(twin):
    system = _http(twin)
    try:
        ch = _check(system, BEIJING)
    finally:
        system.stop()
    assert "V2 统筹基金支付 (hifp_pay): 应为 ≤ (2000.00 − 800.00) × 70% = 840.00" in ch.message, ch.message
    assert "实际 1400.00" in ch.message and f"（起付线只由政策范围内费用累计，{SCOPE}）" in ch.message, ch.message
    assert ch.failed_articles == ["beijing-5"], ch.failed_articles
    assert ch.extra.get("rests_on") == [SCOPE], ch.extra


def test_zhejiangs_article_decides_it_no_reading_named(twin):
    system = _http(twin)
    try:
        ch = _check(system, ZHEJIANG)
    finally:
        system.stop()
    assert "V2 统筹基金支付 (hifp_pay): 应为 ≤ (700.00 − 200.00) × 50% = 250.00" in ch.message, ch.message
    assert "实际 350.00" in ch.message and SCOPE not in ch.message, ch.message
    assert ch.failed_articles == ["zhejiang-2.1"], ch.failed_articles
    assert SCOPE not in ch.extra.get("rests_on", ()), ch.extra


class PaysV2(ReferenceAdapter):
    """The reference, its ledger right, V2's fund payment answered as `hifp` (and its ratio as `ratio`)."""

    def __init__(self, hifp: str, ratio: str):
        super().__init__()
        self.told = {"hifp_pay": hifp, "pool_prop_selfpay": ratio}

    def settle(self, psn_no, settlement):
        out = super().settle(psn_no, settlement)
        return {**out, **self.told} if settlement.id == "V2" else out


@pytest.mark.parametrize("paid, ratio, readings", [("1400.00", "0.7000", (SCOPE,)), ("1400.01", "0.7000", ()),
                                                   ("960.00", "0.8000", ())])
def test_only_a_payment_the_other_reading_allows_rests_on_it(paid, ratio, readings):
    """1400.00 is what counting the 先行自付 toward the deductible pays; 1400.01 is more than the whole 政策范围内费用
    above any deductible the system's 800.00 could be made of — wrong under either reading; 960.00 is (2000 − 800) ×
    80%, a payment the system itself says it made at 80% for 三级's 70%: its ratio parts, not its deductible."""
    load()
    with pytest.raises(PropertyViolation) as caught:
        PROPERTIES[PROP].check(Context(PaysV2(paid, ratio), "beijing", PROPERTIES[PROP]), BEIJING)
    assert [m.item for m in caught.value.mismatches] == ["V2"], caught.value
    assert tuple(caught.value.readings) == readings, caught.value.readings
