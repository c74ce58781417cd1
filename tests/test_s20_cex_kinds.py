"""A counterexample says truthfully what it is (s20): shrunk to a minimum, found but not fully shrunk (with how to get a
smaller one), or a fixed explicit example the property always tries — in its Gherkin, the HTML and the terminal.

Before, the Gherkin always said "由 conform 属性测试（Hypothesis）发现并缩小的最小反例", and the HTML and the terminal
dropped the runner's "反例未完全缩减" note of a failure whose shrinking stopped after 2 s.
"""
from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conform.harness.counterexample import (EXPLICIT, SHRUNK, UNSHRUNK, kind_of, render_feature, render_violation,
                                            violation_kind)
from conform.harness.properties import load
from conform.harness.properties.base import PropertyViolation, Story, mismatch
from conform.harness.report import html, model
from conform.harness.results import CheckResult, RunResult

# the runner's note on a failure whose shrinking stopped (conform/harness/properties/runner._reported)
UNSHRUNK_NOTE = ("（缩减反例在 2 秒后停止，反例未完全缩减：以下为找到的最小反例，其中可能仍有与不符无关的情形及其依据假设）"
                 "(shrinking stopped after 2 s: the example is not fully shrunk; this is the smallest failure found)")


def _explicit_story():
    prop = load()["settlement_exact"]
    ex = prop.examples("panzhihua")[0]
    return prop, Story.of_year(ex, "逐笔精确")


def _violation(story, notes=()):
    e = PropertyViolation("本次统筹支付与逐笔计算不符", [mismatch("hifp_pay", "0.50", "0.51", "V1")], [story])
    if notes:
        e.__notes__ = list(notes)
    return e


def _random_story():
    prop, story = _explicit_story()
    first = story.settlements[0]
    from dataclasses import replace

    from conform.harness.properties.base import Settle
    return prop, Story(story.setting, story.person, [Settle(replace(first, medfee_sumamt=first.medfee_sumamt + 7))],
                       "逐笔精确")


def test_a_shrunk_counterexample_is_called_minimal_and_only_then():
    # s21 probeX item 5: "shrunk", never "the minimum" — Hypothesis's end need not have the smallest amounts (a V1 of
    # 19279.37 where any visit over the cap fails: the amount is decoded from a seed's low digits)
    prop, story = _random_story()
    text = render_violation(_violation(story), prop, "panzhihua")
    assert "发现并缩小的反例（Hypothesis 缩小后的反例，其中金额未必是最小的）" in text and kind_of(text) == SHRUNK
    assert "最小反例" not in text.splitlines()[2], text.splitlines()[2]


def test_an_older_shrunk_header_is_still_read_as_shrunk():
    old = "# language: zh-CN\n功能: x\n  由 conform 属性测试（Hypothesis）发现并缩小的最小反例；检查条款：攀枝花 第七条。"
    assert kind_of(old) == SHRUNK


def test_the_html_does_not_call_a_shrunk_counterexample_the_minimum():
    prop, story = _random_story()
    gherkin = render_violation(_violation(story), prop, "panzhihua")
    page = html.render(model.build(_run_with(gherkin, {})))
    assert "Hypothesis 缩小后的反例（金额未必最小）" in page and "已缩小到最小的反例" not in page


def test_a_counterexample_not_fully_shrunk_says_so_and_how_to_get_a_smaller_one():
    prop, story = _random_story()
    e = _violation(story, [UNSHRUNK_NOTE])
    assert violation_kind(e, prop, "panzhihua") == UNSHRUNK
    text = render_violation(e, prop, "panzhihua")
    head = text.splitlines()[2]
    assert "最小反例" not in head and "未完全缩小" in head, head
    assert "--shrink-seconds" in head and "--conform-shrink-seconds" in head and "同一种子再次运行也可能得到不同的反例" in head
    assert kind_of(text) == UNSHRUNK


def test_an_explicit_example_is_called_a_fixed_example_even_without_hypothesis_note():
    """Under a time budget the runner replaces the exception's notes (its reproduce hint): the stories equal to one of
    the property's explicit examples (settlement._fen_edge_examples) still tell it."""
    prop, story = _explicit_story()
    e = _violation(story, ["（单独重现此属性 reproduce this property alone: conform run --seed 12 --examples 8）"])
    assert violation_kind(e, prop, "panzhihua") == EXPLICIT
    text = render_violation(e, prop, "panzhihua")
    assert "固定示例" in text.splitlines()[2] and "最小反例" not in text.splitlines()[2]
    assert kind_of(text) == EXPLICIT


def test_hypothesis_marks_a_failing_explicit_example():
    """The marker read first: Hypothesis's own note on an @example that fails (never shrunk)."""
    prop, story = _random_story()

    @settings(database=None, max_examples=5)
    @given(st.integers())
    @example(-1)
    def check(x):
        if x < 0:
            raise _violation(story)

    with pytest.raises(PropertyViolation) as info:
        check()
    assert violation_kind(info.value, None, "panzhihua") == EXPLICIT


def test_render_feature_defaults_to_shrunk_and_every_kind_reads_back():
    _, story = _explicit_story()
    for kind in (SHRUNK, UNSHRUNK, EXPLICIT, "replayed"):
        text = render_feature([story], policy="panzhihua", articles=["7"], title="t", kind=kind)
        assert kind_of(text) == kind


def _run_with(counterexample: str, extra: dict, message: str = "") -> RunResult:
    run = RunResult(adapter={"adapter": "x"}, policies=["panzhihua"])
    run.seed = "1"
    run.examples = {"profile": "conform", "max_examples": 20, "front_end": "run",
                    "reproduce": "conform run --seed 1 --adapter python:m:C"}
    run.checks.append(CheckResult("conform/harness/conformance/test_properties.py::test_deductible[panzhihua]",
                                  "property", "起付线〔panzhihua〕", policy="panzhihua", articles=["panzhihua-7"],
                                  status="failed", message=message or "起付线超过起付标准\n" + UNSHRUNK_NOTE,
                                  mismatches=[model_mismatch()], counterexample=counterexample, extra=extra))
    return run


def model_mismatch():
    from conform.harness.results import Mismatch
    return Mismatch("act_pay_dedc", "0.00", "0.02", "V2", "本次起付线")


def test_the_html_says_a_counterexample_was_not_fully_shrunk():
    prop, story = _random_story()
    gherkin = render_violation(_violation(story, [UNSHRUNK_NOTE]), prop, "panzhihua")
    page = html.render(model.build(_run_with(gherkin, {"shrunk": False})))
    assert "找到但未完全缩小的反例 found, not fully shrunk" in page
    assert "conform run --seed 1 --adapter python:m:C --policy panzhihua --shrink-seconds 60" in page
    # and an older results.json (its Gherkin still says 最小反例): extra.shrunk false is believed
    old = gherkin.replace(gherkin.splitlines()[2], "  由 conform 属性测试（Hypothesis）发现并缩小的最小反例；检查条款：攀枝花 第七条。")
    assert "找到但未完全缩小的反例" in html.render(model.build(_run_with(old, {"shrunk": False})))


def test_the_html_says_a_fixed_example_is_one():
    prop, story = _explicit_story()
    gherkin = render_violation(_violation(story), prop, "panzhihua")
    page = html.render(model.build(_run_with(gherkin, {}, message="起付线超过起付标准")))
    assert "固定示例：属性每次都先试，不经缩小 a fixed example the property always tries first" in page
    assert "已缩小到最小的反例" not in page


def test_the_terminal_prints_what_the_counterexample_is(capsys):
    from conform.harness.properties.settings import PropertySettings, counterexample_lines

    prop, story = _random_story()
    gherkin = render_violation(_violation(story, [UNSHRUNK_NOTE]), prop, "panzhihua")
    c = _run_with(gherkin, {"shrunk": False}).checks[0]
    ps = PropertySettings("conform", 1, front_end="run", system=("python:m:C", None))
    lines = counterexample_lines(c, ps)
    assert lines[0] == "# 反例 counterexample: 找到但未完全缩小的反例 found, not fully shrunk", lines
    assert lines[1].startswith("# 重现 reproduce: conform run --seed 1 --adapter python:m:C --policy panzhihua"), lines
    assert "重跑该文件的全部场景和属性" in lines[1], lines
    assert lines[2] == ("# 更小的反例 for a smaller one: conform run --seed 1 --adapter python:m:C --policy panzhihua "
                        "--shrink-seconds 60"), lines
