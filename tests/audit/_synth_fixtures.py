"""Helpers for helper B's audit tests: discrepancy files in the contract's schema, made without the engine.

`discrepancies_from_planted` joins a synthetic ledger with its planted set (which carries
the recorded and the clean figure), so the report can be tested on realistic data
before and independently of the audit engine.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema([
    ("setl_id", pa.string()), ("psn_no", pa.string()), ("setl_date", pa.date32()), ("month", pa.string()),
    ("psn_type", pa.string()), ("facility", pa.string()), ("fixmedins_code", pa.string()), ("fixmedins_name", pa.string()),
    ("med_type", pa.string()),
    ("field", pa.string()), ("recorded", pa.decimal128(18, 4)), ("expected", pa.decimal128(18, 4)),
    ("diff", pa.decimal128(18, 4)), ("clause", pa.string()), ("route", pa.string()), ("init_setl_id", pa.string()),
])


def write_discrepancies(path: Path, rows: list[dict]) -> Path:
    """rows: dicts with the contract's columns (recorded/expected as Decimal or str); diff computed."""
    cols: dict[str, list] = {n: [] for n in SCHEMA.names}
    for r in rows:
        rec, exp = Decimal(str(r["recorded"])), Decimal(str(r["expected"]))
        d = r.get("setl_date", dt.date(2023, 3, 1))
        full = {"psn_no": "P1", "setl_date": d, "month": d.strftime("%Y-%m"), "psn_type": "1101",
                "facility": "tertiary", "fixmedins_code": "H510400000001", "fixmedins_name": None, "med_type": "11", "clause": "攀枝花 第七条",
                "route": "plan", "init_setl_id": None, **r, "recorded": rec, "expected": exp, "diff": rec - exp}
        for n in SCHEMA.names:
            cols[n].append(full[n])
    pq.write_table(pa.table(cols, schema=SCHEMA), path)
    return path


def discrepancies_from_planted(ledger: Path, out: Path) -> Path:
    planted = ledger.with_name(ledger.name.removesuffix(".parquet") + ".planted.parquet")
    con = duckdb.connect()
    con.execute(f"""
        COPY (SELECT l.setl_id, l.psn_no, l.setl_date, strftime(l.setl_date, '%Y-%m') AS month, l.psn_type, l.facility,
                     l.fixmedins_code, CAST(NULL AS VARCHAR) AS fixmedins_name, l.med_type, p.field, p.recorded, p.expected,
                     CAST(p.recorded - p.expected AS DECIMAL(18,4)) AS diff,
                     '第七条（合成）' AS clause, 'plan' AS route, l.init_setl_id
              FROM read_parquet('{ledger}') l JOIN read_parquet('{planted}') p USING (setl_id)
              ORDER BY l.setl_id, p.field)
        TO '{out}' (FORMAT PARQUET)""")
    con.close()
    return out


def summary_for(discrepancies: Path, **extra) -> dict:
    """A summary dict as conform/audit/run.py builds it, with the hifp totals taken from the discrepancy file."""
    con = duckdb.connect()
    # a settlement and its reversal net out: the money is what stands of the pair
    over, under = con.execute(f"""
        WITH p AS (SELECT sum(diff) AS net FROM read_parquet('{discrepancies}') WHERE field = 'hifp_pay'
                   GROUP BY coalesce(init_setl_id, setl_id))
        SELECT coalesce(sum(net) FILTER (WHERE net > 0), 0), coalesce(-sum(net) FILTER (WHERE net < 0), 0) FROM p""").fetchone()
    by_field = dict(con.execute(f"SELECT field, count(*) FROM read_parquet('{discrepancies}') GROUP BY 1 ORDER BY 1").fetchall())
    # a run's period is its ledger's first and last setl_date, so it spans every discrepancy (the reports list
    # each of its months, zeros included); a file without rows keeps two whole years
    first, last = con.execute(f"SELECT CAST(min(setl_date) AS VARCHAR), CAST(max(setl_date) AS VARCHAR) "
                              f"FROM read_parquet('{discrepancies}')").fetchone()
    con.close()
    base = {"ledger": ["ledger.parquet"], "policy": "panzhihua", "region": "panzhihua-example", "engine": "duckdb",
            "rows_read": 1000, "settlements": 990, "reversals": 10, "persons": 120,
            "period": {"from": first or "2023-01-01", "to": last or "2024-12-31"}, "fields_audited": ["hifp_pay", "act_pay_dedc"],
            "discrepancies_by_field": by_field, "recorded_hifp_pay_fen": 10_000_00, "expected_hifp_pay_fen":
            10_000_00 - int(over * 100) + int(under * 100), "overpaid_fen": int(over * 100),
            "underpaid_fen": int(under * 100), "persons_reference": 3, "elapsed_s": 0.5, "rows_per_s": 2000,
            "assumptions": [{"id": "A-ROUND-FEN", "text": "四舍五入到分", "cite": "common"}]}
    base.update(extra)
    return base
