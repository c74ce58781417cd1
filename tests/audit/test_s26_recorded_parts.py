"""Amounts taken as recorded (other funds, the hospital's part, a relative's account) more than the settlement's
total contradict the platform's identity 医疗费总额 = 基金支付总额 + 个人负担总金额 + 医院负担金额 (the pooled fund and the
person's part are never below zero, and a relative's account pays within the person's part): the row is refused and
located, not audited against expected figures below zero (s25 probe Z1 F6).

攀枝花 第七条, in service, 三级: deductible 200.00, 50%. S1: 500.00 → (500 − 200) × 50% = 150.00.
"""
from __future__ import annotations

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

HEAD = "setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,cvlserv_pay,hosp_part_amt,acct_mulaid_pay,hifp_pay"


def _run(tmp_path, rows: list[str]):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    return audit([str(ledger)], "panzhihua", "panzhihua-example", None, write=False)


@pytest.mark.parametrize("parts", ["950.00,60.00,0.00", "0.00,900.00,100.01", "0.00,0.00,1000.01"])
def test_parts_taken_as_recorded_beyond_the_total_are_refused_and_located(tmp_path, parts):
    # 950 + 60 = 1,010.00; 900 + 100.01 = 1,000.01; 1,000.01 alone: each more than the 1,000.00 total
    rows = ["S1,A,1101,2023-01-03,11,tertiary,500.00,0.00,0.00,0.00,150.00",
            f"S2,A,1101,2023-01-04,11,tertiary,1000.00,{parts},0.00"]
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 3, column medfee_sumamt: parts taken as recorded "
                                              r"exceed the total \(cvlserv_pay \+ hosp_part_amt \+ acct_mulaid_pay "
                                              r"> medfee_sumamt.*: '1000\.00'$"):
        _run(tmp_path, rows)


def test_parts_that_fill_the_total_exactly_are_audited(tmp_path):
    # 400 + 100 = 500.00, all of the total (no contradiction in the row itself):
    # the expected fund is still 150.00, so the recorded 0.00 is a discrepancy, not a refusal
    code, s = _run(tmp_path, ["S1,A,1101,2023-01-03,11,tertiary,500.00,400.00,100.00,0.00,0.00"])
    assert code == 1
    assert s["discrepancies_by_field"]["hifp_pay"] == 1


def test_a_reversal_row_with_negative_parts_is_not_refused(tmp_path):
    # a reversal's amounts are its settlement's negated: −300.00 of parts against a −500.00 total is no contradiction;
    # S1 as recorded: 150.00 from the fund, and its reversal gives exactly that back
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(HEAD + ",init_setl_id\n"
                      "S1,A,1101,2023-01-03,11,tertiary,500.00,100.00,200.00,0.00,150.00,\n"
                      "R1,A,1101,2023-01-04,11,tertiary,-500.00,-100.00,-200.00,0.00,-150.00,S1\n", encoding="utf-8")
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", None, write=False)
    assert code == 0, s
