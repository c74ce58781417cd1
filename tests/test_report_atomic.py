"""Reports are replaced atomically: a crash mid-write leaves the previous good report in place."""
from __future__ import annotations

import json
import os

import openpyxl
import pytest
from report_samples import sample_run

from conform import atomic
from conform.harness.report import ReportsNotWritten, write_reports


def leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.fixture
def good(tmp_path):
    """A folder holding a complete report set of a conformant run."""
    run = sample_run(hostile=False)
    run.checks = [c for c in run.checks if c.status == "passed"]
    written = write_reports(run, tmp_path)
    return tmp_path, {fmt: p.read_bytes() for fmt, p in written.items()}


def test_a_crash_while_saving_the_workbook_keeps_the_previous_one(good, monkeypatch):
    folder, before = good

    def half_save(self, filename):  # writes part of a file, then the process "dies"
        with open(filename, "wb") as f:
            f.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt

    monkeypatch.setattr(openpyxl.Workbook, "save", half_save)
    with pytest.raises(KeyboardInterrupt):
        write_reports(sample_run(), folder)
    assert (folder / "report.xlsx").read_bytes() == before["xlsx"]
    assert (folder / "results.json").read_bytes() == before["json"]  # written last: never reached
    openpyxl.load_workbook(folder / "report.xlsx")                    # still a readable workbook
    assert leftovers(folder) == []


def test_a_failing_disk_while_writing_html_keeps_the_previous_page(good, monkeypatch):
    folder, before = good

    def no_space(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", no_space)
    with pytest.raises(OSError, match="No space left"):
        write_reports(sample_run(), folder, ("html",))
    assert (folder / "report.html").read_bytes() == before["html"]
    assert leftovers(folder) == []


def test_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "results.json"
    atomic.write_text(target, "old")
    atomic.write_text(target, "new and longer")
    assert target.read_text() == "new and longer"
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)


def test_latest_points_to_the_newest_run(tmp_path):
    first, second = tmp_path / "run-1", tmp_path / "run-2"
    first.mkdir(), second.mkdir()
    (second / "report.html").write_text("second")
    atomic.point_latest(tmp_path, first)
    atomic.point_latest(tmp_path, second)
    latest = tmp_path / "latest"
    assert latest.is_symlink() and os.readlink(latest) == "run-2"
    assert (latest / "report.html").read_text() == "second"
    assert leftovers(tmp_path) == [] and not [p for p in tmp_path.iterdir() if p.name.startswith(".latest")]


def test_latest_is_a_pointer_file_where_symlinks_fail(tmp_path, monkeypatch):
    run_dir = tmp_path / "run-1"
    run_dir.mkdir()

    def no_symlinks(*a, **k):
        raise OSError("symbolic links are not permitted here")

    monkeypatch.setattr(atomic.os, "symlink", no_symlinks)
    atomic.point_latest(tmp_path, run_dir)
    assert (tmp_path / "latest").read_text() == "run-1\n"


def test_latest_never_replaces_a_real_folder(tmp_path):
    (tmp_path / "latest").mkdir()
    (tmp_path / "run-1").mkdir()
    with pytest.raises(OSError, match="real directory"):
        atomic.point_latest(tmp_path, tmp_path / "run-1")


def test_a_writer_that_fails_loses_no_other_report(good, monkeypatch):
    """A fault in one writer (the Excel writer refusing a character lxml cannot hold, say) is no reason to
    lose the JUnit and JSON reports the CI job reads: those are written, results.json names the missing
    one, the manifest lists what was written, and the previous run's workbook is gone, not passed off as
    this run's."""
    folder, before = good
    from conform.harness.report import xlsx

    def refuses(data, path):
        raise ValueError("All strings must be XML compatible")

    monkeypatch.setattr(xlsx, "write", refuses)
    with pytest.raises(ReportsNotWritten) as e:
        write_reports(sample_run(), folder)
    assert set(e.value.written) == {"html", "junit", "json", "manifest"}
    assert e.value.failed == {"xlsx": "ValueError: All strings must be XML compatible"}
    assert not (folder / "report.xlsx").exists()
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert results["reports_not_written"] == {"xlsx": "ValueError: All strings must be XML compatible"}
    assert results["gate"]["exit_code"] == 4 == e.value.gate["exit_code"]
    assert (folder / "junit.xml").read_bytes() != before["junit"]  # this run's, not the previous one
    assert "report.xlsx" not in (folder / "manifest.sha256").read_text(encoding="utf-8")


def test_a_writer_failing_only_when_written_again_is_named_in_the_reports_too(tmp_path, monkeypatch):
    """The workbook fails, so the others are written again with exit 4; junit.xml then fails too: the
    reason the page and results.json carry names both, not only the first."""
    from conform.harness.report import junit, xlsx

    def refuses(data, path):
        raise ValueError("All strings must be XML compatible")

    first = junit.write
    calls = []

    def second_time_fails(data, path):
        calls.append(path)
        if len(calls) > 1:
            raise RuntimeError("junit broke")
        return first(data, path)

    monkeypatch.setattr(xlsx, "write", refuses)
    monkeypatch.setattr(junit, "write", second_time_fails)
    with pytest.raises(ReportsNotWritten) as e:
        write_reports(sample_run(), tmp_path)
    assert set(e.value.failed) == {"xlsx", "junit"} and not (tmp_path / "junit.xml").exists()
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert "report.xlsx" in results["gate"]["reason"] and "junit.xml" in results["gate"]["reason"]
    assert results["gate"] == e.value.gate
