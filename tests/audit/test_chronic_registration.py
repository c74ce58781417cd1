"""Chronic-disease settlements (med_type 14) and the person's registered diseases (A-AUDIT-CHRONIC-REGISTERED).

攀枝花 第九条 ties the two-disease benefit to 认定, 第十条 the chronic/special-disease one; the example region
supplies each disease's figures (chronic.<code>.*). A person the persons file registers for M00500 only:
- S1, M00500 at 一级, 1,000.00: deductible 300.00, (1000 − 300) × 80% = 560.00 from the fund (cap 4,000): assessed.
- S2, M03900 (两病), not registered for A: refused (refused_unregistered), not settled as 两病.
A person not in the persons file: the ledger's code is taken as registered.
- S3, B, M03900 at 一级, 100.00: deductible 0, 100 × 50% = 50.00 (cap 300): assessed.
- S4, C, M12345, a code the region has no figures for: refused for the parameter, and the message says the code
  may be a typo as well as that the region may lack it.
"""
from __future__ import annotations

import json

from conform.audit.run import audit

HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,hifp_pay"
ROWS = ["S1,A,1101,2023-03-01,14,primary,M00500,1000.00,560.00",
        "S2,A,1101,2023-03-02,14,primary,M03900,100.00,50.00",
        "S3,B,1101,2023-03-01,14,primary,M03900,100.00,50.00",
        "S4,C,1101,2023-03-01,14,primary,M12345,100.00,0.00"]


def _audit(tmp_path, policy="panzhihua"):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER] + ROWS) + "\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text(json.dumps({"psn_no": "A", "chronic_diseases": [{"dise_codg": "M00500", "kind": "chronic"}]})
                       + "\n", encoding="utf-8")
    return audit([str(ledger)], policy, f"{policy}-example", str(persons), write=False)


def test_a_chronic_visit_for_a_disease_the_persons_file_does_not_register_is_not_assessed(tmp_path):
    code, s = _audit(tmp_path)
    assert (code, sum(s["discrepancies_by_field"].values()), s["unassessed"]) == (2, 0, 2)
    by = {u["status"]: u for u in s["unassessed_by_reason"]}
    assert set(by) == {"refused_unregistered", "refused_parameter"}
    assert (by["refused_unregistered"]["rows"], by["refused_unregistered"]["example_setl_id"]) == (1, "S2")
    assert "M03900" in by["refused_unregistered"]["details"][0]["note"] and \
        "M00500" in by["refused_unregistered"]["details"][0]["note"]
    assert (by["refused_parameter"]["rows"], by["refused_parameter"]["example_setl_id"]) == (1, "S4")
    note = by["refused_parameter"]["details"][0]["note"]
    assert "chronic.M12345" in note and "请核对清单的 dise_codg" in note
    assert "A-AUDIT-CHRONIC-REGISTERED" in {a["id"] for a in s["assumptions"]}


def test_the_registration_assumption_is_stated_only_where_the_document_pays_chronic_diseases(tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(HEADER + "\nS1,A,1101,2023-03-01,11,primary,,100.00,0.00\n", encoding="utf-8")
    ids = {p: {a["id"] for a in audit([str(ledger)], p, f"{p}-example", write=False)[1]["assumptions"]}
           for p in ("zhejiang", "nanchang", "jilin")}
    assert "A-AUDIT-CHRONIC-REGISTERED" not in ids["zhejiang"]
    assert "A-AUDIT-CHRONIC-REGISTERED" in ids["nanchang"] and "A-AUDIT-CHRONIC-REGISTERED" in ids["jilin"]


def test_in_jilin_a_chronic_visit_of_an_unlisted_person_is_not_assessed_and_says_why_in_chinese(tmp_path):
    """吉林 pays 门诊慢性病 (二（三）) and 门诊特殊疾病 (二（四）, along inpatient rules) differently, by the person's
    registration: without one the ledger's code cannot say which, so the row is not assessed."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(HEADER + "\nS1,B,1101,2023-03-01,14,primary,M00500,1000.00,0.00\n", encoding="utf-8")
    code, s = audit([str(ledger)], "jilin", "jilin-example", write=False)
    assert (code, [u["status"] for u in s["unassessed_by_reason"]]) == (2, ["refused_unregistered"])
    assert "人员信息未列出该参保人登记的慢特病" in s["unassessed_by_reason"][0]["details"][0]["note"]
