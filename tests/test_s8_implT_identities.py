"""A broken identity of the system's own figures names the figure the reference gives otherwise (rvendor8 D7).

acct_pay + psn_cash_pay = psn_part_amt, balc = the balance before − acct_pay, and the ledger's balance say that some
figure in them is wrong, not which. Worked from the expectation of an account payment ×100 (fen given as yuan), all
else right: an "expected" cash or balance worked from the others would take the wrong acct_pay as given and blame
the two right figures with impossible negative amounts. Figures by hand from 北京 (五) with beijing-example
(在职: 起付线 1800, 三级 70%, 限额 20000, as features/beijing/（四）_规范个人账户使用管理.feature:94 works them) and
北京 (四) / A-ACCOUNT-SELFPAY (the account pays the person's part up to its balance).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.generators import PersonYear, Setting
from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation, Story
from conform.harness.report.causes import _expected_figure
from conform.reference.case import Person, Settlement


class AccountInFen(ReferenceAdapter):
    """The reference, but every settlement's acct_pay answered ×100; its balances (balc, acct_balance) stay right."""

    def settle(self, psn_no, settlement):
        out = dict(super().settle(psn_no, settlement))
        out["acct_pay"] = str(Decimal(str(out["acct_pay"])) * 100)
        return out


def _ctx(pid: str, adapter) -> Context:
    load()
    return Context(adapter, "beijing", PROPERTIES[pid])


BJ = Setting("beijing", "beijing-example")


def test_money_identities_names_the_wrong_account_payment_not_the_right_cash_and_balance():
    # 北京 在职 三级 2800.00, balance 500.00: deductible min(2800, 1800) = 1800.00; (2800 − 1800) × 70% = 700.00;
    # 个人负担 2800 − 700 = 2100.00; the account pays 500.00 (its whole balance), cash 2100 − 500 = 1600.00, balc 0.00.
    # The system answers acct_pay 50000.00 and the right cash 1600.00 and balc 0.00. Worked from its acct_pay, cash
    # would be "2100 − 50000 = −47900.00" and balc "500 − 50000 = −49500.00": both right figures blamed.
    person = Person("T1", "1101", birth_date=dt.date(1980, 5, 1), acct_balance=Decimal("500.00"))
    py = PersonYear(BJ, person, (Settlement("V1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("2800.00")),))
    with pytest.raises(PropertyViolation) as e:
        PROPERTIES["money_identities"].check(_ctx("money_identities", AccountInFen()), py)
    found = [(m.field, m.expected, m.actual, m.item) for m in e.value.mismatches]
    assert found == [("acct_pay", "500.00", "50000.00", "V1")], found


def test_the_ledger_names_the_wrong_account_payment_not_a_negative_balance_nor_the_reversal():
    # rvendor8's shrunk example: 北京 在职, balance 0.01, V1 三级 0.01 on 2023-01-01: all of it to the deductible
    # (0.01 of 1800), the fund pays 0.00, 个人负担 0.01, the account pays 0.01, the balance is 0.00. Answered
    # acct_pay 1.00 with the right balance 0.00: the balance worked from the system's payments, 0.01 − 1.00, is
    # "−0.99", which no account can hold. No reversal took place, so nothing rests on A-REVERSAL.
    ctx = _ctx("stateful_ledger", AccountInFen())
    machine = PROPERTIES["stateful_ledger"].machine(ctx)()
    machine.start(setting=BJ, psn_type="1101", traits=0, balance=1, year=2023, day=0)
    machine.settle(seed=0)  # the plainest visit: 0.01 at a 三级 hospital, ordinary outpatient
    [visit] = machine.story.settlements
    assert (visit.medfee_sumamt, visit.facility, visit.med_type) == (Decimal("0.01"), "tertiary", "11")
    with pytest.raises(PropertyViolation) as e:
        machine.totals_are_the_standing_settlements()
    found = [(m.field, m.expected, m.actual, m.item) for m in e.value.mismatches]
    assert found == [("acct_pay", "0.01", "1.00", "V1")], found
    assert "A-REVERSAL" not in e.value.headline
    from conform.harness.properties.base import exercised

    assert exercised(("A-REVERSAL",), e.value.stories) == []


def test_a_reversal_in_the_example_keeps_the_reversal_reading():
    from conform.harness.properties.base import Reverse, Settle, exercised

    person = Person("T2", "1101")
    s = Settlement("V1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("10.00"))
    assert exercised(("A-REVERSAL", "A-ROUND-FEN"), [Story(BJ, person, [Settle(s), Reverse("V1")])]) == \
        ["A-REVERSAL", "A-ROUND-FEN"]
    assert exercised(("A-REVERSAL", "A-ROUND-FEN"), [Story(BJ, person, [Settle(s)])]) == ["A-ROUND-FEN"]


def test_without_a_reference_figure_the_identity_is_stated_with_no_amount_worked_from_the_system():
    # The same answer with no reference to ask (it refused, or leaves the account's part undetermined): the
    # relation is stated on the cash payment, its figures in a note, and no "expected" amount is read from it.
    from conform.harness.properties.settlement import Oracle, breakers

    oracle = Oracle(Story(BJ, Person("T3", "1101")))
    oracle._asked, oracle._obs = True, None  # noqa: SLF001 - no reference answer
    out = {"psn_part_amt": "2100.00", "acct_pay": "50000.00", "psn_cash_pay": "1600.00"}
    [m] = breakers(oracle, out, "V1", ("psn_part_amt", "acct_pay", "psn_cash_pay"), "个人账户支付 + 现金支付 = 个人负担",
                   "50000.00 + 1600.00 ≠ 2100.00")
    assert (m.field, m.actual) == ("psn_cash_pay", "1600.00")
    assert _expected_figure(m.expected) is None and "-" not in m.expected, m.expected
