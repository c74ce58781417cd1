"""Arrow data into the audit's DuckDB connection, and views dropped without fuss.

Small helpers shared by the readers (ledger, persons, institutions), the parameter tables and the
reference fallback, so each says what table it makes rather than how.
"""
from __future__ import annotations

import duckdb
import pyarrow as pa


def create_from_arrow(con: duckdb.DuckDBPyConnection, name: str, tbl: pa.Table) -> None:
    """Table `name` (replaced if it exists) holding `tbl`; nothing stays registered."""
    src = f"_{name}_src"
    con.register(src, tbl)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {src}")
    finally:
        con.unregister(src)


def drop_view(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Unregister `name` if it is registered (a failed read may have left it half made, or not at all)."""
    try:
        con.unregister(name)
    except duckdb.Error:
        pass
