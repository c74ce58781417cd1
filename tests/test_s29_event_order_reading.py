"""A-ACCOUNT-EVENT-ORDER (a month's credit counts from the 1st of its month, before that month's settlements and
uses) is cited on the figure it decides — the account payment, the use decision — and only there (probe s29 H5 F5).

No text says on which day of its month a credit arrives. The reading was cited on no step, so a system whose credit
becomes spendable only after its month failed 攀枝花 第五条 with no reading named. It is cited only where a credit of
the event's own month is part of the balance and the figure would differ without it.

攀枝花, in service: the whole contribution is credited (第四条); the account pays 个人负担 up to its balance and a
person's own 就医个人负担 may be paid from it (第五条). 三级, 500.00: deductible 200.00 (第七条), (500 − 200) × 50%
= 150.00 pooled, 个人负担 350.00.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from sample_server import SampleServer, twin_servers

from conform.harness.run import CONFORMANCE, execute
from conform.reference.case import CreditRequest, Person, UseRequest, parse_case
from conform.reference.engine import PersonLedger, compute_case, rules_for

READING = "A-ACCOUNT-EVENT-ORDER"
TWIN_SCRIPT = Path(__file__).resolve().parent / "_s29_credit_month_end.py"  # a launcher: never imported here
TWIN = "s29_credit_at_month_end"
SCENARIO = "有效期末日的使用照常扣减余额，届满后的使用被拒绝且不扣减"


def _visit(day: str) -> dict:
    return {"id": "V1", "date": day, "med_type": "11", "facility": "tertiary", "medfee_sumamt": "500.00"}


def _account_step(opening: str, month: str, contribution: str, day: str) -> dict:
    case = {"policy": "panzhihua", "person": {"psn_no": "T0001", "psn_type": "1101", "acct_balance": opening},
            "settlements": [_visit(day)], "account_credits": [{"month": month, "contribution": contribution}]}
    (s,) = compute_case(parse_case(case))["settlements"]
    (step,) = [t for t in s["trace"] if t["step"] == "个人账户支付"]
    return {**step, "acct_pay": s["acct_pay"]}


def test_a_payment_only_this_months_credit_makes_possible_cites_the_reading():
    """Opening 100.00, March's 160.00 credited: the 15 March visit's account pays 260.00; without the credit 100.00."""
    step = _account_step("100.00", "2023-03", "160.00", "2023-03-15")
    assert step["acct_pay"] == "260.00"
    assert READING in step["clause"] and "第五条" in step["clause"], step["clause"]
    assert "2023-03计入160.00元" in step["detail"], step["detail"]


def test_a_payment_not_depending_on_this_months_credit_does_not_cite_it():
    # February's credit pays a March visit under either day of arrival
    step = _account_step("100.00", "2023-02", "160.00", "2023-03-15")
    assert step["acct_pay"] == "260.00" and READING not in step["clause"], step
    # March's credit is in the balance, but 400.00 already held covers the 350.00: the same payment without it
    step = _account_step("400.00", "2023-03", "160.00", "2023-03-15")
    assert step["acct_pay"] == "350.00" and READING not in step["clause"], step


def test_an_account_payment_answered_without_this_months_credit_rests_on_the_reading():
    """The blame of a system paying 100.00 (the balance before March's credit) names the reading; with February's
    credit the same 260.00 is owed under either reading, and a system paying 100.00 then breaks 第五条 alone."""
    from conform.harness.report.causes import blame

    m = {"field": "acct_pay", "expected": "260.00", "actual": "100.00", "item": "V1"}
    for month, named in (("2023-03", True), ("2023-02", False)):
        case = {"policy": "panzhihua", "person": {"psn_no": "T0001", "psn_type": "1101", "acct_balance": "100.00"},
                "settlements": [_visit("2023-03-15")], "account_credits": [{"month": month, "contribution": "160.00"}]}
        (s,) = compute_case(parse_case(case))["settlements"]
        tags, readings = blame([m], {"V1": s["trace"]}, "panzhihua")
        assert tags == ["panzhihua-5"] and (READING in readings) is named, (month, tags, readings)


def _ledger(opening: str) -> PersonLedger:
    person = Person(psn_no="T0001", psn_type="1101", acct_balance=Decimal(opening))
    return PersonLedger(rules_for("panzhihua"), person)


def _use(ledger: PersonLedger, amount: str, day: str | None):
    date = dt.date.fromisoformat(day) if day else None
    return ledger.use_account(UseRequest("U", "self", "medical_selfpay", Decimal(amount), date)).decision


def test_a_use_allowed_only_by_this_months_credit_cites_the_reading_and_no_other_does():
    ledger = _ledger("0.00")
    ledger.credit(CreditRequest("2027-12", None, Decimal("150.00")))
    d = _use(ledger, "100.00", "2027-12-31")      # the 攀枝花 scenario: 0.00 + 150.00, all of it December's
    assert d.decision == "allowed" and READING in d.clause and "第五条" in d.clause, d
    d = _use(ledger, "30.00", "2027-12-31")       # 50.00 left: refused or not, 0.00 without the credit refuses too
    assert d.decision == "allowed" and READING in d.clause, d
    d = _use(ledger, "30.00", "2027-12-31")       # 20.00 left: refused either way — nothing rests on the reading
    assert d.decision == "refused" and READING not in d.clause, d
    ledger = _ledger("200.00")
    ledger.credit(CreditRequest("2027-11", None, Decimal("150.00")))
    d = _use(ledger, "300.00", "2027-12-01")      # November's credit: spendable in December under either reading
    assert d.decision == "allowed" and READING not in d.clause, d
    ledger = _ledger("200.00")
    ledger.credit(CreditRequest("2027-12", None, Decimal("150.00")))
    d = _use(ledger, "100.00", "2027-12-10")      # within the 200.00 held before December's credit
    assert d.decision == "allowed" and READING not in d.clause, d


def _scenario(url: str):
    run, _ = execute(adapter=url, articles=("panzhihua-5",), paths=(CONFORMANCE / "test_features.py",),
                     extra_args=("-k", "有效期末日的使用照常扣减余额"))
    (check,) = [c for c in run.checks if c.name == SCENARIO]
    return check


def test_a_credit_spendable_after_its_month_fails_on_the_reading_not_on_the_article_alone():
    """The lawful twin refuses the 2027-12-31 use of 100.00 (December's 150.00 not yet spendable): the expected
    `allowed` rests on A-ACCOUNT-EVENT-ORDER, and the failure says so."""
    with twin_servers(TWIN_SCRIPT, (TWIN,)) as urls:
        check = _scenario(urls[TWIN])
    assert check.status == "failed", (check.status, check.message)
    assert "使用决定" in check.message and "refused" in check.message, check.message
    assert READING in check.extra.get("rests_on", ()), check.extra


def test_the_sample_system_passes_that_scenario():
    with SampleServer() as server:
        check = _scenario(server.url)
    assert check.status == "passed", check.message
