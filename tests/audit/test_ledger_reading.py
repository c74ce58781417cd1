"""Reading ledgers: CSV in UTF-8 and GBK, Parquet (DECIMAL and text), xlsx, JSON lines, folders and
globs, `--map`; rows out of order are sorted; every bad-input class is refused with file, line and
column.

Figures by hand from 攀枝花 第七条 (in-service, 三级 50%, deductible 200 a natural year):
  S1 on 2023-03-01: 500.00 − 50.00 − 0 − 20.00 = 430.00 in scope; deductible 200.00;
                    (430 − 200) × 50% = 115.00 paid by the fund.
  S0 on 2023-02-01 at 一级 (60%): 100.50 in scope, all of it counts toward the deductible, fund 0.
  With S0 first, S1 counts only 200 − 100.50 = 99.50: (430 − 99.50) × 50% = 165.25.
"""
from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from _kept import kept_audit

HEADER = ("setl_id,psn_no,psn_type,setl_time,med_type,facility,fixmedins_code,medfee_sumamt,fulamt_ownpay_amt,"
          "overlmt_selfpay,preselfpay_amt,hifp_pay,init_setl_id")
S1 = "S1,P1,1101,2023-03-01 10:00:00,11,tertiary,攀枝花市中心医院,500.00,50,0,20.00,115.00,"
S0 = "S0,P1,1101,2023-02-01 09:00:00,11,primary,某社区卫生服务中心,100.50,0,0,0,0.00,"


def _csv(tmp_path: Path, lines: list[str], encoding: str = "utf-8", name: str = "ledger.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return p


def _expected(paths, **kw) -> tuple[int, dict, list[tuple]]:
    with kept_audit([str(p) for p in paths], "panzhihua", "panzhihua-example", write=False, **kw) as (code, s, con):
        rows = con.execute("SELECT l.setl_id, e.hifp_pay, e.act_pay_dedc, l.fixmedins_code FROM expected_rows e "
                           "JOIN ledger l ON l.rid = e.rid ORDER BY l.setl_id").fetchall()
    return code, s, rows


def test_utf8_csv_one_settlement(tmp_path):
    code, s, rows = _expected([_csv(tmp_path, [HEADER, S1])])
    assert rows == [("S1", 11500, 20000, "攀枝花市中心医院")]
    assert (code, s["rows_read"], s["discrepancies_by_field"]) == (0, 1, {"hifp_pay": 0})


@pytest.mark.parametrize("encoding", [None, "gbk"])
def test_gbk_csv_detected_or_given(tmp_path, encoding):
    path = _csv(tmp_path, [HEADER, S1, S0], encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_text(encoding="utf-8")  # really not UTF-8
    code, s, rows = _expected([path], encoding=encoding)
    # Out of order in the file: S0 (February) is settled first, so S1 gets 165.25, not the recorded 115.00.
    assert rows == [("S0", 0, 10050, "某社区卫生服务中心"), ("S1", 16525, 9950, "攀枝花市中心医院")]
    assert code == 1 and s["discrepancies_by_field"] == {"hifp_pay": 1}


@pytest.mark.parametrize("suffix, hint", [(".xls", "save it as .xlsx or CSV"), (".dbf", "")])
def test_a_format_it_does_not_read_is_named(tmp_path, suffix, hint):
    p = tmp_path / f"ledger{suffix}"
    p.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(AuditInputError, match=rf"ledger\{suffix}: unknown ledger format '\{suffix}'.*{hint}.*"
                                              r"expected one of \.csv"):
        _expected([p])


def test_a_sheet_saved_as_csv_with_its_title_line(tmp_path):
    """Excel saves a titled sheet as CSV with the title (and empty cells) above the header."""
    lines = ["攀枝花市医保结算清单（2023年）,,,", ",,,", HEADER, S0, S1.replace("115.00", "115.001")]
    path = _csv(tmp_path, lines, encoding="gbk")
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 5, column hifp_pay: not an amount"):
        _expected([path])
    path = _csv(tmp_path, lines[:4] + [S1.replace("115.00", "165.25")], encoding="gbk")
    code, s, rows = _expected([path])
    assert code == 0 and [r[:2] for r in rows] == [("S0", 0), ("S1", 16525)]


@pytest.mark.parametrize("name,delimiter", [("ledger.tsv", "\t"), ("ledger.txt", "|"), ("ledger.csv", ";")])
def test_tab_pipe_and_semicolon_separated_exports(tmp_path, name, delimiter):
    """HIS exports often come as .txt split by tabs or '|': the header line decides the delimiter."""
    path = _csv(tmp_path, [line.replace(",", delimiter) for line in (HEADER, S1, S0)], encoding="gbk", name=name)
    code, s, rows = _expected([path])
    assert rows == [("S0", 0, 10050, "某社区卫生服务中心"), ("S1", 16525, 9950, "攀枝花市中心医院")]
    bad = _csv(tmp_path, [line.replace(",", delimiter) for line in (HEADER, S0, S1.replace("115.00", "115.001"))],
               name="bad-" + name)
    with pytest.raises(AuditInputError, match=rf"bad-{name}, line 3, column hifp_pay: not an amount"):
        _expected([bad])


@pytest.mark.parametrize("rows", [1, 100_000])
def test_a_row_with_a_field_too_many_is_located_by_its_line(tmp_path, rows):
    """A stray delimiter (an amount written 1,150.00) adds a field; the message names the line, also
    deep in a file the fast parse reads in parallel blocks."""
    lines = [HEADER] + [S0.replace("S0", f"S0-{i}") for i in range(rows)]
    lines.insert(rows // 2 + 1, S1.replace("500.00", '1,500.00'))
    path = _csv(tmp_path, lines)
    with pytest.raises(AuditInputError, match=rf"ledger\.csv, line {rows // 2 + 2}: 14 fields where the header has 13"):
        _expected([path])


def test_parquet_decimal_and_folder_of_monthly_files(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for month, (sid, day, fac, total, own, pre, fund) in {
        "02": ("S0", dt.date(2023, 2, 1), "primary", "100.50", "0", "0", "0"),
        "03": ("S1", dt.date(2023, 3, 1), "tertiary", "500.00", "50.00", "20.00", "165.25"),
    }.items():
        dec = pa.decimal128(18, 2)
        pq.write_table(pa.table({
            "setl_id": [sid], "psn_no": ["P1"], "psn_type": ["1101"], "setl_date": pa.array([day], pa.date32()),
            "med_type": ["11"], "facility": [fac], "fixmedins_code": [None],
            "medfee_sumamt": pa.array([Decimal(total)], dec), "fulamt_ownpay_amt": pa.array([Decimal(own)], dec),
            "overlmt_selfpay": pa.array([Decimal("0")], dec), "preselfpay_amt": pa.array([Decimal(pre)], dec),
            "hifp_pay": pa.array([Decimal(fund)], dec)}), folder / f"2023-{month}.parquet")
    code, s, rows = _expected([folder])
    assert [r[:3] for r in rows] == [("S0", 0, 10050), ("S1", 16525, 9950)]
    assert (code, len(s["ledger"])) == (0, 2)
    code2, s2, _ = _expected([str(folder / "2023-0*.parquet")])
    assert (code2, s2["rows_read"]) == (0, 2)


def test_parquet_integer_columns_ids_and_whole_yuan(tmp_path):
    """Integer ids and codes are read as text; an integer amount is whole yuan, as `500` is in a CSV:
    S1 500.00 in scope at 三级 50%, deductible 200: (500 − 200) × 50% = 150.00."""
    p = tmp_path / "ints.parquet"
    pq.write_table(pa.table({"setl_id": pa.array([7], pa.int64()), "psn_no": pa.array([10], pa.int64()),
                             "psn_type": pa.array([1101], pa.int32()), "setl_date": [dt.date(2023, 3, 1)],
                             "med_type": pa.array([11], pa.int16()), "facility": ["tertiary"],
                             "medfee_sumamt": pa.array([500], pa.int64()), "hifp_pay": pa.array([150], pa.int64())}), p)
    code, s, rows = _expected([p])
    assert rows == [("7", 15000, 20000, None)] and code == 0
    # the report says which columns were read so: an export in integer fen would be a hundred times off
    (said,) = [a["text"] for a in s["assumptions"] if a["id"] == "A-AUDIT-INTEGER-YUAN"]
    assert "hifp_pay、medfee_sumamt" in said and "按元读取" in said
    assert "A-AUDIT-INTEGER-YUAN" not in [a["id"] for a in _expected([_csv(tmp_path, [HEADER, S1])])[1]["assumptions"]]


def test_parquet_double_amounts_are_refused(tmp_path):
    p = tmp_path / "float.parquet"
    pq.write_table(pa.table({"setl_id": ["S1"], "psn_no": ["P1"], "psn_type": ["1101"], "setl_date": ["2023-03-01"],
                             "med_type": ["11"], "facility": ["tertiary"], "medfee_sumamt": [500.0]}), p)
    with pytest.raises(AuditInputError, match=r"float\.parquet, column medfee_sumamt: is a binary floating-point"):
        _expected([p])


def test_xlsx_ledger(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(["S1", "P1", 1101, dt.datetime(2023, 3, 1, 10), 11, "tertiary", "攀枝花市中心医院", 500, 50, 0, 20.0, 115, None])
    p = tmp_path / "ledger.xlsx"
    wb.save(p)
    code, s, rows = _expected([p])
    assert rows == [("S1", 11500, 20000, "攀枝花市中心医院")] and code == 0


def test_xlsx_date_cells_and_excel_style_times(tmp_path):
    """Excel stores a date as a date-formatted number (read back as midnight); a sheet saved as CSV by
    Excel writes times without seconds. S0 before S1 (see the module docstring): S1's fund is 165.25."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["setl_id", "psn_no", "psn_type", "setl_date", "med_type", "facility", "medfee_sumamt",
               "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "hifp_pay"])
    ws.append(["S1", "P1", "1101", dt.date(2023, 3, 1), "11", "tertiary", 500, 50, 0, 20, 165.25])
    ws.append(["S0", "P1", "1101", dt.date(2023, 2, 1), "11", "primary", 100.5, 0, 0, 0, 0])
    p = tmp_path / "ledger.xlsx"
    wb.save(p)
    code, s, _ = _expected([p])
    assert code == 0 and s["period"] == {"from": "2023-02-01", "to": "2023-03-01"}
    csv = _csv(tmp_path, [HEADER, S1.replace("2023-03-01 10:00:00", "2023/3/1 10:00").replace("115.00", "165.25"),
                          S0.replace("2023-02-01 09:00:00", "2023/2/1 9:00")])
    code, s, _ = _expected([csv])
    assert code == 0 and s["period"] == {"from": "2023-02-01", "to": "2023-03-01"}



def test_sql_server_datetimes_with_milliseconds(tmp_path):
    """A HIS on SQL Server exports DATETIME as '2023-03-01 10:00:00.000' (and a date as midnight '.000')."""
    timed = _csv(tmp_path, [HEADER, S1.replace("2023-03-01 10:00:00", "2023-03-01 10:00:00.000").replace("115.00", "165.25"),
                            S0.replace("2023-02-01 09:00:00", "2023-02-01 09:00:00.123")])
    code, s, rows = _expected([timed])
    assert (code, [r[:2] for r in rows]) == (0, [("S0", 0), ("S1", 16525)])  # S0 first: 165.25 as worked above
    dated = _csv(tmp_path, [HEADER.replace("setl_time", "setl_date"), S1.replace("2023-03-01 10:00:00", "2023-03-01 00:00:00.000")],
                 name="dated.csv")
    assert _expected([dated])[0] == 0
    late = _csv(tmp_path, [HEADER.replace("setl_time", "setl_date"), S1.replace("2023-03-01 10:00:00", "2023-03-01 00:00:00.500")],
                name="late.csv")
    with pytest.raises(AuditInputError, match=r"late\.csv, line 2, column setl_date: not a date"):
        _expected([late])  # a time of day in a date column stays refused


@pytest.mark.parametrize("value", ["2023/3/1 0:00", "2023-03-01 00:00", "2023-03-01T00:00:00"])
def test_a_date_column_takes_midnight_as_excel_and_iso_write_it(tmp_path, value):
    """Excel saves a date-time cell at midnight to CSV as '2023/3/1 0:00'; others write it without seconds
    or with ISO's T: each is that date (docs/audit.md: 日期 ... 或零点的日期时间)."""
    dated = _csv(tmp_path, [HEADER.replace("setl_time", "setl_date"), S1.replace("2023-03-01 10:00:00", value)])
    code, s, _ = _expected([dated])
    assert code == 0 and s["period"] == {"from": "2023-03-01", "to": "2023-03-01"}


@pytest.mark.parametrize("column,value", [("setl_date", "2023-03-01 10:00:00"), ("setl_time", "2023-03-01 25:00")])
def test_a_date_with_a_time_of_day_or_an_impossible_time_is_refused(tmp_path, column, value):
    header = HEADER.replace("setl_time", column)
    path = _csv(tmp_path, [header, S1.replace("2023-03-01 10:00:00", value)])
    with pytest.raises(AuditInputError, match=rf"ledger\.csv, line 2, column {column}: not a"):
        _expected([path])


def test_xlsx_with_a_title_above_its_header_and_rows_named_as_excel_shows_them(tmp_path):
    """攀枝花市医保结算清单 in row 1, a blank row 2, the header in row 3: a bad amount in the sheet's row 5
    is named row 5. A workbook whose first sheet is an explanation (说明) says where the ledger is."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "结算清单"
    ws.append(["攀枝花市医保结算清单（2023年3月）"])
    ws.append([])
    ws.append(HEADER.split(","))
    ws.append(S0.split(","))
    ws.append(S1.replace("115.00", "115.001").split(","))
    p = tmp_path / "ledger.xlsx"
    wb.save(p)
    with pytest.raises(AuditInputError, match=r"ledger\.xlsx, row 5, column hifp_pay: not an amount"):
        _expected([p])
    ws.delete_rows(5)
    ws.append(S1.replace("115.00", "165.25").split(","))
    wb.save(p)
    code, s, rows = _expected([p])
    assert code == 0 and [r[:2] for r in rows] == [("S0", 0), ("S1", 16525)]
    wb.move_sheet(wb.create_sheet("说明"), offset=-1)
    wb["说明"].append(["本表由医保信息平台导出"])
    wb.save(p)
    with pytest.raises(AuditInputError, match=r"ledger\.xlsx: the ledger's columns are on sheet '结算清单', not on the "
                                              r"first sheet '说明'"):
        _expected([p])
    # notes above the header past the 20 rows looked at: where the header is, not "missing column(s)" (s22 probe A)
    del wb["说明"]
    ws.insert_rows(1, 25)
    for i in range(1, 26):
        ws.cell(i, 1, f"说明第 {i} 行")
    wb.save(p)
    with pytest.raises(AuditInputError, match=r"ledger\.xlsx: the ledger's header is row 28 of sheet '结算清单', below "
                                              r"the first 20 rows"):
        _expected([p])


def test_jsonl_ledger_numbers_read_exactly(tmp_path):
    p = tmp_path / "ledger.jsonl"
    p.write_text('{"setl_id": "S1", "psn_no": "P1", "psn_type": "1101", "setl_date": "2023-03-01", "med_type": "11",'
                 ' "facility": "tertiary", "medfee_sumamt": 500.00, "fulamt_ownpay_amt": 50, "overlmt_selfpay": 0,'
                 ' "preselfpay_amt": 20.0, "hifp_pay": 115.00}\n', encoding="utf-8")
    code, s, rows = _expected([p])
    assert rows == [("S1", 11500, 20000, None)] and code == 0


def test_map_renames_columns_and_maps_hosp_lv(tmp_path):
    m = tmp_path / "vendor.toml"
    m.write_text('[columns]\nJSID = "setl_id"\nRYBH = "psn_no"\n[codes.hosp_lv]\n"A3" = "tertiary"\n', encoding="utf-8")
    path = _csv(tmp_path, ["JSID,RYBH,psn_type,setl_date,med_type,hosp_lv,medfee_sumamt,fulamt_ownpay_amt,"
                           "overlmt_selfpay,preselfpay_amt,hifp_pay",
                           "S1,P1,1101,2023-03-01,11,A3,500,50,0,20,115"])
    code, s, rows = _expected([path], mapping=(str(m),))
    assert rows == [("S1", 11500, 20000, None)] and code == 0


# --------------------------------------------------------------------------- bad input


BAD = [
    ("missing column", [HEADER.replace(",medfee_sumamt", ""), S1.replace(",500.00", "")],
     r"ledger\.csv: missing column\(s\) medfee_sumamt"),
    ("unknown code", [HEADER, S1.replace(",11,", ",99,")], r"ledger\.csv, line 2, column med_type: unknown code.*'99'"),
    ("non-numeric", [HEADER, S1.replace("500.00", "5OO.00")],
     r"ledger\.csv, line 2, column medfee_sumamt: not an amount.*'5OO\.00'"),
    ("three decimals", [HEADER, S0, S1.replace(",20.00,", ",20.005,")],
     r"ledger\.csv, line 3, column preselfpay_amt: not an amount in yuan with at most two decimals: '20\.005'"),
    ("full-width digits", [HEADER, S1.replace("500.00", "５００")], r"line 2, column medfee_sumamt: not an amount"),
    ("parts exceed", [HEADER, S1.replace(",50,0,", ",500,0,")], r"line 2, column medfee_sumamt: parts exceed the total"),
    ("duplicate setl_id", [HEADER, S1, S1.replace("S1,", "S1,", 1).replace("10:00", "11:00")],
     r"ledger\.csv, line 3, column setl_id: duplicate setl_id 'S1' \(first at .*ledger\.csv line 2\)"),
    ("reversal of unknown", [HEADER, S1, "R1,P1,1101,2023-03-02 10:00:00,,,,-500,,,,-115,S9"],
     r"ledger\.csv, line 3, column init_setl_id: reversal of unknown setl_id 'S9'"),
    ("reversal of another person", [HEADER, S1, "R1,P2,1101,2023-03-02 10:00:00,,,,-500,,,,-115,S1"],
     r"line 3, column init_setl_id: reverses 'S1', a settlement of another person \(P1\)"),
    ("bad date", [HEADER, S1.replace("2023-03-01 10:00:00", "2023-13-01 10:00:00")],
     # month 13 is in a form read: said to be no date (probeQ F5), not "not a time"
     r"line 2, column setl_time: a date that does not exist \(month must be in 1\.\.12\)"),
    ("unknown person type", [HEADER, S1.replace(",1101,", ",1109,")],
     r"line 2, column psn_type: unknown code; expected one of 1101 \(职工在职\), 1103 \(灵活就业在职\), .*'1109'"),
    # a settlement's self-paid part below zero would add to the part in scope (500 + 50 − 20 = 530.00)
    ("negative self-paid part", [HEADER, S1.replace(",50,0,", ",-50,0,")],
     r"ledger\.csv, line 2, column fulamt_ownpay_amt: negative amount in a settlement"),
    ("pharmacy purchase at a hospital", [HEADER, S1.replace(",11,tertiary,", ",41,tertiary,")],
     r"ledger\.csv, line 2, column facility: med_type 41 \(定点药店购药\) needs facility pharmacy"),
    ("outpatient visit at a pharmacy", [HEADER, S1.replace(",11,tertiary,", ",11,pharmacy,")],
     r"ledger\.csv, line 2, column med_type: a pharmacy settles med_type 41 \(or 14"),
    ("reversal of a reversal", [HEADER, S1, "R1,P1,1101,2023-03-02 10:00:00,,,,-500,,,,-115,S1",
                                "R2,P1,1101,2023-03-03 10:00:00,,,,500,,,,115,R1"],
     r"ledger\.csv, line 4, column init_setl_id: reverses 'R1', which is itself a reversal"),
    # dated the day before the settlement it reverses: it would give back what was not yet paid
    ("reversal before its settlement", [HEADER, S1, "R1,P1,1101,2023-02-28 10:00:00,,,,-500,,,,-115,S1"],
     r"ledger\.csv, line 3, column init_setl_id: reverses 'S1', which comes later in settlement order"),
    ("reversed twice", [HEADER, S1, "R1,P1,1101,2023-03-02 10:00:00,,,,-500,,,,-115,S1",
                        "R2,P1,1101,2023-03-03 10:00:00,,,,-500,,,,-115,S1"],
     r"ledger\.csv, line 3, column init_setl_id: 'S1' is reversed more than once"),
    ("reversed three times", [HEADER, S1, *(f"R{i},P1,1101,2023-03-0{i + 1} 10:00:00,,,,-500,,,,-115,S1" for i in (1, 2, 3))],
     r"ledger\.csv, line 3, column init_setl_id: 'S1' is reversed more than once"),
    # a chronic-disease visit (门诊慢特病) is settled against the registered disease: without it, no route
    ("chronic visit without its disease", [HEADER, S1.replace(",11,tertiary,", ",14,tertiary,")],
     r"ledger\.csv, line 2, column dise_codg: med_type 14 \(门诊慢特病\) needs the registered disease code"),
    # dates without times, the reversal listed first: the export's order would put it before what it reverses
    ("reversal listed before its settlement on the same date",
     [HEADER.replace("setl_time", "setl_date"), "R1,P1,1101,2023-03-01,,,,-500,,,,-115,S1",
      S1.replace("2023-03-01 10:00:00", "2023-03-01")],
     r"ledger\.csv, line 2, column init_setl_id: reverses 'S1', which the export lists after it on the same date; "
     r"without setl_time the export's order decides"),
]


def test_a_ledger_without_rows_is_no_clean_verdict(tmp_path):
    """Twelve monthly files may hold an empty month; all of them empty is a wrong export, not a clean year."""
    jan = _csv(tmp_path, [HEADER], name="2023-01.csv")
    feb = _csv(tmp_path, [HEADER, S1], name="2023-02.csv")
    code, s, rows = _expected([jan, feb])
    assert code == 0 and s["rows_read"] == 1
    with pytest.raises(AuditInputError, match=r"2023-01\.csv: the ledger holds no rows \(a header only\)"):
        _expected([jan])


@pytest.mark.parametrize("lines, pattern", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_located(tmp_path, lines, pattern):
    with pytest.raises(AuditInputError, match=pattern):
        _expected([_csv(tmp_path, lines)])


@pytest.mark.parametrize("text, pattern", [
    ('[\n {"setl_id": "S1"}\n]\n', r"ledger\.json, line 1: a JSON array, not JSON lines"),
    ('\n\n"S1"\n', r"ledger\.json, line 3: each line must be a JSON object"),
    ('\n{"setl_id": "S1",\n', r"ledger\.json, line 2: malformed JSON"),
    ('{"setl_id": "' + "x" * (1 << 20) + '"}\n', r"ledger\.json, line 1: line longer than 1 MB"),
])
def test_json_that_is_not_json_lines_is_located(tmp_path, text, pattern):
    p = tmp_path / "ledger.json"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(AuditInputError, match=pattern):
        _expected([p])


def test_a_mapping_file_that_is_not_utf8_is_named_with_its_line(tmp_path):
    m = tmp_path / "vendor.toml"
    m.write_bytes('[columns]\n"结算号" = "setl_id"\n'.encode("gbk"))
    with pytest.raises(AuditInputError, match=r"vendor\.toml, line 2: not UTF-8"):
        _expected([_csv(tmp_path, [HEADER, S1])], mapping=(str(m),))
    m.write_bytes('\ufeff[columns]\n"结算号" = "setl_id"\n'.encode("utf-8"))  # Notepad's BOM is fine
    code, s, rows = _expected([_csv(tmp_path, [HEADER.replace("setl_id", "结算号", 1), S1])], mapping=(str(m),))
    assert rows[0][0] == "S1"


def test_a_code_mapped_to_no_known_code_is_refused_when_the_mapping_is_read(tmp_path):
    m = tmp_path / "vendor.yaml"
    m.write_text('codes:\n  hosp_lv:\n    "A3": tertiary\n    "A2": secundary\n', encoding="utf-8")
    path = _csv(tmp_path, [HEADER, S1])  # holds no hosp_lv at all: the typo would otherwise pass unseen
    with pytest.raises(AuditInputError, match=r"vendor\.yaml: \[codes\.hosp_lv\] maps to 'secundary', not a "
                                              r"facility code; expected one of tertiary \(三级定点医疗机构\)"):
        _expected([path], mapping=(str(m),))


def test_a_header_line_without_end_is_refused_without_reading_it_whole(tmp_path):
    p = tmp_path / "ledger.csv"
    p.write_text("setl_id," * 300_000, encoding="utf-8")  # 2.4 MB and no newline
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 1: header line longer than 1 MB"):
        _expected([p])


def test_unreadable_encoding_names_the_line(tmp_path):
    p = tmp_path / "ledger.csv"
    p.write_bytes((HEADER + "\n" + S1 + "\n").encode("utf-8") + b"S2,P1,\xff\xfe\xff,2023\n")
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 3: unreadable encoding"):
        _expected([p])
    with pytest.raises(AuditInputError, match=r"line 2: unreadable in encoding ascii"):
        _expected([p], encoding="ascii")


def test_a_byte_past_the_first_lines_that_does_not_decode_is_located_while_reading(tmp_path, monkeypatch):
    """The encoding is told from a CSV's first bytes (sources.ENCODING_PREFIX, here shrunk to the header
    and S1); a bad byte further on is found while pyarrow reads — its UTF-8 check, or the GB18030 codec
    transcoding — and named at its line, as an up-front check of the whole file named it."""
    from conform.audit import sources

    monkeypatch.setattr(sources, "ENCODING_PREFIX", len((HEADER + "\n" + S1 + "\n").encode("utf-8")) + 2)
    tail = ("\n".join([S0] * 3) + "\n").encode("gbk")
    utf8 = tmp_path / "utf8.csv"  # UTF-8 Chinese in line 2, then 某社区卫生服务中心 in GBK on lines 3-5
    utf8.write_bytes((HEADER + "\n" + S1 + "\n").encode("utf-8") + tail)
    with pytest.raises(AuditInputError, match=r"utf8\.csv, line 3: unreadable in encoding utf-8"):
        _expected([utf8])
    gbk = tmp_path / "gbk.csv"  # GBK throughout, but line 5 ends in half a character
    gbk.write_bytes((HEADER + "\n" + S1 + "\n" + S0 + "\n").encode("gbk") + b"S9,P1,1101,2023\x81\n")
    with pytest.raises(AuditInputError, match=r"gbk\.csv, line 4: unreadable in encoding gb18030"):
        _expected([gbk])
    with pytest.raises(AuditInputError, match=r"gbk\.csv, line 4: unreadable in encoding gbk"):
        _expected([gbk], encoding="gbk")
    # first bytes all ASCII say nothing: the whole file is checked, and GBK further on is read as GBK
    ascii_first = tmp_path / "ascii.csv"
    ascii_first.write_bytes((HEADER + "\n" + S1.replace("攀枝花市中心医院", "H1") + "\n" + S0 + "\n").encode("gbk"))
    code, s, rows = _expected([ascii_first])
    assert rows[0][3] == "某社区卫生服务中心" and s["rows_read"] == 2


def test_reversal_restores_and_is_negated(tmp_path):
    # S1 reversed by R1 (A-REVERSAL): R1's expected figures are S1's, negated: −165.25 after S0.
    path = _csv(tmp_path, [HEADER, S1, S0, "R1,P1,1101,2023-03-02 10:00:00,,,,-500,,,,-165.25,S1"])
    code, s, rows = _expected([path])
    assert [r[:3] for r in rows] == [("R1", -16525, -9950), ("S0", 0, 10050), ("S1", 16525, 9950)]
    assert s["reversals"] == 1 and s["discrepancies_by_field"] == {"hifp_pay": 1}  # only S1's recorded 115.00


def test_persons_csv_opening_totals(tmp_path):
    # --persons gives 150.00 of the 200.00 deductible already counted this year (ytd), so S1 counts
    # 50.00 more: (430 − 50) × 50% = 190.00 (攀枝花 第七条).
    persons = tmp_path / "persons.csv"
    persons.write_text('psn_no,psn_type,ytd\nP1,1101,"{""year"": 2023, ""ordinary_dedc"": ""150.00""}"\n',
                       encoding="utf-8")
    code, s, rows = _expected([_csv(tmp_path, [HEADER, S1])], persons_file=str(persons))
    assert [r[:3] for r in rows] == [("S1", 19000, 5000)]


def test_persons_file_errors_are_located(tmp_path):
    persons = tmp_path / "persons.jsonl"
    persons.write_text('{"psn_no": "P1", "psn_type": "1101"}\n{"psn_no": "P2", "psn_type": "9999"}\n', encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"persons\.jsonl, line 2, column psn_type: .*unknown code '9999'"):
        _expected([_csv(tmp_path, [HEADER, S1])], persons_file=str(persons))


def test_refused_input_leaves_no_working_folder(tmp_path, monkeypatch):
    """Bad input is refused before anything is written, and the audit's temporary folder goes with it
    (even for a caller that asked to keep the connection of a successful run)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("CONFORM_AUDIT_WORKDIR", str(work))
    bad = _csv(tmp_path, [HEADER, S1.replace("500.00", "500.001")])
    for keep in (False, True):
        with pytest.raises(AuditInputError, match="medfee_sumamt"):
            audit([str(bad)], "panzhihua", "panzhihua-example", write=False, keep_connection=keep)
        assert list(work.iterdir()) == []


# The platform's division codes instead of a `remote` flag (A-AUDIT-REMOTE-ADMDVS). 攀枝花 第七条 pays a
# visit outside the city at the city standard only for a filed (备案) person; for an unfiled one the text
# has no ratio and panzhihua-example supplies none (ordinary.ratio.remote_unfiled), so that row is not
# assessed. P1 at 米易县 (510421, same city 5104): in the city, 115.00 as S1 above. P2 at 成都 (510100),
# not filed: outside, unassessed. P3 at 成都, filed in --persons: the city standard, 115.00 again.
ADMDVS_HEADER = HEADER + ",insuplc_admdvs,mdtrtarea_admvs"
ADMDVS_ROWS = [S1 + ",510400,510421", S1.replace("S1,P1", "S2,P2") + ",510400,510100",
               S1.replace("S1,P1", "S3,P3") + ",510400,510100"]


def test_a_visit_outside_the_city_is_told_by_the_platforms_division_codes(tmp_path):
    persons = tmp_path / "persons.jsonl"
    persons.write_text('{"psn_no": "P3", "remote_filing": true}\n', encoding="utf-8")
    code, s, rows = _expected([_csv(tmp_path, [ADMDVS_HEADER, *ADMDVS_ROWS])], persons_file=str(persons))
    assert [r[:2] for r in rows] == [("S1", 11500), ("S2", None), ("S3", 11500)]
    assert code == 2 and s["unassessed_by_reason"][0]["status"] == "refused_parameter"
    assert s["unassessed_by_reason"][0]["example_setl_id"] == "S2"
    ids = [a["id"] for a in s["assumptions"]]
    assert "A-AUDIT-REMOTE-ADMDVS" in ids and "A-AUDIT-REMOTE-ABSENT" not in ids
    assert "A-AUDIT-EXCLUSION-ABSENT" in ids  # 攀枝花 第八条 lists exclusions; this ledger has no such column


def test_a_remote_flag_column_is_taken_as_it_stands(tmp_path):
    # With `remote` given, the place of treatment is neither read nor checked: P2's row says 0 (in the city).
    lines = [ADMDVS_HEADER + ",remote", ADMDVS_ROWS[0] + ",0", ADMDVS_ROWS[1].replace("510100", "51") + ",0"]
    code, s, rows = _expected([_csv(tmp_path, lines)])
    assert ([r[:2] for r in rows], code) == ([("S1", 11500), ("S2", 11500)], 0)
    assert not [a for a in s["assumptions"] if a["id"].startswith("A-AUDIT-REMOTE")]


def test_without_remote_or_division_codes_the_assumption_is_stated_where_the_text_needs_it(tmp_path):
    code, s, rows = _expected([_csv(tmp_path, [HEADER, S1])])
    assert "A-AUDIT-REMOTE-ABSENT" in [a["id"] for a in s["assumptions"]]
    # 浙江's text has no rule that reads `remote` or an exclusion: nothing to state.
    zj = tmp_path / "zj"
    zj.mkdir()
    _, s = audit([str(_csv(zj, [HEADER, S1]))], "zhejiang", "zhejiang-example", write=False)
    assert not [a for a in s["assumptions"] if a["id"] in ("A-AUDIT-REMOTE-ABSENT", "A-AUDIT-EXCLUSION-ABSENT")]


def test_a_division_code_that_is_not_six_digits_is_located(tmp_path):
    path = _csv(tmp_path, [ADMDVS_HEADER, ADMDVS_ROWS[0], ADMDVS_ROWS[1].replace("510100", "5101")])
    with pytest.raises(AuditInputError, match=r"line 3, column mdtrtarea_admvs: not a six-digit division code.*'5101'"):
        _expected([path])


def test_the_account_flag_assumption_is_stated_only_when_a_balance_makes_it_matter(tmp_path):
    with_balance = tmp_path / "persons.jsonl"
    with_balance.write_text('{"psn_no": "P1", "acct_balance": "100.00"}\n', encoding="utf-8")
    ids = lambda s: [a["id"] for a in s["assumptions"]]  # noqa: E731
    assert "A-AUDIT-ACCT-USED" in ids(_expected([_csv(tmp_path, [HEADER, S1])], persons_file=str(with_balance))[1])
    assert "A-AUDIT-ACCT-USED" not in ids(_expected([_csv(tmp_path, [HEADER, S1])])[1])
    flagged = _csv(tmp_path, [HEADER + ",acct_used_flag", S1 + ",1"], name="flagged.csv")
    assert "A-AUDIT-ACCT-USED" not in ids(_expected([flagged], persons_file=str(with_balance))[1])


def test_missing_self_pay_columns_are_a_stated_assumption(tmp_path):
    # Without overlmt_selfpay and preselfpay_amt, S1 is 500.00 − 50.00 = 450.00 in scope: (450 − 200) × 50% = 125.00.
    header = "setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,fulamt_ownpay_amt,hifp_pay"
    code, s, rows = _expected([_csv(tmp_path, [header, "S1,P1,1101,2023-03-01 10:00:00,11,tertiary,500.00,50,125.00"])])
    assert (rows[0][:2], code) == (("S1", 12500), 0)
    assert "A-AUDIT-OWNPAY-ABSENT" in [a["id"] for a in s["assumptions"]]
    _, s, _ = _expected([_csv(tmp_path, [HEADER, S1], name="full.csv")])
    assert "A-AUDIT-OWNPAY-ABSENT" not in [a["id"] for a in s["assumptions"]]


# A platform export holds rows this document does not govern: 城乡居民 settlements (insutype 390) and
# 生育门诊 (med_type 51, paid by the maternity fund; not a code the audit knows). --map [skip] leaves
# them out by their codes as exported; a reversal of a skipped settlement goes with it.
SKIP_HEADER = HEADER + ",insutype"
SKIP_ROWS = [S1 + ",310", S1.replace("S1,P1", "S2,P2") + ",390",
             "S3,P1,1101,2023-04-01 10:00:00,51,tertiary,,300.00,0,0,0,150.00,,310",
             "R3,P1,1101,2023-04-02 10:00:00,,,,-300.00,,,,-150.00,S3,"]


def test_rows_the_document_does_not_govern_are_left_out_by_their_codes_and_counted(tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('[skip]\ninsutype = ["390"]\nmed_type = [51]\n', encoding="utf-8")
    code, s, rows = _expected([_csv(tmp_path, [SKIP_HEADER, *SKIP_ROWS])], mapping=[str(mapping)])
    assert ([r[:2] for r in rows], code) == ([("S1", 11500)], 0)
    assert (s["rows_read"], s["rows_skipped"], s["settlements"], s["reversals"]) == (4, 3, 1, 0)
    assert s["skipped_by_code"] == [{"skip": "insutype=390", "rows": 1}, {"skip": "med_type=51", "rows": 2}]


def test_an_unknown_code_names_both_ways_out(tmp_path):
    with pytest.raises(AuditInputError, match=r"line 4, column med_type: unknown code.*\[codes\.med_type\].*\[skip\].*'51'"):
        _expected([_csv(tmp_path, [SKIP_HEADER, *SKIP_ROWS])])


@pytest.mark.parametrize("text, pattern", [
    ('[skip]\nxzlx = ["390"]\n', r"ledger\.csv, column xzlx: \[skip\] leaves out rows by xzlx, a column this file does not have"),
    ('[skip]\nmed_type = "51"\n', r"map\.toml: \[skip\] must give each column a list of codes"),
    ('[skip]\nmed_type = [true]\n', r"map\.toml: \[skip\] must give each column a list of codes"),
])
def test_a_bad_skip_section_is_named(tmp_path, text, pattern):
    mapping = tmp_path / "map.toml"
    mapping.write_text(text, encoding="utf-8")
    with pytest.raises(AuditInputError, match=pattern):
        _expected([_csv(tmp_path, [SKIP_HEADER, *SKIP_ROWS])], mapping=[str(mapping)])


def test_a_ledger_all_of_it_skipped_is_no_clean_verdict(tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('[skip]\ninsutype = ["310", "390"]\n', encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"every row is left out \(by --map \[skip\], void: vali_flag 0, or insured elsewhere: --admdvs\): nothing"):
        _expected([_csv(tmp_path, [SKIP_HEADER, *SKIP_ROWS])], mapping=[str(mapping)])


# A settlement-table export (setl_d) keeps void records, 有效标志 vali_flag 0: no settlement. Counted as
# one, V1 would use up P1's deductible (300.00 in scope ≥ 200), and S1 would read 430.00 × 50% = 215.00
# instead of (430.00 − 200) × 50% = 115.00: a discrepancy the ledger does not hold.
VOID_ROW = "V1,P1,1101,2023-02-15 10:00:00,11,tertiary,攀枝花市中心医院,300.00,0,0,0,0.00,"


@pytest.mark.parametrize("flags", [("0", "1"), (0, 1)])
def test_void_records_are_left_out_and_counted(tmp_path, flags):
    if isinstance(flags[0], int):  # a Parquet export with the flag as a number
        rows = list(csv.DictReader([HEADER + ",vali_flag", VOID_ROW + ",0", S1 + ",1"]))
        table = pa.table({k: [r[k] or None for r in rows] for k in rows[0]})
        ledger = tmp_path / "ledger.parquet"
        pq.write_table(table.set_column(table.schema.get_field_index("vali_flag"), "vali_flag",
                                        pa.array(flags, pa.int8())), ledger)
    else:
        ledger = _csv(tmp_path, [HEADER + ",vali_flag", VOID_ROW + ",0", S1 + ",1"])
    code, s, rows = _expected([ledger])
    assert ([r[:2] for r in rows], code) == ([("S1", 11500)], 0)
    assert (s["rows_read"], s["rows_skipped"], s["skipped_by_code"]) == (2, 1, [{"skip": "vali_flag=0", "rows": 1}])


@pytest.mark.parametrize("void, valid", [("0.0", "1.0"), (" 0", "1"), ("false", "true"), ("FALSE", "TRUE")])
def test_a_void_flag_is_read_as_a_number_or_a_boolean(tmp_path, void, valid):
    code, s, rows = _expected([_csv(tmp_path, [HEADER + ",vali_flag", VOID_ROW + f",{void}", S1 + f",{valid}"])])
    assert ([r[:2] for r in rows], code, s["skipped_by_code"]) == ([("S1", 11500)], 0, [{"skip": "vali_flag=0", "rows": 1}])


def test_a_void_flag_other_than_0_or_1_is_refused_and_the_column_can_be_mapped(tmp_path):
    with pytest.raises(AuditInputError, match=r"line 3, column vali_flag: not a validity flag.*: '2'"):
        _expected([_csv(tmp_path, [HEADER + ",vali_flag", VOID_ROW + ",0", S1 + ",2"])])
    renamed = _csv(tmp_path, [HEADER + ",yxbz", VOID_ROW + ",0", S1 + ",1"], name="yxbz.csv")
    code, s, rows = _expected([renamed], mapping=["yxbz=vali_flag"])
    assert ([r[:2] for r in rows], code, s["rows_skipped"]) == ([("S1", 11500)], 0, 1)


def test_admdvs_without_the_insured_place_in_any_file_is_refused(tmp_path):
    # nothing could be left out, yet the summary would say only the region's insured were audited
    with pytest.raises(AuditInputError, match=r"--admdvs 510400: no ledger file has insuplc_admdvs"):
        _expected([_csv(tmp_path, [HEADER, S1])], admdvs="510400")


def test_a_month_without_the_void_flag_and_a_mapping_of_its_own(tmp_path):
    # no vali_flag column: every row is a settlement (P2's 100.50 is under the deductible: 0.00)
    before = _csv(tmp_path, [HEADER, S0.replace("S0,P1", "S0,P2")], name="2023-01.csv")
    after = _csv(tmp_path, [HEADER + ",vali_flag", VOID_ROW + ",0", S1 + ",1"], name="2023-02.csv")
    code, s, rows = _expected([before, after])
    assert ([r[0] for r in rows], code, s["rows_skipped"]) == (["S0", "S1"], 0, 1)
    # The mapping's own [skip] of vali_flag decides instead: here V1 is kept as a settlement, expected
    # (300.00 − 200) × 50% = 50.00, and S1 430.00 × 50% = 215.00.
    mapping = tmp_path / "map.toml"
    mapping.write_text('[skip]\nvali_flag = ["9"]\n', encoding="utf-8")
    code, s, rows = _expected([after], mapping=[str(mapping)])
    assert ([r[:2] for r in rows], code, s["rows_skipped"]) == ([("S1", 21500), ("V1", 5000)], 1, 0)


# A city's platform export holds its own insured persons' settlements and those of persons insured elsewhere
# treated at its institutions (异地就医): C1 (insured in 成都 510100, treated in 攀枝花 510400) is settled by
# 成都's rules, not by 攀枝花 第七条 — the audit must not recompute it (it would read 攀枝花's 60% or the
# unfiled-remote ratio for it). S1 is 攀枝花's own: (430.00 − 200) × 50% = 115.00 as above.
ADM_ROWS = [S1 + ",510400,510400", S0.replace("S0,P1", "S0,P2") + ",510402,510400",  # P2: 100.50 < 200, 0.00
            "C1,C,1101,2023-03-01 10:00:00,11,secondary,攀枝花市某医院,1000.00,0,0,0,480.00,,510100,510400"]


def test_persons_insured_elsewhere_need_the_regions_code_and_are_then_left_out(tmp_path):
    ledger = _csv(tmp_path, [ADMDVS_HEADER, *ADM_ROWS])
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 4, column insuplc_admdvs: the ledger holds persons "
                                              r"insured in 2 cities \(insuplc_admdvs by city: 510400: 2 rows; 510100: 1 rows.*"
                                              r"--admdvs 510400"):
        _expected([ledger])
    code, s, rows = _expected([ledger], admdvs="510400")
    assert ([r[:2] for r in rows], code) == ([("S0", 0), ("S1", 11500)], 0)
    assert (s["rows_skipped"], s["skipped_by_code"], s["admdvs"]) == (1, [{"skip": "insuplc_admdvs=510100", "rows": 1}], "510400")
    with pytest.raises(AuditInputError, match=r"--admdvs '5104': expected the region's six-digit division code"):
        _expected([ledger], admdvs="5104")


def test_a_municipalitys_districts_are_one_city(tmp_path):
    # GB/T 2260: 110105 (朝阳区) is in 北京 (110000); a ledger of both codes is one insured city, and a visit
    # between them is not outside the city (under 攀枝花's rules here an unfiled remote visit would be refused
    # for want of remote_unfiled). S0: 100.50 in scope, all of it deductible, 0.00; S1: 430.00 in scope,
    # deductible left 200 − 100.50 = 99.50: (430.00 − 99.50) × 50% = 165.25. (Persons insured in 北京 audited by
    # 攀枝花's figures on purpose: --admdvs 110000, as a ledger wholly outside the document's 510400 is refused.)
    ledger = _csv(tmp_path, [ADMDVS_HEADER, S1 + ",110000,110105", S0 + ",110105,110000"])
    code, s, rows = _expected([ledger], admdvs="110000")
    # (S1's row records 115.00: a discrepancy, exit 1 — but every row assessed, none refused as remote)
    assert ([r[:2] for r in rows], code, s["unassessed"], s["rows_skipped"]) == ([("S0", 0), ("S1", 16525)], 1, 0, 0)


def test_a_ledger_insured_wholly_outside_the_documents_area_is_refused(tmp_path):
    # 攀枝花 第三条 governs 我市职工医保参保人员 (510400); persons insured in 成都 (510100), treated anywhere, are settled by
    # 成都's rules (A-REMOTE-SAME). Audited by 攀枝花's (probe s19 G), S1 was 'underpaid'. Refused, naming the first
    # row; --admdvs 510100 audits them by these figures on purpose.
    ledger = _csv(tmp_path, [ADMDVS_HEADER, S0 + ",510100,510100", S1 + ",510100,510100"])
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 2, column insuplc_admdvs: the ledger's persons are "
                                              r"insured in 510100 \(2 rows\), outside the document's area \(510400\)"
                                              r".*--admdvs 510100"):
        _expected([ledger])
    code, s, rows = _expected([ledger], admdvs="510100")
    assert ([r[:2] for r in rows], s["rows_skipped"]) == ([("S0", 0), ("S1", 16525)], 0)


@pytest.mark.parametrize("policy, code, taken", [("zhejiang", "330200", True), ("jilin", "330200", False),
                                                 ("beijing", "110105", True), ("nanchang", "360100", True),
                                                 ("nanchang", "360200", False)])
def test_a_provinces_document_takes_its_cities_and_a_citys_its_own(tmp_path, policy, code, taken):
    # 浙江 and 吉林 are provinces (330000, 220000): 宁波 330200 is 浙江's, not 吉林's; 北京 110000 a municipality (its
    # districts its own); 南昌 360100 a city (景德镇 360200 not its)
    ledger = tmp_path / "l.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay,insuplc_admdvs\n"
                      f"A1,P1,1101,2023-06-01,11,tertiary,10.00,0.00,{code}\n", encoding="utf-8")
    if taken:
        assert audit([str(ledger)], policy, f"{policy}-example", write=False)[0] in (0, 1)
    else:
        with pytest.raises(AuditInputError, match=f"insured in {code} .*outside the document's area"):
            audit([str(ledger)], policy, f"{policy}-example", write=False)


# Other funds (公务员医疗补助 cvlserv_pay 30.00, 医疗救助 maf_pay 10.00) pay part of S1, as recorded
# (A-AUDIT-OTHER-FUNDS): 统筹 115.00 as above; 基金支付总额 115 + 30 + 10 = 155.00; 个人负担
# 500 − 155 = 345.00; the account (balance 300.00) pays min(345, 300) = 300.00; cash 345 − 300 = 45.00.
FUNDS_HEADER = "setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,fulamt_ownpay_amt,preselfpay_amt," \
               "cvlserv_pay,maf_pay,hifp_pay,fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay"
FUNDS_ROW = "S1,P1,1101,2023-03-01 10:00:00,11,tertiary,500.00,50,20.00,30.00,10.00,115.00,{}"


@pytest.mark.parametrize("recorded, differing", [
    ("155.00,345.00,300.00,45.00", {}),
    # a system that leaves the other funds out of the personal part: 385.00, and 85.00 in cash
    ("155.00,385.00,300.00,85.00", {"psn_part_amt": "40.00", "psn_cash_pay": "40.00"}),
])
def test_other_funds_are_taken_as_recorded_and_lower_the_personal_part(tmp_path, recorded, differing):
    code, got, ids = _audited_with_balance(tmp_path, FUNDS_HEADER, FUNDS_ROW.format(recorded))
    assert (got, code) == (differing, 1 if differing else 0)
    assert "A-AUDIT-OTHER-FUNDS" in ids and "A-AUDIT-OTHER-FUNDS-ABSENT" not in ids


def _audited_with_balance(tmp_path: Path, header: str, row: str, balance: str = "300.00") -> tuple[int, dict[str, str], set[str]]:
    """Audit one row of P1 (opening balance 300.00 unless given) with the reports written: exit code, the
    discrepancies.csv diffs by field, and the assumption ids stated."""
    persons = tmp_path / "persons.jsonl"
    persons.write_text(f'{{"psn_no": "P1", "acct_balance": "{balance}"}}\n', encoding="utf-8")
    out = tmp_path / "out"
    code, s = audit([str(_csv(tmp_path, [header, row]))], "panzhihua", "panzhihua-example", persons_file=str(persons), out=out)
    got = {r["field"]: r["diff"] for r in csv.DictReader((out / "discrepancies.csv").read_text(encoding="utf-8").splitlines())}
    return code, got, {a["id"] for a in s["assumptions"]}


def test_without_other_fund_columns_their_absence_is_stated(tmp_path):
    header = FUNDS_HEADER.replace("cvlserv_pay,maf_pay,", "")
    row = "S1,P1,1101,2023-03-01 10:00:00,11,tertiary,500.00,50,20.00,115.00,115.00,385.00,0.00,385.00"
    code, s, rows = _expected([_csv(tmp_path, [header, row])])
    assert code == 0 and "A-AUDIT-OTHER-FUNDS-ABSENT" in [a["id"] for a in s["assumptions"]]


# The platform's own identities (its interface text): 医疗费总额 = 基金支付总额 + 个人负担总金额 + 医院负担金额,
# and 个人账户支出 includes 个人账户共济支付金额. On FUNDS_ROW the hospital bears 25.00 (hosp_part_amt) and a
# relative's account pays 15.00 (acct_mulaid_pay), both as recorded (A-AUDIT-HOSP-PART, A-AUDIT-ACCT-MULAID):
# 统筹 115.00 and 基金支付总额 155.00 as above; 个人负担 500 − 155 − 25 = 320.00; the person's own account
# (balance 300.00) pays min(320, 300) = 300.00, the relative's 15.00 after it: 个人账户支出 315.00; cash
# 320 − 315 = 5.00.
PARTS_HEADER = FUNDS_HEADER.replace("maf_pay,", "maf_pay,hosp_part_amt,acct_mulaid_pay,")
PARTS_ROW = "S1,P1,1101,2023-03-01 10:00:00,11,tertiary,500.00,50,20.00,30.00,10.00,25.00,15.00,115.00,{}"


@pytest.mark.parametrize("recorded, differing", [
    ("155.00,320.00,315.00,5.00", {}),
    # a system that leaves the hospital's part in the personal part: 345.00, and 30.00 in cash
    ("155.00,345.00,315.00,30.00", {"psn_part_amt": "25.00", "psn_cash_pay": "25.00"}),
    # one that pays 320.00 from the accounts: 305.00 own, more than the opening 300.00 — possible if the month's
    # credit came in before the visit, which the ledger does not say: taken as recorded (A-AUDIT-ACCT-CREDITS),
    # and the cash 320 − 320 = 0.00 agrees (with 1000.00 in the account 305.00 own is exact: below)
    ("155.00,320.00,320.00,0.00", {}),
    # but no credit makes the accounts pay more than 个人负担: 330.00 recorded (cash −10.00) is at most 320.00
    ("155.00,320.00,330.00,-10.00", {"acct_pay": "10.00", "psn_cash_pay": "-10.00"}),
])
def test_hospital_part_and_a_relatives_account_are_taken_as_recorded(tmp_path, recorded, differing):
    code, got, ids = _audited_with_balance(tmp_path, PARTS_HEADER, PARTS_ROW.format(recorded))
    assert (got, code) == (differing, 1 if differing else 0)
    assert {"A-AUDIT-HOSP-PART", "A-AUDIT-ACCT-MULAID"} <= ids
    assert not {"A-AUDIT-HOSP-PART-ABSENT", "A-AUDIT-ACCT-MULAID-ABSENT"} & ids


@pytest.mark.parametrize("recorded, differing", [
    ("155.00,320.00,320.00,0.00", {}),
    # a system whose own account pays the whole 个人负担 although the relative paid 15.00 of it: 335 in all
    ("155.00,320.00,335.00,-15.00", {"acct_pay": "15.00", "psn_cash_pay": "-15.00"}),
])
def test_a_relatives_payment_leaves_the_own_account_the_rest_of_the_personal_part(tmp_path, recorded, differing):
    # The same visit with 1000.00 in the account: 个人负担 320.00, of which the relative's account paid 15.00
    # (as recorded), so the person's own account pays the other 320 − 15 = 305.00 (it holds enough): 个人账户
    # 支出 305 + 15 = 320.00 and no cash — not 320 + 15 = 335.00 and −15.00 in cash.
    code, got, _ = _audited_with_balance(tmp_path, PARTS_HEADER, PARTS_ROW.format(recorded), balance="1000.00")
    assert (got, code) == (differing, 1 if differing else 0)


def test_without_hospital_part_or_mutual_aid_columns_their_absence_is_stated_where_it_matters(tmp_path):
    persons = tmp_path / "persons.jsonl"
    persons.write_text('{"psn_no": "P1", "acct_balance": "300.00"}\n', encoding="utf-8")
    path = _csv(tmp_path, [FUNDS_HEADER, FUNDS_ROW.format("155.00,345.00,300.00,45.00")])
    ids = lambda s: {a["id"] for a in s["assumptions"]}  # noqa: E731
    code, s, _ = _expected([path], persons_file=str(persons))
    assert code == 0 and {"A-AUDIT-HOSP-PART-ABSENT", "A-AUDIT-ACCT-MULAID-ABSENT"} <= ids(s)
    # without balances the account payment is taken as recorded: mutual aid changes nothing to say
    assert "A-AUDIT-ACCT-MULAID-ABSENT" not in ids(_expected([path])[1])
    # only hifp_pay audited: neither the personal part nor the account is, so neither is stated
    only = _csv(tmp_path, [HEADER, S1], name="only.csv")
    assert not {"A-AUDIT-HOSP-PART-ABSENT", "A-AUDIT-ACCT-MULAID-ABSENT"} & ids(_expected([only], persons_file=str(persons))[1])


def test_a_negative_hospital_part_in_a_settlement_is_located(tmp_path):
    row = PARTS_ROW.replace(",25.00,15.00,", ",-25.00,15.00,").format("155.00,320.00,315.00,5.00")
    with pytest.raises(AuditInputError, match=r"line 2, column hosp_part_amt: negative amount in a settlement"):
        _expected([_csv(tmp_path, [PARTS_HEADER, row])])


def test_an_amount_too_large_for_any_settlement_is_refused_where_it_is(tmp_path):
    """More than 14 significant digits before the point (an id mapped onto an amount): refused at its line
    and column like any bad amount, not as DuckDB's overflow with no place named — text, DECIMAL and
    integer alike, compared exactly; leading zeros are padding, and every figure under the limit is read."""
    big = _csv(tmp_path, [HEADER, S1.replace("115.00", "123456789012345678901")])
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 2, column hifp_pay: too large"):
        _expected([big])
    padded = _csv(tmp_path, [HEADER, S1.replace("500.00", "0000000000000500.00")], name="padded.csv")
    assert _expected([padded])[0] == 0  # a fixed-width export's 500.00: S1 as worked above
    assert _expected([_csv(tmp_path, [HEADER, S1.replace("500.00", "99999999999999.99")], name="ok.csv")])[0] == 1

    def parquet(typ, value):
        p = tmp_path / "big.parquet"
        pq.write_table(pa.table({"setl_id": ["S1"], "psn_no": ["P1"], "psn_type": ["1101"], "setl_date": [dt.date(2023, 3, 1)],
                                 "med_type": ["11"], "facility": ["tertiary"], "medfee_sumamt": pa.array([value], typ),
                                 "hifp_pay": pa.array([Decimal("0.00")], pa.decimal128(18, 2))}), p)
        return p

    for typ, value in ((pa.decimal128(38, 2), Decimal("500000000000000000.00")),
                       (pa.decimal128(18, 2), Decimal("100000000000000.00")), (pa.int64(), 10 ** 17),
                       (pa.int64(), -2 ** 63)):
        with pytest.raises(AuditInputError, match=r"big\.parquet, row 1, column medfee_sumamt: too large"):
            _expected([parquet(typ, value)])
    # under the limit in the column's own type, never an overflow on the way to fen (DECIMAL(18,4) * 100
    # overflowed from 9.2e12 yuan): read, and the figure differs from the 0.00 recorded
    for typ, value in ((pa.decimal128(18, 2), Decimal("99999999999999.99")),
                       (pa.decimal128(18, 4), Decimal("9999999999999.9900"))):
        assert _expected([parquet(typ, value)])[0] == 1


def test_cells_padded_with_spaces_read_as_their_figures(tmp_path):
    """A fixed-width export pads its cells with spaces: they are read as the figures and codes inside
    (S1 as worked in test_utf8_csv_one_settlement: hifp_pay 115.00, deductible 200.00). Only spaces are
    padding: a tab inside an amount is refused, and a recorded figure of spaces alone is blank."""
    padded = S1.replace("S1,P1,1101", "  S1 , P1,1101 ").replace("500.00,50,", "  500.00 , 50 ,").replace("115.00,", " 115.00,")
    code, s, rows = _expected([_csv(tmp_path, [HEADER, padded])])
    assert rows == [("S1", 11500, 20000, "攀枝花市中心医院")]
    assert code == 0
    with pytest.raises(AuditInputError, match=r"line 2, column medfee_sumamt: not an amount in yuan"):
        _expected([_csv(tmp_path, [HEADER, S1.replace("500.00", "\t500.00")], name="tab.csv")])
    with pytest.raises(AuditInputError, match=r"line 2, column hifp_pay: blank"):
        _expected([_csv(tmp_path, [HEADER, S1.replace("115.00", "   ")], name="blank.csv")])
    with pytest.raises(AuditInputError, match=r"line 2, column medfee_sumamt: not an amount in yuan"):
        _expected([_csv(tmp_path, [HEADER, S1.replace("500.00", "5 00.00")], name="inner.csv")])


def test_an_excel_day_number_in_a_vendors_date_column_says_so(tmp_path):
    """A vendor's 结算日期 column renamed by --map, holding Excel's day number 44986 (2023-03-01 unformatted):
    the message says why it is no date and what to do, as for a column named setl_date."""
    path = _csv(tmp_path, [HEADER.replace("setl_time", "jsrq"), S1.replace("2023-03-01 10:00:00", "44986")])
    with pytest.raises(AuditInputError, match=r"line 2, column jsrq \(setl_date\): not a date: an Excel date number"):
        audit([str(path)], "panzhihua", "panzhihua-example", mapping=("jsrq=setl_date",), write=False)
