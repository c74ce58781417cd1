"""`conform run --out DIR` stopped in its first instants (Ctrl-C or SIGTERM while conform is still importing, before
the run's own signal handling exists) exits 130 and, as docs/ci.md says of a run stopped while starting, removes an
earlier run's reports from DIR: a folder whose results.json said 合格 / exit 0 beside an exit 130 passed for this
run's (probe s22 B F5). A usage error still leaves DIR as it was. The signal is sent at a chosen import, through the
real console script (tests/test_cli_early_signals.py's harness)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_cli_early_signals import CONFORM, _conform

pytestmark = pytest.mark.skipif(not CONFORM.is_file() or os.name != "posix",
                                reason="needs the installed conform console script and POSIX signals")

EARLIER = {"report.html": "<html>合格</html>", "junit.xml": "<testsuites/>",
           "results.json": '{"verdict": "合格", "gate": {"exit_code": 0}}', "extra.csv": "listed by the manifest"}


def _earlier_run(out: Path) -> None:
    out.mkdir()
    for name, text in EARLIER.items():
        (out / name).write_text(text, encoding="utf-8")
    (out / "manifest.sha256").write_text("".join(f"{'0' * 64}  {n}\n" for n in EARLIER), encoding="utf-8")
    (out / "my-notes.txt").write_text("the vendor's own file", encoding="utf-8")


def _left(out: Path) -> set[str]:
    return {p.name for p in out.iterdir()}


# click: while conform.harness.cli itself imports (the process's first instants); conform.harness.run, _pytest.main:
# while the run command is imported, before its own handler exists
@pytest.mark.parametrize("at", ["click", "conform.harness.run", "_pytest.main"])
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_run_stopped_while_starting_removes_the_earlier_reports_from_out(tmp_path, sig, at):
    out = tmp_path / "out"
    _earlier_run(out)
    rc, said = _conform(tmp_path, ["run", "--no-progress", "--format", "json", "--article", "panzhihua-7",
                                   "--out", str(out)], sig, at=at)
    assert rc == 130, said
    assert "interrupted before any check ran" in said and "Traceback" not in said, said
    assert _left(out) == {"my-notes.txt"}, (said, _left(out))  # the vendor's own file stays


def test_a_usage_error_leaves_out_as_it_was_and_a_stop_as_out_equals_clears_it(tmp_path):
    out = tmp_path / "out"
    _earlier_run(out)
    rc, said = _conform(tmp_path, ["run", "--policy", "nowhere", "--out", str(out)], "SIGTERM", at="no.such.module")
    assert rc == 2 and "unknown policy nowhere" in said, said
    assert _left(out) == {*EARLIER, "manifest.sha256", "my-notes.txt"}  # refused: nothing touched
    rc, said = _conform(tmp_path, ["run", "--format=json", "--no-progress", f"--out={out}"], "SIGTERM", at="click")
    assert rc == 130 and _left(out) == {"my-notes.txt"}, (said, _left(out))
