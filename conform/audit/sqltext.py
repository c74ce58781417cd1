"""Pieces of SQL text the ledger readers build from untrusted names and values: quoted, never pasted."""
from __future__ import annotations


def q(s: str) -> str:
    """A SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def ident(s: str) -> str:
    """A quoted identifier (a file's own column name)."""
    return '"' + s.replace('"', '""') + '"'


def text_value(expr: str) -> str:
    """A cell with the ASCII spaces around it taken off, an empty cell as NULL. TRIM copies every string; only a
    cell that starts or ends with a space is trimmed (10M CSV rows, ten text columns: 3.5 -> 2.5 s). Only ASCII
    spaces: DuckDB's TRIM() also strips U+3000 and U+00A0, which read ' 2023-06-01\u3000' as a date that
    '2023-06-01\u3000' is not, and quoted an amount refused for it without it ('2000.00')."""
    v = f"CAST({expr} AS VARCHAR)"
    return f"NULLIF(CASE WHEN starts_with({v}, ' ') OR ends_with({v}, ' ') THEN TRIM({v}, ' ') ELSE {v} END, '')"


def coded(expr: str, codes: dict[str, str] | None) -> str:
    """`expr` with a vendor's codes mapped (--map [codes.<column>]); other values unchanged."""
    if not codes:
        return expr
    whens = " ".join(f"WHEN {q(k)} THEN {q(v)}" for k, v in codes.items())
    return f"(CASE {expr} {whens} ELSE {expr} END)"
