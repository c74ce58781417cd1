"""Codes and IDs longer than any real one (conform/audit/ledger.py `canonical_select`, institutions.py): a
1 MB dise_codg was accepted and reached summary.json whole. A value longer than 200 characters (the case
files' cap) is refused where it is read, naming line and column and quoting only its start; the check
counts characters, so a Chinese code (three bytes a character) within the limit is read. Names
(fixmedins_name) are not bounded here."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from test_sources_input import _audit, _rows, _write_csv


def _with(column: str, values: dict[int, str]) -> list[list[str]]:
    """The worked example with `column` added: `values` by body row (0-based), others a short value."""
    rows = _rows()
    rows[0] = rows[0] + [column]
    for i, r in enumerate(rows[1:]):
        r.append(values.get(i, "J45"))
    return rows


def test_a_megabyte_code_in_a_csv_is_refused_at_its_line_and_column(tmp_path):
    path = _write_csv(tmp_path / "ledger.csv", _with("dise_codg", {2: "J" * (1 << 20)}))
    with pytest.raises(AuditInputError) as e:
        _audit([path])
    assert (e.value.row, e.value.column) == (4, "dise_codg")
    assert "longer than 200 characters" in str(e.value) and len(str(e.value)) < 500


def test_a_long_id_in_parquet_is_refused(tmp_path):
    rows = _rows()
    rows[2][rows[0].index("psn_no")] = "P" * 201
    path = tmp_path / "ledger.parquet"
    pq.write_table(pa.table({h: [r[i] for r in rows[1:]] for i, h in enumerate(rows[0])}), path)
    with pytest.raises(AuditInputError) as e:
        _audit([path])
    assert (e.value.row, e.value.column) == (2, "psn_no") and "longer than 200 characters" in str(e.value)


def test_a_code_of_200_chinese_characters_is_read_and_of_201_refused(tmp_path):
    code = "慢性阻塞" * 50  # 200 characters, 600 bytes in UTF-8: the limit counts characters
    ok = _write_csv(tmp_path / "ok.csv", _with("dise_codg", {0: code}))
    assert _audit([ok])[1]["rows_read"] == 5
    long = _write_csv(tmp_path / "long.csv", _with("dise_codg", {0: code + "病"}))
    with pytest.raises(AuditInputError, match=r"line 2, column dise_codg: longer than 200 characters"):
        _audit([long])


def test_a_long_code_in_the_institutions_table_is_refused_there(tmp_path):
    rows = _rows()
    level = rows[0].index("facility")
    ledger = _write_csv(tmp_path / "ledger.csv", [[c for i, c in enumerate(r) if i != level] for r in rows])
    table = tmp_path / "inst.csv"
    table.write_text("fixmedins_code,fixmedins_name,facility\nH510400001,某医院,tertiary\n"
                     f"H510400002,某医院,secondary\n{'H' * (1 << 20)},某医院,secondary\n", encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        audit([str(ledger)], "panzhihua", "panzhihua-example", write=False, institutions_file=str(table))
    assert (e.value.file, e.value.row, e.value.column) == (str(table), 4, "fixmedins_code")
    assert "longer than 200 characters" in str(e.value) and len(str(e.value)) < 500
