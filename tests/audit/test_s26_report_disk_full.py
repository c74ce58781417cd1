"""A full disk while DuckDB writes the report's files (discrepancies.csv / .parquet go through DuckDB's COPY) is said
as the output folder's, as when Python's own writing of the report fails — not as DuckDB's JSON naming a hidden
temporary folder (s26 probe3 F1). The errors are DuckDB's own: it writes to /dev/full (always full) and to a folder
that does not exist."""
from __future__ import annotations

import duckdb
import pytest

from conform.audit.cli import _io_message


def _duckdb_error(target: str) -> duckdb.IOException:
    with pytest.raises(duckdb.IOException) as e:
        duckdb.sql(f"COPY (SELECT 1 AS a) TO '{target}' (FORMAT csv)")
    return e.value


def test_a_full_disk_in_the_output_folder_is_said_as_the_output_folders():
    e = _duckdb_error("/dev/full")  # DuckDB: Async write failed …{"exception_message":"Could not write file \"/dev/full\": …"}
    said = _io_message(e, "/dev/audit-may")   # the report is built beside --out: /dev/.audit-may.<pid>.tmp/…
    assert said == ("conform: error: cannot write the report to output folder /dev/audit-may (--out): "
                    "No space left on device: /dev/full")


def test_a_file_outside_the_output_folder_is_said_as_duckdb_says_it():
    e = _duckdb_error("/dev/full")
    said = _io_message(e, "/tmp/elsewhere/out")
    assert said.startswith("conform: error: DuckDB could not read or write a file: IO Error: ") and "/dev/full" in said


def test_an_unopenable_file_in_the_output_folder_names_the_folder(tmp_path):
    out = tmp_path / "report"
    e = _duckdb_error(str(tmp_path / ".report.1.tmp" / "discrepancies.csv"))  # the folder is not there
    said = _io_message(e, str(out))
    assert said.startswith(f"conform: error: cannot write the report to output folder {out} (--out): ")
    assert said.endswith(f"{tmp_path}/.report.1.tmp/discrepancies.csv")


def test_not_an_io_error_is_left_to_the_caller():
    assert _io_message(ValueError("x"), "/tmp/out") is None
