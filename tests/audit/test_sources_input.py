"""Ledger files as exported in practice (conform/audit/sources.py): upper-case headers, empty months, damaged
files, blank JSON lines, and records spanning lines; every refusal names the file (and line) and
exits 2 without a traceback or SQL text.

The ledger is docs/audit.md's worked example (攀枝花 第七条): 5 settlements, 15 discrepancies by hand
(V2: act_pay_dedc, hifp_pay, fund_pay_sumamt, psn_part_amt, psn_cash_pay; W1: those and
pool_prop_selfpay; C2: hifp_pay, fund_pay_sumamt, psn_part_amt, psn_cash_pay).
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
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

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"
EXAMPLE = re.search(r"```csv\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)
BY_FIELD = {"inscp_scp_amt": 0, "act_pay_dedc": 2, "hifp_pay": 3, "pool_prop_selfpay": 1, "fund_pay_sumamt": 3,
            "psn_part_amt": 3, "acct_pay": 0, "psn_cash_pay": 3}


def _rows(upper: bool = False, pad: bool = False) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(EXAMPLE)))
    if upper:
        rows[0] = [h.upper() for h in rows[0]]
    if pad:
        rows[0] = [f" {h} " for h in rows[0]]
    return rows


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return path


def _write(path: Path, rows: list[list[str]]) -> Path:
    """The rows in the format of path's suffix (CSV, Parquet as text, xlsx, JSON lines)."""
    header, body = rows[0], rows[1:]
    if path.suffix == ".csv":
        return _write_csv(path, rows)
    if path.suffix == ".parquet":
        pq.write_table(pa.table({h: [r[i] for r in body] for i, h in enumerate(header)}), path)
    elif path.suffix == ".xlsx":
        wb = Workbook()
        ws = wb.active
        ws.append(["某市医保结算清单"])  # a title above the header: found by the header's names, case aside
        for r in rows:
            ws.append(r)
        wb.save(path)
    else:
        path.write_text("".join(json.dumps(dict(zip(header, r)), ensure_ascii=False) + "\n" for r in body),
                        encoding="utf-8")
    return path


def _audit(paths, mapping=()) -> tuple[int, dict]:
    return audit([str(p) for p in paths], "panzhihua", "panzhihua-example", mapping=mapping, write=False)


def _cli(*paths) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["audit", *map(str, paths), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(Path(paths[0]).parent / "report")])
    return r.exit_code, r.output


# --------------------------------------------------------------------------- 1. header names, case aside


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx", ".jsonl"])
def test_upper_case_headers_are_read_as_the_platform_names(tmp_path, suffix):
    """An Oracle export names its columns SETL_ID, …, HIFP_PAY: every recorded figure is audited, and the
    discrepancies are those of the lower-case example."""
    code, s = _audit([_write(tmp_path / f"oracle{suffix}", _rows(upper=True, pad=suffix != ".csv"))])
    assert code == 1
    assert s["fields_audited"] == list(BY_FIELD)
    assert s["discrepancies_by_field"] == BY_FIELD


def test_a_map_source_matches_case_aside(tmp_path):
    rows = _rows()
    rows[0][rows[0].index("hifp_pay")] = "tcjjzf"
    path = _write_csv(tmp_path / "vendor.csv", rows)
    code, s = _audit([path], mapping=("TCJJZF=hifp_pay",))
    assert "hifp_pay" in s["fields_audited"] and s["discrepancies_by_field"]["hifp_pay"] == 3


def test_an_exact_name_is_not_renamed(tmp_path):
    """HIFP_PAY is a --map source by its exact name: it is read as fund_pay_sumamt, not folded to hifp_pay."""
    rows = _rows()
    drop = rows[0].index("hifp_pay")
    rows = [r[:drop] + r[drop + 1:] for r in rows]
    rows[0][rows[0].index("fund_pay_sumamt")] = "HIFP_PAY"
    code, s = _audit([_write_csv(tmp_path / "l.csv", rows)], mapping=("HIFP_PAY=fund_pay_sumamt",))
    assert s["discrepancies_by_field"] == {f: n for f, n in BY_FIELD.items() if f != "hifp_pay"}


@pytest.mark.parametrize("suffix, where", [(".csv", r"two\.csv, line 1"), (".xlsx", r"two\.xlsx, row 2"),
                                           (".jsonl", r"two\.jsonl, line 1"), (".parquet", r"two\.parquet")])
def test_two_headers_folding_to_one_column_are_refused(tmp_path, suffix, where):
    rows = _rows()
    rows[0].append("SETL_ID")
    for r in rows[1:]:
        r.append("X" + r[0])
    with pytest.raises(AuditInputError, match=where + r": columns 'setl_id' and 'SETL_ID' differ only in case or "
                                                      r"spaces, and both would be read as setl_id"):
        _audit([_write(tmp_path / f"two{suffix}", rows)])


def test_a_json_key_clashing_in_case_with_an_earlier_lines_key_is_refused_at_its_own_line(tmp_path):
    """Lines may leave out null fields, so a JSON-lines file's columns are the keys of all lines: the line to
    fix is the one where the second spelling first appears (line 3), not the file's first."""
    lines = ['{"SETL_ID": "S1", "psn_no": "A"}', '{"SETL_ID": "S2", "psn_no": "A"}', '{"setl_id": "S3", "psn_no": "A"}']
    path = tmp_path / "clash.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"clash\.jsonl, line 3: columns 'SETL_ID' and 'setl_id' differ only in case"):
        _audit([path])


def test_a_header_matching_two_names_case_aside_is_refused(tmp_path):
    rows = _rows()
    rows[0][rows[0].index("hifp_pay")] = "Hifp_Pay"
    with pytest.raises(AuditInputError, match=r"l\.csv, line 1: column 'Hifp_Pay' matches 'HIFP_PAY' and 'hifp_pay' "
                                              r"only when case is ignored"):
        _audit([_write_csv(tmp_path / "l.csv", rows)], mapping=("HIFP_PAY=fund_pay_sumamt",))


def test_a_header_given_twice_in_a_sheet_is_refused(tmp_path):
    rows = _rows()
    rows[0][rows[0].index("psn_cash_pay")] = "acct_pay"
    with pytest.raises(AuditInputError, match=r"l\.xlsx, row 2: header names a column twice: acct_pay"):
        _audit([_write(tmp_path / "l.xlsx", rows)])


# --------------------------------------------------------------------------- 3. empty months


def test_a_zero_byte_month_in_a_folder_or_glob_is_no_rows(tmp_path):
    rows = _rows()
    folder = tmp_path / "2023"
    folder.mkdir()
    _write_csv(folder / "2023-03.csv", [rows[0], *rows[1:3]])
    _write_csv(folder / "2023-06.csv", [rows[0], *rows[3:]])
    (folder / "2023-04.csv").write_bytes(b"")
    (folder / "2023-05.jsonl").write_bytes(b"")
    for spec in (folder, f"{folder}/2023-0*"):
        code, s = _audit([spec])
        assert (s["rows_read"], s["discrepancies_by_field"]) == (5, BY_FIELD)
        assert [Path(f).name for f in s["ledger"]] == ["2023-03.csv", "2023-06.csv"]


def test_every_file_empty_is_still_refused(tmp_path):
    (tmp_path / "2023-01.csv").write_bytes(b"")
    (tmp_path / "2023-02.csv").write_bytes(b"")
    with pytest.raises(AuditInputError, match=r"every file is empty \(0 bytes\): nothing to read"):
        _audit([tmp_path])
    # an empty month beside a header-only month: no rows at all, refused by the ledger as before
    _write_csv(tmp_path / "2023-02.csv", _rows()[:1])
    with pytest.raises(AuditInputError, match=r"2023-02\.csv: the ledger holds no rows \(a header only\)"):
        _audit([tmp_path])


@pytest.mark.parametrize("suffix, kind", [(".parquet", "Parquet"), (".xlsx", "xlsx")])
def test_a_zero_byte_parquet_or_xlsx_is_a_damaged_file(tmp_path, suffix, kind):
    _write(tmp_path / f"2023-01{suffix}", _rows())
    (tmp_path / f"2023-02{suffix}").write_bytes(b"")
    code, out = _cli(tmp_path / f"2023-01{suffix}", tmp_path / f"2023-02{suffix}")
    assert code == 2
    assert f"2023-02{suffix}: cannot read as {kind}: the file is empty (0 bytes)" in out


# --------------------------------------------------------------------------- 4. damaged files


def _assert_clean_refusal(code: int, out: str, prefix: str) -> None:
    assert code == 2, out
    assert prefix in out, out
    for leak in ("LINE 1", "SELECT", "VIEW", "_src", "Traceback", "internal error"):
        assert leak not in out, out


def test_a_truncated_parquet_names_the_file_without_sql(tmp_path):
    whole = _write(tmp_path / "whole.parquet", _rows()).read_bytes()
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(whole[: len(whole) // 2])
    code, out = _cli(cut)
    _assert_clean_refusal(code, out, "cut.parquet: cannot read as Parquet: ")


def test_a_damaged_xlsx_is_refused_with_its_name(tmp_path):
    whole = _write(tmp_path / "whole.xlsx", _rows())
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[:1000])
    code, out = _cli(cut)
    _assert_clean_refusal(code, out, "cut.xlsx: cannot read as xlsx (a damaged workbook, or not an xlsx file): ")
    # the zip is whole but the sheet's XML is cut short: openpyxl fails while the rows are read
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(whole) as zin, zipfile.ZipFile(broken, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, data[: len(data) // 2] if item.filename.startswith("xl/worksheets/") else data)
    code, out = _cli(broken)
    _assert_clean_refusal(code, out, "broken.xlsx: cannot read as xlsx (a damaged workbook, or not an xlsx file): ")


def test_invalid_json_lines_are_located(tmp_path):
    path = _write(tmp_path / "l.jsonl", _rows())
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace('"psn_no":', "psn_no:")
    path.write_text("".join(lines), encoding="utf-8")
    code, out = _cli(path)
    _assert_clean_refusal(code, out, "l.jsonl, line 4: malformed JSON: Expecting property name")


# --------------------------------------------------------------------------- 5. blank JSON lines


@pytest.mark.parametrize("text, message", [
    ("\n  \n\n", r"blank\.jsonl: no records: every line is blank"),
    ("\n{}\n", r"blank\.jsonl, line 2: no record has any field \(\{\} on every line\)"),
])
def test_a_blank_json_lines_file_says_it_holds_no_records(tmp_path, text, message):
    path = tmp_path / "blank.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AuditInputError, match=message) as e:
        _audit([path])
    assert "missing column" not in str(e.value)


# --------------------------------------------------------------------------- 6. records spanning lines


def _spanning(tmp_path: Path) -> Path:
    """A title and a blank line above the header, a name with a line break in quotes (V1), a blank line
    (after V2): record W1 (the fast parse's number 6) is on line 8, C2 (8) on line 10."""
    rows = _rows()
    rows[1][rows[0].index("fixmedins_code")] = "H5104\n00001"
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerows([["某市医保结算清单"], [], *rows[:3]])
    text.write("\n")
    w.writerows(rows[3:])
    path = tmp_path / "spanning.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    assert path.read_text(encoding="utf-8").splitlines()[7].startswith("W1,") \
        and path.read_text(encoding="utf-8").splitlines()[9].startswith("C2,")
    return path


def test_line_of_finds_the_line_a_record_starts_on(tmp_path):
    path = _spanning(tmp_path)
    wanted = frozenset(_rows()[0])
    assert [sources.line_of(path, r, None, wanted) for r in (4, 5, 6, 7, 8)] == [4, 6, 8, 9, 10]
    assert sources.line_of(path, 3, None, wanted) == 3  # the header: lines above it are lines
    assert sources.line_of(path.with_suffix(".jsonl"), 7) == 7  # JSON lines and sheets number by line/row already


def test_a_row_with_too_few_fields_is_named_by_its_line(tmp_path):
    path = _spanning(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[9] = "C2,C,1101\n"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"spanning\.csv, line 10: 3 fields where the header has 19"):
        _audit([path])


def test_a_bad_value_and_a_duplicate_are_named_by_their_own_line(tmp_path):
    # the line break in V1's quoted code and the blank line after V2 put W1 on line 8 and C2 on line 10
    path = _spanning(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("W1,B,1201,2023-05-06,11,secondary,H510400002,400.00",
                                 "W1,B,1201,2023-05-06,11,secondary,H510400002,4OO.00"), encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"spanning\.csv, line 8, column medfee_sumamt: not an amount"):
        _audit([path])
    path.write_text(text.replace("C2,C,", "W1,C,"), encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"spanning\.csv, line 10, column setl_id: duplicate setl_id 'W1' "
                                              r"\(first at .*spanning\.csv line 8\)"):
        _audit([path])
