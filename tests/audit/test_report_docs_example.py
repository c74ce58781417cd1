"""docs/audit.md's worked example: the CSV in the page, audited, gives the figures worked by hand there."""
from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import duckdb
from click.testing import CliRunner

from conform.harness.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"

# 攀枝花 第七条 (in-service: deductible 200/year, 三级 50%, cap 1000; retiree: deductible 150, 二级 65%):
# V2: deductible already met → 0.00; 300 × 50% = 150.00; person 300 − 150 = 150.00 (recorded 200 / 50 / 250)
# W1: retiree 二级: deductible 150; (400 − 150) × 65% = 162.50; person 237.50 (recorded 200 / 0.60 / 120 / 280)
# C2: 600 × 50% = 300 but cap left 1000 − 900 = 100.00; person 500.00 (recorded 300 / 300)
EXPECTED = {
    ("V2", "act_pay_dedc"): ("200.00", "0.00"), ("V2", "hifp_pay"): ("50.00", "150.00"),
    ("V2", "fund_pay_sumamt"): ("50.00", "150.00"), ("V2", "psn_part_amt"): ("250.00", "150.00"),
    ("V2", "psn_cash_pay"): ("250.00", "150.00"),
    ("W1", "act_pay_dedc"): ("200.00", "150.00"), ("W1", "pool_prop_selfpay"): ("0.6000", "0.6500"),
    ("W1", "hifp_pay"): ("120.00", "162.50"), ("W1", "fund_pay_sumamt"): ("120.00", "162.50"),
    ("W1", "psn_part_amt"): ("280.00", "237.50"), ("W1", "psn_cash_pay"): ("280.00", "237.50"),
    ("C2", "hifp_pay"): ("300.00", "100.00"), ("C2", "fund_pay_sumamt"): ("300.00", "100.00"),
    ("C2", "psn_part_amt"): ("300.00", "500.00"), ("C2", "psn_cash_pay"): ("300.00", "500.00"),
}


def test_docs_worked_example(tmp_path):
    text = DOC.read_text(encoding="utf-8")
    csv_text = re.search(r"```csv\n(.*?)```", text, re.S).group(1)
    ledger = tmp_path / "docs-example.csv"
    ledger.write_text(csv_text, encoding="utf-8")
    out = tmp_path / "report"
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(out)], catch_exceptions=False)
    assert r.exit_code == 1, r.output
    rows = duckdb.connect().execute(
        f"SELECT setl_id, field, recorded, expected FROM read_parquet('{out / 'discrepancies.parquet'}')").fetchall()
    got = {(s, f): (rec, exp) for s, f, rec, exp in rows}
    assert got == {k: (Decimal(a), Decimal(b)) for k, (a, b) in EXPECTED.items()}
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    # overpaid C2 200.00; underpaid V2 100.00 + W1 42.50 = 142.50; recorded 1485.00, expected 1427.50
    assert (s["overpaid"], s["underpaid"]) == ("200.00", "142.50")
    assert (s["recorded_hifp_pay"], s["expected_hifp_pay"]) == ("1485.00", "1427.50")
    assert s["settlements_with_discrepancies"] == 3
    for figure in ("**115.00**", "**150.00**", "**162.50**", "**100.00**", "多付 200.00", "142.50", "**1485.00**",
                   "**1427.50**"):
        assert figure in text, figure


def test_a_reversal_nets_out_with_its_settlement(tmp_path):
    # R1 reverses V2 the next day, refunding what V2 recorded: V2 differs by −100.00 on hifp_pay (150.00
    # due, 50.00 paid) and R1 by +100.00 (−150.00 due back, −50.00 refunded). Together the fund lost
    # nothing on V2: overpaid 200.00 (C2) and underpaid 42.50 (W1) only. Totals: recorded
    # 1485.00 − 50.00 = 1435.00, expected 1427.50 − 150.00 = 1277.50; 1435.00 − 1277.50 = 157.50 = 200.00 − 42.50.
    text = DOC.read_text(encoding="utf-8")
    lines = re.search(r"```csv\n(.*?)```", text, re.S).group(1).splitlines()
    lines = [lines[0] + ",init_setl_id"] + [line + "," for line in lines[1:]]
    lines.append("R1,A,1101,2023-04-11,11,tertiary,H510400001,-300.00,0.00,0.00,0.00,-300.00,-200.00,-50.00,0.5000,"
                 "-50.00,-250.00,0.00,-250.00,V2")
    ledger = tmp_path / "reversed.csv"
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "report"
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(out)], catch_exceptions=False)
    assert r.exit_code == 1, r.output
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (s["overpaid"], s["underpaid"]) == ("200.00", "42.50")
    assert (s["recorded_hifp_pay"], s["expected_hifp_pay"]) == ("1435.00", "1277.50")
    rows = duckdb.connect().execute(f"SELECT setl_id, diff, init_setl_id FROM read_parquet('{out / 'discrepancies.parquet'}')"
                                    " WHERE field = 'hifp_pay' ORDER BY setl_id").fetchall()
    # both rows still stand in the detail, the reversal naming what it reverses
    assert rows == [("C2", Decimal("200.00"), None), ("R1", Decimal("100.00"), "V2"), ("V2", Decimal("-100.00"), None),
                    ("W1", Decimal("-42.50"), None)]
