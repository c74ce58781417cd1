"""Opening chronic totals the rules make impossible are refused as the ordinary ones are (persons._chronic_beyond).

panzhihua-example: M03900 (两病 when so registered; 攀枝花 第九条) deductible 0.00, cap 300.00; M00500 deductible 300.00,
cap 4000.00. nanchang-example: M03900 cap 4000.00. jilin-example: chronic.cap 3000.00 shared by the diseases without a cap
of their own, M00500 its own 5000.00. An opening ytd.chronic_pay above the cap it counts against (or chronic_dedc above
the disease's deductible) leaves the cap spent, and a right settlement would be blamed (probe s29 A2 F7: P1's 200.00
reported as 多付). Where the region gives no figure for the disease, nothing is refused: the text sets no bound.
"""
from __future__ import annotations

import json

import duckdb
import pytest

from conform.audit import persons
from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from conform.reference.engine import rules_for

LEDGER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,act_pay_dedc,hifp_pay\n"
          "V1,P1,1101,2023-02-01,14,secondary,M03900,400.00,0.00,200.00\n")
TWO = [{"dise_codg": "M03900", "kind": "two_disease"}]


def _load(policy, *records, region=None):
    f = _load.tmp / "p.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    rules = rules_for(policy, region or f"{policy}-example", None)
    return persons.load(duckdb.connect(), str(f), policy=rules.policy, rules=rules)


@pytest.fixture(autouse=True)
def _tmp(tmp_path):
    _load.tmp = tmp_path


def _p(pay=None, dedc=None, diseases=None, psn_no="P1"):
    ytd = {"year": 2023}
    if pay:
        ytd["chronic_pay"] = pay
    if dedc:
        ytd["chronic_dedc"] = dedc
    rec = {"psn_no": psn_no, "ytd": ytd}
    if diseases is not None:
        rec["chronic_diseases"] = diseases
    return rec


def test_the_probe_opening_two_disease_total_is_refused_at_its_key(tmp_path):
    (tmp_path / "l.csv").write_text(LEDGER, encoding="utf-8")
    (tmp_path / "p.jsonl").write_text(json.dumps(_p({"M03900": "3000.00"}, diseases=TWO)) + "\n", encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        audit([str(tmp_path / "l.csv")], "panzhihua", "panzhihua-example", str(tmp_path / "p.jsonl"), write=False)
    assert (e.value.row, e.value.column) == (1, "ytd.chronic_pay.M03900")
    # the ordinary check's wording, the 两病 figure cited as the engine cites it
    assert "3000.00 is more than the person can have counted in 2023" in e.value.detail
    assert "at most 300.00 (攀枝花 第九条)" in e.value.detail and "年度最高支付限额" in e.value.detail


def test_within_the_cap_the_settlement_is_audited(tmp_path):
    # 100.00 counted of the 300.00 cap: V1's 200.00 (400.00 × 50%) fits what is left, so it is right: exit 0
    (tmp_path / "l.csv").write_text(LEDGER, encoding="utf-8")
    (tmp_path / "p.jsonl").write_text(json.dumps(_p({"M03900": "100.00"}, diseases=TWO)) + "\n", encoding="utf-8")
    code, _ = audit([str(tmp_path / "l.csv")], "panzhihua", "panzhihua-example", str(tmp_path / "p.jsonl"),
                    write=False)
    assert code == 0


@pytest.mark.parametrize("diseases", [None, [{"dise_codg": "M00500", "kind": "chronic"}]])
def test_a_deductible_above_the_disease_s_is_refused(diseases):
    with pytest.raises(AuditInputError) as e:
        _load("panzhihua", _p(dedc={"M00500": "300.01"}, diseases=diseases))
    assert e.value.column == "ytd.chronic_dedc.M00500"
    assert "at most 300.00 (攀枝花 第十条)" in e.value.detail and "起付线" in e.value.detail
    assert list(_load("panzhihua", _p({"M00500": "4000.00"}, {"M00500": "300.00"}, diseases))) == ["P1"]


def test_nanchang_cap_without_registered_diseases():
    with pytest.raises(AuditInputError) as e:
        _load("nanchang", _p({"M03900": "4000.01"}))
    assert e.value.column == "ytd.chronic_pay.M03900" and "at most 4000.00 (南昌 四（二）2)" in e.value.detail
    assert list(_load("nanchang", _p({"M03900": "4000.00"}))) == ["P1"]


def test_jilin_shared_cap_counts_the_codes_sharing_it():
    # M1 and M2 have no cap of their own: both count against chronic.cap 3000.00, so 2000.00 + 1500.00 cannot be;
    # M00500 has its own 5000.00
    with pytest.raises(AuditInputError) as e:
        _load("jilin", _p({"M1": "2000.00", "M2": "1500.00"}))
    assert e.value.column == "ytd.chronic_pay.M2" and "3500.00" in e.value.detail and "at most 3000.00" in e.value.detail
    # the bound rests on 吉林's readings of which cap a code counts against: said
    assert "A-JL-CHRONIC-CAP-PER-DISEASE" in e.value.detail and "A-JL-CHRONIC-YTD-BUCKET" in e.value.detail
    assert list(_load("jilin", _p({"M1": "2000.00", "M2": "1000.00", "M00500": "5000.00"}))) == ["P1"]
    with pytest.raises(AuditInputError, match="at most 5000.00"):
        _load("jilin", _p({"M00500": "5000.01"}))


def test_no_bound_where_the_region_gives_no_figure_for_the_disease():
    # M09999 is registered, but panzhihua-example gives it no figures: its settlements are refused, its cap unknown
    assert list(_load("panzhihua", _p({"M09999": "99999.00"}, {"M09999": "9999.00"},
                                      [{"dise_codg": "M09999", "kind": "chronic"}]))) == ["P1"]


def test_a_person_the_ledger_does_not_settle_is_not_refused(tmp_path):
    (tmp_path / "l.csv").write_text(LEDGER, encoding="utf-8")
    # P9 is in no ledger row (P1 is, with nothing counted): P9's opening totals change no figure
    (tmp_path / "p.jsonl").write_text(json.dumps(_p(diseases=TWO)) + "\n"
                                      + json.dumps(_p({"M03900": "3000.00"}, diseases=TWO, psn_no="P9")) + "\n",
                                      encoding="utf-8")
    code, _ = audit([str(tmp_path / "l.csv")], "panzhihua", "panzhihua-example", str(tmp_path / "p.jsonl"),
                    write=False)
    assert code == 0
