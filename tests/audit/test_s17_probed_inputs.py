"""Inputs a probe of `conform audit` found misread or crashing (2026-12-04), each now read right or refused with
its file, line or row and column, exit 2, no traceback:

- an ID written from a float column ('5104000000000230.0', pandas' way where a cell is empty) made one person two, and
  the deductible was counted again for the second (22 discrepancies where the clean file has 5): refused in CSV,
  JSON lines (a number, or true), xlsx text and Parquet text (psn_no, init_setl_id);
- --encoding utf-16 on a file without a byte-order mark, or a codec that is no text encoding (rot13, base64): an
  internal error; utf-16-le on a UTF-8 file: DuckDB's "Could not skip initial 1 rows";
- a Parquet list column (list<decimal> amount: internal error; list<string> psn_no: read as '[5104…]') and a
  decimal256 amount (called a DOUBLE column);
- a two-digit year ('23-01-08' read as the year 23), 0001-01-01, 9999-12-31: audited as outside the policy's validity;
- an xlsx time-of-day cell: "a damaged workbook" with a Python exception's text;
- '-0.0000' as a ratio refused as negative while '-0.00' as an amount is read; a header with a zero-width space or
  in full-width letters left unread without a word;
- a persons CSV with a quote never closed: the line break read into the amount; an institutions table with a header
  only: every ledger row blamed; a link to a ledger beside it in its folder: read twice, refused as duplicates.

The ledger is docs/audit.md's worked example (5 settlements, 15 discrepancies by hand; test_sources_input).
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from conform.audit.run import audit
from conform.harness.cli import main
from test_sources_input import BY_FIELD, _rows, _write_csv

PSN_A = "5104000000000230"


def _cli(tmp_path, *args) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["audit", *map(str, args), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(tmp_path / "report")])
    assert "Traceback" not in r.output and "internal error" not in r.output, r.output
    return r.exit_code, r.output


def _numbered() -> list[list[str]]:
    """The example with digit IDs (person A is PSN_A), as a platform writes them."""
    rows = _rows()
    p = rows[0].index("psn_no")
    for r in rows[1:]:
        r[p] = {"A": PSN_A, "B": "5104000000000231", "C": "5104000000000232"}[r[p]]
    return rows


def _clean_discrepancies(tmp_path) -> int:
    code, s = audit([str(_write_csv(tmp_path / "clean.csv", _numbered()))], "panzhihua", "panzhihua-example",
                    write=False)
    assert code == 1
    return sum(s["discrepancies_by_field"].values())


# --------------------------------------------------------------------------- IDs written from a float


def test_a_float_written_psn_no_in_a_csv_is_refused_at_its_line(tmp_path):
    assert _clean_discrepancies(tmp_path) == sum(BY_FIELD.values())  # the IDs as digits change nothing
    rows = _numbered()
    rows[2][rows[0].index("psn_no")] = PSN_A + ".0"  # V2, line 3: A's second visit
    code, out = _cli(tmp_path, _write_csv(tmp_path / "dot0.csv", rows))
    assert code == 2
    assert "dot0.csv, line 3, column psn_no: an ID written as a floating-point number ('5104000000000230.0')" in out


@pytest.mark.parametrize("value, said", [(5104000000000230.0, "an ID written as a floating-point number"),
                                         (True, "not an ID: the JSON value true")])
def test_a_float_or_boolean_psn_no_in_json_lines_is_refused(tmp_path, value, said):
    rows = _numbered()
    header, body = rows[0], rows[1:]
    lines = [dict(zip(header, r)) for r in body]
    lines[1]["psn_no"] = value
    path = tmp_path / "l.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    code, out = _cli(tmp_path, path)
    assert code == 2 and "l.jsonl, line 2, column psn_no: " + said in out, out


@pytest.mark.parametrize("column", ["psn_no", "init_setl_id"])
def test_a_float_written_id_in_parquet_text_is_refused_at_its_row(tmp_path, column):
    rows = _numbered()
    header, body = rows[0], rows[1:]
    cols = {h: [r[i] for r in body] for i, h in enumerate(header)}
    cols["init_setl_id"] = [None] * len(body)
    if column == "psn_no":
        cols["psn_no"][3] += ".0"
    else:  # a sixth row, reversing C2 under its ID as pandas writes a float column's
        for h in header:
            cols[h].append(cols[h][4])
        cols["setl_id"][5] = "R1"
        cols["init_setl_id"].append("5104000000000999.0")
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table(cols), path)
    code, out = _cli(tmp_path, path)
    row = 4 if column == "psn_no" else 6
    assert code == 2 and f"p.parquet, row {row}, column {column}: an ID written as a floating-point number" in out, out


def test_a_float_written_id_in_an_xlsx_text_cell_is_refused_and_an_integral_number_cell_read(tmp_path):
    rows = _rows()
    short = {"A": 1001.0, "B": 1002.0, "C": 1003.0}  # number cells, as floats (Excel keeps every number as one)
    wb = Workbook()
    ws = wb.active
    for i, r in enumerate(rows):
        ws.append([short[v] if i and h == "psn_no" else v for h, v in zip(rows[0], r)])
    path = tmp_path / "n.xlsx"
    wb.save(path)
    persons = tmp_path / "persons.jsonl"  # the persons file names them as the platform does, without '.0'
    persons.write_text('{"psn_no": "1001", "acct_balance": "0.00"}\n', encoding="utf-8")
    code, s = audit([str(path)], "panzhihua", "panzhihua-example", persons_file=str(persons), write=False)
    assert (code, s["persons"], s["persons_file"]["in_ledger"]) == (1, 3, 1), s["persons_file"]
    ws.cell(row=3, column=rows[0].index("psn_no") + 1).value = "1001.0"  # text
    wb.save(path)
    code, out = _cli(tmp_path, path)
    assert code == 2 and "n.xlsx, row 3, column psn_no: an ID written as a floating-point number" in out, out


# --------------------------------------------------------------------------- encodings


def test_utf16_without_its_byte_order_mark_names_the_encodings_that_read_it(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes("\n".join(",".join(r) for r in _rows()).encode("utf-16-le"))
    code, out = _cli(tmp_path, path, "--encoding", "utf-16")
    assert code == 2 and "has none: give utf-16-le or utf-16-be" in out, out
    code, s = audit([str(path)], "panzhihua", "panzhihua-example", encoding="utf-16-le", write=False)
    assert code == 1 and sum(s["discrepancies_by_field"].values()) == sum(BY_FIELD.values())


@pytest.mark.parametrize("encoding, said", [("rot13", "'rot13' is no text encoding"),
                                            ("base64", "'base64' is no text encoding"), ("idna", "'idna' is no text encoding"),
                                            ("punycode", "'punycode' is no text encoding"),
                                            ("undefined", "'undefined' is no text encoding"),
                                            ("utf-16-le", "read in encoding utf-16-le the file has no line break")])
def test_an_encoding_that_cannot_be_the_files_is_refused(tmp_path, encoding, said):
    path = _write_csv(tmp_path / "e.csv", _rows())
    code, out = _cli(tmp_path, path, "--encoding", encoding)
    assert code == 2 and f"e.csv: {said}" in out, out


# --------------------------------------------------------------------------- Parquet types


@pytest.mark.parametrize("column, typ, said", [
    ("medfee_sumamt", pa.list_(pa.decimal128(18, 2)), "a nested column (DECIMAL(18,2)[])"),
    ("psn_no", pa.list_(pa.string()), "a nested column (VARCHAR[])"),
    ("medfee_sumamt", pa.decimal256(40, 2), "a DECIMAL of more than 38 digits")])
def test_a_nested_or_too_wide_parquet_column_is_refused_by_its_name(tmp_path, column, typ, said):
    rows = _rows()
    header, body = rows[0], rows[1:]
    cols = {h: pa.array([r[i] for r in body]) for i, h in enumerate(header)}
    vals = [r[header.index(column)] for r in body]
    if pa.types.is_list(typ):
        vals = [[Decimal(v) if column == "medfee_sumamt" else v] for v in vals]
    else:
        vals = [Decimal(v) for v in vals]
    cols[column] = pa.array(vals, typ)
    path = tmp_path / "n.parquet"
    pq.write_table(pa.table(cols), path)
    code, out = _cli(tmp_path, path)
    assert code == 2 and f"n.parquet, column {column}: {said}" in out, out


# --------------------------------------------------------------------------- dates and times


@pytest.mark.parametrize("written, read", [("23-03-01", "0023-03-01"), ("0001-01-01", "0001-01-01"),
                                           ("9999-12-31", "9999-12-31")])
def test_a_date_outside_1900_to_2099_is_refused_not_audited_as_out_of_validity(tmp_path, written, read):
    rows = _rows()
    rows[4][rows[0].index("setl_date")] = written  # C1, line 5
    code, out = _cli(tmp_path, _write_csv(tmp_path / "y.csv", rows))
    assert code == 2 and "y.csv, line 5, column setl_date: a year outside 1900–2099" in out, out
    assert f"read as {read}" in out


def test_a_placeholder_date_in_a_parquet_date_column_is_refused(tmp_path):
    rows = _rows()
    header, body = rows[0], rows[1:]
    cols = {h: pa.array([r[i] for r in body]) for i, h in enumerate(header)}
    dates = [dt.date.fromisoformat(r[header.index("setl_date")]) for r in body]
    dates[1] = dt.date(9999, 12, 31)
    cols["setl_date"] = pa.array(dates, pa.date32())
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table(cols), path)
    code, out = _cli(tmp_path, path)
    assert code == 2 and "d.parquet, row 2, column setl_date: a year outside 1900–2099" in out, out


def test_an_xlsx_time_of_day_cell_is_no_time_at_its_row_not_a_damaged_workbook(tmp_path):
    rows = _rows()
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    ws.cell(row=4, column=rows[0].index("setl_date") + 1).value = dt.time(10, 0)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    code, out = _cli(tmp_path, path)
    assert code == 2 and "t.xlsx, row 4, column setl_date: not a date" in out and "'10:00:00'" in out, out
    assert "damaged" not in out


# --------------------------------------------------------------------------- amounts and headers


def test_a_negative_zero_ratio_reads_as_zero_as_a_negative_zero_amount_does(tmp_path):
    rows = _rows()
    rows[5][rows[0].index("pool_prop_selfpay")] = "-0.5000"
    code, out = _cli(tmp_path, _write_csv(tmp_path / "neg.csv", rows))
    assert code == 2 and "negative, which no payment ratio is" in out  # a real negative ratio still is refused
    rows[5][rows[0].index("pool_prop_selfpay")] = "-0.0000"  # C2's recorded 0.5000: now one more discrepancy
    code, s = audit([str(_write_csv(tmp_path / "z.csv", rows))], "panzhihua", "panzhihua-example", write=False)
    assert code == 1 and s["discrepancies_by_field"]["pool_prop_selfpay"] == BY_FIELD["pool_prop_selfpay"] + 1


@pytest.mark.parametrize("header", ["hifp_pay\u200b", "\uff48\uff49\uff46\uff50\uff3f\uff50\uff41\uff59"])
def test_a_header_with_an_invisible_or_full_width_character_is_read(tmp_path, header):
    rows = _rows()
    rows[0][rows[0].index("hifp_pay")] = header
    code, s = audit([str(_write_csv(tmp_path / "h.csv", rows))], "panzhihua", "panzhihua-example", write=False)
    assert code == 1 and s["discrepancies_by_field"]["hifp_pay"] == BY_FIELD["hifp_pay"]


# --------------------------------------------------------------------------- the other files


def test_a_persons_csv_with_a_quote_never_closed_is_malformed_not_an_amount_with_a_line_break(tmp_path):
    persons = tmp_path / "persons.csv"
    persons.write_text('psn_no,acct_balance\nA,"1448.73\n', encoding="utf-8")
    code, out = _cli(tmp_path, _write_csv(tmp_path / "l.csv", _rows()), "--persons", persons)
    assert code == 2 and "persons.csv, line 2: malformed CSV: unexpected end of data (a quote" in out, out


def test_an_institutions_table_with_a_header_only_is_named_not_the_ledger(tmp_path):
    rows = _rows()
    f = rows[0].index("facility")
    ledger = _write_csv(tmp_path / "l.csv", [[c for i, c in enumerate(r) if i != f] for r in rows])
    table = tmp_path / "inst.csv"
    table.write_text("fixmedins_code,facility\n", encoding="utf-8")
    code, out = _cli(tmp_path, ledger, "--institutions", table)
    assert code == 2 and "inst.csv: the institutions table has no rows" in out, out


@pytest.mark.parametrize("column", ["fulamt_ownpay_amt", "hifp_pay"])
def test_a_file_without_an_amount_column_another_file_has_is_refused_naming_both(tmp_path, column):
    rows = _rows()
    drop = rows[0].index(column)
    first = _write_csv(tmp_path / "2023-03.csv", rows[:3])
    second = _write_csv(tmp_path / "2023-05.csv", [[c for i, c in enumerate(r) if i != drop] for r in rows[:1] + rows[3:]])
    code, out = _cli(tmp_path, first, second)
    # read as 0.00 there, a settlement's 全自费 would count as spending within the policy's scope
    assert code == 2 and f"2023-05.csv: has no {column}, which {first}" in out, out


def test_a_link_to_a_ledger_in_its_own_folder_is_read_once(tmp_path):
    folder = tmp_path / "months"
    folder.mkdir()
    _write_csv(folder / "2023.csv", _rows())
    (folder / "latest.csv").symlink_to(folder / "2023.csv")
    code, s = audit([str(folder)], "panzhihua", "panzhihua-example", write=False)
    assert code == 1 and s["rows_read"] == 5
