"""A system that answered no request of the run gets no verdict (无法判定), not 不合格 (rvendor8 D3).

`conform run --adapter http://127.0.0.1:1/` (nothing listening, or a typo'd host) reached nothing: its
errors and its `unreachable` are no finding about the system, so the console, results.json (the run's and
every document's verdict), the HTML and the Excel report say 无法判定, with exit code 3 kept. A system
that answered some requests and then stopped answering (or erred) failed its run: 不合格, in every document.
"""
from __future__ import annotations

import json
import socket

import openpyxl
from click.testing import CliRunner

from conform.harness.report.model import build
from conform.harness.results import (NO_VERDICT, NON_CONFORMANT, CheckResult, RunResult, check_answered, decide,
                                     exchange_answered)
from conform.harness.run import EXIT_UNREACHABLE, gate, run_command

REFUSED = {"operation": "T001", "request": {}, "response": None, "error": "T001: connection refused: …",
           "answered": False}
ANSWERED = {"operation": "T001", "request": {}, "response": {"infcode": 0}, "http_status": 200}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def error(policy: str = "panzhihua", *evidence: dict, message: str = "") -> CheckResult:
    return CheckResult(f"t::{policy}{len(evidence)}", "scenario", "c", policy=policy, articles=[f"{policy}-7"],
                       status="error", exercised=True, evidence=list(evidence),
                       message=message or "system under test error (connection): T001: connection refused: …")


# ---------------------------------------------------------------------------- the rule
def test_no_answer_in_the_run_is_no_verdict_whatever_else():
    errors = [("error", True)] * 3
    assert decide(errors, incomplete=True, unreachable=True, answered=False) == NO_VERDICT
    assert decide(errors, incomplete=True, unreachable=True, answered=True) == NON_CONFORMANT
    assert decide(errors, unreachable=True) == NON_CONFORMANT   # not known (an older caller): as before


def test_what_counts_as_an_answer():
    assert exchange_answered(REFUSED) is False
    assert exchange_answered(ANSWERED) is True
    assert exchange_answered({"response": {"error": "timeout: settle: no answer within 1 s"}}) is False  # a plugin
    assert exchange_answered({"response": {"refused": "起付线未达"}}) is True       # a refusal is an answer
    assert exchange_answered({"operation": "harness_error", "response": None}) is None
    # a check whose first exchange was answered got an answer, however it ended
    assert check_answered("error", True, [ANSWERED, REFUSED]) is True
    assert check_answered("error", True, [REFUSED, REFUSED]) is False
    # no evidence: the error's kind says (a check whose SystemUnreachable was raised before any exchange)
    assert check_answered("error", True, [], "system under test error (connection): system unreachable") is False
    assert check_answered("error", True, [], "system under test error (malformed): T001: not JSON") is True
    assert check_answered("passed", None) is True and check_answered("passed", False) is None
    assert check_answered("not_applicable", True) is None


def test_a_system_that_answered_then_went_silent_fails_every_document_it_left_unanswered():
    answered = CheckResult("t::a", "scenario", "a", policy="beijing", articles=["beijing-1"], status="passed",
                           exercised=True, evidence=[ANSWERED])
    run = RunResult(checks=[answered, error("panzhihua", REFUSED), error("panzhihua", REFUSED)],
                    incomplete=True, unreachable=True)
    assert run.answered() is True and run.verdict == NON_CONFORMANT
    docs = {d["id"]: d["verdict"] for d in build(run)["documents"] if d["checks"]}
    assert docs == {"beijing": NO_VERDICT, "panzhihua": NON_CONFORMANT}   # beijing: incomplete, passes only
    assert gate(run, 2)[0] == EXIT_UNREACHABLE


def test_a_run_answered_nowhere_gives_no_document_a_verdict():
    run = RunResult(checks=[error("panzhihua", REFUSED), error("beijing", REFUSED)], incomplete=True,
                    unreachable=True)
    data = build(run)
    assert run.answered() is False and data["verdict"] == NO_VERDICT and data["run"]["answered"] is False
    assert {d["verdict"] for d in data["documents"] if d["checks"]} == {NO_VERDICT}
    assert any("answered no request" in n for n in data["run"]["notes"])
    assert gate(run, 2)[0] == EXIT_UNREACHABLE          # the exit code stays 3


# ---------------------------------------------------------------------------- conform run, every report
def _run(tmp_path, *args: str):
    out = tmp_path / "out"
    result = CliRunner().invoke(run_command, [*args, "--article", "panzhihua-7", "--tag", "not conform_property",
                                              "--no-progress", "--out", str(out)])
    return result, out, json.loads((out / "results.json").read_text(encoding="utf-8"))


def _say_no_verdict(result, out, data) -> None:
    said = " ".join(result.output.split())
    assert "结论：无法判定 no verdict" in said and "被测系统没有应答任何请求" in said, said[-1500:]
    assert "结论：不合格" not in said
    assert (data["verdict"], data["verdict_en"]) == ("无法判定", "no verdict")
    assert [d["verdict"] for d in data["documents"] if d["checks"]] == ["无法判定"]
    assert data["run"]["answered"] is False and data["gate"]["exit_code"] == EXIT_UNREACHABLE
    assert 'data-verdict="无法判定"' in (out / "report.html").read_text(encoding="utf-8")
    sheet = openpyxl.load_workbook(out / "report.xlsx").worksheets[0]
    cells = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert cells["结论 Verdict"] == "无法判定 no verdict", cells


def test_conform_run_against_nothing_listening_is_no_verdict_with_exit_3(tmp_path):
    port = closed_port()
    result, out, data = _run(tmp_path, "--adapter", f"http://127.0.0.1:{port}/")
    assert result.exit_code == EXIT_UNREACHABLE, result.output[-2000:]
    assert data["run"]["unreachable"] is True
    _say_no_verdict(result, out, data)
    assert f"connection refused: nothing listens at 127.0.0.1:{port}" in " ".join(result.output.split())


def test_errors_that_never_made_the_system_unreachable_are_no_verdict_too(tmp_path):
    # fewer failures in a row than consecutive_failures: never declared unreachable, every check erred
    cfg = tmp_path / "conform.toml"
    cfg.write_text(f'[adapter]\nurl = "http://127.0.0.1:{closed_port()}/"\nconsecutive_failures = 1000\n',
                   encoding="utf-8")
    result, out, data = _run(tmp_path, "--config", str(cfg))
    assert result.exit_code == EXIT_UNREACHABLE, result.output[-2000:]
    assert data["run"]["unreachable"] is False and {c["status"] for c in data["checks"]} == {"error"}
    _say_no_verdict(result, out, data)
