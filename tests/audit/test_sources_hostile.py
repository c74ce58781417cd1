"""Ledger files that are large, deep, wide or oddly placed (conform/audit/sources.py): each is read correctly or
refused in seconds with a message naming the file (and line) and what to do, exit 2, never a traceback.

The rows are docs/audit.md's worked example (see test_sources_input.py), repeated where size matters.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest

from conform.audit import sources
from conform.audit.errors import AuditInputError
from test_sources_input import BY_FIELD, _audit, _rows, _write_csv

WANTED = frozenset(_rows()[0]) | {"fixmedins_name"}


def _open(path: Path) -> tuple[duckdb.DuckDBPyConnection, dict[str, str]]:
    con = duckdb.connect()
    return con, sources.open_source(con, path, "t", None, WANTED)


# --------------------------------------------------------------------------- 1. CSV records past a block


def test_quoted_line_breaks_in_a_csv_over_one_block_are_read(tmp_path):
    """A name with a line break in quotes on every row of a CSV larger than pyarrow's 4 MiB block: every
    record is read (the fast chunker, which cuts at any line break, refused it at the first block's end)."""
    header, row = _rows()[0] + ["fixmedins_name"], _rows()[1] + ["攀枝花市\n第一人民医院" + "x" * 200]
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(header)
    n = 25_000
    for i in range(n):
        w.writerow([f"S{i}"] + row[1:])
    path = tmp_path / "names.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    assert path.stat().st_size > 2 * (4 << 20)  # two pyarrow blocks
    con, _ = _open(path)
    assert con.execute("SELECT count(*), count(DISTINCT setl_id), max(src_row), "
                       "bool_and(starts_with(fixmedins_name, '攀枝花市\n')) FROM t").fetchone() == (n, n, n + 1, True)
    assert sources.line_of(path, n + 1, None, WANTED) == 2 * n  # the last record starts on line 2n


def _with_long(tmp_path: Path, before: int, value: str, quoted: bool = True) -> Path:
    """The example's rows, repeated to `before` records, then one with a memo `value`, then more rows."""
    header, body = _rows()[0] + ["memo"], [r + ["x"] for r in _rows()[1:]]
    rows = [[f"S{i}"] + body[i % len(body)][1:] for i in range(before)]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, *rows])
    long = body[0][:-1] + [f'"{value}"' if quoted else value]
    text.write(",".join(["L"] + long[1:]) + "\n")
    csv.writer(text, lineterminator="\n").writerows([[f"T{i}"] + body[0][1:] for i in range(50)])
    path = tmp_path / "long.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize("value", ["y" * (9 << 20), "y" * 1000 + "\n" + "y" * (9 << 20)])
def test_a_field_longer_than_a_block_is_refused_at_its_line(tmp_path, value):
    """A 9 MB memo (pyarrow reads a record across one block boundary, not two) on line 32 (below the 20 lines the header is looked for in): the tool's words and the
    record's line, not pyarrow's 'straddling object straddles two block boundaries'."""
    path = _with_long(tmp_path, 30, value)
    with pytest.raises(AuditInputError, match=r"long\.csv, line 32: a record longer than 4 MB starts here: .*"
                                              r"unclosed quote") as e:
        _audit([path])
    assert "straddl" not in str(e.value) and "chunker" not in str(e.value)


def test_an_unclosed_quote_is_refused_at_its_line(tmp_path):
    """A quote opened on line 32 and never closed: the rest of the file (over 4 MB) is one field."""
    path = _with_long(tmp_path, 30, '"unclosed', quoted=False)
    with path.open("a", encoding="utf-8") as f:
        f.write("".join(f"U{i},A,1101,2023-03-01,11,tertiary,H510400001,500.00\n" for i in range(200_000)))
    with pytest.raises(AuditInputError, match=r"long\.csv, line 32: a record longer than 4 MB starts here"):
        _audit([path])


# --------------------------------------------------------------------------- 2. xlsx zip bombs


def _repacked(src: Path, dst: Path, pad: int) -> Path:
    """`src` with `pad` spaces in its sheet's XML (between rows: valid XML, read as before), deflated."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b"</sheetData>", b" " * pad + b"</sheetData>")
            zout.writestr(item.filename, data)
    return dst


def test_an_xlsx_inflating_far_beyond_excel_is_refused_before_it_is_parsed(tmp_path):
    """8 MB of spaces in the sheet deflate to a few KB (a ratio over 1,000; Excel's sheets deflate 5-20
    times): refused from the zip's directory, in the tool's words."""
    from test_sources_input import _write

    path = _repacked(_write(tmp_path / "plain.xlsx", _rows()), tmp_path / "bomb.xlsx", 8 << 20)
    assert path.stat().st_size < 100_000
    with pytest.raises(AuditInputError, match=r"bomb\.xlsx: the workbook's xl/worksheets/sheet1\.xml inflates "
                                              r"[\d,]+ times \(to 8 MB\), far beyond how Excel's files compress.*"
                                              r"export the ledger as CSV or Parquet"):
        _audit([path])


def test_an_xlsx_inflating_beyond_a_full_sheet_is_refused(tmp_path, monkeypatch):
    """The bound on the inflated total (1 GiB: a full sheet's rows), here lowered to 1 MB for a 2 MB sheet."""
    from test_sources_input import _write

    path = _write(tmp_path / "big.xlsx", _rows())
    assert _audit([path])[0] == 1
    monkeypatch.setattr(sources, "MAX_XLSX_XML", 1 << 20)
    path = _repacked(path, tmp_path / "big2.xlsx", 2 << 20)
    monkeypatch.setattr(sources, "MAX_XLSX_RATIO", 10 ** 6)
    with pytest.raises(AuditInputError, match=r"big2\.xlsx: the workbook inflates to 2 MB of XML, more than a full "
                                              r"Excel sheet \(1,048,576 rows\) holds"):
        _audit([path])


def test_an_xlsx_with_more_rows_than_excel_is_refused_at_the_limit(tmp_path, monkeypatch):
    """Rows past Excel's 1,048,576 (here lowered to 6: title, header and 4 settlements) are no sheet Excel
    wrote: the read stops there."""
    from test_sources_input import _write

    path = _write(tmp_path / "rows.xlsx", _rows())
    monkeypatch.setattr(sources, "EXCEL_ROWS", 6)
    with pytest.raises(AuditInputError, match=r"rows\.xlsx, row 7: more rows than Excel's 6"):
        _audit([path])


# --------------------------------------------------------------------------- 3. JSON lines: depth, BOM


@pytest.mark.parametrize("at", [1, 3])
def test_a_json_record_nested_ten_thousand_deep_is_refused_at_its_line(tmp_path, at):
    """On line 1 the decoder's RecursionError was an internal error (exit 3); on a later line, read while
    DuckDB scans, a message with no line and Python's traceback."""
    from test_sources_input import _assert_clean_refusal, _cli, _write

    path = _write(tmp_path / "deep.jsonl", _rows())
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[at - 1] = '{"setl_id": ' * 10_000 + "1" + "}" * 10_000 + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    code, out = _cli(path)
    _assert_clean_refusal(code, out, f"deep.jsonl, line {at}: malformed JSON: nested too deeply")


def test_a_json_lines_ledger_with_a_bom_is_read(tmp_path):
    """Notepad saves UTF-8 with a BOM; CSV and the persons file read past it, and so do JSON lines."""
    from test_sources_input import _write

    path = _write(tmp_path / "bom.jsonl", _rows())
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    code, s = _audit([path])
    assert (code, s["rows_read"], s["discrepancies_by_field"]) == (1, 5, BY_FIELD)


# --------------------------------------------------------------------------- 4. wide files


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".xlsx"])
def test_a_file_wider_than_any_export_is_read_in_the_audits_columns_only(tmp_path, suffix):
    """5,000 extra columns (a 100,000-column CSV took 35 s and 1.4 GB, the square of its width, in
    DuckDB): the relation holds the columns the audit uses, and the audit is that of the example."""
    from test_sources_input import _write

    rows = _rows(upper=True)  # renamed case aside, as in a narrow file
    rows = [r + [f"x{j}" if i == 0 else str(j) for j in range(5000)] for i, r in enumerate(rows)]
    path = _write(tmp_path / f"wide{suffix}", rows)
    con, cols = _open(path)
    assert sorted(cols) == sorted(_rows()[0] + ["src_row"])
    code, s = _audit([path])
    assert (code, s["discrepancies_by_field"]) == (1, BY_FIELD)


def test_a_wide_file_without_a_ledger_column_says_so(tmp_path):
    path = _write_csv(tmp_path / "other.csv", [[f"c{j}" for j in range(2000)], ["1"] * 2000])
    with pytest.raises(AuditInputError, match=r"other\.csv, line 1: none of the header's 2,000 columns is a ledger "
                                              r"column .*check the delimiter"):
        _audit([path])


# --------------------------------------------------------------------------- 5. a sheet a month


def test_a_workbook_with_the_ledger_on_several_sheets_is_refused(tmp_path):
    """One sheet a month: only the first was read, and the report looked like the whole year's audit."""
    from openpyxl import Workbook

    header, *body = _rows()
    wb = Workbook()
    wb.active.title = "2023-03"
    for title, part in (("2023-03", body[:2]), ("说明", None), ("2023-05", body[2:4]), ("2023-06", body[4:])):
        ws = wb[title] if title in wb.sheetnames else wb.create_sheet(title)
        for r in ([header, *part] if part else [["字段说明"], ["setl_id"], ["hifp_pay"]]):
            ws.append(r)
    path = tmp_path / "months.xlsx"
    wb.save(path)
    with pytest.raises(AuditInputError, match=r"months\.xlsx: sheets '2023-05', '2023-06' also carry the ledger's "
                                              r"header, but one sheet is read \(the first, '2023-03'\): save each "
                                              r"sheet as a workbook or CSV of its own"):
        _audit([path])
    del wb["2023-05"], wb["2023-06"]
    summary = wb.create_sheet("汇总")  # a pivot of the same ledger: two of its columns, and a total
    for r in (["psn_no", "setl_id", "合计"], ["P1", "S1", 115]):
        summary.append(r)
    wb.save(path)
    assert _audit([path])[1]["rows_read"] == 2  # a sheet of notes or a summary beside the ledger is no ledger


# --------------------------------------------------------------------------- 6, 7. folders and names


def _months(tmp_path: Path) -> tuple[Path, Path]:
    """Folder `ledger` with March's file, and April-June in a folder elsewhere linked in as `q2`."""
    rows = _rows()
    folder, elsewhere = tmp_path / "ledger", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    _write_csv(folder / "2023-03.csv", [rows[0], *rows[1:3]])
    _write_csv(elsewhere / "2023-q2.csv", [rows[0], *rows[3:]])
    (folder / "q2").symlink_to(elsewhere, target_is_directory=True)
    return folder, elsewhere


def test_a_linked_folder_inside_a_ledger_folder_is_read(tmp_path):
    """Path.rglob does not follow a linked folder: its months were left out without a word."""
    folder, _ = _months(tmp_path)
    code, s = _audit([folder])
    assert (s["rows_read"], s["discrepancies_by_field"]) == (5, BY_FIELD)


def test_a_folder_linking_back_up_ends_and_reads_each_file_once(tmp_path):
    folder, elsewhere = _months(tmp_path)
    (folder / "again").symlink_to(folder, target_is_directory=True)  # a loop
    (elsewhere / "up").symlink_to(tmp_path, target_is_directory=True)  # a loop through the link
    assert [p.name for p in sources.expand([str(folder)])] == ["2023-03.csv", "2023-q2.csv"]


def test_a_broken_link_to_a_month_in_a_ledger_folder_is_named(tmp_path):
    """A month linked into the folder whose file has moved would be a month left out without a word;
    a link to anything that is no ledger file (a note) is no concern."""
    folder, _ = _months(tmp_path)
    (folder / "notes.md").symlink_to(tmp_path / "gone.md")
    assert [p.name for p in sources.expand([str(folder)])] == ["2023-03.csv", "2023-q2.csv"]
    (folder / "2023-04.csv").symlink_to(tmp_path / "moved" / "2023-04.csv")
    with pytest.raises(AuditInputError, match=r"2023-04\.csv: a link to a file that does not exist"):
        sources.expand([str(folder)])


def test_a_named_link_that_leads_nowhere_or_to_itself_says_which(tmp_path):
    """`conform audit ledger.csv` where ledger.csv is a link: to a moved file, or (through another link) to
    itself. Either was "no such file or folder", though `ls` shows the file."""
    gone, loop, other = tmp_path / "2023-04.csv", tmp_path / "loop.csv", tmp_path / "other.csv"
    gone.symlink_to(tmp_path / "moved" / "2023-04.csv")
    loop.symlink_to(other)
    other.symlink_to(loop)
    with pytest.raises(AuditInputError, match=r"2023-04\.csv: a link to a file that does not exist"):
        sources.expand([str(gone)])
    with pytest.raises(AuditInputError, match=r"loop\.csv: a symbolic link that leads back to itself"):
        sources.expand([str(loop)])
    with pytest.raises(AuditInputError, match=r"nothing\.csv: no such file or folder"):
        sources.expand([str(tmp_path / "nothing.csv")])
    folder = tmp_path / "months"
    folder.mkdir()
    (folder / "2023-05.csv").symlink_to(loop)  # the same said inside a ledger folder
    with pytest.raises(AuditInputError, match=r"2023-05\.csv: a symbolic link that leads back to itself"):
        sources.expand([str(folder)])


@pytest.mark.parametrize("name", ["export[1].csv", "export*.csv", "what?.csv"])
def test_a_file_named_with_glob_characters_is_read_as_that_file(tmp_path, name):
    """export[1].csv as a glob matches export1.csv: the existing file was 'no ledger files found'."""
    path = _write_csv(tmp_path / name, _rows())
    _write_csv(tmp_path / "export1.csv", _rows()[:2])  # what the glob would match instead
    assert sources.expand([str(path)]) == [path]
    assert _audit([path])[1]["rows_read"] == 5


def test_an_unreadable_folder_inside_a_ledger_folder_is_named(tmp_path, monkeypatch):
    """A sub-folder the user may not list (os.walk skips it silently): its months would be left out."""
    import os

    folder, _ = _months(tmp_path)
    scandir = os.scandir

    def denied(path="."):
        if Path(path).name == "q2":
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", denied)
    with pytest.raises(AuditInputError, match=r"q2: cannot read the folder: Permission denied"):
        sources.expand([str(folder)])


# --------------------------------------------------------------------------- 8. messages


@pytest.mark.parametrize("suffix, where", [(".csv", r"pasted\.csv, line 5"), (".xlsx", r"pasted\.xlsx, row 6")])
def test_a_header_repeated_mid_file_is_named_as_such(tmp_path, suffix, where):
    """Two exports pasted together: the second header was 'medfee_sumamt: not an amount'."""
    from test_sources_input import _write

    rows = _rows()
    path = _write(tmp_path / f"pasted{suffix}", [*rows[:4], [h.upper() for h in rows[0]], *rows[4:]])
    with pytest.raises(AuditInputError, match=where + r": the header is repeated here \(two exports pasted "
                                                      r"together\?\): delete this"):
        _audit([path])


def test_a_csv_row_of_separators_only_is_skipped_as_a_blank_row(tmp_path):
    """Excel saves an empty row as ',,,,': skipped as an xlsx's blank row is; the lines below keep their
    numbers (C2's bad amount is named on line 8)."""
    rows = _rows()
    empty = [""] * len(rows[0])
    path = _write_csv(tmp_path / "gaps.csv", [rows[0], *rows[1:3], empty, empty, *rows[3:]])
    code, s = _audit([path])
    assert (code, s["rows_read"], s["discrepancies_by_field"]) == (1, 5, BY_FIELD)
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[7].startswith("C2,")
    path.write_text(text.replace("C2,C,1101,2023-07-01,11,tertiary,H510400001,600.00",
                                 "C2,C,1101,2023-07-01,11,tertiary,H510400001,6OO.00"), encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"gaps\.csv, line 8, column medfee_sumamt: not an amount"):
        _audit([path])


@pytest.mark.parametrize("suffix, where", [(".csv", r"serial\.csv, line 4"), (".xlsx", r"serial\.xlsx, row 5")])
def test_an_excel_date_number_says_so(tmp_path, suffix, where):
    """2023-05-06 as Excel's day number 45052 (a date column left unformatted): 'not a date' said why."""
    from test_sources_input import _write

    rows = _rows()
    rows[3][rows[0].index("setl_date")] = 45052
    if suffix == ".csv":
        rows[3] = [str(v) for v in rows[3]]
    with pytest.raises(AuditInputError, match=where + r", column setl_date: not a date: an Excel date number .*"
                                                      r"format the column as a date.*'45052'"):
        _audit([_write(tmp_path / f"serial{suffix}", rows)])
