"""差异明细 written by DuckDB as the sheet's XML (report/detail_sheet.py) holds, cell for cell, what the general
path (xlsx._FastRows, the conformance report's `put_cell`) writes for the same rows: the value, its type, its number
format and the formula guard — on hostile text (formula starts, controls, bidi overrides, markup, edge spaces,
an over-long name), every kind of figure, dates either side of Excel's 1900-03-01, NULLs and unknown codes."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook, load_workbook

from conform.audit.report import detail_sheet, rollups
from conform.audit.report import xlsx as audit_xlsx
from conform.audit.report.text import FACILITY_LABELS, MED_LABEL, PSN_LABEL, ROUTE_LABELS, field_label
from conform.sheets import MAX_CELL, Amount

LONG = "某市第一人民医院" * 6000  # 48,000 characters: over MAX_CELL, cut as `put_cell` cuts
TEXTS = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tlead tab", "\rlead cr", "bell\x07in", "esc\x1b[31m",
         "bidi\u202eevil", "a&b<c>d", " edge spaces ", "line\nbreak", "crlf\r\nx", "浙江 二（一）；A-ROUND-FEN", "",
         "zero\u200bwidth", "trail\t", LONG, "'quoted", "123"]


def _ledger_rows() -> list[tuple]:
    rows = []
    for i, t in enumerate(TEXTS):
        field = ["hifp_pay", "pool_prop_selfpay", "act_pay_dedc", "acct_pay", "no_such_field"][i % 5]
        ratio = field == "pool_prop_selfpay"
        rec = Decimal("0.6000") if ratio else Decimal(f"{i * 37 - 200}.{i % 100:02d}")
        exp = None if i % 7 == 3 else (Decimal("0.5500") if ratio else Decimal(f"{i * 11}.05"))
        date = [dt.date(2023, 3, 1 + i % 28), dt.date(1900, 3, 1), dt.date(1900, 2, 28), dt.date(1899, 12, 31), None][i % 5]
        rows.append((f"S{i:03d}{t if i % 3 == 0 else ''}", t if i % 2 else f"P{i}", date,
                     date.strftime("%Y-%m") if date else None,
                     ["1101", "1201", "9999", None][i % 4], ["primary", "tertiary", "weird<lvl>", None][i % 4],
                     t if i % 4 == 1 else f"H{i}", t, ["11", "14", "99", None][i % 4], field, rec, exp,
                     None if exp is None else rec - exp, t if i % 2 == 0 else "A-X", ["plan", "reference", "?"][i % 3],
                     t if i % 5 == 2 else None))
    return rows


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    src = duckdb.connect()
    src.execute("""CREATE TABLE x (setl_id VARCHAR, psn_no VARCHAR, setl_date DATE, month VARCHAR, psn_type VARCHAR,
        facility VARCHAR, fixmedins_code VARCHAR, fixmedins_name VARCHAR, med_type VARCHAR, field VARCHAR,
        recorded DECIMAL(18,4), expected DECIMAL(18,4), diff DECIMAL(18,4), clause VARCHAR, route VARCHAR,
        init_setl_id VARCHAR, status VARCHAR, fen_rounded BOOLEAN)""")
    src.executemany("INSERT INTO x VALUES (" + ", ".join("?" * 16) + ", 'ordinary', false)", _ledger_rows())
    path = tmp_path / "discrepancies.parquet"
    src.execute(f"COPY x TO '{path}' (FORMAT parquet)")
    c = rollups.connect(path)
    yield c
    c.close()


def _general(con: duckdb.DuckDBPyConnection, cap: int, total: int):
    """The rows as the general path took them (the detail generator before detail_sheet): Python values through
    _FastRows."""
    cols = ", ".join(c for c, _ in audit_xlsx.DETAIL_COLUMNS)
    for r in con.execute(f"SELECT {cols} FROM d ORDER BY setl_date, setl_id, field LIMIT {cap}").fetchall():
        r = dict(zip([c for c, _ in audit_xlsx.DETAIL_COLUMNS], r))
        ratio = r["field"] == "pool_prop_selfpay"
        yield [r["setl_id"], r["psn_no"], r["setl_date"], r["month"],
               PSN_LABEL.get(r["psn_type"], r["psn_type"]), FACILITY_LABELS.get(r["facility"], r["facility"]),
               r["fixmedins_code"], r["fixmedins_name"], MED_LABEL.get(r["med_type"], r["med_type"]),
               field_label(r["field"]), Amount(r["recorded"], ratio), Amount(r["expected"], ratio),
               Amount(r["diff"], ratio), r["clause"], ROUTE_LABELS.get(r["route"], r["route"]), r["init_setl_id"]]
    if total > cap:
        yield [f"仅列出前{cap}行，共{total}行；全部差异见 discrepancies.parquet"]


def _cells(path: Path) -> list[list[tuple]]:
    ws = load_workbook(path)["差异明细"]
    # an empty cell is empty whatever type a writer gave it (the general path writes '' as an empty string cell)
    return [[(c.value, c.data_type, c.number_format, bool(c.quotePrefix)) if c.value is not None else None
             for c in row] for row in ws.iter_rows()]


def _both(con, tmp_path: Path, cap: int) -> tuple[list, list]:
    headers = [h for _, h in audit_xlsx.DETAIL_COLUMNS]
    total = con.execute("SELECT count(*) FROM d").fetchall()[0][0]
    general = Workbook(write_only=True)
    audit_xlsx._sheet(general, "差异明细", headers, _general(con, cap, total))
    general.save(tmp_path / "general.xlsx")
    fast = Workbook(write_only=True)
    audit_xlsx._sheet(fast, "差异明细", headers, [detail_sheet.PROTOTYPE])
    fast.save(tmp_path / "fast.xlsx")
    drop = detail_sheet.register_cut(con)
    try:
        detail_sheet.splice(tmp_path / "fast.xlsx", "差异明细",
                            lambda styles: audit_xlsx._detail_rows(con, styles, cap, total))
    finally:
        drop()
    return _cells(tmp_path / "general.xlsx"), _cells(tmp_path / "fast.xlsx")


def test_every_cell_as_the_general_path_writes_it(con, tmp_path):
    general, fast = _both(con, tmp_path, cap=10_000)
    assert len(fast) == len(TEXTS) + 1  # the header and every row
    assert fast == general
    # and what the guard is for, read in the file itself: no formula, the long name cut, the bidi override shown
    flat = [c for row in fast[1:] for c in row if c is not None]
    assert not any(t == "f" for _, t, _, _ in flat)
    assert any(v == "=HYPERLINK(\"http://x\")" and q for v, _, _, q in flat)
    assert max(len(v) for v, t, _, _ in flat if t == "s") <= MAX_CELL
    assert any(v == "bidi\\u202eevil" for v, _, _, _ in flat)
    assert any(f == "0.00%" for _, _, f, _ in flat) and any(f == "yyyy-mm-dd" for _, _, f, _ in flat)


def test_capped_rows_end_with_the_note(con, tmp_path):
    general, fast = _both(con, tmp_path, cap=7)
    assert fast == general
    assert len(fast) == 1 + 7 + 1 and "仅列出前7行" in fast[-1][0][0]


def test_rows_out_of_order_are_refused_not_written(con, tmp_path):
    """The rows carry their numbers; a query that returned them out of order would write a corrupt sheet."""
    select = "SELECT *, 10 - row_number() OVER (ORDER BY setl_id) AS n FROM d"
    with pytest.raises(RuntimeError, match="order"):
        list(detail_sheet.row_chunks(con, select, [("text", "setl_id")], "false",
                                     {"quoted": "1", "amount": "2", "ratio": "3", "date": "4"}, "lower"))


def test_no_progress_bar_on_the_report_connection(con):
    """DuckDB draws a progress bar on stdout for a query over two seconds (差异明细 at a million rows takes longer):
    on the audit's console between its own lines, and in a script reading its output."""
    assert con.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0] is False
