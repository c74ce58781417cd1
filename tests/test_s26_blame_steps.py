"""A chronic visit's deductible is blamed at the step the system departed from, and a 5206 total wrong only through a
reversal rests on A-REVERSAL (probe s26 probe1, F2, F3 and F4's second bullet).

An overflowing chronic visit answers in act_pay_dedc the sum of its chronic deductible (慢特病起付线: 第十条, 第九条)
and what the part past the chronic cap is charged (起付线: 第十一条 and 第七条; none at 享受条件 for a person without
ordinary pooling: 第七条, A-PZH-FLEX-TIER2). The cause was the last step named 起付线, whatever the system got wrong
there (causes._split_departure). The defective systems are real HTTP servers in their own process
(tests/_s26_blame_mutant.py); the unit tests replay mismatches and traces recorded by the probe's runs."""
from __future__ import annotations

from pathlib import Path

import pytest

from sample_server import SampleServer

from conform.harness.report.causes import _step, blame
from conform.harness.run import CONFORMANCE, execute

MUTANT = Path(__file__).resolve().parent / "_s26_blame_mutant.py"


def _failed(name: str, **kwargs) -> list:
    with SampleServer(script=MUTANT, script_args=(name,)) as server:
        run, _ = execute(adapter=server.url, **kwargs)
    return [c for c in run.checks if c.status == "failed"]


def _scenarios(name: str, article: str) -> list:
    return _failed(name, articles=(article,), paths=(CONFORMANCE / "test_features.py",))


def _titled(failed: list, title: str):
    """The one failed scenario whose title starts with `title` (by title: other work moves the features' lines)."""
    [c] = [c for c in failed if c.name.startswith(title)]
    return c


# ------------------------------------------------------------------------------------- F2: chronic deductible per visit


def test_a_chronic_deductible_charged_every_visit_fails_article_10_not_the_overflows_articles():
    failed = _scenarios("y_chronic_dedc_per_visit", "panzhihua-11")
    # 第11条's retiree scenario (250.00 for 150.00) and its split one (300.00 for 200.00): the 100.00 over is M001's own deductible
    # charged again (its full standard; the retiree's ordinary 150.00 is already all in the expected figure)
    for title in ("退休人员慢特病限额用完后", "慢特病限额余额所对应的费用四舍五入到分"):
        c = _titled(failed, title)
        assert c.failed_articles == ["panzhihua-10"], (title, c.failed_articles)
        assert "A-PZH-OVERFLOW-SPLIT" not in (c.extra.get("rests_on") or []), (title, c.extra)
    # its first scenario's V3 (200.00 for 0.00) cannot be told from an ordinary deductible charged afresh on the overflow (the chronic
    # standard is 100.00, so that step alone cannot make 200.00): it stays the overflow's, as rclose3 D4 pinned
    first = _titled(failed, "先按慢特病政策支付，慢特病限额用完后")
    assert first.failed_articles == ["panzhihua-11", "panzhihua-7"], first.failed_articles


# ------------------------------------------------------------------------------------- F2: flexible-worker tiers swapped


def test_a_tier2_worker_paid_ordinary_pooling_past_the_chronic_cap_fails_the_eligibility_step():
    failed = _scenarios("y_pzh_flex_tier_swapped", "panzhihua-10")
    c = _titled(failed, "未建立个人账户的参保人照常享受两病和慢特病待遇")  # V2 pays 480.00 as ordinary pooling past the cap where 享受条件 pays none
    assert c.failed_articles == ["panzhihua-7"], c.failed_articles
    readings = c.extra.get("rests_on") or []
    assert "A-PZH-FLEX-TIER2" in readings and "A-PZH-NO-ACCOUNT-CHRONIC" in readings, readings
    assert "A-PERSON-TYPES" not in readings, readings  # no standard decides a benefit the person does not have


# A two-disease visit (standard 0.00) of a tier-2 worker, recorded by the property settlement.py:173 under the ci
# profile: the system charged 197.24 of ordinary deductible on the overflow the reference does not pay at all.
TWO_DISEASE_NO_ACCOUNT = [
    {"step": "政策范围内费用", "detail": "1177.93 − 全自费68.31 − 超限价0.00 − 先行自付0.00 = 1109.62元",
     "clause": "国家医保平台结算口径", "value": "1109.62"},
    {"step": "人员类别", "detail": "人员类别1103（灵活就业在职）：文件只区分在职职工和退休人员，按在职人员待遇结算",
     "clause": "A-PERSON-TYPES", "decides": True},
    {"step": "慢特病起付线", "detail": "“两病”病种M03900：起付线0.00元，此前已累计0.00元，本次计入0.00元",
     "clause": "攀枝花 第九条", "value": "0.00"},
    {"step": "慢特病支付", "detail": "(1109.62 − 0.00) × 50% = 554.81元；“两病”年度限额300.00元，此前已支付0.00元，本次支付300.00元",
     "clause": "攀枝花 第九条", "value": "300.00", "rounded": False, "rounding_unit": "0.01"},
    {"step": "转入普通门诊统筹", "detail": "“两病”限额内对应费用300.00 / 50% = 600.00元；超过限额后的费用1109.62 − 600.00 = "
     "509.62元按普通门诊统筹政策支付", "clause": "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT", "value": "509.62",
     "rounded": False, "rounding_unit": "0.01"},
    {"step": "享受条件", "detail": "超过慢特病限额的509.62元按门诊统筹政策支付，但参保人未建立个人账户（二档灵活就业人员不建账户），"
     "不享受普通门诊统筹，统筹基金不再支付", "clause": "攀枝花 第七条；A-PZH-FLEX-TIER2；A-PZH-NO-ACCOUNT-CHRONIC",
     "value": "0.00"},
    {"step": "个人账户支付", "detail": "个人账户余额未知（未给出期初余额或没有个人账户），不从账户支付，账户支付0.00元",
     "clause": "攀枝花 第五条；A-ACCOUNT-SELFPAY", "value": "0.00"}]


def test_a_deductible_a_two_disease_standard_of_nothing_cannot_make_is_the_eligibility_steps():
    ms = [{"field": "act_pay_dedc", "expected": "0.00", "actual": "197.24", "item": "V2", "label": "本次起付线"},
          {"field": "hifp_pay", "expected": "300.00", "actual": "487.43", "item": "V2", "label": "统筹基金支付"}]
    assert blame(ms, {"V2": TWO_DISEASE_NO_ACCOUNT}, "panzhihua") == (
        ["panzhihua-7"], ["A-PZH-FLEX-TIER2", "A-PZH-NO-ACCOUNT-CHRONIC"])


# ------------------------------------------------------------------------------------- F3: a 1 January visit


# The differential's V10 under y_jan1_in_prev_year (ci profile): a two-disease visit on 1 January settled on last
# year's totals — its chronic cap partly spent (293.49 for 300.00), its ordinary deductible met and cap spent.
JAN1 = [
    {"step": "政策范围内费用", "detail": "1929.03 − 全自费0.00 − 超限价426.31 − 先行自付0.00 = 1502.72元",
     "clause": "国家医保平台结算口径", "value": "1502.72"},
    {"step": "慢特病起付线", "detail": "“两病”病种M03900：起付线0.00元，此前已累计0.00元，本次计入0.00元",
     "clause": "攀枝花 第九条；A-PZH-TWO-DISEASE-REGISTERED", "value": "0.00"},
    {"step": "慢特病支付", "detail": "(1502.72 − 0.00) × 50% = 751.36元；“两病”年度限额300.00元，此前已支付0.00元，本次支付300.00元",
     "clause": "攀枝花 第九条；A-PZH-TWO-DISEASE-REGISTERED", "value": "300.00", "rounded": False,
     "rounding_unit": "0.01"},
    {"step": "转入普通门诊统筹", "detail": "“两病”限额内对应费用300.00 / 50% = 600.00元；超过限额后的费用1502.72 − 600.00 = "
     "902.72元按普通门诊统筹政策支付", "clause": "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT", "value": "902.72",
     "rounded": False, "rounding_unit": "0.01"},
    {"step": "起付线", "detail": "本年度起付线200.00元，此前已累计0.00元，尚余200.00元；本次计入起付线 min(902.72, 200.00) = 200.00元",
     "clause": "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT；攀枝花 第七条", "value": "200.00"},
    {"step": "支付比例", "detail": "一级定点医疗机构（在职）支付比例60%：(902.72 − 200.00) × 60% = 421.63元（四舍五入到分）",
     "clause": "攀枝花 第七条；A-ROUND-FEN", "value": "421.63", "rounded": True, "rounding_unit": "0.01"},
    {"step": "年度最高支付限额", "detail": "年度限额1000.00元，此前已支付0.00元，尚余1000.00元；本次统筹支付 min(421.63, 1000.00) = "
     "421.63元", "clause": "攀枝花 第七条", "value": "421.63"}]


def test_a_chronic_payment_that_parts_first_is_blamed_not_the_overflow_split():
    ms = [{"field": "act_pay_dedc", "expected": "200.00", "actual": "0.00", "item": "V10"},
          {"field": "hifp_pay", "expected": "721.63", "actual": "293.49", "item": "V10"},
          {"field": "ordinary_pay", "expected": "421.63", "actual": "0.00", "item": "V10"},
          {"field": "chronic_pay", "expected": "300.00", "actual": "293.49", "item": "V10"}]
    assert _step(ms[0], JAN1, None, ms) == ("慢特病支付", "攀枝花 第九条；A-PZH-TWO-DISEASE-REGISTERED")
    assert blame(ms, {"V10": JAN1}, "panzhihua") == (["panzhihua-9"], ["A-PZH-TWO-DISEASE-REGISTERED"])
    # without the chronic payment's answer nothing says the chronic part parted: the overflow's (not sent on), as before
    alone = ms[:3]
    assert blame(alone, {"V10": JAN1}, "panzhihua") == (["panzhihua-11"], ["A-PZH-OVERFLOW-SPLIT"])


# ------------------------------------------------------------------------------------- F4: a 5206 ignoring reversals


@pytest.fixture
def _ci_profile(monkeypatch):
    monkeypatch.setenv("CI", "true")  # the derandomized profile: its fixed examples first, as a CI pipeline runs it
    monkeypatch.delenv("CONFORM_PROFILE", raising=False)


def test_a_5206_total_wrong_only_through_a_reversal_rests_on_a_reversal(_ci_profile):
    failed = _failed("y_5206_ignores_reversals", policies=("nanchang",), tag="conform_property",
                     paths=(CONFORMANCE / "test_properties.py",), extra_args=("-k", "test_differential"))
    [c] = [c for c in failed if c.extra.get("property") == "differential"]
    # V1 (600.00 of deductible) reversed after V2: the system's 5206 still counts it
    assert "2023年度累计 年度累计起付线 (ordinary_dedc): 应为 600.00，实际 1200.00" in c.message, c.message[:400]
    assert c.failed_articles == ["nanchang-4.2.1"], c.failed_articles
    assert "A-REVERSAL" in (c.extra.get("rests_on") or []), c.extra
