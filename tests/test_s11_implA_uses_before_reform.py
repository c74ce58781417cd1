"""浙江 account uses before 2023 are not refused by the date 二（三）gives the crediting reform (s10 rtext D6).

二（三）“……调整在职职工和退休人员个人账户，2023年起开始实施改革” dates the crediting reform (计入办法和计入水平);
二（四）规范个人账户使用范围 carries no date. So a use is gated by the city's own rules (valid_from, 三（二）; by default
2023-01-01, A-ZJ-VALID-FROM) like every settlement: before them it is refused for want of the earlier rules
(A-BEFORE-VALIDITY). Between a city's earlier start and 2023-01-01 the text does not say whether the city's use scope
had already changed: undetermined (either answer stands), never refused. Credits keep 二（三）'s date. 北京's account
rules （三）（四）start on one date, which still refuses a use before it.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conform.reference.account import check_use
from conform.reference.benefits import OutsideValidity
from conform.reference.case import CreditRequest, parse_case
from conform.reference.engine import PersonLedger, compute_case
from conform.reference.policy import bind

EARLY = {"valid_from": "2022-06-01"}  # a city starting its rules before the crediting reform (三（二）, ≥ 2022-03-15)
D = dt.date.fromisoformat


@pytest.mark.parametrize("relation, purpose", [
    ("spouse", "medical_selfpay"),    # 二（四）allows it from 2023
    ("self", "pharmacy_selfpay"),
    ("parent", "fitness"),            # 二（四）不得用于……体育健身 from 2023; before, the city's rules are not known
])
def test_a_use_after_the_citys_earlier_start_but_before_2023_is_undetermined(relation, purpose):
    rules = bind("zhejiang", "zhejiang-example", EARLY)
    d = check_use(rules, relation, purpose, day=D("2022-12-10"))
    assert d.decision == "undetermined"
    assert "浙江 二（四）" in d.clause and "A-ZJ-VALID-FROM" in d.clause and "未作规定" in d.reason
    # from the crediting reform's day on, 二（四）decides
    after = check_use(rules, relation, purpose, day=D("2023-01-01"))
    assert after.decision == ("refused" if purpose == "fitness" else "allowed") and after.clause == "浙江 二（四）"


def test_a_use_before_the_citys_own_start_is_refused_citing_that_start():
    rules = bind("zhejiang", "zhejiang-example", EARLY)
    with pytest.raises(OutsideValidity, match=r"2022-05-31: before 浙江's rules take effect on 2022-06-01 \(浙江 三（二）\)"):
        check_use(rules, "self", "medical_selfpay", day=D("2022-05-31"))


def test_without_a_city_date_a_2022_use_is_refused_by_the_default_start_not_the_crediting_reform():
    # the city gives no valid_from: its rules are read as starting 2023-01-01 (A-ZJ-VALID-FROM), as its settlements are
    rules = bind("zhejiang", "zhejiang-example")
    with pytest.raises(OutsideValidity) as e:
        check_use(rules, "spouse", "medical_selfpay", day=D("2022-12-10"))
    msg = str(e.value)
    assert "before 浙江's rules take effect on 2023-01-01 (浙江 二（三）；A-ZJ-VALID-FROM)" in msg
    assert "personal-account reform" not in msg and "A-BEFORE-VALIDITY" in msg


def test_credits_keep_the_crediting_reforms_date():
    # 二（三）: the 2022-12 credit is refused though the city's rules started 2022-06-01; 2023-01: 8000 × 2% = 160.00
    case = parse_case({"policy": "zhejiang", "person": {"psn_no": "Z1", "psn_type": "1101"}})
    led = PersonLedger(bind("zhejiang", "zhejiang-example", EARLY), case.person)
    with pytest.raises(OutsideValidity, match="2022-12.*personal-account reform takes effect on 2023-01-01"):
        led.credit(CreditRequest("2022-12", base=Decimal("8000.00")))
    assert str(led.credit(CreditRequest("2023-01", base=Decimal("8000.00"))).amount) == "160.00"


def test_beijing_uses_keep_the_one_date_of_its_account_rules():
    # 北京（三）（四）from the 2022-03-06 issue date (A-BJ-EFFECTIVE): a use the day before is still refused
    with pytest.raises(OutsideValidity, match="2022-03-05.*personal-account reform takes effect on 2022-03-06"):
        check_use(bind("beijing", "beijing-example"), "self", "medical_selfpay", day=D("2022-03-05"))


def test_an_undetermined_use_in_a_case_leaves_the_balance_unknown_and_says_why():
    # opening balance 300.00; 2022-12-10 spouse pharmacy 100.00 under a city started 2022-06-01: undetermined — had
    # the city allowed it the account holds 300.00 − 100.00 = 200.00, else 300.00: the balance is unknown from then
    # on, and the 2023-01-01 use is allowed without a balance check (neither 200.00 nor 100.00 is demanded)
    case = parse_case({"policy": "zhejiang", "region": "zhejiang-example", "params": EARLY,
                       "person": {"psn_no": "Z1", "psn_type": "1101", "acct_balance": "300.00"},
                       "account_uses": [{"id": f"U{i}", "relation": "spouse", "purpose": "pharmacy_selfpay",
                                         "amount": "100.00", "date": d}
                                        for i, d in enumerate(("2022-12-10", "2023-01-01"), 1)]})
    early, late = compute_case(case, with_trace=False)["account_uses"]
    assert early["decision"] == "undetermined" and early.get("acct_balance") is None
    assert late["decision"] == "allowed" and late.get("acct_balance") is None
    assert "U1（2022-12-10）起未知" in late["reason"] and "100.00" in late["reason"]


def test_an_undetermined_use_without_an_amount_keeps_the_balance():
    # no amount: nothing the account may have paid; 2023-01-01 spouse pharmacy 100.00 allowed: 300.00 − 100.00 = 200.00
    case = parse_case({"policy": "zhejiang", "region": "zhejiang-example", "params": EARLY,
                       "person": {"psn_no": "Z1", "psn_type": "1101", "acct_balance": "300.00"},
                       "account_uses": [{"relation": "spouse", "purpose": "pharmacy_selfpay", "date": "2022-12-10"},
                                        {"relation": "spouse", "purpose": "pharmacy_selfpay", "amount": "100.00",
                                         "date": "2023-01-01"}]})
    early, late = compute_case(case, with_trace=False)["account_uses"]
    assert early["decision"] == "undetermined"
    assert (late["decision"], late["acct_balance"]) == ("allowed", "200.00")
