"""Eligibility, exclusions and the order of benefits, worked by hand from the articles.

攀枝花 第七条 (account and benefit period; remote filing), 第八条 (exclusions),
第十条/第十一条 (chronic and two-disease first, then ordinary pooling).
南昌 四（二）2 (zero deductible, 80–98%, per-disease caps; no transfer to ordinary).
吉林 二（三）–（六）, 六（三） (chronic shares the ordinary deductible; special diseases,
emergency and day surgery along inpatient rules against the inpatient cap; nothing
during a hospital stay).

Example regions (fictitious, conform/fixtures/regions/):
  攀枝花: M00500 deductible 300 / 80% / cap 4000; M03900 (两病) 0 / 50% / cap 300.
  南昌:   M03900 85% / cap 4000; M00500 90% / cap 60000.
  吉林:   ordinary 200 / cap 1500; chronic 70% / cap 3000 (M00500: 5000); inpatient deductible
          300/500/800, ratio 90/85/80% (一级/二级/三级), cap 150000, tilt 5 points, day surgery no deductible.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.reference.case import EXCLUSIONS, parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import MissingParameter, PolicyError, bind

D = Decimal
REGION = {p: f"{p}-example" for p in ("panzhihua", "nanchang", "jilin", "beijing", "zhejiang")}
DISEASES = [
    {"dise_codg": "M00500", "kind": "chronic"},
    {"dise_codg": "M03900", "kind": "two_disease"},
    {"dise_codg": "M00600", "kind": "special"},
]


def visit(sid, date, amount, facility="tertiary", med_type=None, **kw):
    mt = med_type or ("41" if facility == "pharmacy" else "11")
    return {"id": sid, "date": date, "med_type": mt, "facility": facility, "medfee_sumamt": str(amount), **kw}


def chronic(sid, date, amount, code, facility="secondary", **kw):
    return visit(sid, date, amount, facility, "14", dise_codg=code, **kw)


def run(policy, settlements, person=None, params=None, region="default"):
    region = REGION[policy] if region == "default" else region
    p = {"psn_no": "P1", "psn_type": "1101", "chronic_diseases": DISEASES, **(person or {})}
    case = parse_case({"policy": policy, "person": p, "settlements": list(settlements)})
    ledger = PersonLedger(bind(policy, region, params), case.person)
    return ledger, [ledger.settle(s) for s in case.items]


def clauses(r):
    return " ".join(s["clause"] for s in r.trace.render())


# =========================================================================== 攀枝花 第七条 eligibility


@pytest.mark.parametrize(
    "person, pay, benefit",
    [
        ({"psn_type": "1101"}, "115.00", "ordinary"),                        # (430 − 200) × 50%
        ({"psn_type": "1101", "has_account": False}, "0.00", "none"),        # 建立了个人账户 is a condition
        ({"psn_type": "1103", "flex_tier": 1}, "115.00", "ordinary"),        # 一档: account (第四条) → (430 − 200) × 50%
        ({"psn_type": "1103", "flex_tier": 2}, "0.00", "none"),              # 二档: no account (A-PZH-FLEX-TIER2)
        ({"psn_type": "1203", "flex_tier": 1}, "154.00", "ordinary"),        # retiree 一档: (430 − 150) × 55%
        ({"psn_type": "1203", "flex_tier": 2}, "0.00", "none"),
        ({"psn_type": "1103", "has_account": True}, "115.00", "ordinary"),   # an account stated outright
    ],
)
def test_panzhihua_article_7_requires_an_account(person, pay, benefit):
    """攀枝花 第七条 建立了个人账户且在待遇享受期内的职工医保参保人员."""
    _, (r,) = run("panzhihua", [visit("S1", "2023-03-01", "430")], person)
    assert (r.hifp_pay, r.benefit) == (D(pay), benefit)
    if benefit == "none":
        assert "攀枝花 第七条" in clauses(r)


def test_panzhihua_flexible_worker_without_tier_is_refused_naming_the_field():
    with pytest.raises(PolicyError) as e:
        run("panzhihua", [visit("S1", "2023-03-01", "430")], {"psn_type": "1103"})
    msg = str(e.value)
    assert "settlement S1" in msg and "flex_tier" in msg and "攀枝花 第七条" in msg


@pytest.mark.parametrize(
    "date, pay",
    [
        ("2023-02-28", "0.00"),    # before the benefit period
        ("2023-03-01", "115.00"),  # first day: (430 − 200) × 50%
        ("2023-09-30", "115.00"),  # last day
        ("2023-10-01", "0.00"),    # after
    ],
)
def test_panzhihua_article_7_benefit_period(date, pay):
    """攀枝花 第七条 在待遇享受期内."""
    _, (r,) = run("panzhihua", [visit("S1", date, "430")],
                  {"benefit_period": {"begin": "2023-03-01", "end": "2023-09-30"}})
    assert r.hifp_pay == D(pay)


def test_panzhihua_outside_the_benefit_period_nothing_counts():
    """攀枝花 第七条: a visit outside the period neither pays nor uses the deductible."""
    ledger, (r1, r2) = run("panzhihua", [visit("S1", "2023-02-28", "430"), visit("S2", "2023-03-01", "430")],
                           {"benefit_period": {"begin": "2023-03-01", "end": "2023-12-31"}})
    assert (r1.act_pay_dedc, r1.hifp_pay) == (D("0.00"), D("0.00"))
    assert (r2.act_pay_dedc, r2.hifp_pay) == (D("200.00"), D("115.00"))  # (430 − 200) × 50%


@pytest.mark.parametrize(
    "psn_type, filed, params, pay",
    [
        ("1101", True, None, "115.00"),                                  # 异地备案人员 按市内标准: (430 − 200) × 50%
        ("1101", False, {"ordinary.ratio.remote_unfiled": "0.40"}, "92.00"),    # (430 − 200) × 40%
        ("1201", False, {"ordinary.ratio.remote_unfiled": "0.40"}, "112.00"),   # (430 − 150) × 40%
        ("1201", True, None, "154.00"),                                  # (430 − 150) × 55%
    ],
)
def test_panzhihua_remote_filing(psn_type, filed, params, pay):
    """攀枝花 第七条 异地备案人员……按市内居住参保人员门诊统筹待遇标准执行; A-PZH-REMOTE-UNFILED."""
    _, (r,) = run("panzhihua", [visit("S1", "2023-03-01", "430", remote=True)],
                  {"psn_type": psn_type, "remote_filing": filed}, params)
    assert r.hifp_pay == D(pay)


def test_panzhihua_unfiled_remote_visit_needs_its_parameter():
    """攀枝花 第七条 fixes the standard only for 异地备案人员: the unfiled ratio must be supplied."""
    with pytest.raises(MissingParameter) as e:
        run("panzhihua", [visit("S1", "2023-03-01", "430", remote=True)])
    msg = str(e.value)
    assert "ordinary.ratio.remote_unfiled" in msg and "攀枝花 第七条" in msg and "settlement S1" in msg


def test_remote_visit_elsewhere_is_settled_as_local():
    """A-REMOTE-SAME (南昌): (700 − 600) × 60% = 60.00 as at home."""
    _, (r,) = run("nanchang", [visit("S1", "2023-03-01", "700", "primary", remote=True)])
    assert r.hifp_pay == D("60.00")
    assert "A-REMOTE-SAME" in clauses(r)


# =========================================================================== 攀枝花 第八条 exclusions


@pytest.mark.parametrize("code", sorted(EXCLUSIONS))
def test_panzhihua_article_8_exclusions_pay_nothing_and_count_nothing(code):
    """攀枝花 第八条（一）–（四）: 统筹基金不予支付."""
    ledger, (r1, r2) = run("panzhihua", [visit("S1", "2023-03-01", "430", exclusion=code),
                                         visit("S2", "2023-03-02", "430")])
    assert (r1.hifp_pay, r1.act_pay_dedc, r1.benefit) == (D("0.00"), D("0.00"), "none")
    assert r1.psn_part_amt == D("430.00")
    assert "攀枝花 第八条" in clauses(r1)
    # the excluded visit did not use the deductible: (430 − 200) × 50% = 115.00
    assert r2.hifp_pay == D("115.00")
    assert ledger.ytd(2023).ordinary_dedc == D("200.00")


def test_exclusions_are_only_where_a_document_lists_them():
    with pytest.raises(PolicyError, match="南昌 lists no exclusion 'third_party'"):
        run("nanchang", [visit("S1", "2023-03-01", "700", exclusion="third_party")])


# =========================================================================== 攀枝花 第十一条 order of benefits


def test_panzhihua_chronic_first_within_its_cap():
    """攀枝花 第十一条 先按门诊慢特病政策支付: (1300 − 300) × 80% = 800.00, nothing to ordinary pooling."""
    ledger, (r,) = run("panzhihua", [chronic("S1", "2023-03-01", "1300", "M00500")])
    assert (r.act_pay_dedc, r.chronic_pay, r.ordinary_pay, r.hifp_pay) == (
        D("300.00"), D("800.00"), D("0.00"), D("800.00"))
    assert r.benefit == "chronic"
    ys = ledger.ytd(2023)
    assert ys.chronic_dedc == {"M00500": D("300.00")} and ys.chronic_pay == {"M00500": D("800.00")}
    assert (ys.ordinary_dedc, ys.ordinary_pay) == (0, 0)  # the chronic deductible is its own
    assert "攀枝花 第十条" in clauses(r)


def test_panzhihua_chronic_overflows_into_ordinary_pooling():
    """攀枝花 第十一条 超过统筹年度最高支付限额后的门诊就诊费用按门诊统筹政策支付.

    chronic: cap 4000 − 3900 paid = 100 left; 500 × 80% = 400 → pays 100.00
    the cost that 100 covers: 100 / 80% = 125.00; the rest 500 − 125 = 375.00 goes to ordinary pooling
    ordinary (二级, 在职): deductible 200 → (375 − 200) × 60% = 105.00
    total 100.00 + 105.00 = 205.00
    """
    ledger, (r,) = run("panzhihua", [chronic("S1", "2023-06-01", "500", "M00500")],
                       {"ytd": {"year": 2023, "chronic_dedc": {"M00500": "300"}, "chronic_pay": {"M00500": "3900"}}})
    assert (r.chronic_pay, r.ordinary_pay, r.hifp_pay, r.act_pay_dedc) == (
        D("100.00"), D("105.00"), D("205.00"), D("200.00"))
    ys = ledger.ytd(2023)
    assert ys.chronic_pay["M00500"] == D("4000.00")
    assert (ys.ordinary_dedc, ys.ordinary_pay) == (D("200.00"), D("105.00"))
    assert "攀枝花 第十一条" in clauses(r)
    # how the one visit is split at the cap is a reading of 第十一条, named on the step that applies it
    (split,) = [s for s in r.trace.render() if "转入普通门诊统筹" in s["step"]]
    assert "A-PZH-OVERFLOW-SPLIT" in split["clause"]


@pytest.mark.parametrize(
    "psn_type, pay",
    [
        ("1101", "180.00"),  # chronic cap used up: all 500 to ordinary, (500 − 200) × 60%
        ("1201", "227.50"),  # retiree: (500 − 150) × 65%
    ],
)
def test_panzhihua_chronic_cap_used_up_everything_goes_to_ordinary(psn_type, pay):
    """攀枝花 第十一条."""
    _, (r,) = run("panzhihua", [chronic("S1", "2023-06-01", "500", "M00500")],
                  {"psn_type": psn_type,
                   "ytd": {"year": 2023, "chronic_dedc": {"M00500": "300"}, "chronic_pay": {"M00500": "4000"}}})
    assert (r.chronic_pay, r.ordinary_pay) == (D("0.00"), D(pay))


def test_panzhihua_two_disease_then_ordinary_over_three_visits():
    """攀枝花 第九条/第十一条, M03900 (两病): deductible 0, 50%, cap 300; then ordinary (一级 60%, 在职 200)."""
    ledger, (r1, r2, r3) = run("panzhihua", [chronic("S1", "2023-02-01", "400", "M03900", "primary"),
                                             chronic("S2", "2023-03-01", "400", "M03900", "primary"),
                                             chronic("S3", "2023-04-01", "400", "M03900", "primary")])
    # S1: 400 × 50% = 200.00 (cap 300 not reached)
    assert (r1.chronic_pay, r1.ordinary_pay) == (D("200.00"), D("0.00"))
    # S2: 400 × 50% = 200 > 100 left → 100.00; covers 100 / 50% = 200; rest 400 − 200 = 200 to ordinary,
    #     all of it the ordinary deductible 200 → ordinary pays 0.00
    assert (r2.chronic_pay, r2.ordinary_pay, r2.act_pay_dedc) == (D("100.00"), D("0.00"), D("200.00"))
    # S3: chronic cap reached → 400 to ordinary; deductible met → 400 × 60% = 240.00
    assert (r3.chronic_pay, r3.ordinary_pay) == (D("0.00"), D("240.00"))
    ys = ledger.ytd(2023)
    assert ys.chronic_pay["M03900"] == D("300.00")
    assert (ys.ordinary_dedc, ys.ordinary_pay) == (D("200.00"), D("240.00"))


def test_panzhihua_other_diseases_go_straight_to_ordinary():
    """攀枝花 第十一条 门诊治疗其他疾病且符合规定的费用直接按门诊统筹政策支付: (430 − 200) × 50% = 115.00."""
    ledger, (r,) = run("panzhihua", [visit("S1", "2023-03-01", "430", dise_codg="M00500")])
    assert (r.ordinary_pay, r.chronic_pay, r.benefit) == (D("115.00"), D("0.00"), "ordinary")
    assert ledger.ytd(2023).chronic_pay == {}


def test_panzhihua_special_disease_follows_the_chronic_policy():
    """攀枝花 第十条: 门诊慢特病 (no separate inpatient route): (1300 − 300) × 80% = 800.00."""
    _, (r,) = run("panzhihua", [chronic("S1", "2023-03-01", "1300", "M00500")],
                  {"chronic_diseases": [{"dise_codg": "M00500", "kind": "special"}]})
    assert (r.chronic_pay, r.inpatient_pay) == (D("800.00"), D("0.00"))


def test_panzhihua_chronic_parameters_must_be_supplied():
    """攀枝花 第十条 门诊慢特病保障按现行政策执行: the figures are not in the text."""
    with pytest.raises(MissingParameter) as e:
        run("panzhihua", [chronic("S1", "2023-03-01", "1300", "M00500")], region=None)
    assert "chronic.M00500" in str(e.value) and "攀枝花 第十条" in str(e.value)


# =========================================================================== 南昌 四（二）2


@pytest.mark.parametrize("psn_type", ["1101", "1201"])
def test_nanchang_chronic_has_no_deductible(psn_type):
    """南昌 四（二）2 零起付线; the +5 points of 四（二）1 are for ordinary pooling only: 1000 × 85% = 850.00."""
    ledger, (r,) = run("nanchang", [chronic("S1", "2023-03-01", "1000", "M03900", "tertiary")],
                       {"psn_type": psn_type})
    assert (r.act_pay_dedc, r.chronic_pay, r.hifp_pay) == (D("0.00"), D("850.00"), D("850.00"))
    assert ledger.ytd(2023).ordinary_dedc == 0


def test_nanchang_chronic_over_its_cap_does_not_overflow():
    """南昌 四（二）2; no transfer (nanchang-example, A-NC-CHRONIC-OVERFLOW): cap 4000 − 3900 = 100 left; 1000 × 85% = 850 → 100.00 only."""
    ledger, (r,) = run("nanchang", [chronic("S1", "2023-06-01", "1000", "M03900", "tertiary")],
                       {"ytd": {"year": 2023, "chronic_pay": {"M03900": "3900"}}})
    assert (r.chronic_pay, r.ordinary_pay, r.hifp_pay) == (D("100.00"), D("0.00"), D("100.00"))
    ys = ledger.ytd(2023)
    assert (ys.ordinary_dedc, ys.ordinary_pay) == (0, 0)
    assert any(s["step"] == "超出慢特病限额" for s in r.trace.render())


def test_nanchang_each_disease_has_its_own_cap():
    """南昌 四（二）2 年度最高支付限额从4000元到60万元 (per disease): M03900 used up, M00500 1000 × 90% = 900.00."""
    _, (r,) = run("nanchang", [chronic("S1", "2023-06-01", "1000", "M00500", "tertiary")],
                  {"ytd": {"year": 2023, "chronic_pay": {"M03900": "4000"}}})
    assert r.chronic_pay == D("900.00")


def test_nanchang_chronic_parameters_must_be_supplied():
    with pytest.raises(MissingParameter) as e:
        run("nanchang", [chronic("S1", "2023-03-01", "1000", "M03900")], region=None)
    assert "chronic.M03900" in str(e.value) and "南昌 四（二）2" in str(e.value)


@pytest.mark.parametrize("policy", ["beijing", "zhejiang"])
def test_chronic_settlement_where_the_document_fixes_no_chronic_benefit(policy):
    """北京 (五) defers 门诊慢特病 to the basic-insurance rules; 浙江 二（二）leaves it to a provincial method."""
    with pytest.raises(PolicyError, match="does not fix chronic"):
        run(policy, [chronic("S1", "2023-03-01", "1000", "M00500")])


# =========================================================================== 吉林 二（三）chronic diseases


def test_jilin_chronic_shares_the_ordinary_deductible_chronic_first():
    """吉林 二（三）门诊慢性病与普通门诊统筹起付标准合并计算."""
    ledger, (r1, r2) = run("jilin", [chronic("S1", "2023-03-01", "500", "M03900"),
                                     visit("S2", "2023-03-02", "300", "secondary")],
                           {"chronic_diseases": [{"dise_codg": "M03900", "kind": "chronic"}]})
    # S1: the ordinary deductible 200 first: (500 − 200) × 70% = 210.00 (chronic)
    assert (r1.act_pay_dedc, r1.chronic_pay) == (D("200.00"), D("210.00"))
    # S2: deductible already met by the chronic visit: 300 × 55% = 165.00
    assert (r2.act_pay_dedc, r2.ordinary_pay) == (D("0.00"), D("165.00"))
    ys = ledger.ytd(2023)
    assert (ys.ordinary_dedc, ys.ordinary_pay) == (D("200.00"), D("165.00"))
    assert "吉林 二(三)" in clauses(r1)


def test_jilin_chronic_shares_the_ordinary_deductible_ordinary_first():
    """吉林 二（三）: 150 counted by an ordinary visit; chronic: 50 left → (500 − 50) × 70% = 315.00."""
    _, (r1, r2) = run("jilin", [visit("S1", "2023-03-01", "150", "secondary"),
                                chronic("S2", "2023-03-02", "500", "M03900")],
                      {"chronic_diseases": [{"dise_codg": "M03900", "kind": "chronic"}]})
    assert (r1.act_pay_dedc, r1.hifp_pay) == (D("150.00"), D("0.00"))
    assert (r2.act_pay_dedc, r2.chronic_pay) == (D("50.00"), D("315.00"))


def test_jilin_chronic_ratio_has_no_retiree_tilt():
    """吉林 二（三）60%和70%两档 (no tilt named): retiree (500 − 200) × 70% = 210.00."""
    _, (r,) = run("jilin", [chronic("S1", "2023-03-01", "500", "M03900")],
                  {"psn_type": "1201", "chronic_diseases": [{"dise_codg": "M03900", "kind": "chronic"}]})
    assert r.chronic_pay == D("210.00")


def test_jilin_chronic_then_ordinary_when_the_chronic_cap_runs_out():
    """吉林 六（三）优先享受门诊慢特病待遇; A-JL-CHRONIC-OVERFLOW.

    chronic cap 3000 − 2950 = 50 left; 200 × 70% = 140 → 50.00
    cost covered: 50 / 70% = 71.4285… → 71.43; rest 200 − 71.43 = 128.57
    ordinary (二级 55%, deductible already met): 128.57 × 55% = 70.7135 → 70.71
    total 50.00 + 70.71 = 120.71
    """
    _, (r,) = run("jilin", [chronic("S1", "2023-06-01", "200", "M03900")],
                  {"chronic_diseases": [{"dise_codg": "M03900", "kind": "chronic"}],
                   "ytd": {"year": 2023, "ordinary_dedc": "200", "chronic_pay": {"*": "2950"}}})
    assert (r.chronic_pay, r.ordinary_pay, r.hifp_pay) == (D("50.00"), D("70.71"), D("120.71"))
    (split,) = [s for s in r.trace.render() if "转入普通门诊统筹" in s["step"]]
    assert "A-JL-CHRONIC-OVERFLOW" in split["clause"]


def test_jilin_per_disease_cap():
    """吉林 二（三）按病种设定具体的统筹基金年度最高支付限额 (example: M00500 5000).

    M00500: 5000 − 4990 = 10 left; 100 × 70% = 70 → 10.00; covers 10 / 70% = 14.2857… → 14.29;
    rest 100 − 14.29 = 85.71 → ordinary 85.71 × 55% = 47.1405 → 47.14
    M03900 is not touched by M00500's cap: 100 × 70% = 70.00 against the general 3000.
    """
    ytd = {"year": 2023, "ordinary_dedc": "200", "chronic_pay": {"M00500": "4990"}}
    _, (r1, r2) = run("jilin", [chronic("S1", "2023-06-01", "100", "M00500"),
                                chronic("S2", "2023-06-02", "100", "M03900")],
                      {"chronic_diseases": [{"dise_codg": "M00500", "kind": "chronic"},
                                            {"dise_codg": "M03900", "kind": "chronic"}], "ytd": ytd})
    assert (r1.chronic_pay, r1.ordinary_pay) == (D("10.00"), D("47.14"))
    assert (r2.chronic_pay, r2.ordinary_pay) == (D("70.00"), D("0.00"))


# =========================================================================== 吉林 二（四）–（六）inpatient routes

JL_SPECIAL = {"chronic_diseases": [{"dise_codg": "M00600", "kind": "special"}]}


def test_jilin_special_disease_deductible_once_a_year_with_top_up():
    """吉林 二（四）一个自然年度内计算一次起付标准，前往上级定点医疗机构治疗门诊特殊疾病起付标准补差计算."""
    ledger, rs = run("jilin", [
        chronic("S1", "2023-02-01", "2000", "M00600", "secondary"),  # 500 deductible; (2000 − 500) × 85% = 1275.00
        chronic("S2", "2023-03-01", "2000", "M00600", "tertiary"),   # top up 800 − 500 = 300; (2000 − 300) × 80% = 1360.00
        chronic("S3", "2023-04-01", "1000", "M00600", "secondary"),  # counted already; 1000 × 85% = 850.00
        chronic("S4", "2023-05-01", "1000", "M00600", "primary"),    # 1000 × 90% = 900.00
    ], JL_SPECIAL)
    assert [(r.act_pay_dedc, r.inpatient_pay) for r in rs] == [
        (D("500.00"), D("1275.00")), (D("300.00"), D("1360.00")), (D("0.00"), D("850.00")), (D("0.00"), D("900.00"))]
    assert all(r.benefit == "inpatient" and r.ordinary_pay == 0 and r.chronic_pay == 0 for r in rs)
    ys = ledger.ytd(2023)
    # 1275 + 1360 + 850 + 900 = 4385.00, against the inpatient cap; the ordinary totals untouched
    assert (ys.special_dedc, ys.inpatient_pay) == (D("800.00"), D("4385.00"))
    assert (ys.ordinary_dedc, ys.ordinary_pay) == (0, 0)
    assert "吉林 二(四)" in clauses(rs[0])


def test_jilin_special_deductible_accumulates_over_small_visits():
    """吉林 二（四）: 300 then 400 at 二级: the deductible 500 is met once: (400 − 200) × 85% = 170.00."""
    _, (r1, r2) = run("jilin", [chronic("S1", "2023-02-01", "300", "M00600"),
                                chronic("S2", "2023-02-02", "400", "M00600")], JL_SPECIAL)
    assert (r1.act_pay_dedc, r1.inpatient_pay) == (D("300.00"), D("0.00"))
    assert (r2.act_pay_dedc, r2.inpatient_pay) == (D("200.00"), D("170.00"))


@pytest.mark.parametrize(
    "psn_type, facility, amount, dedc, pay",
    [
        ("1201", "secondary", "2000", "500.00", "1350.00"),  # retiree: (2000 − 500) × (85% + 5%) A-JL-SPECIAL-RETIREE
        ("1101", "unrated", "1000", "300.00", "630.00"),     # 未定级 as 一级 (A-JL-INPATIENT-LEVEL): (1000 − 300) × 90%
        ("1201", "primary", "1000", "300.00", "665.00"),     # (1000 − 300) × (90% + 5%)
    ],
)
def test_jilin_special_disease_ratio_by_level_and_person_type(psn_type, facility, amount, dedc, pay):
    """吉林 二（四）支付比例按同级定点医疗机构住院支付比例执行."""
    _, (r,) = run("jilin", [chronic("S1", "2023-02-01", amount, "M00600", facility)],
                  {**JL_SPECIAL, "psn_type": psn_type})
    assert (r.act_pay_dedc, r.inpatient_pay) == (D(dedc), D(pay))


def test_jilin_emergency_follows_inpatient_rules_per_visit():
    """吉林 二（五）参照同级别定点医疗机构住院待遇支付政策执行; A-JL-EMERGENCY-DEDUCTIBLE (once per visit)."""
    ledger, rs = run("jilin", [
        visit("S1", "2023-02-01", "1000", "tertiary", "13"),   # (1000 − 800) × 80% = 160.00
        visit("S2", "2023-02-02", "1000", "tertiary", "13"),   # a new visit, a new deductible: 160.00
        visit("S3", "2023-02-03", "1000", "primary", "13"),    # (1000 − 300) × 90% = 630.00
        visit("S4", "2023-02-04", "500", "tertiary", "13"),    # 500 < 800: all deductible, 0.00
    ])
    assert [(r.act_pay_dedc, r.inpatient_pay) for r in rs] == [
        (D("800.00"), D("160.00")), (D("800.00"), D("160.00")), (D("300.00"), D("630.00")), (D("500.00"), D("0.00"))]
    ys = ledger.ytd(2023)
    assert ys.inpatient_pay == D("950.00")  # 160 + 160 + 630
    assert (ys.ordinary_dedc, ys.ordinary_pay, ys.special_dedc) == (0, 0, 0)
    assert "吉林 二(五)" in clauses(rs[0])


def test_jilin_emergency_retiree():
    """吉林 二（五）with the region's inpatient tilt: (1000 − 500) × (85% + 5%) = 450.00."""
    _, (r,) = run("jilin", [visit("S1", "2023-02-01", "1000", "secondary", "13")], {"psn_type": "1201"})
    assert r.inpatient_pay == D("450.00")


@pytest.mark.parametrize(
    "waive, dedc, pay",
    [
        ("true", "0.00", "4000.00"),     # 二（六）可以不设起付线: 5000 × 80%
        ("false", "800.00", "3360.00"),  # (5000 − 800) × 80%
    ],
)
def test_jilin_day_surgery(waive, dedc, pay):
    """吉林 二（六）日间手术 支付比例按照就诊定点医疗机构住院支付比例执行."""
    _, (r,) = run("jilin", [visit("S1", "2023-02-01", "5000", "tertiary", "28")],
                  params={"day_surgery.waive_deductible": waive})
    assert (r.act_pay_dedc, r.inpatient_pay, r.benefit) == (D(dedc), D(pay), "inpatient")


@pytest.mark.parametrize(
    "settlement, prior, pay",
    [
        (visit("S1", "2023-09-01", "1000", "tertiary", "13"), "149900", "100.00"),   # 160 > 150000 − 149900 = 100
        (visit("S1", "2023-09-01", "5000", "tertiary", "28"), "150000", "0.00"),     # cap reached
        (chronic("S1", "2023-09-01", "1000", "M00600", "primary"), "149999.99", "0.01"),  # 700 × 90% = 630 > 0.01
    ],
)
def test_jilin_inpatient_like_routes_share_the_inpatient_cap(settlement, prior, pay):
    """吉林 二（四）–（六）统筹基金年度最高支付限额与住院年度最高支付限额合并计算 (example cap 150000)."""
    ledger, (r,) = run("jilin", [settlement], {**JL_SPECIAL, "ytd": {"year": 2023, "inpatient_pay": prior}})
    assert r.inpatient_pay == D(pay)
    assert ledger.ytd(2023).inpatient_pay == D(prior) + D(pay)


def test_jilin_special_disease_at_a_pharmacy_is_refused_for_the_level_the_text_leaves_open():
    """吉林 一 lets a region send special-disease prescriptions to pharmacies; 二（四）pays them by the institution's
    inpatient level, which a pharmacy has not: refused, naming both (not "not provided for", which 一 contradicts)."""
    with pytest.raises(PolicyError, match="by the institution's level, which a pharmacy has not") as e:
        run("jilin", [chronic("S1", "2023-02-01", "1000", "M00600", "pharmacy")], JL_SPECIAL)
    assert "吉林 一允许统筹区将门诊特殊疾病处方配药纳入定点零售药店" in e.value.zh and "吉林 二(四)" in e.value.zh


# =========================================================================== 吉林 六（三）hospital stays

STAY = {"hospital_stays": [{"begin": "2023-05-10", "end": "2023-05-20"}],
        "chronic_diseases": [{"dise_codg": "M03900", "kind": "chronic"}, {"dise_codg": "M00600", "kind": "special"}]}


@pytest.mark.parametrize(
    "settlement, pay",
    [
        (visit("S1", "2023-05-09", "430"), "115.00"),            # the day before admission: (430 − 200) × 50%
        (visit("S1", "2023-05-10", "430"), "0.00"),              # admission day (A-JL-HOSPITAL-STAY: both ends in)
        (visit("S1", "2023-05-15", "430"), "0.00"),
        (visit("S1", "2023-05-20", "430"), "0.00"),              # discharge day
        (visit("S1", "2023-05-21", "430"), "115.00"),            # the day after
        (visit("S1", "2023-05-15", "1200", "pharmacy"), "0.00"), # pharmacy is ordinary outpatient too
        (chronic("S1", "2023-05-15", "500", "M03900"), "0.00"),  # 门诊慢特病待遇 not during a stay
        (chronic("S1", "2023-05-15", "2000", "M00600"), "0.00"), # special diseases are 门诊慢特病 too (一、)
        (visit("S1", "2023-05-15", "1000", "tertiary", "13"), "160.00"),  # emergency is neither: (1000 − 800) × 80%
    ],
)
def test_jilin_nothing_during_a_hospital_stay(settlement, pay):
    """吉林 六（三）住院期间不再享受普通门诊和门诊慢特病待遇."""
    ledger, (r,) = run("jilin", [settlement], STAY)
    assert r.hifp_pay == D(pay)
    if D(pay) == 0:
        assert r.benefit == "none" and "吉林 六（三）" in clauses(r)
        ys = ledger.ytd(2023)
        assert (ys.ordinary_dedc, ys.special_dedc) == (0, 0)


# =========================================================================== before the start (A-BEFORE-VALIDITY)


@pytest.mark.parametrize(
    "policy, med_type, settlement, pay",
    [
        # 攀枝花 第十九条 原有规定; 2023: (1000 − 300) × 80% = 560.00 (example M00500)
        ("panzhihua", "14", lambda d: chronic("S", d, "1000", "M00500"), "560.00"),
        # 南昌 一 统筹基金用于…门诊特殊慢性 under earlier rules; 2023: 零起付线, 1000 × 85% = 850.00 (example M03900)
        ("nanchang", "14", lambda d: chronic("S", d, "1000", "M03900"), "850.00"),
        # 吉林 六（三）原有门诊保障待遇执行至2022年年底; 2023: chronic shares the 200 deductible, (1000 − 200) × 70%
        ("jilin", "14", lambda d: chronic("S", d, "1000", "M00500"), "560.00"),
        # special disease along inpatient rules; 2023: (1000 − 500) × 85% = 425.00
        ("jilin", "14", lambda d: chronic("S", d, "1000", "M00600"), "425.00"),
        # 二（五）emergency along inpatient rules; 2023: (1000 − 800) × 80% = 160.00
        ("jilin", "13", lambda d: visit("S", d, "1000", "tertiary", "13"), "160.00"),
        # 二（六）day surgery, example waives the deductible; 2023: 5000 × 80% = 4000.00
        ("jilin", "28", lambda d: visit("S", d, "5000", "tertiary", "28"), "4000.00"),
    ],
)
def test_chronic_and_inpatient_routes_before_the_start_are_refused_everywhere(policy, med_type, settlement, pay):
    """A-BEFORE-VALIDITY: 南昌 一 says only that ordinary outpatient costs were the account's; chronic and
    inpatient-route benefits before the start followed earlier rules the harness does not hold."""
    before, after = settlement("2022-12-31"), settlement("2023-01-01")
    before["id"], after["id"] = "S1", "S2"
    case = parse_case({"policy": policy, "person": {"psn_no": "P1", "psn_type": "1101", "chronic_diseases": DISEASES},
                       "settlements": [before, after]})
    ledger = PersonLedger(bind(policy, REGION[policy]), case.person)
    early, late = case.items
    with pytest.raises(PolicyError, match=f"S1: date 2022-12-31 is before .*med_type {med_type}.*A-BEFORE-VALIDITY"):
        ledger.settle(early)
    ys = ledger.ytd(2022)
    assert (ys.ordinary_dedc, ys.ordinary_pay, ys.inpatient_pay, ys.special_dedc) == (0, 0, 0, 0)
    assert not any(ys.chronic_pay.values()) and not any(ys.chronic_dedc.values())
    assert ledger.settle(late).hifp_pay == D(pay)  # from the first day the document's own figures apply
