"""Which articles each kind of property checks, per policy (ids as in conform/reference/policies/texts/).

They become pytest marks such as `panzhihua-7` or `nanchang-4.2.1`, so the report's
article matrix counts the properties next to the scenarios.
"""
from __future__ import annotations

# 普通门诊统筹: deductible, ratio by facility level, annual cap, per natural year.
ORDINARY = {
    "panzhihua": ("7",),        # 第七条 门诊统筹保障
    "nanchang": ("4.2.1",),     # 四（二）1 普通门诊待遇
    "jilin": ("2.2",),          # 二（二）普通门诊统筹
    "beijing": ("5",),          # (五) 增强门诊共济保障能力（起付标准、比例、限额按基本医疗保险规定）
    "zhejiang": ("2.1",),       # 二（一）增强门诊共济保障功能
}
# Chronic / special diseases, emergency and day surgery where a document fixes them.
CHRONIC = {
    "panzhihua": ("9", "10", "11"),   # 两病、门诊慢特病、政策衔接（先慢特病后门诊统筹）
    "nanchang": ("4.2.2",),           # 门诊特殊慢性病待遇
    "jilin": ("2.3", "6.3"),          # 门诊慢性病；优先享受门诊慢特病待遇、住院期间不享受
}
INPATIENT_ROUTES = {"jilin": ("2.4", "2.5", "2.6")}   # 门诊特殊疾病、急诊抢救、日间手术参照住院
# Only a special-disease visit counts the special-disease deductible (二（四）："一个自然年度内计算一次起付标准"); an
# emergency or a day surgery counts a deductible per visit that no total reports (reference benefits.inpatient_route).
# No other document has special diseases, so none other maps the field.
SPECIAL_DEDC = {"jilin": ("2.4",)}
# A disease's chronic deductible total is counted by the benefit that charges it (攀枝花 第九条 两病, 第十条 门诊慢特病);
# 第十一条 sends a visit's part past the disease's cap on to ordinary pooling and counts no chronic deductible.
CHRONIC_DEDC = {**CHRONIC, "panzhihua": ("9", "10")}
EXCLUSIONS = {"panzhihua": ("7", "8"), "jilin": ("6.3",)}
ACCOUNT_USE = {"panzhihua": ("5",), "nanchang": ("4.3.2",), "beijing": ("4",), "zhejiang": ("2.4",)}
# 吉林 says nothing of the personal account (its policy lists no use): what the account does there rests
# on the common readings alone, so a wrong account figure blames that reading, never a benefit article.
ACCOUNT_READINGS = {"jilin": ("A-ACCOUNT-SELFPAY",)}
ACCOUNT_BLAME = {**ACCOUNT_USE, **ACCOUNT_READINGS}
ACCOUNT_CREDIT = {"panzhihua": ("4",), "nanchang": ("4.3.1",), "beijing": ("3",), "zhejiang": ("2.3",)}
# Where the document itself ranks facility levels (lower level, higher ratio).
LEVEL_TILT = {"panzhihua": ("7",), "nanchang": ("4.2.1", "5.3"), "jilin": ("2.2",)}
# Where the document itself favours retirees (lower deductible, higher ratio or cap).
RETIREE_TILT = {"panzhihua": ("7",), "nanchang": ("4.2.1",), "jilin": ("2.2", "2.4"), "zhejiang": ("2.1",)}


def merge(*maps: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Union of clause maps, keeping the policies of the first and each article once."""
    out: dict[str, tuple[str, ...]] = {}
    for p in maps[0]:
        arts: list[str] = []
        for m in maps:
            for a in m.get(p, ()):
                if a not in arts:
                    arts.append(a)
        out[p] = tuple(arts)
    return out


ALL_BENEFITS = merge(ORDINARY, CHRONIC, INPATIENT_ROUTES)

# Which rule a compared figure belongs to, so a failed check blames only those articles (issue 10):
# a wrong deductible never marks the account articles as broken, nor a wrong balance the pooling ones.
_FUND = ALL_BENEFITS
FIELD_CLAUSES: dict[str, dict[str, tuple[str, ...]]] = {
    **{f: _FUND for f in ("medfee_sumamt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay",
                          "fund_pay_sumamt", "psn_part_amt", "infcode")},
    **{f: ORDINARY for f in ("ordinary_pay", "ordinary_dedc")},
    "chronic_pay": CHRONIC, "chronic_dedc": CHRONIC_DEDC, "special_dedc": SPECIAL_DEDC, "inpatient_pay": INPATIENT_ROUTES,
    **{f: ACCOUNT_BLAME for f in ("acct_pay", "psn_cash_pay", "balc", "acct_balance", "decision")},
    "amount": ACCOUNT_CREDIT,
}


def blamed(fields: list[str], policy: str, tagged: tuple[str, ...]) -> tuple[str, ...]:
    """The tagged articles the compared fields belong to (all tagged ones when a field is unknown); a
    reading (A-…) where no article of the document governs the field (ACCOUNT_READINGS). Where the fields' own
    articles are none of the tagged ones, those articles: a wrong account payment found by a property of the pooling
    articles is the account article's, never the pooling one's (docs/connect-your-system.md §7, rvendor s11 D3)."""
    out: list[str] = []
    own: list[str] = []
    for f in fields:
        arts = FIELD_CLAUSES.get(f, {}).get(policy)
        if arts is None:
            return tagged
        own += [a for a in arts if a not in own]
        out += [a for a in arts if (a in tagged or a.startswith("A-")) and a not in out]
    return tuple(out) or tuple(own) or tagged


def held_for_validity(policy: str, tagged: tuple[str, ...] | list[str]) -> list[str]:
    """The tags (`policy-article`) among `tagged` that no benefit or account map here gives the property: what it can
    hold only as the article putting the rules in force (攀枝花 第十九条). 吉林's validity article 六（三）is also a chronic
    article (CHRONIC): a benefit-wide property holds it for that, which does not make a refusal on the first day in
    force a fault of the dates (traced_blame; probe s28 H3 F3)."""
    maps = (ALL_BENEFITS, CHRONIC_DEDC, SPECIAL_DEDC, EXCLUSIONS, ACCOUNT_BLAME, ACCOUNT_CREDIT, LEVEL_TILT,
            RETIREE_TILT)
    benefit = {f"{policy}-{a}" for m in maps for a in m.get(policy, ())}
    return [t for t in tagged if t not in benefit]
