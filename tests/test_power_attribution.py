"""Blame only what failed: a failed property marks only the articles it found broken in the matrix."""
from __future__ import annotations

from harness.report.model import build
from harness.results import CheckResult, Mismatch, RunResult


def _run(failed_articles: list[str]) -> RunResult:
    prop = CheckResult(nodeid="p::money_identities[nanchang]", kind="property", name="金额勾稽〔nanchang〕",
                       policy="nanchang", articles=["nanchang-4.2.1", "nanchang-4.3.2"], status="failed",
                       message="V2 本次起付线 (act_pay_dedc): 应为 0.01，实际 0.00",
                       mismatches=[Mismatch("act_pay_dedc", "0.01", "0.00", "V2", "本次起付线")],
                       failed_articles=failed_articles)
    scen = CheckResult(nodeid="f::s", kind="scenario", name="个人账户使用", policy="nanchang",
                       articles=["nanchang-4.3.2"], status="passed")
    return RunResult(policies=["nanchang"], checks=[prop, scen])


def rows(run: RunResult) -> dict[str, str]:
    return {r["tag"]: r["result"] for r in build(run)["matrix"] if r["policy"] == "nanchang"}


def test_failed_property_blames_only_the_articles_it_found_broken():
    matrix = rows(_run(["nanchang-4.2.1"]))
    assert matrix["nanchang-4.2.1"] == "failed"
    assert matrix["nanchang-4.3.2"] == "passed"  # the account article's own scenario passed; not blamed


def test_without_attribution_every_tagged_article_is_blamed_as_before():
    matrix = rows(_run([]))
    assert matrix["nanchang-4.2.1"] == "failed" and matrix["nanchang-4.3.2"] == "failed"


def test_field_attribution_keeps_account_articles_out_of_a_pooling_failure():
    from harness.properties.clauses import blamed

    tagged = ("4.2.1", "4.2.2", "4.3.1", "4.3.2")
    assert blamed(["ordinary_dedc"], "nanchang", tagged) == ("4.2.1",)
    assert blamed(["acct_balance"], "nanchang", tagged) == ("4.3.2",)
    assert blamed(["amount"], "nanchang", tagged) == ("4.3.1",)
    assert set(blamed(["ordinary_pay", "balc"], "nanchang", tagged)) == {"4.2.1", "4.3.2"}
    assert blamed(["something_new"], "nanchang", tagged) == tagged  # unknown: blame all it is tagged with
