"""A refusal outside a document's validity is known by its class, OutsideValidity, never by its words.

A settlement, a credit and an account use dated before a document takes effect (or before the account
reform it dates) or after it expires are refused for want of the earlier or later rules (A-BEFORE-VALIDITY):
the harness blames such a refusal on that reading, not on an article. Credits and uses used to be refused
with a plain PolicyError that the harness recognised by the words "(A-BEFORE-VALIDITY)" in its message, so
a reworded message moved the blame, and a reason naming the reading in passing was taken for one.

Dates from the texts (conform/reference/policies/*.yaml quote them):
  攀枝花 第十九条 “本实施细则自2023年1月1日起实施，有效期5年”: 2023-01-01 to 2027-12-31.
  南昌 四（六）“《实施细则》自2023年1月1日起施行”: from 2023-01-01, no end.
  北京 印发 2022年3月6日 (no date of effect is written: A-BJ-EFFECTIVE): from 2022-03-06, no end.
  吉林 六（三）“以自然年度计算的原有门诊保障待遇，执行至 2022 年年底”: from 2023-01-01; it fixes no crediting.
  浙江 二（三）“2023年起开始实施改革”: the crediting reform from 2023-01-01, whatever date a city's
  rules start on (三（二）lets a city set valid_from, not before 2022-03-15: A-ZJ-VALID-FROM); a use is dated by
  the city's rules alone (二（四）has no date; between an earlier city start and 2023 it is undetermined).
A credit is refused when its month ends before the start (the whole month is earlier) or begins after the
end; a use, when its day is before the start or after the end.
"""
from __future__ import annotations

import datetime as dt
import pickle
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

import conform.reference.engine as engine
from conform.harness.adapters import SettlementRefused
from conform.harness.adapters.base import OPERATIONS, Adapter
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.plugin import MismatchError, _blame_scenario
from conform.harness.results import CheckResult
from conform.harness.steps.library import then_credit_refused, then_use, when_use
from conform.harness.steps.world import World, validity_refusal
from conform.reference.account import check_use
from conform.reference.benefits import OutsideValidity
from conform.reference.case import CreditRequest, parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import MissingParameter, PolicyError, bind

D = Decimal
ZJ_LATE = {"valid_from": "2023-03-01"}   # a city starting after the province's reform (三（二）)
ZJ_EARLY = {"valid_from": "2022-06-01"}  # a city starting before it (not before 2022-03-15)


def _ledger(policy: str, person: dict, params: dict | None = None) -> PersonLedger:
    case = parse_case({"policy": policy, "person": {"psn_no": "B1", **person}})
    return PersonLedger(bind(policy, f"{policy}-example", params), case.person)


# --------------------------------------------------------------------------- (1) the engine raises the class

# (policy, params, person, month, base, contribution): every credit refusal outside the validity
CREDITS_REFUSED = [
    # 攀枝花 第十九条: 2022-12 ends 2022-12-31, before 2023-01-01
    ("panzhihua", None, {"psn_type": "1101"}, "2022-12", None, "150.00"),
    # 攀枝花 第十九条 有效期5年: 2028-01 begins 2028-01-01, after 2027-12-31
    ("panzhihua", None, {"psn_type": "1101"}, "2028-01", None, "150.00"),
    # 南昌 四（六）: 2022-12 ends before 2023-01-01 (南昌 一's 2.9% is the earlier rules, not in the text)
    ("nanchang", None, {"psn_type": "1101"}, "2022-12", "6000.00", None),
    # 北京 2022年3月6日: 2022-02 ends 2022-02-28, before 2022-03-06
    ("beijing", None, {"psn_type": "1201", "birth_date": "1950-01-01"}, "2022-02", None, None),
    # 浙江 二（三）: 2022-12 before the reform (2023-01-01)
    ("zhejiang", None, {"psn_type": "1101"}, "2022-12", "8000.00", None),
    # 浙江 二（三）: a city starting pooling 2022-06-01 does not move the reform: 2022-07 still refused
    ("zhejiang", ZJ_EARLY, {"psn_type": "1101"}, "2022-07", "8000.00", None),
    # 浙江 三（二）: a city starting 2023-03-01: 2023-02 ends 2023-02-28, before it
    ("zhejiang", ZJ_LATE, {"psn_type": "1101"}, "2023-02", "8000.00", None),
]


@pytest.mark.parametrize("policy, params, person, month, base, contribution", CREDITS_REFUSED)
def test_each_credit_outside_the_validity_raises_outside_validity(policy, params, person, month, base, contribution):
    ledger = _ledger(policy, person, params)
    req = CreditRequest(month, D(base) if base else None, D(contribution) if contribution else None)
    with pytest.raises(OutsideValidity) as e:
        ledger.credit(req)
    assert f"account credit {month}" in str(e.value) and "(A-BEFORE-VALIDITY)" in str(e.value)  # wording kept
    assert month in e.value.zh and "A-BEFORE-VALIDITY" in e.value.zh  # a Refusal's Chinese reason
    assert ledger.balance is None and month not in ledger.credited  # nothing credited


# The months either side of those: credited, not refused (so the refusal above is the date's, not the person's)
@pytest.mark.parametrize("policy, params, person, month, base, contribution, amount", [
    ("panzhihua", None, {"psn_type": "1101"}, "2023-01", None, "150.00", "150.00"),  # 第四条（一）个人缴费全部计入
    ("panzhihua", None, {"psn_type": "1101"}, "2027-12", None, "150.00", "150.00"),  # the last month of the 5 years
    ("nanchang", None, {"psn_type": "1101"}, "2023-01", "6000.00", None, "120.00"),  # 四（三）1: 6000 × 2% = 120.00
    # 北京（三）: 2022-03 ends after 2022-03-06 and is credited whole; born 1950-01-01, 72 → 110元/月
    ("beijing", None, {"psn_type": "1201", "birth_date": "1950-01-01"}, "2022-03", None, None, "110.00"),
    ("zhejiang", None, {"psn_type": "1101"}, "2023-01", "8000.00", None, "160.00"),  # city: 8000 × 2% = 160.00
    ("zhejiang", ZJ_LATE, {"psn_type": "1101"}, "2023-03", "8000.00", None, "160.00"),
])
def test_the_months_either_side_are_credited(policy, params, person, month, base, contribution, amount):
    req = CreditRequest(month, D(base) if base else None, D(contribution) if contribution else None)
    assert _ledger(policy, person, params).credit(req).amount == D(amount)


# (policy, params, day): every use refusal outside the validity
USES_REFUSED = [
    ("panzhihua", None, "2022-12-31"),   # 第十九条: before 2023-01-01
    ("panzhihua", None, "2028-01-01"),   # 第十九条 有效期5年: after 2027-12-31
    ("nanchang", None, "2022-12-31"),    # 四（六）: before 2023-01-01
    ("beijing", None, "2022-03-05"),     # 2022年3月6日: the day before
    ("jilin", None, "2022-12-31"),       # 六（三）: the old benefits run to the end of 2022
    ("zhejiang", None, "2022-12-31"),    # before the city's rules, by default from 2023-01-01 (A-ZJ-VALID-FROM)
    ("zhejiang", ZJ_EARLY, "2022-05-31"),  # 三（二）: before the city's earlier 2022-06-01
    ("zhejiang", ZJ_LATE, "2023-02-28"),   # 三（二）: before the city's 2023-03-01
]


@pytest.mark.parametrize("policy, params, day", USES_REFUSED)
def test_each_use_outside_the_validity_raises_outside_validity(policy, params, day):
    rules = bind(policy, f"{policy}-example", params)
    with pytest.raises(OutsideValidity) as e:
        check_use(rules, "self", "medical_selfpay", day=dt.date.fromisoformat(day))
    assert f"account use on {day}" in str(e.value) and "(A-BEFORE-VALIDITY)" in str(e.value)
    assert day in e.value.zh and "A-BEFORE-VALIDITY" in e.value.zh


@pytest.mark.parametrize("policy, params, day", [
    ("panzhihua", None, "2023-01-01"), ("panzhihua", None, "2027-12-31"), ("nanchang", None, "2023-01-01"),
    ("beijing", None, "2022-03-06"), ("jilin", None, "2023-01-01"), ("zhejiang", None, "2023-01-01"),
    ("zhejiang", ZJ_LATE, "2023-03-01"),
])
def test_the_days_either_side_are_decided(policy, params, day):
    # the first (last) day in force: a decision (吉林 names no uses: undetermined), not a refusal
    d = check_use(bind(policy, f"{policy}-example", params), "self", "medical_selfpay", day=dt.date.fromisoformat(day))
    assert d.decision in ("allowed", "undetermined")


def test_a_case_use_outside_the_validity_keeps_the_class_when_conform_settle_names_it():
    # engine.compute_case renames the use (its id and index) in the message: the class is kept
    case = parse_case({"policy": "panzhihua", "region": "panzhihua-example",
                       "person": {"psn_no": "P1", "psn_type": "1101", "acct_balance": "500.00"},
                       "account_uses": [{"id": "U9", "relation": "self", "purpose": "pharmacy_selfpay",
                                         "amount": "100.00", "date": "2028-01-01"}]})
    with pytest.raises(OutsideValidity, match=r"^account use U9 \(account_uses\[0\]\) on 2028-01-01: after 攀枝花"):
        engine.compute_case(case, with_trace=False)


def test_the_class_crosses_a_process_boundary_with_both_texts():
    ledger = _ledger("panzhihua", {"psn_type": "1101"})
    with pytest.raises(OutsideValidity) as e:
        ledger.credit(CreditRequest("2028-01", None, D("150.00")))
    back = pickle.loads(pickle.dumps(e.value))
    assert type(back) is OutsideValidity and (str(back), back.zh) == (str(e.value), e.value.zh)


def test_refusals_of_another_kind_are_not_outside_validity():
    # 吉林 fixes no crediting at all, whatever the month (its 2022-12 too): not a date's refusal
    with pytest.raises(PolicyError, match="does not fix personal-account crediting") as e:
        _ledger("jilin", {"psn_type": "1101"}).credit(CreditRequest("2022-12", D("5000.00"), None))
    assert not isinstance(e.value, OutsideValidity)
    # 攀枝花 第四条: a flexible worker's tier is needed to credit, in force or not
    with pytest.raises(PolicyError, match="flex_tier") as e:
        _ledger("panzhihua", {"psn_type": "1103"}).credit(CreditRequest("2023-03", D("5000.00"), None))
    assert not isinstance(e.value, OutsideValidity)


# --------------------------------------------------------------------------- (2), (3) the harness's blame


class Lenient(Adapter):
    """Credits 0.00 and allows every use, whatever the date: "the rules then in force", as a system outside
    the document's validity might. Never calls the reference for those, so only the oracle refuses."""

    supports = frozenset(OPERATIONS)
    name = "lenient"

    def __init__(self, config: Any = None) -> None:
        self.ref = ReferenceAdapter()

    def prepare_person(self, subject):
        return self.ref.prepare_person(subject)

    def presettle(self, psn_no, s):
        return self.ref.presettle(psn_no, s)

    def settle(self, psn_no, s):
        return self.ref.settle(psn_no, s)

    def reverse(self, psn_no, setl_id):
        return self.ref.reverse(psn_no, setl_id)

    def query_ytd(self, psn_no, year):
        return self.ref.query_ytd(psn_no, year)

    def credit_month(self, psn_no, req):
        return {"month": req.month, "amount": "0.00"}

    def check_account_use(self, psn_no, relation, purpose, amount=None, date=None):
        return {"decision": "allowed", "clause": "", "reason": "按当时的规定允许"}


REWORDED = "(earlier or later rules apply, not held here)"


@pytest.fixture
def reworded(monkeypatch):
    """The engine's credit and use refusals with the reading's id dropped from the message, the exception
    itself (its class) unchanged: a rewording that must not move the blame."""
    def reword(fn):
        def call(*a, **k):
            try:
                return fn(*a, **k)
            except PolicyError as e:
                e.args = (str(e).replace("(A-BEFORE-VALIDITY)", REWORDED),)
                raise
        return call
    monkeypatch.setattr(engine, "credit_month", reword(engine.credit_month))
    monkeypatch.setattr(engine, "check_use", reword(engine.check_use))


def _world(policy: str, params: dict | None, person: dict) -> World:
    w = World(Lenient())
    w.policy, w.region, w.params = policy, f"{policy}-example", dict(params or {})
    w.set_person(psn_no="B1", **person)
    return w


def _request() -> SimpleNamespace:
    return SimpleNamespace(node=SimpleNamespace(user_properties=[]))


def _blamed(e: MismatchError, policy: str) -> CheckResult:
    ch = CheckResult("n", "scenario", "s", policy=policy, articles=[f"{policy}-x"])
    _blame_scenario(ch, e)
    return ch


@pytest.mark.parametrize("policy, params, person, month, base, contribution", CREDITS_REFUSED)
def test_a_credit_refused_outside_the_validity_rests_on_the_reading_however_worded(
        reworded, policy, params, person, month, base, contribution):
    # the reference refuses the month (above); the system credits 0.00 under the rules it holds then: a 0.00
    # is not the document's own amount, so the failure rests on A-BEFORE-VALIDITY, not on the validity article
    w = _world(policy, params, person)
    w.credit(month, D(base) if base else None, D(contribution) if contribution else None, expect_refusal=True)
    said = w.oracle_refusals[month]
    assert REWORDED in said and "A-BEFORE-VALIDITY" not in said  # the reference's message, reworded
    with pytest.raises(MismatchError) as e:
        then_credit_refused(w, _request())
    assert e.value.readings == ["A-BEFORE-VALIDITY"]
    ch = _blamed(e.value, policy)
    assert ch.extra["rests_on"] == ["A-BEFORE-VALIDITY"]
    assert ch.failed_articles == [f"{policy}-A-BEFORE-VALIDITY"]


@pytest.mark.parametrize("policy, params, day", USES_REFUSED)
def test_a_use_refused_outside_the_validity_rests_on_the_reading_however_worded(reworded, policy, params, day):
    # the reference refuses the use as a request (above); the system allows it
    w = _world(policy, params, {"psn_type": "1101", "acct_balance": "500.00"})
    when_use(w, "本人", "就医个人负担医疗费", day=day)
    assert w.oracle_use["by_reading"] is True and REWORDED in w.oracle_use["err_msg"]
    assert "A-BEFORE-VALIDITY" not in w.oracle_use["err_msg"]
    with pytest.raises(MismatchError) as e:
        then_use(w, _request(), "被拒绝")
    assert e.value.readings == ["A-BEFORE-VALIDITY"]
    assert e.value.trace[0]["clause"] == "A-BEFORE-VALIDITY"
    ch = _blamed(e.value, policy)
    assert ch.extra["rests_on"] == ["A-BEFORE-VALIDITY"]


@pytest.fixture
def names_the_reading(monkeypatch):
    """Every engine refusal of a credit with "(A-BEFORE-VALIDITY)" added to its message, its class unchanged."""
    def call(*a, **k):
        try:
            return fn(*a, **k)
        except PolicyError as e:
            e.args = (f"{e} (A-BEFORE-VALIDITY)",)
            raise
    fn = engine.credit_month
    monkeypatch.setattr(engine, "credit_month", call)


@pytest.mark.parametrize("policy, person, month, base, key", [
    # 攀枝花 第四条: a flexible worker's credit needs flex_tier (一档 2% of base, 二档 none): a plain PolicyError
    ("panzhihua", {"psn_type": "1103"}, "2023-03", "5000.00", "flex_tier"),
    # 浙江 二（三）: the city's retiree credit must be supplied (no region here): MissingParameter
    ("zhejiang", {"psn_type": "1201"}, "2023-03", None, "account.retiree.monthly"),
])
def test_a_credit_refused_for_a_missing_input_is_no_validity_refusal_even_naming_the_reading(
        names_the_reading, policy, person, month, base, key):
    w = _world(policy, None, person)
    if key.startswith("account."):
        w.region = None
    w.credit(month, D(base) if base else None, None, expect_refusal=True)
    said = w.oracle_refusals[month]
    assert key in said and "(A-BEFORE-VALIDITY)" in said
    assert month not in w.oracle_by_reading
    with pytest.raises(MismatchError) as e:
        then_credit_refused(w, _request())
    assert e.value.readings == []
    ch = _blamed(e.value, policy)
    assert "rests_on" not in ch.extra and not any("-A-" in t for t in ch.failed_articles), ch.failed_articles


def _refused(cause: Exception) -> SettlementRefused:
    """A SettlementRefused as the reference adapter raises it: `from None`, the engine's error its context."""
    try:
        try:
            raise cause
        except PolicyError as e:
            raise SettlementRefused(str(e)) from None
    except SettlementRefused as r:
        return r


def test_validity_refusal_reads_the_class_and_never_the_words():
    assert validity_refusal(_refused(OutsideValidity("account credit 2028-01: reworded entirely", "重新措辞")))
    assert not validity_refusal(_refused(PolicyError("account credit 2023-03: field base is needed (A-BEFORE-VALIDITY)")))
    assert not validity_refusal(SettlementRefused("the system's own refusal (A-BEFORE-VALIDITY)"))  # no engine error
    missing = MissingParameter("account.retiree.monthly", None, bind("zhejiang", None).policy)
    missing.args = (f"{missing} (A-BEFORE-VALIDITY)",)
    assert not validity_refusal(_refused(missing))
