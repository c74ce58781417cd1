"""Ledgers as Excel, Spark and database dumps leave them (conform/audit/sources.py): IDs Excel made numbers,
JSON lines without their null fields, blank and repeated unread columns, NULL markers, UTF-16 text,
Excel's float noise, Parquet INT96 times. Each is either refused at its file, line/row and column with
the fix, or audited to the figures of the clean CSV (docs/audit.md's worked example, 攀枝花 第七条).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from conform.harness.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"
EXAMPLE = re.search(r"```csv\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)
FIGURES = ("rows_read", "settlements", "reversals", "persons", "period", "fields_audited", "discrepancies_by_field",
           "overpaid_fen", "underpaid_fen", "expected_hifp_pay_fen")
EXCEL_FIX = r"format the column as text \(文本\) in Excel and export again"


def _rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(EXAMPLE)))


def _csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n", delimiter=delimiter).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _audit(paths, **kw) -> tuple[int, dict]:
    return audit([str(p) for p in paths], "panzhihua", "panzhihua-example", write=False, **kw)


def _figures(path: Path, **kw) -> dict:
    code, s = _audit([path], **kw)
    return {"code": code, **{k: s[k] for k in FIGURES}}


@pytest.fixture
def clean(tmp_path) -> dict:
    return _figures(_csv(tmp_path / "clean.csv", _rows()))


# --------------------------------------------------------------------------- IDs Excel made numbers


@pytest.mark.parametrize("column", ["psn_no", "setl_id"])
@pytest.mark.parametrize("number", [3301000000000023, 3.30100000000023e+18])
def test_an_xlsx_id_of_16_digits_in_a_number_cell_is_refused(tmp_path, column, number):
    """Excel holds 15 significant digits: 3301000000000023 and …24 are one number to it, so persons merge
    (270 became 28) and discrepancies are invented; a setl_id was refused as a misleading duplicate."""
    rows: list[list[object]] = _rows()
    j = rows[0].index(column)
    for i, r in enumerate(rows[1:]):
        r[j] = number + i
    with pytest.raises(AuditInputError, match=rf"l\.xlsx, row 2, column {column}: an ID that Excel turned into a "
                                              rf"number .*15 significant digits.*{EXCEL_FIX}"):
        _audit([_xlsx(tmp_path / "l.xlsx", rows)])


def test_an_xlsx_id_of_15_digits_in_a_number_cell_is_read(tmp_path):
    rows: list[list[object]] = _rows()
    ids = {"A": 330100000000001, "B": 330100000000002, "C": 330100000000003}
    for r in rows[1:]:
        r[1] = ids[r[1]]
    text = [[str(v) for v in r] for r in rows]
    assert _figures(_xlsx(tmp_path / "l.xlsx", rows)) == _figures(_csv(tmp_path / "text.csv", text))


@pytest.mark.parametrize("column", ["psn_no", "setl_id"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
def test_an_id_in_excels_scientific_notation_is_refused_in_text(tmp_path, column, fmt):
    """A CSV saved from Excel writes a long number as shown: 3.30100E+15; a JSON or xlsx text cell may carry it."""
    rows = _rows()
    j = rows[0].index(column)
    rows[2][j] = "3.30100E+15"
    if fmt == "csv":
        path, where = _csv(tmp_path / "l.csv", rows), "line 3"
    elif fmt == "xlsx":
        path, where = _xlsx(tmp_path / "l.xlsx", rows), "row 3"
    else:
        path, where = _jsonl(tmp_path / "l.jsonl", [dict(zip(rows[0], r)) for r in rows[1:]]), "line 2"
    code, out = _cli(path)
    assert code == 2 and "Traceback" not in out
    assert re.search(rf"l\.{fmt}, {where}, column {column}: an ID that Excel turned into a number "
                     rf"\('3\.30100E\+15'\).*{EXCEL_FIX}", out), out


def test_an_id_column_renamed_by_map_is_checked_as_the_id_it_becomes(tmp_path):
    """A vendor's 人员编号 column mapped to psn_no is the ID it becomes: Excel's damage is refused there too."""
    rows = _rows()
    j = rows[0].index("psn_no")
    rows[0][j] = "人员编号"
    rows[2][j] = "3.30100E+15"
    code, out = _cli(_csv(tmp_path / "l.csv", rows), "--map", "人员编号=psn_no")
    assert code == 2 and re.search(r"l\.csv, line 3, column 人员编号: an ID that Excel turned into a number", out), out


def test_a_json_number_in_scientific_notation_as_an_id_is_refused(tmp_path):
    rows = _rows()
    recs = [dict(zip(rows[0], r)) for r in rows[1:]]
    line = json.dumps(recs[0]).replace('"psn_no": "A"', '"psn_no": 3.301e+15')
    path = tmp_path / "l.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"l\.jsonl, line 1, column psn_no: an ID that Excel turned"):
        _audit([path])


def test_a_parquet_id_column_of_doubles_is_refused(tmp_path):
    rows = _rows()
    cols = {h: [r[i] for r in rows[1:]] for i, h in enumerate(rows[0])}
    cols["psn_no"] = [float(3301000000000001 + "ABC".index(p)) for p in cols["psn_no"]]
    pq.write_table(pa.table(cols), tmp_path / "l.parquet")
    with pytest.raises(AuditInputError, match=r"l\.parquet, column psn_no: an ID column of binary floating point "
                                              r"\(DOUBLE\).*export it as text \(or an integer\)"):
        _audit([tmp_path / "l.parquet"])


def _cli(path: Path, *more: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["audit", str(path), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(path.parent / "report"), *more])
    return r.exit_code, r.output


# --------------------------------------------------------------------------- JSON lines without null fields


def test_json_lines_that_leave_out_null_fields_read_them_as_null(tmp_path):
    """Spark (ignoreNullFields) and Jackson (NON_NULL) leave a null field out of its line: the first line
    without fixmedins_code was refused as 'not on the first line'."""
    rows = _rows()
    recs = [dict(zip(rows[0], r)) for r in rows[1:]]
    del recs[0]["fixmedins_code"]
    del recs[2]["fixmedins_code"]
    blank = [r[:] for r in rows]
    blank[1][6] = blank[3][6] = ""
    assert _figures(_jsonl(tmp_path / "l.jsonl", recs)) == _figures(_csv(tmp_path / "blank.csv", blank))


def test_a_json_field_on_no_line_is_an_absent_column(tmp_path):
    """acct_pay on no line: not audited (as a CSV without the column), not a column of nulls refused as blank."""
    rows = _rows()
    j = rows[0].index("acct_pay")
    rows = [r[:j] + r[j + 1:] for r in rows]
    got = _figures(_jsonl(tmp_path / "l.jsonl", [dict(zip(rows[0], r)) for r in rows[1:]]))
    assert got == _figures(_csv(tmp_path / "without.csv", rows)) and "acct_pay" not in got["fields_audited"]


# --------------------------------------------------------------------------- blank and repeated header names


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("extra", [["", ""], ["备注", "备注"]], ids=["excel-empty-columns", "two-remarks"])
def test_blank_or_repeated_columns_the_audit_does_not_read_are_left_out(tmp_path, clean, fmt, extra):
    rows = _rows()
    rows[0] += extra
    for r in rows[1:]:
        r += ["", "x"] if extra[0] else ["", ""]
    path = _csv(tmp_path / "l.csv", rows) if fmt == "csv" else _xlsx(tmp_path / "l.xlsx", rows)
    assert _figures(path) == clean


def test_a_column_the_audit_reads_given_twice_is_still_refused(tmp_path):
    rows = _rows()
    rows[0].append("hifp_pay")
    for r in rows[1:]:
        r.append("0.00")
    with pytest.raises(AuditInputError, match=r"l\.csv, line 1: header names a column twice: hifp_pay"):
        _audit([_csv(tmp_path / "l.csv", rows)])


def test_a_mapped_column_given_twice_is_refused(tmp_path):
    rows = _rows()
    rows[0][rows[0].index("hifp_pay")] = "统筹"
    rows[0].append("统筹")
    for r in rows[1:]:
        r.append("0.00")
    with pytest.raises(AuditInputError, match=r"header names a column twice: 统筹"):
        _audit([_csv(tmp_path / "l.csv", rows)], mapping=("统筹=hifp_pay",))


# --------------------------------------------------------------------------- NULL markers


@pytest.mark.parametrize("marker", ["NULL", "null", "\\N"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_database_dumps_null_marker_is_an_empty_cell(tmp_path, clean, marker, fmt):
    """A MySQL dump writes \\N, others NULL: an init_setl_id of 'NULL' was a reversal of an unknown settlement."""
    rows = _rows()
    rows[0].append("init_setl_id")
    for r in rows[1:]:
        r.append(marker)
    path = (_csv(tmp_path / "l.csv", rows) if fmt == "csv"
            else _jsonl(tmp_path / "l.jsonl", [dict(zip(rows[0], r)) for r in rows[1:]]))
    assert _figures(path) == clean


def test_a_null_marker_in_a_code_column_is_a_missing_code(tmp_path):
    rows = _rows()
    rows[2][rows[0].index("psn_type")] = "NULL"
    with pytest.raises(AuditInputError, match=r"l\.csv, line 3, column psn_type: missing"):
        _audit([_csv(tmp_path / "l.csv", rows)])


# --------------------------------------------------------------------------- encodings


def test_a_utf16_text_export_is_detected_by_its_byte_order_mark(tmp_path, clean):
    """Excel's 'Unicode 文本' save: UTF-16 LE with a byte-order mark, tab-separated."""
    path = _csv(tmp_path / "l.txt", _rows(), encoding="utf-16", delimiter="\t")
    assert path.read_bytes()[:2] == b"\xff\xfe"
    assert _figures(path) == clean
    big = _csv(tmp_path / "be.csv", _rows(), encoding="utf-16-be")
    big.write_bytes(b"\xfe\xff" + big.read_bytes())
    assert _figures(big) == clean


def test_encoding_names_the_ledgers_not_the_persons_file(tmp_path):
    """--encoding gbk for a GBK ledger: the UTF-8 persons file beside it is still read as UTF-8."""
    rows = _rows()
    for r in rows[1:]:
        r[1] += "号"
    ledger = _csv(tmp_path / "l.csv", rows, encoding="gbk")
    persons = tmp_path / "p.jsonl"
    persons.write_text('{"psn_no": "A号", "psn_type": "1101", "acct_balance": "0.00"}\n', encoding="utf-8")
    code, out = _cli(ledger, "--encoding", "gbk", "--persons", str(persons))
    assert code == 1 and "error" not in out, out


# --------------------------------------------------------------------------- Excel's float noise


def test_an_xlsx_amount_a_hair_off_two_decimals_names_excels_fix(tmp_path):
    rows: list[list[object]] = _rows()
    rows[2][rows[0].index("psn_cash_pay")] = 249.9999999999999  # a computed cell showing 250.00
    with pytest.raises(AuditInputError, match=r"l\.xlsx, row 3, column psn_cash_pay: not an amount with at most two "
                                              r"decimals: '249\.9999999999999': the cell holds a computed binary "
                                              r"number.*ROUND\(…,2\).*paste the column as values"):
        _audit([_xlsx(tmp_path / "l.xlsx", rows)])


# --------------------------------------------------------------------------- Parquet INT96 times


def _times(path: Path, int96: bool, time_name: str = "setl_time") -> Path:
    """攀枝花 第七条 (tests/audit/test_timezone.py's ledger): C2 settled at 2024-01-01 00:30 Beijing, which
    Spark and Hive store in INT96 as the UTC instant 2023-12-31 16:30. Dated 2023 it would owe no
    deductible and the fund would pay 1000 − 900 = 100.00 of the year's cap: a false 100.00 overpaid."""
    table = pa.table({
        "setl_id": ["C1", "C2"], "psn_no": ["C", "C"], "psn_type": ["1101", "1101"], "med_type": ["11", "11"],
        "facility": ["tertiary", "tertiary"],
        time_name: pa.array([dt.datetime(2023, 6, 1, 2, 0), dt.datetime(2023, 12, 31, 16, 30)], pa.timestamp("us")),
        "medfee_sumamt": ["2000.00", "600.00"], "act_pay_dedc": ["200.00", "200.00"], "hifp_pay": ["900.00", "200.00"]})
    pq.write_table(table, path, use_deprecated_int96_timestamps=int96)
    return path


def test_a_parquet_int96_time_is_read_as_utc_and_dated_in_beijing(tmp_path):
    assert pq.read_metadata(_times(tmp_path / "spark.parquet", True)).schema.column(5).physical_type == "INT96"
    code, s = _audit([tmp_path / "spark.parquet"])
    assert code == 0 and s["period"] == {"from": "2023-06-01", "to": "2024-01-01"}
    assert "A-AUDIT-INT96-UTC" in [a["id"] for a in s["assumptions"]]
    # a plain TIMESTAMP is a wall-clock time, as written (and the assumption is not stated)
    code, s = _audit([_times(tmp_path / "plain.parquet", False)])
    assert s["period"] == {"from": "2023-06-01", "to": "2023-12-31"}
    assert "A-AUDIT-INT96-UTC" not in [a["id"] for a in s["assumptions"]]


def test_an_int96_time_in_capitals_is_read_as_utc_too(tmp_path):
    """Spark keeps a source's capitals (a DataFrame read from Oracle): SETL_TIME is renamed and read as UTC alike."""
    code, s = _audit([_times(tmp_path / "spark.parquet", True, "SETL_TIME")])
    assert code == 0 and s["period"] == {"from": "2023-06-01", "to": "2024-01-01"}
