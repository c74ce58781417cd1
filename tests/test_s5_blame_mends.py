"""Today's blame changes mended (closing review rclose7, D1 harness half, D2, D3, D4, D8).

D2: a refusal the reference gives for want of an input (攀枝花 flex_tier) mentions readings on the way
(A-PZH-FLEX-TIER2, A-PZH-OVERFLOW-SPLIT) but is no reading: a system settling it fails on the articles,
not "resting on a named reading"; only a refusal outside the validity is one (A-BEFORE-VALIDITY).
D1: the ratio step cites A-ROUND-FEN where rounding changed the payment; a wrong ratio does not rest on it.
D3: a system applying the document's own figures outside its validity breaches 第十九条, not a reading.
D4: a use refused for the wrong reason (二（四） where the scenario says 依据 "二（三）") fails in both forms,
a `decision` answer and a refusal as a request. D8: a plugin subclassing ReferenceAdapter is a system under
test: it gets the oracle, so the reading-based blame applies to it.

The systems wrap the reference by composition (so the harness runs its oracle beside them), changing one
behaviour each, as the review's plugins (/work/notes/s5/rclose7/plug/) do.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from conform.harness.adapters import SettlementRefused
from conform.harness.adapters.base import OPERATIONS, Adapter
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.plugin import MismatchError, _blame_scenario
from conform.harness.properties.runner import is_reference
from conform.harness.results import CheckResult
from conform.harness.steps.library import then_credit_refused, then_refused, then_use, when_use
from conform.harness.steps.world import World


def _plain(out: Any) -> dict:
    return {k: v for k, v in dict(out).items() if k != "trace"}


class _Wrapped(Adapter):
    supports = frozenset(OPERATIONS)
    name = "wrapped"

    def __init__(self, config: Any = None) -> None:
        self.ref = ReferenceAdapter()

    def prepare_person(self, subject):
        return self.ref.prepare_person(subject)

    def _s(self, op, psn_no, s):
        return _plain(getattr(self.ref, op)(psn_no, s))

    def presettle(self, psn_no, s):
        return self._s("presettle", psn_no, s)

    def settle(self, psn_no, s):
        return self._s("settle", psn_no, s)

    def reverse(self, psn_no, setl_id):
        return _plain(self.ref.reverse(psn_no, setl_id))

    def query_ytd(self, psn_no, year):
        return self.ref.query_ytd(psn_no, year)

    def credit_month(self, psn_no, req):
        return _plain(self.ref.credit_month(psn_no, req))

    def check_account_use(self, psn_no, relation, purpose, amount=None, date=None):
        return self.ref.check_account_use(psn_no, relation, purpose, amount, date)


class KnowsTier(_Wrapped):
    """Has its flexible workers' tier in its own records (一档), so settles where the request gives none."""

    name = "knows-tier"

    def prepare_person(self, subject):
        p = subject.person
        if p.psn_type in ("1103", "1203") and p.flex_tier is None:
            subject = dataclasses.replace(subject, person=dataclasses.replace(p, flex_tier=1))
        return self.ref.prepare_person(subject)


class EarlyRules(_Wrapped):
    """Settles a visit outside 攀枝花's validity as if dated on its first (last) day."""

    name = "early-rules"

    def _s(self, op, psn_no, s):
        f = getattr(self.ref, op)
        try:
            return _plain(f(psn_no, s))
        except SettlementRefused as e:
            if "A-BEFORE-VALIDITY" not in e.message:
                raise
            day = dt.date(2023, 1, 1) if s.date < dt.date(2023, 1, 1) else dt.date(2027, 12, 31)
            return _plain(f(psn_no, dataclasses.replace(s, date=day)))


class SubclassedEarly(ReferenceAdapter):
    """EarlyRules as a vendor might write it: a subclass of the reference adapter (rclose7 early.py)."""

    name = "subclassed-early"

    def settle(self, psn_no, s):
        try:
            return _plain(super().settle(psn_no, s))
        except SettlementRefused as e:
            if "A-BEFORE-VALIDITY" not in e.message:
                raise
            return _plain(super().settle(psn_no, dataclasses.replace(s, date=dt.date(2023, 1, 1))))


class WrongRatio(_Wrapped):
    """Right payment, pool_prop_selfpay 5 points low (a display bug: nothing to do with rounding)."""

    def _s(self, op, psn_no, s):
        out = super()._s(op, psn_no, s)
        out["pool_prop_selfpay"] = f"{Decimal(out['pool_prop_selfpay']) - Decimal('0.05'):.4f}"
        return out


class FenShort(_Wrapped):
    """Rounds the payment half-even: (1000.01 − 200) × 50% = 400.005 paid 400.00."""

    def _s(self, op, psn_no, s):
        out = super()._s(op, psn_no, s)
        out["hifp_pay"] = f"{Decimal(out['hifp_pay']) - Decimal('0.01'):.2f}"
        return out


class WrongReason(_Wrapped):
    """Refuses each use the reference refuses, but for 二（四） (scope): as an answer, or as a request."""

    mode = "answer"

    def check_account_use(self, psn_no, relation, purpose, amount=None, date=None):
        try:
            return self.ref.check_account_use(psn_no, relation, purpose, amount, date)
        except SettlementRefused:
            if self.mode == "infcode":
                raise SettlementRefused("二（四）：该用途不在个人账户使用范围内") from None
            return {"decision": "refused", "clause": "二（四）"}


def _request() -> SimpleNamespace:
    return SimpleNamespace(node=SimpleNamespace(user_properties=[]))


def _blamed(e: MismatchError, policy: str, tags: list[str]) -> CheckResult:
    ch = CheckResult("n", "scenario", "s", policy=policy, articles=tags)
    _blame_scenario(ch, e)
    return ch


def _visit(day: str, total: str, **more: Any) -> dict:
    return {"date": day, "facility": "tertiary", "med_type": "11", "medfee_sumamt": total, **more}


# --------------------------------------------------------------------------- D2


def test_a_refusal_for_a_missing_input_is_not_blamed_on_the_readings_its_message_mentions():
    # 第10条…feature:168 [缺少=flex_tier]: 灵活就业在职, M00500, 二级 6000.00 overflows to ordinary pooling,
    # which needs the tier: the reference refuses naming 第七条, A-PZH-FLEX-TIER2 and A-PZH-OVERFLOW-SPLIT
    w = World(KnowsTier())
    w.policy, w.region = "panzhihua", "panzhihua-example"
    w.set_person(psn_no="PZH-0726", psn_type="1103", chronic_diseases=[{"dise_codg": "M00500", "kind": "chronic"}])
    w.settle({"date": "2023-03-01", "facility": "secondary", "med_type": "14", "dise_codg": "M00500",
              "medfee_sumamt": "6000.00"}, expect_refusal=True)
    assert w.refusal is None and "A-PZH-FLEX-TIER2" in w.oracle_refusals["V1"]
    with pytest.raises(MismatchError) as e:
        then_refused(w, _request(), "flex_tier")
    # … save the one the refusal rests on: the tier is needed only for the part of this crossing visit that
    # A-PZH-OVERFLOW-SPLIT sends on (probe s26/probe2 F3); not A-PZH-FLEX-TIER2, which its message mentions
    assert e.value.readings == ["A-PZH-OVERFLOW-SPLIT"]
    ch = _blamed(e.value, "panzhihua", ["panzhihua-10", "panzhihua-11"])
    assert ch.extra.get("rests_on") == ["A-PZH-OVERFLOW-SPLIT"]
    assert ch.failed_articles and not any("-A-" in t for t in ch.failed_articles), ch.failed_articles
    assert "panzhihua-7" in ch.failed_articles  # the article the refusal cites, kept


class OtherRules(_Wrapped):
    """Settles a visit outside 攀枝花's validity with figures of its own (not the document's): 10.00 paid."""

    name = "other-rules"

    def _s(self, op, psn_no, s):
        try:
            return super()._s(op, psn_no, s)
        except SettlementRefused as e:
            if "A-BEFORE-VALIDITY" not in e.message:
                raise
            return {**super()._s(op, psn_no, dataclasses.replace(s, date=dt.date(2023, 1, 1))), "hifp_pay": "10.00"}


@pytest.mark.parametrize("day", ["2022-12-31", "2028-01-01"])
def test_applying_the_documents_own_figures_outside_its_validity_breaches_its_validity_article(day):
    # rclose7 D3: (1000 − 200) × 50% = 400.00 on 2022-12-31 is 第七条's figure on a day 第十九条 says the
    # document is not yet in force: no earlier rules, whatever they were, so not a mere reading
    w = World(EarlyRules())
    w.policy = "panzhihua"
    w.set_person(psn_no="P1", psn_type="1101")
    w.settle(_visit(day, "1000.00"), expect_refusal=True)
    assert w.results["V1"]["hifp_pay"] == "400.00"
    with pytest.raises(MismatchError) as e:
        then_refused(w, _request())
    if day > "2027-12-31":  # s28 H3 F4: after the end date the same figures may be a successor's (延续执行)
        assert e.value.readings == ["A-BEFORE-VALIDITY"]
        assert _blamed(e.value, "panzhihua", ["panzhihua-19"]).failed_articles == ["panzhihua-A-BEFORE-VALIDITY"]
        return
    assert e.value.readings == []
    ch = _blamed(e.value, "panzhihua", ["panzhihua-19"])
    assert "rests_on" not in ch.extra
    # s28 H3 F4: the validity article alone; 第七条 was applied exactly (its working stays as evidence)
    assert ch.failed_articles == ["panzhihua-19"], ch.failed_articles
    assert "400.00" in e.value.trace[0]["detail"]


class EarlyCredits(_Wrapped):
    """Credits a month outside 攀枝花's validity at the document's own rate, as its first (last) month."""

    name = "early-credits"

    def credit_month(self, psn_no, req):
        try:
            return _plain(self.ref.credit_month(psn_no, req))
        except SettlementRefused as e:
            if "A-BEFORE-VALIDITY" not in e.message:
                raise
            month = "2023-01" if req.month < "2023-01" else "2027-12"
            return {**_plain(self.ref.credit_month(psn_no, dataclasses.replace(req, month=month))), "month": req.month}


@pytest.mark.parametrize("month", ["2022-12", "2028-01"])
def test_crediting_the_documents_own_amount_outside_its_validity_breaches_its_validity_article(month):
    w = World(EarlyCredits())
    w.policy = "panzhihua"
    w.set_person(psn_no="P1", psn_type="1101", acct_balance="0.00")
    w.credit(month, None, Decimal("200.00"), expect_refusal=True)
    assert Decimal(w.credits[month]["amount"]) > 0
    with pytest.raises(MismatchError) as e:
        then_credit_refused(w, _request())
    if month > "2027-12":  # s28 H3 F4: after the end date the same amount may be a successor's (延续执行)
        assert e.value.readings == ["A-BEFORE-VALIDITY"]
        assert _blamed(e.value, "panzhihua", ["panzhihua-19"]).failed_articles == ["panzhihua-A-BEFORE-VALIDITY"]
        return
    assert e.value.readings == []
    ch = _blamed(e.value, "panzhihua", ["panzhihua-19"])
    assert "rests_on" not in ch.extra
    assert ch.failed_articles == ["panzhihua-19"], ch.failed_articles  # not 第四条, applied exactly (s28 H3 F4)


def test_other_figures_outside_the_validity_still_rest_on_a_before_validity():
    w = World(OtherRules())
    w.policy = "panzhihua"
    w.set_person(psn_no="P1", psn_type="1101")
    w.settle(_visit("2022-12-31", "1000.00"), expect_refusal=True)
    with pytest.raises(MismatchError) as e:
        then_refused(w, _request())
    assert e.value.readings == ["A-BEFORE-VALIDITY"]
    ch = _blamed(e.value, "panzhihua", ["panzhihua-19"])
    assert ch.extra["rests_on"] == ["A-BEFORE-VALIDITY"]
    assert ch.failed_articles == ["panzhihua-A-BEFORE-VALIDITY"]


def test_a_refusal_whose_message_names_a_before_validity_in_passing_is_no_validity_refusal():
    # the marker is the reference's exception, not its wording
    w = World(_Wrapped())
    w.policy = "panzhihua"
    w.oracle_refusals["V1"] = "settlement V1: needs flex_tier (攀枝花 第七条; A-BEFORE-VALIDITY)"
    assert w.refusal_readings("V1", "结算受理")[0] == []


# --------------------------------------------------------------------------- D1


def test_a_wrong_ratio_on_a_rounded_product_does_not_rest_on_a_round_fen():
    # (1000.01 − 200) × 50% = 400.005 → 400.01: the ratio step cites A-ROUND-FEN; the ratio 50% is 第七条's
    w = World(WrongRatio())
    w.policy = "panzhihua"
    w.set_person(psn_no="P1", psn_type="1101")
    w.settle(_visit("2023-03-01", "1000.01"))
    assert any("A-ROUND-FEN" in t["clause"] for t in w.trace_for("V1"))
    with pytest.raises(MismatchError) as e:
        w.expect_fields("V1", {"pool_prop_selfpay": Decimal("0.50")})
    ch = _blamed(e.value, "panzhihua", ["panzhihua-7"])
    assert ch.failed_articles == ["panzhihua-7"]
    assert "rests_on" not in ch.extra


def test_a_fen_short_payment_on_the_same_visit_still_rests_on_a_round_fen():
    w = World(FenShort())
    w.policy = "panzhihua"
    w.set_person(psn_no="P1", psn_type="1101")
    w.settle(_visit("2023-03-01", "1000.01"))
    with pytest.raises(MismatchError) as e:
        w.expect_fields("V1", {"hifp_pay": Decimal("400.01")})
    ch = _blamed(e.value, "panzhihua", ["panzhihua-7"])
    assert ch.extra["rests_on"] == ["A-ROUND-FEN"]


# --------------------------------------------------------------------------- D4


@pytest.mark.parametrize("mode", ["answer", "infcode"])
def test_a_use_refused_for_the_wrong_reason_fails_in_both_forms(mode):
    # 浙江 三（二）: a 2022-05-31 use is refused before the city's rules (valid_from 2022-06-01), not for 二（四）'s
    # scope (before s11 implA: a 2022-12-31 use, refused by 二（三）'s crediting reform, now undetermined)
    system = WrongReason()
    system.mode = mode
    w = World(system)
    w.policy, w.region = "zhejiang", "zhejiang-example"
    w.params = {"valid_from": "2022-06-01"}
    w.set_person(psn_no="ZJ-0203-J", psn_type="1101")
    when_use(w, "本人", "就医个人负担医疗费", day="2022-05-31")
    assert w.last_use["decision"] == "refused"
    with pytest.raises(MismatchError) as e:
        then_use(w, _request(), "被拒绝", "三（二）")
    (m,) = e.value.mismatches
    assert (m.field, m.expected) == ("clause", "三（二）") and "二（四）" in m.actual


@pytest.mark.parametrize("system", [ReferenceAdapter, _Wrapped])
def test_a_use_refused_as_a_request_naming_the_cited_clause_passes(system):
    w = World(system())
    w.policy, w.region = "zhejiang", "zhejiang-example"
    w.params = {"valid_from": "2022-06-01"}
    w.set_person(psn_no="ZJ-0203-J", psn_type="1101")
    when_use(w, "本人", "就医个人负担医疗费", day="2022-05-31")
    assert "err_msg" in w.last_use  # refused as a request, its err_msg citing the city's start (三（二）)
    then_use(w, _request(), "被拒绝", "三（二）")


# --------------------------------------------------------------------------- D8


def test_a_plugin_subclassing_the_reference_gets_the_oracle_and_its_validity_blame():
    w = World(SubclassedEarly())
    assert w.oracle is not None and World(ReferenceAdapter()).oracle is None
    assert not is_reference(SubclassedEarly()) and is_reference(ReferenceAdapter())
    w.policy = "panzhihua"
    w.set_person(psn_no="P1", psn_type="1101")
    w.settle(_visit("2022-12-31", "1000.00"), expect_refusal=True)
    with pytest.raises(MismatchError) as e:
        then_refused(w, _request())
    ch = _blamed(e.value, "panzhihua", ["panzhihua-19"])  # judged as the composed EarlyRules is (D3)
    assert "rests_on" not in ch.extra and ch.failed_articles == ["panzhihua-19"], ch.failed_articles  # s28 H3 F4
