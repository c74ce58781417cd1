"""A Unicode space in an amount, ratio, date or ID cell next to an ASCII space (probe s24 U, finding 2).

An amount cell ' 2000.00\\u3000' (an ASCII space before, a Chinese input method's ideographic space after) was refused
quoting '2000.00': the quoted value went through DuckDB's TRIM(), which strips U+3000 and U+00A0 too, so the message
named no visible fault. The same TRIM read a date ' 2023-06-01\\u3000' as 2023-06-01 while '2023-06-01 \\u3000' was
refused, and a Parquet ID ' C\\u3000' as C. Now only ASCII spaces around a cell are read (docs/audit.md §1): the
Unicode space is refused, quoting the cell as written (escaped) and naming the character as the ID check does.

The ledger is docs/audit.md's worked example (5 settlements, 15 discrepancies by hand; test_sources_input).
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conform.audit.run import audit
from conform.harness.cli import main
from test_sources_input import BY_FIELD, _rows, _write

IDEO = "U+3000 (ideographic space, not the ASCII space)"
NBSP = "U+00A0 (no-break space, not the ASCII space)"


def _cli(tmp_path, path) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["audit", str(path), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(tmp_path / "report")])
    assert "Traceback" not in r.output and "internal error" not in r.output, r.output
    return r.exit_code, " ".join(r.output.split())  # the message may be wrapped


def _with(column: str, value: str, setl_id: str = "C1") -> list[list[str]]:
    rows = _rows()
    row = next(r for r in rows if r[0] == setl_id)
    row[rows[0].index(column)] = value
    return rows


# C1 is the file's fifth line (a CSV's or JSON lines' header first; the xlsx has a title row above the header: row 6)
@pytest.mark.parametrize("suffix, where", [(".csv", "line 5"), (".jsonl", "line 4"), (".xlsx", "row 6")])
@pytest.mark.parametrize("cell, char", [(" 2000.00\u3000", IDEO), (" 2000.00\u00a0", NBSP), ("\u30002000.00 ", IDEO)])
def test_an_amount_with_a_unicode_space_is_quoted_as_written_and_the_character_named(tmp_path, suffix, where, cell,
                                                                                     char):
    path = _write(tmp_path / f"amt{suffix}", _with("medfee_sumamt", cell))
    code, out = _cli(tmp_path, path)
    assert code == 2, out
    assert f"amt{suffix}, {where}, column medfee_sumamt: not an amount in yuan: {cell!r} has {char} in it" in out, out
    assert "'2000.00'" not in out  # the trimmed value, which names no fault


def test_a_ratio_with_a_unicode_space_is_quoted_as_written(tmp_path):
    code, out = _cli(tmp_path, _write(tmp_path / "r.csv", _with("pool_prop_selfpay", " 0.5000\u00a0")))
    assert code == 2
    assert f"line 5, column pool_prop_selfpay: not a ratio: ' 0.5000\\xa0' has {NBSP} in it" in out, out


def test_ascii_spaces_around_an_amount_and_a_date_are_still_read(tmp_path):
    rows = _with("medfee_sumamt", " 2000.00 ")
    rows[4][rows[0].index("setl_date")] = " 2023-06-01 "
    code, s = audit([str(_write(tmp_path / "ok.csv", rows))], "panzhihua", "panzhihua-example", write=False)
    assert code == 1 and s["discrepancies_by_field"] == BY_FIELD


@pytest.mark.parametrize("cell", [" 2023-06-01\u3000", "2023-06-01 \u3000", "\u30002023-06-01", " 2023-06-01\u00a0"])
def test_a_date_with_a_unicode_space_is_refused_whatever_ascii_space_is_beside_it(tmp_path, cell):
    """' 2023-06-01\\u3000' was read as 2023-06-01 (TRIM took both spaces off); '2023-06-01 \\u3000' was refused."""
    code, out = _cli(tmp_path, _write(tmp_path / "d.csv", _with("setl_date", cell)))
    assert code == 2, out
    char = NBSP if "\u00a0" in cell else IDEO
    assert f"d.csv, line 5, column setl_date: not a date: {cell!r} has {char} in it" in out, out


def test_a_parquet_id_with_a_unicode_space_beside_an_ascii_one_is_refused(tmp_path):
    """A Parquet text psn_no ' C\\u3000' was read as C (the outer TRIM of sources.parquet_id_text took the U+3000
    off): docs/audit.md refuses an ID that holds a Unicode space once the ASCII spaces and tabs are taken off."""
    path = _write(tmp_path / "id.parquet", _with("psn_no", " C\u3000"))
    code, out = _cli(tmp_path, path)
    assert code == 2, out
    assert f"id.parquet, row 4, column psn_no: an ID or code with {IDEO} in it" in out, out
