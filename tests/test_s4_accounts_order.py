"""`conform settle` runs a case's settlements, reversals, credits and uses in one date order
(A-ACCOUNT-EVENT-ORDER), and an opening balance nobody gave stays unknown when a credit comes.

攀枝花, in service, 三级, 500.00 on 2023-03-01: deductible 200.00 (第七条), (500 − 200) × 50% = 150.00,
个人负担 350.00; the account pays up to its balance (第五条；A-ACCOUNT-SELFPAY). In-service credits are the
whole personal contribution (第四条). A spouse's 定点零售药店 costs may be paid from the account (第五条).
"""
from __future__ import annotations

from conform.reference.case import parse_case
from conform.reference.engine import compute_case

VISIT = {"id": "V1", "date": "2023-03-01", "med_type": "11", "facility": "tertiary", "medfee_sumamt": "500.00"}


def _run(person: dict, settlements=(), credits=(), uses=()) -> dict:
    case = {"policy": "panzhihua", "person": {"psn_no": "T0001", "psn_type": "1101", **person},
            "settlements": list(settlements), "account_credits": list(credits), "account_uses": list(uses)}
    return compute_case(parse_case(case), with_trace=False)


def _use(uid: str, amount: str, date: str | None = None) -> dict:
    u = {"id": uid, "relation": "spouse", "purpose": "pharmacy_selfpay", "amount": amount}
    return {**u, "date": date} if date else u


def _acct(out: dict) -> tuple[str, str]:
    (s,) = out["settlements"]
    return s["acct_pay"], s["psn_cash_pay"]


def test_a_use_dated_before_a_settlement_is_paid_before_it():
    """The reviewers' bal3.json: opening 100.00, a spouse's use of 50.00 on 2023-01-10, the visit in March."""
    out = _run({"acct_balance": "100.00"}, [VISIT], uses=[_use("U1", "50.00", "2023-01-10")])
    (u,) = out["account_uses"]
    assert (u["decision"], u["acct_balance"]) == ("allowed", "50.00")  # 100.00 − 50.00 on 2023-01-10
    assert _acct(out) == ("50.00", "300.00")  # the 50.00 left; 350.00 − 50.00 in cash
    assert out["acct_balance"] == "0.00"


def test_a_credit_of_an_earlier_month_pays_a_later_settlement():
    """Opening 0.00, February's contribution 160.00 credited in February: the March visit's account pays 160.00."""
    out = _run({"acct_balance": "0.00"}, [VISIT], credits=[{"month": "2023-02", "contribution": "160.00"}])
    assert _acct(out) == ("160.00", "190.00")
    assert out["acct_balance"] == "0.00"


def test_a_credit_of_a_later_month_does_not_pay_an_earlier_settlement():
    out = _run({"acct_balance": "0.00"}, [VISIT], credits=[{"month": "2023-04", "contribution": "160.00"}])
    assert _acct(out) == ("0.00", "350.00")
    assert out["acct_balance"] == "160.00"  # credited in April, after the visit


def test_a_months_credit_comes_before_a_settlement_on_its_first_day():
    """A-ACCOUNT-EVENT-ORDER: March's credit is on 1 March, before the visit that day."""
    out = _run({"acct_balance": "0.00"}, [VISIT], credits=[{"month": "2023-03", "contribution": "160.00"}])
    assert _acct(out) == ("160.00", "190.00")


def test_on_one_day_the_settlement_comes_before_the_use():
    """Opening 100.00: the visit on 2023-03-01 takes it all, so the use that day finds 0.00 and is refused."""
    out = _run({"acct_balance": "100.00"}, [VISIT], uses=[_use("U1", "50.00", "2023-03-01")])
    assert _acct(out) == ("100.00", "250.00")
    (u,) = out["account_uses"]
    assert u["decision"] == "refused" and "不足" in u["reason"] and u["acct_balance"] == "0.00"


def test_an_undated_use_comes_after_every_dated_event():
    """An undated use listed first still runs last: after the April credit and the March visit."""
    out = _run({"acct_balance": "100.00"}, [VISIT], credits=[{"month": "2023-04", "contribution": "60.00"}],
               uses=[_use("U0", "50.00"), _use("U1", "30.00", "2023-02-01")])
    assert _acct(out) == ("70.00", "280.00")  # 100.00 − 30.00 on 2023-02-01 leaves 70.00 for the visit
    u0, u1 = out["account_uses"]  # reported in the order listed
    assert (u0["id"], u0["decision"], u0["acct_balance"]) == ("U0", "allowed", "10.00")  # 0.00 + 60.00 − 50.00
    assert (u1["id"], u1["acct_balance"]) == ("U1", "70.00")


def test_each_list_is_reported_in_the_order_given():
    out = _run({"acct_balance": "0.00"}, credits=[{"month": "2023-05", "contribution": "10.00"},
                                                  {"month": "2023-02", "contribution": "20.00"}])
    assert [c["month"] for c in out["account_credits"]] == ["2023-05", "2023-02"]
    assert out["acct_balance"] == "30.00"


def test_a_credit_does_not_invent_an_unknown_opening_balance():
    """No acct_balance: the credit is computed, the balance stays unknown, and an allowed use of more than
    the credit is allowed and not debited (reported with no balance, not refused against 160.00)."""
    out = _run({}, credits=[{"month": "2023-02", "contribution": "160.00"}], uses=[_use("U1", "200.00")])
    assert out["account_credits"][0]["amount"] == "160.00"
    (u,) = out["account_uses"]
    assert u["decision"] == "allowed" and "acct_balance" not in u
    assert "余额未知" in u["reason"] and "不足" not in u["reason"]
    assert "acct_balance" not in out


def test_an_unknown_balance_pays_nothing_even_after_a_credit():
    """The visit after a credit to an unknown balance: the account pays nothing by a balance nobody gave."""
    out = _run({}, [VISIT], credits=[{"month": "2023-02", "contribution": "160.00"}])
    assert _acct(out) == ("0.00", "350.00")
    assert "acct_balance" not in out


def test_a_person_without_an_account_keeps_a_known_zero_balance():
    out = _run({"has_account": False}, credits=[{"month": "2023-02", "contribution": "160.00"}])
    assert out["account_credits"][0]["amount"] == "0.00" and out["acct_balance"] == "0.00"
