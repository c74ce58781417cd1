"""A person's type over the year: the persons file's type and retire date, or the ledger's own rows.

攀枝花 第七条: in service (三级) deductible 200, 50%; retired deductible 150, 三级 55%, cap 1500
(A-MIDYEAR-RETIREMENT: what the year has counted goes on counting). F1 in March, 1000.00 in scope:
(1000 − 200) × 50% = 400.00. F2 in August, retired: the 200 counted covers the retiree's 150, so
1000 × 55% = 550.00 (cap 1500 − 400 = 1100 left).
"""
from __future__ import annotations

import json

from conform.audit.run import audit

HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay"
F1 = "F1,A,1101,2023-03-01,11,tertiary,1000.00,200.00,400.00"
F2 = "F2,A,1201,2023-08-01,11,tertiary,1000.00,0.00,550.00"


def _audit(tmp_path, rows: list[str], person: dict | None = None):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    pfile = None
    if person is not None:
        pfile = tmp_path / "persons.jsonl"
        pfile.write_text(json.dumps({"psn_no": "A", **person}) + "\n", encoding="utf-8")
    return audit([str(ledger)], "panzhihua", "panzhihua-example", str(pfile) if pfile else None, write=False)


def _found(s) -> int:
    return sum(s["discrepancies_by_field"].values())


def test_a_retiree_type_with_its_retire_date_was_in_service_before_it(tmp_path):
    code, s = _audit(tmp_path, [F1, F2], {"psn_type": "1201", "retire_date": "2023-07-01"})
    assert (code, _found(s), s["unassessed"]) == (0, 0, 0)


def test_a_retiree_type_without_a_date_retires_where_the_ledger_changes(tmp_path):
    # A-AUDIT-PSN-TYPE-CHANGE: the persons file gives today's type; the ledger dates the retirement (F2)
    code, s = _audit(tmp_path, [F1, F2], {"psn_type": "1201"})
    assert (code, _found(s), s["unassessed"]) == (0, 0, 0)


def test_the_persons_files_type_decides_when_the_ledger_never_changes(tmp_path):
    # the system kept settling a retiree as in service: F1' at 400.00 where 1000 − 150 = 850 × 55% = 467.50
    code, s = _audit(tmp_path, [F1], {"psn_type": "1201"})
    assert (code, s["discrepancies_by_field"]["hifp_pay"]) == (1, 1)


def test_a_change_to_flexible_employment_in_the_ledger_is_not_assessed(tmp_path):
    # 1101 in March, 1103 (灵活就业) in August, no persons file: one person has one type, changed only by
    # retirement; 攀枝花 needs a flexible worker's tier (第七条), which nothing gives — F2 is refused
    f2 = "F2,A,1103,2023-08-01,11,tertiary,1000.00,0.00,500.00"
    code, s = _audit(tmp_path, [F1, f2])
    assert code == 2 and _found(s) == 0
    (reason,) = s["unassessed_by_reason"]
    assert (reason["status"], reason["rows"], reason["example_setl_id"]) == ("refused_reference", 1, "F2")
    assert "1103" in reason["details"][0]["note"] and "1101" in reason["details"][0]["note"]


def test_a_retire_date_alone_does_not_let_a_change_to_flexible_employment_pass(tmp_path):
    # the persons file dates a retirement years ahead (which sends A to the reference engine) but gives no
    # type: the ledger types A, and its change 1101 → 1103 is still no retirement — F2 is refused, not
    # settled as a 1101 visit
    f2 = "F2,A,1103,2023-08-01,11,tertiary,1000.00,0.00,500.00"
    code, s = _audit(tmp_path, [F1, f2], {"retire_date": "2030-01-01"})
    assert s["persons_reference"] == 1
    (reason,) = s["unassessed_by_reason"]
    assert (code, reason["status"], reason["example_setl_id"]) == (2, "refused_reference", "F2")
    assert "职工在职" in reason["details"][0]["note"]


def test_a_retire_date_before_every_settlement_still_leaves_the_type_to_the_ledger(tmp_path):
    # retired in 2020, so every settlement is a retiree's, but the ledger changes 1201 → 1203 (灵活就业退休):
    # not a retirement, no type given — refused, on whichever route the person takes
    r1 = "R1,A,1201,2023-03-01,11,tertiary,1000.00,150.00,467.50"
    r2 = "R2,A,1203,2023-08-01,11,tertiary,1000.00,0.00,550.00"
    code, s = _audit(tmp_path, [r1, r2], {"retire_date": "2020-01-01"})
    (reason,) = s["unassessed_by_reason"]
    assert (code, reason["status"], reason["example_setl_id"], _found(s)) == (2, "refused_reference", "R2", 0)


def test_a_person_retired_on_the_day_of_the_first_settlement_is_a_retiree_that_day(tmp_path):
    # A-MIDYEAR-RETIREMENT: retired on 2023-03-01 is a retiree on 2023-03-01 (the type in force that day).
    # The personnel export still types A in service (1101); the system recorded the retiree's settlement.
    # The first settlement is not before the retirement, so the plan settles A (not the reference engine):
    # 第七条 retiree: deductible 150.00, 三级 55%: (1000 − 150) × 55% = 467.50 — not the in-service
    # (1000 − 200) × 50% = 400.00.
    r1 = "R1,A,1201,2023-03-01,11,tertiary,1000.00,150.00,467.50"
    person = {"psn_type": "1101", "retire_date": "2023-03-01"}
    code, s = _audit(tmp_path, [r1], person)
    assert (code, _found(s), s["unassessed"], s["persons_reference"]) == (0, 0, 0, 0)
    # the system that settled the day as still in service is found out on both figures
    code, s = _audit(tmp_path, [r1.replace("150.00,467.50", "200.00,400.00")], person)
    assert (code, s["discrepancies_by_field"]["act_pay_dedc"], s["discrepancies_by_field"]["hifp_pay"]) == (1, 1, 1)
