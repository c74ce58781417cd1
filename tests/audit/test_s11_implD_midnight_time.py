"""A setl_time of exactly 00:00:00 beside timed rows of the same person-day is a lost time (a date cast to a datetime, a
manual 补录), not midnight: it orders nothing, so the figures its place decides cite A-AUDIT-ORDER (raudit2 D9), on the
plan's route, the reference engine's and Spark's alike.

攀枝花 第七条, the example region: in service, deductible 200 元 a year, 三级 50%. The platform settled X (H1, 300.00) at
09:00 — deductible 200.00, (300 − 200) × 50% = 50.00 — and then Y (H2, 100.00) at 14:00 — deductible met, 100 × 50% =
50.00 — recorded so; the export lost Y's time (2023-01-05 00:00:00). Y sorts first (as a blank time does): Y takes the
deductible (100.00 of it, 0.00 paid) and X the other 100.00, (300 − 100) × 50% = 100.00. So X: act_pay_dedc +100.00,
hifp_pay −50.00; Y: act_pay_dedc −100.00, hifp_pay +50.00 — all four resting on an order no time decides.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_time,setl_date,med_type,facility,fixmedins_code,medfee_sumamt,inscp_scp_amt,"
          "act_pay_dedc,hifp_pay,pool_prop_selfpay,init_setl_id")
X = "X,B,1101,2023-01-05 09:00:00,2023-01-05,11,tertiary,H1,300.00,300.00,200.00,50.00,0.5000,"
Y = "Y,B,1101,2023-01-05 00:00:00,2023-01-05,11,tertiary,H2,100.00,100.00,0.00,50.00,0.5000,"
SEVENTH = "攀枝花 第七条"
ORDER = "A-AUDIT-ORDER"
ROUTES = {"plan": {}, "reference": {"retire_date": "2035-01-01"}}  # a later retirement: to the reference engine


def _run(tmp_path: Path, rows: list[str], route: str = "plan", **engine) -> tuple[int, dict, dict]:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    pfile = tmp_path / "persons.jsonl"
    pfile.write_text(json.dumps({"psn_no": "B", **ROUTES[route]}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", str(pfile), out=out, **engine)
    with open(out / "discrepancies.csv", encoding="utf-8", newline="") as f:
        found = {(r["setl_id"], r["field"]): (r["diff"], r["clause"], r["route"]) for r in csv.DictReader(f)}
    return code, s, found


def _four(clause: str, route: str) -> dict:
    return {("X", "act_pay_dedc"): ("100.00", clause, route), ("X", "hifp_pay"): ("-50.00", clause, route),
            ("Y", "act_pay_dedc"): ("-100.00", clause, route), ("Y", "hifp_pay"): ("50.00", clause, route)}


@pytest.mark.parametrize("route", ROUTES)
def test_a_midnight_time_beside_a_timed_row_orders_nothing(tmp_path, route):
    code, s, found = _run(tmp_path, [X, Y], route)
    assert (code, found) == (1, _four(f"{SEVENTH}；{ORDER}", route))
    assert (s["overpaid_order_dependent_fen"], s["underpaid_order_dependent_fen"]) == (5000, 5000)


@pytest.mark.parametrize("route", ROUTES)
def test_a_time_a_second_after_midnight_is_a_time(tmp_path, route):
    """00:00:01 is a real time: Y at 00:00:01 came first, and the same four differences are the ledger's own order."""
    code, s, found = _run(tmp_path, [X, Y.replace("00:00:00", "00:00:01")], route)
    assert (code, found, s["warnings"]) == (1, _four(SEVENTH, route), [])


def test_spark_takes_a_midnight_time_as_none_alike(tmp_path, spark):
    code, _, found = _run(tmp_path, [X, Y], engine="spark", spark=spark)
    assert (code, found) == (1, _four(f"{SEVENTH}；{ORDER}", "plan"))


# A lost time and a blank one on the same person-day (s19 probe G): neither orders anything, so the two rows go in the
# export's order (docs/audit.md §1). Before, a blank time sorted before a 00:00:00 one whatever the export said.
BLANK_Y = "Y,B,1101,,2023-01-05,11,tertiary,H2,100.00,100.00,0.00,50.00,0.5000,"
LOST_X = X.replace("09:00:00", "00:00:00")


@pytest.mark.parametrize("route", ROUTES)
def test_a_lost_time_and_a_blank_one_go_in_the_exports_order(tmp_path, route):
    # X (lost time) listed first, as the platform settled it: X deductible 200.00, (300 − 200) × 50% = 50.00; Y then
    # 100 × 50% = 50.00 — both as recorded. Had the blank Y gone first, four differences (see the module's docstring).
    code, s, found = _run(tmp_path, [LOST_X, BLANK_Y], route)
    assert (code, found) == (0, {})
    # listed the other way round, Y first in the export: Y takes the deductible, and the four differences rest on the
    # export's order (A-AUDIT-ORDER)
    code, s, found = _run(tmp_path, [BLANK_Y, LOST_X], route)
    assert (code, found) == (1, _four(f"{SEVENTH}；{ORDER}", route))


def test_a_blank_time_reversal_after_its_lost_time_settlement_is_taken(tmp_path):
    # X at a lost time, and R (blank time: another job wrote it) reversing it, listed after it: the export's order
    # puts the reversal after its settlement, so it is audited, not refused. X: 50.00 as recorded; R gives back −50.00.
    reversal = "R,B,1101,,2023-01-05,11,tertiary,H1,-300.00,-300.00,-200.00,-50.00,0.5000,X"
    code, s, found = _run(tmp_path, [LOST_X, reversal])
    assert (code, found, s["reversals"]) == (0, {}, 1)
