"""The reference engine's reasons for a settlement it will not compute, as the audit's Chinese reports show
them: Chinese first, the engine's English after (revA minor note: "settlement W2: date 2028-01-01 is after
攀枝花's validity ends…" and "北京 does not fix chronic/special-disease benefits…" stood alone in English)."""
from __future__ import annotations

import dataclasses
import pickle

import pytest
from _ledger_files import ledger_and_persons

from conform.audit.run import audit
from conform.audit.settle_ref import _said
from conform.reference.benefits import NotCovered, OutsideValidity, Refusal
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import PolicyError, bind

HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,exclusion,medfee_sumamt,act_pay_dedc,hifp_pay"


def _refused(policy: str, settlement: dict, person: dict | None = None) -> PolicyError:
    # as `conform audit` builds a ledger row (a case would refuse an unregistered disease itself)
    case = parse_case({"policy": policy, "person": {"psn_no": "P1", "psn_type": "1101", **(person or {})},
                       "settlements": [{**settlement, "med_type": "41" if settlement["facility"] == "pharmacy" else "11",
                                        "dise_codg": None}]})
    s = dataclasses.replace(case.items[0], med_type=settlement["med_type"], dise_codg=settlement.get("dise_codg"))
    with pytest.raises(PolicyError) as e:
        PersonLedger(bind(policy, f"{policy}-example"), case.person).settle(s)
    return e.value


def _visit(sid: str, date: str, **kw) -> dict:
    return {"id": sid, "date": date, "med_type": "11", "facility": "tertiary", "medfee_sumamt": "500.00", **kw}


@pytest.mark.parametrize("policy, settlement, person, chinese", [
    # 攀枝花 第十九条: in force 2023-01-01 for five years, to 2027-12-31
    ("panzhihua", _visit("W2", "2028-01-01"), None, "结算 W2：结算日期 2028-01-01 晚于攀枝花的有效期截止日 2027-12-31"),
    ("panzhihua", _visit("W0", "2022-12-01"), None, "结算 W0：结算日期 2022-12-01 早于攀枝花的施行日期 2023-01-01"),
    ("nanchang", _visit("X1", "2023-03-01", exclusion="third_party"), None, "结算 X1：南昌未列明除外类别 'third_party'"),
    ("panzhihua", _visit("T1", "2023-03-01"), {"psn_type": "1103"}, "结算 T1：灵活就业人员（人员类别 1103）须在人员信息中给出缴费档次"),
    ("beijing", _visit("BG1", "2023-03-01", med_type="14", dise_codg="M03900"), None,
     "结算 BG1：北京未规定门诊慢特病待遇"),
    ("jilin", _visit("S1", "2023-03-01", med_type="14", dise_codg="M00600"), None,
     "结算 S1：病种 M00600 未为参保人 P1 登记"),
    ("jilin", _visit("S1", "2023-03-01", med_type="14", facility="pharmacy", dise_codg="M00600"),
     {"chronic_diseases": [{"dise_codg": "M00600", "kind": "special"}]}, "结算 S1：吉林 一允许统筹区将门诊特殊疾病处方配药纳入定点零售药店"),
])
def test_a_refusal_is_said_in_chinese_first_and_the_engines_english_after(policy, settlement, person, chinese):
    e = _refused(policy, settlement, person)
    said = _said(e)
    assert said.startswith(chinese), said
    assert said.endswith(str(e))  # the engine's own words, as `conform settle` gives them


def test_a_reason_without_chinese_words_gets_a_chinese_heading():
    assert _said(PolicyError("settlement S1: id already settled for person P1")) == \
        "参考实现拒绝结算 the reference engine refused: settlement S1: id already settled for person P1"


def test_a_refusal_keeps_both_texts_across_a_process_boundary():
    for e in (Refusal("en", "中"), NotCovered("en", "中"), OutsideValidity("en", "中")):
        back = pickle.loads(pickle.dumps(e))
        assert (type(back), str(back), back.zh) == (type(e), "en", "中")


def _notes(tmp_path, policy: str, rows: list[str], persons: list[dict] | None = None) -> list[str]:
    ledger, pfile = ledger_and_persons(tmp_path, HEADER, rows, persons)
    code, s = audit([str(ledger)], policy, f"{policy}-example", pfile, write=False)
    assert code == 2
    return [d["note"] for r in s["unassessed_by_reason"] for d in r["details"]]


def test_the_audits_notes_for_the_reviewers_two_settlements_are_chinese(tmp_path):
    # 北京 fixes no chronic benefit: BG1 (med_type 14) is refused by the reference engine
    (note,) = _notes(tmp_path / "bj", "beijing", ["BG1,BG,1101,2023-03-01,14,secondary,M03900,,3000.00,0.00,840.00"])
    assert note.startswith("北京未规定门诊慢特病待遇"), note  # the settlement is the row's, not the note's
    # 攀枝花: W's chronic visit sends W to the reference engine, which refuses W2 after the validity's end
    rows = ["W1,W,1101,2023-03-01,14,secondary,M03900,,400.00,0.00,200.00",
            "W2,W,1101,2028-01-01,11,tertiary,,,500.00,200.00,150.00"]
    (note,) = _notes(tmp_path / "pzh", "panzhihua", rows,
                     [{"psn_no": "W", "chronic_diseases": [{"dise_codg": "M03900", "kind": "two_disease"}]}])
    assert note.startswith("结算日期 2028-01-01 晚于攀枝花的有效期截止日 2027-12-31"), note


def test_the_audits_own_refusal_of_a_type_change_is_chinese_only(tmp_path):
    # 1101 in March, 1103 in August with no persons file: A-AUDIT-PSN-TYPE-CHANGE refuses F2 (its words were
    # prefixed "settlement F2: ")
    (note,) = _notes(tmp_path, "panzhihua", ["F1,A,1101,2023-03-01,11,tertiary,,,1000.00,200.00,400.00",
                                             "F2,A,1103,2023-08-01,11,tertiary,,,1000.00,0.00,500.00"])
    assert note.startswith("清单所记人员类别 1103"), note
    assert "settlement" not in note
