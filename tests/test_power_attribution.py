"""Blame only what failed: a failed property marks only the articles it found broken in the matrix."""
from __future__ import annotations

from conform.harness.report.model import build
from conform.harness.results import CheckResult, Mismatch, RunResult


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
    # the account article's own scenario passed; not blamed (部分运行: its other scenarios were not in this run)
    assert matrix["nanchang-4.3.2"] == "partial"


def test_without_attribution_every_tagged_article_is_blamed_as_before():
    matrix = rows(_run([]))
    assert matrix["nanchang-4.2.1"] == "failed" and matrix["nanchang-4.3.2"] == "failed"


def test_field_attribution_keeps_account_articles_out_of_a_pooling_failure():
    from conform.harness.properties.clauses import blamed

    tagged = ("4.2.1", "4.2.2", "4.3.1", "4.3.2")
    assert blamed(["ordinary_dedc"], "nanchang", tagged) == ("4.2.1",)
    assert blamed(["acct_balance"], "nanchang", tagged) == ("4.3.2",)
    assert blamed(["amount"], "nanchang", tagged) == ("4.3.1",)
    assert set(blamed(["ordinary_pay", "balc"], "nanchang", tagged)) == {"4.2.1", "4.3.2"}
    assert blamed(["something_new"], "nanchang", tagged) == tagged  # unknown: blame all it is tagged with


def test_deductible_twin_does_not_mark_the_account_articles_failed():
    """The issue's case: a deductible defect used to mark 南昌 四（三）1/2 failed with no failed scenario there."""
    from sample_server import SampleServer

    from conform.harness.run import CONFORMANCE, execute

    with SampleServer(defect="deductible_per_visit") as twin:
        run, _ = execute(adapter=twin.url, policies=("nanchang",), tag="conform_property",
                         extra_args=("--conform-seed", "3", "--conform-shrink-seconds", "0.3",
                                     "-k", "deductible or money_identities or non_negative or stateful_ledger"),
                         paths=(CONFORMANCE / "test_properties.py",))
    failed = [c for c in run.checks if c.status == "failed"]
    assert failed, "the deductible twin is caught"
    for c in failed:
        assert c.failed_articles and not any(a.startswith("nanchang-4.3") for a in c.failed_articles), \
            (c.name, c.failed_articles)
    matrix = {r["tag"]: r["result"] for r in build(run)["matrix"]}
    assert matrix["nanchang-4.2.1"] == "failed"
    assert matrix["nanchang-4.3.1"] != "failed" and matrix["nanchang-4.3.2"] != "failed"


def _story(policy: str = "panzhihua"):
    from conform.harness.generators import Setting
    from conform.harness.properties.base import Story
    from conform.reference.case import parse_person, parse_settlement

    person = parse_person({"psn_no": "B1", "psn_type": "1101", "acct_balance": "500.00"}, "0")
    visit = parse_settlement({"id": "V1", "date": "2023-03-01", "med_type": "11", "facility": "tertiary",
                              "medfee_sumamt": "1217.29"}, "0", 0, person)
    return Story.of(Setting(policy, f"{policy}-example" if policy == "panzhihua" else None), person, [visit])


def _blamed(mismatches: list[tuple[str, str]], policy: str = "panzhihua") -> tuple[str, ...]:
    from conform.harness.properties.differential import _blame

    bad = [Mismatch(f, "1.00", "2.00", item, f) for f, item in mismatches]
    return _blame(_story(policy), bad)[policy]


def test_differential_blames_the_account_only_when_the_account_part_differs():
    """Reviewer C's case (pharmacy_at_secondary_rate): the fund payment and so the cash payment are wrong,
    acct_pay agrees; 第七条 alone explains it, 第五条 (account use) must not be blamed."""
    wrong_ratio = [(f, "V1") for f in ("hifp_pay", "pool_prop_selfpay", "fund_pay_sumamt", "psn_part_amt",
                                       "psn_cash_pay")] + [("ordinary_pay", "2023年度累计")]
    assert _blamed(wrong_ratio) == ("7",)
    # cash alone, the personal part and the account part right: the identity psn_cash_pay = psn_part_amt − acct_pay
    # broken, which no account rule or reading decides — the visit's benefit (probe s28 H3 F2; s20 pinned 第五条 here)
    assert _blamed([("psn_cash_pay", "V1")]) == ("7",)
    assert _blamed([("psn_part_amt", "V1"), ("psn_cash_pay", "V1")]) == ("7",)  # the personal part too: the benefit
    assert _blamed([("acct_pay", "V1"), ("psn_cash_pay", "V1")]) == ("5",)
    assert set(_blamed([("hifp_pay", "V1"), ("balc", "V1"), ("psn_cash_pay", "V1")])) == {"7", "5"}
    assert _blamed([("acct_balance", "2023年度累计")]) == ("5",)       # the balance itself differs
    nanchang = [(f, "V1") for f in ("hifp_pay", "psn_part_amt", "psn_cash_pay")]
    assert _blamed(nanchang, "nanchang") == ("4.2.1",)
