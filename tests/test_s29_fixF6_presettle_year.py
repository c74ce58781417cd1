"""A 2206 that ignores the year's earlier settlements (its 2207 right) fails a scenario under 北京, 浙江, 吉林 and 攀枝花
(probe s29 H5 F6). Before, under 北京 only the differential property caught it, and its blame said the failure rested
on A-YEAR-BY-SETTLEMENT-DATE: no period reading excuses a pre-settlement disagreeing with the settlement of the very
same visit on the very same totals. Each document's new scenario pre-settles a second visit of the year after a first
settled one, then settles it: the two answers are compared first (resting on no reading, the scenario's article
blamed), then the hand-worked figures. The twin is tests/_s29_fixF6_mutant.py's s29_presettle_fresh_year, a real HTTP
server in its own process; the scenarios alone are run, so the result does not depend on a seed."""
from __future__ import annotations

from pathlib import Path

import pytest
from sample_server import SampleServer, twin_servers

from conform.harness.run import CONFORMANCE, execute

MUTANT = Path(__file__).resolve().parent / "_s29_fixF6_mutant.py"
TWIN = "s29_presettle_fresh_year"
K = "随后同一就诊的结算答复相同"
LIMITED = "年内已结算后的预结算按已累计的起付线和限额试算，随后同一就诊的结算答复相同"
DEDUCTIBLE = "年内已结算后的预结算按尚余的起付线试算，随后同一就诊的结算答复相同"
# policy → (scenario, article, what the twin's 2206 answers against the 2207: (field, 2206, 2207) worked by hand
# in the scenario's comment — the 2206 as if nothing had been settled this year)
NEW = {
    # beijing-example 在职：V1 一级 1000 all deductible; V2 三级 2000: fresh (2000 − 1800) × 70% = 140.00,
    # right (2000 − 800) × 70% = 840.00
    "beijing": (DEDUCTIBLE, "beijing-5", (("act_pay_dedc", "1800.00", "800.00"), ("hifp_pay", "140.00", "840.00"))),
    # zhejiang-example 在职：V1 二级 2600 → 1200.00; V2 三级 2000: fresh (2000 − 600) × 50% = 700.00, right capped at
    # 2000 − 1200 = 800.00
    "zhejiang": (LIMITED, "zhejiang-2.1", (("act_pay_dedc", "600.00", "0.00"), ("hifp_pay", "700.00", "800.00"))),
    # jilin-example 在职：V1 一级 2200 → 1200.00; V2 三级 1000: fresh (1000 − 200) × 50% = 400.00, right capped at
    # 1500 − 1200 = 300.00
    "jilin": (LIMITED, "jilin-2.2", (("act_pay_dedc", "200.00", "0.00"), ("hifp_pay", "400.00", "300.00"))),
    # 第七条 退休：V1 三级 100 all deductible; V2 二级 850: fresh (850 − 150) × 65% = 455.00, right (850 − 50) × 65%
    # = 520.00
    "panzhihua": (DEDUCTIBLE, "panzhihua-7", (("act_pay_dedc", "150.00", "50.00"), ("hifp_pay", "455.00", "520.00"))),
}


def _checks(url: str) -> dict[str, object]:
    run, _ = execute(adapter=url, policies=tuple(NEW), paths=(CONFORMANCE / "test_features.py",),
                     extra_args=("-k", K))
    out = {c.policy: c for c in run.checks}
    assert {(c.policy, c.name) for c in run.checks} == {(p, name) for p, (name, _, _) in NEW.items()}, \
        sorted((c.policy, c.name) for c in run.checks)
    return out


@pytest.fixture(scope="module")
def twin():
    with twin_servers(MUTANT, (TWIN,)) as urls:
        yield _checks(urls[TWIN])


@pytest.mark.parametrize("policy", sorted(NEW))
def test_a_2206_ignoring_the_years_totals_fails_on_the_article_and_no_reading(twin, policy):
    _, article, diffs = NEW[policy]
    c = twin[policy]
    assert c.status == "failed", (policy, c.status, c.message)
    for field, pre, settled in diffs:
        assert f"({field}): expected {pre}, got {settled}" in c.message, c.message
    assert "结算 2207 应与预结算 2206 答复相同" in c.message, c.message
    assert c.failed_articles == [article], c.failed_articles
    assert "rests_on" not in c.extra, c.extra
    assert not any(a.startswith("A-") for a in c.extra.get("assumptions", ())), c.extra


def test_the_sample_system_passes_them():
    with SampleServer() as server:
        for policy, c in _checks(server.url).items():
            assert c.status == "passed", (policy, c.name, c.message)
