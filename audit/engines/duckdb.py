"""The plan on the audit's own DuckDB connection: tables stay in DuckDB, results go straight to Parquet."""
from __future__ import annotations

from pathlib import Path

import duckdb

from .. import plan


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, **_: object):
        pass

    def run(self, con: duckdb.DuckDBPyConnection, fields: tuple[str, ...], out: Path, workdir: Path) -> dict:
        """Compute `expected`, write the discrepancies to `out`; return the totals."""
        con.execute("CREATE OR REPLACE TABLE expected AS " + plan.sql("expected"))
        lit = str(out).replace("'", "''")
        con.execute(f"COPY ({plan.sql('compare', fields=fields)}) TO '{lit}' (FORMAT parquet)")
        cur = con.execute(plan.sql("totals"))
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchall()[0]))
