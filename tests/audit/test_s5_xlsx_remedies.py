"""Each unreadable xlsx cell gets its own remedy (conform/audit/sources.py): a formula with no saved value is
mended by opening and saving the workbook in Excel (or pasting values), which cannot unmerge anything; a merged
range by unmerging the cells and filling each row, which a formula does not need. One message gave both."""
from __future__ import annotations

import pytest

from conform.audit.errors import AuditInputError
from test_s4_inputs_xlsx_cells import _book, _col
from test_sources_input import _audit


def _said(tmp_path, edit) -> str:
    with pytest.raises(AuditInputError) as e:
        _audit([_book(tmp_path, edit)])
    return str(e.value).replace(str(tmp_path), "")  # the words, not the folder pytest named after the test


def test_a_merged_range_is_told_to_unmerge_not_to_save_in_excel(tmp_path):
    def edit(ws, header):
        c = _col(header, "fulamt_ownpay_amt")
        ws.merge_cells(f"{c}3:{c}4")
    said = _said(tmp_path, edit)
    assert "part of the merged range" in said and "unmerge the cells and fill each row" in said
    assert "save" not in said and "formula" not in said, said


def test_a_formula_is_told_to_save_in_excel_not_to_unmerge(tmp_path):
    def edit(ws, header):
        ws[f"{_col(header, 'hifp_pay')}4"] = "=400+80"
    said = _said(tmp_path, edit)
    assert "a formula with no saved value" in said and "open and save the workbook in Excel" in said
    assert "merge" not in said, said
