"""One credit a month (A-ACCOUNT-MONTH) in the engine itself, not only in case files: the harness's oracle and the
sample system call PersonLedger.credit directly, and a month credited twice doubled the balance (closing review s6)."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from conform.reference.case import CreditRequest, Person
from conform.reference.engine import PersonLedger, rules_for
from conform.reference.policy import PolicyError


def test_a_month_credited_twice_is_refused_and_the_balance_kept():
    ledger = PersonLedger(rules_for("zhejiang", "zhejiang-example"), Person("P1", "1101", acct_balance=D("0.00")))
    first = ledger.credit(CreditRequest("2023-03", base=D("8000.00")))
    assert ledger.balance == first.amount > 0
    with pytest.raises(PolicyError, match="A-ACCOUNT-MONTH"):
        ledger.credit(CreditRequest("2023-03", base=D("8000.00")))
    assert ledger.balance == first.amount
    ledger.credit(CreditRequest("2023-04", base=D("8000.00")))  # the next month still credits
    assert ledger.balance == 2 * first.amount
