"""xlsx cells a values-only read takes for empty though they are not (conform/audit/sources.py `_xlsx_unread`):
a formula with no saved value (a workbook written by a program, never saved in Excel: openpyxl writes none)
and a merged range's cells below its first. Read as empty, `=50+50` in fulamt_ownpay_amt gave a false
少付, a merged fulamt_ownpay_amt a false one on the second row, `=400+80` in hifp_pay "blank: the recorded
figure is missing". Each is refused at its sheet row and column, saying what it is and how to mend it."""
from __future__ import annotations

import pytest
from openpyxl import Workbook

from conform.audit.errors import AuditInputError
from test_sources_input import _audit, _rows


def _book(tmp_path, edit) -> str:
    wb = Workbook()
    ws = wb.active
    ws.append(["某市医保结算清单"])  # a title: the header is row 2, the first settlement row 3
    for r in _rows():
        ws.append([float(v) if v.replace(".", "", 1).isdigit() and "." in v else v for v in r])
    edit(ws, _rows()[0])
    path = tmp_path / "ledger.xlsx"
    wb.save(path)
    return path


def _col(header: list[str], name: str) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[header.index(name)]


@pytest.mark.parametrize("column,formula", [("fulamt_ownpay_amt", "=50+50"), ("hifp_pay", "=400+80"),
                                            ("setl_id", '="V"&"9"')])
def test_a_formula_with_no_saved_value_is_refused_at_its_cell(tmp_path, column, formula):
    def edit(ws, header):
        ws[f"{_col(header, column)}4"] = formula
    with pytest.raises(AuditInputError, match=rf"ledger\.xlsx, row 4, column {column}: a formula with no saved value"):
        _audit([_book(tmp_path, edit)])


def test_a_merged_amount_is_refused_on_the_rows_below_its_first(tmp_path):
    def edit(ws, header):
        c = _col(header, "fulamt_ownpay_amt")
        ws.merge_cells(f"{c}3:{c}4")
    with pytest.raises(AuditInputError, match=r"row 4, column fulamt_ownpay_amt: part of the merged range [A-Z]3:[A-Z]4"):
        _audit([_book(tmp_path, edit)])


def test_a_merged_title_and_a_merged_unread_column_are_no_fault(tmp_path):
    """Merges above the header (a title across the sheet) and in a column the audit does not read."""
    def edit(ws, header):
        ws.merge_cells("A1:F1")
        n = len(header) + 1
        ws.cell(2, n, "备注")
        ws.merge_cells(start_row=3, start_column=n, end_row=5, end_column=n)
    assert _audit([_book(tmp_path, edit)])[1]["rows_read"] == 5
