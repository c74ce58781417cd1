"""Personal accounts: what the texts condition a credit or a use on, and what they leave open.

- A person stated to have no account (`has_account: false`, README) is credited nothing and has no
  account to pay from: 0.00 with the reason named, a use refused naming has_account.
- 浙江 二（三）“2023年起开始实施改革” dates the account reform; a city's earlier `valid_from` (三（二）, for
  pooling) does not move it (A-ZJ-VALID-FROM).
- A use the text allows only on a condition the request (T003) cannot carry — 南昌 四（三）2 经市医疗保障局
  备案的, 北京（四）与基本医疗保险相衔接的本市, 浙江 二（四）本省 — is answered allowed with the condition in
  the reason, and the property accepts allowing or refusing it.
- A use over the balance (攀枝花 第五条 is silent): refused with the balance unchanged, or paid up to the
  balance (0.00); never an overdraft.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.generators import Setting
from conform.harness.properties.accounts import AccountYear, account_use, document_decision
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation
from conform.reference.account import check_use
from conform.reference.case import CreditRequest, UseRequest, parse_case
from conform.reference.engine import PersonLedger, compute_case
from conform.reference.policy import PolicyError, bind

D = Decimal


def ledger(policy, person, params=None):
    case = parse_case({"policy": policy, "person": {"psn_no": "C1", **person}})
    return PersonLedger(bind(policy, f"{policy}-example", params), case.person)


# --------------------------------------------------------------------------- has_account: false


@pytest.mark.parametrize(
    "policy, person, req, clause",
    [
        # without has_account false: 8000.00 × 2% = 160.00 (浙江 zhejiang-example); stated: no account, 0.00
        ("zhejiang", {"psn_type": "1101"}, CreditRequest("2023-03", base=D("8000.00")), "浙江 二（三）"),
        # without it: 个人缴费 160.00 全部计入 (攀枝花 第四条（一）)
        ("panzhihua", {"psn_type": "1101"}, CreditRequest("2023-03", contribution=D("160.00")),
         "攀枝花 第四条；A-PZH-NO-ACCOUNT-CREDIT"),
        # without it: 2987.50 × 2.5% = 74.69 (南昌 四（三）1, nanchang-example)
        ("nanchang", {"psn_type": "1201"}, CreditRequest("2023-03"), "南昌 四（三）1"),
        # without it: 100元/月 (北京（三）, under 70)
        ("beijing", {"psn_type": "1201", "birth_date": "1960-05-01"}, CreditRequest("2023-03"), "北京 (三)"),
    ],
)
def test_a_person_stated_to_have_no_account_is_credited_nothing_and_told_why(policy, person, req, clause):
    assert ledger(policy, person).credit(req).amount > 0  # the same person with an account is credited
    cr = ledger(policy, {**person, "has_account": False}).credit(req)
    assert cr.amount == D("0.00")
    [step] = cr.trace.render()
    assert "has_account" in step["detail"] and "未建立个人账户" in step["detail"]
    assert step["clause"] == clause


def test_the_reported_case_no_longer_credits_a_person_without_an_account():
    """rfeat1 defect 1 (/tmp/rf1/zj7.yaml): 160.00 was credited and a spouse's 100.00 paid from it."""
    case = parse_case({"policy": "zhejiang", "region": "zhejiang-example",
                       "person": {"psn_no": "ZJ-X", "psn_type": "1101", "has_account": False},
                       "account_credits": [{"month": "2023-03", "base": "8000.00"}],
                       "account_uses": [{"id": "U1", "relation": "spouse", "purpose": "resident_insurance_contribution",
                                         "amount": "100.00"}]})
    out = compute_case(case)
    assert out["account_credits"][0]["amount"] == "0.00"
    assert out["account_uses"][0]["decision"] == "refused"
    assert out["acct_balance"] == "0.00"  # nothing credited, nothing paid


@pytest.mark.parametrize("policy", ["panzhihua", "nanchang", "beijing", "zhejiang"])
def test_a_use_by_a_person_without_an_account_is_refused_naming_has_account(policy):
    person = parse_case({"policy": policy, "person": {"psn_no": "C2", "psn_type": "1101", "has_account": False}}).person
    d = check_use(bind(policy, f"{policy}-example"), "self", "medical_selfpay", person)
    assert d.decision == "refused" and "has_account" in d.reason
    with_account = parse_case({"policy": policy, "person": {"psn_no": "C3", "psn_type": "1101"}}).person
    assert check_use(bind(policy, f"{policy}-example"), "self", "medical_selfpay", with_account).decision == "allowed"


# --------------------------------------------------------------------------- 浙江 二（三）: the account reform's own date


def test_zhejiang_a_city_starting_pooling_in_2022_does_not_start_the_account_reform():
    """浙江 二（三）“2023年起开始实施改革”; a city's valid_from 2022-06-01 (三（二）) starts its pooling only.

    2022-07-01 三级 1600.00 under the city's pooling: (1600 − 600) × 50% = 500.00 (zhejiang-example).
    The 2022-07 credit (8000.00 × 2% = 160.00 under the new method) is refused citing 二（三）; 2023-01 is
    credited 160.00."""
    case = parse_case({"policy": "zhejiang", "person": {"psn_no": "ZJ-R", "psn_type": "1101"},
                       "settlements": [{"id": "V1", "date": "2022-07-01", "med_type": "11", "facility": "tertiary",
                                        "medfee_sumamt": "1600.00"}]})
    led = PersonLedger(bind("zhejiang", "zhejiang-example", {"valid_from": "2022-06-01"}), case.person)
    assert led.settle(case.items[0]).hifp_pay == D("500.00")
    with pytest.raises(PolicyError, match=r"2022-07.*account reform.*2023-01-01.*浙江 二（三）.*2023年起开始实施改革") as e:
        led.credit(CreditRequest("2022-07", base=D("8000.00")))
    assert "A-BEFORE-VALIDITY" in str(e.value)
    assert led.balance is None  # the refusal credited nothing
    assert led.credit(CreditRequest("2023-01", base=D("8000.00"))).amount == D("160.00")


def test_zhejiang_a_later_city_start_still_holds_back_the_account():
    """A city starting on 2023-03-01 credits from March: February ends before the city's start."""
    led = ledger("zhejiang", {"psn_type": "1101"}, {"valid_from": "2023-03-01"})
    with pytest.raises(PolicyError, match="2023-02.*2023-03-01"):
        led.credit(CreditRequest("2023-02", base=D("8000.00")))
    assert led.credit(CreditRequest("2023-03", base=D("8000.00"))).amount == D("160.00")


def test_zhejiang_an_account_use_before_the_crediting_reform_is_undetermined_when_dated():
    """二（三）dates the crediting reform; 二（四）'s uses carry no date (s11 implA, rtext D6): after a city's earlier
    start, before 2023, the use is neither refused nor allowed by the text."""
    rules = bind("zhejiang", "zhejiang-example", {"valid_from": "2022-06-01"})
    assert check_use(rules, "parent", "pharmacy_selfpay", day=dt.date(2022, 7, 1)).decision == "undetermined"
    with pytest.raises(PolicyError, match=r"2022-05-31.*2022-06-01.*浙江 三（二）"):
        check_use(rules, "parent", "pharmacy_selfpay", day=dt.date(2022, 5, 31))
    assert check_use(rules, "parent", "pharmacy_selfpay", day=dt.date(2023, 1, 1)).decision == "allowed"


# --------------------------------------------------------------------------- conditions the request cannot carry


@pytest.mark.parametrize(
    "policy, relation, purpose, words",
    [
        ("zhejiang", "spouse", "resident_insurance_contribution", "本省"),
        ("zhejiang", "child", "government_insurance_contribution", "本省"),
        ("nanchang", "parent", "commercial_insurance", "经市医疗保障局备案的商业补充医疗保险"),
        ("beijing", "self", "commercial_insurance", "与基本医疗保险相衔接的本市商业健康保险产品"),
    ],
)
def test_a_conditional_use_says_its_condition_and_the_property_accepts_either_answer(policy, relation, purpose, words):
    rules = bind(policy, f"{policy}-example")
    d = check_use(rules, relation, purpose)
    assert d.decision == "allowed" and words in d.reason and "请求未载明" in d.reason
    assert document_decision(rules, relation, purpose) == "conditional"


def test_a_condition_does_not_open_a_use_to_relatives_the_text_leaves_out():
    """浙江 二（四）直系亲属 only: anyone else stays refused. 北京（四）names no one for the commercial insurance
    purchase (A-BJ-COMMERCIAL-FOR-WHOM): a relative's purchase is open, either answer passes, not refused."""
    assert document_decision(bind("zhejiang", "zhejiang-example"), "other", "resident_insurance_contribution") == "refused"
    for relation in ("spouse", "parent", "child", "other"):
        assert document_decision(bind("beijing", "beijing-example"), relation, "commercial_insurance") == "undetermined"


# --------------------------------------------------------------------------- the account_use property


class Twin(ReferenceAdapter):
    """The reference, except as `answer(relation, purpose, amount, balance)` says: (decision, new balance)."""

    def __init__(self, answer):
        super().__init__()
        self.answer = answer

    def check_account_use(self, psn_no, relation, purpose, amount=None):
        led = self._ledger(psn_no)
        decision, balance = self.answer(relation, purpose, D(amount) if amount else None, led.balance)
        led.balance = balance
        return {"decision": decision, "clause": "twin", "reason": "twin", "acct_balance": f"{balance:.2f}"}


def check(adapter, policy, balance, *uses):
    setting = Setting(policy, f"{policy}-example")
    person = parse_case({"policy": policy, "person": {"psn_no": "P", "psn_type": "1101", "acct_balance": balance}}).person
    ctx = Context(adapter, policy, PROPERTIES["account_use"])
    account_use(ctx, AccountYear(setting, person, uses=tuple(UseRequest(f"U{i}", *u) for i, u in enumerate(uses))))
    return ctx


def refuse_conditional(relation, purpose, amount, balance):
    return "refused", balance


@pytest.mark.parametrize(
    "policy, relation, purpose",
    [("nanchang", "self", "commercial_insurance"), ("beijing", "self", "commercial_insurance"),
     ("zhejiang", "spouse", "resident_insurance_contribution")],
)
def test_the_property_accepts_a_refusal_of_a_use_whose_condition_the_request_cannot_carry(policy, relation, purpose):
    # balance 500.00; refused: unchanged
    ctx = check(Twin(refuse_conditional), policy, "500.00", (relation, purpose, D("100.00")))
    assert ctx.notes["undetermined_uses"] == {"refused": 1}  # counted on the check, not judged


def pay_up_to_the_balance(relation, purpose, amount, balance):
    return "allowed", max(balance - amount, D("0.00"))


def overdraw(relation, purpose, amount, balance):
    return "allowed", balance - amount


def test_the_property_accepts_a_use_over_the_balance_paid_up_to_the_balance():
    # 攀枝花 第五条: balance 150.00, 药店购药 200.00 → paid 150.00, balance 0.00; then 50.00 → 0.00 again
    check(Twin(pay_up_to_the_balance), "panzhihua", "150.00", ("self", "pharmacy_selfpay", D("200.00")),
          ("self", "pharmacy_selfpay", D("50.00")))


def test_the_property_still_accepts_a_refusal_over_the_balance():
    # balance 150.00, 200.00 refused → 150.00; then 100.00 allowed → 50.00
    check(ReferenceAdapter(), "panzhihua", "150.00", ("self", "pharmacy_selfpay", D("200.00")),
          ("self", "pharmacy_selfpay", D("100.00")))


def test_the_property_fails_an_overdraft():
    # balance 150.00, 200.00 allowed and debited in full → −50.00
    with pytest.raises(PropertyViolation, match="透支"):
        check(Twin(overdraw), "panzhihua", "150.00", ("self", "pharmacy_selfpay", D("200.00")))


def test_the_property_still_fails_a_refusal_of_a_use_the_text_allows_within_the_balance():
    # 攀枝花 第五条 药店购药 for 本人, 100.00 of 150.00: the text allows it unconditionally
    with pytest.raises(PropertyViolation, match="决定与文件规定不符"):
        check(Twin(refuse_conditional), "panzhihua", "150.00", ("self", "pharmacy_selfpay", D("100.00")))
