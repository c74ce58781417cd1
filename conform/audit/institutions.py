"""`--institutions`: the facility level of each designated institution (定点医药机构), for ledgers
whose rows carry only `fixmedins_code`.

Many platform exports name the institution, not its level; the level (三级/二级/一级/未定级 or
定点零售药店) lives in the institutions table (定点医药机构信息). The file has `fixmedins_code` and
either `facility` (the harness's words: tertiary, secondary, primary, unrated, pharmacy) or the
platform's `hosp_lv`, whose codes vary by region and are mapped with `[codes.hosp_lv]` in `--map`
(the same mapping the ledger uses; `[columns]` renames the table's columns too). CSV (UTF-8 or
GBK), Parquet, xlsx or JSON lines, like a ledger.

Where the ledger has its own `facility` (or `hosp_lv`) column, that column decides and the table
is not consulted. A ledger row whose `fixmedins_code` is not in the table is refused with its file,
line and column, as is a table row with no code, an unknown level, or a code listed twice with two
different levels.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from conform.reference.case import FACILITIES, MAX_TEXT

from . import sources
from .errors import AuditInputError
from .mapping import PHARMACY_LEVEL, Mapping, coded_or_empty, unknown_hosp_lv
from .sqltext import ident, q, text_value
from .tables import drop_view

TABLE = "institutions"
MISSING = "__fixmedins_unknown"  # added to a ledger relation: the row's code is not in the table


def load(con: duckdb.DuckDBPyConnection, spec: str | None, mapping: Mapping) -> frozenset[str]:
    """Create table `institutions(fixmedins_code, facility, fixmedins_name)` from `spec`; returns the table's
    columns as written (where a --map source may be found), empty when no file is given.
    Its encoding is detected (sources.detect_encoding): --encoding names the ledger files'."""
    if spec is None:
        return frozenset()
    paths = sources.expand([spec])
    if len(paths) != 1:
        raise AuditInputError(f"--institutions takes one file ({len(paths)} found)", file=spec)
    path = paths[0]
    where = str(path)
    unit = sources.UNITS[sources.kind_of(path)]
    rel = "_institutions_src"
    wanted = frozenset({"fixmedins_code", "fixmedins_name", "facility", "hosp_lv"}) | frozenset(mapping.columns)

    def line(row: int) -> int:
        """The line a person opening the table sees for `src_row` `row` (a CSV record's first line: a quoted
        cell such as a name may span lines, and src_row counts records)."""
        return sources.line_of(path, row, None, wanted)

    try:
        cols = sources.open_source(con, path, rel, None, wanted)
    except AuditInputError as e:
        e = sources.own_encoding(e)
        raise AuditInputError(e.detail, file=where, row=e.row, column=e.column, unit=e.unit) from None
    names = {mapping.rename(c): c for c in cols if c != "src_row"}
    if "fixmedins_code" not in names:
        raise AuditInputError("the institutions table needs a fixmedins_code column (rename with --map)", file=where)
    # a code in Excel's text-keeping form (="4201…", '4201…, a tab) is read bare, as in a ledger (sources.WRAPPED)
    code = sources.id_text(ident(names["fixmedins_code"]))

    def _spelled(column: str) -> str:  # as the table's header spells it: 医院等级 (hosp_lv)
        return f"{names[column]} ({column})" if names.get(column, column) != column else column
    if "facility" in names:
        level, raw_col = text_value(ident(names["facility"])), "facility"
        known = mapping.codes.get("facility")
    elif "hosp_lv" in names:
        if "hosp_lv" not in mapping.codes:
            raise AuditInputError("the institutions table has hosp_lv but no facility: give [codes.hosp_lv] in --map "
                                  "(hosp_lv code -> tertiary/secondary/primary/unrated/pharmacy)",
                                  file=where, column=_spelled("hosp_lv"))
        level, raw_col = text_value(ident(names["hosp_lv"])), "hosp_lv"
        known = mapping.codes["hosp_lv"]
    else:
        raise AuditInputError("the institutions table needs a facility column (or hosp_lv with [codes.hosp_lv] in --map)",
                              file=where)
    mapped = coded_or_empty(level, known)  # [codes.hosp_lv] "" = "pharmacy": a pharmacy's empty 医院等级
    listing = ", ".join(f"{k} ({v})" for k, v in FACILITIES.items())
    allowed = "(" + ", ".join(q(k) for k in FACILITIES) + ")"
    try:
        name = text_value(ident(names["fixmedins_name"])) if "fixmedins_name" in names else "CAST(NULL AS VARCHAR)"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _institutions_rows AS SELECT {code} AS fixmedins_code, "
                    f"{mapped} AS facility, {name} AS fixmedins_name, {level} AS raw, src_row FROM {rel}")
    except duckdb.Error as e:
        if sources.PENDING:
            raise sources.PENDING.pop() from None
        raise AuditInputError(f"cannot read the institutions table: {e}", file=where) from None
    finally:
        drop_view(con, rel)
    if not con.execute("SELECT count(*) FROM _institutions_rows").fetchall()[0][0]:
        # else every ledger row would be refused as an institution not in the table, the table never named
        raise AuditInputError("the institutions table has no rows (a header only?): export it with its institutions",
                              file=where)
    # a code longer than any real one (as the ledger's: ledger.CODES) would reach the reports whole
    long = f"(strlen(fixmedins_code) > {MAX_TEXT} AND length(fixmedins_code) > {MAX_TEXT})"
    bad = con.execute(f"""SELECT src_row, CASE WHEN fixmedins_code IS NULL THEN 'code'
                                              WHEN {long} THEN 'long'
                                              WHEN facility IS NULL THEN 'missing'
                                              ELSE 'unknown' END, raw
        FROM _institutions_rows WHERE fixmedins_code IS NULL OR facility IS NULL OR facility NOT IN {allowed} OR {long}
        ORDER BY src_row LIMIT 1""").fetchall()
    if bad:
        row, why, raw = bad[0]
        row = line(row)
        if why == "long":
            raise AuditInputError(f"longer than {MAX_TEXT} characters, which no institution's code is (a column "
                                  "shifted, or a note exported into it?)",
                                  file=where, row=row, column=_spelled("fixmedins_code"), unit=unit)
        if why == "code":
            raise AuditInputError("missing", file=where, row=row, column=_spelled("fixmedins_code"), unit=unit)
        if why == "missing":
            said = "empty: " + PHARMACY_LEVEL if raw_col == "hosp_lv" else \
                "missing: give the level (tertiary, secondary, primary, unrated or pharmacy)"
            raise AuditInputError(said, file=where, row=row, column=_spelled(raw_col), unit=unit)
        if raw_col == "hosp_lv":  # as the ledger says it: the codes the map gives, and a leading zero lost
            raise AuditInputError(f"{unknown_hosp_lv(mapping, skip=False)}: {raw!r}", file=where, row=row,
                                  column=_spelled(raw_col), unit=unit)
        raise AuditInputError(f"unknown level {raw!r}; expected one of {listing}", file=where, row=row,
                              column=_spelled(raw_col), unit=unit)
    clash = con.execute("""SELECT fixmedins_code, min(src_row), max(src_row), min(facility), max(facility)
        FROM _institutions_rows GROUP BY fixmedins_code HAVING count(DISTINCT facility) > 1
        ORDER BY min(src_row) LIMIT 1""").fetchall()
    if clash:
        c, first, second, a, b = clash[0]
        raise AuditInputError(f"fixmedins_code {c!r} is listed with two levels ({a}, {b}; first at {unit} {line(first)})",
                              file=where, row=line(second), column=_spelled("fixmedins_code"), unit=unit)
    con.execute(f"CREATE OR REPLACE TABLE {TABLE} AS SELECT fixmedins_code, any_value(facility) AS facility, "
                "min(fixmedins_name) AS fixmedins_name FROM _institutions_rows GROUP BY fixmedins_code")
    con.execute("DROP TABLE _institutions_rows")
    return frozenset(cols) - {"src_row"}


def attach(con: duckdb.DuckDBPyConnection, rel: str, cols: dict[str, str], mapping: Mapping,
           path: Path) -> tuple[str, dict[str, str]]:
    """Give a ledger relation without facility/hosp_lv its institutions' `facility` (a view over a
    LEFT JOIN, streamed like the file itself) and a flag for codes the table lacks; and one without
    fixmedins_name the institutions' names."""
    renamed = {mapping.rename(c): c for c in cols if c != "src_row"}
    rated = "facility" in renamed or "hosp_lv" in renamed  # the ledger's own level decides
    named = "fixmedins_name" in renamed
    if "fixmedins_code" not in renamed:
        if rated:
            return rel, cols
        raise AuditInputError("the ledger has neither facility, hosp_lv nor fixmedins_code to find the level by "
                              "(--institutions joins on fixmedins_code)", file=str(path))
    if rated and named:
        return rel, cols
    # as canonical_select reads it: a text file's bare (WRAPPED), a Parquet file's without a trailing tab
    raw_code = f"s.{ident(renamed['fixmedins_code'])}"
    code = sources.id_text(raw_code) if sources.kind_of(path) != "parquet" else sources.parquet_id_text(raw_code)
    added: dict[str, tuple[str, str]] = {}  # column -> (expression, type)
    if not rated:  # the level from the table, and a flag for codes it lacks
        added["facility"] = ("i.facility", "VARCHAR")
        added[MISSING] = (f"({code} IS NOT NULL AND i.fixmedins_code IS NULL)", "BOOLEAN")
    if not named:  # the institution's name, for the reports (a code the table lacks only has none)
        added["fixmedins_name"] = ("i.fixmedins_name", "VARCHAR")
    view = f"{rel}_inst"
    select = ", ".join(f"{e} AS {c}" for c, (e, _) in added.items())
    con.execute(f"""CREATE OR REPLACE TEMP VIEW {view} AS SELECT s.*, {select}
        FROM {rel} s LEFT JOIN {TABLE} i ON i.fixmedins_code = {code}""")
    return view, {**cols, **{c: t for c, (_, t) in added.items()}}
