"""reports/latest and reports/audit-latest (conform/atomic.py `point_latest`): a user's regular
file of that name was silently replaced, while a user's folder of that name is kept. A file is replaced only when
it is the one-line pointer point_latest itself writes where symlinks cannot be made."""
from __future__ import annotations

import os

import pytest

from conform import atomic


def test_a_users_file_at_latest_is_kept(tmp_path):
    (tmp_path / "run-1").mkdir()
    notes = tmp_path / "latest"
    notes.write_text("my notes on the run\nsecond line\n", encoding="utf-8")
    with pytest.raises(OSError, match="a file this tool did not write"):
        atomic.point_latest(tmp_path, tmp_path / "run-1")
    assert notes.read_text(encoding="utf-8") == "my notes on the run\nsecond line\n"


def test_the_pointer_file_it_wrote_is_replaced_by_the_link(tmp_path):
    for run in ("run-1", "run-2"):
        (tmp_path / run).mkdir()
    (tmp_path / "latest").write_text("run-1\n", encoding="utf-8")  # where symlinks could not be made before
    atomic.point_latest(tmp_path, tmp_path / "run-2")
    assert (tmp_path / "latest").is_symlink() and os.readlink(tmp_path / "latest") == "run-2"


def test_the_audit_says_it_kept_a_users_file_and_where_its_report_is(tmp_path, capsys):
    from conform.audit.report import LATEST, _point_latest

    out = tmp_path / "audit-1"
    out.mkdir()
    user = tmp_path / LATEST
    user.write_text("\n".join(["a", "b"]), encoding="utf-8")
    _point_latest(out)
    err = capsys.readouterr().err
    assert "could not be pointed at this run's report" in err and f"this run's report is in {out}" in err
    assert user.read_text(encoding="utf-8") == "a\nb"
