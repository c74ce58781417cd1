"""Closing review rclose7, the audit's part: D6 (A-AUDIT-ORDER only where the export's order can change the
figures) and D1 (A-ROUND-FEN on the figures rounding decides, never on the ratio: both routes alike)."""
from __future__ import annotations

import csv
from pathlib import Path

from conform.audit.run import audit

DATE_HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_code,medfee_sumamt,inscp_scp_amt,"
               "act_pay_dedc,hifp_pay,pool_prop_selfpay,fund_pay_sumamt,psn_part_amt,init_setl_id")
TIME_HEADER = DATE_HEADER.replace("setl_date", "setl_time")


def _found(tmp_path: Path, header: str, rows: list[str], name: str) -> tuple[int, dict]:
    p = tmp_path / f"{name}.csv"
    p.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / name
    code, _ = audit([str(p)], "panzhihua", "panzhihua-example", out=out)
    with open(out / "discrepancies.csv", encoding="utf-8", newline="") as f:
        return code, {(r["setl_id"], r["field"]): (r["diff"], r["clause"], r["route"]) for r in csv.DictReader(f)}


# D6 (rclose7 order/yearend.csv): X1 is a 2023 settlement reversed on 2024-01-02 (X1R), the day X1b settles; no
# setl_time, X1b listed before X1R. The reversal gives back to 2023 (A-REVERSAL): X1b's (600 − 200) × 50% = 200.00
# and X2's 100.00 × 50% = 50.00 are the same whichever came first, so their findings (10.00 overpaid each) cite
# the article alone — as with X1R listed first. Reversing a settlement of the same year (2024-03-01, the
# reversal on 03-02) still cites A-AUDIT-ORDER: there X1b's deductible depends on the order.
X1 = "X1,W1,1101,2023-12-30,11,tertiary,H1,600.00,600.00,200.00,200.00,0.5000,200.00,400.00,"
X1B = "X1b,W1,1101,2024-01-02,11,tertiary,H1,600.00,600.00,200.00,210.00,0.5000,210.00,390.00,"
X1R = "X1R,W1,1101,2024-01-02,11,tertiary,H1,-600.00,-600.00,-200.00,-200.00,0.5000,-200.00,-400.00,X1"
X2 = "X2,W1,1101,2024-04-01,11,tertiary,H1,100.00,100.00,0.00,60.00,0.5000,60.00,40.00,"
YEAREND = {(s, f): (d, "攀枝花 第七条") for s in ("X1b", "X2")
           for f, d in (("hifp_pay", "10.00"), ("fund_pay_sumamt", "10.00"), ("psn_part_amt", "-10.00"))}


def test_the_reversal_of_an_earlier_years_settlement_listed_after_a_same_day_settlement_cites_no_order(tmp_path):
    for name, rows in (("listed", [X1, X1B, X1R, X2]), ("ordered", [X1, X1R, X1B, X2])):
        code, found = _found(tmp_path, DATE_HEADER, rows, name)
        assert code == 1
        expected = dict(YEAREND)
        if name == "listed":
            # (the reference route: X1R is not right after X1) X2's deductible of 0.00 rests on X1R giving X1's 200.00
            # back to 2023 (A-REVERSAL, benefits._reversed: kept_totals); given back to 2024 instead, X2 would count
            # 100.00 and be paid 0.00 — so its payment rests on the reading too (probe s29 A2 F1)
            expected.update({("X2", f): (expected[("X2", f)][0], "攀枝花 第七条；A-REVERSAL")
                             for f in ("hifp_pay", "fund_pay_sumamt", "psn_part_amt")})
        assert {k: v[:2] for k, v in found.items()} == expected, name


def test_the_reversal_of_a_same_year_settlement_still_cites_the_export_order(tmp_path):
    same = [r.replace("2023-12-30", "2024-03-01").replace("2024-01-02", "2024-03-02") for r in (X1, X1B, X1R, X2)]
    code, found = _found(tmp_path, DATE_HEADER, [same[0], same[1], same[2], same[3]], "sameyear")
    assert code == 1
    # X1 standing: X1b pays (600 − 0) × 50% = 300.00 (recorded 210.00); X2 counts the 200.00 deductible that X1R
    # gave back (A-REVERSAL); the ledger holds 2024 from 03-01 without W1's ytd: A-AUDIT-YTD-FROM-LEDGER on both
    assert found[("X1b", "hifp_pay")] == ("-90.00", "攀枝花 第七条；A-AUDIT-ORDER；A-AUDIT-YTD-FROM-LEDGER", "reference")
    assert found[("X2", "act_pay_dedc")][1] == "攀枝花 第七条；A-REVERSAL；A-AUDIT-ORDER；A-AUDIT-YTD-FROM-LEDGER"


# D1 (rclose7 ratio/plan.csv, ref.csv): G1 uses up P8's 二级-and-below deductible but 48.90; G2 101.11 元 pays
# (101.11 − 48.90) × 65% = 33.9365 → 33.94, a figure rounding decided (A-ROUND-FEN). G2 records a ratio of 0.6000,
# 33.93 (truncated), a deductible of 48.00. The ratio and the deductible never rest on rounding: the same
# clauses on the plan route and on the reference route (G3/G4/G3R: a reversal not right after its settlement).
G_ROWS = ["G1,P8,1201,2024-05-03 10:00:00,11,primary,H4,101.10,101.10,101.10,0.00,0.6500,0.00,101.10,",
          "G2,P8,1201,2024-05-04 10:00:00,11,primary,H4,101.11,101.11,48.00,33.93,0.6000,33.93,67.18,"]
LATER = ["G3,P8,1201,2024-06-01 10:00:00,11,primary,H4,50.00,50.00,0.00,32.50,0.6500,32.50,17.50,",
         "G4,P8,1201,2024-06-02 10:00:00,11,primary,H4,50.00,50.00,0.00,32.50,0.6500,32.50,17.50,",
         "G3R,P8,1201,2024-06-03 10:00:00,11,primary,H4,-50.00,-50.00,0.00,-32.50,0.6500,-32.50,-17.50,G3"]


def test_a_ratio_found_wrong_where_rounding_changed_the_pool_payment_cites_the_article_on_both_routes(tmp_path):
    _, plan = _found(tmp_path, TIME_HEADER, G_ROWS, "plan")
    _, ref = _found(tmp_path, TIME_HEADER, G_ROWS + LATER, "ref")
    # (the ledger holds 2024 from 05-03 without P8's ytd: the deductible and payments, never the ratio, rest on
    # A-AUDIT-YTD-FROM-LEDGER too)
    ytd = "；A-AUDIT-YTD-FROM-LEDGER"
    expected = {"pool_prop_selfpay": ("-0.0500", "攀枝花 第七条"), "act_pay_dedc": ("-0.90", "攀枝花 第七条" + ytd),
                "hifp_pay": ("-0.01", "攀枝花 第七条；A-ROUND-FEN" + ytd),
                "fund_pay_sumamt": ("-0.01", "攀枝花 第七条；A-ROUND-FEN" + ytd),
                "psn_part_amt": ("0.01", "攀枝花 第七条；A-ROUND-FEN" + ytd)}
    for route, found in (("plan", plan), ("reference", ref)):
        g2 = {f: v for (s, f), v in found.items() if s == "G2"}
        assert {f: v[:2] for f, v in g2.items()} == expected, route
        assert {v[2] for v in g2.values()} == {route}
