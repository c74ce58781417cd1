"""A Parquet file of a folder (monthly exports) with a damaged data page under an intact footer: it passes the footer's
check, and the engine's message when all are read in one statement names no file ("TProtocolException: Invalid
data", "don't know what type: \\x0e"). The refusal names the file, the row group and the column."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

COLUMNS = ("setl_id", "psn_no", "psn_type", "setl_time", "med_type", "facility", "fixmedins_code", "medfee_sumamt",
           "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "hifp_pay", "init_setl_id")


def _month(folder: Path, month: int) -> Path:
    rows = [(f"S{month}{i:03d}", f"P{i % 9}", "1101", f"2023-{month:02d}-{1 + i % 27:02d} 10:00:00", "11", "tertiary",
             "H1", "500.00", "50", "0", "20.00", "115.00", None) for i in range(60)]
    path = folder / f"2023-{month:02d}.parquet"
    pq.write_table(pa.table({c: [r[k] for r in rows] for k, c in enumerate(COLUMNS)}), path)
    return path


def _damage(path: Path) -> None:
    """Bytes overwritten in the first data page's header (the footer, at the end, intact)."""
    data = bytearray(path.read_bytes())
    data[4:44] = bytes((k * 37 + 11) % 256 for k in range(40))
    path.write_bytes(bytes(data))
    pq.read_schema(path)  # the footer still reads


def test_the_damaged_file_of_a_folder_is_named(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for m in (1, 2, 3):
        _month(folder, m)
    _damage(folder / "2023-02.parquet")
    with pytest.raises(AuditInputError) as e:
        audit([str(folder)], "panzhihua", "panzhihua-example", write=False)
    assert e.value.file == str(folder / "2023-02.parquet")
    assert "cannot read as Parquet (row group 1 of 1, column setl_id)" in str(e.value)
    assert "export it again" in str(e.value)


def test_a_damage_only_duckdb_sees_is_named_by_column(tmp_path, monkeypatch):
    """Where pyarrow decodes the page (its decoders differ from DuckDB's), DuckDB reads each column of each file."""
    folder = tmp_path / "exports"
    folder.mkdir()
    for m in (1, 2):
        _month(folder, m)
    _damage(folder / "2023-02.parquet")
    monkeypatch.setattr(pq.ParquetFile, "read_row_group", lambda self, *a, **k: None)
    with pytest.raises(AuditInputError) as e:
        audit([str(folder)], "panzhihua", "panzhihua-example", write=False)
    assert e.value.file == str(folder / "2023-02.parquet")
    assert "cannot read as Parquet (column setl_id)" in str(e.value)
