"""The verdict of a run that did not finish: 无法判定, never 合格 and never 不合格 the system did not earn.

An interrupt (Ctrl-C, a cancelled CI job) or an early stop says nothing about the system: the passes so
far certify nothing, and the checks that did not run found nothing wrong. A failure it did find stays
不合格, and an unreachable system is the system's failure. The exit codes stay as docs/ci.md has them.
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
from sample_server import SampleServer
from test_report_gate import StopAfter

from conform.harness.results import CONFORMANT, NO_VERDICT, NON_CONFORMANT, CheckResult, RunResult, decide
from conform.harness.run import EXIT_FAIL, EXIT_INTERRUPTED, EXIT_UNREACHABLE, execute_detailed, gate

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("checks, incomplete, unreachable, verdict", [
    ([], True, False, NO_VERDICT),                                        # stopped before any check
    ([("passed", True)] * 3, True, False, NO_VERDICT),                    # only passes, then stopped
    ([("passed", True), ("not_applicable", None)], True, False, NO_VERDICT),
    ([("passed", True), ("failed", True)], True, False, NON_CONFORMANT),  # what it found stays found
    ([("passed", True), ("error", True)], True, False, NON_CONFORMANT),
    ([("passed", True)], True, True, NON_CONFORMANT),                     # the system could not be reached
    ([("passed", True)], False, False, CONFORMANT),
])
def test_decide(checks, incomplete, unreachable, verdict):
    assert decide(checks, incomplete, unreachable) == verdict


def test_an_incomplete_run_of_passes_is_no_certificate_and_still_exits_1():
    run = RunResult(checks=[CheckResult("a", "scenario", "a", exercised=True)], planned=3, incomplete=True)
    assert run.verdict == NO_VERDICT
    assert gate(run, 2)[0] == EXIT_FAIL  # docs/ci.md: interrupted after some checks ran
    run.checks.clear()
    assert run.verdict == NO_VERDICT and gate(run, 2)[0] == EXIT_INTERRUPTED


def test_a_run_interrupted_after_passes_reports_no_verdict():
    ex = execute_detailed(policies=("beijing",), plugins=(StopAfter(3),))
    run = ex.run
    assert ex.interrupted and run.incomplete and [c.status for c in run.checks] == ["passed"] * 3
    assert run.verdict == NO_VERDICT
    assert gate(run, ex.pytest_code)[0] == EXIT_FAIL
    assert run.to_dict()["verdict"] == NO_VERDICT


def test_conform_run_interrupted_before_any_check_reports_no_verdict_with_exit_130(tmp_path):
    out = tmp_path / "reports"
    with SampleServer(latency_ms=20_000) as server:   # the first request hangs: no check can finish
        proc = subprocess.Popen([sys.executable, "-m", "conform.harness.cli", "run", "--adapter", server.url, "--out",
                                 str(out), "--no-progress", "--article", "panzhihua-7"],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        with httpx.Client() as client:
            while client.get(server.url, timeout=5).json()["requests"] < 1:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the run never reached the system"
                time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        try:
            output = proc.communicate(timeout=120)[0].decode("utf-8", "replace")
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == EXIT_INTERRUPTED, output[-2000:]
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["run"]["completed"] == 0 and data["run"]["incomplete"] is True
    assert (data["verdict"], data["verdict_en"]) == ("无法判定", "no verdict")
    assert data["gate"]["exit_code"] == EXIT_INTERRUPTED


def test_an_unreachable_system_stays_non_conformant():
    run = RunResult(checks=[CheckResult("a", "scenario", "a", status="error", exercised=True)],
                    incomplete=True, unreachable=True)
    assert run.verdict == NON_CONFORMANT and gate(run, 2)[0] == EXIT_UNREACHABLE
