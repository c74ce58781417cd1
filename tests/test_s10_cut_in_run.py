"""The exit reason and a plugin's messages cut as the reports cut (report.model.cut, s9 implV): at a pause, never
inside a figure, marked "…" — a gate reason quoting "…655." of 655.36 misstates the figure."""
from __future__ import annotations

from conform.harness.plugin import _cut
from conform.harness.results import CheckResult, RunResult
from conform.harness.run import gate


def _figure_across(limit: int) -> str:
    head = "场" * (limit - 3)  # no pause in it: the cut lands at the end of the head, never inside the figure
    return head + "655.36 元与手工计算不符"


def test_a_feature_errors_reason_does_not_cut_a_figure():
    message = _figure_across(200)
    run = RunResult(checks=[CheckResult("f::s", "scenario", "s", status="feature_error", message=message)])
    code, reason = gate(run, 0)
    assert code == 2
    quoted = reason.split("scenario(s): ", 1)[1]
    assert quoted.endswith("…") and "655." not in quoted and len(quoted) <= 200
    assert quoted[:-1] == message[:len(quoted) - 1]


def test_a_plugins_messages_cut_the_same_way():
    text = _figure_across(300)
    assert _cut(text, 300).endswith("场…")
    assert _cut("短", 300) == "短"
