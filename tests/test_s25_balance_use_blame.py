"""A balance wrong because of an account use is blamed on the use's article (probe s25 Z3 F2); a year's total wrong
because of one visit the system answered differently is blamed on that visit's article alone (the side note to F4);
a disease's own year total (5206 chronic_dedc / chronic_pay) can be stated and checked by a scenario (F3).

Each defective system is a real HTTP server in its own process (tests/_s25_balance_use_mutant.py)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

from sample_server import SampleServer

from conform.harness.adapters import make_adapter
from conform.harness.plugin import MismatchError, _blame_scenario
from conform.harness.results import CheckResult
from conform.harness.run import CONFORMANCE, execute
from conform.harness.steps.library import then_ytd
from conform.harness.steps.world import World

MUTANT = Path(__file__).resolve().parent / "_s25_balance_use_mutant.py"
DEBITED = "允许的支付从个人账户余额中扣除"
LAST_DAY = "有效期末日的使用照常扣减余额，届满后的使用被拒绝且不扣减"
OVERDRAWN = "余额不足时不得透支"
NC_TOTALS = "年度累计按病种分别记录，各病种的支付累计只计本病种（5206 按病种累计）"
PZH_TOTALS = "门诊慢特病的起付线和支付按病种记入年度累计（5206 按病种累计）"


@contextmanager
def twin(name: str):
    """The URL of the sample system's twin with defect `name`, stopped at the end."""
    with SampleServer(script=MUTANT, script_args=(name,)) as server:
        yield server.url


def _scenarios(defect: str, article: str) -> dict[str, CheckResult]:
    with twin(defect) as url:
        run, _ = execute(adapter=url, articles=(article,), paths=(CONFORMANCE / "test_features.py",))
    return {c.name: c for c in run.checks}


# --------------------------------------------------------------------------- F2: the balance's working


def _balance_clause(c: CheckResult) -> str:
    """The clause of the reference working's balance step (JUnit's "Reference trace", the cause's 依据)."""
    return next(t["clause"] for t in reversed(c.trace) if t.get("step") == "个人账户余额")


def test_a_use_not_debited_is_blamed_on_the_use_article_not_the_credit():
    checks = _scenarios("s25_use_not_debited", "panzhihua-5")
    debited, last_day = checks[DEBITED], checks[LAST_DAY]
    assert debited.status == last_day.status == "failed", (debited.message, last_day.message)
    assert "expected 300.00, got 500.00" in debited.message, debited.message
    # was: a working citing nothing (个人账户余额 …（）), blamed on the scenario's tags only for want of a clause
    assert debited.failed_articles == ["panzhihua-5"], debited.failed_articles
    assert _balance_clause(debited) == "攀枝花 第五条", debited.trace
    assert any(t["step"] == "个人账户使用" and "扣减 200.00 元" in t["detail"] for t in debited.trace), debited.trace
    # was: 第四条 (the 2027-12 credit, answered right: 150.00); the use on 2027-12-31 is 第五条's
    assert "expected 50.00, got 150.00" in last_day.message, last_day.message
    assert last_day.failed_articles == ["panzhihua-5"], last_day.failed_articles
    # the last day's use is allowed only by December's own credit, counted from the 1st (s29: A-ACCOUNT-EVENT-ORDER):
    # under a credit arriving at the month's end it would be refused and 150.00 left, so the balance cites the reading
    assert _balance_clause(last_day) == "攀枝花 第五条；A-ACCOUNT-EVENT-ORDER", last_day.trace


def test_an_overdraft_is_blamed_on_the_use_article():
    checks = _scenarios("s25_use_over_balance", "panzhihua-5")
    c = checks[OVERDRAWN]
    assert c.status == "failed" and "got -50.00" in c.message, (c.status, c.message)
    assert c.failed_articles == ["panzhihua-5"], c.failed_articles
    assert _balance_clause(c) == "攀枝花 第五条", c.trace


# --------------------------------------------------------------------------- side note to F4: a year's total


def test_a_year_total_is_blamed_on_the_visit_answered_differently_only():
    # 吉林 V1 特殊疾病 425.00 (二(四)), V2 急诊 1275.00 (二(五)), V3 特殊疾病 850.00: the twin pays V2 1375.00 and
    # counts it; the total 2650.00 for 2550.00 is V2's, not V1's and V3's, answered right
    with twin("s25_emergency_overpaid") as url:
        w = World(make_adapter(url))
        w.policy, w.region = "jilin", "jilin-example"
        w.set_person(psn_no="JL-S25-B", psn_type="1101", chronic_diseases=[{"dise_codg": "S00100", "kind": "special"}])
        for date, med, dise, fee in (("2023-03-01", "14", "S00100", "1000.00"), ("2023-04-01", "13", None, "2000.00"),
                                     ("2023-05-01", "14", "S00100", "1000.00")):
            w.settle({"date": date, "facility": "secondary", "med_type": med, "medfee_sumamt": fee,
                      **({"dise_codg": dise} if dise else {})})
        assert w.results["V2"]["inpatient_pay"] == "1375.00" and w.results["V1"]["inpatient_pay"] == "425.00"
        with pytest.raises(MismatchError) as caught:
            then_ytd(w, "2023", "住院统筹支付", "2550.00")
    exc = caught.value
    assert exc.mismatches[0].actual == "2650.00"
    total = exc.trace[-1]
    assert "二(五)" in total["clause"] and "二(四)" not in total["clause"], total
    ch = CheckResult("n", "scenario", "s", policy="jilin", articles=["jilin-2.4"], status="failed")
    _blame_scenario(ch, exc)
    assert ch.failed_articles == ["jilin-2.5"], ch.failed_articles


# --------------------------------------------------------------------------- F3: a disease's own year total


@pytest.mark.parametrize(("article", "name"), [("nanchang-4.2.2", NC_TOTALS), ("panzhihua-10", PZH_TOTALS)],
                         ids=["nanchang", "panzhihua"])
def test_the_per_disease_totals_scenarios_fail_a_5206_counting_no_disease(article, name):
    c = _scenarios("s25_5206_chronic_empty", article)[name]
    assert c.status == "failed", (c.status, c.message)
    assert "年度累计" in c.message and "病种 M0" in c.message, c.message
    assert c.failed_articles == [article], c.failed_articles


def test_the_per_disease_totals_are_not_applicable_where_5206_leaves_them_out():
    c = _scenarios("s25_5206_chronic_left_out", "panzhihua-10")[PZH_TOTALS]
    assert c.status == "not_applicable", (c.status, c.message)
    assert "chronic_dedc[M00500]" in c.message, c.message


@pytest.mark.parametrize(("article", "name"), [("nanchang-4.2.2", NC_TOTALS), ("panzhihua-10", PZH_TOTALS)],
                         ids=["nanchang", "panzhihua"])
def test_the_per_disease_totals_scenarios_pass_against_the_reference(article, name):
    run, _ = execute(articles=(article,), paths=(CONFORMANCE / "test_features.py",))
    [c] = [c for c in run.checks if c.name == name]
    assert c.status == "passed", (c.status, c.message)
