"""audit.xlsx for the regulator: 概要, 未能审核 (only when rows were not assessed), 差异明细, 按机构, 按月份, 按人员类别, 按差异类型, 假设.

Written in openpyxl's write-only (streaming) mode. Every cell of the small sheets goes through the conformance
report's own cell writer (`conform.sheets.put_cell`, or _FastRows's short path to the same cells): amounts
become numbers formatted 0.00 (ratios 0.00%), dates date cells formatted yyyy-mm-dd, and text is never a
formula. 差异明细's rows — up to Excel's million — are the same cells built by DuckDB as the sheet's XML
(detail_sheet), so a million detail rows never pass through Python one cell at a time.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import duckdb
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from conform.display import as_number, shown
from conform.reference.money import from_fen
from conform.sheets import FORMULA_START, HEADER_FILL, HEADER_FONT, MAX_CELL, Amount, cell_width, put_cell

from . import detail_sheet
from .detail_sheet import FIRST_EXCEL_DATE, labelled
from .rollups import NO_ROWS, prepared
from .text import (FACILITY_LABELS, FIELD_LABELS, MED_LABEL, PSN_LABEL, ROUTE_LABELS, ROUTE_NOTE, UNUSED_HEAD,
                   UNUSED_HEAD_EN, USED_HEAD, field_label, fund_audited, reversed_example_text)

EXCEL_MAX_ROWS = 1_048_576
DETAIL_TITLE = "差异明细"
# A date is written as a date cell (a serial number shown yyyy-mm-dd), so a regulator can filter and sort by it;
# one before FIRST_EXCEL_DATE as text.
DATE_FORMAT = "yyyy-mm-dd"
DETAIL_COLUMNS = [
    ("setl_id", "结算ID setl_id"), ("psn_no", "人员编号 psn_no"), ("setl_date", "结算日期"), ("month", "月份"),
    ("psn_type", "人员类别"), ("facility", "机构等级"), ("fixmedins_code", "定点机构编码"), ("fixmedins_name", "定点机构名称"),
    ("med_type", "医疗类别"),
    ("field", "字段 field"), ("recorded", "清单记录值"), ("expected", "按规定应为"), ("diff", "差额（记录−应为）"),
    ("clause", "依据条款"), ("route", "计算途径"), ("init_setl_id", "撤销的结算 init_setl_id"),
]


class _Row:
    """Stands in for a worksheet in `put_cell`: hands out write-only cells for one row."""

    def __init__(self, ws: Any):
        self.ws, self.cells = ws, {}

    def cell(self, row: int, column: int) -> Any:
        c = self.cells.get(column)
        if c is None:
            c = self.cells[column] = WriteOnlyCell(self.ws)
        return c

    def values(self, n: int) -> list:
        return [self.cells.get(j) or WriteOnlyCell(self.ws) for j in range(1, n + 1)]


class _FastRows:
    """Appends rows to a write-only sheet with the same cells `put_cell` makes, at a fraction of the cost.

    The common cells take a short path: a figure goes into one reused cell per column that carries
    the number format (a write-only sheet writes a row out when it is appended, so the cell is free
    again), and text that cannot be read as a formula is passed as is (openpyxl stores it as a string).
    A control character Excel refuses is written escaped (\\x07), where `put_cell` would put U+FFFD: the
    setl_id can still be found in the ledger; so is a bidi override (\\u202e), which would reorder the cell
    (conform.display.shown). Text starting as a formula may (= + - @, tab or CR: FORMULA_START), or too long for a
    cell, goes through `put_cell`, the conformance report's guard, unchanged.
    """

    def __init__(self, ws: Any):
        self.ws, self.num = ws, {}

    def _number(self, j: int, ratio: bool, value: Decimal) -> Any:
        c = self.num.get((j, ratio))
        if c is None:
            c = self.num[(j, ratio)] = WriteOnlyCell(self.ws)
            c.number_format = "0.00%" if ratio else "0.00"
        c.value = value
        return c

    def _date(self, j: int, value: dt.date) -> Any:
        c = self.num.get((j, "date"))
        if c is None:
            c = self.num[(j, "date")] = WriteOnlyCell(self.ws)
            c.number_format = DATE_FORMAT
        c.value = value
        return c

    def append(self, values: list[Any]) -> None:
        out: list[Any] = []
        slow = None
        for j, v in enumerate(values, 1):
            if type(v) is dt.date:  # a real date cell (a datetime is a date too, but none is written here)
                out.append(self._date(j, v) if v >= FIRST_EXCEL_DATE else v.isoformat())
                continue
            if isinstance(v, Amount):
                n = as_number(v.value)
                if n is not None:
                    out.append(self._number(j, v.ratio, n))
                    continue
                v = v.value
            if v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)):
                out.append(v)
                continue
            text = ("是" if v else "否") if isinstance(v, bool) else str(v)
            text = shown(text)  # a control character as \x07 (not U+FFFD: findable), a bidi override as \u202e
            if text.startswith(FORMULA_START) or len(text) > MAX_CELL:
                slow = slow or _Row(self.ws)
                put_cell(slow, 1, j, text)  # type: ignore[arg-type]
                out.append(slow.cells[j])
                continue
            out.append(text)
        self.ws.append(out)


def _sheet(wb: Workbook, title: str, headers: list[str], rows: Iterable[list[Any]], widths: list[int] | None = None,
           filter_rows: int | None = None) -> int:
    """A sheet with a frozen, filtered header; `filter_rows`: the rows the filter spans, where they are written later
    (detail_sheet)."""
    ws = wb.create_sheet(title)
    lengths = widths or [min(max(cell_width(h) + 2, 10), 60) for h in headers]
    for j, w in enumerate(lengths, 1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = "A2"
    header = []
    for h in headers:
        c = WriteOnlyCell(ws, h)
        c.fill, c.font, c.alignment = HEADER_FILL, HEADER_FONT, Alignment(wrap_text=True, vertical="center")
        header.append(c)
    ws.append(header)
    n = 0
    fast = _FastRows(ws)
    for row in rows:
        fast.append(row)
        n += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{(n if filter_rows is None else filter_rows) + 1}"
    ws.print_title_rows = "1:1"
    return n


def _yuan(f: int | None) -> Amount | None:
    """Integer fen as an amount cell; None (an empty cell, never 0.00) for a figure that was not audited."""
    return None if f is None else Amount(from_fen(f))


def _group_rows(rows: list[dict], keys: list[str], fund: bool = True, order: bool = False) -> Iterable[list[Any]]:
    """`fund` False: the ledger has no hifp_pay, so the over/underpaid columns stay empty. A month with no row in
    the ledger (`absent`) says so instead of its counts. `order`: the part of 多付/少付 the export's order of same-day
    settlements decides (ORDER_HEADERS) follows."""
    for r in rows:
        if r.get("absent"):
            yield [r[k] for k in keys] + [NO_ROWS, None, None, None, None] + ([None, None] if order else [])
            continue
        money = [r["overpaid"], r["underpaid"], r["net"]] if fund else [None, None, None]
        extra = [r.get("overpaid_order", 0), r.get("underpaid_order", 0)] if order and fund else [None, None] if order else []
        yield [r[k] for k in keys] + [r["settlements"], r["persons"], *map(_yuan, money), *map(_yuan, extra)]


# 差异结算和撤销数: a reversal (2208) that differs is a record of its own, not a settlement; 净额 = 多付 − 少付
# (positive: the fund overpaid on balance).
MONEY_HEADERS = ["差异结算和撤销数", "涉及人数", "统筹多付（元）", "统筹少付（元）", "净额（多付−少付，元）"]
# Where some figures rest on the export's order of same-day settlements (A-AUDIT-ORDER): how much of 多付/少付 does.
ORDER_HEADERS = ["其中取决于同日结算先后的多付（元，A-AUDIT-ORDER）", "其中取决于同日结算先后的少付（元，A-AUDIT-ORDER）"]


PSN_TYPE_PERSONS = "涉及人数（期间内换过人员类别的人在各类别各计一次，相加可多于涉及的总人数）"
EXAMPLE_NOTE = "示例结算说明 example note"
ASSUMPTION_USE = f"本次稽核 this audit（先列{USED_HEAD}，后列{UNUSED_HEAD}）"


def _use(a: dict) -> str | None:
    """假设's 本次稽核 column: why this audit's figures rest on the assumption, or that they do not."""
    if "used" not in a:  # a summary not passed through text.assumption_use
        return None
    return f"{USED_HEAD}：{a['use']}" if a["used"] else f"{UNUSED_HEAD} {UNUSED_HEAD_EN}"


def _unassessed_rows(reasons: list[dict]) -> Iterable[list[Any]]:
    """One row per reason and note of the reference engine (a reason without notes: one row), the reason
    repeated on each so the sheet filters; the notes not listed, and the rows the plan refused (no note),
    as rows of their own."""
    for u in reasons:
        head = [u["status"], u["reason"], u["rows"], u["example_setl_id"]]
        for x in u["details"]:
            yield head + [x["note"], x["rows"], x["example_setl_id"]]
        if u["unlisted_rows"]:
            yield head + [f"（另有 {u['unlisted_kinds']} 种说明未列出：每个原因只列出行数最多的五种）", u["unlisted_rows"], None]
        if u["plan_rows"]:
            yield head + ["（其余行由稽核计划判定，原因如左，没有参考实现的说明）", u["plan_rows"], None]
        if not u["details"]:
            yield head + [None, None, None]


def write(path: Path, con: duckdb.DuckDBPyConnection, summary: dict, rollups: dict, overview: list[tuple[str, Any]],
          unassessed: list[dict] | None = None) -> int:
    """Write audit.xlsx; returns how many detail rows it holds (capped at Excel's limit). `unassessed`: the
    reasons rows were not assessed, with the reference engine's notes (report.unassessed)."""
    wb = Workbook(write_only=True)
    total = rollups["totals"]["rows"]
    cap = EXCEL_MAX_ROWS - 2  # the header and, when capped, one note row
    capped = total > cap
    notes = list(overview)
    if capped:
        notes.append(("差异明细说明", f"差异共{total}行，超过Excel行数上限，差异明细仅列出前{cap}行；"
                                 "全部差异见 discrepancies.parquet（及 discrepancies.csv）"))
    reasons = unassessed or []
    if reasons:  # after the overview's last reason row (or at the end)
        at = max((i + 1 for i, (k, _) in enumerate(notes) if str(k).startswith("未能审核")), default=len(notes))
        notes.insert(at, ("未能审核的原因 reasons not assessed", "见“未能审核”工作表：每个原因的行数、示例 setl_id，"
                                                         "以及参考实现的说明（说明、行数、示例 setl_id）"))
    notes.append(("计算途径 route", ROUTE_NOTE))  # the detail sheet's 计算途径 column, explained
    _sheet(wb, "概要", ["项目", "内容"], ([k, v] for k, v in notes), widths=[34, 90])
    if reasons:
        _sheet(wb, "未能审核", ["原因代码", "原因", "行数", "示例 setl_id", "参考实现的说明", "该说明的行数", "该说明的示例 setl_id"],
               _unassessed_rows(reasons), widths=[20, 50, 8, 20, 80, 12, 20])

    shown_rows = min(total, cap) + (1 if capped else 0)
    # the header and one prototype row of the styled kinds; the rows are spliced in after saving (detail_sheet)
    _sheet(wb, DETAIL_TITLE, [h for _, h in DETAIL_COLUMNS], [detail_sheet.PROTOTYPE],
           widths=[22, 18, 12, 9, 16, 18, 16, 24, 14, 26, 14, 14, 16, 40, 16, 22], filter_rows=shown_rows)
    fund = fund_audited(summary)
    t = rollups["totals"]
    order = fund and bool(t.get("overpaid_order") or t.get("underpaid_order"))
    _sheet(wb, "按机构", ["定点机构编码", "定点机构名称", "机构等级", *MONEY_HEADERS, *(ORDER_HEADERS if order else ())],
           _group_rows(rollups["by_institution"], ["fixmedins_code", "fixmedins_name", "facility_label"], fund, order))
    _sheet(wb, "按月份", ["月份", *MONEY_HEADERS], _group_rows(rollups["by_month"], ["month"], fund))
    # a person whose category changed in the period (在职 -> 退休) is one person in each category's 涉及人数
    by_type = [*MONEY_HEADERS]
    by_type[1] = PSN_TYPE_PERSONS
    _sheet(wb, "按人员类别", ["人员类别", "类别名称", *by_type],
           _group_rows(rollups["by_psn_type"], ["psn_type", "psn_type_label"], fund),
           widths=[10, 16, 18, 24, 16, 16, 22])
    # a worked example a reversal cancelled (every settlement of its class was): said in a column of its own, last
    reversed_example = any(c.get("example_reversed") for c in rollups["classes"])
    _sheet(wb, "按差异类型", ["差异类型", "说明", "差异结算和撤销数", "涉及人数", "统筹多付（元）", "统筹少付（元）", "涉及字段", "依据条款",
                          "示例结算ID", *(ORDER_HEADERS if order else ()), *((EXAMPLE_NOTE,) if reversed_example else ())],
           ([c["name"], c["description"], c["settlements"], c["persons"], _yuan(c["overpaid"] if fund else None),
             _yuan(c["underpaid"] if fund else None), c["fields_union"], c["clauses"], c["example"],
             *((_yuan(c["overpaid_order"]), _yuan(c["underpaid_order"])) if order else ()),
             *((reversed_example_text(c.get("example_reversed")) or None,) if reversed_example else ())]
            for c in rollups["classes"]),
           widths=[34, 50, 12, 10, 16, 16, 40, 40, 22] + ([20, 20] if order else []) + ([70] if reversed_example else []))
    # those this audit's figures rest on first, then the document's others (text.assumption_use), each said in 本次稽核
    _sheet(wb, "假设", ["编号", "内容", "依据", ASSUMPTION_USE],
           ([a.get("id"), a.get("text"), a.get("cite"), _use(a)] for a in summary.get("assumptions") or []),
           widths=[26, 90, 40, 44])
    wb.save(path)
    drop = detail_sheet.register_cut(con)
    try:
        detail_sheet.splice(path, DETAIL_TITLE, lambda styles: _detail_rows(con, styles, cap, total))
    finally:
        drop()
    return min(total, cap)


def _detail_rows(con: duckdb.DuckDBPyConnection, styles: dict[str, str], cap: int, total: int) -> Iterable[bytes]:
    """差异明细's rows as XML (detail_sheet): the first `cap` discrepancies by date, settlement and field, then,
    when there are more, a note that the Parquet file holds them all."""
    # the first `cap` rows of the file rollups.connect sorted into ROW_ORDER, numbered by their place in it: not a
    # top-N over every row (37 million) through the pairs' join. ORDER BY n sorts only those rows, already in order,
    # so that no plan DuckDB picks for the cells can hand them over in another (row_chunks would refuse them)
    src = str(prepared(con)).replace("'", "''")
    select = (f"SELECT *, file_row_number + 2 AS n FROM read_parquet('{src}', file_row_number = true) "
              f"WHERE file_row_number < {int(cap)} ORDER BY n")
    # each column of DETAIL_COLUMNS: its kind of cell and the words the reports use for its codes
    kinds = {"setl_date": "date", "recorded": "amount", "expected": "amount", "diff": "amount"}
    words = {"psn_type": PSN_LABEL, "facility": FACILITY_LABELS, "med_type": MED_LABEL, "route": ROUTE_LABELS,
             "field": {f: field_label(f) for f in FIELD_LABELS}}
    columns = [(kinds.get(c, "text"), labelled(c, words.get(c, {}))) for c, _ in DETAIL_COLUMNS]
    yield from detail_sheet.row_chunks(con, select, columns, "field = 'pool_prop_selfpay'", styles, detail_sheet.CUT_FN)
    if total > cap:
        note = f"仅列出前{cap}行，共{total}行；全部差异见 discrepancies.parquet"
        yield (f'<row r="{cap + 2}"><c r="A{cap + 2}" t="inlineStr"><is><t>{xml_escape(note)}</t></is></c></row>'
               ).encode("utf-8")
