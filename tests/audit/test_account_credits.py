"""An opening balance and the credits after it (A-AUDIT-ACCT-CREDITS), and what a reversal gives back.

攀枝花 第七条, in service, 三级: S1 500.00 in scope → deductible 200, (500 − 200) × 50% = 150.00 from the
fund, 个人负担 350.00; S2 a month later, 100.00 → 50.00 fund, 个人负担 50.00. The persons file gives the
balance at the start; the account is credited every month (第四条) and the ledger does not say how much.
Where the opening balance covers what the account should pay, credits (which only add) change nothing:
the figure is audited. Where it does not, the credits decide it: taken as recorded from there.
"""
from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pytest

from conform.audit import fallback
from conform.audit.run import audit
from conform.reference.case import Person
from _kept import kept_audit

HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay,psn_part_amt,acct_pay,psn_cash_pay"


# A retirement date years ahead changes no figure but sends the person to the reference engine
# (a retirement after the first settlement): both routes must say the same.
ROUTES = {"plan": {}, "reference": {"retire_date": "2030-01-01"}}


def _audit(tmp_path, rows: list[str], balance: str, route: str = "plan"):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text(json.dumps({"psn_no": "A", "acct_balance": balance, **ROUTES[route]}) + "\n", encoding="utf-8")
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", str(persons), write=False)
    assert s["persons_reference"] == (route == "reference")
    return code, s["discrepancies_by_field"], {a["id"] for a in s["assumptions"]}


@pytest.mark.parametrize("acct_s1, cash_s1, found", [
    # 1000.00 covers 350.00 and then 50.00: both audited
    ("350.00", "0.00", {}),
    # a system that kept 50.00 of S1 in cash although the account held enough
    ("300.00", "50.00", {"acct_pay": 1, "psn_cash_pay": 1}),
])
@pytest.mark.parametrize("route", ROUTES)
def test_a_balance_that_covers_the_payments_is_audited(tmp_path, acct_s1, cash_s1, found, route):
    rows = [f"S1,A,1101,2023-03-01,11,tertiary,500.00,150.00,350.00,{acct_s1},{cash_s1}",
            "S2,A,1101,2023-04-01,11,tertiary,100.00,50.00,50.00,50.00,0.00"]
    code, by_field, ids = _audit(tmp_path, rows, "1000.00", route)
    assert {f: n for f, n in by_field.items() if n} == found
    assert "A-AUDIT-ACCT-CREDITS" in ids


@pytest.mark.parametrize("route", ROUTES)
def test_past_the_opening_balance_the_credits_decide_and_the_payment_is_taken_as_recorded(tmp_path, route):
    # 100.00 at the start: S1's 350.00 is not covered (the account may have been credited before the visit),
    # so its 200.00 from the account is taken as recorded, cash 350 − 200 = 150.00 audited; S2 likewise:
    # 50.00 from the account as recorded, cash 0.00
    rows = ["S1,A,1101,2023-03-01,11,tertiary,500.00,150.00,350.00,200.00,150.00",
            "S2,A,1101,2023-04-01,11,tertiary,100.00,50.00,50.00,50.00,0.00"]
    code, by_field, _ = _audit(tmp_path, rows, "100.00", route)
    assert (code, {f: n for f, n in by_field.items() if n}) == (0, {})
    # the cash is still audited against 个人负担 less the recorded account payment
    rows[1] = "S2,A,1101,2023-04-01,11,tertiary,100.00,50.00,50.00,50.00,10.00"
    code, by_field, _ = _audit(tmp_path, rows, "100.00", route)
    assert (code, {f: n for f, n in by_field.items() if n}) == (1, {"psn_cash_pay": 1})


@pytest.mark.parametrize("route", ROUTES)
def test_what_the_opening_balance_certainly_held_is_still_a_floor(tmp_path, route):
    # 300.00 at the start, S1's 个人负担 350.00: whatever was credited, the account held at least 300.00 and
    # pays at least min(350, 300) = 300.00 — a system that paid nothing from it is wrong by 300.00, and its
    # cash 350.00 by +300.00 (at most 350 − 300 = 50.00)
    rows = ["S1,A,1101,2023-03-01,11,tertiary,500.00,150.00,350.00,0.00,350.00"]
    code, by_field, _ = _audit(tmp_path, rows, "300.00", route)
    assert (code, {f: n for f, n in by_field.items() if n}) == (1, {"acct_pay": 1, "psn_cash_pay": 1})


def _discrepancies(tmp_path, header: str, rows: list[str], person: dict, route: str) -> tuple[list[tuple], dict]:
    """(setl_id, field, recorded, expected) of every discrepancy, sorted, and the summary, on `route`."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text(json.dumps({"psn_no": "A", **person, **ROUTES[route]}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", str(persons), out=out)
    assert s["persons_reference"] == (route == "reference")
    return sorted(duckdb.sql(f"SELECT setl_id, field, recorded, expected FROM read_parquet('{out}/discrepancies.parquet')"
                             " ORDER BY setl_id, field").fetchall()), s


def _as_found(*pairs: tuple[str, str, str, str]) -> list[tuple]:
    return [(sid, f, Decimal(r), Decimal(e)) for sid, f, r, e in pairs]


@pytest.mark.parametrize("route", ROUTES)
def test_past_the_opening_balance_the_account_still_pays_no_more_than_the_persons_share(tmp_path, route):
    # 300.00 at the start, S1's 个人负担 350.00: the credits decide between 300.00 and 350.00, but no credit
    # lets the account pay more than the person bears — 400.00 recorded (cash −50.00) is at most 350.00:
    # acct_pay +50.00 and psn_cash_pay −50.00 (350 − 350 = 0.00); its reversal R1 gives back 350.00, so
    # one that gives back the recorded 400.00 is wrong by the same 50.00 (A-REVERSAL)
    rows = ["S1,A,1101,2023-03-01,11,tertiary,500.00,150.00,350.00,400.00,-50.00,",
            "R1,A,1101,2023-03-02,11,tertiary,-500.00,-150.00,-350.00,-400.00,50.00,S1"]
    got, _ = _discrepancies(tmp_path, HEADER + ",init_setl_id", rows, {"acct_balance": "300.00"}, route)
    assert got == _as_found(("R1", "acct_pay", "-400.00", "-350.00"), ("R1", "psn_cash_pay", "50.00", "0.00"),
                            ("S1", "acct_pay", "400.00", "350.00"), ("S1", "psn_cash_pay", "-50.00", "0.00"))


@pytest.mark.parametrize("route", ROUTES)
def test_without_a_balance_the_account_is_taken_as_recorded_up_to_the_persons_share(tmp_path, route):
    # No opening balance (A-AUDIT-ACCT-UNKNOWN): S1's 200.00 from the account stands as recorded (cash
    # 350 − 200 = 150.00), but S2's 400.00 against its 个人负担 of 350.00 (cash −50.00) is more than any
    # account can pay: held to 350.00 — acct_pay +50.00, psn_cash_pay −50.00 (S2 is S1's visit again a year
    # later: deductible 200.00 anew, fund 150.00)
    rows = ["S1,A,1101,2023-03-01,11,tertiary,500.00,150.00,350.00,200.00,150.00",
            "S2,A,1101,2024-03-01,11,tertiary,500.00,150.00,350.00,400.00,-50.00"]
    got, s = _discrepancies(tmp_path, HEADER, rows, {}, route)
    assert got == _as_found(("S2", "acct_pay", "400.00", "350.00"), ("S2", "psn_cash_pay", "-50.00", "0.00"))
    assert "A-AUDIT-ACCT-UNKNOWN" in {a["id"] for a in s["assumptions"]}


def test_the_worked_example_says_what_the_table_says(tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(HEADER + "\nS1,A,1101,2023-03-01,11,tertiary,500.00,150.00,350.00,320.00,30.00\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text('{"psn_no": "A", "acct_balance": "300.00"}\n', encoding="utf-8")
    with kept_audit([str(ledger)], "panzhihua", "panzhihua-example", str(persons), write=False) as (code, s, con):
        people = {"A": Person(psn_no="A", psn_type=None, acct_balance=Decimal("300.00"))}
        ctx = fallback.Context(con, fallback.RulesSpec("panzhihua", "panzhihua-example"), people)
        got = fallback.explain_settlement(ctx, "S1")
    # 320.00 recorded is more than the 300.00 certain, so possible: as recorded, and the trace says why
    assert (code, got["expected"]["acct_pay"], got["expected"]["psn_cash_pay"]) == (0, "320.00", "30.00")
    assert got["trace"][-1]["clause"] == "A-AUDIT-ACCT-CREDITS"


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("balance", ["100.00", None])
def test_a_reversal_gives_back_what_its_settlement_is_taken_to_have_paid(tmp_path, route, balance):
    # S1 (个人负担 350.00) paid 200.00 from the account: more than the opening 100.00, so taken as recorded
    # (or, without a balance, as recorded anyway). Its reversal R1 must give back exactly 200.00 and 150.00
    # cash (A-REVERSAL); one that moves 140.00 from cash into the account (−340.00, −10.00) is caught.
    rows = ["S1,A,1101,2023-03-01,11,tertiary,500.00,150.00,350.00,200.00,150.00",
            "R1,A,1101,2023-03-02,11,tertiary,-500.00,-150.00,-350.00,{},{},S1"]
    header = HEADER + ",init_setl_id"
    ledger = tmp_path / "ledger.csv"
    persons = tmp_path / "persons.jsonl"
    person = {"psn_no": "A", **ROUTES[route], **({"acct_balance": balance} if balance else {})}
    persons.write_text(json.dumps(person) + "\n", encoding="utf-8")
    for acct, cash, found in (("-200.00", "-150.00", {}), ("-340.00", "-10.00", {"acct_pay": 1, "psn_cash_pay": 1})):
        ledger.write_text("\n".join([header, rows[0] + ",", rows[1].format(acct, cash)]) + "\n", encoding="utf-8")
        code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", str(persons), write=False)
        assert {f: n for f, n in s["discrepancies_by_field"].items() if n} == found, (acct, s["discrepancies_by_field"])
        assert s["persons_reference"] == (route == "reference")


@pytest.mark.parametrize("route", ROUTES)
def test_a_reversals_clause_is_its_settlements_on_either_route(tmp_path, route):
    # R1 gives back 100.00 of S1's 150.00 from the fund: the difference is decided by S1's article
    # (攀枝花 第七条), marked as a reversal, whichever route settles A
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(HEADER + ",init_setl_id\nS1,A,1101,2023-03-01,11,tertiary,500.00,150.00,350.00,0.00,350.00,\n"
                      "R1,A,1101,2023-03-02,11,tertiary,-500.00,-100.00,-400.00,0.00,-400.00,S1\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text(json.dumps({"psn_no": "A", **ROUTES[route]}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    audit([str(ledger)], "panzhihua", "panzhihua-example", str(persons), out=out)
    clauses = {c for (c,) in duckdb.sql(f"SELECT DISTINCT clause FROM read_parquet('{out}/discrepancies.parquet') "
                                        "WHERE setl_id = 'R1' AND field = 'hifp_pay'").fetchall()}
    assert len(clauses) == 1
    (clause,) = clauses
    # the ledger holds 2023 from 03-01 and A has no ytd: S1's figures, and so R1's, rest on A-AUDIT-YTD-FROM-LEDGER too
    assert clause.startswith("攀枝花 第七条") and clause.endswith("A-REVERSAL；A-AUDIT-YTD-FROM-LEDGER"), clause
