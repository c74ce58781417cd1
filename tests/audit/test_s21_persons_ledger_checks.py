"""persons.ledger_checks: what the persons file says against the ledger, once both are read; and the messages for a
value of the wrong kind (a JSON number said as a number, never as Python's Decimal('…')).

ledger_checks is to be called by run.py after persons.load and ledger.load (see the s21 report); these tests call it
on the connection an audit keeps (keep_connection), whose `ledger` table is the ledger as read.
- A birth_date after a row of the person's (the probe's t/b_birth_future: born 2030-01-01, settled 2023-03-10) is
  refused at the persons line, column birth_date.
- A person in the persons file whom no ledger row names is counted with the first such line (a city-wide file is
  expected to hold many: a note, not a refusal).
- flex_tier on a record without psn_type whose every ledger row is an employee's (1101/1201) is read by no settlement
  (t/c_flex_on_emp): a note naming the line.
"""
from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from conform.audit import persons
from conform.audit.errors import AuditInputError
from conform.audit.run import audit

LEDGER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay\n"
          "S1,P101,1101,2023-03-10,11,secondary,300.00,200.00,60.00\n"
          "S2,P102,1101,2023-03-10,11,secondary,300.00,200.00,60.00\n"
          "S3,P104,1103,2023-03-10,11,secondary,300.00,200.00,60.00\n")


def _checked(tmp_path, *records):
    (tmp_path / "l.csv").write_text(LEDGER, encoding="utf-8")
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    _, s = audit([str(tmp_path / "l.csv")], "panzhihua", "panzhihua-example", str(path), write=False,
                 keep_connection=True)
    con = s["_connection"]
    try:
        people = persons.load(duckdb.connect(), str(path))
        return persons.ledger_checks(con, people)
    finally:
        con.close()
        shutil.rmtree(s["_workdir"], ignore_errors=True)


def test_a_person_born_after_a_settlement_of_theirs_is_refused_at_the_persons_line(tmp_path):
    with pytest.raises(AuditInputError) as e:
        _checked(tmp_path, {"psn_no": "P101"}, {"psn_no": "P102", "birth_date": "2030-01-01"})
    assert (e.value.row, e.value.column) == (2, "birth_date")
    assert "2030-01-01 is after the person's settlement S2" in e.value.detail and "2023-03-10" in e.value.detail


def test_a_birth_date_on_or_before_the_settlements_is_taken(tmp_path):
    notes = _checked(tmp_path, {"psn_no": "P101", "birth_date": "2023-03-10"}, {"psn_no": "P102"})
    assert notes == {"not_in_ledger": None, "flex_tier_unused": None}


def test_persons_not_in_the_ledger_and_a_flex_tier_no_row_reads_are_noted_with_their_line(tmp_path):
    notes = _checked(tmp_path, {"psn_no": "P101"}, {"psn_no": "P102", "flex_tier": 1}, {"psn_no": "P103"},
                     {"psn_no": "P104", "flex_tier": 1}, {"psn_no": "P105"})
    # P103 (line 3) and P105 (line 5) are in no ledger row; P102's only row is 1101: its tier is unused, P104's is read
    assert notes == {"not_in_ledger": {"persons": 2, "example_psn_no": "P103", "line": 3},
                     "flex_tier_unused": {"persons": 1, "example_psn_no": "P102", "line": 2}}


def test_a_flex_tier_written_as_a_huge_json_number_is_said_as_a_number(tmp_path):
    f = tmp_path / "p.jsonl"
    f.write_text('{"psn_no": "P1", "psn_type": "1103", "flex_tier": 1e400}\n', encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        persons.load(duckdb.connect(), str(f))
    assert "got a number (1E+400)" in e.value.detail and "Decimal" not in str(e.value)
    assert (e.value.row, e.value.column) == (1, "flex_tier")
