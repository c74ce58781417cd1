"""A system counting a chronic disease's own deductible into the ordinary deductible (probe s24 R F4) fails the
攀枝花 scenarios written for that rule on the article keeping the two apart (第十条), not on 第七条 alone, and no
failed check names no article.

- The reference's 起付线 step of an ordinary visit whose year already counted a disease's own deductible cites the
  article fixing that deductible (第十条; 第九条 for a "两病" disease) where counting it in would have changed the
  visit's deductible (benefits._chronic_apart); the year's ordinary deductible total cites it too (World.ytd_trace).
- A failed scenario whose reference working cites nothing for the figure is blamed on its own articles
  (plugin._blame_scenario), never on none.

The defective system is a real HTTP server in its own process (tests/_s25_chronic_mutant.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from sample_server import SampleServer

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.plugin import MismatchError, _blame_scenario
from conform.harness.results import CheckResult, Mismatch
from conform.harness.run import CONFORMANCE, execute
from conform.harness.steps.world import World

MUTANT = Path(__file__).resolve().parent / "_s25_chronic_mutant.py"
FEATURE = "features/panzhihua/第10条_门诊慢特病保障.feature"
SEPARATE = "慢特病起付线与普通门诊起付线分别计算"


@pytest.fixture(scope="module")
def chronic_into_ordinary():
    """The URL of the twin counting chronic deductibles into the ordinary one, stopped at the end."""
    with SampleServer(script=MUTANT) as server:
        yield server.url


@pytest.fixture(scope="module")
def failed(chronic_into_ordinary):
    run, _ = execute(adapter=chronic_into_ordinary, articles=("panzhihua-10",),
                     paths=(CONFORMANCE / "test_features.py",))
    checks = [c for c in run.checks if c.status == "failed"]
    assert checks, [(c.name, c.status) for c in run.checks]
    return checks


def test_the_scenario_for_separate_deductibles_fails_the_chronic_article(failed):
    [c] = [c for c in failed if c.name == SEPARATE]
    # V3 普通门诊 500.00: the twin charges 100.00 (200 − V1/V2's chronic 100) for 200.00
    assert "V3 本次起付线" in c.message, c.message
    assert "panzhihua-10" in c.failed_articles and "panzhihua-7" in c.failed_articles, c.failed_articles


def test_no_failed_check_names_no_article(failed):
    # the year's ordinary deductible total of a year of chronic visits only (the A-REVERSAL scenario, the no-account
    # outline's two rows) was blamed on nothing: it rests on the chronic deductibles' article
    totals = [c for c in failed if "年度累计" in c.message and "ordinary_dedc" in c.message]
    assert len(totals) >= 3, [(c.name, c.message) for c in failed]
    for c in failed:
        assert c.failed_articles, (c.name, c.message)
    for c in totals:
        # 第十条 alone: not every article the no-account outline is tagged with (第九、十一条), nor A-REVERSAL
        assert c.failed_articles == ["panzhihua-10"], (c.name, c.failed_articles)


# --------------------------------------------------------------------------- the reference's working


def _deductible_clause(visits: list[dict], diseases: list[dict], params: dict | None = None) -> list[str]:
    w = World(ReferenceAdapter())
    w.policy, w.region = "panzhihua", "panzhihua-example"
    w.params.update(params or {})
    w.set_person(psn_no="PZH-S25", psn_type="1101", chronic_diseases=diseases)
    out = {}
    for v in visits:
        out = w.settle({"date": "2023-03-01", "facility": "secondary", **v})
    return [t["clause"] for t in out["trace"] if t["step"] == "起付线"]


CHRONIC = [{"dise_codg": "M00500", "kind": "chronic"}]


def test_an_ordinary_deductible_after_a_chronic_one_cites_the_article_keeping_them_apart():
    # M00500: 1300.00 counts its own 300.00; the ordinary 500.00 then charges 200.00 (0.00 were 300 counted in)
    [clause] = _deductible_clause([{"med_type": "14", "dise_codg": "M00500", "medfee_sumamt": "1300.00"},
                                   {"med_type": "11", "medfee_sumamt": "500.00"}], CHRONIC)
    assert clause.split("；") == ["攀枝花 第七条", "攀枝花 第十条"], clause


def test_an_ordinary_deductible_met_before_cites_the_ordinary_article_alone():
    # the ordinary 200.00 met by the first visit: 0.00 on the third whether or not the chronic 300.00 counted
    clauses = _deductible_clause([{"med_type": "11", "medfee_sumamt": "500.00"},
                                  {"med_type": "14", "dise_codg": "M00500", "medfee_sumamt": "1300.00"},
                                  {"med_type": "11", "medfee_sumamt": "100.00"}], CHRONIC)
    assert clauses == ["攀枝花 第七条"], clauses


def test_a_two_disease_deductible_is_kept_apart_by_article_nine():
    [clause] = _deductible_clause([{"med_type": "14", "dise_codg": "M03900", "medfee_sumamt": "400.00",
                                    "facility": "primary"},
                                   {"med_type": "11", "medfee_sumamt": "500.00"}],
                                  [{"dise_codg": "M03900", "kind": "two_disease"}],
                                  {"chronic.M03900.deductible": "100"})
    assert clause.split("；") == ["攀枝花 第七条", "攀枝花 第九条"], clause


# --------------------------------------------------------------------------- the fallback


def test_a_failed_scenario_whose_working_cites_nothing_is_blamed_on_its_own_articles():
    ch = CheckResult("n", "scenario", "s", policy="panzhihua", articles=["panzhihua-10"], status="failed")
    trace = [{"step": "年度累计起付线", "clause": "", "value": "0.00", "detail": "2023年度累计起付线：V1 0.00 = 0.00元"}]
    _blame_scenario(ch, MismatchError([Mismatch("ordinary_dedc", "0.00", "300.00", "2023年度累计", "起付线")], trace))
    assert ch.failed_articles == ["panzhihua-10"]
