"""A hand-made ledger and persons file audited, its discrepancies read back: the shared harness of the tests whose
ledgers are worked by hand from the articles (tests/audit/test_s29_fixAC_*.py)."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb

from conform.audit.run import audit


def discrepancies(tmp_path: Path, header: str, rows: list[str], persons: list[dict], policy: str,
                  region: str | None) -> dict[tuple[str, str], tuple[str, str, str, str]]:
    """(setl_id, field) → (expected, diff, clause, route) of each discrepancy, amounts as two-decimal strings."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    pf = tmp_path / "persons.jsonl"
    pf.write_text("".join(json.dumps(p) + "\n" for p in persons), encoding="utf-8")
    out = tmp_path / "out"
    audit([str(ledger)], policy, region, str(pf), out=out)
    got = duckdb.sql("SELECT setl_id, field, CAST(CAST(expected AS DECIMAL(18, 2)) AS VARCHAR),"
                     " CAST(CAST(diff AS DECIMAL(18, 2)) AS VARCHAR), clause, route"
                     f" FROM read_parquet('{out}/discrepancies.parquet')").fetchall()
    return {(s, f): (e, d, c, r) for s, f, e, d, c, r in got}
