"""Chronic-disease visits where a text speaks of ordinary pooling only, and the readings that settle them.

吉林 一 takes pharmacies in (or not) for ordinary and chronic prescriptions alike (A-JL-PHARMACY-CHRONIC);
攀枝花 and 南昌 say nothing of a chronic purchase at a pharmacy (A-CHRONIC-PHARMACY). 攀枝花 第七条's
待遇享受期 and 第八条's exclusions bar chronic benefits too (A-PZH-BENEFIT-PERIOD-ALL, A-PZH-EXCLUSION-CHRONIC);
its unfiled-remote ratio and a flexible worker's tier are needed only where a chronic visit overflows into
ordinary pooling (第十一条). 吉林 三 settles an unfiled remote visit at the 参保地 (A-REMOTE-SAME); 吉林 二（三）
caps each disease with a cap of its own apart (A-JL-CHRONIC-CAP-PER-DISEASE); 吉林 retirees keep the
in-service deductible and cap (A-JL-RETIREE-DEDUCTIBLE).

Example regions (fictitious, conform/fixtures/regions/):
  攀枝花: M00500 deductible 300 / 80% / cap 4000; ordinary in service 200 / 二级 60% / cap 1000.
  南昌:   M03900 85% / cap 4000, no deductible.
  吉林:   ordinary 200 / cap 1500 / 二级 55%; pharmacy 50%; chronic 70% / cap 3000 (M00500: 5000).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.reference.benefits import FlexTierNeeded, NotCovered
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import MissingParameter, PolicyError, bind, load_policy

D = Decimal
REGION = {p: f"{p}-example" for p in ("panzhihua", "nanchang", "jilin", "beijing", "zhejiang")}
# A 吉林 region that has not taken pharmacies in: no ordinary.ratio.pharmacy (fictitious figures).
JL_NO_PHARMACY = {"ordinary.deductible": "200", "ordinary.cap": "1500", "inpatient.retiree_ratio_bonus": "0.05",
                  "chronic.ratio": "0.70", "chronic.cap": "3000"}


def visit(sid, date, amount, facility="secondary", med_type="11", **kw):
    return {"id": sid, "date": date, "med_type": med_type, "facility": facility, "medfee_sumamt": str(amount), **kw}


def chronic(sid, date, amount, code, facility="secondary", **kw):
    return visit(sid, date, amount, facility, "14", dise_codg=code, **kw)


def run(policy, settlements, person=None, params=None, region="default", diseases=None):
    region = REGION[policy] if region == "default" else region
    p = {"psn_no": "P1", "psn_type": "1101",
         "chronic_diseases": diseases or [{"dise_codg": "M00500", "kind": "chronic"},
                                          {"dise_codg": "M00100", "kind": "chronic"},
                                          {"dise_codg": "M03900", "kind": "chronic"},
                                          {"dise_codg": "M00600", "kind": "special"}],
         **(person or {})}
    case = parse_case({"policy": policy, "person": p, "settlements": list(settlements)})
    ledger = PersonLedger(bind(policy, region, params), case.person)
    return ledger, [ledger.settle(s) for s in case.items]


def steps(r) -> dict[str, dict]:
    return {s["step"]: s for s in r.trace.render()}


# =========================================================================== 吉林 一: pharmacies


def test_jilin_chronic_purchase_at_a_pharmacy_the_region_has_not_taken_in_pays_nothing_and_counts_nothing():
    """吉林 一: 有条件的统筹区可探索…支持开展普通门诊及门诊慢性病、特殊疾病…处方到定点零售药店配药.

    V1 ordinary purchase at the pharmacy: 0.00, as before.
    V2 chronic purchase there: 0.00 too, no deductible counted (not (1000 − 200) × 70% = 560.00).
    V3 chronic at a 二级 hospital: the shared deductible 200 is still whole: (1000 − 200) × 70% = 560.00.
    """
    ledger, (r1, r2, r3) = run("jilin", [visit("V1", "2023-03-01", "1000", "pharmacy", "41"),
                                         chronic("V2", "2023-03-02", "1000", "M00100", "pharmacy"),
                                         chronic("V3", "2023-03-03", "1000", "M00100")],
                               params=JL_NO_PHARMACY, region=None)
    assert (r2.hifp_pay, r2.act_pay_dedc, r2.chronic_pay, r2.benefit) == (D("0.00"), D("0.00"), D("0.00"), "none")
    assert r2.psn_part_amt == D("1000.00")
    # the same status and the same words as the ordinary purchase; the ordinary one cites 吉林 一, the chronic one
    # the reading too (二（三）names no place of purchase: A-JL-PHARMACY-CHRONIC, probe s27 H2 F7)
    assert r1.benefit == "none"
    assert steps(r2)["定点零售药店"]["detail"] == steps(r1)["定点零售药店"]["detail"]
    assert steps(r1)["定点零售药店"]["clause"] == "吉林 一"
    assert steps(r2)["定点零售药店"]["clause"] == "吉林 一；A-JL-PHARMACY-CHRONIC"
    assert "门诊保障范围" in steps(r2)["定点零售药店"]["detail"]
    assert (r3.act_pay_dedc, r3.chronic_pay) == (D("200.00"), D("560.00"))
    assert ledger.ytd(2023).ordinary_dedc == D("200.00")


def test_jilin_special_disease_purchase_at_a_pharmacy_not_taken_in_pays_nothing():
    """吉林 一 names 特殊疾病 prescriptions with the rest: no pharmacy cover, no payment (not a refusal)."""
    _, (r,) = run("jilin", [chronic("V1", "2023-03-01", "1000", "M00600", "pharmacy")],
                  params=JL_NO_PHARMACY, region=None)
    assert (r.hifp_pay, r.act_pay_dedc, r.benefit) == (D("0.00"), D("0.00"), "none")
    assert steps(r)["定点零售药店"]["clause"] == "吉林 一；A-JL-PHARMACY-CHRONIC"


@pytest.mark.parametrize("psn_type", ["1101", "1201"])
def test_jilin_chronic_purchase_at_a_covered_pharmacy_keeps_the_chronic_ratio_and_says_why(psn_type):
    """A-JL-PHARMACY-CHRONIC: (1000 − 200) × 70% = 560.00, not the pharmacy's ordinary 50% (55% retired)."""
    _, (r,) = run("jilin", [chronic("V1", "2023-03-01", "1000", "M00100", "pharmacy")], {"psn_type": psn_type})
    assert (r.act_pay_dedc, r.pool_prop_selfpay, r.chronic_pay, r.ordinary_pay) == (
        D("200.00"), D("0.70"), D("560.00"), D("0.00"))
    assert steps(r)["药店配药"]["clause"] == "吉林 一；A-JL-PHARMACY-CHRONIC"


@pytest.mark.parametrize("policy, code, pay", [
    ("panzhihua", "M00500", "560.00"),  # (1000 − 300) × 80%
    ("nanchang", "M03900", "850.00"),   # no deductible: 1000 × 85%
])
def test_a_chronic_purchase_at_a_pharmacy_where_the_text_is_silent_is_named(policy, code, pay):
    """攀枝花 第九、十条 and 南昌 四（二）2 do not name the place of purchase: A-CHRONIC-PHARMACY."""
    _, (r,) = run(policy, [chronic("V1", "2023-03-01", "1000", code, "pharmacy")])
    assert r.chronic_pay == D(pay)
    assert steps(r)["药店配药"]["clause"] == "A-CHRONIC-PHARMACY"


@pytest.mark.parametrize("policy", ["beijing", "zhejiang"])
def test_a_chronic_purchase_at_a_pharmacy_where_no_chronic_benefit_is_fixed_is_refused(policy):
    with pytest.raises(NotCovered):
        run(policy, [chronic("V1", "2023-03-01", "1000", "M00500", "pharmacy")])


def test_every_pharmacy_reading_is_defined_where_it_is_cited():
    assert "A-JL-PHARMACY-CHRONIC" in load_policy("jilin").assumptions
    for p in ("panzhihua", "nanchang"):
        assert "A-CHRONIC-PHARMACY" in load_policy(p).assumptions


# =========================================================================== 攀枝花 第七条 benefit period, 第八条


def test_panzhihua_chronic_visit_outside_the_benefit_period_cites_the_reading_that_bars_it():
    """第七条 names the 待遇享受期 for ordinary pooling; for a chronic visit it is A-PZH-BENEFIT-PERIOD-ALL.

    V1 outside: 0.00, no deductible; V2 inside: (1000 − 300) × 80% = 560.00.
    """
    _, (r1, r2) = run("panzhihua", [chronic("V1", "2023-03-01", "1000", "M00500"),
                                    chronic("V2", "2023-04-01", "1000", "M00500")],
                      {"benefit_period": {"begin": "2023-04-01", "end": "2023-12-31"}})
    assert (r1.hifp_pay, r1.act_pay_dedc, r1.benefit) == (D("0.00"), D("0.00"), "none")
    step = steps(r1)["待遇享受期"]
    assert step["clause"] == "攀枝花 第七条；A-PZH-BENEFIT-PERIOD-ALL"
    assert "门诊慢特病待遇" in step["detail"] and "不予支付" in step["detail"]
    assert (r2.act_pay_dedc, r2.chronic_pay) == (D("300.00"), D("560.00"))


def test_panzhihua_ordinary_visit_outside_the_benefit_period_cites_the_article_alone():
    """For ordinary pooling 第七条 says it in so many words: no assumption."""
    _, (r,) = run("panzhihua", [visit("V1", "2023-03-01", "430", "tertiary")],
                  {"benefit_period": {"begin": "2023-04-01", "end": "2023-12-31"}})
    assert r.hifp_pay == D("0.00")
    assert steps(r)["待遇享受期"]["clause"] == "攀枝花 第七条"


@pytest.mark.parametrize("code", ["other_fund", "account_paid", "third_party", "other_state_rule"])
def test_panzhihua_exclusion_on_a_chronic_visit_cites_the_reading_that_bars_it(code):
    """第八条 is headed 普通门诊统筹基金: A-PZH-EXCLUSION-CHRONIC. V2: (1000 − 300) × 80% = 560.00."""
    _, (r1, r2) = run("panzhihua", [chronic("V1", "2023-03-01", "1000", "M00500", exclusion=code),
                                    chronic("V2", "2023-03-02", "1000", "M00500")])
    assert (r1.hifp_pay, r1.act_pay_dedc, r1.benefit) == (D("0.00"), D("0.00"), "none")
    assert steps(r1)["不予支付"]["clause"] == "攀枝花 第八条；A-PZH-EXCLUSION-CHRONIC"
    assert (r2.act_pay_dedc, r2.chronic_pay) == (D("300.00"), D("560.00"))


def test_panzhihua_ordinary_exclusion_cites_the_article_alone():
    _, (r,) = run("panzhihua", [visit("V1", "2023-03-01", "430", exclusion="third_party")])
    assert steps(r)["不予支付"]["clause"] == "攀枝花 第八条"


def test_the_two_panzhihua_readings_are_listed_with_the_documents_assumptions():
    """Reports list policy.assumptions (conform/harness/report/model.py, conform/audit/run.py): both are there, with a reason."""
    found = load_policy("panzhihua").assumptions
    for aid in ("A-PZH-BENEFIT-PERIOD-ALL", "A-PZH-EXCLUSION-CHRONIC"):
        assert aid in found and found[aid].text and found[aid].why
    why = found["A-PZH-BENEFIT-PERIOD-ALL"].why
    assert "第七条" in why and "第十条" in why and "现行政策" in why


# =========================================================================== 攀枝花: asked for only if needed


@pytest.mark.parametrize("person, settlement", [
    ({}, {"remote": True}),                 # unfiled, outside the city, region gives no unfiled ratio (c10)
    ({"psn_type": "1103"}, {}),             # flexible worker, no flex_tier (c13)
    ({"psn_type": "1103"}, {"remote": True}),
])
def test_panzhihua_chronic_visit_within_its_cap_needs_neither_unfiled_ratio_nor_tier(person, settlement):
    """(1000 − 300) × 80% = 560.00 ≤ 4000: nothing goes on to ordinary pooling (第十一条)."""
    _, (r,) = run("panzhihua", [chronic("V1", "2023-03-01", "1000", "M00500", **settlement)], person)
    assert (r.act_pay_dedc, r.chronic_pay, r.ordinary_pay, r.benefit) == (
        D("300.00"), D("560.00"), D("0.00"), "chronic")


def test_panzhihua_chronic_overflow_outside_the_city_unfiled_needs_the_ratio():
    """6000: (6000 − 300) × 80% = 4560 > 4000 → 4000; 4000 ÷ 80% = 5000; 5700 − 5000 = 700 to ordinary pooling."""
    with pytest.raises(MissingParameter, match="ordinary.ratio.remote_unfiled"):
        run("panzhihua", [chronic("V1", "2023-03-01", "6000", "M00500", remote=True)])
    # with the region's 40%: (700 − 200) × 40% = 200.00; 4000 + 200 = 4200.00
    _, (r,) = run("panzhihua", [chronic("V1", "2023-03-01", "6000", "M00500", remote=True)],
                  params={"ordinary.ratio.remote_unfiled": "0.40"})
    assert (r.chronic_pay, r.ordinary_pay, r.act_pay_dedc) == (D("4000.00"), D("200.00"), D("500.00"))
    assert steps(r)["异地未备案"]["clause"] == "攀枝花 第七条；A-PZH-REMOTE-UNFILED"


def test_panzhihua_chronic_overflow_of_a_flexible_worker_needs_the_tier():
    """The same 700 overflow: only an account holder gets ordinary pooling, so the tier decides it now."""
    with pytest.raises(FlexTierNeeded) as e:
        run("panzhihua", [chronic("V1", "2023-03-01", "6000", "M00500")], {"psn_type": "1103"})
    assert "flex_tier" in str(e.value) and "700.00" in str(e.value) and "700.00" in e.value.zh
    # 一档: account → (700 − 200) × 60% = 300.00; 二档: no account → overflow unpaid (A-PZH-NO-ACCOUNT-CHRONIC)
    _, (r1,) = run("panzhihua", [chronic("V1", "2023-03-01", "6000", "M00500")], {"psn_type": "1103", "flex_tier": 1})
    _, (r2,) = run("panzhihua", [chronic("V1", "2023-03-01", "6000", "M00500")], {"psn_type": "1103", "flex_tier": 2})
    assert (r1.chronic_pay, r1.ordinary_pay) == (D("4000.00"), D("300.00"))
    assert (r2.chronic_pay, r2.ordinary_pay) == (D("4000.00"), D("0.00"))


def test_panzhihua_ordinary_visit_of_a_flexible_worker_still_needs_the_tier():
    with pytest.raises(FlexTierNeeded, match="flex_tier"):
        run("panzhihua", [visit("V1", "2023-03-01", "430")], {"psn_type": "1103"})


# =========================================================================== 吉林 三: remote visits


@pytest.mark.parametrize("filed", [False, True])
def test_jilin_remote_visit_cites_article_3_and_the_reading(filed):
    """吉林 三: filing decides only 联网结算; unfiled bills are settled at the 参保地 on receipts.
    二级 1000: (1000 − 200) × 55% = 440.00 either way."""
    _, (r,) = run("jilin", [visit("V1", "2023-03-01", "1000", remote=True)], {"remote_filing": filed})
    assert r.hifp_pay == D("440.00")
    step = steps(r)["异地就医"]
    assert step["clause"] == "吉林 三；A-REMOTE-SAME"
    assert ("参保地医保经办机构" in step["detail"]) is not filed


def test_the_remote_reading_does_not_call_every_other_text_silent():
    why = load_policy("jilin").assumptions["A-REMOTE-SAME"].why
    assert "other texts are silent" not in why
    assert "吉林 三" in why and "联网结算" in why and "参保地" in why


# =========================================================================== 吉林 二（三）caps, 二（二）retirees


def test_jilin_chronic_caps_are_counted_per_disease_and_the_trace_says_so():
    """A-JL-CHRONIC-CAP-PER-DISEASE (c8): chronic.cap 6500 and chronic.M00500.cap 6500.

    V1 M00500 20000: (20000 − 200) × 70% = 13860 > 6500 → 6500.00 against M00500's own cap;
    V2 M00100 20000: 20000 × 70% = 14000 > 6500 → 6500.00 against the shared cap, untouched by V1.
    """
    _, (r1, r2) = run("jilin", [chronic("V1", "2023-03-01", "20000", "M00500"),
                                chronic("V2", "2023-03-02", "20000", "M00100")],
                      params={"chronic.cap": "6500", "chronic.M00500.cap": "6500"})
    assert (r1.chronic_pay, r2.chronic_pay) == (D("6500.00"), D("6500.00"))
    s1, s2 = steps(r1)["慢特病限额"], steps(r2)["慢特病限额"]
    assert s1["clause"] == s2["clause"] == "吉林 二(三)；A-JL-CHRONIC-CAP-PER-DISEASE"
    assert "单独计算" in s1["detail"] and "共用" in s2["detail"]


@pytest.mark.parametrize("key", ["chronic.cap", "chronic.M00500.cap", "chronic.M00100.cap", "chronic.X99.cap"])
def test_jilin_every_chronic_cap_is_refused_above_6500(key):
    """二（三）统筹基金年度最高支付限额不超过6500元: the shared cap and every per-disease cap."""
    with pytest.raises(PolicyError, match=r"exceeds the ceiling 6500.*吉林 二\(三\)"):
        bind("jilin", "jilin-example", {key: "6500.01"})
    assert bind("jilin", "jilin-example", {key: "6500"}).get(key).value == D("6500")


def test_jilin_retiree_deductible_and_cap_are_a_named_reading():
    """二（二）tilts only the retiree ratio and names no retiree figure: a region's one deductible and cap apply to
    retirees by A-JL-RETIREE-DEDUCTIBLE, unless the region gives retirees their own (s10 rtext D1); a second
    in-service key is refused, naming the reading."""
    a = load_policy("jilin").assumptions["A-JL-RETIREE-DEDUCTIBLE"]
    assert "二（二）" in a.why and "倾斜" in a.why
    for key in ("ordinary.deductible.retiree", "ordinary.cap.retiree"):
        assert bind("jilin", "jilin-example", {key: "100"}).get(key).value == D("100")
    for key in ("ordinary.deductible.in_service", "ordinary.cap.in_service"):
        with pytest.raises(PolicyError, match=r"not a separate value: .* in-service figure \(吉林 二（二）\).*A-JL-RETIREE-DEDUCTIBLE"):
            bind("jilin", "jilin-example", {key: "100"})
    # retiree, 二级: the in-service deductible 200; (1000 − 200) × (55% + 5%) = 480.00
    _, (r,) = run("jilin", [visit("V1", "2023-03-01", "1000")], {"psn_type": "1201"})
    assert (r.act_pay_dedc, r.hifp_pay) == (D("200.00"), D("480.00"))
