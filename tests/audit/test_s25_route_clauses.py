"""Plan and reference route give the same figures and the same clause texts (docs/audit.md §5), probe s25 Z1 F1–F5.

Each ledger is audited twice: as routed (the plan settles these persons) and with every person forced onto the
reference engine (the specification), as the probe's diffharness does; the clause of each discrepancy must be the
same text on both, and the one the articles support (figures worked by hand in the comments)."""
from __future__ import annotations

import json
import shutil

import pytest

from conform.audit import plan
from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,init_setl_id,acct_mulaid_pay,medfee_sumamt,"
          "act_pay_dedc,hifp_pay,pool_prop_selfpay,psn_part_amt,acct_pay,psn_cash_pay")
_ROUTED = plan.NAMED["routed"]
# every person to the reference engine: the `fallback` test made always true
_FORCED = _ROUTED.replace("COALESCE(a.any14 = 1", "COALESCE(TRUE OR a.any14 = 1")
assert _FORCED != _ROUTED


def _audit(tmp_path, policy: str, rows: list[str], persons: list[dict], route: str, params: dict | None = None):
    """(exit code, summary, {(setl_id, field): (expected, clause)}) with every row on `route`."""
    ledger = tmp_path / f"ledger_{route}.csv"
    ledger.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    pfile = None
    if persons:
        pfile = tmp_path / f"persons_{route}.jsonl"
        pfile.write_text("".join(json.dumps(p) + "\n" for p in persons), encoding="utf-8")
    plan.NAMED["routed"] = _FORCED if route == "reference" else _ROUTED
    try:
        code, s = audit([str(ledger)], policy, f"{policy}-example", str(pfile) if pfile else None, params_inline=params,
                        write=False, keep_connection=True)
    finally:
        plan.NAMED["routed"] = _ROUTED
    con = s.pop("_connection")
    try:
        got = con.execute(f"SELECT setl_id, field, CASE WHEN field = 'pool_prop_selfpay' THEN CAST(expected AS VARCHAR)"
                          f" ELSE CAST(CAST(expected AS DECIMAL(18, 2)) AS VARCHAR) END, clause, route "
                          f"FROM read_parquet('{s['_discrepancies']}')").fetchall()
    finally:
        con.close()
        shutil.rmtree(s["_workdir"], ignore_errors=True)
    assert {r[4] for r in got} <= {route}, got
    return code, s, {(sid, f): (e, c) for sid, f, e, c, _ in got}


def _both(tmp_path, *args, **kw):
    plan_run = _audit(tmp_path, *args, route="plan", **kw)
    ref_run = _audit(tmp_path, *args, route="reference", **kw)
    assert plan_run[2] == ref_run[2]  # same figures, same clause texts, field by field
    return plan_run


def test_f1_a_midyear_retiree_settled_by_the_plan_cites_a_midyear_retirement(tmp_path):
    # 攀枝花 第七条: 退休人员 起付线150元, 二级 65% (在职 60%), 限额 1500元. Retired 2024-01-15; ytd 2024: 100.00 of the
    # deductible counted (in service). M1 (P1), 500.00 at 二级 on 2024-02-01: deductible min(150 − 100, 500) = 50.00 —
    # the in-service 100.00 bound it (A-MIDYEAR-RETIREMENT); (500 − 50) × 65% = 292.50 at the retiree's ratio, which a
    # system typing the year by its start pays at 60% (A-MIDYEAR-RETIREMENT on ratio and fund).
    # Q1 (P2, same retirement, nothing counted): deductible min(150, 500) = 150.00, the whole deductible — nothing
    # carried bound it, so no reading on it; (500 − 150) × 65% = 227.50, the ratio's reading again.
    # J1 (P3, retired 2024-01-01: a retiree the whole year): 150.00 and 227.50 on 第七条 alone.
    persons = [{"psn_no": p, "psn_type": "1201", "retire_date": d, "ytd": {"year": 2024, "ordinary_dedc": y}}
               for p, d, y in (("P1", "2024-01-15", "100.00"), ("P2", "2024-01-15", "0"), ("P3", "2024-01-01", "0"))]
    rows = [f"{sid},{p},1201,2024-02-01,11,secondary,,0.00,500.00,0.01,0.01,0.0001,0.01,0.00,0.01"
            for sid, p in (("M1", "P1"), ("Q1", "P2"), ("J1", "P3"))]
    _, _, got = _both(tmp_path, "panzhihua", rows, persons)
    mid = "攀枝花 第七条；A-MIDYEAR-RETIREMENT"
    assert got[("M1", "act_pay_dedc")] == ("50.00", mid)
    assert got[("M1", "hifp_pay")] == ("292.50", mid)
    assert got[("M1", "pool_prop_selfpay")] == ("0.6500", mid)
    assert got[("Q1", "act_pay_dedc")] == ("150.00", "攀枝花 第七条")
    assert got[("Q1", "hifp_pay")] == ("227.50", mid)
    assert got[("Q1", "pool_prop_selfpay")] == ("0.6500", mid)
    for field in ("act_pay_dedc", "hifp_pay", "pool_prop_selfpay"):
        assert got[("J1", field)][1] == "攀枝花 第七条"


def test_f2_without_a_balance_acct_pay_is_never_below_the_relatives_part_nor_0(tmp_path):
    # 攀枝花 第七条, in service, 二级: 500.00 → deductible 200.00, (500 − 200) × 60% = 180.00, 个人负担 320.00. No opening
    # balance: acct_pay as recorded, at most 个人负担 and at least the relative's account payment (part of acct_pay).
    # S1 records −5.00 (money credited into the account by a visit): expected 0.00, cash 320.00 (recorded 325.00).
    # T1 records 10.00 with acct_mulaid_pay 40.00: expected 40.00, cash 280.00 (recorded 310.00); its reversal T1R,
    # right after, gives back what T1 is taken to have paid: −40.00, cash −280.00 (recorded −10.00, −310.00).
    rows = ["S1,P1,1101,2024-01-02,11,secondary,,0.00,500.00,200.00,180.00,0.6000,320.00,-5.00,325.00",
            "T1,P2,1101,2024-01-02,11,secondary,,40.00,500.00,200.00,180.00,0.6000,320.00,10.00,310.00",
            "T1R,P2,1101,2024-01-02,11,secondary,T1,-40.00,-500.00,-200.00,-180.00,0.6000,-320.00,-10.00,-310.00"]
    code, summary, got = _both(tmp_path, "panzhihua", rows, [])
    assert got[("S1", "acct_pay")][0] == "0.00" and got[("S1", "psn_cash_pay")][0] == "320.00"
    assert got[("T1", "acct_pay")][0] == "40.00" and got[("T1", "psn_cash_pay")][0] == "280.00"
    assert got[("T1R", "acct_pay")][0] == "-40.00" and got[("T1R", "psn_cash_pay")][0] == "-280.00"
    assert "A-AUDIT-ACCT-UNKNOWN" in got[("S1", "acct_pay")][1]
    assert code != 0 and summary["discrepancies_by_field"]["acct_pay"] == 3


def test_f3_f5_reversal_emergency_and_an_exhausted_cap_cite_alike_on_both_routes(tmp_path):
    # 攀枝花 第七条, in service, 二级: 起付线200元, 60%, 限额1000元; the ledger holds 2024 from January.
    # A1 500.00 → 200.00 and 180.00, reversed right after (A1R) — both given back (A-REVERSAL).
    # E2, an emergency (13: ordinary pooling by A-EMERGENCY-ORDINARY), 3000.00: deductible 200.00 again (what A1R gave
    # back: A-REVERSAL); (3000 − 200) × 60% = 1680.00 cut to the cap, 1000.00 — which rests on A1R giving back 180.00
    # (else 820.00 left): A-REVERSAL. One reading set, one order: the step's article, A-EMERGENCY-ORDINARY, A-REVERSAL.
    # E2R reverses E2 right after: E2's articles, A-REVERSAL once.
    # A3 (after E2 settled again as E3, 3000.00: 1000.00 as E2), 500.00: 500 × 60% = 300.00 but the cap is spent: 0.00,
    # and 0.00 whatever A1R gave back — 第七条 alone on the fund (rclose11 D1); its deductible (0.00: A1R's 200.00 taken
    # by E3) still reads what A1R gave back: A-REVERSAL.
    rows = ["A1,P1,1101,2024-01-03,11,secondary,,0.00,500.00,200.00,180.00,0.6000,320.00,0.00,320.00",
            "A1R,P1,1101,2024-01-03,11,secondary,A1,0.00,-500.00,-200.00,-180.00,0.6000,-320.00,0.00,-320.00",
            "E2,P1,1101,2024-01-05,13,secondary,,0.00,3000.00,200.00,1000.01,0.6000,1999.99,0.00,1999.99",
            "E2R,P1,1101,2024-01-05,13,secondary,E2,0.00,-3000.00,-200.00,-1000.01,0.6000,-1999.99,0.00,-1999.99",
            "E3,P1,1101,2024-01-06,11,secondary,,0.00,3000.00,200.00,1000.00,0.6000,2000.00,0.00,2000.00",
            "A3,P1,1101,2024-01-08,11,secondary,,0.00,500.00,0.00,0.01,0.6000,499.99,0.00,499.99"]
    _, _, got = _both(tmp_path, "panzhihua", rows, [])
    em = "攀枝花 第七条；A-EMERGENCY-ORDINARY；A-REVERSAL"
    assert got[("E2", "hifp_pay")] == ("1000.00", em)
    assert got[("E2R", "hifp_pay")] == ("-1000.00", em)
    assert got[("A3", "hifp_pay")] == ("0.00", "攀枝花 第七条")
    assert ("A3", "act_pay_dedc") not in got  # 0.00 recorded and expected


def test_f5_a_capped_payment_above_zero_after_a_reversal_still_cites_it(tmp_path):
    # The other side of F5: 攀枝花 in service 二级, A1 500.00 (180.00) reversed, A2 3000.00 → 1680.00 cut to 1000.00,
    # paid because A1R gave back 180.00 (else 820.00): A-REVERSAL on the fund, on both routes.
    rows = ["A1,P1,1101,2024-01-03,11,secondary,,0.00,500.00,200.00,180.00,0.6000,320.00,0.00,320.00",
            "A1R,P1,1101,2024-01-03,11,secondary,A1,0.00,-500.00,-200.00,-180.00,0.6000,-320.00,0.00,-320.00",
            "A2,P1,1101,2024-01-04,11,secondary,,0.00,3000.00,200.00,820.00,0.6000,2180.00,0.00,2180.00"]
    _, _, got = _both(tmp_path, "panzhihua", rows, [])
    assert got[("A2", "hifp_pay")] == ("1000.00", "攀枝花 第七条；A-REVERSAL")


@pytest.mark.parametrize(("first", "cites"), [("2023-04-01", False), ("2023-05-02", True)])
def test_f4_a_year_held_from_the_documents_own_start_asks_for_no_earlier_totals(tmp_path, first, cites):
    # 吉林 二（二）, region deductible 200.00, 二级 55% in service, its valid_from 2023-04-01 (inline). A ledger from that
    # very day holds all the year the document governs: nothing counted before it (run._years_from_ledger), so J1's
    # deductible 200.00 and (800 − 200) × 55% = 330.00 rest on 二（二）alone (recorded 330.01). From 2023-05-02 the
    # April settlements are missing from the ledger and taken as 0: A-AUDIT-YTD-FROM-LEDGER, on both routes.
    rows = [f"J1,P1,1101,{first},11,secondary,,0.00,800.00,200.00,330.01,0.5500,469.99,0.00,469.99"]
    _, summary, got = _both(tmp_path, "jilin", rows, [], params={"valid_from": "2023-04-01"})
    assert got[("J1", "hifp_pay")] == ("330.00", "吉林 二（二）" + ("；A-AUDIT-YTD-FROM-LEDGER" if cites else ""))
    assert [y["year"] for y in summary["years_from_ledger"]] == ([2023] if cites else [])
