"""An account use the text leaves open (undetermined) makes a known balance unknown — allowed, the account paid it;
refused, it did not — except where both answers leave the balance as it was: an empty account pays nothing either way
(a use is paid at most up to the balance), and a use of 0.00 takes nothing. Then a later use over the balance is still
refused (probe s25 Z5: 北京, opening balance 0.00, an undetermined 10.00 made the balance unknown and a later 10.00 use
was `allowed` unchecked)."""
from __future__ import annotations

from conform.reference.case import parse_case
from conform.reference.engine import compute_case

U1 = {"id": "U1", "relation": "child", "purpose": "commercial_insurance", "amount": "10.00"}  # 北京（四）: names no one
U2 = {"id": "U2", "relation": "self", "purpose": "pharmacy_selfpay", "amount": "10.00"}


def _run(balance: str, first_amount: str = "10.00") -> dict:
    case = {"policy": "beijing", "region": "beijing-example",
            "person": {"psn_no": "BE", "psn_type": "1101", "acct_balance": balance},
            "account_uses": [{**U1, "amount": first_amount}, U2]}
    return compute_case(parse_case(case, "s25"), with_trace=False)


def test_an_empty_account_stays_known_after_an_undetermined_use():
    out = _run("0.00")
    assert [u["decision"] for u in out["account_uses"]] == ["undetermined", "refused"]
    assert out["acct_balance"] == "0.00"


def test_an_undetermined_use_of_nothing_leaves_the_balance_known():
    out = _run("50.00", first_amount="0.00")
    assert [u["decision"] for u in out["account_uses"]] == ["undetermined", "allowed"]
    assert out["acct_balance"] == "40.00"   # 50.00 − 0.00 (U1, either way) − 10.00 (U2)


def test_a_balance_an_undetermined_use_could_lower_becomes_unknown():
    out = _run("50.00")
    assert [u["decision"] for u in out["account_uses"]] == ["undetermined", "allowed"]
    assert "acct_balance" not in out   # 50.00 or 40.00: the text does not say which
