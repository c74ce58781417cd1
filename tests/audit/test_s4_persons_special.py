"""A persons file that is not a regular file (a FIFO, a device) is named as such at once, never read (a FIFO
would block until a writer came) and never called missing."""
from __future__ import annotations

import os

import duckdb
import pytest

from conform.audit import persons
from conform.audit.errors import AuditInputError


@pytest.mark.skipif(not os.environ.get("CI") and not hasattr(os, "mkfifo"), reason="needs named pipes (never skipped in CI)")
def test_a_fifo_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "p.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(AuditInputError) as e:
        persons.load(duckdb.connect(), str(fifo))
    assert str(e.value).startswith(f"{fifo}: not a regular file (a named pipe (FIFO)); give the persons file itself")


@pytest.mark.skipif(not os.environ.get("CI") and not os.path.exists("/dev/null"), reason="needs /dev/null (never skipped in CI)")
def test_a_device_is_not_a_regular_file():
    with pytest.raises(AuditInputError, match=r"^/dev/null: not a regular file \(a device\)"):
        persons.load(duckdb.connect(), "/dev/null")


def test_a_missing_file_is_still_called_missing(tmp_path):
    with pytest.raises(AuditInputError, match="no such persons file"):
        persons.load(duckdb.connect(), str(tmp_path / "nope.jsonl"))
