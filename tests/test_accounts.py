"""Personal accounts (个人账户): monthly credits and permitted uses, by hand from each document.

攀枝花 第四条: 在职 个人缴费全部计入; 一档灵活就业 缴费基数2%; 退休 2022年度平均养老金的2%，以“元”为单位四舍五入.
南昌 四（三）1: 在职 缴费基数的2%; 退休 2023年全省基本养老金平均水平的2.5%.
北京 (三): 在职 缴费基数的2%; 退休 不满70周岁100元/月，70周岁(含)以上110元/月.
浙江 二（三）: 城市确定 (example city: 2% of base; retirees 150元/月).
吉林 吉医保联〔2022〕22号: fixes no crediting — refused.
Uses: 攀枝花 第五条, 南昌 四（三）2, 北京 (四), 浙江 二（四）.

Example regions (fictitious): 攀枝花 average pension 2825.00; 南昌 2987.50.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conform.reference.account import check_use
from conform.reference.case import PURPOSES, RELATIONS, CreditRequest, Settlement, UseRequest, parse_case
from conform.reference.engine import PersonLedger, compute_case
from conform.reference.policy import MissingParameter, PolicyError, bind

D = Decimal
REGION = {p: f"{p}-example" for p in ("panzhihua", "nanchang", "jilin", "beijing", "zhejiang")}


def ledger_for(policy, person=None, region="default", params=None):
    region = REGION[policy] if region == "default" else region
    case = parse_case({"policy": policy, "person": {"psn_no": "A1", "psn_type": "1101", **(person or {})}})
    return PersonLedger(bind(policy, region, params), case.person)


def credit(policy, month, person=None, base=None, contribution=None, **kw):
    req = CreditRequest(month, D(base) if base else None, D(contribution) if contribution else None)
    return ledger_for(policy, person, **kw).credit(req)


# --------------------------------------------------------------------------- 攀枝花 第四条


@pytest.mark.parametrize(
    "person, base, contribution, amount",
    [
        ({"psn_type": "1101"}, None, "160.00", "160.00"),                 # （一）个人缴费全部计入: 160.00
        ({"psn_type": "1101"}, None, "123.45", "123.45"),
        ({"psn_type": "1103", "flex_tier": 1}, "5000", None, "100.00"),   # （一）一档: 5000 × 2% = 100.00
        ({"psn_type": "1103", "flex_tier": 1}, "4321.25", None, "86.43"), # 4321.25 × 2% = 86.425 → 86.43 (A-ACCOUNT-MONTH)
        ({"psn_type": "1103", "flex_tier": 2}, "5000", None, "0.00"),     # 二档: no account (A-PZH-FLEX-TIER2)
        ({"psn_type": "1201"}, None, None, "57.00"),                      # （二）2825 × 2% = 56.50 → 57 (以元四舍五入)
        ({"psn_type": "1203", "flex_tier": 1}, None, None, "57.00"),      # （二）含退休后享受“一档”待遇的人员
        ({"psn_type": "1203", "flex_tier": 2}, None, None, "0.00"),       # A-PZH-FLEX-TIER2
    ],
)
def test_panzhihua_article_4_credits(person, base, contribution, amount):
    c = credit("panzhihua", "2023-03", person, base, contribution)
    assert c.amount == D(amount)
    assert any("攀枝花 第四条" in s["clause"] for s in c.trace.render())


@pytest.mark.parametrize(
    "average, amount",
    [
        ("2825.00", "57.00"),   # 56.50 → 57: exactly half a yuan goes up
        ("2824.75", "56.00"),   # 56.495 → 56
        ("2850.00", "57.00"),   # 57.00
        ("2874.99", "57.00"),   # 57.4998 → 57
        ("2875.00", "58.00"),   # 57.50 → 58
        ("2775.00", "56.00"),   # 55.50 → 56 (half-even would also say 56; 2825 above separates them)
    ],
)
def test_panzhihua_retiree_credit_rounded_to_the_yuan(average, amount):
    """攀枝花 第四条（二）平均水平的2%定额计入(以“元”为单位四舍五入)."""
    c = credit("panzhihua", "2023-03", {"psn_type": "1201"}, region=None,
               params={"account.retiree.average_pension": average})
    assert c.amount == D(amount)


def test_panzhihua_retiree_credit_needs_the_average_pension():
    """攀枝花 第十二条: the HR department supplies the 2022 average; without it the credit cannot be computed."""
    with pytest.raises(MissingParameter) as e:
        credit("panzhihua", "2023-03", {"psn_type": "1201"}, region=None)
    assert "account.retiree.average_pension" in str(e.value) and "攀枝花 第十二条" in str(e.value)


@pytest.mark.parametrize("psn_type", ["1103", "1203"])
def test_panzhihua_flexible_worker_needs_a_tier(psn_type):
    """攀枝花 第四条 credits only 一档 flexible workers: the tier must be known."""
    with pytest.raises(PolicyError, match="flex_tier"):
        credit("panzhihua", "2023-03", {"psn_type": psn_type}, base="5000")


def test_panzhihua_missing_contribution_is_named():
    with pytest.raises(PolicyError, match="field contribution"):
        credit("panzhihua", "2023-03", {"psn_type": "1101"})


def test_panzhihua_before_validity_the_credit_is_refused():
    """攀枝花 第十九条 自2023年1月1日起实施: earlier months follow earlier rules (A-BEFORE-VALIDITY)."""
    with pytest.raises(PolicyError, match="2022-12.*2023-01-01.*攀枝花 第十九条"):
        credit("panzhihua", "2022-12", {"psn_type": "1201"})
    # The first month of the new rules is credited: 2825 × 2% = 56.50 → 57 (第四条（二）).
    assert credit("panzhihua", "2023-01", {"psn_type": "1201"}).amount == D("57.00")


def test_panzhihua_credit_follows_retirement_month():
    """A-MIDYEAR-RETIREMENT: June in service (contribution 160.00), July retired (2825 × 2% = 56.50 → 57.00)."""
    ledger = ledger_for("panzhihua", {"psn_type": "1101", "retire_date": "2023-07-01", "acct_balance": "0"})
    june = ledger.credit(CreditRequest("2023-06", None, D("160.00")))
    july = ledger.credit(CreditRequest("2023-07", None, None))
    assert (june.amount, july.amount) == (D("160.00"), D("57.00"))
    assert ledger.balance == D("217.00")  # 160 + 57


# --------------------------------------------------------------------------- 南昌 四（三）1


@pytest.mark.parametrize(
    "psn_type, base, params, amount",
    [
        ("1101", "6000", None, "120.00"),     # 6000 × 2% = 120.00
        ("1101", "4567.89", None, "91.36"),   # 4567.89 × 2% = 91.3578 → 91.36
        ("1103", "6000", None, "120.00"),     # flexible in service: the same 2% of base
        ("1201", None, None, "74.69"),        # 2987.50 × 2.5% = 74.6875 → 74.69 (A-ACCOUNT-MONTH)
        ("1201", None, {"account.retiree.average_pension": "3000"}, "75.00"),  # 3000 × 2.5%
    ],
)
def test_nanchang_credits(psn_type, base, params, amount):
    c = credit("nanchang", "2023-03", {"psn_type": psn_type}, base=base, params=params)
    assert c.amount == D(amount)
    assert any("南昌 四（三）1" in s["clause"] for s in c.trace.render())


def test_nanchang_retiree_needs_the_provincial_average():
    with pytest.raises(MissingParameter, match="account.retiree.average_pension.*南昌 四（三）1"):
        credit("nanchang", "2023-03", {"psn_type": "1201"}, region=None)


# --------------------------------------------------------------------------- 北京 (三)


@pytest.mark.parametrize(
    "birth, month, amount",
    [
        ("1953-06-15", "2023-05", "100.00"),  # 69 all May: 不满70周岁 100元/月
        ("1953-06-15", "2023-06", "110.00"),  # 70 from 15 June: the birthday month counts as 70 (A-BJ-AGE70)
        ("1953-06-15", "2023-07", "110.00"),  # 70周岁(含)以上 110元/月
        ("1953-06-30", "2023-06", "110.00"),  # birthday on the last day of the month
        ("1953-07-01", "2023-06", "100.00"),  # 70 only from 1 July
        ("1953-07-01", "2023-07", "110.00"),
        ("1940-01-01", "2023-03", "110.00"),  # 83
        ("1960-01-01", "2023-03", "100.00"),  # 63
        # born 29 February: 2026 has no 29 February, yet February is still the birthday month (A-BJ-AGE70)
        ("1956-02-29", "2026-01", "100.00"),
        ("1956-02-29", "2026-02", "110.00"),
    ],
)
def test_beijing_retiree_credit_either_side_of_70(birth, month, amount):
    """北京 (三) 不满70周岁的按100元/月标准划入、70周岁(含)以上的按110元/月标准划入."""
    c = credit("beijing", month, {"psn_type": "1201", "birth_date": birth})
    assert c.amount == D(amount)
    assert any("北京 (三)" in s["clause"] for s in c.trace.render())


@pytest.mark.parametrize("base, amount", [("8000", "160.00"), ("5555.55", "111.11")])  # × 2%: 160.00; 111.111 → 111.11
def test_beijing_in_service_credit(base, amount):
    """北京 (三) 计入标准为本人参保缴费基数的2%."""
    assert credit("beijing", "2023-03", {"psn_type": "1101"}, base=base).amount == D(amount)


def test_beijing_retiree_needs_a_birth_date():
    with pytest.raises(PolicyError, match="birth_date"):
        credit("beijing", "2023-03", {"psn_type": "1201"})


def test_beijing_before_the_measures_the_credit_is_refused():
    """A-BJ-EFFECTIVE: the measures run from 2022-03-06; February 2022 ends before it (A-BEFORE-VALIDITY)."""
    with pytest.raises(PolicyError, match="2022-02.*2022-03-06"):
        credit("beijing", "2022-02", {"psn_type": "1201", "birth_date": "1950-01-01"})
    # March 2022 ends after the start: born 1950-01-01, 72 at the end of March → 110元/月 (（三）).
    assert credit("beijing", "2022-03", {"psn_type": "1201", "birth_date": "1950-01-01"}).amount == D("110.00")


# --------------------------------------------------------------------------- 浙江 二（三）, 吉林


@pytest.mark.parametrize(
    "psn_type, base, month, amount",
    [
        ("1101", "7000", "2023-03", "140.00"),   # city config: 7000 × 2% = 140.00
        ("1201", None, "2023-03", "150.00"),     # city config: 150元/月
    ],
)
def test_zhejiang_credits_come_from_the_city(psn_type, base, month, amount):
    """浙江 二（三）合理确定个人账户计入办法和计入水平."""
    assert credit("zhejiang", month, {"psn_type": psn_type}, base=base).amount == D(amount)


def test_zhejiang_before_2023_the_credit_is_refused():
    """浙江 二（三）2023年起开始实施改革 (A-ZJ-VALID-FROM, A-BEFORE-VALIDITY)."""
    with pytest.raises(PolicyError, match="2022-12.*2023-01-01"):
        credit("zhejiang", "2022-12", {"psn_type": "1201"})


def test_zhejiang_without_city_figures_the_parameter_is_named():
    with pytest.raises(MissingParameter, match="account.retiree.monthly.*浙江 二（三）"):
        credit("zhejiang", "2023-03", {"psn_type": "1201"}, region=None)


def test_jilin_fixes_no_account_crediting():
    """吉医保联〔2022〕22号 says nothing of account crediting: refused rather than guessed."""
    with pytest.raises(PolicyError, match="吉医保联〔2022〕22号.*does not fix personal-account crediting"):
        credit("jilin", "2023-03", {"psn_type": "1101"}, base="5000")


# --------------------------------------------------------------------------- uses

FAMILY = ("self", "spouse", "parent", "child")
# policy → clause, {purpose: decision for 本人及其配偶、父母、子女}
USES = {
    # 攀枝花 第五条
    "panzhihua": ("攀枝花 第五条", {
        "medical_selfpay": "allowed",                     # 本人及其配偶、父母、子女在定点医疗机构就医……医疗费
        "pharmacy_selfpay": "allowed",                    # 在定点零售药店购买药品、医疗器械、医用耗材
        "resident_insurance_contribution": "allowed",     # 参加城乡居民基本医疗保险……的个人缴费
        "government_insurance_contribution": "allowed",   # 补充医疗保险、重特大疾病保险、长期护理保险等由政府开展的
        "commercial_insurance": "undetermined",           # neither listed nor forbidden
        "public_health": "refused",                       # 不得用于公共卫生费用
        "fitness": "refused",                             # 体育健身
        "wellness": "refused",                            # 养生保健消费
    }),
    # 南昌 四（三）2
    "nanchang": ("南昌 四（三）2", {
        "medical_selfpay": "allowed",                     # 配偶、父母、子女在定点医疗机构就医
        "pharmacy_selfpay": "allowed",
        "commercial_insurance": "allowed",                # 购买经市医疗保障局备案的商业补充医疗保险 (on that condition, CONDITIONS)
        "resident_insurance_contribution": "undetermined",  # not in the explanation
        "government_insurance_contribution": "undetermined",
        "public_health": "undetermined",                  # 六种情形 counted, not listed
        "fitness": "undetermined",
        "wellness": "undetermined",
    }),
    # 北京 (四)
    "beijing": ("北京 (四)", {
        "medical_selfpay": "allowed",
        "pharmacy_selfpay": "allowed",
        "resident_insurance_contribution": "undetermined",   # 探索
        "government_insurance_contribution": "undetermined",  # 探索……长期护理保险
        "public_health": "refused",
        "fitness": "refused",
        "wellness": "refused",
    }),
    # 浙江 二（四）
    "zhejiang": ("浙江 二（四）", {
        "medical_selfpay": "allowed",
        "pharmacy_selfpay": "allowed",
        "resident_insurance_contribution": "allowed",     # 直系亲属参加本省城乡居民基本医保、大病保险等个人缴费 (本省: CONDITIONS)
        "government_insurance_contribution": "allowed",
        "commercial_insurance": "undetermined",
        "public_health": "refused",
        "fitness": "refused",
        "wellness": "refused",
    }),
}
# Allowed only on a condition the request cannot carry: the reference's reason names it (the scenarios and the
# account_use property accept allowing or refusing; tests/test_acct_conditions.py).
CONDITIONS = {("nanchang", "commercial_insurance"): "经市医疗保障局备案的商业补充医疗保险",
              ("beijing", "commercial_insurance"): "与基本医疗保险相衔接的本市商业健康保险产品",
              ("zhejiang", "resident_insurance_contribution"): "本省",
              ("zhejiang", "government_insurance_contribution"): "本省"}
USE_GRID = [
    (policy, purpose, relation, decision if relation in FAMILY or decision != "allowed" else "refused", clause)
    for policy, (clause, table) in USES.items()
    for purpose, decision in table.items()
    for relation in RELATIONS
]


@pytest.mark.parametrize("policy, purpose, relation, decision, clause", USE_GRID,
                         ids=[f"{g[0]}-{g[1]}-{g[2]}" for g in USE_GRID])
def test_account_use_decision_and_clause(policy, purpose, relation, decision, clause):
    d = check_use(bind(policy, REGION[policy]), relation, purpose)
    assert (d.decision, d.clause) == (decision, clause)
    assert d.reason
    if decision == "allowed" and (policy, purpose) in CONDITIONS:
        assert CONDITIONS[policy, purpose] in d.reason


@pytest.mark.parametrize(
    "relation, decision",
    [("self", "allowed"), ("spouse", "undetermined"), ("parent", "undetermined"), ("child", "undetermined"),
     ("other", "undetermined")],
)
def test_beijing_commercial_insurance_names_no_one_so_a_relatives_purchase_is_open(relation, decision):
    """北京 (四) 支持用于购买与基本医疗保险相衔接的本市商业健康保险产品: for whom, it does not say. The insured's
    own purchase is allowed (on the product condition); anyone else's is the text's silence, not a refusal the
    text makes, and the decision names the reading that draws that line (A-BJ-COMMERCIAL-FOR-WHOM)."""
    d = check_use(bind("beijing", "beijing-example"), relation, "commercial_insurance")
    assert (d.decision, d.clause) == (decision, "北京 (四)；A-BJ-COMMERCIAL-FOR-WHOM")
    assert "仅限" not in d.reason


@pytest.mark.parametrize("purpose", sorted(PURPOSES))
def test_jilin_does_not_address_account_uses(purpose):
    d = check_use(bind("jilin", "jilin-example"), "self", purpose)
    assert (d.decision, d.clause) == ("undetermined", "吉林")


def test_unknown_relation_or_purpose_is_refused_as_input():
    rules = bind("panzhihua")
    with pytest.raises(PolicyError, match="unknown relation"):
        check_use(rules, "cousin", "medical_selfpay")
    with pytest.raises(PolicyError, match="unknown purpose"):
        check_use(rules, "self", "gym")


# --------------------------------------------------------------------------- balance


def test_only_an_allowed_affordable_use_moves_the_balance():
    """攀枝花 第五条: a refused use never touches the balance; an undetermined one with an amount leaves it unknown
    (had the system allowed it, the account paid it: a later balance check would blame it for the harness's guess),
    unless the account holds nothing it could pay."""
    ledger = ledger_for("panzhihua", {"acct_balance": "500.00"})
    steps = [
        (UseRequest("U1", "self", "public_health", D("100")), "refused", "500.00"),      # 不得用于公共卫生费用
        (UseRequest("U2", "self", "medical_selfpay", D("100")), "allowed", "400.00"),    # 500 − 100
        (UseRequest("U3", "spouse", "medical_selfpay", D("500")), "refused", "400.00"),  # 500 > 400: insufficient
        (UseRequest("U5", "other", "medical_selfpay", D("50")), "refused", "400.00"),    # not 配偶、父母、子女
        (UseRequest("U6", "parent", "pharmacy_selfpay", D("400")), "allowed", "0.00"),   # 400 − 400
        (UseRequest("U7", "child", "fitness", D("0.01")), "refused", "0.00"),
        (UseRequest("U4", "self", "commercial_insurance", None), "undetermined", "0.00"),  # no amount: nothing paid
        # nothing in the account: allowed or refused, it pays nothing (at most up to the balance), 0.00 either way
        (UseRequest("U8", "self", "commercial_insurance", D("50")), "undetermined", "0.00"),
        (UseRequest("U9", "self", "medical_selfpay", D("10")), "refused", "0.00"),         # 10 > 0.00: insufficient
    ]
    for req, decision, balance in steps:
        res = ledger.use_account(req)
        assert res.decision.decision == decision, req.id
        assert ledger.balance == (None if balance is None else D(balance)), req.id
        assert res.to_output().get("acct_balance") == balance
    # with something in the account an undetermined use leaves it unknown (500.00 or 450.00), and later uses unchecked
    ledger = ledger_for("panzhihua", {"acct_balance": "500.00"})
    assert ledger.use_account(UseRequest("U8", "self", "commercial_insurance", D("50"))).decision.decision == "undetermined"
    res = ledger.use_account(UseRequest("U9", "self", "medical_selfpay", D("10")))
    assert ledger.balance is None and res.decision.decision == "allowed" and "U8起未知" in res.decision.reason


def test_credits_and_uses_through_a_case():
    """攀枝花 第四条 and 第五条 end to end: 100.00 + 160.00 credited, 60.00 used for a child, a gym refused."""
    case = parse_case({
        "policy": "panzhihua", "region": "panzhihua-example",
        "person": {"psn_no": "A1", "psn_type": "1101", "acct_balance": "100.00"},
        "account_credits": [{"month": "2023-03", "contribution": "160.00"}],
        "account_uses": [{"id": "U1", "relation": "child", "purpose": "medical_selfpay", "amount": "60.00"},
                         {"id": "U2", "relation": "self", "purpose": "fitness", "amount": "10.00"}],
    })
    out = compute_case(case)
    assert out["account_credits"][0]["amount"] == "160.00"
    assert [(u["decision"], u["clause"], u["acct_balance"]) for u in out["account_uses"]] == [
        ("allowed", "攀枝花 第五条", "200.00"),   # 100 + 160 − 60
        ("refused", "攀枝花 第五条", "200.00"),
    ]
    assert out["acct_balance"] == "200.00"


def test_a_relatives_account_adds_to_the_account_payment_but_not_to_this_balance():
    """A ledger's 个人账户共济支付 (acct_mulaid_pay) is another person's account: 个人账户支出 includes it
    (the platform's identity) and covers part of 个人负担; this person's balance pays the rest and is the
    only one that falls.

    攀枝花 第七条, in-service, 三级 50%, deductible 200: S1 300.00 in scope → 200 to the deductible,
    (300 − 200) × 50% = 50.00 fund, 个人负担 250.00; the hospital bears 30.00 → 220.00. The relative pays
    40.00 as recorded, the own balance 500.00 the other 220 − 40 = 180.00 (→ 320.00): acct_pay 220.00,
    cash 0.00. S2 100.00: 50.00 fund, 个人负担 50.00, own pays 50.00 → 270.00. Reversing S1 gives back
    its own 180.00 only: 450.00."""
    ledger = ledger_for("panzhihua", {"acct_balance": "500.00"})
    s1 = ledger.settle(Settlement(id="S1", date=dt.date(2023, 3, 1), med_type="11",
                                  facility="tertiary", medfee_sumamt=D("300.00"), hosp_part_amt=D("30.00"),
                                  acct_mulaid_pay=D("40.00")))
    assert (s1.hifp_pay, s1.psn_part_amt, s1.acct_pay, s1.psn_cash_pay, ledger.balance) == (
        D("50.00"), D("220.00"), D("220.00"), D("0.00"), D("320.00"))
    s2 = ledger.settle(Settlement(id="S2", date=dt.date(2023, 3, 2), med_type="11",
                                  facility="tertiary", medfee_sumamt=D("100.00")))
    assert (s2.hifp_pay, s2.acct_pay, ledger.balance) == (D("50.00"), D("50.00"), D("270.00"))
    ledger.reverse("S1")
    assert ledger.balance == D("450.00")


def test_an_undetermined_uses_reason_stands_alone():
    """A use's reason reaches the reports on its own: never the policy file's back-reference to another entry."""
    from conform.reference.case import PURPOSES
    from conform.reference.policy import POLICY_IDS

    for pid in POLICY_IDS:
        rules = bind(pid, f"{pid}-example")
        for purpose in PURPOSES:
            d = check_use(rules, "self", purpose)
            assert "above" not in d.reason.lower(), (pid, purpose, d.reason)
            rule = rules.policy.account_uses.get(purpose)
            if d.decision == "undetermined" and rule:
                # the text's own words where it says something of the use (北京（四）“探索”), else that it is silent
                said = rule.reason or "文件未写明"
                assert d.reason.startswith(said) and "允许或拒绝均不违反文件" in d.reason, (pid, purpose, d.reason)
