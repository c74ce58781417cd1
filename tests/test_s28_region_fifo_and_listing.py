"""A region given as a named pipe is refused unopened (opening one waits for a writer for ever: a case file naming
one hung `conform settle`, and --region every command; probe s28 S F6), and `conform list regions` escapes a
working-folder region file's text, so an ESC sequence in its label cannot reach the terminal (probe s28 S F7)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

POSIX = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


def _conform(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "conform.harness.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


@POSIX
def test_a_region_that_is_a_pipe_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "region.yaml"
    os.mkfifo(fifo)
    p = _conform(["run", "--region", str(fifo), "--policy", "panzhihua", "--out", str(tmp_path / "out")])
    assert p.returncode == 2 and "not a regular file (a named pipe (FIFO))" in p.stderr, p.stderr
    case = tmp_path / "case.json"
    case.write_text('{"policy": "panzhihua", "region": "%s", "person": {"psn_no": "P1", "psn_type": "1101"}, '
                    '"settlements": [{"id": "V1", "date": "2023-03-01", "med_type": "11", "facility": "tertiary", '
                    '"medfee_sumamt": "500.00"}]}' % fifo, encoding="utf-8")
    p = _conform(["settle", str(case)])
    assert p.returncode == 2 and "named pipe" in p.stderr and "Traceback" not in p.stderr, p.stderr


def test_list_regions_escapes_a_working_folder_label(tmp_path: Path) -> None:
    regions = tmp_path / "fixtures" / "regions"
    regions.mkdir(parents=True)
    (regions / "evil.yaml").write_text('name: evil\nlabel: "\\e[31mRED\\e]0;title\\a 虚构"\npolicy: jilin\n'
                                      'example: true\nvalues:\n  ordinary.deductible: "200"\n', encoding="utf-8")
    p = _conform(["list", "regions"], cwd=tmp_path)
    line = next(x for x in p.stdout.splitlines() if "evil" in x)
    assert "\x1b" not in p.stdout and "\x07" not in p.stdout
    assert "\\x1b]0;title\\x07" in line
