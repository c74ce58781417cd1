"""A long field in the first lines of a CSV (conform/audit/sources.py `_csv_layout` reads up to 20 lines to find
the header): docs/audit.md §1 takes records up to 4 MB, so a long name there is read as it is further
down; only a record over the limit is refused, exit 2, naming the file and line (never exit 3).

The ledger is docs/audit.md's worked example (see test_sources_input.py); the institutions table is
test_institutions.py's (S1 at 攀枝花市中心医院, 三级: 165.25 by hand).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from conform.audit.errors import AuditInputError
from test_institutions import S0, S1, _ledger, _run, _write
from test_sources_input import BY_FIELD, _audit, _rows


def _named(tmp_path: Path, row: int, name: str) -> Path:
    """The example with a fixmedins_name column, `name` on record `row` (1: the line below the header)."""
    rows = _rows()
    rows = [rows[0] + ["fixmedins_name"]] + [r + [name if i == row else "某医院"] for i, r in enumerate(rows[1:], 1)]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    path = tmp_path / "named.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize("size", [140_000, 2_000_000])
def test_a_long_name_on_the_line_below_the_header_is_read(tmp_path, size):
    """140,000 characters: past the csv module's default field limit (131,072), which refused it as an
    internal error; 2 MB: past the 1 MB a header line may have, refused as 'line longer than 1 MB'."""
    code, s = _audit([_named(tmp_path, 1, "N" * size)])
    assert code == 1 and s["discrepancies_by_field"] == BY_FIELD


def test_a_record_over_the_limit_near_the_top_is_refused_at_its_line(tmp_path):
    """9 MB on line 3: the reader's own refusal, with the line, not the header scan's."""
    with pytest.raises(AuditInputError, match=r"named\.csv, line 3: a record longer than 4 MB starts here"):
        _audit([_named(tmp_path, 2, "N" * (9 << 20))])


def test_a_long_name_in_the_institutions_table_is_read(tmp_path):
    table = _write(tmp_path / "inst.csv", ["fixmedins_code,facility,fixmedins_name",
                                           f"H-CENTRAL,tertiary,{'x' * 200_000}",
                                           "H-COMMUNITY,primary,某社区卫生服务中心"])
    code, got, _ = _run(tmp_path, _ledger(tmp_path, S0, S1), table)
    assert code == 0 and got["hifp_pay"] == {"S0": 0, "S1": 16525}

