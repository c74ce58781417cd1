"""An opening year-to-date chronic total under a disease code the person has not registered is refused at its
field, not read as 0 (closing review rclose3, defect 3).

攀枝花, panzhihua-example (conform/fixtures/regions/): M03900 deductible 0 / 50% / cap 300; ordinary 二级 deductible
200 / 60%. The person is registered for M03900 only and has already used its 300.00 cap, but the total is
given as `M3900` (a typo). Visit V1: M03900, 二级, 500.00.
- Read as given (the right key): chronic min(500 × 50% = 250, 300 − 300 = 0) = 0.00; the 500.00 overflows to
  ordinary pooling (第十一条): (500 − 200) × 60% = 180.00.
- The typo read as 0: chronic 250.00, as if the cap were untouched — and `conform audit` then calls the right
  180.00 settlement 少付 70.00. No settlement reads `M3900` (a settlement of an unregistered disease is refused).
"""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from conform.harness.cli import main
from conform.reference.benefits import OpeningRefused
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import bind

D = Decimal
V1 = {"id": "V1", "date": "2023-03-01", "med_type": "14", "facility": "secondary", "dise_codg": "M03900",
      "medfee_sumamt": "500.00"}
JL_REVIEW = {"ordinary.deductible": "250", "ordinary.cap": "1500", "inpatient.retiree_ratio_bonus": "0.45",
             "chronic.ratio": "0.70", "chronic.cap": "1000"}


def _data(ytd, diseases=(("M03900", "two_disease"),), policy="panzhihua", settlements=(V1,)):
    person = {"psn_no": "K", "psn_type": "1101", "ytd": {"year": 2023, **ytd}}
    if diseases is not None:
        person["chronic_diseases"] = [{"dise_codg": c, "kind": k} for c, k in diseases]
    return {"policy": policy, "person": person, "settlements": list(settlements)}


def _settle(data, region="panzhihua-example", params=None):
    c = parse_case(data)
    ledger = PersonLedger(bind(c.policy, region, params), c.person)
    return [ledger.settle(s) for s in c.items]


def test_the_right_key_overflows_to_ordinary_pooling():
    (r,) = _settle(_data({"chronic_pay": {"M03900": "300.00"}}))
    assert (r.chronic_pay, r.ordinary_pay, r.hifp_pay) == (D("0.00"), D("180.00"), D("180.00"))


@pytest.mark.parametrize("name", ["chronic_pay", "chronic_dedc"])
def test_a_key_naming_no_registered_disease_is_refused_at_its_field(name):
    with pytest.raises(OpeningRefused) as e:
        _settle(_data({name: {"M3900": "300.00"}}))
    assert e.value.field == f"{name}.M3900"
    assert "M3900 is not among the diseases registered for the person (M03900)" in str(e.value)
    assert "M3900 不在为该参保人登记的病种（M03900）中" in e.value.zh


def test_conform_settle_exits_2_naming_the_field(tmp_path):
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(_data({"chronic_pay": {"M3900": "300.00"}}) | {"region": "panzhihua-example"},
                               ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(main, ["settle", str(path)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert "field chronic_pay.M3900" in res.output and "250.00" not in res.output


def test_a_zero_amount_under_any_key_is_still_accepted():
    (r,) = _settle(_data({"chronic_pay": {"M3900": "0.00"}, "chronic_dedc": {"X1": "0"}}))
    assert r.chronic_pay == D("250.00")  # 500 × 50%, the cap whole


def test_without_chronic_diseases_a_code_is_kept_for_the_audit_that_settles_it_as_registered():
    """A-AUDIT-CHRONIC-REGISTERED: with no chronic_diseases the audit settles the ledger's code as registered,
    so a key under that code is read; nothing here says it is a typo."""
    c = parse_case(_data({"chronic_pay": {"M03900": "300.00"}}, diseases=None, settlements=()))
    ledger = PersonLedger(bind("panzhihua", "panzhihua-example"), c.person)
    assert ledger.opening_refused is None
    assert ledger.ytd(2023).chronic_pay == {"M03900": D("300.00")}


def test_jilin_an_unregistered_code_counting_against_the_shared_cap_a_registered_disease_reads_is_kept():
    """The reviewer's 吉林 region caps no disease apart: M2's payments count against the shared cap that M1's
    settlements read (A-JL-CHRONIC-YTD-BUCKET). K1 M1 1000: 700 > 1000 − 900 = 100 → 100.00."""
    k1 = {"id": "K1", "date": "2023-06-01", "med_type": "14", "facility": "secondary", "dise_codg": "M1",
          "medfee_sumamt": "1000.00"}
    (r,) = _settle(_data({"ordinary_dedc": "250.00", "chronic_pay": {"M2": "900.00"}}, diseases=(("M1", "chronic"),),
                         policy="jilin", settlements=(k1,)), None, JL_REVIEW)
    assert r.chronic_pay == D("100.00")


def test_jilin_an_unregistered_code_of_the_shared_cap_is_refused_where_no_registered_disease_shares_it():
    """jilin-example: M00500 has a cap of its own (5000); M00100 would count against the shared 3000, which no
    settlement of a person registered for M00500 alone reads."""
    c = parse_case(_data({"chronic_pay": {"M00100": "900.00"}}, diseases=(("M00500", "chronic"),), policy="jilin",
                         settlements=()))
    refused = PersonLedger(bind("jilin", "jilin-example"), c.person).opening_refused
    assert refused is not None and refused.field == "chronic_pay.M00100"


HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,inscp_scp_amt,act_pay_dedc,"
          "hifp_pay,pool_prop_selfpay,fund_pay_sumamt,psn_part_amt")


def test_conform_audit_refuses_the_persons_line_instead_of_calling_the_right_settlement_underpaid(tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(HEADER + "\nV1,K,1101,2023-03-01,14,secondary,M03900,500.00,500.00,200.00,180.00,0.6000,"
                      "180.00,320.00\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text(json.dumps({"psn_no": "K", "chronic_diseases": [{"dise_codg": "M03900", "kind": "two_disease"}],
                                   "ytd": {"year": 2023, "chronic_pay": {"M3900": "300.00"}}}) + "\n", encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        audit([str(ledger)], "panzhihua", "panzhihua-example", str(persons), write=False)
    assert (e.value.file, e.value.row, e.value.column) == (str(persons), 1, "ytd.chronic_pay.M3900")
    assert "person K" in e.value.detail and "M03900" in e.value.detail
