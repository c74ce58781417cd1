"""The plan on the audit's own DuckDB connection: tables stay in DuckDB, results go straight to Parquet."""
from __future__ import annotations

from pathlib import Path

import duckdb

from .. import plan
from ..errors import AuditInputError


def _exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = ?", [name]).fetchall())


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, master: str | None = None, **_: object):
        if master is not None:  # a cluster given with the default engine: never silently run on one machine
            from .spark import redacted  # a Spark Connect token never in a message

            raise AuditInputError(f"--spark-master {redacted(master)} is for --engine spark, and this audit would run on DuckDB: "
                                  "add --engine spark, or leave --spark-master out")

    def run(self, con: duckdb.DuckDBPyConnection, fields: tuple[str, ...], out: Path, workdir: Path) -> dict:
        """Compute `expected`, write the discrepancies to `out`; return the totals."""
        for name in plan.STAGES:
            if name in plan.ROUTING and _exists(con, name):
                continue  # already made for the fallback persons (run.py), same statement
            kind = "VIEW" if name in plan.FILTERS else "TABLE"
            con.execute(f"CREATE OR REPLACE {kind} {name} AS " + plan.sql(name, fields=fields))
        lit = str(out).replace("'", "''")
        con.execute(f"COPY ({plan.sql('compare', fields=fields)}) TO '{lit}' (FORMAT parquet)")
        cur = con.execute(plan.sql("totals"))
        names = [d[0] for d in cur.description]
        totals = dict(zip(names, cur.fetchall()[0]))
        totals["unassessed_by_status"] = (con.execute(plan.sql("unassessed")).fetchall()
                                          if totals["unassessed"] else [])
        totals["unassessed_notes"] = con.execute(plan.sql("unassessed_notes")).fetchall() if totals["unassessed"] else []
        return totals
