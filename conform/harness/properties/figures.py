"""The document's figures for one visit, read from the bound rules — not from the engine.

Properties bound a system's answers by what the texts fix (deductible, ratio, cap
per person type and facility, the route a visit takes). These lookups are written
from the texts, independently of reference/ (benefits.py, and the helpers on
case.py's records and policy.py's Rules), so a property checks the engine as much
as any other system: a date range with both ends included, the person type on a
date, the registered disease, 政策范围内费用 and the two figures a text derives from
another (浙江 退休人员起付线减半执行, 吉林 二（二）退休倾斜同住院倾斜) are each computed here.

Still shared with the engine, as data only: the parsed document and the region's
values as bound and validated by conform.reference.policy (`rules.policy` and
`rules.supplied`: the raw parameters, never Rules.find/first/get/_derive), and the
Person / Settlement records as carriers of the case's fields. The interpretive
choices shared with the engine are the documented assumptions (A-…), named where used.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from conform.reference.case import Person, Settlement
from conform.reference.policy import MissingParameter, Rules

ONE = Decimal("1")
ZERO = Decimal("0")
FEN = Decimal("0.01")
NO_OUTPATIENT_DURING_STAY = ("11", "14", "41")  # 吉林 六（三）: 普通门诊和门诊慢特病待遇
RETIREE_TYPES = ("1201", "1203")    # 职工退休、灵活就业退休
FLEXIBLE_TYPES = ("1103", "1203")   # 灵活就业在职、灵活就业退休


# --------------------------------------------------------------------------- the case's facts, from the texts


def in_period(period: Any, d: dt.date) -> bool:
    """A date within a benefit period or hospital stay: both ends included (攀枝花 第七条 待遇享受期;
    A-JL-HOSPITAL-STAY 含入院日和出院日)."""
    return period.begin <= d <= period.end


def role_on(person: Person, d: dt.date) -> str:
    """in_service or retiree on a date (A-MIDYEAR-RETIREMENT): retired from the retire date itself on,
    whatever the type says; without a retire date, the person type."""
    if person.retire_date is not None:
        return "retiree" if d >= person.retire_date else "in_service"
    return "retiree" if person.psn_type in RETIREE_TYPES else "in_service"


def is_flexible(person: Person) -> bool:
    """灵活就业人员 (psn_type 1103, 1203)."""
    return person.psn_type in FLEXIBLE_TYPES


def disease_of(person: Person, code: str) -> Any:
    """The person's registered disease with this code (its kind decides 二（三）or 二（四）), or None."""
    for d in person.diseases:
        if d.dise_codg == code:
            return d
    return None


def policy_scope(s: Settlement) -> Decimal:
    """政策范围内费用 = 医疗费用总额 − 全自费 − 超限价 − 先行自付."""
    return s.medfee_sumamt - s.fulamt_ownpay_amt - s.overlmt_selfpay - s.preselfpay_amt


# --------------------------------------------------------------------------- parameters, raw


def _text_derived(rules: Rules, key: str) -> Decimal | None:
    """The figures a text fixes from another one, computed here rather than by Rules._derive."""
    if rules.policy.id == "zhejiang" and key == "ordinary.deductible.retiree":
        # 浙江 二（一）退休人员起付线减半执行; half a fen rounds up (A-ZJ-HALF-FEN: 555.55 → 277.78)
        base = param(rules, "ordinary.deductible.in_service")
        return None if base is None else (base / 2).quantize(FEN, rounding=ROUND_HALF_UP)
    if rules.policy.id == "jilin" and key == "ordinary.retiree_ratio_bonus":
        # 吉林 二（二）对退休人员的倾斜支付比例同统筹区住院统筹基金倾斜支付比例一致
        return param(rules, "inpatient.retiree_ratio_bonus")
    return None


def param(rules: Rules, *keys: str) -> Any:
    """The first of `keys` the document or the region states (a figure derived from another by the text is
    worked out by _text_derived); None if none is."""
    for key in keys:
        p = rules.policy.params.get(key) or rules.supplied.get(key)
        if p is not None:
            return p.value
        v = _text_derived(rules, key)
        if v is not None:
            return v
    return None


def need(rules: Rules, *keys: str) -> Any:
    """`param`, or the engine's MissingParameter naming the article that leaves the first key to a region."""
    v = param(rules, *keys)
    if v is None:
        key = next((k for k in keys if rules.policy.requirement_for(k)), keys[0])
        raise MissingParameter(key, rules.policy.requirement_for(key), rules.policy)
    return v


def flag(rules: Rules, key: str) -> bool:
    return bool(param(rules, key))


class UnroutableVisit(ValueError):
    """A visit the text cannot route without a fact the person lacks (a flexible worker's tier)."""


@dataclass(frozen=True)
class Route:
    """Which benefit pays a visit: none, ordinary, chronic or inpatient; and the bucket whose cap it uses."""

    kind: str
    role: str
    why: str = ""
    bucket: str = ""          # chronic: the disease code (or "*" when one cap covers every disease)
    overflow: bool = False    # chronic: the part above the chronic cap goes on to ordinary pooling


def route(rules: Rules, person: Person, s: Settlement) -> Route:
    """The benefit the documents give this visit (攀枝花 第七–十一条, 吉林 二（二）–（六）、六（三））."""
    policy = rules.policy
    role = role_on(person, s.date)  # A-MIDYEAR-RETIREMENT
    if s.exclusion is not None:
        return Route("none", role, f"{policy.short} 不予支付: {s.exclusion}")
    if "requires_account" in policy.eligibility:  # 攀枝花 第七条
        has_account = person.has_account
        if has_account is None and is_flexible(person) and person.flex_tier is None:
            # 第七条 ties ordinary pooling to the account and 第四条 the account to the tier: with no tier the
            # text cannot route an ordinary visit; a chronic one (第九、十条 ask no account) is routed by its
            # own benefit, and would need the tier only for a part overflowing into ordinary pooling (第十一条)
            if s.med_type != "14":
                raise UnroutableVisit(f"{s.id}: 灵活就业人员未给出缴费档次，第七条的享受条件无法判定")
            has_account = True
        elif has_account is None:
            has_account = not (is_flexible(person) and person.flex_tier == 2)  # A-PZH-FLEX-TIER2
        if not has_account and s.med_type != "14":
            return Route("none", role, "未建立个人账户")
        if person.benefit_period is not None and not in_period(person.benefit_period, s.date):
            return Route("none", role, "不在待遇享受期内")
        if not has_account:  # A-PZH-NO-ACCOUNT-CHRONIC: 第九、十条 still pay; no overflow into ordinary pooling
            d = disease_of(person, s.dise_codg or "")
            code = s.dise_codg or ""
            shares = flag(rules, "chronic.shares_ordinary_deductible")
            own_cap = param(rules, f"chronic.{code}.cap") is not None
            if d is None or d.kind != "special" or "special" not in policy.covers:
                return Route("chronic", role, "门诊慢特病（未建立个人账户，超限额部分不转入普通门诊统筹）",
                             code if own_cap or not shares else "*", False)
    if flag(rules, "hospital_stay.no_outpatient_benefit") and s.med_type in NO_OUTPATIENT_DURING_STAY:
        if any(in_period(stay, s.date) for stay in person.hospital_stays):  # A-JL-HOSPITAL-STAY: both ends included
            return Route("none", role, "住院期间")
    if s.med_type == "14":
        if s.facility == "pharmacy" and "pharmacy_chronic" in policy.doc and ordinary_ratio(rules, role, "pharmacy") is None:
            # 吉林 一: pharmacies come into 门诊保障范围 by the region's choice, for ordinary and chronic/special
            # prescriptions alike; a region that has not taken them in pays no purchase there (A-JL-PHARMACY-CHRONIC)
            return Route("none", role, "定点零售药店未纳入本统筹区门诊保障范围（慢特病处方购药同样不予支付）")
        d = disease_of(person, s.dise_codg or "")
        if d is not None and d.kind == "special" and "special" in policy.covers:
            return Route("inpatient", role, "门诊特殊疾病参照住院")
        code = s.dise_codg or ""
        shares = flag(rules, "chronic.shares_ordinary_deductible")
        own_cap = param(rules, f"chronic.{code}.cap") is not None
        bucket = code if own_cap or not shares else "*"
        return Route("chronic", role, "门诊慢特病", bucket, flag(rules, "chronic.overflow_to_ordinary"))
    if s.med_type in ("13", "28"):
        key = "emergency" if s.med_type == "13" else "day_surgery"
        if policy.routes.get(key, {}).get("route") == "inpatient":  # 吉林 二（五）、二（六）
            return Route("inpatient", role, "参照住院")
    if ordinary_ratio(rules, role, s.facility, remote_unfiled(rules, person, s)) is None:
        return Route("none", role, "定点零售药店未纳入本统筹区普通门诊统筹")
    return Route("ordinary", role)


def remote_unfiled(rules: Rules, person: Person, s: Settlement) -> bool:
    """An out-of-town visit without filing where the text ties the standard to filing (攀枝花 第七条)."""
    return s.remote and "remote_filing" in rules.policy.eligibility and not person.remote_filing


def ordinary_ratio(rules: Rules, role: str, facility: str, unfiled: bool = False) -> Decimal | None:
    """普通门诊统筹 ratio for a person type at a facility (None: the facility is not covered)."""
    if unfiled:
        return need(rules, "ordinary.ratio.remote_unfiled")
    own = param(rules, f"ordinary.ratio.{role}.{facility}")
    if own is not None:
        return own
    base = param(rules, f"ordinary.ratio.in_service.{facility}", f"ordinary.ratio.{facility}")
    if base is None:
        return None
    if role == "retiree":
        bonus = param(rules, "ordinary.retiree_ratio_bonus")
        return min(ONE, base + (bonus if bonus is not None else ZERO))
    return base


def deductible(rules: Rules, role: str) -> Decimal:
    """普通门诊统筹 deductible for a person type (浙江's retiree one: half the in-service one, A-ZJ-HALF-FEN)."""
    return need(rules, f"ordinary.deductible.{role}", "ordinary.deductible")


def cap(rules: Rules, role: str) -> Decimal:
    return need(rules, f"ordinary.cap.{role}", "ordinary.cap")


def chronic_ratio(rules: Rules, code: str, role: str) -> Decimal:
    return need(rules, f"chronic.{code}.ratio.{role}", f"chronic.{code}.ratio", f"chronic.ratio.{role}", "chronic.ratio")


def chronic_cap(rules: Rules, code: str) -> Decimal:
    return need(rules, f"chronic.{code}.cap", "chronic.cap")


def chronic_deductible(rules: Rules, code: str, role: str) -> Decimal:
    if flag(rules, "chronic.shares_ordinary_deductible"):  # 吉林 二（三）: 与普通门诊统筹起付标准合并计算
        return deductible(rules, role)
    return need(rules, f"chronic.{code}.deductible", "chronic.deductible")


def inpatient_level(facility: str) -> str:
    return "primary" if facility == "unrated" else facility  # A-JL-INPATIENT-LEVEL


def inpatient_ratio(rules: Rules, facility: str, role: str) -> Decimal:
    r = need(rules, f"inpatient.ratio.{inpatient_level(facility)}")
    if role == "retiree":  # A-JL-SPECIAL-RETIREE
        r = min(ONE, r + need(rules, "inpatient.retiree_ratio_bonus"))
    return r


def inpatient_cap(rules: Rules) -> Decimal:
    return need(rules, "inpatient.cap")


def visit_ratio(rules: Rules, person: Person, s: Settlement, r: Route) -> Decimal:
    """The largest ratio the documents apply to any part of this visit."""
    unfiled = remote_unfiled(rules, person, s)
    if r.kind == "ordinary":
        return ordinary_ratio(rules, r.role, s.facility, unfiled) or ZERO
    if r.kind == "inpatient":
        return inpatient_ratio(rules, s.facility, r.role)
    if r.kind == "chronic":
        ratio = chronic_ratio(rules, s.dise_codg or "", r.role)
        if r.overflow:
            ratio = max(ratio, ordinary_ratio(rules, r.role, s.facility, unfiled) or ZERO)
        return ratio
    return ZERO
