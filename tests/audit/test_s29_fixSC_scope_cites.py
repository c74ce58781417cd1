"""Where A-DEDUCTIBLE-SCOPE and A-MIDYEAR-RETIREMENT are cited in the audit, alike on the plan and the reference route
(probe s29 R R1, R3, R6, R7).

北京 beijing-example 在职: 起付线 1800, 二级 70%; 退休 起付线 1300, 二级 85%. The other reading of A-DEDUCTIBLE-SCOPE counts
乙类先行自付 (p) toward the deductible: it records min(L, base + p) and takes max(L − p, 0) of the base (L: the deductible
left before the visit).
"""
from __future__ import annotations

import json

import duckdb
import pytest

SCOPE = "A-DEDUCTIBLE-SCOPE"
MIDYEAR = "A-MIDYEAR-RETIREMENT"
HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,fulamt_ownpay_amt,preselfpay_amt,"
          "act_pay_dedc,hifp_pay,psn_part_amt,acct_pay,psn_cash_pay,init_setl_id")
# A reversal not right after its settlement (a year later: nothing of 2023 changes) sends the person to the reference
# engine; without it the plan settles them.
ROUTES = {"plan": [], "reference": [
    "Z2,B,1101,2024-02-01,11,primary,,10.00,0.00,0.00,10.00,0.00,10.00,0.00,10.00,",
    "Z3,B,1101,2024-02-02,11,primary,,10.00,0.00,0.00,10.00,0.00,10.00,0.00,10.00,",
    "Z4,B,1101,2024-02-03,11,primary,,-10.00,0.00,0.00,-10.00,0.00,-10.00,0.00,-10.00,Z2"]}
PERSON = {"psn_no": "B", "psn_type": "1101", "ytd": {"year": 2023}}


def _audit(tmp_path, rows: list[str], route: str, person: dict = PERSON, header: str = HEADER) -> dict:
    from conform.audit.run import audit

    extra = [r.replace(",1101,", f",{person['psn_type']},") for r in ROUTES[route]]
    if "pool_prop_selfpay" in header:  # a ratio for the rows that only send the person to the reference (not read)
        extra = [",".join((*r.split(",")[:12], "0.00", *r.split(",")[12:])) for r in extra]
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([header, *rows, *extra]) + "\n", encoding="utf-8")
    pfile = tmp_path / "persons.jsonl"
    pfile.write_text(json.dumps(person) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    audit([str(ledger)], "beijing", "beijing-example", str(pfile), out=out)
    got = duckdb.sql(f"SELECT setl_id, field, clause, route FROM read_parquet('{out}/discrepancies.parquet')").fetchall()
    res = {(s, f): c.split("；") for s, f, c, r in got if s.startswith(("B", "N", "R"))}
    assert {r for s, _f, _c, r in got if s.startswith(("B", "N", "R"))} == {route}
    return res


@pytest.mark.parametrize("route", ROUTES)
def test_r1_a_later_visit_after_preselfpay_cites_the_scope_reading(tmp_path, route):
    # Recorded as the twin would. B1 300.00 with 100.00 先行自付: reading 200.00 of 1800 (twin 300.00). B2 2000.00, no
    # 先行自付: reading 1800 − 200 = 1600.00 left, deductible 1600.00, fund (2000 − 1600) × 70% = 280.00; the twin has
    # 1800 − 300 = 1500.00 left: deductible 1500.00, fund (2000 − 1500) × 70% = 350.00 — B2's figures rest on the reading
    got = _audit(tmp_path, ["B1,B,1101,2023-03-01,11,secondary,,300.00,0.00,100.00,300.00,0.00,300.00,0.00,300.00,",
                            "B2,B,1101,2023-04-01,11,secondary,,2000.00,0.00,0.00,1500.00,350.00,1650.00,0.00,1650.00,"],
                 route)
    assert SCOPE in got[("B2", "act_pay_dedc")], got
    assert SCOPE in got[("B2", "hifp_pay")], got
    assert SCOPE in got[("B2", "psn_part_amt")], got


@pytest.mark.parametrize("route", ROUTES)
def test_r1_a_bill_wholly_preselfpay_cites_the_scope_reading_on_its_zero_deductible(tmp_path, route):
    # B1 100.00, all 先行自付: base 0.00, deductible 0.00 under the reading; the twin counts min(1800, 100) = 100.00.
    # 北京（五）does not say which costs count, so the 0.00 rests on the reading
    got = _audit(tmp_path, ["B1,B,1101,2023-03-01,11,secondary,,100.00,0.00,100.00,100.00,0.00,100.00,0.00,100.00,"],
                 route)
    assert got[("B1", "act_pay_dedc")][-1] == SCOPE, got


@pytest.mark.parametrize("route", ROUTES)
def test_r7_a_payment_far_from_the_deductible_end_does_not_cite_the_scope(tmp_path, route):
    # B1 300.00 with 100.00 先行自付: L 1800 ≥ base 200 + p 100, so the base goes to the deductible whole either way
    # (twin: 1800 − 100 = 1700 left, 200.00 of it): fund 0.00 under both. Recorded 20.00: a plain overpayment
    got = _audit(tmp_path, ["B1,B,1101,2023-03-01,11,secondary,,300.00,0.00,100.00,200.00,20.00,280.00,0.00,280.00,"],
                 route)
    assert SCOPE not in got[("B1", "hifp_pay")], got
    assert SCOPE not in got[("B1", "psn_part_amt")], got


@pytest.mark.parametrize("route", ROUTES)
def test_r7_a_payment_at_the_deductible_end_still_cites_the_scope(tmp_path, route):
    # B1 2000.00 with 100.00 先行自付, base 1900.00: L 1800 < 1900 + 100. Reading: deductible 1800.00, fund
    # (1900 − 1800) × 70% = 70.00; twin: 1700.00 of the base, (1900 − 1700) × 70% = 140.00 (recorded)
    got = _audit(tmp_path, ["B1,B,1101,2023-03-01,11,secondary,,2000.00,0.00,100.00,1800.00,140.00,1860.00,0.00,1860.00,"],
                 route)
    assert SCOPE in got[("B1", "hifp_pay")], got


@pytest.mark.parametrize("route", ROUTES)
def test_r3_full_ownpay_is_outside_the_scope_by_the_article(tmp_path, route):
    # B1 300.00 with 100.00 全自费 (no 先行自付), recorded deductible 300.00 (the defect deductible_on_total): the reading
    # is 200.00 under any article — 全自费 is outside the fund's scope; not the reading's
    got = _audit(tmp_path, ["B1,B,1101,2023-03-01,11,secondary,,300.00,100.00,0.00,300.00,0.00,300.00,0.00,300.00,"],
                 route)
    assert SCOPE not in got[("B1", "act_pay_dedc")], got
    # … nor on a later visit after it: B2 2000.00, reading 1600.00 left, recorded as if 1500.00 were
    got = _audit(tmp_path, ["B1,B,1101,2023-03-01,11,secondary,,300.00,100.00,0.00,200.00,0.00,300.00,0.00,300.00,",
                            "B2,B,1101,2023-04-01,11,secondary,,2000.00,0.00,0.00,1500.00,350.00,1650.00,0.00,1650.00,"],
                 route)
    assert SCOPE not in got[("B2", "act_pay_dedc")], got
    assert SCOPE not in got[("B2", "hifp_pay")], got


@pytest.mark.parametrize("route", ROUTES)
def test_r6_midyear_reading_not_on_a_zero_payment(tmp_path, route):
    # Retired 2023-02-06; N1 that day 100.00 at 二级: the deductible (retiree 1300, in-service 1800) takes it whole, fund
    # 0.00 under either type. Recorded ratio 0.85 (right), hifp_pay 10.00: a plain overpayment; the ratio itself still
    # rests on the reading (0.85 vs 0.70)
    header = HEADER.replace(",hifp_pay,", ",hifp_pay,pool_prop_selfpay,")
    person = {"psn_no": "B", "psn_type": "1201", "retire_date": "2023-02-06", "ytd": {"year": 2023}}
    got = _audit(tmp_path, ["N1,B,1201,2023-02-06,11,secondary,,100.00,0.00,0.00,100.00,10.00,0.85,90.00,0.00,90.00,",
                            "N2,B,1201,2023-02-07,11,secondary,,100.00,0.00,0.00,100.00,0.00,0.70,100.00,0.00,100.00,"],
                 route, person, header)
    assert MIDYEAR not in got[("N1", "hifp_pay")], got
    assert MIDYEAR not in got[("N1", "psn_part_amt")], got
    assert MIDYEAR in got[("N2", "pool_prop_selfpay")], got


@pytest.mark.parametrize("route", ROUTES)
def test_r1_a_reversed_preselfpay_visit_no_longer_decides_later_ones(tmp_path, route):
    # B1 300.00 with 100.00 先行自付, reversed right after (R1; recorded as the twin: deductible −300.00, reference
    # −200.00, which rests on the reading as B1's does); B2 2000.00 then reads 1800.00 left under either reading:
    # deductible 1800.00, (2000 − 1800) × 70% = 140.00; recorded 150.00, a plain overpayment
    got = _audit(tmp_path, ["B1,B,1101,2023-03-01,11,secondary,,300.00,0.00,100.00,300.00,0.00,300.00,0.00,300.00,",
                            "R1,B,1101,2023-03-02,11,secondary,,-300.00,0.00,-100.00,-300.00,0.00,-300.00,0.00,-300.00,B1",
                            "B2,B,1101,2023-04-01,11,secondary,,2000.00,0.00,0.00,1800.00,150.00,1850.00,0.00,1850.00,"],
                 route)
    assert SCOPE in got[("R1", "act_pay_dedc")], got
    assert SCOPE not in got[("B2", "hifp_pay")], got
