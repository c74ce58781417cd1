"""Probe s23 K: a cause's step is the step of the reference's working where the figure departs.

F2: a chronic visit's overflow paid at the wrong pharmacy ratio is the ratio's (南昌 四（四）), not the annual cap's
(南昌 四（二）1) whose bound the reference never reached; a pharmacy purchase 吉林 has not taken in is one cause at
定点零售药店, whatever figure a check compares. F5: a year's payment total that differs (a cap not reset on
1 January) is put at the cap step, with the settlements paid short there, not under the field's name.
"""
from __future__ import annotations

from decimal import Decimal

from conform.harness.report.causes import group

# The reference's trace of c0191 (features/nanchang/四（二）2_门诊特殊慢性病待遇.feature:65), V2: a chronic purchase
# at a pharmacy whose part past the chronic cap goes on to ordinary pooling at the pharmacy ratio 58%.
OVERFLOW_TRACE = [
    {"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "2000.00",
     "detail": "2000.00 − 全自费0.00 − 超限价0.00 − 先行自付0.00 = 2000.00元"},
    {"step": "药店配药", "clause": "A-CHRONIC-PHARMACY", "detail": "按该病种的门诊慢特病待遇支付"},
    {"step": "慢特病起付线", "clause": "南昌 四（二）2", "value": "0.00", "detail": "病种M03900：起付线0.00元"},
    {"step": "慢特病支付", "clause": "南昌 四（二）2", "value": "400.00", "rounded": False, "rounding_unit": "0.01",
     "detail": "(2000.00 − 0.00) × 80% = 1600.00元；慢特病年度限额4000.00元，此前已支付3600.00元，本次支付400.00元"},
    {"step": "转入普通门诊统筹", "clause": "南昌 四（二）2；A-NC-CHRONIC-OVERFLOW", "value": "1500.00",
     "rounded": False, "rounding_unit": "0.01", "detail": "超过限额后的费用2000.00 − 500.00 = 1500.00元按普通门诊统筹政策支付"},
    {"step": "起付线", "clause": "南昌 四（二）2；A-NC-CHRONIC-OVERFLOW；南昌 四（二）1", "value": "600.00",
     "detail": "本年度起付线600.00元，此前已累计0.00元，尚余600.00元；本次计入起付线 min(1500.00, 600.00) = 600.00元"},
    {"step": "支付比例", "clause": "南昌 四（四）；A-NC-PHARMACY", "value": "522.00", "rounded": False,
     "rounding_unit": "0.01", "detail": "定点零售药店（在职）支付比例58%：(1500.00 − 600.00) × 58% = 522.00元（四舍五入到分）"},
    {"step": "年度最高支付限额", "clause": "南昌 四（二）1", "value": "522.00",
     "detail": "年度限额1800.00元，此前已支付0.00元，尚余1800.00元；本次统筹支付 min(522.00, 1800.00) = 522.00元"},
    {"step": "结算支付比例", "clause": "南昌 四（二）2；A-CHRONIC-OVERFLOW-RATIO",
     "detail": "结算的支付比例记慢特病比例80%"},
    {"step": "个人账户支付", "clause": "南昌 四（三）2；A-ACCOUNT-SELFPAY", "value": "0.00", "detail": "账户支付0.00元"},
]


OVERFLOW_ANSWER = {"act_pay_dedc": "600.00", "pool_prop_selfpay": "0.8000", "inscp_scp_amt": "2000.00",
                   "ordinary_pay": "522.00", "chronic_pay": "400.00", "hifp_pay": "922.00"}
PLAIN_ANSWER = {"act_pay_dedc": "600.00", "pool_prop_selfpay": "0.5000", "inscp_scp_amt": "1000.00",
                "ordinary_pay": "200.00", "chronic_pay": "0.00", "hifp_pay": "200.00"}


def _answer(item: str, answer: dict, **setlinfo: str) -> list[dict]:
    """The system's 2207 answer to `item` and the reference's own settlement of it (`answer`), as a scenario records
    them."""
    reference = {"id": item, **answer}
    mine = {**reference, **setlinfo, "mdtrt_id": item}
    return [{"operation": "2207 门诊结算", "request": {"infno": "2207", "input": {"data": {"mdtrt_id": item}}},
             "response": {"infcode": 0, "output": {"setlinfo": mine}}},
            {"operation": "settle", "request": {"psn_no": "P1", "id": item}, "response": reference}]


def _check(cid: str, mismatches: list[dict], trace: list[dict], evidence: list | None = None, *,
           kind: str = "scenario", policy: str = "nanchang", articles: tuple[str, ...] = ("nanchang-4.2.2",)) -> dict:
    return {"id": cid, "status": "failed", "kind": kind, "policy": policy, "document": policy,
            "articles": list(articles), "failed_articles": list(articles), "path": f"features/{cid}.feature",
            "mismatches": mismatches, "trace": trace, "evidence": evidence or [], "message": "", "extra": {}}


def _overflow_paid(actual: str, ratio: str, item: str = "V2") -> dict:
    m = {"field": "ordinary_pay", "expected": "522.00", "actual": actual, "item": item, "label": "普通门诊统筹支付"}
    return _check("c0191", [m], OVERFLOW_TRACE,
                  _answer(item, OVERFLOW_ANSWER, ordinary_pay=actual, pool_prop_selfpay=ratio,
                          hifp_pay=str(Decimal(actual) + 400)))


def test_an_overflow_paid_at_another_ratio_is_the_ratios_not_the_cap_it_never_reached():
    # 495.00 = (1500.00 − 600.00) × 55% (the secondary rate): the answered ratio is the chronic 80%, so the ordinary
    # part's ratio was never compared, and min(522.00, 1800.00) = 522.00 shows the cap decided nothing
    (cause,) = group([_overflow_paid("495.00", "0.8000")], {})
    assert (cause["step"], cause["clause"]) == ("支付比例", "南昌 四（四）；A-NC-PHARMACY"), cause["headline"]
    assert "四（二）1" not in cause["clause"]


def test_an_overflow_paid_above_the_ratios_figure_is_the_ratios():
    # a cap the reference did not reach only lowers a figure (min(x, y') ≤ x): 540.00 cannot be the cap's
    (cause,) = group([_overflow_paid("540.00", "0.8000")], {})
    assert cause["step"] == "支付比例", cause["headline"]


def test_a_payment_short_at_the_cap_with_the_ratio_answered_alike_stays_the_caps():
    # the earlier decision (a cap not reset on 1 January pays short at the cap) holds where the system answered the
    # step's own ratio: the ratio was compared and is right, though 160.00 = (1000.00 − 600.00) × 40%
    m = {"field": "hifp_pay", "expected": "200.00", "actual": "160.00", "item": "V2", "label": "统筹基金支付"}
    check = _check("c0164", [m], CAP_TRACE, _answer("V2", PLAIN_ANSWER, hifp_pay="160.00", ordinary_pay="160.00"),
                   articles=("nanchang-4.2.1",))
    (cause,) = group([check], {})
    assert (cause["step"], cause["clause"]) == ("年度最高支付限额", "南昌 四（二）1"), cause["headline"]


def test_a_payment_short_at_the_cap_by_no_ratios_working_stays_the_caps():
    # 300.00 is no whole percent of 900.00: a remainder of a cap counted otherwise, not a ratio
    (cause,) = group([_overflow_paid("300.00", "0.8000")], {})
    assert cause["step"] == "年度最高支付限额", cause["headline"]


# 吉林 一: a region that has not taken pharmacies in pays nothing there; the reference's working stops at 定点零售药店
JL_TRACE = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "1000.00"},
            {"step": "定点零售药店", "clause": "吉林 一",
             "detail": "本统筹区未将定点零售药店纳入门诊保障范围（地区配置未提供药店比例），药店购药统筹基金不予支付"},
            {"step": "个人账户支付", "clause": "A-ACCOUNT-SELFPAY", "value": "0.00"}]
JL_PROPERTY_TRACE = [JL_TRACE[0], {"step": "人员类别", "clause": "A-PERSON-TYPES", "detail": "按在职人员待遇结算"},
                     *JL_TRACE[1:]]


def test_a_pharmacy_the_region_has_not_taken_in_is_one_cause_at_its_step():
    dedc = _check("c0242", [{"field": "act_pay_dedc", "expected": "0.00", "actual": "200.00", "item": "V1",
                             "label": "本次起付线"}], JL_TRACE, policy="jilin", articles=("jilin-1",))
    paid = _check("c0817", [{"field": "hifp_pay", "expected": "0.00", "actual": "173.48", "item": "V3",
                             "label": "统筹基金支付"}], JL_PROPERTY_TRACE, kind="property", policy="jilin",
                  articles=("jilin-1",))
    (cause,) = group([dedc, paid], {})
    # the step the reference has, not 起付线 or 统筹基金支付, which it never computed for the purchase
    assert (cause["step"], cause["clause"]) == ("定点零售药店", "吉林 一"), cause["headline"]
    assert cause["fields"] == ["act_pay_dedc", "hifp_pay"]


# F5: a cap not reset on 1 January. A scenario's settlement paid short at the cap; a property's 2024 total, traced by
# nothing; a scenario's 2024 total, traced by its settlements' steps and the total's own.
CAP_TRACE = [
    {"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "1000.00"},
    {"step": "起付线", "clause": "南昌 四（二）1", "value": "600.00",
     "detail": "本次计入起付线 min(1000.00, 600.00) = 600.00元"},
    {"step": "支付比例", "clause": "南昌 四（二）1", "value": "200.00", "rounded": False, "rounding_unit": "0.01",
     "detail": "三级定点医疗机构（在职）支付比例50%：(1000.00 − 600.00) × 50% = 200.00元（四舍五入到分）"},
    {"step": "年度最高支付限额", "clause": "南昌 四（二）1", "value": "200.00",
     "detail": "年度限额1800.00元，此前已支付0.00元，尚余1800.00元；本次统筹支付 min(200.00, 1800.00) = 200.00元"},
]
TOTAL_TRACE = [
    {**CAP_TRACE[2], "detail": "V2：" + CAP_TRACE[2]["detail"]},
    {**CAP_TRACE[3], "detail": "V2：" + CAP_TRACE[3]["detail"]},
    {"step": "年度累计普通门诊统筹支付", "clause": "南昌 四（二）1", "value": "200.00",
     "detail": "2024年度累计普通门诊统筹支付：V2 200.00 = 200.00元"},
]


def test_a_year_total_not_reset_is_one_cause_with_the_settlements_paid_short_at_the_cap():
    short = _check("c0164", [{"field": "hifp_pay", "expected": "200.00", "actual": "50.00", "item": "V2",
                              "label": "统筹基金支付"}], CAP_TRACE,
                   _answer("V2", PLAIN_ANSWER, hifp_pay="50.00", ordinary_pay="50.00"),
                   articles=("nanchang-4.2.1",))
    total = {"field": "ordinary_pay", "expected": "200.00", "actual": "400.00", "item": "2024年度累计",
             "label": "年度累计普通门诊统筹支付"}
    prop = _check("c0833", [total], [], kind="property", policy="panzhihua", articles=("panzhihua-7",))
    scenario = _check("c0179", [{**total, "label": "普通门诊统筹支付"}], TOTAL_TRACE, articles=("nanchang-4.2.1",))
    causes = group([prop, short, scenario], {})
    assert [c["step"] for c in causes] == ["年度最高支付限额"], [c["headline"] for c in causes]
    (cause,) = causes
    assert sorted(cause["checks"]) == ["c0164", "c0179", "c0833"]
    # each document's clause is what its checks fail: the property's total its failed article (traced by nothing)
    assert {c["document"]: c["clause"] for c in cause["clauses"]} == {"nanchang": "南昌 四（二）1",
                                                                      "panzhihua": "攀枝花 第七条"}


def test_a_year_total_over_the_cap_is_put_at_the_cap():
    over = _check("c0900", [{"field": "ordinary_pay", "expected": "≤ 1800.00", "actual": "1900.00",
                             "item": "2024年度累计", "label": "年度累计普通门诊统筹支付"}], [], kind="property",
                  policy="panzhihua", articles=("panzhihua-7",))
    (cause,) = group([over], {})
    assert cause["step"] == "年度最高支付限额" and cause["clause"] == "攀枝花 第七条", cause["headline"]


def test_a_year_deductible_total_keeps_its_own_step():
    dedc = _check("c0825", [{"field": "ordinary_dedc", "expected": "0.00", "actual": "86.73", "item": "2023年度累计",
                             "label": "年度累计起付线"}], [], kind="property", policy="jilin",
                  articles=("jilin-2.2",))
    (cause,) = group([dedc], {})
    assert cause["step"] == "年度累计起付线", cause["headline"]
