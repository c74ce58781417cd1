"""A discrepancy on a figure that rests on a total an earlier reversal (2208) gave back cites A-REVERSAL, alike on
either route (the plan, or the reference engine for the persons it cannot express), and only there.

攀枝花 第七条, in service at a 二级 facility: deductible 200.00 a natural year, 60%, cap 1000.00 a year. No text
speaks of reversals: that one gives back what its settlement counted is the reading A-REVERSAL (common.yaml), so
what is left of the deductible or the cap after one rests on it — a system keeping a reversed settlement's
deductible charges none on the next visit, and disagrees with that reading, not with "起付线为200元".
The persons settled by the reference are sent there by a retirement date years later (the plan does not express a
retirement after the first settlement); they are in service on every date here.
"""
from __future__ import annotations

import json

import duckdb
import pytest

from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,init_setl_id,medfee_sumamt,act_pay_dedc,hifp_pay,"
          "psn_part_amt,acct_pay,psn_cash_pay")
ROWS = [
    # K1 2000.00: deductible 200.00, (2000 − 200) × 60% = 1080.00 > cap 1000.00 → 1000.00; 个人负担 1000.00.
    "K1,K,1101,2023-03-01,11,secondary,,2000.00,200.00,1000.00,1000.00,0.00,1000.00",
    # reversed right after (recorded right): the year's deductible and payment are back to 0.00
    "K1R,K,1101,2023-03-01,11,secondary,K1,-2000.00,-200.00,-1000.00,-1000.00,0.00,-1000.00",
    # K2 500.00: the deductible is counted again, 200.00; (500 − 200) × 60% = 180.00, 1000.00 of the cap left.
    # Recorded as a system keeping K1's deductible does: 0.00 and 500 × 60% = 300.00 (个人负担 200.00).
    "K2,K,1101,2023-04-02,11,secondary,,500.00,0.00,300.00,200.00,0.00,200.00",
    # K3 2000.00: deductible already met (K2's 200.00); 2000 × 60% = 1200.00 > 1000.00 − 180.00 = 820.00 left → 820.00,
    # the cap's remainder. Recorded 700.00: that system's cap left after its K2 (1000.00 − 300.00).
    "K3,K,1101,2023-05-01,11,secondary,,2000.00,0.00,700.00,1300.00,0.00,1300.00",
    # M1 200.00: all of it to the deductible, nothing paid. M2 500.00: deductible met, 500 × 60% = 300.00, reversed
    # right after: the reversal gives back a payment and no deductible.
    "M1,M,1101,2023-03-01,11,secondary,,200.00,200.00,0.00,200.00,0.00,200.00",
    "M2,M,1101,2023-03-05,11,secondary,,500.00,0.00,300.00,200.00,0.00,200.00",
    "M2R,M,1101,2023-03-05,11,secondary,M2,-500.00,0.00,-300.00,-200.00,0.00,-200.00",
    # M3 500.00: the deductible is met still (M1's 200.00; the reversal changed no deductible) → 0.00 and 300.00.
    # Recorded with the deductible charged again: 200.00 and (500 − 200) × 60% = 180.00.
    "M3,M,1101,2023-04-01,11,secondary,,500.00,200.00,180.00,320.00,0.00,320.00",
    # L1 as K1, reversed right after; L2 500.00 as K2 (200.00, 180.00), recorded right; its reversal right after
    # gives back −200.00 and −180.00, recorded with the deductible kept (0.00).
    "L1,L,1101,2023-03-01,11,secondary,,2000.00,200.00,1000.00,1000.00,0.00,1000.00",
    "L1R,L,1101,2023-03-01,11,secondary,L1,-2000.00,-200.00,-1000.00,-1000.00,0.00,-1000.00",
    "L2,L,1101,2023-04-02,11,secondary,,500.00,200.00,180.00,320.00,0.00,320.00",
    "L2R,L,1101,2023-04-02,11,secondary,L2,-500.00,0.00,-180.00,-320.00,0.00,-320.00",
]
ROUTES = {"plan": {}, "reference": {"retire_date": "2030-01-01"}}
SEVENTH = "攀枝花 第七条"


def _discrepancies(tmp_path, route: str, **engine) -> dict[tuple[str, str], tuple[str, str, str]]:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    # opening totals of 0 for 2023 given (the ledger holds 2023 from 03-01): no figure rests on A-AUDIT-YTD-FROM-LEDGER
    persons.write_text("".join(json.dumps({"psn_no": p, "ytd": {"year": 2023}, **ROUTES[route]}) + "\n" for p in "KML"),
                       encoding="utf-8")
    out = tmp_path / "out"
    audit([str(ledger)], "panzhihua", "panzhihua-example", str(persons), out=out, **engine)
    got = duckdb.sql(f"SELECT setl_id, field, CAST(CAST(diff AS DECIMAL(18, 2)) AS VARCHAR), clause, route "
                     f"FROM read_parquet('{out}/discrepancies.parquet')").fetchall()
    return {(s, f): (d, c, r) for s, f, d, c, r in got}


@pytest.mark.parametrize("route", ROUTES)
def test_a_figure_after_a_reversal_cites_the_reversal_only_where_it_gave_back_what_the_figure_reads(tmp_path, route):
    _check(_discrepancies(tmp_path, route), route)


def test_the_plan_on_spark_cites_the_reversal_alike(tmp_path, spark):
    _check(_discrepancies(tmp_path, "plan", engine="spark", spark=spark), "plan")


def _check(got: dict, route: str) -> None:
    assert {r for _, _, r in got.values()} == {route}
    assert set(got) == {("K2", "act_pay_dedc"), ("K2", "hifp_pay"), ("K2", "psn_part_amt"), ("K2", "psn_cash_pay"),
                        ("K3", "hifp_pay"), ("K3", "psn_part_amt"), ("K3", "psn_cash_pay"),
                        ("M3", "act_pay_dedc"), ("M3", "hifp_pay"), ("M3", "psn_part_amt"), ("M3", "psn_cash_pay"),
                        ("L2R", "act_pay_dedc")}, sorted(got)
    # K2's deductible is what is left after K1R gave back 200.00: the reading's
    assert got[("K2", "act_pay_dedc")][:2] == ("-200.00", f"{SEVENTH}；A-REVERSAL")
    # K2's payment is (500 − its deductible) × 60%, and that deductible is the reading's (the old premise "the ratio
    # reads no total" missed it); it also used cap room K1R gave back (kept counted, the cap is spent: 0.00). So it
    # rests on A-REVERSAL too (probe s29 A2 F1): the reading is cited on the payment as on the deductible.
    assert got[("K2", "hifp_pay")][:2] == ("120.00", f"{SEVENTH}；A-REVERSAL")
    # K3's payment is the cap's remainder after K1R gave back 1000.00: the reading's
    assert got[("K3", "hifp_pay")][:2] == ("-120.00", f"{SEVENTH}；A-REVERSAL")
    # M2R gave back a payment, no deductible: M3's deductible rests on the article alone, its (uncapped) payment too
    assert got[("M3", "act_pay_dedc")][:2] == ("200.00", SEVENTH)
    assert got[("M3", "hifp_pay")][:2] == ("-120.00", SEVENTH)
    # a reversal cites its settlement's clause marked A-REVERSAL (L2's own cites it already: named once)
    assert got[("L2R", "act_pay_dedc")][:2] == ("200.00", f"{SEVENTH}；A-REVERSAL")
