"""One defect, one cause; a reading named only where it can decide the failing figure (rvendor s11 D7, Q1).

A 浙江 二级 ratio of 55% where the example city pays in-service staff 60% (zhejiang-example: ordinary.ratio.secondary
0.60, deductible 600, cap 2000; 浙江 二（一）: retirees 起付线减半, 比例提高5个百分点) failed three ways in the
reviewer's run, and read as three causes: scenarios comparing 支付比例 (pool_prop_selfpay), scenarios comparing
统筹基金支付 alone (hifp_pay, put at the ratio step where the system's answered ratio parts from the reference's),
and the settlement_exact property, whose expectation is its working and whose evidence holds only the system's
2207 answers — it fell to a step named 统筹基金支付 that no trace has. They are one step of the working.

Figures by hand (浙江 二（一）, zhejiang-example, in-service, 二级, the year's deductible already met):
  base 100.01, deductible 0.00, (100.01 − 0.00) × 60% = 60.006 → 四舍五入到分 60.01; the cap 2000.00, nothing paid
  before: min(60.01, 2000.00) = 60.01. The system's 55%: 100.01 × 55% = 55.0055 → 55.01.
  A scenario's visit of 1000.00 after the deductible: 1000.00 × 60% = 600.00; at 55%: 550.00.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from conform.harness.report import causes
from conform.harness.report.model import cause_view

ARTICLE = "浙江 二（一）"


def _trace(base: str, dedc: str, ratio_text: str, pay: str, cap_left: str, paid: str = "0.00",
           cap_clause: str = ARTICLE, dedc_clause: str = ARTICLE, deductible: str = "600.00", used: str = "600.00",
           left: str = "0.00") -> list[dict]:
    """The reference's working of one ordinary visit, as conform.reference.benefits.ordinary_pooling writes it."""
    shown = str(min(Decimal(pay), Decimal(cap_left)))
    return [
        {"step": "政策范围内费用", "detail": f"{base} − 全自费0.00 − 超限价0.00 − 先行自付0.00 = {base}元",
         "clause": "国家医保平台结算口径", "value": base},
        {"step": "起付线", "detail": f"本年度起付线{deductible}元，此前已累计{used}元，尚余{left}元；"
                                     f"本次计入起付线 min({base}, {left}) = {dedc}元", "clause": dedc_clause, "value": dedc},
        {"step": "支付比例", "detail": f"二级定点医疗机构（在职）支付比例{ratio_text}：({base} − {dedc}) × {ratio_text} = {pay}元（四舍五入到分）",
         "clause": ARTICLE, "value": pay},
        {"step": "年度最高支付限额", "detail": f"年度限额2000.00元，此前已支付{paid}元，尚余{cap_left}元；"
                                             f"本次统筹支付 min({pay}, {cap_left}) = {shown}元", "clause": cap_clause,
         "value": shown},
    ]


def _answer(item: str, **figures: str) -> dict:
    """The system's 2207 answer for `item` as the HTTP profile records it."""
    return {"operation": "2207 门诊结算", "request": {"infno": "2207", "input": {"data": {"mdtrt_id": item}}},
            "response": {"infcode": 0, "output": {"setlinfo": {"mdtrt_id": item, **figures}}}}


def _reference(item: str, **figures: str) -> dict:
    """The reference's own settlement of `item` (a scenario asks the system, then the reference)."""
    return {"operation": "settle", "request": {"psn_no": "P", "id": item}, "response": dict(figures)}


def _check(cid: str, kind: str, mismatches: list[dict], trace: list[dict], evidence: list[dict],
           path: str = "features/zhejiang/二（一）_增强门诊共济保障功能.feature", rests_on: list[str] | None = None) -> dict:
    return {"id": cid, "kind": kind, "status": "failed", "name": cid, "policy": "zhejiang", "document": "浙江",
            "articles": ["zhejiang-2.1"], "failed_articles": ["zhejiang-2.1"], "path": path if kind == "scenario" else "",
            "message": "", "mismatches": mismatches, "trace": trace, "evidence": evidence,
            "extra": {"rests_on": rests_on} if rests_on else {}}


def _mismatch(field_name: str, expected: str, actual: str, item: str = "V1", label: str = "") -> dict:
    return {"field": field_name, "expected": expected, "actual": actual, "item": item, "label": label}


def test_a_wrong_ratio_is_one_cause_whatever_field_its_checks_compare():
    visit = _trace("1000.00", "0.00", "60%", "600.00", "2000.00")
    ratio_scenario = _check("c1", "scenario", [_mismatch("pool_prop_selfpay", "0.6000", "0.5500", label="支付比例")],
                            visit, [])
    payment_scenario = _check(
        "c2", "scenario", [_mismatch("hifp_pay", "600.00", "550.00", label="统筹基金支付")], visit,
        [_answer("V1", inscp_scp_amt="1000.00", act_pay_dedc="0.00", pool_prop_selfpay="0.5500", hifp_pay="550.00"),
         _reference("V1", inscp_scp_amt="1000.00", act_pay_dedc="0.00", pool_prop_selfpay="0.6000",
                    hifp_pay="600.00")], path="features/zhejiang/三（二）_扎实稳妥推进.feature")
    # settlement_exact: its expectation is its working, its evidence the system's answers alone
    working = "(100.01 − 0.00) × 60% = 60.006 → 四舍五入到分 60.01"
    exact = _check("c3", "property", [_mismatch("hifp_pay", working, "55.01", item="V2", label="统筹基金支付")],
                   _trace("100.01", "0.00", "60%", "60.01", "2000.00"),
                   [_answer("V2", inscp_scp_amt="100.01", act_pay_dedc="0.00", pool_prop_selfpay="0.5500",
                            hifp_pay="55.01")])
    found = causes.group(cause_view([ratio_scenario, payment_scenario, exact]), {})
    assert len(found) == 1, [k["headline"] for k in found]
    cause = found[0]
    assert cause["step"] == "支付比例" and cause["count"] == 3 and cause["property_checks"] == 1
    assert set(cause["fields"]) == {"pool_prop_selfpay", "hifp_pay"}
    # the step's own figure first, then the payment it decides, each by its Chinese name
    assert cause["headline"].startswith("支付比例（pool_prop_selfpay）、统筹基金支付（hifp_pay）在“支付比例”一步不符：3 项检查")
    assert cause["field"] == "pool_prop_selfpay" and cause["clause"] == ARTICLE


def test_a_property_whose_ratio_gives_the_step_figure_is_left_at_the_cap():
    """The same property against a cap not reset on 1 January: the system's ratio, 60%, gives the ratio step's
    60.01 ((100.01 − 0.00) × 60% = 60.006 → 60.01), so it parts later — at the cap — and stays a cause of its own."""
    working = "(100.01 − 0.00) × 60% = 60.006 → 四舍五入到分 60.01"
    exact = _check("c3", "property", [_mismatch("hifp_pay", working, "0.00", item="V2", label="统筹基金支付")],
                   _trace("100.01", "0.00", "60%", "60.01", "2000.00"),
                   [_answer("V2", inscp_scp_amt="100.01", act_pay_dedc="0.00", pool_prop_selfpay="0.6000",
                            hifp_pay="0.00")])
    ratio_scenario = _check("c1", "scenario", [_mismatch("pool_prop_selfpay", "0.6000", "0.5500")],
                            _trace("1000.00", "0.00", "60%", "600.00", "2000.00"), [])
    steps = {k["step"] for k in causes.group(cause_view([exact, ratio_scenario]), {})}
    assert steps == {"年度最高支付限额", "支付比例"}


def test_a_month_credit_is_labelled_and_put_at_its_step_whatever_its_check_expects():
    """A retiree credited as in-service (zhejiang-example: account.retiree.monthly 150.00) is refused by the system:
    a scenario's mismatch has no label, a stateful property expects the word 计入. One cause, 个人账户计入 by name, at
    the reference's step 退休人员定额 — not "amount（amount）" beside "个人账户计入（amount）在“个人账户计入”一步"."""
    trace = [{"step": "退休人员定额", "detail": "按城市标准150.00元/月划入", "clause": "浙江 二（三）", "value": "150.00"}]
    refused = "拒绝：T002: infcode -1: 在职职工计入需要缴费基数 base"
    scenario = _check("c1", "scenario", [_mismatch("amount", "150.00", refused, item="2023-03")], trace, [])
    stateful = _check("c2", "property", [_mismatch("amount", "计入", refused, item="2023-01", label="个人账户计入")],
                      trace, [])
    found = causes.group(cause_view([scenario, stateful]), {})
    assert [k["headline"] for k in found] == ["个人账户计入（amount）在“退休人员定额”一步不符：2 项检查（其中 1 项为属性检查）、1 个场景文件"]


def test_a_field_without_a_label_takes_its_chinese_name():
    assert causes.field_label("amount") == "个人账户计入"
    assert causes.field_label("act_pay_dedc") == "本次起付线"


# ------------------------------------------------------------------ Q1: which readings a failing figure rests on

RETIREE = "浙江 二（一）；A-ZJ-RETIREE-CAP"


def _retiree_visit(paid: str, cap_left: str, shown_pay: str = "130.00") -> list[dict]:
    """A retiree at 二级 (65% = 60% + 5), deductible 600 ÷ 2 = 300.00, a visit of 500.00:
    (500.00 − 300.00) × 65% = 130.00; the cap is the city's one cap, 2000.00 (A-ZJ-RETIREE-CAP)."""
    return [
        {"step": "政策范围内费用", "detail": "500.00 − 全自费0.00 − 超限价0.00 − 先行自付0.00 = 500.00元",
         "clause": "国家医保平台结算口径", "value": "500.00"},
        {"step": "起付线", "detail": "本年度起付线300.00元，此前已累计0.00元，尚余300.00元；本次计入起付线 min(500.00, 300.00) = 300.00元",
         "clause": ARTICLE, "value": "300.00"},
        {"step": "支付比例", "detail": "二级定点医疗机构（退休）支付比例65%：(500.00 − 300.00) × 65% = 130.00元（四舍五入到分）",
         "clause": ARTICLE, "value": "130.00"},
        {"step": "年度最高支付限额", "detail": f"年度限额2000.00元，此前已支付{paid}元，尚余{cap_left}元；"
                                             f"本次统筹支付 min(130.00, {cap_left}) = {shown_pay}元",
         "clause": RETIREE, "value": shown_pay},
    ]


def _answers(item: str, pay: str, reference_pay: str) -> list[dict]:
    return [_answer(item, inscp_scp_amt="500.00", act_pay_dedc="300.00", pool_prop_selfpay="0.6500", hifp_pay=pay),
            _reference(item, inscp_scp_amt="500.00", act_pay_dedc="300.00", pool_prop_selfpay="0.6500",
                       hifp_pay=reference_pay)]


def test_a_cap_not_reset_does_not_rest_on_which_cap_a_retiree_takes():
    """New year, nothing paid: min(130.00, 2000.00) = 130.00; the system carried last year's 2000.00 and paid 0.00.
    Any cap of at least 130.00 pays 130.00, so the payment does not rest on A-ZJ-RETIREE-CAP (before: it did, and the
    exit line said the defect rested on a named reading)."""
    tags, named = causes.blame([_mismatch("hifp_pay", "130.00", "0.00", item="V2")],
                               {"V2": _retiree_visit("0.00", "2000.00")}, "zhejiang", _answers("V2", "0.00", "130.00"))
    assert tags == ["zhejiang-2.1"] and named == []


def test_a_payment_the_cap_decided_still_rests_on_the_cap_reading():
    """1900.00 paid before: min(130.00, 100.00) = 100.00, the cap's remainder. A system paying 130.00 disagrees with the
    cap a retiree takes, which A-ZJ-RETIREE-CAP reads: named."""
    tags, named = causes.blame([_mismatch("hifp_pay", "100.00", "130.00", item="V2")],
                               {"V2": _retiree_visit("1900.00", "100.00", "100.00")}, "zhejiang",
                               _answers("V2", "130.00", "100.00"))
    assert tags == ["zhejiang-2.1"] and named == ["A-ZJ-RETIREE-CAP"]


def test_a_reading_of_what_is_counted_stays_where_the_bound_decides():
    """Retired mid-year, 600.00 of the in-service deductible counted: the retiree's 300.00 is met, min(1000.00, 0.00) =
    0.00 (A-MIDYEAR-RETIREMENT: the count carries on). A system charging 300.00 again reads it otherwise: named."""
    trace = _trace("1000.00", "0.00", "65%", "650.00", "1760.00", paid="240.00",
                   dedc_clause="浙江 二（一）；A-MIDYEAR-RETIREMENT", deductible="300.00", used="600.00", left="0.00")
    tags, named = causes.blame([_mismatch("act_pay_dedc", "0.00", "300.00", item="V2")], {"V2": trace}, "zhejiang")
    assert named == ["A-MIDYEAR-RETIREMENT"]


def test_a_rounding_reading_of_an_unreached_deductible_is_not_named():
    """A 浙江 retiree's deductible 555.55 ÷ 2 = 277.775 → 277.78 (A-ZJ-HALF-FEN); a visit of 100.00 charges
    min(100.00, 277.78) = 100.00 whatever the half's rounding: a system charging 99.99 does not rest on it."""
    trace = [{"step": "政策范围内费用", "detail": "100.00 − 全自费0.00 − 超限价0.00 − 先行自付0.00 = 100.00元",
              "clause": "国家医保平台结算口径", "value": "100.00"},
             {"step": "起付线", "detail": "本年度起付线277.78元，此前已累计0.00元，尚余277.78元；本次计入起付线 min(100.00, 277.78) = 100.00元",
              "clause": "浙江 二（一）；A-ZJ-HALF-FEN", "value": "100.00"}]
    _, named = causes.blame([_mismatch("act_pay_dedc", "100.00", "99.99")], {"": trace}, "zhejiang")
    assert named == []
    # reached (a visit of 300.00: min(300.00, 277.78) = 277.78), a fen off: the half's rounding is what differs
    trace[1] = {**trace[1], "detail": "本年度起付线277.78元，此前已累计0.00元，尚余277.78元；本次计入起付线 min(300.00, 277.78) = 277.78元",
                "value": "277.78"}
    _, named = causes.blame([_mismatch("act_pay_dedc", "277.78", "277.77")], {"": trace}, "zhejiang")
    assert named == ["A-ZJ-HALF-FEN"]


def test_figure_readings_come_from_the_policy_files():
    found = causes.figure_readings()
    assert {"A-ZJ-RETIREE-CAP", "A-JL-RETIREE-DEDUCTIBLE", "A-ZJ-HALF-FEN", "A-ROUND-FEN"} <= found
    assert not {"A-REVERSAL", "A-MIDYEAR-RETIREMENT"} & found


# ------------------------------------------------------------------ results.json: a failing check's assumptions


@dataclass
class _Check:
    nodeid: str
    kind: str = "property"
    name: str = "每笔普通门诊统筹支付恰为…〔zhejiang〕"
    policy: str = "zhejiang"
    articles: list = field(default_factory=lambda: ["zhejiang-2.1"])
    tags: list = field(default_factory=list)
    status: str = "failed"
    message: str = ""
    feature: str = ""
    feature_file: str = ""
    line: int = 0
    steps: list = field(default_factory=list)
    mismatches: list = field(default_factory=list)
    evidence: list = field(default_factory=list)
    trace: list = field(default_factory=list)
    counterexample: str = ""
    failed_articles: list = field(default_factory=list)
    duration: float = 0.0
    extra: dict = field(default_factory=dict)
    exercised: bool | None = True


def test_a_failing_check_lists_what_its_failing_figure_rests_on_not_what_it_declares():
    """settlement_exact declares A-ROUND-FEN and A-MIDYEAR-RETIREMENT; an in-service person's deductible charged
    100.02 where 0.00 was left rests on neither (connect-your-system.md §7). A passing check keeps its declared ones."""
    from conform.harness.report import model

    class Run:
        checks = [_Check("p1", extra={"assumptions": ["A-ROUND-FEN", "A-MIDYEAR-RETIREMENT"]}),
                  _Check("p2", extra={"assumptions": ["A-ROUND-FEN", "A-MIDYEAR-RETIREMENT"],
                                      "rests_on": ["A-MIDYEAR-RETIREMENT"]}),
                  _Check("p3", status="passed", extra={"assumptions": ["A-ROUND-FEN"]})]

    got = [model._check_dict(Run(), i, {}, {}) for i in range(3)]  # type: ignore[arg-type]
    assert [c["assumptions"] for c in got] == [[], ["A-MIDYEAR-RETIREMENT"], ["A-ROUND-FEN"]]
    assert got[0]["declared_assumptions"] == ["A-ROUND-FEN", "A-MIDYEAR-RETIREMENT"]


# ------------------------------------------------------------------ a property's blame reads the system's answers


def test_a_propertys_wrong_ratio_rests_on_no_reading_of_the_cap_or_the_retirement():
    """settlement_exact against a system paying a retiree the in-service ratio (zhejiang-example, 二级: in-service 60%,
    retiree 60% + 5 = 65%; deductible 600, retiree 600 ÷ 2 = 300; cap 2000). Retired 2023-06-01:
      V1 2023-03-01, in service, 1000.00: deductible 600.00, (1000.00 − 600.00) × 60% = 240.00;
      V2 2023-07-01, retired, 100.01: the 600.00 counted meets the retiree's 300.00 (A-MIDYEAR-RETIREMENT), deductible
         0.00, (100.01 − 0.00) × 65% = 65.0065 → 65.01; cap 2000.00 − 240.00 = 1760.00 left, min(65.01, 1760.00) = 65.01.
    The system answers 0.6000 and 100.01 × 60% = 60.006 → 60.01. The trace alone shows 65.01 at the ratio and at the cap
    step (which cites A-ZJ-RETIREE-CAP and A-MIDYEAR-RETIREMENT); the system's answered ratio parts at the ratio step,
    which cites the reading the retiree's ratio by the settlement's date rests on (A-MIDYEAR-RETIREMENT, s23) and none
    of the cap's. Before s12, the check rested on A-ZJ-RETIREE-CAP as well."""
    import datetime as dt

    from conform.harness import evidence
    from conform.harness.generators import Setting
    from conform.harness.properties import load
    from conform.harness.properties.base import PROPERTIES, PropertyViolation, Story, mismatch
    from conform.harness.properties.runner import Budget, _reported
    from conform.harness.results import CheckResult
    from conform.reference.case import Person, Settlement

    load()
    setting = Setting("zhejiang", "zhejiang-example")
    person = Person("R1", "1201", birth_date=dt.date(1962, 5, 1), retire_date=dt.date(2023, 6, 1))
    visits = [Settlement("V1", dt.date(2023, 3, 1), "11", "secondary", Decimal("1000.00")),
              Settlement("V2", dt.date(2023, 7, 1), "11", "secondary", Decimal("100.01"))]
    e = PropertyViolation("本次统筹支付与逐笔计算不符",
                          [mismatch("hifp_pay", "(100.01 − 0.00) × 65% = 65.0065 → 四舍五入到分 65.01", "60.01", "V2")],
                          [Story.of(setting, person, visits, "逐笔精确")])
    evidence.begin()
    try:
        evidence.record("2207 门诊结算", {"infno": "2207", "input": {"data": {"mdtrt_id": "V2"}}},
                        {"infcode": 0, "output": {"setlinfo": {
                            "mdtrt_id": "V2", "inscp_scp_amt": "100.01", "act_pay_dedc": "0.00",
                            "pool_prop_selfpay": "0.6000", "hifp_pay": "60.01"}}})
        ch = CheckResult(nodeid="p::settlement_exact[zhejiang]", kind="property", name="逐笔精确", policy="zhejiang")
        _reported(e, PROPERTIES["settlement_exact"], "zhejiang", Budget(60.0), ch)
    finally:
        evidence.take()
    assert ch.failed_articles == ["zhejiang-2.1"]
    # the ratio step's 65% rests on the retiree type by the settlement's date (A-MIDYEAR-RETIREMENT: a system taking the
    # type at the start of the year answers this 60%, probe s23 K F4); still on no reading of the cap
    assert ch.extra.get("rests_on") == ["A-MIDYEAR-RETIREMENT"], ch.extra
    # the trace says what the reference computed, and where: the ratio and the cap both show 65.01
    assert [t["value"] for t in e.trace if t["step"] in ("支付比例", "年度最高支付限额")] == ["65.01", "65.01"], e.trace


def test_an_in_process_systems_property_answers_are_the_systems():
    """A python: system whose adapter records its settlements as the reference adapter does (operation settle, request
    {psn_no, id}): in a property's evidence they are the system's (the reference answers without evidence), so its
    55% parts at the ratio step as over HTTP — (100.01 − 0.00) × 55% = 55.0055 → 55.01 where the step shows 60.01."""
    working = "(100.01 − 0.00) × 60% = 60.006 → 四舍五入到分 60.01"
    mine = {"operation": "settle", "request": {"psn_no": "P", "id": "V2"},
            "response": {"inscp_scp_amt": "100.01", "act_pay_dedc": "0.00", "pool_prop_selfpay": "0.5500",
                         "hifp_pay": "55.01"}}
    exact = _check("c3", "property", [_mismatch("hifp_pay", working, "55.01", item="V2", label="统筹基金支付")],
                   _trace("100.01", "0.00", "60%", "60.01", "2000.00"), [mine])
    [cause] = causes.group(cause_view([exact]), {})
    assert cause["step"] == "支付比例", cause["headline"]
    # a scenario's such entry, followed by the reference's own, stays the system's then the reference's
    assert causes.figures([mine, _reference("V2", pool_prop_selfpay="0.6000")], "V2")[1]["pool_prop_selfpay"] == "0.6000"
