"""A year's payments over the annual cap rest on what fixes the cap, not on how each visit was paid (rvendor8 D2).

annual_cap's bound is the benefit's cap: a system paying past it is wrong whatever ratio, route or overflow gave the
visit its payment. Its failure used to be put at the payment's whole reference working (no step shows "≤ cap"), so
it named every reading that working cites: 攀枝花's unrated hospital (A-PZH-UNRATED, a ratio), or 吉林's chronic
overflow (A-JL-CHRONIC-OVERFLOW). It now rests on the steps that fix the cap (base.bound_traces): a reading that
does fix it stays (吉林 retirees take the one ordinary.cap by A-JL-RETIREE-DEDUCTIBLE; a disease without a cap of
its own shares the chronic one by A-JL-CHRONIC-CAP-PER-DISEASE).

The defective system is the reference with its caps tripled. Figures by hand from 攀枝花 第七条 (在职 起付线200元,
二级及以下60%, 限额1000元; 未定级 as 二级及以下 by A-PZH-UNRATED) and 吉林 二（二）、二（三） with jilin-example
(起付线 200, 二级 55%, 退休 + 5% (二（二）同住院倾斜, inpatient.retiree_ratio_bonus 0.05), 限额 1500; 慢性病 70%, 限额 3000).
"""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.generators import PersonYear, Setting
from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation
from conform.harness.properties.runner import Budget, _reported
from conform.harness.results import CheckResult
from conform.reference.case import Disease, Person, Settlement
from told_answers import Answers, found as _found

CAP_KEYS = ("ordinary.cap", "ordinary.cap.in_service", "ordinary.cap.retiree", "chronic.cap")


class TripledCaps(ReferenceAdapter):
    """The reference, but every ordinary and chronic annual cap three times the document's (its own ledger only)."""

    def prepare_person(self, subject):
        super().prepare_person(subject)
        ledger = self.ledgers[subject.person.psn_no]
        rules = copy.copy(ledger.rules)
        # the bound rules are shared and cache lookups (some under tuple keys): start this copy's cache afresh
        rules._cache = {}  # noqa: SLF001 - a test twin
        for key in CAP_KEYS:
            p = ledger.rules.find(key)
            if p is not None:
                rules._cache[key] = replace(p, value=p.value * 3)  # noqa: SLF001
        ledger.rules = rules


def _report(policy: str, py: PersonYear) -> tuple[PropertyViolation, CheckResult]:
    load()
    prop = PROPERTIES["annual_cap"]
    with pytest.raises(PropertyViolation) as e:
        prop.check(Context(TripledCaps(), policy, prop), py)
    ch = CheckResult(nodeid=f"p::annual_cap[{policy}]", kind="property", name=prop.title, policy=policy)
    _reported(e.value, prop, policy, Budget(600.0), ch)
    return e.value, ch


def test_a_payment_past_the_cap_at_an_unrated_hospital_does_not_rest_on_its_ratio():
    # 攀枝花 在职, no chronic disease, 未定级 3000.00 on 2023-03-01: 起付线 200, (3000 − 200) × 60% = 1680.00 (the ratio
    # by A-PZH-UNRATED), the cap leaves 1000.00. The twin (cap 3000) pays 1680.00: over the 1000.00 cap — which
    # 第七条 fixes; how the 1680.00 was worked out (the unrated ratio) is no part of it.
    person = Person("W1", "1101", birth_date=dt.date(1980, 5, 1))
    py = PersonYear(Setting("panzhihua", "panzhihua-example"), person,
                    (Settlement("V1", dt.date(2023, 3, 1), "11", "unrated", Decimal("3000.00")),))
    e, ch = _report("panzhihua", py)
    assert _found(e) == [("ordinary_pay", "≤ 1000.00", "1680.00", "V1")], _found(e)
    assert ch.failed_articles == ["panzhihua-7"], ch.failed_articles
    assert "A-PZH-UNRATED" not in (ch.extra.get("rests_on") or []) + (ch.extra.get("assumptions") or []), ch.extra
    assert [t["step"] for t in e.trace] == ["年度最高支付限额"], e.trace  # the working shown is the cap's
    assert e.trace[0]["clause"] == "攀枝花 第七条", e.trace


def test_a_retirees_payment_past_the_one_cap_rests_on_the_reading_that_gives_him_that_cap():
    # 吉林 退休 (1201), no chronic disease, 二级 5000.00 on 2023-03-01: 起付线 200, ratio 55% + 5% = 60%,
    # (5000 − 200) × 60% = 2880.00; the cap 1500 (the region's one ordinary.cap, which a retiree takes by
    # A-JL-RETIREE-DEDUCTIBLE) leaves 1500.00. The twin (cap 4500) pays 2880.00.
    person = Person("W2", "1201", birth_date=dt.date(1955, 5, 1))
    py = PersonYear(Setting("jilin", "jilin-example"), person,
                    (Settlement("V1", dt.date(2023, 3, 1), "11", "secondary", Decimal("5000.00")),))
    e, ch = _report("jilin", py)
    assert _found(e) == [("ordinary_pay", "≤ 1500.00", "2880.00", "V1")], _found(e)
    assert ch.failed_articles == ["jilin-2.2"], ch.failed_articles
    assert ch.extra.get("rests_on") == ["A-JL-RETIREE-DEDUCTIBLE"], ch.extra
    assert "A-ROUND-FEN" not in ch.extra.get("assumptions", []), ch.extra


def test_chronic_payments_past_the_shared_cap_rest_on_the_sharing_reading_not_on_the_overflow():
    # 吉林 在职 with M03900 and M03901 (no cap of their own: they share the chronic 3000.00 by
    # A-JL-CHRONIC-CAP-PER-DISEASE), 二级. V1 M03900 5200.00: 起付线 200 (shared with ordinary pooling),
    # (5200 − 200) × 70% = 3500.00; the reference pays 3000.00 (the cap) and sends the rest to ordinary pooling
    # (A-JL-CHRONIC-OVERFLOW); the twin (chronic cap 9000) pays 3500.00 as chronic, over the 3000.00 at V1. That
    # cap is the shared one: its reading stays; the overflow's does not bear on what the cap allows.
    person = Person("W3", "1101", birth_date=dt.date(1970, 5, 1),
                    diseases=(Disease("M03900", "chronic"), Disease("M03901", "chronic")))
    py = PersonYear(Setting("jilin", "jilin-example"), person, (
        Settlement("V1", dt.date(2023, 3, 1), "14", "secondary", Decimal("5200.00"), dise_codg="M03900"),
        Settlement("V2", dt.date(2023, 4, 1), "14", "secondary", Decimal("5200.00"), dise_codg="M03901")))
    e, ch = _report("jilin", py)
    assert _found(e) == [("chronic_pay", "≤ 3000.00", "3500.00", "V1")], _found(e)
    assert ch.failed_articles == ["jilin-2.3"], ch.failed_articles
    rests = ch.extra.get("rests_on") or []
    assert rests == ["A-JL-CHRONIC-CAP-PER-DISEASE"], ch.extra
    assert "A-JL-CHRONIC-OVERFLOW" not in ch.extra.get("assumptions", []), ch.extra


def test_without_a_bound_the_whole_working_is_read_as_before():
    # the narrowing is the bound's alone: a violation naming no bound keeps every step of its item's working
    from conform.harness.properties.base import Story, bound_traces, mismatch

    load()
    story = Story(Setting("panzhihua", "panzhihua-example"), Person("W4", "1101"), [])
    traces = {"V1": [{"step": "支付比例", "clause": "攀枝花 第七条；A-PZH-UNRATED；A-ROUND-FEN"},
                     {"step": "年度最高支付限额", "clause": "攀枝花 第七条；A-MIDYEAR-RETIREMENT"}]}
    plain = PropertyViolation("x", [mismatch("ordinary_pay", "≤ 1000.00", "1680.00", "V1")], [story])
    assert bound_traces(traces, plain) == traces
    capped = PropertyViolation("x", [mismatch("ordinary_pay", "≤ 1000.00", "1680.00", "V1")], [story],
                               bound=("年度最高支付限额",))
    assert bound_traces(traces, capped) == {"V1": [{"step": "年度最高支付限额", "detail": "",
                                                    "clause": "攀枝花 第七条；A-MIDYEAR-RETIREMENT"}]}
    # a bound over two steps is one step citing both, without their rounding; no such step, nothing to rest on
    chronic = {"V1": [{"step": "慢特病限额", "detail": "共用慢性病年度限额3000.00元",
                       "clause": "吉林 二(三)；A-JL-CHRONIC-CAP-PER-DISEASE"},
                      {"step": "慢特病支付", "detail": "本次支付3000.00元", "clause": "吉林 二(三)；A-ROUND-FEN"}]}
    two = PropertyViolation("x", [mismatch("chronic_pay", "≤ 3000.00", "3500.00", "V1")], [story],
                            bound=("慢特病限额", "慢特病支付"))
    assert bound_traces(chronic, two) == {"V1": [{"step": "慢特病限额",
                                                  "detail": "共用慢性病年度限额3000.00元；本次支付3000.00元",
                                                  "clause": "吉林 二(三)；A-JL-CHRONIC-CAP-PER-DISEASE"}]}
    assert bound_traces({"V1": traces["V1"][:1]}, capped) == {"V1": []}


def test_a_cap_passed_after_an_earlier_overpayment_names_that_visit_first():
    # 南昌 在职 三级 (起付线600元, 50%, 限额1800元): V1 2000.00: 600.00 to the deductible, (2000 − 600) × 50% = 700.00;
    # V2 3000.00: 3000 × 50% = 1500.00 → 1800 − 700 = 1100.00 left: 1100.00. The system pays V1 1200.00 (within the
    # cap alone) and V2 the right 1100.00: the year passes 1800.00 at V2 (2300.00), from V1's 500.00 too many.
    load()
    prop = PROPERTIES["annual_cap"]
    person = Person("W5", "1101", birth_date=dt.date(1980, 5, 1))
    py = PersonYear(Setting("nanchang", "nanchang-example"), person, (
        Settlement("V1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("2000.00")),
        Settlement("V2", dt.date(2023, 4, 1), "11", "tertiary", Decimal("3000.00"))))
    twin = Answers({("V1", "hifp_pay"): "1200.00", ("V1", "ordinary_pay"): "1200.00",
                    ("V1", "fund_pay_sumamt"): "1200.00"})
    with pytest.raises(PropertyViolation) as e:
        prop.check(Context(twin, "nanchang", prop), py)
    assert _found(e.value) == [("ordinary_pay", "700.00", "1200.00", "V1"),
                               ("ordinary_pay", "≤ 1800.00", "2300.00", "V2")], _found(e.value)
    assert e.value.departure == "V1" and "V1 的普通门诊统筹支付与参考实现不符" in e.value.headline, e.value.headline
