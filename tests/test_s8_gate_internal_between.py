"""`conform run`'s gate: pytest breaking off between checks (INTERNALERROR, e.g. pytest-timeout firing in a
hook) is the harness's error, exit 4 and no verdict — not exit 1 "run incomplete" as if the system had been
found wanting (implS, left for run.py). An interrupted run keeps its own reading."""
from __future__ import annotations

import pytest
from sample_server import shared
from test_s8_implS_foreign_plugins import ARTICLE, SCENARIOS, FakeTimeout

from conform.harness.results import NO_VERDICT
from conform.harness.run import EXIT_FAIL, EXIT_HARNESS, execute_detailed, gate


def test_internal_error_between_checks_is_exit_4():
    ex = execute_detailed(adapter=shared().url, articles=ARTICLE, tag=SCENARIOS, plugins=(FakeTimeout(between=3),))
    run = ex.run
    assert ex.pytest_code == pytest.ExitCode.INTERNAL_ERROR and not ex.interrupted
    # three checks passed, none was in flight: nothing is a harness_error, yet the run broke off
    assert [c.status for c in run.checks] == ["passed"] * 3 and run.incomplete and run.planned > 3
    code, reason = gate(run, ex.pytest_code, interrupted=ex.interrupted)
    assert (code, run.verdict) == (EXIT_HARNESS, NO_VERDICT), reason
    assert "after 3 of" in reason and "no verdict" in reason
    # the same run, had a signal stopped it, is the incomplete run it was (exit 1, no verdict)
    assert gate(run, ex.pytest_code, interrupted=True)[0] == EXIT_FAIL
