"""An account use through the engine (conform settle's account_uses, the harness's T003) is checked with the
person and its date, as check_use allows: a person stated to have no account is refused naming has_account
(not "balance too small"), and a 浙江 use dated before the city's rules (by default 2023-01-01, A-ZJ-VALID-FROM)
is refused as a credit of that month is."""
from __future__ import annotations

import pytest

from conform.reference.case import parse_case
from conform.reference.engine import compute_case
from conform.reference.policy import PolicyError


def _uses(person: dict, uses: list[dict]) -> list[dict]:
    case = parse_case({"policy": "zhejiang", "region": "zhejiang-example", "person": person, "account_uses": uses})
    return compute_case(case, with_trace=False)["account_uses"]


def test_a_person_without_an_account_is_refused_for_that_reason():
    (u,) = _uses({"psn_no": "Z1", "psn_type": "1101", "has_account": False},
                 [{"relation": "spouse", "purpose": "resident_insurance_contribution", "amount": "100.00"}])
    assert u["decision"] == "refused" and "has_account" in u["reason"] and "不足" not in u["reason"]


def test_a_use_dated_before_the_account_reform_is_refused_and_one_after_is_not():
    person = {"psn_no": "Z1", "psn_type": "1101", "acct_balance": "500.00"}
    (u,) = _uses(person, [{"relation": "self", "purpose": "pharmacy_selfpay", "amount": "100.00", "date": "2023-01-01"}])
    assert (u["decision"], u["acct_balance"]) == ("allowed", "400.00")  # 500.00 − 100.00
    with pytest.raises(PolicyError, match="before 浙江's rules take effect on 2023-01-01"):
        _uses(person, [{"relation": "self", "purpose": "pharmacy_selfpay", "amount": "100.00", "date": "2022-12-31"}])


def test_a_use_dated_after_the_document_expires_is_refused_as_a_credit_of_that_month_is():
    """攀枝花 第十九条 有效期5年: 2023-01-01 to 2027-12-31. A use on 2028-01-02 is under rules not in the text."""
    def uses(day: str) -> list[dict]:
        case = parse_case({"policy": "panzhihua", "region": "panzhihua-example",
                           "person": {"psn_no": "P1", "psn_type": "1101", "acct_balance": "500.00"},
                           "account_uses": [{"relation": "self", "purpose": "pharmacy_selfpay", "amount": "100.00",
                                             "date": day}]})
        return compute_case(case, with_trace=False)["account_uses"]

    assert uses("2027-12-31")[0]["acct_balance"] == "400.00"  # 500.00 − 100.00 on the last day
    with pytest.raises(PolicyError, match="after 攀枝花's validity ends on 2027-12-31"):
        uses("2028-01-02")
