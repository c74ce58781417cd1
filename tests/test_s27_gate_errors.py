"""`conform run`'s gate when a run has both failing checks and checks the system answered with errors (probe s27 U
F2): the exit code keeps its documented precedence (unreachable over failures, failures over errors: docs/ci.md),
and the reason says the errors too instead of dropping them."""
from __future__ import annotations

import pytest

from conform.harness.results import CheckResult, RunResult
from conform.harness.run import EXIT_FAIL, EXIT_UNREACHABLE, gate


def _run(*statuses: str, unreachable: bool = False) -> RunResult:
    checks = [CheckResult(nodeid=f"t::{i}", kind="scenario", name=f"c{i}", status=s, exercised=True,
                          message="2207: wrong_type" if s == "error" else "")
              for i, s in enumerate(statuses)]
    return RunResult(checks=checks, planned=len(checks), unreachable=unreachable)


def test_failures_and_errors_exit_1_and_the_reason_counts_the_errors():
    code, reason = gate(_run("passed", "failed", "failed", "error", "error", "error"), pytest.ExitCode.TESTS_FAILED)
    assert code == EXIT_FAIL
    assert "2 failing check(s)" in reason
    assert "3 check(s) could not be judged: the system answered with errors" in reason


def test_failures_alone_say_nothing_of_errors():
    code, reason = gate(_run("passed", "failed"), pytest.ExitCode.TESTS_FAILED)
    assert code == EXIT_FAIL and "could not be judged" not in reason


def test_errors_alone_exit_3():
    code, reason = gate(_run("passed", "error"), pytest.ExitCode.TESTS_FAILED)
    assert code == EXIT_UNREACHABLE and "errored in 1" in reason


def test_unreachable_wins_over_failures():
    code, _ = gate(_run("failed", "error", unreachable=True), pytest.ExitCode.TESTS_FAILED)
    assert code == EXIT_UNREACHABLE


# A refusal that gives no reason (probe s27 U F3): infcode says it is a refusal, err_msg only why (the schema makes
# err_msg optional), so it is still the settlement's refusal (a failure where the rules pay, exit 1), its message
# saying that no reason was given; docs/ci.md and connect-your-system.md §3 say the same.
@pytest.mark.parametrize("answer", [{"infcode": -1}, {"infcode": "-1", "err_msg": ""},
                                    {"infcode": -1, "err_msg": "  \n "}, {"infcode": -1, "err_msg": None},
                                    {"infcode": -1, "err_msg": 42, "output": {}}])
def test_a_refusal_without_a_reason_is_still_a_refusal_saying_so(answer):
    from conform.harness.adapters import SettlementRefused
    from conform.harness.adapters.http import envelope_output

    with pytest.raises(SettlementRefused) as got:
        envelope_output("2207", answer)
    assert got.value.message == "2207: infcode -1: (no err_msg)"


def test_a_refusal_with_a_reason_quotes_it():
    from conform.harness.adapters import SettlementRefused
    from conform.harness.adapters.http import envelope_output

    with pytest.raises(SettlementRefused) as got:
        envelope_output("2207", {"infcode": -1, "err_msg": "超出年度限额"})
    assert got.value.message == "2207: infcode -1: 超出年度限额"
