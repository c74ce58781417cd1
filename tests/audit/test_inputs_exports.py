"""Ledger inputs as export tools write them (reviewer B, items 2, 5, 7 and 8's second part): a UTF-8
byte-order mark before a quoted header (DBeaver and Navicat with BOM and quote-all), two Excel "CSV UTF-8"
files joined with cat (the second header keeps its mark), a GBK file with a UTF-8 mark put in front, and
an xlsx time left as Excel's day number that lies a hair off two decimals.

The ledger is docs/audit.md's worked example (攀枝花 第七条, see test_sources_input.py): read as it is, it
gives 15 discrepancies (BY_FIELD there), exit 1.
"""
from __future__ import annotations

import csv
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from conform.audit.errors import AuditInputError
from test_sources_input import BY_FIELD, _audit, _rows

BOM = "\ufeff"


def _csv_text(rows: list[list[str]], quote_all: bool = False) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL).writerows(rows)
    return out.getvalue()


# --------------------------------------------------------------------------- 2. a BOM before a quoted header


@pytest.mark.parametrize("quote_all", [True, False])
def test_a_utf8_bom_before_a_quoted_header_is_read_past(tmp_path, quote_all):
    """\ufeff"setl_id": the csv module read the mark and the quotes as one unquoted name, and the first
    column was 'missing'."""
    path = tmp_path / "bom.csv"
    path.write_text(BOM + _csv_text(_rows(), quote_all), encoding="utf-8")
    code, s = _audit([path])
    assert (code, s["discrepancies_by_field"]) == (1, BY_FIELD)


def test_an_institutions_table_with_a_bom_and_quoted_header_is_read(tmp_path):
    from test_institutions import S0, S1, _ledger, _run

    table = tmp_path / "inst.csv"
    table.write_text(BOM + '"fixmedins_code","facility"\n"H-CENTRAL","tertiary"\n"H-COMMUNITY","primary"\n',
                     encoding="utf-8")
    code, got, _ = _run(tmp_path, _ledger(tmp_path, S0, S1), table)
    assert (code, got["facility"]) == (0, {"S0": "primary", "S1": "tertiary"})


def test_a_parquet_column_named_with_the_bom_is_its_column(tmp_path):
    """pandas reads a BOM file without utf-8-sig as '\ufeffsetl_id', and so it is written to Parquet."""
    rows = _rows()
    rows[0][0] = BOM + rows[0][0]
    path = tmp_path / "bom.parquet"
    pq.write_table(pa.table({h: [r[i] for r in rows[1:]] for i, h in enumerate(rows[0])}), path)
    code, s = _audit([path])
    assert (code, s["discrepancies_by_field"]) == (1, BY_FIELD)


# --------------------------------------------------------------------------- 7. two BOM files joined


@pytest.mark.parametrize("quote_all", [False, True])
def test_two_bom_exports_joined_with_cat_name_the_repeated_header(tmp_path, quote_all):
    """cat a.csv b.csv of two Excel "CSV UTF-8" files: the second header, with its mark, is line 5 (the
    example's 3 rows per half), not 'medfee_sumamt: not an amount'."""
    rows = _rows()
    half = _csv_text([rows[0], *rows[1:4]], quote_all), _csv_text([rows[0], *rows[4:]], quote_all)
    path = tmp_path / "cat.csv"
    path.write_bytes(b"".join((BOM + h).encode("utf-8") for h in half))
    with pytest.raises(AuditInputError, match=r"cat\.csv, line 5: the header is repeated here \(two exports pasted "
                                              r"together\?\): delete this line"):
        _audit([path])


# --------------------------------------------------------------------------- 8. GBK behind a UTF-8 BOM


@pytest.mark.parametrize("quote_all", [True, False])
@pytest.mark.parametrize("encoding", [None, "gbk", "gb18030"])
def test_gbk_text_behind_a_utf8_bom_is_said_so(tmp_path, encoding, quote_all):
    """No encoding reads it: the message says what the file is and how to mend it, with or without --encoding.
    Before a plain header (not quoted) GB18030 took the mark for 锘 and one more character, and the first
    column was 'missing'; before a quoted one the file was 'neither UTF-8 nor GBK'."""
    from conform.audit.run import audit

    rows = _rows()
    rows[1][rows[0].index("setl_id")] += "某市"  # GBK text past the header (not UTF-8)
    path = tmp_path / "gbk_bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _csv_text(rows, quote_all).encode("gbk"))
    with pytest.raises(AuditInputError, match=r"gbk_bom\.csv, line 2: .*\(the file starts with a UTF-8 byte-order "
                                              r"mark, EF BB BF, but is not UTF-8 after it: GBK text with the mark put "
                                              r"in front\? .*tail -c \+4"):
        audit([str(path)], "panzhihua", "panzhihua-example", encoding=encoding, write=False)
    mended = tmp_path / "mended.csv"
    mended.write_bytes(path.read_bytes()[3:])
    assert _audit([mended])[0] == 1  # as the message says: read as GBK by itself


def test_a_utf8_file_with_its_bom_given_another_encoding_is_told_to_leave_it_out(tmp_path):
    from conform.audit.run import audit

    path = tmp_path / "utf8.csv"
    path.write_text(BOM + _csv_text(_rows()), encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"utf8\.csv: the file starts with a UTF-8 byte-order mark \(EF BB BF\) "
                                              r"and is UTF-8 text, not gbk: leave out --encoding"):
        audit([str(path)], "panzhihua", "panzhihua-example", encoding="gbk", write=False)


# --------------------------------------------------------------------------- 5. an xlsx time as a number


def test_an_xlsx_time_left_as_a_day_number_is_told_as_such_not_as_an_amount(tmp_path):
    """45195.36996528 (2023-09-26 08:52:45) lies within 4 s of a multiple of 0.01 day: it was refused as 'not
    an amount with at most two decimals … round it in Excel (ROUND(…,2))', advice that would damage every
    time in the column."""
    rows = _rows()
    wb = Workbook()
    ws = wb.active
    ws.append(rows[0] + ["setl_time"])
    for r in rows[1:]:
        ws.append(r + [r[rows[0].index("setl_date")] + " 08:52:45"])
    ws.cell(2, len(rows[0]) + 1, 45195.36996528)
    path = tmp_path / "serial.xlsx"
    wb.save(path)
    with pytest.raises(AuditInputError, match=r"serial\.xlsx, row 2, column setl_time: not a date: an Excel date "
                                              r"number \(the cell was not formatted as a date\)"):
        _audit([path])
