"""What every workbook conform writes shares (report.xlsx, audit.xlsx): the formula guard, a cell's bounds, the
header style, a figure stored as a number, a cell's display width. Below both reports: the harness's report and
the audit's import it from here, neither from the other."""
from __future__ import annotations

from typing import Any

from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from conform.display import as_number, cut, shown, width, xml_safe

# What a spreadsheet reads as the start of a formula (OWASP's CSV injection list): a cell starting so is quote-prefixed
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CLASS_ESCAPES = {"\t": r"\t", "\r": r"\r", "\n": r"\n", "\\": r"\\", "-": r"\-", "]": r"\]", "^": r"\^", "[": r"\["}
MAX_CELL = 32000  # Excel holds at most 32,767 characters in a cell
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")


def formula_start_class() -> str:
    """FORMULA_START as a regular expression's character class, [=+\\-@\\t\\r] (escaped as written), for SQL
    (DuckDB's regexp_matches) or Python's re: one list, so the CSV's guard and the workbooks' cannot disagree."""
    return "[" + "".join(_CLASS_ESCAPES.get(c, c) for c in FORMULA_START) + "]"


class Amount:
    """A figure to store as a number: 0.00, or 0.00% for a ratio."""

    def __init__(self, value: Any, ratio: bool = False):
        self.value, self.ratio = value, ratio


def put_cell(ws: Worksheet, row: int, col: int, value: Any) -> None:
    cell = ws.cell(row=row, column=col)
    if isinstance(value, Amount):
        number = as_number(value.value)
        if number is not None:
            cell.value = number
            cell.number_format = "0.00%" if value.ratio else "0.00"
            return
        value = value.value  # not a figure (e.g. “拒绝结算”): text, guarded below
    if value is None:
        return
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
        return
    # a worksheet is XML: what junit.xml cannot hold, a cell cannot either (U+FFFF, a lone surrogate, a control
    # character), and one string of a system must not cost the run its workbook. So what XML cannot hold becomes
    # U+FFFD (display.xml_safe, as in junit.xml); then what no reader sees raw, a bidi override that would turn the
    # cell around or a C1 control, is escaped (\u202e) as report.html escapes it
    text = cut(shown(xml_safe(value)), MAX_CELL)
    cell.value = text
    cell.data_type = "s"  # never 'f': openpyxl would otherwise store '=…' as a formula
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True


def cell_width(value: Any) -> int:
    """Display width of the longest line: CJK characters count double."""
    if value is None:
        return 0
    text = str(value)
    best = 0
    for line in text.splitlines() or [""]:
        best = max(best, width(line[:200]))
    return best
