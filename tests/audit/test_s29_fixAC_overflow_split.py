"""A-PZH-OVERFLOW-SPLIT (how one 两病/慢特病 visit crossing its cap is divided) is cited only where the split can move
the figure: the visit's chronic benefit paid part of it and a rest goes on — not on a visit made after the cap was
spent, all of which goes to 门诊统筹 under any split (probe s29 A2 F4).

攀枝花, panzhihua-example: 两病 M03900 deductible 0, 50%, cap 300.00 (第九条); past it 门诊统筹 (第十一条): deductible
200.00 a year, 二级 60%, cap 1000.00 (第七条).
"""
from __future__ import annotations

import json

import duckdb

from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,act_pay_dedc,hifp_pay,"
          "fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay")
TWO = [{"dise_codg": "M03900", "kind": "two_disease"}]


def _run(tmp_path, rows, persons) -> dict:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    pf = tmp_path / "persons.jsonl"
    pf.write_text("".join(json.dumps(p) + "\n" for p in persons), encoding="utf-8")
    out = tmp_path / "out"
    audit([str(ledger)], "panzhihua", "panzhihua-example", str(pf), out=out)
    return {(s, f): (e, c) for s, f, e, c in duckdb.sql(
        "SELECT setl_id, field, CAST(CAST(expected AS DECIMAL(18, 2)) AS VARCHAR), clause"
        f" FROM read_parquet('{out}/discrepancies.parquet')").fetchall()}


def test_a_visit_after_the_two_disease_cap_was_spent_cites_no_split(tmp_path):
    """C (ytd: ordinary deductible 200.00 met, ordinary pay 950.00, M03900 paid 300.00 = its cap) 两病 500.00 at 二级:
    the cap is spent, 0.00 / 50% = 0.00 covered, all 500.00 to 门诊统筹: 500 × 60% = 300.00 > 1000 − 950 = 50.00 left
    → 50.00. Recorded 250.00 (多付 200.00): it breaches 第十一条 and 第七条; no division of the visit is in question."""
    got = _run(tmp_path, ["C1,C,1101,2023-05-01,14,secondary,M03900,500.00,0.00,250.00,250.00,250.00,0.00,250.00"],
               [{"psn_no": "C", "chronic_diseases": TWO,
                 "ytd": {"year": 2023, "ordinary_dedc": "200.00", "ordinary_pay": "950.00",
                         "chronic_pay": {"M03900": "300.00"}}}])
    assert got[("C1", "hifp_pay")] == ("50.00", "攀枝花 第九条；攀枝花 第十一条；攀枝花 第七条")
    assert all("A-PZH-OVERFLOW-SPLIT" not in c for _, c in got.values()), got


def test_a_visit_crossing_the_cap_still_cites_the_split(tmp_path):
    """P (in service, nothing counted yet) 两病 1000.00 at 二级: 1000 × 50% = 500.00 > cap 300.00 → 300.00, covering
    600.00; the other 400.00 to 门诊统筹: deductible 200.00, (400 − 200) × 60% = 120.00; total 420.00. Recorded 500.00:
    how the visit is divided at the cap decides what goes on, so the split is cited."""
    got = _run(tmp_path, ["P1,P,1101,2023-05-01,14,secondary,M03900,1000.00,200.00,500.00,500.00,500.00,0.00,500.00"],
               [{"psn_no": "P", "chronic_diseases": TWO, "ytd": {"year": 2023}}])
    assert got[("P1", "hifp_pay")] == ("420.00", "攀枝花 第九条；攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT；攀枝花 第七条")
