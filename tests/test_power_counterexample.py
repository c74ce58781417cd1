"""A failed property always comes with its counterexample, even when shrinking ran out of time.

Against a slow twin (the sample system with added latency) and a tiny shrinking budget the
search ends early; the check must still be 'failed' with the smallest example found, rendered
as a zh-CN scenario, and a message in Chinese without Hypothesis's "Inconsistent results from
replaying" or an exception class name. The replay-differs path (FlakyFailure) is driven directly.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis.errors import FlakyFailure
from sample_server import SampleServer

from conform.harness.generators import fen_edge_person_year, settings_for
from conform.harness.properties import load
from conform.harness.properties.base import Story, mismatch
from conform.harness.properties.runner import Budget, PropertyViolation, _reported, _violation
from conform.harness.run import CONFORMANCE, execute


@pytest.mark.parametrize("seed", ("3", "47"))
def test_slow_twin_failure_keeps_its_counterexample(seed):
    with SampleServer(defect="deductible_per_visit", latency_ms=15) as slow:
        run, _ = execute(adapter=slow.url, policies=("nanchang",), tag="conform_property",
                         extra_args=("--conform-seed", seed, "-k", "test_deductible", "--conform-shrink-seconds", "0.1"),
                         paths=(CONFORMANCE / "test_properties.py",))
    (c,) = run.checks
    assert c.status == "failed", c.message[:300]
    assert c.counterexample.startswith("# language: zh-CN") and "场景" in c.counterexample
    assert c.mismatches and c.failed_articles == ["nanchang-4.2.1"]
    for bad in ("Inconsistent", "Flaky", "Error", "Violation"):
        assert bad not in c.message


def _violation_of(n: int) -> PropertyViolation:
    setting = settings_for("nanchang")[0]
    py = fen_edge_person_year(setting, 2023, "1101", "tertiary", run=n, to_cap_fen=None)
    assert py is not None
    return PropertyViolation("起付线", [mismatch("act_pay_dedc", "0.01", "0.00", "V2")], [Story.of_year(py)], ("4.2.1",))


def test_replay_that_differs_still_reports_the_smallest_counterexample():
    small, large = _violation_of(2), _violation_of(5)
    flaky = FlakyFailure("Inconsistent results from replaying a test case!", [large, small])
    assert _violation(flaky) is small
    prop = load()["deductible"]
    ch = SimpleNamespace(message="", failed_articles=[], extra={})  # as a CheckResult has
    e = _reported(small, prop, "nanchang", Budget(0.0), ch, replay=True)
    assert e.counterexample.startswith("# language: zh-CN") and "@nanchang-4.2.1" in e.counterexample
    assert "Inconsistent" not in ch.message and "应为 0.01，实际 0.00" in ch.message
    assert ch.failed_articles == ["nanchang-4.2.1"]
