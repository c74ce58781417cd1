"""`conform audit --persons`: opening totals under a key no settlement reads are refused at the persons file's
line and field (only for a person the ledger settles in that year), never read as 0 so that a right settlement
is called 少付; a 两病 payment's clause is 攀枝花 第九条.

南昌 nanchang-example (fictitious): M03900 85% / cap 4000. T1 M03900 1000.00 with 3500.00 of the cap paid:
4000 − 3500 = 500.00, as recorded. Read as 0 (the typo key M3900 dropped), 850.00 would be expected: 少付 350.00.
"""
from __future__ import annotations

import json
import shutil

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_code,dise_codg,init_setl_id,medfee_sumamt,"
          "inscp_scp_amt,act_pay_dedc,hifp_pay,pool_prop_selfpay,fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay")
T1 = "T1,NA,1101,2023-05-01,14,primary,H1,M03900,,1000.00,1000.00,0.00,500.00,0.8500,500.00,500.00,0.00,500.00"
# 攀枝花 M03900 200.00 with 250.00 of its 300 cap paid: 50.00, covering 100.00; the other 100.00 goes to ordinary
# pooling (第十一条), all of it the deductible (第七条): 50.00 and 100.00, as recorded. Read as 0: 100.00 (少付 50.00).
P1 = "P1,NA,1101,2023-05-01,14,primary,H1,M03900,,200.00,200.00,100.00,50.00,0.5000,50.00,150.00,0.00,150.00"
X22 = "X22,X2,1101,2023-07-01,14,primary,H1,M03900,,200.00,200.00,0.00,0.00,0.0000,0.00,200.00,0.00,200.00"


def _files(tmp_path, rows, person):
    ledger, persons = tmp_path / "l.csv", tmp_path / "p.jsonl"
    ledger.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    persons.write_text(json.dumps(person, ensure_ascii=False) + "\n", encoding="utf-8")
    return str(ledger), str(persons)


@pytest.mark.parametrize("policy, row, amount", [("nanchang", T1, "3500"), ("panzhihua", P1, "250")])
def test_a_typo_key_is_refused_at_its_line_not_read_as_zero(tmp_path, policy, row, amount):
    ledger, persons = _files(tmp_path, [row], {"psn_no": "NA", "psn_type": "1101",
                                               "ytd": {"year": 2023, "chronic_pay": {"M3900": amount}}})
    with pytest.raises(AuditInputError) as e:
        audit([ledger], policy, f"{policy}-example", persons, write=False)
    assert (e.value.file, e.value.row, e.value.column) == (persons, 1, "ytd.chronic_pay.M3900")
    assert "M3900" in e.value.detail and "M03900" in e.value.detail


@pytest.mark.parametrize("policy, row, amount", [("nanchang", T1, "3500"), ("panzhihua", P1, "250")])
def test_the_right_key_audits_clean(tmp_path, policy, row, amount):
    ledger, persons = _files(tmp_path, [row], {"psn_no": "NA", "psn_type": "1101",
                                               "ytd": {"year": 2023, "chronic_pay": {"M03900": amount}}})
    code, summary = audit([ledger], policy, f"{policy}-example", persons, write=False)
    assert code == 0, summary


def test_a_typo_key_of_a_year_the_ledger_does_not_settle_the_person_in_is_left_alone(tmp_path):
    ledger, persons = _files(tmp_path, [T1], {"psn_no": "NA", "psn_type": "1101",
                                              "ytd": {"year": 2022, "chronic_pay": {"M3900": "3500"}}})
    code, _ = audit([ledger], "nanchang", "nanchang-example", persons, write=False)
    assert code == 1  # T1 itself: no opening total for 2023, so 850.00 is expected (少付 350.00); no exit 2


def test_zhejiang_an_inpatient_total_is_refused_at_its_line(tmp_path):
    region = tmp_path / "zj.yaml"
    region.write_text("""name: zj-test
policy: zhejiang
values:
  ordinary.deductible.in_service: "600"
  ordinary.cap: "4000"
  ordinary.ratio.primary: "0.60"
  ordinary.ratio.unrated: "0.60"
  ordinary.ratio.secondary: "0.55"
  ordinary.ratio.tertiary: "0.50"
  ordinary.ratio.pharmacy: "0.50"
  account.in_service.rate_of_base: "0.02"
  account.retiree.monthly: "100"
""", encoding="utf-8")
    row = "Z1,Z,1101,2023-05-01,11,primary,H1,,,1000.00,1000.00,600.00,240.00,0.6000,240.00,760.00,0.00,760.00"
    ledger, persons = _files(tmp_path, [row], {"psn_no": "Z", "ytd": {"year": 2023, "inpatient_pay": "800.00"}})
    with pytest.raises(AuditInputError) as e:
        audit([ledger], "zhejiang", str(region), persons, write=False)
    assert (e.value.row, e.value.column) == (1, "ytd.inpatient_pay")


def test_a_two_disease_payments_clause_is_article_nine_with_the_reading(tmp_path):
    ledger, persons = _files(tmp_path, [X22], {"psn_no": "X2", "psn_type": "1101", "chronic_diseases": [
        {"dise_codg": "M00500", "kind": "chronic"}, {"dise_codg": "M03900", "kind": "two_disease"}]})
    code, s = audit([ledger], "panzhihua", "panzhihua-example", persons, write=False, keep_connection=True)
    try:
        rows = s["_connection"].execute(
            f"SELECT field, expected, clause FROM '{s['_discrepancies']}' WHERE field = 'hifp_pay'").fetchall()
    finally:
        s["_connection"].close()
        shutil.rmtree(s["_workdir"], ignore_errors=True)
    assert code == 1
    # (the ledger holds 2023 from 07-01 without X2's ytd: the 两病 deductible and cap used before rest on
    # A-AUDIT-YTD-FROM-LEDGER)
    assert [(f, c) for f, _, c in rows] == [
        ("hifp_pay", "攀枝花 第九条；A-PZH-TWO-DISEASE-REGISTERED；A-AUDIT-YTD-FROM-LEDGER")], rows


def test_a_retire_date_before_birth_is_refused_at_its_line(tmp_path):
    ledger, persons = _files(tmp_path, [T1], {"psn_no": "NA", "birth_date": "1960-05-01",
                                              "retire_date": "1950-01-01"})
    with pytest.raises(AuditInputError) as e:
        audit([ledger], "nanchang", "nanchang-example", persons, write=False)
    assert (e.value.row, e.value.column) == (1, "retire_date")
