"""The reference's citations and wording trace to the text (the insurer's lawyer's review, s5 rtext D4–D9, R8).

- D4 北京（四）“支持用于购买与基本医疗保险相衔接的本市商业健康保险产品” names no one: the insured's own purchase is
  allowed, a relative's is the text's silence (undetermined, either answer passes), not a refusal the text makes.
- D5 a region's second in-service figure (浙江, 吉林) is refused on the tool's named reading, not as the document's own
  limit (its own retiree figure is allowed since s10 rtext D1).
- D6 吉林: a special-disease visit's route is 门诊特殊疾病's (not 门诊慢特病's); the chronic deductible merged with the
  ordinary one cites 二(三); emergency and day surgery cite 二(五) / 二(六), not the special-disease 二(四).
- D7 a figure decided by a named reading cites it beside the article: mid-year retirement (A-MIDYEAR-RETIREMENT),
  a half fen rounded (A-ROUND-FEN, only where rounding changed the figure), 吉林's and 浙江's retiree figures
  (A-JL-RETIREE-DEDUCTIBLE, A-ZJ-RETIREE-CAP); 南昌's retiree deductible is the text's own (四（二）1).
- D8 a quote carries its figure; D9 the glossary's `benefit: none` does not cover dates outside validity.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.generators import Setting
from conform.harness.properties.accounts import AccountYear, account_use
from conform.harness.properties.base import PROPERTIES, Context
from conform.reference.account import check_use
from conform.reference.benefits import OutsideValidity
from conform.reference.case import UseRequest, parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import PolicyError, bind, load_policy
from conform.reference.trace import join_cites

D = Decimal
ROOT = Path(__file__).resolve().parents[1]


def settle(policy: str, visits: list[dict], person: dict | None = None, params: dict | None = None):
    case = parse_case({"policy": policy, "person": {"psn_no": "P1", "psn_type": "1101", **(person or {})},
                       "settlements": visits})
    ledger = PersonLedger(bind(policy, f"{policy}-example", params), case.person)
    return [ledger.settle(s) for s in case.items]


def visit(sid: str, date: str, amount: str, facility: str = "tertiary", med_type: str = "11", **extra) -> dict:
    return {"id": sid, "date": date, "med_type": med_type, "facility": facility, "medfee_sumamt": amount, **extra}


def steps(result) -> dict[str, str]:
    """step → clause; where a step occurs twice (an overflow's ordinary part), the last."""
    return {s["step"]: s["clause"] for s in result.trace.render()}


def details(result) -> dict[str, str]:
    return {s["step"]: s["detail"] for s in result.trace.render()}


# --------------------------------------------------------------------------- D4 北京（四）commercial insurance


@pytest.mark.parametrize("relation", ["spouse", "parent", "child", "other"])
def test_beijing_a_relatives_commercial_insurance_is_open_and_names_the_reading(relation):
    d = check_use(bind("beijing", "beijing-example"), relation, "commercial_insurance")
    assert d.decision == "undetermined"
    assert d.clause == "北京 (四)；A-BJ-COMMERCIAL-FOR-WHOM"
    assert "仅限" not in d.reason and "允许或拒绝均不违反文件" in d.reason


def test_beijing_the_insureds_own_purchase_stays_allowed_on_the_product_condition():
    d = check_use(bind("beijing", "beijing-example"), "self", "commercial_insurance")
    assert d.decision == "allowed" and "与基本医疗保险相衔接的本市商业健康保险产品" in d.reason


def test_the_old_self_only_reading_is_gone_and_the_new_one_is_explained():
    policy = load_policy("beijing")
    assert "A-BJ-COMMERCIAL-SELF" not in policy.assumptions
    a = policy.assumptions["A-BJ-COMMERCIAL-FOR-WHOM"]
    assert "未作规定" in a.text and "仅限" not in a.text
    rule = policy.account_uses["commercial_insurance"]
    assert (rule.relations, rule.others) == (("self",), "undetermined")


class FamilyBuyer(ReferenceAdapter):
    """The reference, except that it lets the account buy commercial insurance for anyone (allowed, debited)."""

    def check_account_use(self, psn_no, relation, purpose, amount=None):
        if purpose != "commercial_insurance":
            return super().check_account_use(psn_no, relation, purpose, amount)
        led = self._ledger(psn_no)
        led.balance -= D(amount)
        return {"decision": "allowed", "clause": "北京 (四)", "reason": "为亲属购买", "acct_balance": f"{led.balance:.2f}"}


def test_the_account_use_property_passes_a_system_that_buys_for_a_spouse():
    """The rtext variant BeijingCommercialForFamily failed the property ("子女·commercial_insurance 应为 refused"):
    a relative's purchase is one the text leaves open, so the answer is counted, not judged."""
    setting = Setting("beijing", "beijing-example")
    person = parse_case({"policy": "beijing", "person": {"psn_no": "P", "psn_type": "1101",
                                                         "acct_balance": "500.00"}}).person
    ctx = Context(FamilyBuyer(), "beijing", PROPERTIES["account_use"])
    # balance 500.00; 100.00 for the spouse, allowed → 400.00; 50.00 for a child → 350.00
    uses = (UseRequest("U1", "spouse", "commercial_insurance", D("100.00")),
            UseRequest("U2", "child", "commercial_insurance", D("50.00")))
    account_use(ctx, AccountYear(setting, person, uses=uses))
    assert ctx.notes["undetermined_uses"] == {"allowed": 2}


def test_the_beijing_scenarios_no_longer_demand_a_refusal_for_relatives():
    text = (ROOT / "features" / "beijing" / "（四）_规范个人账户使用管理.feature").read_text(encoding="utf-8")
    assert "A-BJ-COMMERCIAL-SELF" not in text and "仅限本人" not in text
    outline = text[text.index("场景大纲: 为亲属购买商业健康保险"):]
    outline = outline[:outline.index("场景大纲:", 10)]
    assert '那么 个人账户使用未作规定，依据 "(四)"' in outline and "被拒绝" not in outline


# --------------------------------------------------------------------------- D5 a retiree figure is the tool's reading


@pytest.mark.parametrize("policy, key, article, reading", [
    ("zhejiang", "ordinary.cap.in_service", "浙江 二（一）", "A-ZJ-RETIREE-CAP"),
    ("jilin", "ordinary.cap.in_service", "吉林 二（二）", "A-JL-RETIREE-DEDUCTIBLE"),
    ("jilin", "ordinary.deductible.in_service", "吉林 二（二）", "A-JL-RETIREE-DEDUCTIBLE"),
])
def test_a_second_in_service_figure_is_refused_naming_the_reading_not_the_text(policy, key, article, reading):
    """A region may give retirees their own figure (s10 rtext D1), but the in-service one is the generic key: a
    second key for it is refused on the tool's reading (one key, one figure), not as the document's own limit."""
    with pytest.raises(PolicyError) as e:
        bind(policy, f"{policy}-example", {key: "1800"})
    message = str(e.value)
    assert "leaves to a region" not in message
    assert f"in-service figure ({article})" in message and f"({reading})" in message


def test_an_unknown_key_keeps_the_plain_message():
    with pytest.raises(PolicyError, match="ordinary.cap.foo is not a value 浙江 leaves to a region"):
        bind("zhejiang", "zhejiang-example", {"ordinary.cap.foo": "1"})


# --------------------------------------------------------------------------- D6 吉林's articles and terms


JL_PERSON = {"chronic_diseases": [{"dise_codg": "M00100", "kind": "chronic"}, {"dise_codg": "S001", "kind": "special"}]}


def test_jilin_a_special_disease_route_says_special_disease():
    (r,) = settle("jilin", [visit("V1", "2023-03-03", "2000", "secondary", "14", dise_codg="S001")], JL_PERSON)
    assert details(r)["待遇路径"].startswith("门诊特殊疾病参照住院待遇政策")
    assert steps(r)["待遇路径"] == "吉林 二(四)"


def test_jilin_the_merged_chronic_deductible_cites_the_article_that_merges_it():
    # in service; deductible 200 (二（二）, example) counted by the chronic visit: 二(三) 合并计算
    (r,) = settle("jilin", [visit("V1", "2023-03-02", "1000", med_type="14", dise_codg="M00100")], JL_PERSON)
    assert steps(r)["慢特病起付线"] == "吉林 二(三)；吉林 二（二）"


@pytest.mark.parametrize("med_type, article", [("13", "吉林 二(五)"), ("28", "吉林 二(六)")])
def test_jilin_emergency_and_day_surgery_do_not_cite_the_special_disease_article(med_type, article):
    (r,) = settle("jilin", [visit("V1", "2023-03-05", "1000", "primary", med_type)],
                  params={"day_surgery.waive_deductible": "false"})
    for step, clause in steps(r).items():
        # the fund's steps; the account's own step (what the account pays, e5159db) cites the account's rule
        if step not in ("政策范围内费用", "个人账户支付"):
            assert clause.startswith(article) and "二(四)" not in clause, (step, clause)
    assert "二(四)" not in steps(r).get("个人账户支付", "")


# --------------------------------------------------------------------------- D7 figures decided by a named reading


def test_midyear_retirement_is_cited_where_the_in_service_count_carries_on():
    # 攀枝花 example, 二级: in service 2023-03 (1200 − 200) × 60% = 600.00; retired 2023-07-01:
    # 2023-08 retiree deductible 150, 200 already counted → 0 (counted afresh: 150); (1000 − 0) × 65% = 650.00
    #   within 1500 − 600 = 900 left (afresh: 1500): the cap did not bind, so counting afresh gives the same figure;
    #   but the in-service cap the year began with, 1000 − 600 = 400, would cut it: which type's cap is the reading's
    #   (probe s26/1 F5)
    # 2023-09 deductible 0 again (afresh: 150); (1000 − 0) × 65% = 650.00 > 1500 − 600 − 650 = 250 left → 250.00
    #   (afresh: 1500 − 650 = 850 left → 650.00): the carried count bound both
    r1, r2, r3 = settle("panzhihua", [visit("V1", "2023-03-01", "1200", "secondary"),
                                      visit("V2", "2023-08-01", "1000", "secondary"),
                                      visit("V3", "2023-09-01", "1000", "secondary")], {"retire_date": "2023-07-01"})
    assert (r1.hifp_pay, r2.hifp_pay, r3.hifp_pay) == (D("600.00"), D("650.00"), D("250.00"))
    assert "A-MIDYEAR-RETIREMENT" not in " ".join(steps(r1).values())
    assert steps(r2)["起付线"] == "攀枝花 第七条；A-MIDYEAR-RETIREMENT"
    assert steps(r2)["年度最高支付限额"] == "攀枝花 第七条；A-MIDYEAR-RETIREMENT"
    # the retiree's 65% (not the in-service 60%) is the type on the settlement's date: the reading's too (probe s23 K F4)
    assert steps(r2)["支付比例"] == steps(r3)["支付比例"] == "攀枝花 第七条；A-MIDYEAR-RETIREMENT"
    assert steps(r3)["起付线"] == steps(r3)["年度最高支付限额"] == "攀枝花 第七条；A-MIDYEAR-RETIREMENT"


def test_midyear_retirement_is_not_cited_where_the_deductible_left_covers_the_visit():
    # 攀枝花 example: in service 2023-03, 100.00 in scope → 100 of 200 counted, nothing paid; retired 2023-07-01:
    # 2023-08 retiree deductible 150, 100 counted → 50 left; a visit of 40.00 takes 40 (afresh: 150 left, 40 too)
    r1, r2 = settle("panzhihua", [visit("V1", "2023-03-01", "100", "secondary"),
                                  visit("V2", "2023-08-01", "40", "secondary")], {"retire_date": "2023-07-01"})
    assert (r1.act_pay_dedc, r2.act_pay_dedc, r2.hifp_pay) == (D("100.00"), D("40.00"), D("0.00"))
    assert "A-MIDYEAR-RETIREMENT" not in " ".join(v for k, v in steps(r2).items() if k != "支付比例")
    # the ratio itself (65%, not the in-service 60%) is recorded even though it pays nothing: the reading's (probe s29
    # H5 F4; this test pinned it uncited before)
    assert steps(r2)["支付比例"] == "攀枝花 第七条；A-MIDYEAR-RETIREMENT"


def test_a_retiree_of_an_earlier_year_or_with_nothing_counted_cites_no_midyear_reading():
    # retired 2022: 2023 is a retiree's year from 1 January; (1000 − 150) × 65% = 552.50
    (r,) = settle("panzhihua", [visit("V1", "2023-08-01", "1000", "secondary")], {"retire_date": "2022-07-01"})
    assert r.hifp_pay == D("552.50") and "A-MIDYEAR-RETIREMENT" not in " ".join(steps(r).values())
    # retired 2023-07-01, first visit after: nothing counted, nothing carried — but the retiree's 65% rather than the
    # in-service 60% is the type on the settlement's date, by the reading (a system taking the type at the start of
    # the year pays (1000 − 200) × 60% = 480.00, not (1000 − 150) × 65% = 552.50)
    (r,) = settle("panzhihua", [visit("V1", "2023-08-01", "1000", "secondary")], {"retire_date": "2023-07-01"})
    assert r.hifp_pay == D("552.50")
    assert "A-MIDYEAR-RETIREMENT" not in steps(r)["起付线"] + steps(r)["年度最高支付限额"]
    assert steps(r)["支付比例"] == "攀枝花 第七条；A-MIDYEAR-RETIREMENT"


def test_rounding_is_cited_only_where_it_changed_the_figure():
    # (200.01 − 200.00) × 50% = 0.005 → 0.01: rounded; (300.00 − 200.00) × 50% = 50.00: exact
    (r,) = settle("panzhihua", [visit("V1", "2023-03-01", "200.01")])
    assert r.hifp_pay == D("0.01") and steps(r)["支付比例"] == "攀枝花 第七条；A-ROUND-FEN"
    assert "A-ROUND-FEN" not in steps(r)["年度最高支付限额"]
    (r,) = settle("panzhihua", [visit("V1", "2023-03-01", "300.00")])
    assert r.hifp_pay == D("50.00") and steps(r)["支付比例"] == "攀枝花 第七条"
    # the step text keeps its form, which the harness's blame reads
    assert re.search(r"\(300\.00 − 200\.00\) × 50% = 50\.00元（四舍五入到分）", details(r)["支付比例"])


def test_a_rounded_chronic_payment_cites_the_rounding():
    # 吉林 in service, M00100 at 三级: (1000.01 − 200.00) × 70% = 560.007 → 560.01
    (r,) = settle("jilin", [visit("V1", "2023-03-02", "1000.01", med_type="14", dise_codg="M00100")], JL_PERSON)
    assert r.hifp_pay == D("560.01") and steps(r)["慢特病支付"].endswith("A-ROUND-FEN")


@pytest.mark.parametrize("psn_type, reading", [("1201", True), ("1101", False)])
def test_jilin_a_retirees_deductible_and_cap_cite_the_reading(psn_type, reading):
    # 吉林 example: deductible 200, cap 1500 for both; 三级 50% (+5 retiree): (1000 − 200) × 55% = 440.00
    (r,) = settle("jilin", [visit("V1", "2023-03-01", "1000")], {"psn_type": psn_type})
    for step in ("起付线", "年度最高支付限额"):
        assert ("A-JL-RETIREE-DEDUCTIBLE" in steps(r)[step]) is reading, steps(r)[step]
        assert steps(r)[step].startswith("吉林 二（二）")


@pytest.mark.parametrize("psn_type, reading", [("1201", True), ("1101", False)])
def test_zhejiang_a_retirees_cap_cites_the_reading(psn_type, reading):
    (r,) = settle("zhejiang", [visit("V1", "2023-03-01", "1000", "primary")], {"psn_type": psn_type})
    assert ("A-ZJ-RETIREE-CAP" in steps(r)["年度最高支付限额"]) is reading
    assert "A-ZJ-RETIREE-CAP" not in steps(r)["起付线"]  # 退休人员起付线减半执行: the text's


def test_nanchang_the_retiree_deductible_is_the_texts_own():
    """R8: 四（二）1 起付线为600元 for 普通门诊统筹 as a whole: cited to the article, and the id that names it says
    it fills no gap."""
    (r,) = settle("nanchang", [visit("V1", "2023-03-01", "1000")], {"psn_type": "1201"})
    assert r.act_pay_dedc == D("600.00") and steps(r)["起付线"] == "南昌 四（二）1"
    a = load_policy("nanchang").assumptions["A-NC-RETIREE-DEDUCTIBLE"]
    assert "不是补充解读" in a.text


def test_an_article_is_cited_once_when_a_part_is_itself_joined():
    assert join_cites("南昌 四（二）1；A-NC-UNRATED", "南昌 四（二）1") == "南昌 四（二）1；A-NC-UNRATED"
    # 南昌 retiree at an unrated facility: (1000 − 600) × (60% + 5%) = 260.00
    (r,) = settle("nanchang", [visit("V1", "2023-03-01", "1000", "unrated")], {"psn_type": "1201"})
    assert r.hifp_pay == D("260.00") and steps(r)["支付比例"] == "南昌 四（二）1；A-NC-UNRATED"


# --------------------------------------------------------------------------- D8, D9


def test_jilin_the_unrated_ratio_quotes_the_phrase_with_its_figure():
    p = load_policy("jilin").params["ordinary.ratio.in_service.unrated"]
    assert p.value == D("0.60") and "60%" in p.quote


def test_the_glossary_does_not_put_dates_outside_validity_under_benefit_none():
    with pytest.raises(OutsideValidity):
        settle("panzhihua", [visit("V1", "2022-12-31", "1000")])
    line = next(row for row in (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines()
                if row.startswith("| `benefit`"))
    assert "不在有效期" not in line and "被拒绝" in line
