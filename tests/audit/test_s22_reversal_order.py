"""A same-day reversal exported without its time (an empty setl_time beside setl_date), listed after its timed
settlement: it comes right after that settlement (A-AUDIT-ORDER, docs/audit.md §1), not first on its day (which
would put it before what it reverses and stop the audit). Listed before it, it is refused, naming the settlement.

Figures from 攀枝花 第七条 (in-service, 三级 50%, deductible 200): a settlement of 500.00 with 430.00 in scope pays
(430 − 200) × 50% = 115.00; with the deductible already met that day, 430 × 50% = 215.00.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from _kept import kept_audit

HEADER = ("setl_id,psn_no,psn_type,setl_date,setl_time,med_type,facility,fixmedins_code,medfee_sumamt,"
          "fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,hifp_pay,init_setl_id")
S1 = "S1,P1,1101,2023-03-01,2023-03-01 10:00:00,11,tertiary,H1,500.00,50,0,20.00,115.00,"
R1 = "R1,P1,1101,2023-03-01,,11,tertiary,H1,-500.00,-50,0,-20.00,-115.00,S1"  # no time
S2 = "S2,P1,1101,2023-03-01,2023-03-01 11:00:00,11,tertiary,H1,500.00,50,0,20.00,115.00,"


def _csv(tmp_path: Path, lines: list[str], name: str = "ledger.csv") -> Path:
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _expected(paths, clauses: dict | None = None):
    with kept_audit([str(p) for p in paths], "panzhihua", "panzhihua-example", write=False) as (code, s, con):
        rows = con.execute("SELECT l.setl_id, e.hifp_pay, e.act_pay_dedc FROM expected_rows e "
                           "JOIN ledger l ON l.rid = e.rid ORDER BY l.setl_id").fetchall()
        if clauses is not None:  # the reference engine's (the person has an untimed reversal: routed there)
            clauses.update(con.execute("SELECT setl_id, clause_dedc FROM expected_ref").fetchall())
    return code, s, rows


def test_an_untimed_reversal_comes_right_after_its_settlement(tmp_path):
    # S2 at 11:00 comes after the reversal: the deductible S1 used is given back, so S2 meets it again (115.00);
    # with the reversal taken after S2 (or S1 standing) S2 would pay 215.00.
    clauses: dict = {}
    code, s, rows = _expected([_csv(tmp_path, [HEADER, S1, R1, S2])], clauses)
    assert rows == [("R1", -11500, -20000), ("S1", 11500, 20000), ("S2", 11500, 20000)]
    assert code == 0 and s["discrepancies_by_field"] == {"hifp_pay": 0}
    # when that day the reversal came is unknown: S2's deductible rests on the order taken (A-AUDIT-ORDER), S1's not
    assert "A-AUDIT-ORDER" in clauses["S2"] and "A-AUDIT-ORDER" not in clauses["S1"]


def test_in_another_file_after_it(tmp_path):
    a = _csv(tmp_path, [HEADER, S1], name="a.csv")
    b = _csv(tmp_path, [HEADER, S2, R1], name="b.csv")
    code, s, rows = _expected([a, b])
    assert rows == [("R1", -11500, -20000), ("S1", 11500, 20000), ("S2", 11500, 20000)]
    assert code == 0


def test_listed_before_its_settlement_it_is_refused_naming_it(tmp_path):
    path = _csv(tmp_path, [HEADER, R1, S2, S1])
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 2, column init_setl_id: reverses 'S1', settled at "
                                              r"2023-03-01 10:00:00 on the same date \(.*ledger\.csv line 4\), which "
                                              r"the export lists after it; its setl_time is empty"):
        _expected([path])


def test_reversed_twice_names_the_second_reversal(tmp_path):
    a = _csv(tmp_path, [HEADER, S1, R1], name="2023-03.csv")
    b = _csv(tmp_path, [HEADER, S2, R1.replace("R1,", "R2,").replace(",,11,", ",2023-03-01 12:00:00,11,")],
             name="2023-04.csv")
    with pytest.raises(AuditInputError, match=r"2023-03\.csv, line 3, column init_setl_id: 'S1' is reversed more "
                                              r"than once \(again at .*2023-04\.csv line 3\)"):
        _expected([a, b])


def test_reversal_dated_before_its_settlement_names_it(tmp_path):
    early = R1.replace("2023-03-01,,", "2023-02-27,2023-02-27 09:00:00,")
    with pytest.raises(AuditInputError, match=r"line 3, column init_setl_id: reverses 'S1', which comes later in "
                                              r"settlement order \(settled 2023-03-01 10:00:00, at .*ledger\.csv "
                                              r"line 2; this reversal 2023-02-27 09:00:00\)"):
        _expected([_csv(tmp_path, [HEADER, S1, early])])


def test_on_spark_as_on_duckdb(tmp_path, spark):
    # the person goes to the reference engine on either engine (the plan's order leaves the reversal first on
    # its day): S1 115.00 − R1 115.00 + S2 115.00, and nothing differs
    path = _csv(tmp_path, [HEADER, S1, R1, S2])
    code, s = audit([str(path)], "panzhihua", "panzhihua-example", write=False, engine="spark", spark=spark)
    assert (code, s["engine"], s["expected_hifp_pay_fen"], s["persons_reference"]) == (0, "spark", 11500, 1)
    assert s["discrepancies_by_field"] == {"hifp_pay": 0}
