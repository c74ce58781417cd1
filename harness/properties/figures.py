"""The document's figures for one visit, read from the bound rules — not from the engine.

Properties bound a system's answers by what the texts fix (deductible, ratio, cap
per person type and facility, the route a visit takes). These lookups read the
parameters directly, written independently of reference/benefits.py, so a
property checks the engine as much as any other system. The interpretive choices
they share with the engine are the documented assumptions (A-…), named where used.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from reference.case import Person, Settlement
from reference.policy import Rules

ONE = Decimal("1")
ZERO = Decimal("0")
NO_OUTPATIENT_DURING_STAY = ("11", "14", "41")  # 吉林 六（三）: 普通门诊和门诊慢特病待遇


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
    role = person.role_on(s.date)  # A-MIDYEAR-RETIREMENT
    if s.exclusion is not None:
        return Route("none", role, f"{policy.short} 不予支付: {s.exclusion}")
    if "requires_account" in policy.eligibility:  # 攀枝花 第七条
        has_account = person.has_account
        if has_account is None and person.is_flexible and person.flex_tier is None:
            # 第七条 ties ordinary pooling to the account and 第四条 the account to the tier: with no tier the
            # text cannot route an ordinary visit; a chronic one (第九、十条 ask no account) is routed by its
            # own benefit, and would need the tier only for a part overflowing into ordinary pooling (第十一条)
            if s.med_type != "14":
                raise UnroutableVisit(f"{s.id}: 灵活就业人员未给出缴费档次，第七条的享受条件无法判定")
            has_account = True
        elif has_account is None:
            has_account = not (person.is_flexible and person.flex_tier == 2)  # A-PZH-FLEX-TIER2
        if not has_account and s.med_type != "14":
            return Route("none", role, "未建立个人账户")
        if person.benefit_period is not None and s.date not in person.benefit_period:
            return Route("none", role, "不在待遇享受期内")
        if not has_account:  # A-PZH-NO-ACCOUNT-CHRONIC: 第九、十条 still pay; no overflow into ordinary pooling
            d = person.disease(s.dise_codg or "")
            code = s.dise_codg or ""
            shares = rules.flag("chronic.shares_ordinary_deductible")
            own_cap = rules.find(f"chronic.{code}.cap") is not None
            if d is None or d.kind != "special" or "special" not in policy.covers:
                return Route("chronic", role, "门诊慢特病（未建立个人账户，超限额部分不转入普通门诊统筹）",
                             code if own_cap or not shares else "*", False)
    if rules.flag("hospital_stay.no_outpatient_benefit") and s.med_type in NO_OUTPATIENT_DURING_STAY:
        if any(s.date in stay for stay in person.hospital_stays):  # A-JL-HOSPITAL-STAY: both ends included
            return Route("none", role, "住院期间")
    if s.med_type == "14":
        if s.facility == "pharmacy" and "pharmacy_chronic" in policy.doc and ordinary_ratio(rules, role, "pharmacy") is None:
            # 吉林 一: pharmacies come into 门诊保障范围 by the region's choice, for ordinary and chronic/special
            # prescriptions alike; a region that has not taken them in pays no purchase there (A-JL-PHARMACY-CHRONIC)
            return Route("none", role, "定点零售药店未纳入本统筹区门诊保障范围（慢特病处方购药同样不予支付）")
        d = person.disease(s.dise_codg or "")
        if d is not None and d.kind == "special" and "special" in policy.covers:
            return Route("inpatient", role, "门诊特殊疾病参照住院")
        code = s.dise_codg or ""
        shares = rules.flag("chronic.shares_ordinary_deductible")
        own_cap = rules.find(f"chronic.{code}.cap") is not None
        bucket = code if own_cap or not shares else "*"
        return Route("chronic", role, "门诊慢特病", bucket, rules.flag("chronic.overflow_to_ordinary"))
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
        return rules.get("ordinary.ratio.remote_unfiled").value
    own = rules.find(f"ordinary.ratio.{role}.{facility}")
    if own is not None:
        return own.value
    base = rules.find(f"ordinary.ratio.in_service.{facility}") or rules.find(f"ordinary.ratio.{facility}")
    if base is None:
        return None
    if role == "retiree":
        bonus = rules.find("ordinary.retiree_ratio_bonus")
        return min(ONE, base.value + (bonus.value if bonus else ZERO))
    return base.value


def deductible(rules: Rules, role: str) -> Decimal:
    return rules.first(f"ordinary.deductible.{role}", "ordinary.deductible").value


def cap(rules: Rules, role: str) -> Decimal:
    return rules.first(f"ordinary.cap.{role}", "ordinary.cap").value


def chronic_ratio(rules: Rules, code: str, role: str) -> Decimal:
    return rules.first(f"chronic.{code}.ratio.{role}", f"chronic.{code}.ratio", "chronic.ratio").value


def chronic_cap(rules: Rules, code: str) -> Decimal:
    return rules.first(f"chronic.{code}.cap", "chronic.cap").value


def chronic_deductible(rules: Rules, code: str, role: str) -> Decimal:
    if rules.flag("chronic.shares_ordinary_deductible"):  # 吉林 二（三）: 与普通门诊统筹起付标准合并计算
        return deductible(rules, role)
    return rules.first(f"chronic.{code}.deductible", "chronic.deductible").value


def inpatient_level(facility: str) -> str:
    return "primary" if facility == "unrated" else facility  # A-JL-INPATIENT-LEVEL


def inpatient_ratio(rules: Rules, facility: str, role: str) -> Decimal:
    r = rules.get(f"inpatient.ratio.{inpatient_level(facility)}").value
    if role == "retiree":  # A-JL-SPECIAL-RETIREE
        r = min(ONE, r + rules.get("inpatient.retiree_ratio_bonus").value)
    return r


def inpatient_cap(rules: Rules) -> Decimal:
    return rules.get("inpatient.cap").value


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
