"""A repeated 2207 of a visit already settled (same mdtrt_id, a HIS retry after a timeout) is checked (probe s27 H, F1).

The scenarios 同一就诊再次提交结算… (one per document's ordinary-pooling feature) accept a refusal or the first
settlement answered again, and require the year's totals and the balance (5206) unchanged. No text speaks of it: a
failure rests on the reading A-SETTLE-ONCE (common.yaml) and is blamed on it, never on a benefit article.
Each system is a real HTTP server in its own process (tests/_s27_repeat_mutant.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sample_server import SampleServer

from conform.harness.run import CONFORMANCE, execute
from conform.harness.results import CheckResult

MUTANT = Path(__file__).resolve().parent / "_s27_repeat_mutant.py"
REPEAT = "同一就诊再次提交结算（2207，如超时后重发）不再结算一次，年度累计不变（A-SETTLE-ONCE）"
ARTICLES = ("panzhihua-7", "nanchang-4.2.1", "jilin-2.2", "beijing-5", "zhejiang-2.1")
POLICIES = {a.split("-")[0] for a in ARTICLES}


def _repeat_checks(name: str | None) -> list[CheckResult]:
    """The repeat scenario of every document, run against the sample system or its twin `name`."""
    server = SampleServer() if name is None else SampleServer(script=MUTANT, script_args=(name,))
    with server:
        run, _ = execute(adapter=server.url, articles=ARTICLES, paths=(CONFORMANCE / "test_features.py",),
                         extra_args=("-k", "再次提交"))
    checks = [c for c in run.checks if c.name == REPEAT]
    assert {c.policy for c in checks} == POLICIES, [(c.policy, c.name) for c in checks]
    return checks


def test_a_repeat_settled_again_fails_on_the_reading_not_an_article():
    for c in _repeat_checks("s27_repeat_settled_again"):
        assert c.status == "failed", (c.policy, c.status, c.message)
        assert "新的结算" in c.message and "setl_id" in c.message, c.message
        assert c.failed_articles == [f"{c.policy}-A-SETTLE-ONCE"], (c.policy, c.failed_articles)
        assert c.extra.get("rests_on") == ["A-SETTLE-ONCE"], c.extra


def test_a_repeat_answering_the_first_settlement_but_counted_again_fails_on_the_totals():
    checks = {c.policy: c for c in _repeat_checks("s27_repeat_same_answer_counted")}
    for c in checks.values():
        assert c.status == "failed", (c.policy, c.status, c.message)
        assert "setl_id" not in c.message, c.message   # the answer itself is the first one
        assert c.failed_articles == [f"{c.policy}-A-SETTLE-ONCE"], (c.policy, c.failed_articles)
    # 攀枝花 V1 三级 1000.00: 400.00 counted once; a second settlement adds 1000 × 50% = 500.00, and pays its
    # personal part 500.00 from the balance left, 400.00
    pzh = checks["panzhihua"].message
    assert "(ordinary_pay): expected 400.00, got 900.00" in pzh, pzh
    assert "(acct_balance): expected 400.00, got 0.00" in pzh, pzh


@pytest.mark.parametrize("name", [None, "s27_repeat_answers_first"])
def test_a_refusal_and_the_first_answer_again_both_pass(name):
    # the sample system refuses the repeat (engine: id already settled); the twin answers the first settlement again
    for c in _repeat_checks(name):
        assert c.status == "passed", (c.policy, c.status, c.message)


def test_the_reading_is_registered_with_its_chinese_reason():
    root = Path(__file__).resolve().parent.parent / "conform"
    common = yaml.safe_load((root / "reference" / "policies" / "common.yaml").read_text(encoding="utf-8"))
    text = next(a["text"] for a in common["assumptions"] if a["id"] == "A-SETTLE-ONCE")
    assert "mdtrt_id" in text and "只结算一次" in text
    zh = yaml.safe_load((root / "harness" / "report" / "assumptions_zh.yaml").read_text(encoding="utf-8"))
    assert "2207" in zh["A-SETTLE-ONCE"]


def test_a_repeat_settled_again_is_said_at_the_settlements_acceptance_not_a_figures_step():
    """The cause is where the system went wrong, accepting the visit again (结算受理), not at 起付线 because the new
    settlement's figures differ from the first's (s27 probeR F4): a new settlement's figures are not compared."""
    from conform.harness.report import model

    with SampleServer(script=MUTANT, script_args=("s27_repeat_settled_again",)) as server:
        run, _ = execute(adapter=server.url, articles=("panzhihua-7",), paths=(CONFORMANCE / "test_features.py",),
                         extra_args=("-k", "再次提交"))
    [check] = [c for c in run.checks if c.name == REPEAT]
    assert {m.field for m in check.mismatches} <= {"setl_id", "ordinary_dedc", "ordinary_pay", "acct_balance"}, \
        check.mismatches
    [cause] = model.build(run)["causes"]
    assert cause["step"] == "结算受理" and cause["clause"] == "A-SETTLE-ONCE", cause
