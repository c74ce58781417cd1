"""The persons file (--persons) as JSON lines: numbers read exactly, bad lines located."""
from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from audit import persons
from audit.errors import AuditInputError


def test_numbers_with_a_fraction_are_read_as_decimals_not_binary_floats(tmp_path):
    """0.1 + 0.2 is not 0.3 in binary floating point: a balance of 179.13 written as a JSON number
    must reach the audit as 17913 fen, nested (ytd) as well as at the top, and a whole number stays whole."""
    f = tmp_path / "p.jsonl"
    f.write_text('{"psn_no": "P1", "psn_type": "1101", "acct_balance": 179.13}\n'
                 '{"psn_no": "P2", "psn_type": "1101", "ytd": {"year": 2024, "ordinary_dedc": 0.3}}\n'
                 '{"psn_no": "P3", "psn_type": "1101", "acct_balance": 12}\n', encoding="utf-8")
    recs = dict(persons._records(f))
    assert recs[1]["acct_balance"] == Decimal("179.13") and type(recs[1]["acct_balance"]) is Decimal
    assert recs[2]["ytd"]["ordinary_dedc"] == Decimal("0.3") and type(recs[2]["ytd"]["ordinary_dedc"]) is Decimal
    assert recs[3]["acct_balance"] == 12
    con = duckdb.connect()
    try:
        persons.load(con, str(f))
        got = dict(con.execute("SELECT psn_no, COALESCE(acct_balance, ytd_dedc) FROM persons").fetchall())
    finally:
        con.close()
    assert got == {"P1": 17913, "P2": 30, "P3": 1200}


def test_a_huge_integer_is_kept_whole(tmp_path):
    """Beyond 64 bits the fast reader gives up; the exact one keeps the number as it is."""
    f = tmp_path / "p.jsonl"
    f.write_text('{"psn_no": "P1", "n": 123456789012345678901234567890}\n', encoding="utf-8")
    assert persons._records(f) == [(1, {"psn_no": "P1", "n": 123456789012345678901234567890})]


@pytest.mark.parametrize("line", ['{"psn_no": "P2",, }', '{"psn_no": NaN}x', '{"psn_no": "P2"'])
def test_a_malformed_line_is_named_by_its_number(tmp_path, line):
    f = tmp_path / "p.jsonl"
    f.write_text('{"psn_no": "P1", "psn_type": "1101"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"p\.jsonl, line 3: malformed JSON"):
        persons._records(f)


def test_persons_lines_are_read_like_a_case_nan_refused(tmp_path):
    """The persons file goes through the same JSON reader as a case (reference.loading.load_json):
    NaN is not an amount, so a line holding one is refused, with its line."""
    f = tmp_path / "p.jsonl"
    f.write_text('{"psn_no": "P1", "psn_type": "1101"}\n{"psn_no": "P2", "acct_balance": NaN}\n', encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"p\.jsonl, line 2: .*NaN is not a JSON number"):
        persons._records(f)


def test_a_malformed_json_cell_in_a_persons_csv_is_located(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text('psn_no,psn_type,ytd\nP1,1101,"{""year"": 2023,}"\n', encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"p\.csv, line 2, column ytd: in cell: malformed JSON"):
        persons._records(f)
