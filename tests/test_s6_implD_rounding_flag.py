"""Whether a step rounded its figure to the fen is a fact the reference's trace records (`rounded`), and blame
reads that fact, never the wording of the step's text.

A fen off is rounding's fault (A-ROUND-FEN) only where rounding to the fen changed the figure: the product
(base − deductible) × ratio had a part below the fen (conform/reference/benefits.py _rounded). The steps that
round a fund payment: 支付比例 (ordinary pooling, in service and retired: every document), 慢特病支付 (门诊慢特病 /
“两病”: 攀枝花, 南昌, 吉林) and 住院比例和限额 (吉林's routes along inpatient rules: 二（四）特殊疾病, 二（五）急诊抢救,
二（六）日间手术). 浙江 and 北京 settle ordinary pooling only (their emergencies go as ordinary visits,
A-EMERGENCY-ORDINARY). Formerly blame looked for 四舍五入 in the step's detail and re-parsed
"(base − deductible) × ratio% = " out of it: a reworded template moved the blame.

Figures, from the articles and the example regions (conform/fixtures/regions/*-example.yaml, fictitious):
  攀枝花 第七条: 在职 起付线200元, 三级50%, 二级及以下60%; 退休 起付线150元, 二级及以下65%.
         example: M00500 deductible 300 / 80% / cap 4000; M03900 (两病) deductible 0 / 50% / cap 300.
  南昌 四（二）1: 起付线600元, 一级及以下60%; 退休 +5个百分点 (65%), 起付线 600 (A-NC-RETIREE-DEDUCTIBLE).
         example: M03900 85% / cap 4000, 零起付线 (四（二）2).
  吉林 二（二）: 二级55%; example deductible 200, cap 1500, 退休 tilt 5 points (60%); 二（三）chronic 70%, the
         deductible shared with ordinary; 二（四）–（六）inpatient: deductible 二级500 / 三级800, 二级85% / 三级80%,
         退休 + 5 points; day surgery without deductible (example).
  浙江 二（一）: example deductible 600 (退休减半 300), 二级60%; 退休 +5个百分点 (65%).
  北京: example deductible 1800 / 退休 1300, 二级 70% / 退休 85%.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.harness.report.causes import blame, group
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import bind

D = Decimal
DATE = "2023-03-01"


def _settle(policy: str, settlement: dict, person: dict | None = None):
    case = parse_case({"policy": policy, "person": {"psn_no": "P1", "psn_type": "1101", **(person or {})},
                       "settlements": [{"id": "S1", "date": DATE, **settlement}]})
    ledger = PersonLedger(bind(policy, f"{policy}-example"), case.person)
    [result] = [ledger.settle(s) for s in case.items]
    return result


def _visit(amount: str, facility: str = "secondary", med_type: str = "11", **kw) -> dict:
    return {"med_type": med_type, "facility": facility, "medfee_sumamt": amount, **kw}


def _chronic(code: str, amount: str, kind: str = "chronic") -> tuple[dict, dict]:
    return (_visit(amount, med_type="14", dise_codg=code), {"chronic_diseases": [{"dise_codg": code, "kind": kind}]})


RETIREE = {"psn_type": "1201"}

# (document, what, settlement, person, step, its figure, rounded): worked by hand, the product then the fen.
CASES = [
    # ---- 攀枝花 第七条, ordinary pooling
    ("panzhihua", "在职 三级50%", _visit("200.01", "tertiary"), None, "支付比例", "0.01", True),
    #   (200.01 − 200) × 50% = 0.005 → 0.01
    ("panzhihua", "在职 三级50%", _visit("430.00", "tertiary"), None, "支付比例", "115.00", False),
    #   (430 − 200) × 50% = 115.00 exactly
    ("panzhihua", "退休 二级65%", _visit("150.01"), RETIREE, "支付比例", "0.01", True),
    #   (150.01 − 150) × 65% = 0.0065 → 0.01
    ("panzhihua", "退休 二级65%", _visit("350.00"), RETIREE, "支付比例", "130.00", False),
    #   (350 − 150) × 65% = 130.00 exactly
    # ---- 攀枝花 第十条 门诊慢特病 (example M00500 300 / 80%) and 第九条 两病 (M03900 0 / 50% / cap 300)
    ("panzhihua", "慢特病 80%", *_chronic("M00500", "300.01"), "慢特病支付", "0.01", True),
    #   (300.01 − 300) × 80% = 0.008 → 0.01
    ("panzhihua", "慢特病 80%", *_chronic("M00500", "400.00"), "慢特病支付", "80.00", False),
    #   (400 − 300) × 80% = 80.00 exactly
    ("panzhihua", "两病 50% at the cap", *_chronic("M03900", "601.01"), "慢特病支付", "300.00", False),
    #   601.01 × 50% = 300.505 → 300.51, but the cap 300 pays 300.00: the cap's remainder, which no rounding decided
    # ---- 南昌 四（二）1 ordinary, 四（二）2 门诊特殊慢性病
    ("nanchang", "在职 一级60%", _visit("600.01", "primary"), None, "支付比例", "0.01", True),
    #   (600.01 − 600) × 60% = 0.006 → 0.01
    ("nanchang", "在职 一级60%", _visit("700.00", "primary"), None, "支付比例", "60.00", False),
    #   (700 − 600) × 60% = 60.00
    ("nanchang", "退休 一级65%", _visit("600.01", "primary"), RETIREE, "支付比例", "0.01", True),
    #   (600.01 − 600) × (60% + 5%) = 0.0065 → 0.01
    ("nanchang", "退休 一级65%", _visit("700.00", "primary"), RETIREE, "支付比例", "65.00", False),
    #   (700 − 600) × 65% = 65.00
    ("nanchang", "慢特病 85%", *_chronic("M03900", "0.01"), "慢特病支付", "0.01", True),
    #   (0.01 − 0) × 85% = 0.0085 → 0.01
    ("nanchang", "慢特病 85%", *_chronic("M03900", "100.00"), "慢特病支付", "85.00", False),
    #   100 × 85% = 85.00
    # ---- 吉林 二（二）ordinary
    ("jilin", "在职 二级55%", _visit("200.02"), None, "支付比例", "0.01", True),
    #   (200.02 − 200) × 55% = 0.011 → 0.01: rounded down, changed all the same
    ("jilin", "在职 二级55%", _visit("300.00"), None, "支付比例", "55.00", False),
    #   (300 − 200) × 55% = 55.00
    ("jilin", "退休 二级55% + 5", _visit("200.01"), RETIREE, "支付比例", "0.01", True),
    #   (200.01 − 200) × 60% = 0.006 → 0.01
    ("jilin", "退休 二级55% + 5", _visit("300.00"), RETIREE, "支付比例", "60.00", False),
    #   (300 − 200) × 60% = 60.00
    # ---- 吉林 二（三）门诊慢性病 70%, deductible 200 shared with ordinary
    ("jilin", "慢性病 70%", *_chronic("M00500", "200.01"), "慢特病支付", "0.01", True),
    #   (200.01 − 200) × 70% = 0.007 → 0.01
    ("jilin", "慢性病 70%", *_chronic("M00500", "300.00"), "慢特病支付", "70.00", False),
    #   (300 − 200) × 70% = 70.00
    # ---- 吉林 二（四）特殊疾病, 二（五）急诊抢救, 二（六）日间手术: inpatient deductible and ratio by level
    ("jilin", "特殊疾病 二级85%", *_chronic("M00600", "500.01", "special"), "住院比例和限额", "0.01", True),
    #   (500.01 − 500) × 85% = 0.0085 → 0.01
    ("jilin", "特殊疾病 二级85%", *_chronic("M00600", "600.00", "special"), "住院比例和限额", "85.00", False),
    #   (600 − 500) × 85% = 85.00
    ("jilin", "急诊 二级85%", _visit("500.01", med_type="13"), None, "住院比例和限额", "0.01", True),
    #   (500.01 − 500) × 85% = 0.0085 → 0.01
    ("jilin", "急诊 二级85%", _visit("600.00", med_type="13"), None, "住院比例和限额", "85.00", False),
    #   (600 − 500) × 85% = 85.00
    ("jilin", "退休 急诊 三级80% + 5", _visit("800.01", "tertiary", "13"), RETIREE, "住院比例和限额", "0.01", True),
    #   (800.01 − 800) × 85% = 0.0085 → 0.01
    ("jilin", "退休 急诊 三级80% + 5", _visit("1000.00", "tertiary", "13"), RETIREE, "住院比例和限额", "170.00", False),
    #   (1000 − 800) × 85% = 170.00
    ("jilin", "日间手术 二级85%", _visit("0.03", med_type="28"), None, "住院比例和限额", "0.03", True),
    #   no deductible: 0.03 × 85% = 0.0255 → 0.03
    ("jilin", "日间手术 二级85%", _visit("100.00", med_type="28"), None, "住院比例和限额", "85.00", False),
    #   100 × 85% = 85.00
    # ---- 浙江 二（一）
    ("zhejiang", "在职 二级60%", _visit("600.01"), None, "支付比例", "0.01", True),
    #   (600.01 − 600) × 60% = 0.006 → 0.01
    ("zhejiang", "在职 二级60%", _visit("700.00"), None, "支付比例", "60.00", False),
    #   (700 − 600) × 60% = 60.00
    ("zhejiang", "退休 二级60% + 5", _visit("300.01"), RETIREE, "支付比例", "0.01", True),
    #   起付线减半 300: (300.01 − 300) × 65% = 0.0065 → 0.01
    ("zhejiang", "退休 二级60% + 5", _visit("400.00"), RETIREE, "支付比例", "65.00", False),
    #   (400 − 300) × 65% = 65.00
    # ---- 北京 (example region figures)
    ("beijing", "在职 二级70%", _visit("1800.01"), None, "支付比例", "0.01", True),
    #   (1800.01 − 1800) × 70% = 0.007 → 0.01
    ("beijing", "在职 二级70%", _visit("1900.00"), None, "支付比例", "70.00", False),
    #   (1900 − 1800) × 70% = 70.00
    ("beijing", "退休 二级85%", _visit("1300.01"), RETIREE, "支付比例", "0.01", True),
    #   (1300.01 − 1300) × 85% = 0.0085 → 0.01
    ("beijing", "退休 二级85%", _visit("1400.00"), RETIREE, "支付比例", "85.00", False),
    #   (1400 − 1300) × 85% = 85.00
]


@pytest.mark.parametrize("policy, what, settlement, person, name, figure, rounded", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]['medfee_sumamt']}" for c in CASES])
def test_a_step_that_rounds_records_whether_rounding_changed_its_figure(policy, what, settlement, person, name,
                                                                         figure, rounded):
    steps = _settle(policy, settlement, person).trace.render()
    [step] = [s for s in steps if s["step"] == name]
    assert step["value"] == figure, step
    assert step["rounded"] is rounded, step
    # the clause cites the reading exactly where the figure rests on it
    assert ("A-ROUND-FEN" in step["clause"].split("；")) is rounded, step["clause"]
    # a step that rounds nothing says nothing of rounding: its output is as before (攀枝花 第十一条's split, which
    # rounds the covered part to the fen, records it too: tests/test_s6_implH_blame_mends.py)
    for s in steps:
        if s["step"] not in ("支付比例", "慢特病支付", "住院比例和限额", "转入普通门诊统筹"):
            assert "rounded" not in s, s


def test_a_trace_joined_from_another_keeps_each_steps_flag():
    """Trace.extend (a credit's or a settlement's trace built in parts) keeps the flag on its own step."""
    from conform.reference.trace import Trace

    a, b = Trace(), Trace()
    a.add("政策范围内费用", "{}", ("x",), "c")
    b.add("起付线", "{}", ("y",), "c", D("1.00"))
    b.add("支付比例", "{}", ("z",), "c", D("0.01"), True)
    a.extend(b)
    assert [s.get("rounded") for s in a.render()] == [None, None, True]
    assert [len(t) for t in a._steps] == [5, 5, 5]  # the shape conform.audit.settle_ref unpacks


# =========================================================================== blame reads the flag

RATIO = {"step": "支付比例", "clause": "攀枝花 第七条", "value": "0.01", "rounded": True,
         # (200.01 − 200.00) × 50% = 0.005 → 0.01, worded as a reworded template might word it
         "detail": "三级定点医疗机构（在职）支付比例50%：200.01减去200.00后乘以50%，得0.01元（半分进位）"}
CAP = {"step": "年度最高支付限额", "clause": "攀枝花 第七条", "value": "0.01",
       "detail": "年度限额1000.00元，此前已支付0.00元，尚余1000.00元；本次统筹支付 min(0.01, 1000.00) = 0.01元"}
BASE = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "200.01", "detail": "200.01元"},
        {"step": "起付线", "clause": "攀枝花 第七条", "value": "200.00", "detail": "本次计入起付线200.00元"}]


def _check(trace: list[dict], expected: str, actual: str, field: str = "hifp_pay") -> dict:
    return {"id": "c1", "status": "failed", "kind": "scenario", "document": "攀枝花", "articles": ["panzhihua-7"],
            "path": "features/panzhihua/第07条_普通门诊统筹.feature", "trace": trace, "message": "", "extra": {},
            "mismatches": [{"field": field, "expected": expected, "actual": actual, "item": "V1",
                            "label": "统筹基金支付"}]}


def test_a_reworded_rounding_step_still_takes_the_blame_when_its_flag_says_it_rounded():
    # 0.01 answered 0.00 (banker's rounding of 0.005): the ratio step rounded, whatever its text says
    [cause] = group([_check([*BASE, RATIO, CAP], "0.01", "0.00")], {})
    assert (cause["step"], cause["clause"]) == ("支付比例", "攀枝花 第七条；A-ROUND-FEN"), cause["headline"]
    m = _check([], "0.01", "0.00")["mismatches"]
    assert blame(m, {"": [*BASE, RATIO, CAP]}, "panzhihua") == (["panzhihua-7"], ["A-ROUND-FEN"])


def test_a_step_whose_text_says_it_rounds_but_whose_flag_says_nothing_changed_is_not_blamed():
    # 攀枝花 第七条 退休 65%: (1000.00 − 150.00) × 65% = 552.50 exactly; worded with the ratio in parts, which the
    # old pattern "(a − b) × r% = " did not read, so the words 四舍五入 alone put a fen off on rounding
    ratio = {"step": "支付比例", "clause": "攀枝花 第七条", "value": "552.50", "rounded": False,
             "detail": "二级及以下定点医疗机构（退休）支付比例65%：(1000.00 − 150.00) × (60% + 5%) = 552.50元（四舍五入到分）"}
    cap = dict(CAP, value="552.50", detail="年度限额1500.00元，此前已支付0.00元，尚余1500.00元；本次统筹支付 min(552.50, 1500.00) = 552.50元")
    [cause] = group([_check([*BASE, ratio, cap], "552.50", "552.49")], {})
    assert "A-ROUND-FEN" not in cause["clause"], cause["clause"]
    assert cause["step"] == "年度最高支付限额", cause["headline"]


def test_the_references_own_trace_reworded_blames_the_rounding_by_its_flag():
    """The engine's trace of 攀枝花 在职 三级 200.01 ((200.01 − 200) × 50% = 0.005 → 0.01), its text stripped of
    every word of rounding: answered 0.00, the fen is still the ratio step's rounding, not the cap's."""
    trace = _settle("panzhihua", _visit("200.01", "tertiary")).trace.render()
    reworded = [dict(t, detail=t["detail"].replace("（四舍五入到分）", "")) for t in trace]
    assert not any("四舍五入" in t["detail"] for t in reworded)
    [cause] = group([_check(reworded, "0.01", "0.00")], {})
    assert (cause["step"], cause["clause"]) == ("支付比例", "攀枝花 第七条；A-ROUND-FEN"), cause["headline"]


def test_a_wrong_ratio_never_rests_on_the_rounding_flag():
    # pool_prop_selfpay 0.5000 answered 0.4900 on the same visit: the ratio is 第七条's, rounding decides at most
    # the payment's last fen (NOT_OF_FIELD), whatever the step's flag
    trace = [*BASE, dict(RATIO, value="0.5000"), CAP]
    m = _check([], "0.5000", "0.4900", "pool_prop_selfpay")["mismatches"]
    assert blame(m, {"": trace}, "panzhihua") == (["panzhihua-7"], [])
