"""A remote-filed person's visit outside the city is settled as at the place filed for, which no ledger says
(攀枝花 第七条; A-PZH-REMOTE-FILED-PLACE): every figure of it cites the reading, on the plan and the reference route
alike, as the unfiled counterpart cites A-PZH-REMOTE-UNFILED (probe s29 A2 F2).

panzhihua-example plus the region's unfiled ratio 0.40: in service at 三级, deductible 200.00, 50%, cap 1000.00.
"""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,remote,medfee_sumamt,act_pay_dedc,hifp_pay,"
          "pool_prop_selfpay,fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay")
REGION = Path(__file__).resolve().parents[2] / "conform" / "fixtures" / "regions" / "panzhihua-example.yaml"
ROUTES = {"plan": {}, "reference": {"retire_date": "2030-01-01"}}
# F1 400.00 at a 三级 facility outside the city, F filed: as in the city, (400 − 200) × 50% = 100.00 — only if the
# visit was at the place filed for. Recorded at 60%: 120.00 (多付 20.00), ratio 0.6000.
# U1 the same visit, U not filed: (400 − 200) × 40% (the region's) = 80.00; recorded 100.00 at 50%.
ROWS = ["F1,F,1101,2023-02-01,11,tertiary,1,400.00,200.00,120.00,0.6000,120.00,280.00,0.00,280.00",
        "U1,U,1101,2023-02-01,11,tertiary,1,400.00,200.00,100.00,0.5000,100.00,300.00,0.00,300.00",
        # a filed person's visit in the city rests on no such reading: 500 × 60% = 300.00 (deductible met), recorded 310.00
        "F2,F,1101,2023-03-01,11,secondary,0,500.00,0.00,310.00,0.6000,310.00,190.00,0.00,190.00"]


@pytest.mark.parametrize("route", ROUTES)
def test_a_filed_persons_remote_visit_cites_the_filed_place_reading(tmp_path, route):
    region = tmp_path / "pzh-remote.yaml"
    region.write_text(REGION.read_text(encoding="utf-8").replace("name: panzhihua-example", "name: pzh-remote")
                      + '  ordinary.ratio.remote_unfiled: "0.40"\n', encoding="utf-8")
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    pf = tmp_path / "persons.jsonl"
    pf.write_text("".join(json.dumps({"psn_no": p, "remote_filing": p == "F", "ytd": {"year": 2023}, **ROUTES[route]})
                          + "\n" for p in "FU"), encoding="utf-8")
    out = tmp_path / "out"
    audit([str(ledger)], "panzhihua", str(region), str(pf), out=out)
    got = {(s, f): (e, c, r) for s, f, e, c, r in duckdb.sql(
        "SELECT setl_id, field, CAST(CAST(expected AS DECIMAL(18, 4)) AS VARCHAR), clause, route"
        f" FROM read_parquet('{out}/discrepancies.parquet')").fetchall()}
    filed = "攀枝花 第七条；A-PZH-REMOTE-FILED-PLACE"
    assert got[("F1", "hifp_pay")] == ("100.0000", filed, route)
    assert got[("F1", "pool_prop_selfpay")] == ("0.5000", filed, route)
    for f in ("fund_pay_sumamt", "psn_part_amt"):
        assert got[("F1", f)][1:] == (filed, route)
    assert got[("F1", "psn_cash_pay")][1].startswith(filed + "；")
    assert got[("U1", "hifp_pay")] == ("80.0000", "攀枝花 第七条；A-PZH-REMOTE-UNFILED", route)
    assert got[("F2", "hifp_pay")] == ("300.0000", "攀枝花 第七条", route)
