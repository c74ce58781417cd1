"""The reproduce hints rerun the run as it ran (s20): after `conform run --thorough` the terminal printed
"reproduce with conform run --seed 11 --adapter …", which reruns the 20-example profile; a property's own hint
reruns its whole document (conform run has no option selecting one property), and now says so.
"""
from __future__ import annotations

import pytest

from conform.harness.properties.settings import PropertySettings, reproduce_session
from conform.harness.report.certify import seed_words
from conform.harness.report.model import RERUNS_DOCUMENT, counterexample_status
from test_s8_reproduce_hint import _args  # the same stand-in for the run, shared

SYSTEM = ("python:probe_corner:SameDayStaleInProc", None)


def _ps(profile="thorough", seed=11, **kw):
    return PropertySettings(profile, seed, front_end=kw.pop("front_end", "run"), system=SYSTEM, **kw)


@pytest.mark.parametrize("kw, said", [
    # --thorough alone (its default 10m budget): the thorough profile, not the quick one
    (dict(budget=600.0, budget_text="10m"), "conform run --seed 11 --thorough --adapter python:probe_corner:SameDayStaleInProc"),
    (dict(budget=90.0, budget_text="90s", selection=("--policy", "panzhihua")),
     "conform run --seed 11 --thorough --budget 90s --policy panzhihua --adapter python:probe_corner:SameDayStaleInProc"),
    (dict(max_examples=8, shrink=5.0),
     "conform run --seed 11 --examples 8 --thorough --shrink-seconds 5 --adapter python:probe_corner:SameDayStaleInProc"),
])
def test_the_session_hint_reruns_the_run_as_it_ran(kw, said):
    assert reproduce_session(_ps(**kw)) == said


def test_the_quick_and_ci_profiles():
    assert reproduce_session(_ps("conform", 3)) == "conform run --seed 3 --adapter python:probe_corner:SameDayStaleInProc"
    # CI=true picks the ci profile: a local rerun must name it; derandomized, it has no seed to give
    assert reproduce_session(_ps("ci", 3)) == \
        "CONFORM_PROFILE=ci conform run --seed 3 --adapter python:probe_corner:SameDayStaleInProc"
    assert reproduce_session(_ps("ci", None)) == "CONFORM_PROFILE=ci conform run --adapter python:probe_corner:SameDayStaleInProc"
    assert reproduce_session(_ps("thorough", 4, front_end="pytest", budget=90.0, budget_text="90s")) == \
        "--conform-seed 4 --conform-thorough --conform-budget 90s --conform-adapter python:probe_corner:SameDayStaleInProc"


HINT = ("（单独重现此属性 reproduce this property alone: conform run --seed 12 --examples 8 --thorough "
        "--adapter python:probe_corner:SameDayStaleInProc --policy panzhihua）")
NODE = "conform/harness/conformance/test_properties.py::test_deductible[panzhihua]"


def test_a_property_hint_says_it_reruns_the_document():
    st = counterexample_status("# language: zh-CN\n功能: x\n  由 conform 属性测试（Hypothesis）发现并缩小的最小反例；",
                               {}, "起付线超过起付标准\n" + HINT, NODE, "run")
    assert st["reproduce"].startswith("conform run --seed 12 --examples 8 --thorough") and st["reruns"] == RERUNS_DOCUMENT


def test_a_thorough_hint_for_an_unshrunk_example_says_it_may_come_out_smaller():
    st = counterexample_status("x", {"shrunk": False}, HINT, NODE, "run")
    assert st["kind"] == "unshrunk" and "120" in st["reruns"] and "smaller" not in st


def test_under_pytest_the_hint_names_the_property_alone():
    st = counterexample_status("x", {}, "", NODE, "pytest", "--conform-seed 3 --conform-adapter http://h/", "panzhihua")
    assert st["reproduce"] == f"pytest '{NODE}' --conform-seed 3 --conform-adapter http://h/"
    assert st["reruns"] == "只运行这一个属性 runs this property alone"


def test_without_a_budget_the_hint_is_the_sessions_narrowed_to_the_document():
    st = counterexample_status("x", {"shrunk": False}, "", NODE, "run", "conform run --seed 3 --adapter a", "panzhihua")
    assert st["reproduce"] == "conform run --seed 3 --adapter a --policy panzhihua"
    assert st["smaller"] == "conform run --seed 3 --adapter a --policy panzhihua --shrink-seconds 60"
    assert counterexample_status("x", {}, "", NODE, "run", "conform run --seed 3 --policy panzhihua",
                                 "panzhihua")["reproduce"] == "conform run --seed 3 --policy panzhihua"


def test_the_report_seed_line_repeats_the_sessions_options():
    said = seed_words("11", "run", "conform run --seed 11 --thorough --adapter a")
    assert "conform run --seed 11 --thorough --adapter a" in said
    assert "conform run --seed 11" in seed_words("11", "run")  # an older results.json


def test_conform_run_passes_shrink_seconds_and_its_selection(monkeypatch, tmp_path):
    result, args = _args(monkeypatch, tmp_path, "--seed", "7", "--shrink-seconds", "30", "--policy", "panzhihua",
                         "--article", "panzhihua-7")
    assert result.exit_code == 0, result.output
    assert args[args.index("--conform-shrink-seconds") + 1] == "30"
    assert [a for a in args if a.startswith("--conform-select=")] == [
        "--conform-select=--policy", "--conform-select=panzhihua", "--conform-select=--article",
        "--conform-select=panzhihua-7"]


def test_the_report_seed_line_does_not_promise_the_same_examples_under_a_budget():
    said = seed_words("11", "run", "conform run --seed 11 --thorough --budget 20s --adapter a")
    assert "conform run --seed 11 --thorough --budget 20s --adapter a" in said and "可重现同一批样例" not in said
    assert "取决于运行速度" in said
