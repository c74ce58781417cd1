"""`"chronic_diseases": []` in the persons file says "registered: none", not "not given" (A-AUDIT-CHRONIC-REGISTERED).

A persons record that leaves chronic_diseases out keeps the audit's reading: the ledger's dise_codg is taken as
certified. One that gives the field decides, and an empty list registers no disease, so every chronic settlement
(med_type 14) of that person is refused as unregistered (refused_unregistered), as a list naming another disease is,
and as `conform settle` refuses the same person ("not among the person's registered diseases (none)").

攀枝花, example region; each row M03900 (两病) at 一级, 100.00 (the figures of test_chronic_registration): deductible
0, 100.00 × 50% = 50.00 from the fund (cap 300.00), so hifp_pay 50.00 is right wherever the row is assessed.
- S1, B: no persons record: assessed, no discrepancy.
- S2, F: a record without chronic_diseases: assessed, no discrepancy.
- S3, E: `"chronic_diseases": []`: refused_unregistered, the note saying the registration is none.
- S4, A: registered M00500 only: refused_unregistered, the note naming M00500 (as before).
Every person with a med_type 14 row is settled by the reference engine (plan.ROUTED: any14 -> fallback), so the
vectorised plan never sees these rows: persons_reference is 4, all of them.
"""
from __future__ import annotations

import json

from conform.audit.run import audit

HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,hifp_pay"
ROWS = ["S1,B,1101,2023-03-01,14,primary,M03900,100.00,50.00",
        "S2,F,1101,2023-03-01,14,primary,M03900,100.00,50.00",
        "S3,E,1101,2023-03-01,14,primary,M03900,100.00,50.00",
        "S4,A,1101,2023-03-01,14,primary,M03900,100.00,50.00"]
PERSONS = [{"psn_no": "F", "remote_filing": False},
           {"psn_no": "E", "chronic_diseases": []},
           {"psn_no": "A", "chronic_diseases": [{"dise_codg": "M00500", "kind": "chronic"}]}]


def _audit(tmp_path, policy="panzhihua", rows=ROWS, people=PERSONS):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER] + rows) + "\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text("".join(json.dumps(p) + "\n" for p in people), encoding="utf-8")
    return audit([str(ledger)], policy, f"{policy}-example", str(persons), write=False)


def _notes(s):
    return {d["note"] for u in s["unassessed_by_reason"] if u["status"] == "refused_unregistered" for d in u["details"]}


def test_an_empty_chronic_diseases_list_registers_none_and_its_chronic_visits_are_not_assessed(tmp_path):
    code, s = _audit(tmp_path)
    # S1 and S2 assessed (50.00 each, as recorded), S3 and S4 refused: incomplete, exit 2
    assert (code, sum(s["discrepancies_by_field"].values()), s["unassessed"]) == (2, 0, 2)
    by = {u["status"]: u for u in s["unassessed_by_reason"]}
    assert set(by) == {"refused_unregistered"} and by["refused_unregistered"]["rows"] == 2
    notes = _notes(s)
    none = [n for n in notes if "M00500" not in n]
    assert len(none) == 1 and "M03900" in none[0] and "（无：chronic_diseases 为空列表" in none[0]
    assert "A-AUDIT-CHRONIC-REGISTERED" in none[0]
    assert any("（M00500）" in n for n in notes)  # a list naming another disease: as before


def test_the_plan_cannot_bypass_the_registration_every_chronic_person_goes_to_the_reference(tmp_path):
    code, s = _audit(tmp_path)
    assert s["persons_reference"] == 4  # B, F, E, A: each has a med_type 14 row (plan.ROUTED any14)


def test_a_record_without_the_field_keeps_the_ledger_disease_as_certified(tmp_path):
    code, s = _audit(tmp_path, rows=ROWS[:2], people=PERSONS[:1])
    assert (code, sum(s["discrepancies_by_field"].values()), s["unassessed"]) == (0, 0, 0)


def test_in_jilin_an_empty_list_is_said_as_registered_none_not_as_unlisted(tmp_path):
    """吉林 refuses a chronic visit of a person whose registration it lacks (the kind decides the payment); an empty
    list is a registration of none, and says so."""
    code, s = _audit(tmp_path, "jilin", rows=[ROWS[2]], people=[PERSONS[1]])
    assert (code, s["unassessed"]) == (2, 1)
    [note] = _notes(s)
    assert "（无：chronic_diseases 为空列表" in note and "类别无法确定" not in note


def test_the_settle_route_refuses_the_same_person(tmp_path):
    """conform settle's case reader, for comparison: the same person and visit are refused there too."""
    import pytest

    from conform.reference.case import CaseError, parse_case
    case = {"policy": "panzhihua", "region": "panzhihua-example", "person": {"psn_no": "E", "psn_type": "1101",
            "chronic_diseases": []}, "settlements": [{"id": "S3", "date": "2023-03-01", "med_type": "14",
            "facility": "primary", "dise_codg": "M03900", "medfee_sumamt": "100.00"}]}
    with pytest.raises(CaseError, match=r"registered diseases \(none\)"):
        parse_case(case)
