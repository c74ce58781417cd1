"""`conform audit` with opening chronic totals in the persons file: read under the cap they count against
(the audit's chronic persons are settled by the reference engine), or the person's rows refused with the
person and the key named — never read as 0.

The reviewer's 吉林 region: deductible 250, cap 1500, chronic 70% / cap 1000, no pharmacy ratio.
K1 M1 1000.00 at 二级 with 900.00 already paid against the shared cap: 100.00 of the cap is left, covering
100 / 0.70 = 142.86; 857.14 × 55% = 471.43 by ordinary pooling; 571.43 in all, as recorded.
"""
from __future__ import annotations

import json

import pytest

from _kept import kept_audit

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

REGION = """name: jl-nopharm
policy: jilin
values:
  ordinary.deductible: "250"
  ordinary.cap: "1500"
  inpatient.retiree_ratio_bonus: "0.45"
  chronic.ratio: "0.70"
  chronic.cap: "1000"
  inpatient.deductible.primary: "300"
  inpatient.deductible.secondary: "500"
  inpatient.deductible.tertiary: "800"
  inpatient.ratio.primary: "0.90"
  inpatient.ratio.secondary: "0.85"
  inpatient.ratio.tertiary: "0.80"
  inpatient.cap: "150000"
"""
HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,inscp_scp_amt,act_pay_dedc,"
          "hifp_pay,pool_prop_selfpay,fund_pay_sumamt,psn_part_amt")
K1 = "K1,K,1101,2023-06-01,14,secondary,M1,1000.00,1000.00,0.00,571.43,0.7000,571.43,428.57"


def _files(tmp_path, rows, person):
    (tmp_path / "ledger.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    (tmp_path / "persons.jsonl").write_text(json.dumps(person, ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "jl.yaml").write_text(REGION, encoding="utf-8")
    return str(tmp_path / "ledger.csv"), str(tmp_path / "persons.jsonl")


@pytest.mark.parametrize("key", ["M1", "*"])
def test_jilin_opening_chronic_pay_by_disease_code_leaves_a_correct_settlement_clean(tmp_path, key):
    ledger, persons = _files(tmp_path, [K1], {
        "psn_no": "K", "chronic_diseases": [{"dise_codg": "M1", "kind": "chronic"}],
        "ytd": {"year": 2023, "ordinary_dedc": "250.00", "chronic_pay": {key: "900.00"}}})
    with kept_audit([ledger], "jilin", str(tmp_path / "jl.yaml"), persons, write=False) as (code, s, con):
        got = con.execute(f"SELECT field, CAST(expected AS VARCHAR) FROM '{s['_discrepancies']}'").fetchall()
    assert (code, got, s["unassessed"]) == (0, [], 0)


def test_an_opening_key_no_settlement_reads_is_refused_at_its_line_naming_person_and_key(tmp_path):
    """攀枝花 caps each disease apart: a "*" total cannot be split among them. Refused where the persons file
    says it (file, line, field), before the person reaches either route."""
    rows = ["V1,K,1101,2023-06-01,14,secondary,M03900,1000.00,1000.00,0.00,300.00,0.5000,300.00,700.00"]
    ledger, persons = _files(tmp_path, rows, {
        "psn_no": "K", "chronic_diseases": [{"dise_codg": "M03900", "kind": "two_disease"}],
        "ytd": {"year": 2023, "chronic_pay": {"*": "200.00"}}})
    with pytest.raises(AuditInputError) as e:
        audit([ledger], "panzhihua", "panzhihua-example", persons, write=False)
    assert (e.value.file, e.value.row, e.value.column) == (persons, 1, "ytd.chronic_pay.*")
    assert "person K" in e.value.detail and "'*'" in e.value.detail


def test_an_opening_chronic_deductible_under_jilin_is_refused_though_the_plan_settles_the_person(tmp_path):
    """吉林 二（三） counts the chronic deductible with the ordinary one: ytd.chronic_dedc is read by no
    settlement. A person with only ordinary visits goes through the plan, which never reads chronic keys: the
    key was silently dropped (expected (1000 − 250) × 55% = 412.50 as if nothing had been said)."""
    rows = ["O1,K,1101,2023-06-01,11,secondary,,1000.00,1000.00,250.00,412.50,0.5500,412.50,587.50"]
    ledger, persons = _files(tmp_path, rows, {"psn_no": "K", "ytd": {"year": 2023, "chronic_dedc": {"M1": "100.00"}}})
    with pytest.raises(AuditInputError) as e:
        audit([ledger], "jilin", str(tmp_path / "jl.yaml"), persons, write=False)
    assert (e.value.file, e.value.row, e.value.column) == (persons, 1, "ytd.chronic_dedc.M1")
    assert "ordinary_dedc" in e.value.detail


def test_an_unreadable_opening_key_of_someone_the_ledger_does_not_settle_that_year_stops_nothing(tmp_path):
    """A city-wide persons file holds anyone's lapsed registration: OTHER is not in the ledger, and K's
    unreadable key is for 2022 while the ledger is of 2023 — neither changes a figure (docs/audit.md), so the
    audit runs (closing review 2, item 1). K's 2023 visit: 攀枝花 第七条 二级 (500 − 200) × 60% = 180.00."""
    rows = ["V1,K,1101,2023-03-01,11,secondary,,500.00,500.00,200.00,180.00,0.6000,180.00,320.00"]
    ledger, persons = _files(tmp_path, rows, {"psn_no": "K", "chronic_diseases": [{"dise_codg": "M03900", "kind": "two_disease"}],
                                              "ytd": {"year": 2022, "chronic_pay": {"I10": "120.00"}}})
    with open(persons, "a", encoding="utf-8") as f:
        f.write(json.dumps({"psn_no": "OTHER", "psn_type": "1101",
                            "chronic_diseases": [{"dise_codg": "M03900", "kind": "two_disease"}],
                            "ytd": {"year": 2023, "chronic_pay": {"I10": "120.00"}}}) + "\n")
    code, s = audit([ledger], "panzhihua", "panzhihua-example", persons, write=False)
    assert (code, s["unassessed"], sum(s["discrepancies_by_field"].values())) == (0, 0, 0)
    # the same key for the year K is settled in stops the audit at its line, as before
    ledger, persons = _files(tmp_path, rows, {"psn_no": "K", "chronic_diseases": [{"dise_codg": "M03900", "kind": "two_disease"}],
                                              "ytd": {"year": 2023, "chronic_pay": {"I10": "120.00"}}})
    with pytest.raises(AuditInputError) as e:
        audit([ledger], "panzhihua", "panzhihua-example", persons, write=False)
    assert (e.value.row, e.value.column) == (1, "ytd.chronic_pay.I10")
