"""A ledger path that is there but is no regular file (conform/audit/sources.py `expand`): a named pipe, a
device, a link to one. Each was "no such file or folder" (or "a link to a file that does not exist"),
though `ls` shows it; a pipe in a ledger folder or matched by a glob was left out unsaid. It is refused as
not a regular file, by stat alone: a pipe is never opened (opening one waits for a writer for ever)."""
from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from conform.audit import sources
from conform.audit.errors import AuditInputError
from conform.harness.cli import main
from test_sources_input import _rows, _write_csv

pytestmark = pytest.mark.skipif(not os.environ.get("CI") and not hasattr(os, "mkfifo"),
                                reason="named pipes (CI runs on Linux, where they never skip)")


def _cli(path, tmp_path) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["audit", str(path), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(tmp_path / "report")])
    return r.exit_code, r.output


def test_a_named_pipe_is_refused_as_not_a_regular_file_without_waiting(tmp_path):
    pipe = tmp_path / "ledger.csv"
    os.mkfifo(pipe)
    code, out = _cli(pipe, tmp_path)  # a read would block here for ever: nothing writes to the pipe
    assert code == 2 and "ledger.csv: not a regular file (a named pipe" in out, out
    assert "Traceback" not in out


def test_a_device_and_a_link_to_one_are_not_regular_files(tmp_path):
    with pytest.raises(AuditInputError, match=r"/dev/zero: not a regular file \(a device\)"):
        sources.expand(["/dev/zero"])
    link = tmp_path / "2023-06.csv"
    link.symlink_to("/dev/zero")
    with pytest.raises(AuditInputError, match=r"2023-06\.csv: a link to /dev/zero, which is not a regular file"):
        sources.expand([str(link)])


def test_a_pipe_in_a_ledger_folder_or_a_glob_is_refused_not_left_out(tmp_path):
    folder = tmp_path / "months"
    folder.mkdir()
    _write_csv(folder / "2023-05.csv", _rows())
    os.mkfifo(folder / "2023-06.csv")
    with pytest.raises(AuditInputError, match=r"2023-06\.csv: not a regular file \(a named pipe"):
        sources.expand([str(folder)])
    with pytest.raises(AuditInputError, match=r"2023-06\.csv: not a regular file \(a named pipe"):
        sources.expand([str(folder / "2023-*.csv")])
    os.mkfifo(folder / "notes.md")  # no ledger's name: not read, as a regular notes.md is not
    os.remove(folder / "2023-06.csv")
    assert [p.name for p in sources.expand([str(folder)])] == ["2023-05.csv"]
