"""A run's last heartbeat line is printed once.

Closing review (s5): a concurrent run printed its final line twice, once from the parent's last read of its
workers (`gather`, every M checks) and once from `stop`, the same figures on both: two ends of one run.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from conform.harness.progress import Progress
from conform.harness.results import CheckResult, RunResult


def _state(path: Path, **kw) -> None:
    base = {"total": 10, "done": 0, "passed": 0, "failed": 0, "errors": 0, "current": "", "since": None,
            "examples": None, "left": 5.0, "exact": True, "at": time.time(), "finished": False}
    base.update(kw)
    path.write_text(json.dumps(base, ensure_ascii=False), encoding="utf-8")


def _run(passed: int, failed: int = 0) -> RunResult:
    run = RunResult(checks=[CheckResult(nodeid=f"n{i}", kind="scenario", name="x", policy=None, articles=[],
                                        status="passed" if i < passed else "failed") for i in range(passed + failed)])
    run.planned = passed + failed
    return run


def _beats(capsys) -> list[str]:
    return [ln for ln in capsys.readouterr().err.splitlines() if "conform 进度" in ln]


def _wait(ticker: Progress, done: int) -> None:
    deadline = time.monotonic() + 10
    while ticker.done != done and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # the beat gather prints after taking the figures in


def test_the_concurrent_runs_last_line_is_printed_once(tmp_path, capsys):
    a, b = tmp_path / "0.progress.json", tmp_path / "1.progress.json"
    _state(a, total=6, done=2, passed=2)
    _state(b, total=5, done=2, passed=2)
    ticker = Progress(sys.stderr, "heartbeat", seconds=600, checks=3)
    ticker.follow([a, b], lambda i: True)
    _wait(ticker, 4)
    _state(a, total=6, done=6, passed=6, left=0.0, finished=True)
    _state(b, total=5, done=5, passed=5, left=0.0, finished=True)
    _wait(ticker, 11)
    ticker.finish(_run(11))
    lines = _beats(capsys)
    ends = [ln for ln in lines if ln.startswith("conform 进度 progress 11/11 (100%)")]
    assert len(ends) == 1, lines
    assert lines[-1] == ends[0] and "通过 passed 11 · 失败 failed 0" in ends[0] and "left 0:00" in ends[0]


def test_the_merged_runs_own_figures_still_end_the_run_when_they_differ(tmp_path, capsys):
    # the workers' last states said 11 passed; the merged run has one failed: the last line says so
    a = tmp_path / "0.progress.json"
    _state(a, total=11, done=11, passed=11, left=0.0, finished=True)
    ticker = Progress(sys.stderr, "heartbeat", seconds=600, checks=3)
    ticker.follow([a], lambda i: True)
    _wait(ticker, 11)
    ticker.finish(_run(10, 1))
    lines = _beats(capsys)
    assert lines[-1].startswith("conform 进度 progress 11/11 (100%) · 通过 passed 10 · 失败 failed 1"), lines
    assert sum(ln.startswith("conform 进度 progress 11/11 (100%) · 通过 passed 10") for ln in lines) == 1, lines


def test_a_run_that_ends_before_its_first_beat_prints_one_line(tmp_path, capsys):
    # no worker has written yet and the first beat is not due: finish begins the heartbeat and ends it
    ticker = Progress(sys.stderr, "heartbeat", seconds=600, checks=50)
    ticker.follow([tmp_path / "0.progress.json"], lambda i: True)
    ticker.finish(_run(3))
    lines = _beats(capsys)
    assert len(lines) == 1 and lines[0].startswith("conform 进度 progress 3/3 (100%) · 通过 passed 3"), lines


def test_a_stopped_run_that_moved_since_its_last_beat_still_ends_on_a_line(capsys):
    ticker = Progress(sys.stderr, "heartbeat", seconds=600, checks=50)
    ticker.total = 4
    ticker._begin()
    ticker.done = 4
    ticker.stop()
    lines = _beats(capsys)
    assert len(lines) == 2 and lines[0].startswith("conform 进度 progress 0/4 (0%)"), lines
    assert lines[1].startswith("conform 进度 progress 4/4 (100%)"), lines
