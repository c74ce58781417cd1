"""Blame only what failed (review r2, items 1–6): a failed check names the article whose figure failed, and
the named reading (A-…) it rests on; a refusal of a payable settlement is a failure (exit 1), not an error;
an account use the text leaves open is never failed; one defect is one cause."""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from conform.harness.adapters import SettlementRefused
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.plugin import MismatchError
from conform.harness.properties import figures as fig
from conform.harness.properties.clauses import blamed
from conform.harness.report import causes
from conform.harness.results import CheckResult, Mismatch
from conform.harness.steps.library import then_use
from conform.harness.steps.world import World
from conform.reference.case import Disease, Person, Settlement
from conform.reference.policy import bind, load_region_file


def _blame_scenario(ch: CheckResult, exc: MismatchError) -> None:
    from conform.harness.plugin import _blame_scenario as blame

    blame(ch, exc)


def trace_of(policy: str, psn_type: str, visits: list[dict], balance: str | None = None) -> list[list[dict]]:
    a = ReferenceAdapter()
    w = World(a)
    w.policy = policy
    w.set_person(psn_no="B1", psn_type=psn_type, **({"acct_balance": balance} if balance else {}))
    return [w.settle(dict(v))["trace"] for v in visits]


def test_a_scenario_failing_on_a_ratio_blames_the_ratio_article_not_its_tags():
    # 攀枝花 第五条 scenario: 二级 600 → (600 − 200) × 60% = 240; the system paid 220 (55%)
    [trace] = trace_of("panzhihua", "1101", [{"date": "2023-03-01", "facility": "secondary", "med_type": "11",
                                              "medfee_sumamt": "600.00"}], "1000.00")
    ch = CheckResult("n", "scenario", "余额足够时…", policy="panzhihua", articles=["panzhihua-5"])
    _blame_scenario(ch, MismatchError([Mismatch("hifp_pay", "240.00", "220.00", "V1", "统筹基金支付")], trace))
    assert ch.failed_articles == ["panzhihua-7"]


def test_a_credit_resting_on_a_reading_lists_it_on_the_check():
    # 北京 (三): 110 from the month of the 70th birthday is A-BJ-AGE70's reading
    trace = [{"step": "退休人员定额", "detail": "…", "clause": "北京 (三)；A-BJ-AGE70", "value": "110.00"}]
    ch = CheckResult("n", "scenario", "生日所在月份起按70周岁计", policy="beijing", articles=["beijing-3"])
    _blame_scenario(ch, MismatchError([Mismatch("amount", "110.00", "100.00", "2023-05", "个人账户计入")], trace))
    assert ch.failed_articles == ["beijing-3"]
    assert ch.extra["assumptions"] == ["A-BJ-AGE70"] and ch.extra["rests_on"] == ["A-BJ-AGE70"]


def test_a_tie_between_ratio_and_cap_steps_goes_to_the_cap():
    trace = [{"step": "起付线", "clause": "南昌 四（二）1", "value": "0.00"},
             {"step": "支付比例", "clause": "南昌 四（二）1", "value": "100.00"},
             {"step": "年度最高支付限额", "clause": "南昌 四（二）1", "value": "100.00"}]
    assert causes._step({"field": "hifp_pay", "expected": "100.00"}, trace)[0] == "年度最高支付限额"
    # a deductible the ratio step happens to equal stays at its own step
    trace2 = [{"step": "起付线", "clause": "c", "value": "200.00"}, {"step": "支付比例", "clause": "c", "value": "200.00"}]
    assert causes._step({"field": "act_pay_dedc", "expected": "200.00"}, trace2)[0] == "起付线"


def test_errors_differing_only_by_their_figures_are_one_cause():
    checks = [{"id": f"c{i}", "status": "error", "mismatches": [], "articles": ["panzhihua-7"], "document": "攀枝花",
               "message": f"被测系统出错（业务返回错误）：2207: infcode -1: 本次统筹支付{amt}元超过年度限额 V{i}"}
              for i, amt in enumerate(("60.00", "55.00", "1,000.00"))]
    found = causes.group(checks, {})
    assert len(found) == 1 and found[0]["count"] == 3 and "60.00" in found[0]["message"]


class Refusing(ReferenceAdapter):
    """Refuses every settlement with a well-formed infcode -1."""

    def settle(self, psn_no, s):
        raise SettlementRefused("2207: infcode -1: 不予结算")


def refusing_world() -> World:
    w = World(Refusing())
    w.oracle = ReferenceAdapter()  # as for any system other than the reference
    return w


def test_a_refused_payable_settlement_is_a_failure_on_infcode_not_an_error():
    w = refusing_world()
    w.policy = "panzhihua"
    w.set_person(psn_no="R1", psn_type="1101")
    with pytest.raises(MismatchError) as e:
        w.settle({"date": "2023-03-01", "facility": "secondary", "med_type": "11", "medfee_sumamt": "600.00"})
    [m] = e.value.mismatches
    assert (m.field, m.expected) == ("infcode", "0（结算成功）") and "不予结算" in m.actual
    assert e.value.trace  # the reference's settlement: what the refusal is blamed on


def test_a_refusal_on_the_first_day_in_force_blames_the_validity_article():
    w = refusing_world()
    w.policy = "panzhihua"
    w.set_person(psn_no="R2", psn_type="1101")
    with pytest.raises(MismatchError) as e:
        w.settle({"date": "2023-01-01", "facility": "secondary", "med_type": "11", "medfee_sumamt": "1000.00"})
    ch = CheckResult("n", "scenario", "施行", policy="panzhihua", articles=["panzhihua-19", "panzhihua-7"])
    _blame_scenario(ch, e.value)
    assert ch.failed_articles == ["panzhihua-19"]


class Answers(ReferenceAdapter):
    def __init__(self, decision: str):
        super().__init__()
        self.decision = decision

    def check_account_use(self, psn_no, relation, purpose, amount=None):
        return {"decision": self.decision, "clause": "文件未列明的用途不予支付"}


@pytest.mark.parametrize("decision", ["refused", "allowed", "undetermined"])
def test_an_account_use_the_text_leaves_open_is_never_failed_and_says_what_the_system_answered(decision):
    w = World(Answers(decision))
    w.last_use = {"decision": decision, "clause": "x"}
    request = SimpleNamespace(node=SimpleNamespace(user_properties=[]))
    then_use(w, request, "未作规定", "第五条")  # passes: a permissible answer
    (key, said), = request.node.user_properties  # and says so on the check, with what the system answered
    assert key == "conform_note" and "文件未作规定" in said and decision in said


def test_an_account_use_answer_outside_the_three_still_fails():
    w = World(Answers("maybe"))
    w.last_use = {"decision": "maybe"}
    with pytest.raises(MismatchError):
        then_use(w, SimpleNamespace(node=SimpleNamespace(user_properties=[])), "未作规定")


def test_jilin_account_figures_blame_the_reading_not_the_benefit_articles():
    assert blamed(["acct_balance"], "jilin", ("2.2", "2.3")) == ("A-ACCOUNT-SELFPAY",)
    assert blamed(["acct_balance"], "panzhihua", ("5", "7")) == ("5",)


def _jilin_without_pharmacy():
    region = load_region_file("jilin-example")
    values = {k: v for k, v in region.values.items() if "pharmacy" not in k}
    return bind("jilin", dataclasses.replace(region, values=values))


def test_route_a_jilin_chronic_purchase_at_a_pharmacy_not_taken_in_pays_nothing():
    rules = _jilin_without_pharmacy()
    code = next(iter(rules.policy.doc.get("chronic_diseases", {}) or {}), "E11.900")
    person = Person(psn_no="J1", psn_type="1101", diseases=(Disease(code, "chronic"),))
    s = Settlement(id="S1", date=dt.date(2023, 3, 1), facility="pharmacy", med_type="14",
                   medfee_sumamt=Decimal("300.00"), dise_codg=code)
    assert fig.route(rules, person, s).kind == "none"
    covered = bind("jilin", "jilin-example")
    assert fig.route(covered, person, s).kind == "chronic"


def test_route_a_pzh_flexible_worker_without_tier_is_not_assumed_to_hold_an_account():
    rules = bind("panzhihua")
    person = Person(psn_no="F1", psn_type="1103", diseases=(Disease("I10", "chronic"),))
    assert person.is_flexible and person.flex_tier is None
    ordinary = Settlement(id="S1", date=dt.date(2023, 3, 1), facility="secondary", med_type="11",
                          medfee_sumamt=Decimal("600.00"))
    with pytest.raises(fig.UnroutableVisit):
        fig.route(rules, person, ordinary)
    chronic = dataclasses.replace(ordinary, med_type="14", dise_codg="I10")
    assert fig.route(rules, person, chronic).kind == "chronic"
