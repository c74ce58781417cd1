"""Hostile ledgers a review fed `conform audit` (s20), each a clean-looking verdict on damaged or partial data, or a
reader kept busy, now refused with file, line or row and column (exit 2) or read whole:

- an xlsx whose other sheet holds the rest of the ledger under a header that lacks an optional column, or sits below
  row 20: skipped, and the first sheet's part reported clean;
- an xlsx whose <dimension> is stale (A1, or fewer rows than it has): read only as far as it claimed, or said to
  miss columns; one cell at XFD1048576 under a declared A1:XFD1048576: minutes of reading;
- an ID with a NUL, a no-break space, an ideographic space or full-width digits: a phantom person; an xlsx ID cell
  that is TRUE or 1001.5: read as 'true', '1001.5';
- a file name holding U+202E or a line break printed raw in the error message;
- a failed run leaving an earlier complete report in --out without a word.

The ledger is docs/audit.md's worked example (5 settlements, 15 discrepancies by hand; test_sources_input).
"""
from __future__ import annotations

import json
import re
import shutil
import signal
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from conform.audit import sources
from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from conform.harness.cli import main
from test_sources_input import BY_FIELD, _rows, _write_csv

ROWS = 5
WANTED = frozenset(_rows()[0])


def _audit(*paths) -> tuple[int, dict]:
    return audit([str(p) for p in paths], "panzhihua", "panzhihua-example", write=False)


def _cli(out: Path, *args) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["audit", *map(str, args), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(out)])
    assert "Traceback" not in r.output and "internal error" not in r.output, r.output
    return r.exit_code, r.output


def _book(path: Path, sheets: list[tuple[str, list[list]]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def _redimension(path: Path, ref: str) -> None:
    """The first sheet's <dimension> rewritten to `ref`, as a program writing a stale one does."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), data)
                assert n == 1
            zout.writestr(item, data)
    shutil.move(tmp, path)


@contextmanager
def _within(seconds: int):
    """Fails (rather than hangs) where the read takes longer than `seconds`."""
    def late(*_):
        raise TimeoutError(f"still reading after {seconds} s")
    old = signal.signal(signal.SIGALRM, late)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# --------------------------------------------------------------------------- 1. the rest of the ledger on another sheet


def test_another_sheet_of_ledger_rows_lacking_an_optional_column_is_refused_by_name(tmp_path):
    header, *body = _rows()
    drop = header.index("overlmt_selfpay")
    second = [[c for j, c in enumerate(r) if j != drop] for r in [header, *body[3:]]]
    path = _book(tmp_path / "year.xlsx", [("上半年", [header, *body[:3]]), ("下半年", second)])
    with pytest.raises(AuditInputError, match=r"year\.xlsx: sheet '下半年' also carries the ledger's header, but one "
                                              r"sheet is read \(the first, '上半年'\)"):
        _audit(path)


def test_another_sheet_whose_header_lies_below_row_20_is_refused_by_name(tmp_path):
    header, *body = _rows()
    below = [["下半年结算清单"], *[[] for _ in range(21)], header, *body[3:]]  # the header on row 23
    path = _book(tmp_path / "year.xlsx", [("上半年", [header, *body[:3]]), ("下半年", below)])
    with pytest.raises(AuditInputError, match=r"sheet '下半年' also carries the ledger's header"):
        _audit(path)


def test_a_summary_sheet_and_a_notes_sheet_beside_the_ledger_are_no_ledger(tmp_path):
    rows = _rows()
    path = _book(tmp_path / "year.xlsx", [("清单", rows), ("汇总", [["psn_no", "setl_id", "合计"], ["A", "V1", 115]]),
                                          ("说明", [["字段说明"], ["setl_id"], ["hifp_pay"]])])
    code, s = _audit(path)
    assert (s["rows_read"], s["discrepancies_by_field"]) == (ROWS, BY_FIELD)


# --------------------------------------------------------------------------- 2, 3. a <dimension> not to be trusted


@pytest.mark.parametrize("ref", ["A1", "A1:W2", "A1:B3"])
def test_a_stale_dimension_neither_cuts_the_rows_nor_the_columns(tmp_path, ref):
    path = _book(tmp_path / "stale.xlsx", [("清单", _rows())])
    _redimension(path, ref)
    code, s = _audit(path)
    assert (s["rows_read"], s["discrepancies_by_field"]) == (ROWS, BY_FIELD)


def test_one_cell_at_the_sheets_far_corner_costs_no_minutes(tmp_path):
    """Declared A1:XFD1048576 with one cell there: the header was padded to 16,384 columns and each of a million
    empty rows scanned across them (over 300 s); now the header's columns only, and the gap in C."""
    rows = _rows()
    path = tmp_path / "corner.xlsx"
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    ws.cell(row=1_048_576, column=16_384, value="x")
    wb.save(path)
    _redimension(path, "A1:XFD1048576")
    with _within(60):
        table = sources._xlsx_table(path, WANTED)
    assert table.num_rows == ROWS and table.column_names == [*rows[0], "src_row"]


# --------------------------------------------------------------------------- 4. characters no ID holds


def _with_psn(rows: list[list[str]], value: str, at: int = 2) -> list[list[str]]:
    rows[at][rows[0].index("psn_no")] = value
    return rows


@pytest.mark.parametrize(("value", "said"), [
    ("A\x00", r"U\+0000 \(NUL\)"),
    ("A\u00a0", r"U\+00A0 \(no-break space, not the ASCII space\)"),
    ("\u3000A", r"U\+3000 \(ideographic space, not the ASCII space\)"),
    ("\uff21", r"U\+FF21 \(fullwidth latin capital letter a, a full-width form of 'A'\)"),
    ("A\u2028", r"U\+2028 \(line separator, not the ASCII space\)"),
    ("A\tB", r"U\+0009 \(a tab\)"),
])
def test_an_id_with_a_character_that_makes_it_another_is_refused_naming_the_character(tmp_path, value, said):
    path = _write_csv(tmp_path / "ids.csv", _with_psn(_rows(), value))
    with pytest.raises(AuditInputError, match=rf"ids\.csv, line 3, column psn_no: an ID or code with {said} in it"):
        _audit(path)


def test_the_same_in_json_lines_and_parquet_and_in_the_other_id_columns(tmp_path):
    rows = _rows()
    header, body = rows[0], rows[1:]
    body[0][header.index("psn_no")] = "A\u0000"
    lines = tmp_path / "ids.jsonl"
    lines.write_text("".join(json.dumps(dict(zip(header, r))) + "\n" for r in body), encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"ids\.jsonl, line 1, column psn_no: an ID or code with U\+0000"):
        _audit(lines)
    rows = _rows()
    header, body = rows[0], rows[1:]
    body[1][header.index("setl_id")] += "\u00a0"
    table = tmp_path / "ids.parquet"
    pq.write_table(pa.table({h: [r[i] for r in body] for i, h in enumerate(header)}), table)
    with pytest.raises(AuditInputError, match=r"ids\.parquet, row 2, column setl_id: an ID or code with U\+00A0"):
        _audit(table)


def test_a_code_with_a_no_break_space_is_refused_and_a_quoted_line_break_in_it_read(tmp_path):
    rows = _rows()
    rows[2][rows[0].index("fixmedins_code")] += "\u00a0"
    with pytest.raises(AuditInputError, match=r"codes\.csv, line 3, column fixmedins_code: an ID or code with U\+00A0"):
        _audit(_write_csv(tmp_path / "codes.csv", rows))
    rows = _rows()
    rows[2][rows[0].index("fixmedins_code")] += "\n2"  # a code names no person: kept as read (test_sources_input)
    assert _audit(_write_csv(tmp_path / "codes.csv", rows))[1]["rows_read"] == ROWS


def test_a_zero_width_space_stays_a_distinct_id_as_documented(tmp_path):
    """Cf characters are read as written and escaped in the reports (\\u200b: test_s6_implA_audit_bidi)."""
    code, s = _audit(_write_csv(tmp_path / "zw.csv", _with_psn(_rows(), "A\u200b")))
    assert s["rows_read"] == ROWS


@pytest.mark.parametrize(("cell", "said"), [(True, r"the cell holds the logical value TRUE"), (1001.5, r"the number cell 1001\.5 "
                                                                                    r"has a fraction")])
def test_an_xlsx_id_cell_that_is_a_boolean_or_has_a_fraction_is_refused(tmp_path, cell, said):
    rows = _rows()
    rows[3][rows[0].index("psn_no")] = cell
    path = _book(tmp_path / "ids.xlsx", [("清单", rows)])
    with pytest.raises(AuditInputError, match=rf"ids\.xlsx, row 4, column psn_no: not an ID: {said}"):
        _audit(path)


# --------------------------------------------------------------------------- 5. a file's name in an error message


def test_a_file_name_with_a_bidi_override_or_a_line_break_is_escaped_in_the_error(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    rows = _rows()
    rows.append(["合计"] + [""] * (len(rows[0]) - 1))
    _write_csv(folder / "x\u202eVSC.exe\nfake: ok.csv", rows)
    code, out = _cli(tmp_path / "report", folder)
    assert code == 2
    assert "\u202e" not in out and "x\\u202eVSC.exe\\nfake: ok.csv, line 7" in out, out
    assert [line for line in out.splitlines() if line.startswith("fake")] == []


# --------------------------------------------------------------------------- 6. JSON numbers as amounts


def test_a_json_number_amount_is_read_from_its_text_with_the_csv_rule(tmp_path):
    """Pinned (already so): a number's text, never a float; an exponent refused as in CSV."""
    rows = _rows()
    header, body = rows[0], rows[1:]
    k = header.index("medfee_sumamt")

    def lines(value: str) -> Path:
        path = tmp_path / "n.jsonl"
        path.write_text("".join(json.dumps(dict(zip(header, r))).replace(f'"medfee_sumamt": "{r[k]}"',
                                                                         f'"medfee_sumamt": {value or r[k]}') + "\n"
                                for r in body), encoding="utf-8")
        return path
    assert _audit(lines(""))[1]["discrepancies_by_field"] == BY_FIELD
    with pytest.raises(AuditInputError, match=r"line 1, column medfee_sumamt: not an amount in yuan with at most two "
                                              r"decimals: '1e3'"):
        _audit(lines("1e3"))


# --------------------------------------------------------------------------- 7. an earlier report left in --out


def test_a_failed_run_says_the_report_in_out_is_an_earlier_runs(tmp_path):
    out = tmp_path / "report"
    good = _write_csv(tmp_path / "good.csv", _rows())
    assert _cli(out, good)[0] == 1
    before = (out / "summary.json").read_bytes()
    rows = _rows()
    rows.append(["合计"] + [""] * (len(rows[0]) - 1))
    code, said = _cli(out, _write_csv(tmp_path / "totals.csv", rows))
    assert code == 2 and (out / "summary.json").read_bytes() == before
    note = [line for line in said.splitlines() if "earlier run's report" in line]
    assert note == [f"conform: note: the files in {out} are an earlier run's report, left unchanged: this run wrote no "
                    f"report（{out} 中的文件是此前一次稽核的报告，未改动：本次稽核没有写出报告）"]
    code, said = _cli(tmp_path / "fresh", tmp_path / "totals.csv")
    assert code == 2 and "earlier run" not in said
