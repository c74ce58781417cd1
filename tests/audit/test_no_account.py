"""A person with no personal account of their own: the account pays nothing of theirs, balance or not.

Without an account the most any account can pay is a relative's (acct_mulaid_pay, as recorded): here 0.00,
so a recorded 100.00 from the account is 100.00 too much and cash 100.00 too little.
- 攀枝花: the account is a condition of ordinary pooling (第七条), and a flexible worker of tier 2 has none
  (第四条, A-PZH-FLEX-TIER2): fund 0.00, 个人负担 = 500.00, all of it cash.
- 浙江 (example region): no such condition. 一级 1,000.00 in scope, in service: deductible 600.00,
  (1000 − 600) × 70% = 280.00 from the fund, 个人负担 720.00, all of it cash.
"""
from __future__ import annotations

import json

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from conform.reference.case import CaseError, parse_person
from _kept import kept_audit

HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay,psn_part_amt,acct_pay,psn_cash_pay"
# A retirement date years ahead changes no figure but sends the person to the reference engine.
ROUTES = {"plan": {}, "reference": {"retire_date": "2030-01-01"}}


def _run(tmp_path, policy: str, region: str, row: str, person: dict, route: str):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(HEADER + "\n" + row + "\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text(json.dumps({"psn_no": "A", **person, **ROUTES[route]}) + "\n", encoding="utf-8")
    with kept_audit([str(ledger)], policy, region, str(persons), write=False) as (code, s, con):
        assert s["persons_reference"] == (route == "reference")
        got = con.execute("SELECT field, CAST(recorded AS VARCHAR), CAST(expected AS VARCHAR) "
                          f"FROM '{s['_discrepancies']}' ORDER BY field").fetchall()
    return code, got


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("policy, person, row, cash", [
    ("panzhihua", {"psn_type": "1101", "has_account": False},
     "S1,A,1101,2023-03-01,11,primary,500.00,0.00,500.00,100.00,400.00", "500.0000"),
    ("panzhihua", {"psn_type": "1103", "flex_tier": 2},
     "S1,A,1103,2023-03-01,11,primary,500.00,0.00,500.00,100.00,400.00", "500.0000"),
    ("zhejiang", {"psn_type": "1101", "has_account": False},
     "S1,A,1101,2023-03-01,11,primary,1000.00,280.00,720.00,100.00,620.00", "720.0000"),
])
def test_an_account_payment_of_a_person_without_an_account_is_a_discrepancy(tmp_path, route, policy, person, row, cash):
    code, got = _run(tmp_path, policy, f"{policy}-example", row, person, route)
    assert code == 1
    assert got == [("acct_pay", "100.0000", "0.0000"), ("psn_cash_pay", row.split(",")[-1] + "00", cash)]


@pytest.mark.parametrize("route", ROUTES)
def test_a_person_with_an_account_and_no_balance_still_has_it_taken_as_recorded(tmp_path, route):
    # 攀枝花, an employee with an account: (500 − 200) × 60% = 180.00 from the fund, 个人负担 320.00, of which
    # 100.00 from the account is taken as recorded (A-AUDIT-ACCT-UNKNOWN)
    code, got = _run(tmp_path, "panzhihua", "panzhihua-example",
                     "S1,A,1101,2023-03-01,11,primary,500.00,180.00,320.00,100.00,220.00", {"psn_type": "1101"}, route)
    assert (code, got) == (0, [])


def test_a_record_without_an_account_cannot_give_a_balance():
    with pytest.raises(CaseError, match="acct_balance.*has_account is false"):
        parse_person({"psn_no": "A", "psn_type": "1101", "has_account": False, "acct_balance": "10.00"}, "c1")


def test_a_tier_2_balance_is_refused_where_the_document_credits_tier_2_no_account(tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(HEADER + "\nS1,A,1103,2023-03-01,11,primary,500.00,0.00,500.00,0.00,500.00\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text('{"psn_no": "A", "psn_type": "1103", "flex_tier": 2, "acct_balance": "10.00"}\n', encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"persons\.jsonl, line 1, column acct_balance: .*tier 2 has no personal account"):
        audit([str(ledger)], "panzhihua", "panzhihua-example", str(persons), write=False)
    # 浙江 knows no tiers: a tier is no reason to doubt the balance there (500 in scope, deductible 600: fund 0.00)
    ledger.write_text(HEADER + "\nS1,A,1103,2023-03-01,11,primary,500.00,0.00,500.00,10.00,490.00\n", encoding="utf-8")
    code, s = audit([str(ledger)], "zhejiang", "zhejiang-example", str(persons), write=False)
    assert code == 0 and not any(s["discrepancies_by_field"].values())


@pytest.mark.parametrize("route", ROUTES)
def test_a_no_account_rows_clause_names_no_assumption_that_would_take_the_recorded_figure(tmp_path, route):
    """0.00 is decided by there being no account, not by A-AUDIT-ACCT-UNKNOWN (which would take 100.00 as recorded)."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(HEADER + "\nS1,A,1103,2023-03-01,11,primary,500.00,0.00,500.00,100.00,400.00\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text(json.dumps({"psn_no": "A", "psn_type": "1103", "flex_tier": 2, **ROUTES[route]}) + "\n",
                       encoding="utf-8")
    with kept_audit([str(ledger)], "panzhihua", "panzhihua-example", str(persons), write=False) as (code, s, con):
        clause = con.execute(f"SELECT clause FROM '{s['_discrepancies']}' WHERE field = 'acct_pay'").fetchall()
    assert clause == [("攀枝花 第五条；A-ACCOUNT-SELFPAY",)]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("person, cite", [
    # the persons file says so: 第七条 (only an account holder gets ordinary pooling) alone decides
    ({"psn_type": "1101", "has_account": False}, "攀枝花 第七条"),
    # a tier-2 flexible worker: no account because 第四条 credits tier 2 none, which is the assumption's reading
    ({"psn_type": "1103", "flex_tier": 2}, "攀枝花 第七条；A-PZH-FLEX-TIER2"),
])
def test_a_fund_payment_without_an_account_cites_what_says_there_is_none(tmp_path, route, person, cite):
    """攀枝花, 500.00 at 一级 recorded as pooled like an account holder's, (500 − 200) × 60% = 180.00: without an
    account there is no ordinary pooling (第七条), so 0.00 is expected and 180.00 is overpaid."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(HEADER + f"\nS1,A,{person['psn_type']},2023-03-01,11,primary,500.00,180.00,320.00,0.00,320.00\n",
                      encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text(json.dumps({"psn_no": "A", **person, **ROUTES[route]}) + "\n", encoding="utf-8")
    with kept_audit([str(ledger)], "panzhihua", "panzhihua-example", str(persons), write=False) as (code, s, con):
        got = con.execute(f"SELECT field, CAST(expected AS VARCHAR), clause FROM '{s['_discrepancies']}' "
                          "WHERE field = 'hifp_pay'").fetchall()
    assert got == [("hifp_pay", "0.0000", cite)]
