"""The warning that a year is not held from its start is said only for a year the document governed before the
ledger's first day (probe s23 Q F4): a 2022 row under 攀枝花 (in force from 2023-01-01, 第十九条) asked for 2022's
opening totals or earlier 2022 files, which can change nothing — there is no 2022 deductible or cap to have counted."""
from __future__ import annotations

import shutil

from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_code,medfee_sumamt,inscp_scp_amt,act_pay_dedc,"
          "hifp_pay,pool_prop_selfpay,init_setl_id")


def _audit(tmp_path, rows: list[str]) -> dict:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    _code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", None, write=False, keep_connection=True)
    s["_connection"].close()
    shutil.rmtree(s["_workdir"], ignore_errors=True)
    return s


def test_a_year_before_the_document_asks_for_no_earlier_files(tmp_path):
    # 2022-12-31 under 攀枝花: refused (A-BEFORE-VALIDITY); 2023 from 2023-01-10: held from January
    s = _audit(tmp_path, ["P1,A,1101,2022-12-31,11,tertiary,H1,500.00,500.00,200.00,150.00,0.5000,",
                          "J1,A,1101,2023-01-10,11,tertiary,H1,300.00,300.00,200.00,50.00,0.5000,"])
    assert s["years_from_ledger"] == [], s["years_from_ledger"]
    assert not any("2022 年的结算自" in w for w in s["warnings"]), s["warnings"]


def test_a_governed_year_held_from_march_is_still_said(tmp_path):
    # M1 2023-03-06 alone: 攀枝花 was in force from 2023-01-01, so January and February may have counted
    s = _audit(tmp_path, ["M1,A,1101,2023-03-06,11,tertiary,H1,400.00,400.00,0.00,200.00,0.5000,"])
    assert s["years_from_ledger"] == [{"year": 2023, "held_from": "2023-03-06", "persons": 1, "persons_without_ytd": 1}]
