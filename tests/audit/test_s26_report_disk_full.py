"""A DuckDB IO error on a file of the report's build folder (discrepancies.csv / .parquet go through DuckDB's COPY: a
full disk) is said as the output folder's, as when Python's own writing of the report fails — not as DuckDB's JSON
naming a hidden temporary folder (s26 probe3 F1); a file in the working folder is the working folder's; any other file
— a ledger beside --out, /dev/full — is said as DuckDB says it, not claimed for the output folder (s26 probeR R5). The
errors are DuckDB's own: it writes into folders that do not exist and to /dev/full (always full)."""
from __future__ import annotations

import duckdb
import pytest

from conform.audit.cli import _io_message


def _duckdb_error(target) -> duckdb.IOException:
    with pytest.raises(duckdb.IOException) as e:
        duckdb.sql(f"COPY (SELECT 1 AS a) TO '{target}' (FORMAT csv)")
    return e.value


def test_a_file_of_the_build_folder_beside_out_is_said_as_the_output_folders(tmp_path):
    out = tmp_path / "report"
    e = _duckdb_error(tmp_path / ".report.1.tmp" / "discrepancies.csv")  # the build folder is not there
    said = _io_message(e, str(out))
    assert said.startswith(f"conform: error: cannot write the report to output folder {out} (--out): ")
    assert said.endswith(f"{tmp_path}/.report.1.tmp/discrepancies.csv")


def test_a_file_of_the_build_folder_inside_an_existing_out_is_said_as_the_output_folders(tmp_path):
    out = tmp_path / "report"
    e = _duckdb_error(out / ".conform-audit.7.tmp" / "discrepancies.parquet")
    assert _io_message(e, str(out)).startswith(f"conform: error: cannot write the report to output folder {out} (--out): ")


def test_the_default_folders_build_file_is_said_as_reports(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    e = _duckdb_error("reports/.audit-20261205T115127870411Z.3.tmp/discrepancies.csv")
    assert _io_message(e, None).startswith("conform: error: cannot write the report to output folder reports/ "
                                           "(the default --out): ")


def test_a_file_that_is_not_the_reports_is_said_as_duckdb_says_it(tmp_path):
    e = _duckdb_error("/dev/full")  # DuckDB: Async write failed …{"exception_message":"Could not write file \"/dev/full\": …"}
    said = _io_message(e, "/dev/audit-may")   # beside --out, but no build folder's
    assert said.startswith("conform: error: DuckDB could not read or write a file: IO Error: ") and "/dev/full" in said
    ledger = _io_message(duckdb.IOException('IO Error: Could not read from file "ledger.csv": Input/output error'),
                         "report")  # conform audit ledger.csv --out report: the ledger, not the report
    assert ledger.startswith("conform: error: DuckDB could not read or write a file: ")


def test_a_file_of_the_working_folder_is_said_as_the_working_folders(tmp_path, monkeypatch):
    work = tmp_path / "work"
    monkeypatch.setenv("CONFORM_AUDIT_WORKDIR", str(work))
    e = _duckdb_error(work / "conform-1" / "duckdb-spill" / "x.csv")
    said = _io_message(e, str(tmp_path / "report"))   # --out on the same disk: still the working folder's
    assert said.startswith(f"conform: error: cannot use the working folder CONFORM_AUDIT_WORKDIR={work}: ")


def test_not_an_io_error_is_left_to_the_caller():
    assert _io_message(ValueError("x"), "/tmp/out") is None
