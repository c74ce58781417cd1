"""差异明细's rows as the worksheet's own XML, built by DuckDB: a million rows in seconds, not minutes.

openpyxl writes a cell in about 19 µs on a 2-core machine: the 1,048,574 detail rows Excel holds — which a
ledger of one million settlements with one systematic defect fills (1.5 million discrepancies) — took more
than five minutes, ten times the audit before it. Those rows are regular, each cell one of four kinds, so:
the workbook stays openpyxl's (styles, header, widths, filter, every other sheet), and its 差异明细 is written
with the header and one prototype row holding the four styled kinds (PROTOTYPE). After saving, the prototype's
style numbers are read back, DuckDB builds every detail row's XML with them in one vectorised query, and the
rows replace the prototype in the saved file.

Each cell is what the general path (xlsx._FastRows, and through it the conformance report's guard `put_cell`)
writes for it, in openpyxl's own form (inline strings, `t="n"` numbers): text escaped as shown() escapes it
(UNSHOWN.sql, built from the same ranges), cut at MAX_CELL by the same `cut`, never a formula (an inline
string is text; one that starts like a formula is quote-prefixed, as `put_cell` does), amounts numbers formatted
0.00 (ratios 0.00%), dates date cells (text before 1900-03-01). tests/audit/test_s12_detail_sheet.py reads both
back and compares them cell for cell.
"""
from __future__ import annotations

import datetime as dt
import os
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
from duckdb.sqltypes import VARCHAR
import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree
from openpyxl.utils import get_column_letter

from conform.display import UNSHOWN, cut
from conform.sheets import FORMULA_START, MAX_CELL, Amount

from ..sqltext import q

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
# A date is written as a date cell; one before 1900-03-01, where Excel's day numbers are off by its 1900 leap-year
# error, as text (the general path, xlsx._FastRows, too)
FIRST_EXCEL_DATE = dt.date(1900, 3, 1)
EXCEL_EPOCH = "1899-12-30"  # day 0 of Excel's serial dates, as openpyxl counts them
# The prototype row: one cell of each styled kind, in this order (A..D of row 2).
KINDS = ("quoted", "amount", "ratio", "date")
PROTOTYPE = ["=", Amount(Decimal(1)), Amount(Decimal(1), ratio=True), dt.date(2000, 1, 1)]
BATCH_ROWS = 20_000


def _esc(v: str) -> str:
    """XML text content as lxml writes it: & < > escaped, a CR as &#13; (an XML reader would read a raw one as LF)."""
    return f"replace(replace(replace(replace({v}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), chr(13), '&#13;')"



def text_cell(col: str, v: str, quoted_style: str) -> str:
    """The SQL of one text cell (none where `v` is NULL or empty). `v` is already as a cell shows it (row_chunks).
    Every text keeps its edge spaces by xml:space="preserve" (openpyxl adds it only where the text has them: testing
    each cell for that cost more than the bytes it saves, 1M rows 26 s against 22 s)."""
    starts = ", ".join(q(c) for c in FORMULA_START)
    return (f"CASE WHEN {v} IS NULL OR {v} = '' THEN '' ELSE '<c r=\"{col}' || n || '\"' || "
            f"CASE WHEN left({v}, 1) IN ({starts}) THEN ' s=\"{quoted_style}\"' ELSE '' END || "
            f"' t=\"inlineStr\"><is><t xml:space=\"preserve\">' || {_esc(v)} || '</t></is></c>' END")


def number_cell(col: str, v: str, style: str) -> str:
    """The SQL of one number cell (none where `v` is NULL); `style` is a SQL expression of the style number."""
    return (f"CASE WHEN {v} IS NULL THEN '' ELSE '<c r=\"{col}' || n || '\" s=\"' || {style} || '\" t=\"n\"><v>' "
            f"|| CAST({v} AS VARCHAR) || '</v></c>' END")


def date_cell(col: str, v: str, date_style: str, quoted_style: str) -> str:
    """A date as Excel's serial day (openpyxl's count from 1899-12-30); before 1900-03-01 as its ISO text."""
    return (f"CASE WHEN {v} IS NULL THEN '' WHEN {v} >= DATE '{FIRST_EXCEL_DATE.isoformat()}' THEN '<c r=\"{col}' || n || "
            f"'\" s=\"{date_style}\" t=\"n\"><v>' || CAST({v} - DATE '{EXCEL_EPOCH}' AS VARCHAR) || '</v></c>' "
            f"ELSE {text_cell(col, f'CAST({v} AS VARCHAR)', quoted_style)} END")


def labelled(expr: str, labels: dict[str, str]) -> str:
    """`expr` through a label table (the reports' words for codes), other values as they are."""
    if not labels:
        return expr
    return f"(CASE {expr} " + " ".join(f"WHEN {q(k)} THEN {q(v)}" for k, v in labels.items()) + f" ELSE {expr} END)"


CUT_FN = "conform_cell_cut"


def register_cut(con: duckdb.DuckDBPyConnection, name: str = CUT_FN) -> Callable[[], None]:
    """Register the Python `cut` as SQL function `name` for row_chunks; returns how to drop it again."""
    con.create_function(name, lambda s: cut(s, MAX_CELL), [VARCHAR], VARCHAR)
    return lambda: con.remove_function(name)


def _sheet_part(z: zipfile.ZipFile, title: str) -> str:
    """The zip member of the worksheet named `title` (workbook.xml's sheet, its relationship's target)."""
    book = etree.fromstring(z.read("xl/workbook.xml"))
    rid = next(s.get(f"{{{REL}}}id") for s in book.iter(f"{{{MAIN}}}sheet") if s.get("name") == title)
    rels = etree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels.iter(f"{{{PKG_REL}}}Relationship") if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def prototype_styles(sheet_xml: bytes) -> tuple[dict[str, str], bytes, bytes]:
    """The style number of each kind (from the prototype, row 2), and the sheet's XML around where the rows go:
    up to and including the header row, and from </sheetData> on."""
    root = etree.fromstring(sheet_xml)
    data = root.find(f"{{{MAIN}}}sheetData")
    rows = data.findall(f"{{{MAIN}}}row")
    if len(rows) != 2 or rows[1].get("r") != "2":
        raise RuntimeError("the detail sheet was not written with its header and prototype row")
    cells = rows[1].findall(f"{{{MAIN}}}c")
    styles = {kind: c.get("s") for kind, c in zip(KINDS, cells)}
    if len(cells) != len(KINDS) or not all(styles.values()):
        raise RuntimeError("the detail sheet's prototype row lacks a styled cell")
    data.remove(rows[1])
    etree.SubElement(data, f"{{{MAIN}}}row", r="0")  # where the rows go: the default namespace, no prefix
    head, tail = etree.tostring(root, encoding="UTF-8", xml_declaration=False).split(b'<row r="0"/>', 1)
    return styles, head, tail


def splice(path: Path, title: str, rows: Callable[[dict[str, str]], Iterator[bytes]]) -> None:
    """Replace the prototype row of sheet `title` in the saved workbook `path` with the rows `rows(styles)` yields
    (XML, in order); every other part of the file is copied as it is."""
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(path) as zin:
        part = _sheet_part(zin, title)
        styles, head, tail = prototype_styles(zin.read(part))
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for info in zin.infolist():
                if info.filename != part:
                    zout.writestr(info, zin.read(info))
                    continue
                with zout.open(part, "w", force_zip64=True) as f:
                    f.write(head)
                    for chunk in rows(styles):
                        f.write(chunk)
                    f.write(tail)
    os.replace(tmp, path)


def row_chunks(con: duckdb.DuckDBPyConnection, select: str, columns: list[tuple[str, str]], ratio: str,
               styles: dict[str, str], cut_fn: str, first_row: int = 2) -> Iterator[bytes]:
    """The XML of the rows of `select` (which has `n`, the row number, in order from `first_row`), a cell in
    columns A, B, … for each of `columns`: (kind, SQL expression over `select`'s columns), kind 'text', 'date' or
    'amount' (0.00, or 0.00% where `ratio` holds). Text is first made what a cell shows: shown() (UNSHOWN.sql),
    then cut at MAX_CELL by `cut` (the SQL function `cut_fn`, register_cut; called for the rare longer text only)."""
    shown, kept, cells = [], [], []
    for j, (kind, expr) in enumerate(columns, 1):
        v, col = f"v{j}", get_column_letter(j)
        if kind == "text":
            shown.append(UNSHOWN.sql(f"CAST({expr} AS VARCHAR)") + f" AS {v}")
            kept.append(f"CASE WHEN length({v}) > {MAX_CELL} THEN {cut_fn}({v}) ELSE {v} END AS {v}")
            cells.append(text_cell(col, v, styles["quoted"]))
        elif kind in ("date", "amount"):
            shown.append(f"{expr} AS {v}")
            kept.append(v)
            cells.append(date_cell(col, v, styles["date"], styles["quoted"]) if kind == "date" else
                         number_cell(col, v, f"CASE WHEN ratio THEN '{styles['ratio']}' ELSE '{styles['amount']}' END"))
        else:
            raise ValueError(kind)
    xml = "'<row r=\"' || n || '\">' || " + " || ".join(cells) + " || '</row>'"
    sql = (f"WITH src AS ({select}), "
           f"s AS (SELECT n, {ratio} AS ratio, {', '.join(shown)} FROM src), "
           f"k AS (SELECT n, ratio, {', '.join(kept)} FROM s) "
           f"SELECT n, {xml} AS xml FROM k")
    reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
    expect = first_row
    for batch in reader:
        n = batch.column(0)
        if len(n) == 0:
            continue
        # the rows must come in order, one after the other: a row out of place would be a corrupt sheet
        if not pc.all(pc.equal(n, pa.array(range(expect, expect + len(n)), n.type))).as_py():
            raise RuntimeError("the detail rows did not come in order")
        expect += len(n)
        yield "".join(batch.column(1).to_pylist()).encode("utf-8")
