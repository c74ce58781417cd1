"""The run never loses a result: signals (real subprocesses, real signals) and the harness's own bugs.

- Ctrl-C as a terminal delivers it (SIGINT to the whole process group, again and again) or a CI
  cancel (SIGTERM, repeated): the report of every check gathered is still written, marked 未完成.
- Interrupted before any check finished: exit 130, never 2 (which would claim a usage error).
- An unexpected exception inside the harness: status 'harness_error' with the traceback in the
  evidence, exit 4, never 'failed' (which would accuse the system).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sample_server import SampleServer

from conform.harness.cli import main as cli
from conform.harness.run import EXIT_FAIL, EXIT_HARNESS, EXIT_INTERRUPTED, execute_detailed, gate

ROOT = Path(__file__).resolve().parent.parent


def requests_seen(server: SampleServer, client: httpx.Client | None = None) -> int:
    return (client or httpx).get(server.url, timeout=5).json()["requests"]


def start_run(server: SampleServer, out: Path, *selection: str, concurrency: int = 1) -> subprocess.Popen:
    cfg = out.parent / f"conform-{concurrency}.toml"
    cfg.write_text(f'[adapter]\nurl = "{server.url}"\nconcurrency = {concurrency}\n', encoding="utf-8")
    # its own session: the signals go to its process group as a terminal's Ctrl-C would
    return subprocess.Popen([sys.executable, "-m", "conform.harness.cli", "run", "--config", str(cfg), "--out", str(out),
                             "--no-progress", "--format", "json", *selection],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def wait_for_requests(server: SampleServer, proc: subprocess.Popen, n: int, limit_s: float = 90) -> None:
    deadline = time.monotonic() + limit_s
    with httpx.Client() as client:  # one client: each new one builds a TLS context, 25 ms of CPU a poll
        while requests_seen(server, client) < n:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never reached the system"
            time.sleep(0.05)


def signal_burst(proc: subprocess.Popen, sig: int, limit_s: float = 60) -> tuple[int, str]:
    """The signal to the process group, then again every 50 ms until the run exits: some of them land while
    the first is being handled and while the report is being written."""
    os.killpg(proc.pid, sig)
    deadline = time.monotonic() + limit_s
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
    if proc.poll() is None:
        proc.kill()
    out, err = proc.communicate(timeout=30)
    return proc.returncode, (out + err).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def slow_server():
    with SampleServer(latency_ms=30) as s:
        yield s


@pytest.mark.parametrize("sig, concurrency", [(signal.SIGINT, 1), (signal.SIGTERM, 2)],
                         ids=["SIGINT", "SIGTERM-2-workers"])
def test_repeated_signals_still_write_the_incomplete_report_with_every_result(slow_server, tmp_path, sig,
                                                                              concurrency):
    out = tmp_path / "reports"
    proc = start_run(slow_server, out, "--policy", "beijing", concurrency=concurrency)
    # several checks finished: each scenario makes 2–4 requests
    wait_for_requests(slow_server, proc, requests_seen(slow_server) + 25)
    code, output = signal_burst(proc, sig)
    assert code == EXIT_FAIL, output[-2000:]
    assert "Traceback" not in output, output[-3000:]
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["run"]["incomplete"] is True
    finished = data["run"]["completed"]
    assert 1 <= finished < data["run"]["planned"], data["run"]
    assert len(data["checks"]) == finished
    assert any("未完成" in n for n in data["run"]["notes"])


def test_interrupted_before_any_check_finished_exits_130_not_2(tmp_path):
    with SampleServer(latency_ms=20_000) as server:   # the first request hangs: no check can finish
        proc = start_run(server, tmp_path / "reports", "--article", "panzhihua-7")
        wait_for_requests(server, proc, 1)
        code, output = signal_burst(proc, signal.SIGINT)
    assert code == EXIT_INTERRUPTED, output[-2000:]
    assert "Traceback" not in output and "usage" not in output.lower(), output[-2000:]


@pytest.fixture
def harness_bug(monkeypatch):
    """A bug in the harness's own comparison step (not in the system): a ZeroDivisionError."""
    from conform.harness.steps.world import World

    def broken(self, sid, expected):
        return 1 / 0

    monkeypatch.setattr(World, "expect_fields", broken)


def test_a_harness_exception_is_harness_error_with_its_traceback_never_failed(harness_bug, tmp_path):
    # the article's scenarios and properties (a few examples each: the bug is in the scenarios' step)
    ex = execute_detailed(articles=("panzhihua-7",), extra_args=("--conform-examples", "3"))
    statuses = {c.status for c in ex.run.checks}
    assert "harness_error" in statuses and "failed" not in statuses, statuses
    broken = [c for c in ex.run.checks if c.status == "harness_error"]
    c = broken[0]
    assert "harness error (ZeroDivisionError)" in c.message
    [tb] = [e for e in c.evidence if e.get("operation") == "harness_error"]
    assert "Traceback" in tb["error"] and "ZeroDivisionError" in tb["error"]
    code, reason = gate(ex.run, ex.pytest_code)
    assert code == EXIT_HARNESS and "harness error" in reason
    assert ex.run.verdict == "无法判定"   # no verdict: certifies nothing, and accuses the system of nothing


def test_conform_run_exits_4_on_a_harness_error_and_the_report_keeps_it(harness_bug, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTEST_ADDOPTS", "--conform-examples 3")  # conform run's pytest reads it
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli, ["run", "--article", "panzhihua-7", "--out", str(out), "--no-progress"])
    assert result.exit_code == EXIT_HARNESS, result.output[-2000:]
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["counts"]["harness_error"] > 0 and data["counts"]["failed"] == 0
    assert (out / "report.html").is_file() and (out / "junit.xml").is_file()
    # The per-document table on the terminal counts them in a column of their own (the rows are
    # 攀枝花's: no check failed, none was the system's error, every harness error is counted there).
    header = next(line for line in result.output.splitlines() if "harness error" in line and "┃" in line)
    row = next(line for line in result.output.splitlines() if line.strip("│ ").startswith("攀枝花"))
    cells = [x.strip() for x in row.strip().strip("│").split("│")]
    titles = [x.strip() for x in header.strip().strip("┃").split("┃")]
    assert cells[titles.index("harness error")] == str(data["counts"]["harness_error"]), (titles, cells)
