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
        assert {k: v[:2] for k, v in found.items()} == YEAREND, name


def test_the_reversal_of_a_same_year_settlement_still_cites_the_export_order(tmp_path):
    same = [r.replace("2023-12-30", "2024-03-01").replace("2024-01-02", "2024-03-02") for r in (X1, X1B, X1R, X2)]
    code, found = _found(tmp_path, DATE_HEADER, [same[0], same[1], same[2], same[3]], "sameyear")
    assert code == 1
    # X1 standing: X1b pays (600 − 0) × 50% = 300.00 (recorded 210.00); X2 counts the 200.00 deductible
    assert found[("X1b", "hifp_pay")] == ("-90.00", "攀枝花 第七条；A-AUDIT-ORDER", "reference")
    assert found[("X2", "act_pay_dedc")][1] == "攀枝花 第七条；A-AUDIT-ORDER"

