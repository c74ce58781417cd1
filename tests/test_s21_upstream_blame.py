"""A scenario of one article failing only on a figure another article decides (probe s21 X item 1): 攀枝花 第五条's
account scenario asserts V1's fund payment, which 第七条 decides; a system leaving 先行自付 inside 政策范围内费用 (a base
the platform's 结算口径 decides, no article) pays 125.00 for 115.00. The check fails 第七条 (the article the reference's
trace cites for that figure, as a property's traced_blame), and 第五条 reads not judged (blocked), never failed."""
from __future__ import annotations

import pytest

from conform.harness.plugin import MismatchError, _blame_scenario
from conform.harness.results import CheckResult, Mismatch, RunResult
from conform.harness.steps.world import World
from conform.harness.adapters.reference import ReferenceAdapter


def _trace() -> list[dict]:
    w = World(ReferenceAdapter())
    w.policy = "panzhihua"
    w.set_person(psn_no="PZH-0501", psn_type="1101", acct_balance="300.00")
    out = w.settle({"date": "2023-03-01", "facility": "tertiary", "med_type": "11", "medfee_sumamt": "500.00",
                    "fulamt_ownpay_amt": "50.00", "overlmt_selfpay": "0.00", "preselfpay_amt": "20.00"})
    return out["trace"]


def _system_answer() -> list[dict]:  # the system's 2207, as the HTTP profile records it: base 450.00, fund 125.00
    info = {"inscp_scp_amt": "450.00", "act_pay_dedc": "200.00", "pool_prop_selfpay": "0.5", "hifp_pay": "125.00"}
    return [{"operation": "settle", "request": {"infno": "2207", "input": {"data": {"mdtrt_id": "V1"}}},
             "response": {"infcode": 0, "output": {"setlinfo": info}}}]


def _failed_check() -> CheckResult:
    trace = _trace()
    # the deductible took 200.00 of a bill with 全自费 and 先行自付: what it accumulates is A-DEDUCTIBLE-SCOPE's (s29)
    assert [t["clause"] for t in trace][:2] == ["国家医保平台结算口径", "攀枝花 第七条；A-DEDUCTIBLE-SCOPE"]
    ch = CheckResult("n", "scenario", "门诊结算中个人负担部分由个人账户支付", policy="panzhihua",
                     articles=["panzhihua-5"], status="failed")
    ch.evidence.extend(_system_answer())
    _blame_scenario(ch, MismatchError([Mismatch("hifp_pay", "115.00", "125.00", "V1", "统筹基金支付")], trace))
    return ch


def test_a_fund_figure_in_an_account_scenario_blames_the_article_deciding_it():
    ch = _failed_check()
    assert ch.failed_articles == ["panzhihua-7"]


def test_the_scenarios_own_article_reads_not_judged_not_failed():
    from conform.harness.report.model import build

    ch = _failed_check()
    ch.message = "V1 统筹基金支付 (hifp_pay)：应为 115.00，实际 125.00"
    ch.mismatches = [Mismatch("hifp_pay", "115.00", "125.00", "V1", "统筹基金支付")]
    run = RunResult(policies=["panzhihua"], checks=[ch])
    data = build(run)
    rows = {r["tag"]: r for r in data["matrix"]}
    assert rows["panzhihua-7"]["result"] == "failed"
    assert rows["panzhihua-5"]["result"] == "blocked"
    assert "攀枝花 第七条" in rows["panzhihua-5"]["reason"]
    [cause] = data["causes"]
    assert cause["articles"] == ["panzhihua-7"]


# --------------------------------------------------------------------------- item 2: English beside the cause's
# headline and its 应为/实际 lines (terminal, HTML), as beside every other label

def _failed_run() -> RunResult:
    ch = CheckResult(nodeid="t.py::t", kind="scenario", name="比例", policy="panzhihua", articles=["panzhihua-7"],
                     status="failed", feature_file="features/panzhihua/x.feature", line=3,
                     mismatches=[Mismatch("hifp_pay", "240.00", "220.00", "V1", "统筹基金支付")],
                     trace=[{"step": "年度最高支付限额", "clause": "攀枝花 第七条", "value": "240.00"}],
                     failed_articles=["panzhihua-7"])
    return RunResult(policies=["panzhihua"], checks=[ch])


def test_the_html_cause_says_its_headline_and_figures_in_english_too():
    from conform.harness.report import html, model

    page = html.render(model.build(_failed_run()))
    assert ('<span class="en">hifp_pay differs at the step “年度最高支付限额”: 1 check, 1 scenario file</span>'
            in page), page[page.find('class="headline"'):][:400]
    assert ('应为 <span class="en">expected</span> <span class="exp">240.00</span>，实际 <span class="en">actual</span> '
            '<span class="act">220.00</span>') in page


def test_the_terminal_cause_and_failure_lines_say_it_in_english_too(capsys):
    from conform.harness.report.terminal import cause_lines
    from conform.harness.run import print_summary

    [line] = cause_lines(_failed_run())
    assert line.endswith("— hifp_pay differs at the step “年度最高支付限额”: 1 check, 1 scenario file"), line
    print_summary(_failed_run())
    out = " ".join(capsys.readouterr().out.split())
    assert "V1 统筹基金支付 (hifp_pay): 应为 expected 240.00，实际 actual 220.00" in out, out


# --------------------------------------------------------------------------- item 3: one form for ratios and amounts

def test_a_refusal_names_its_interface_once():
    from conform.harness.adapters.base import SettlementRefused

    said = SettlementRefused("2207: infcode -1: 2207: 本次统筹支付140.00元超过年度最高支付限额余额，拒绝结算").message
    assert said == "2207: infcode -1: 本次统筹支付140.00元超过年度最高支付限额余额，拒绝结算"


def test_the_verdict_sentence_spaces_the_count_of_failures():
    from conform.harness.report.terminal import verdict_sentence

    run = _failed_run()
    assert "项检查中 1 项不符合规定" in verdict_sentence(run), verdict_sentence(run)


def test_a_ratio_reads_as_the_scenarios_write_it(capsys):
    from conform.harness.report import html, model
    from conform.harness.run import print_summary

    run = _failed_run()
    run.checks[0].mismatches = [Mismatch("pool_prop_selfpay", "0.5000", "0.6000", "V1", "支付比例")]
    print_summary(run)
    out = " ".join(capsys.readouterr().out.split())
    assert "V1 支付比例 (pool_prop_selfpay): 应为 expected 50%，实际 actual 60%" in out, out
    page = html.render(model.build(run))
    assert '<span class="exp">50%</span>' in page and "0.5000" not in page


def test_the_exact_working_shows_amounts_to_the_fen():
    from decimal import Decimal

    from conform.harness.properties.settlement import _exact, pct

    assert (_exact(Decimal("0")), _exact(Decimal("202.080")), _exact(Decimal("60.006"))) == ("0.00", "202.08", "60.006")
    assert pct(Decimal("0.5")) == "50%"


# --------------------------------------------------------------------------- item 5: a hint that runs where pasted

def test_under_uv_run_the_hint_says_uv_run(monkeypatch):
    import os
    import subprocess
    import sys

    from conform.harness.properties.settings import PropertySettings, reproduce_session

    ps = PropertySettings("conform", 3, front_end="run", system=("http://127.0.0.1:1/", None))
    monkeypatch.setenv("UV_RUN_RECURSION_DEPTH", "1")  # what uv sets in its child (checked below when uv is here)
    assert reproduce_session(ps) == "uv run conform run --seed 3 --adapter http://127.0.0.1:1/"
    assert reproduce_session(PropertySettings("ci", 3, front_end="run", system=("a", None))) == \
        "CONFORM_PROFILE=ci uv run conform run --seed 3 --adapter a"
    # a vendor's pytest session names its own options, under uv or not
    assert reproduce_session(PropertySettings("conform", 3, front_end="pytest", system=("a", None))) == \
        "--conform-seed 3 --conform-adapter a"
    monkeypatch.delenv("UV_RUN_RECURSION_DEPTH")
    assert reproduce_session(ps) == "conform run --seed 3 --adapter http://127.0.0.1:1/"
    import shutil

    uv = shutil.which("uv")
    if uv:  # uv does set it in its child
        env = {k: v for k, v in os.environ.items() if k != "UV_RUN_RECURSION_DEPTH"}
        said = subprocess.run([uv, "run", "--no-sync", sys.executable, "-c",
                               "import os; print(os.environ.get('UV_RUN_RECURSION_DEPTH', ''))"],
                              capture_output=True, text=True, env=env, timeout=60)
        assert said.stdout.strip() not in ("", "0"), said


# --------------------------------------------------------------------------- item 6: each twin carries its one bug

TWINS = ("cap_left_whole_yuan", "deductible_left_whole_yuan", "round_running_total")


def _pool(pooling, rules, facility: str, out, used=("0.00", "0.00")):
    from decimal import Decimal

    from conform.reference.ledger import Contribution, YearState
    from conform.reference.trace import Trace

    ys = YearState(2023, ordinary_dedc=Decimal(used[0]), ordinary_pay=Decimal(used[1]))
    pooling(rules, ys, "in_service", facility, out.inscp, Trace(), Contribution(2023), out)
    return out


@pytest.mark.parametrize("name", TWINS)
def test_a_twin_agrees_with_the_reference_where_its_bug_does_not_bite(name, monkeypatch):
    # a chronic visit its cap no longer covered (chronic_pay 0.00) overflowing whole to ordinary pooling: the
    # reference answers the ordinary ratio (benefits.ordinary_pooling, `out.chronic_pay == ZERO`); the twins answered
    # the chronic one, a second bug (probe s21 X item 6). Whole-yuan figures, far from the deductible's and the
    # cap's edges: the one documented bug has nothing to act on.
    from decimal import Decimal

    from conform.fixtures.sample_system.defects import DEFECTS
    from conform.reference import benefits
    from conform.reference.benefits import Outcome
    from conform.reference.policy import bind

    reference = benefits.ordinary_pooling
    monkeypatch.setattr(benefits, "ordinary_pooling", reference)  # put back after the twin is installed
    DEFECTS[name].apply()
    twin = benefits.ordinary_pooling
    assert twin is not reference
    rules = bind("nanchang", "nanchang-example")
    for facility in ("secondary", "pharmacy"):
        def fresh():
            return Outcome(Decimal("1000.00"), ratio=Decimal("0.8"), benefit="chronic", chronic_pay=Decimal("0.00"))
        want = _pool(reference, rules, facility, fresh(), ("600.00", "100.00"))
        got = _pool(twin, rules, facility, fresh(), ("600.00", "100.00"))
        assert (got.ratio, got.ordinary_pay, got.dedc, got.benefit) == \
            (want.ratio, want.ordinary_pay, want.dedc, want.benefit), (name, facility)


# --------------------------------------------------------------------------- item 7: the new year's totals named too

class ReversesInCurrentYear(ReferenceAdapter):
    """The twin reversal_in_current_year in its own ledger only (the harness's oracle is another instance): a
    reversal made after the next year began is taken from the year now open, not from the settlement's."""

    def reverse(self, psn_no, setl_id):
        from dataclasses import replace

        ledger = self._ledger(psn_no)
        entry = ledger.settled.get(setl_id)
        current = ledger.last_date.year if ledger.last_date is not None else None
        if entry is not None and current is not None and entry[1].year != current:
            result, c = entry
            ledger.year(current)
            ledger.settled[setl_id] = (result, replace(c, year=current))
        return super().reverse(psn_no, setl_id)


def test_a_reversal_taken_from_the_new_year_names_the_new_years_totals():
    from conform.harness.run import CONFORMANCE, execute

    run, _ = execute(adapter=f"python:{__name__.rpartition('.')[2]}:ReversesInCurrentYear", policies=("panzhihua",),
                     tag="conform_property", paths=(CONFORMANCE / "test_properties.py",),
                     extra_args=("--conform-seed", "11", "-k", "test_cross_year_reversal"))
    [c] = run.checks
    assert c.status == "failed", (c.status, c.message[:300])
    years = sorted({m.item for m in c.mismatches})
    assert len(years) == 2 and all(y.endswith("年度累计") for y in years), c.mismatches
    new_year = [m for m in c.mismatches if m.item == years[1]]
    # the new year answers 0.00 where its own settlement's 200.00 stands: expected and actual, both shown
    assert {(m.field, m.actual) for m in new_year} >= {("ordinary_dedc", "0.00")}, new_year
    assert all(m.expected not in ("", m.actual) for m in new_year), new_year
    assert c.extra.get("rests_on") == ["A-REVERSAL"], c.extra


# --------------------------------------------------------------------------- item 8: a reading is no article

def test_a_reading_failed_is_shown_as_a_reading_not_as_an_article():
    from conform.harness.report import model
    from conform.harness.report.terminal import article_label

    assert article_label("jilin-A-REVERSAL") == "假设 A-REVERSAL"
    assert article_label("nanchang-A-REVERSAL") == "假设 A-REVERSAL"
    assert article_label("jilin-1") == "吉林 一"
    ch = CheckResult(nodeid="t.py::t", kind="scenario", name="撤销", policy="jilin", articles=["jilin-2.2"],
                     status="failed", feature_file="features/jilin/x.feature", line=3,
                     mismatches=[Mismatch("infcode", "0（撤销成功）", "拒绝：2208: infcode -1: 不予撤销", "V1", "撤销结果")],
                     failed_articles=["jilin-A-REVERSAL"])
    [cause] = model.build(RunResult(policies=["jilin"], checks=[ch]))["causes"]
    assert cause["article_labels"] == ["假设 A-REVERSAL"], cause["article_labels"]


# --------------------------------------------------------------------------- item 9: grouped by the first field

def test_years_totals_group_by_the_deductible_counted_first():
    # cross_year_reversal's failure lists the year's deductible total, then its payment total: the cause is the
    # deductible's, as the report's rule says ("grouped by the first field that differs"), not the payment's
    from conform.harness.report.causes import group, root_mismatch

    ms = [{"field": "ordinary_dedc", "expected": "0.00", "actual": "200.00", "item": "2023年度累计"},
          {"field": "ordinary_pay", "expected": "0.00", "actual": "200.00", "item": "2023年度累计"},
          {"field": "ordinary_dedc", "expected": "200.00", "actual": "0.00", "item": "2024年度累计"}]
    assert (root_mismatch(ms)["field"], root_mismatch(ms)["item"]) == ("ordinary_dedc", "2023年度累计")
    check = {"id": "c1", "status": "failed", "kind": "property", "document": "攀枝花", "policy": "panzhihua",
             "articles": ["panzhihua-7"], "path": "", "trace": [], "message": "", "extra": {}, "mismatches": ms}
    [cause] = group([check], {})
    assert cause["field"] == "ordinary_dedc", cause["headline"]
    # with a settlement among them, the order is FIELD_ORDER's as before (a deductible answered wrong comes first)
    visit = {"field": "act_pay_dedc", "expected": "100.00", "actual": "90.00", "item": "V1"}
    assert root_mismatch([*ms, visit]) is visit


def test_junit_says_a_ratio_as_the_scenarios_write_it():
    from conform.harness.report import junit, model

    run = _failed_run()
    run.checks[0].mismatches = [Mismatch("pool_prop_selfpay", "0.5000", "0.6000", "V1", "支付比例")]
    text = junit.render(model.build(run)).decode("utf-8")
    assert "支付比例 (pool_prop_selfpay): 应为 expected 50%，实际 actual 60%" in text
