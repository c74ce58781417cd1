"""Other pytest plugins beside the suite: a time limit that stops a check, pytest's INTERNALERROR, reruns (rvendor8 D8, D9).

pytest-timeout (signal method) raises `pytest.fail("Timeout (>1.0s) from pytest-timeout.")` wherever the check is
when its limit passes: in a step, or inside pytest's own hooks while a report is made, which ends the session
with INTERNALERROR. Neither is a figure the system got wrong: the check is a harness error, the run gives no
verdict and exits 4. pytest-rerunfailures logs a failed attempt with the outcome "rerun" and runs the check
again: the check counts once, by its last attempt, with the attempts noted — never a check of status None.

Both plugins are simulated here by small plugins raising the same exception and logging the same reports (the
real ones are not dependencies of the project); the runs are against the correct sample system, or its
rounding_half_even twin for checks that really fail.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from _pytest.runner import runtestprotocol
from sample_server import shared

from conform.harness.results import NO_VERDICT
from conform.harness.run import EXIT_FAIL, EXIT_HARNESS, execute_detailed, exit_code

ARTICLE = ("panzhihua-7",)
SCENARIOS = "not conform_property"
TIMEOUT_TEXT = "Timeout (>1.0s) from pytest-timeout."


class FakeTimeout:
    """pytest-timeout's alarm: its Failed raised before the second step of the checks numbered in `in_step`
    (1-based, in run order), and once inside pytest's makereport of check `in_report`, after its call."""

    def __init__(self, in_step: tuple[int, ...] = (), in_report: int | None = None, between: int | None = None):
        self.in_step, self.in_report, self.between, self.n, self.steps = set(in_step), in_report, between, 0, 0

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self.n += 1
        self.steps = 0

    def pytest_bdd_before_step(self, request, feature, scenario, step, step_func) -> None:
        self.steps += 1
        if self.n in self.in_step and self.steps == 2:
            pytest.fail(TIMEOUT_TEXT)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        yield
        if call.when == "call" and self.n == self.in_report:
            pytest.fail(TIMEOUT_TEXT)

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple) -> None:
        if self.n == self.between:   # after check `between` was reported, before the next began
            pytest.fail(TIMEOUT_TEXT)


def test_a_check_stopped_by_pytest_timeout_is_a_harness_error_and_no_verdict():
    server = shared()
    ex = execute_detailed(adapter=server.url, articles=ARTICLE, tag=SCENARIOS, plugins=(FakeTimeout(in_step=(2, 3)),))
    run = ex.run
    stopped = [c for c in run.checks if c.status == "harness_error"]
    assert len(run.checks) == run.planned and len(stopped) == 2, [(c.name, c.status) for c in run.checks]
    assert all("pytest-timeout" in c.message and TIMEOUT_TEXT in c.message for c in stopped), stopped[0].message
    assert all(not c.failed_articles and c.evidence[-1]["operation"] == "harness_error" for c in stopped)
    assert run.counts()["failed"] == 0 and run.counts()["error"] == 0
    # the correct system found wrong in nothing: no verdict, the run's own error (exit 4), never 不合格 exit 1
    assert run.verdict == NO_VERDICT and exit_code(run, ex.pytest_code) == EXIT_HARNESS


def test_pytest_timeout_firing_inside_pytest_hooks_is_an_internal_error_exit_4_not_a_verdict():
    server = shared()
    ex = execute_detailed(adapter=server.url, articles=ARTICLE, tag=SCENARIOS, plugins=(FakeTimeout(in_report=5),))
    run = ex.run
    assert ex.pytest_code == pytest.ExitCode.INTERNAL_ERROR
    # four checks finished, the fifth was in flight: kept as the harness error it is; the rest never ran
    assert [c.status for c in run.checks] == ["passed"] * 4 + ["harness_error"], [c.status for c in run.checks]
    assert "internal error" in run.checks[-1].message and "pytest-timeout" in run.checks[-1].message
    assert run.incomplete and len(run.checks) < run.planned
    assert any("INTERNALERROR" in n for n in run.notes), run.notes
    assert run.verdict == NO_VERDICT and exit_code(run, ex.pytest_code) == EXIT_HARNESS


class FakeReruns:
    """pytest-rerunfailures' protocol: a failed attempt's report is logged with the outcome "rerun" (its teardown
    too, as 16.x does; `teardown=False`: as before 14, not) and the check runs again, up to `reruns` times.
    `flaky`: check numbers (1-based) whose first attempt fails before it starts (an AssertionError)."""

    def __init__(self, reruns: int, flaky: tuple[int, ...] = (), teardown: bool = True):
        self.reruns, self.flaky, self.teardown, self.n, self.attempt = reruns, set(flaky), teardown, 0, 0

    def pytest_runtest_call(self, item: pytest.Item) -> None:
        if self.n in self.flaky and self.attempt == 1:
            raise AssertionError("flaky: the first attempt failed")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool:
        self.n += 1
        self.attempt = 0
        while True:
            self.attempt += 1
            item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
            reports = runtestprotocol(item, nextitem=nextitem, log=False)
            again = False
            for report in reports:
                if again:
                    if self.teardown:
                        item.ihook.pytest_runtest_logreport(report=report)
                    continue
                if report.failed and self.attempt <= self.reruns:
                    report.outcome = "rerun"
                    item.ihook.pytest_runtest_logreport(report=report)
                    again = True
                    continue
                item.ihook.pytest_runtest_logreport(report=report)
            item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
            if not again:
                return True


@pytest.mark.parametrize("teardown", [True, False], ids=["rerunfailures-16", "rerunfailures-13"])
def test_a_rerun_check_counts_once_by_its_last_attempt(teardown):
    server = shared("rounding_half_even")
    plain = execute_detailed(adapter=server.url, articles=ARTICLE, tag=SCENARIOS).run
    failing = {c.nodeid for c in plain.checks if c.status == "failed"}
    before = {c.nodeid: c for c in plain.checks}
    assert failing and len(failing) < len(plain.checks) - 1
    flaky = next(i for i, c in enumerate(plain.checks, 1) if c.status == "passed")
    ex = execute_detailed(adapter=server.url, articles=ARTICLE, tag=SCENARIOS,
                          plugins=(FakeReruns(2, flaky=(flaky,), teardown=teardown),))
    run = ex.run
    nodeids = [c.nodeid for c in run.checks]
    assert len(nodeids) == len(set(nodeids)) == run.planned == len(plain.checks)
    assert None not in run.counts() and all(c.status is not None for c in run.checks)
    assert run.counts() == plain.counts()
    for c in run.checks:
        if c.nodeid in failing:   # failed on all three attempts: failed once, as without reruns, noted
            assert c.status == "failed" and c.extra["attempts"] == 3 and "attempt 3 of 3" in c.message, c.message
            assert c.mismatches and len(c.mismatches) == len(before[c.nodeid].mismatches)
        elif c is run.checks[flaky - 1]:   # failed once, then passed: passed, saying so
            assert c.status == "passed" and c.extra["attempts"] == 2, (c.status, c.extra)
            assert "attempt 2 of 2" in c.message and "flaky: the first attempt failed" in c.message, c.message
        else:
            assert "attempts" not in c.extra
    assert any(f"ran {len(failing) + 1} check(s) again" in n for n in run.notes), run.notes
    assert run.verdict == "不合格" and exit_code(run, ex.pytest_code) == EXIT_FAIL


# ------------------------------------------------------------------------------------------ pytest --conform-adapter

# a plugin registered by the vendor's conftest.py applies to every item, as an installed one does (a conftest's
# own hooks would reach only the items under its folder, and the suite's lie in the conform package)
CONFTEST = """import json, os, sys
sys.path.insert(0, {tests!r})
from test_s8_implS_foreign_plugins import {plugin}


def pytest_configure(config):
    config.pluginmanager.register({plugin}(**json.loads(os.environ["FAKE_ARGS"])), "fake-plugin")
"""


def pytest_in(folder, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {**{k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}, **env}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *args],
                          cwd=folder, env=environ, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("where", ["in_report", "between"])
def test_a_vendors_pytest_with_pytest_timeout_gets_exit_4_and_no_verdict(tmp_path, where):
    (tmp_path / "conftest.py").write_text(CONFTEST.format(tests=os.path.dirname(__file__), plugin="FakeTimeout"),
                                          encoding="utf-8")
    server = shared()
    done = pytest_in(tmp_path, "--conform-adapter", server.url, "-m", f"panzhihua-7 and {SCENARIOS}",
                     "--conform-report", "rep", "--tb=no", FAKE_ARGS=json.dumps({"in_step": [2], where: 4}))
    assert "INTERNALERROR" in done.stdout + done.stderr
    assert done.returncode == EXIT_HARNESS, done.stdout[-3000:]
    data = json.loads((tmp_path / "rep" / "results.json").read_text(encoding="utf-8"))
    statuses = [c["status"] for c in data["checks"]]
    # check 2: stopped in a step; check 4: in flight when pytest broke off (in_report), or finished (between)
    expected = ["passed", "harness_error", "passed", "harness_error" if where == "in_report" else "passed"]
    assert statuses == expected, statuses
    assert data["verdict"] == NO_VERDICT and data["gate"]["exit_code"] == EXIT_HARNESS
    assert data["run"]["incomplete"] and data["counts"]["failed"] == 0
    assert "conform: 无法判定" in done.stdout and "exit code 4" in done.stdout


def test_a_vendors_pytest_with_reruns_writes_each_check_once_in_junit(tmp_path):
    (tmp_path / "conftest.py").write_text(CONFTEST.format(tests=os.path.dirname(__file__), plugin="FakeReruns"),
                                          encoding="utf-8")
    server = shared("rounding_half_even")
    done = pytest_in(tmp_path, "--conform-adapter", server.url, "-m", f"panzhihua-7 and {SCENARIOS}",
                     "--conform-report", "rep", "--tb=no", FAKE_ARGS=json.dumps({"reruns": 2}))
    data = json.loads((tmp_path / "rep" / "results.json").read_text(encoding="utf-8"))
    assert done.returncode == EXIT_FAIL, done.stdout[-3000:]
    assert data["run"]["completed"] == data["run"]["planned"] == len(data["checks"]), data["run"]
    assert "null" not in data["counts"] and None not in [c["status"] for c in data["checks"]]
    failed = [c for c in data["checks"] if c["status"] == "failed"]
    assert failed and all(c["extra"]["attempts"] == 3 for c in failed)
    suite = ET.parse(tmp_path / "rep" / "junit.xml").getroot()
    cases = suite.findall(".//testcase")
    assert len(cases) == len(data["checks"]) and len([c for c in cases if c.find("failure") is not None]) == len(failed)
