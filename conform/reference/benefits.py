"""How one settlement's fund payment is computed, benefit by benefit.

Order (攀枝花 第九–十一条, 吉林 二（三）–（六）、六（三））:
validity → exclusions and eligibility → hospital stay → route by med_type:
chronic/special diseases first under their own policy (overflowing to ordinary
pooling where the text says so), emergency/day surgery/special diseases along
inpatient rules where the text says so, everything else ordinary pooling.
Each function adds its steps to the trace with the clause it applies.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from .case import FACILITIES, MED_TYPES, PSN_TYPES, Person, Settlement, shown
from .ledger import Contribution, YearState
from .money import ZERO, fmt, round_fen
from .policy import MissingParameter, Parameter, Policy, PolicyError, Requirement, Rules
from .trace import Pct, Trace, join_cites

ONE = Decimal("1")
# The visits a document's `before_validity: {ordinary: none}` settles before it takes effect: those its
# text names (南昌 一: 个人账户用于参保人员普通门诊及定点零售药店就医购药医疗费用支出), 普通门诊 and 药店购药.
# Every other visit before the start is refused (A-BEFORE-VALIDITY); `conform audit`'s plan reads this too.
BEFORE_VALIDITY_STATED = ("11", "41")


@dataclass(slots=True)
class Outcome:
    """The fund's side of one settlement, before the personal account is applied."""

    inscp: Decimal
    dedc: Decimal = ZERO
    ratio: Decimal = ZERO
    ordinary_pay: Decimal = ZERO
    chronic_pay: Decimal = ZERO
    inpatient_pay: Decimal = ZERO
    benefit: str = "ordinary"
    ratio_cite: str = ""  # the clause of `ratio` where a chronic visit's overflow records the chronic one
    # A retiree who retired this year after 1 January: what the year has counted may be in-service amounts,
    # carried on into the retiree's deductible and cap by a reading (A-MIDYEAR-RETIREMENT), which cites it.
    midyear: bool = False
    # The person settled, read only for trace text: which of their diseases is a "两病" one (`_chronic_apart`).
    person: Person | None = None
    # 乙类先行自付 of the bill: whether a deductible accumulates it is what `_deductible_scope` reads (全自费 and 超限价
    # are outside the fund's scope by the articles themselves: probe s29 R R3).
    pre: Decimal = ZERO

    @property
    def hifp_pay(self) -> Decimal:
        return self.ordinary_pay + self.chronic_pay + self.inpatient_pay


class Refusal(PolicyError):
    """A settlement the engine will not compute, with its reason in Chinese too (`zh`): `conform audit`
    shows it in its Chinese reports, where the English message alone would be out of place."""

    def __init__(self, message: str, zh: str):
        super().__init__(message)
        self.zh = zh

    def __reduce__(self):  # both texts across a process boundary (args holds the English one only)
        return type(self), (str(self), self.zh)


class NotCovered(Refusal):
    """The document does not say how to settle this (e.g. chronic diseases in 北京)."""


# Refusals by kind, so that `conform audit` names a row's reason alike whichever route settled it.
class OutsideValidity(Refusal):
    """A settlement's date, a credit's month or an account use's day outside the document's validity (or
    before the account reform it dates), of which the text says nothing (A-BEFORE-VALIDITY): the harness
    knows such a refusal by this class, never by its wording."""


class UnknownExclusion(NotCovered):
    """An exclusion code the document does not list."""


class FlexTierNeeded(Refusal):
    """A flexible worker's tier is needed (it decides whether there is an account) and not given."""


def route_cite(policy: Policy, kind: str) -> str:
    """The article that sends `kind` (special, emergency, day_surgery) along inpatient rules, e.g. 吉林 二（五）."""
    article = policy.routes.get(kind, {}).get("article")
    return policy.cite(str(article)) if article else policy.short


_KIND_ZH = {"special": "门诊特殊疾病", "emergency": "急诊", "day_surgery": "日间手术"}


INPATIENT_LEVELS = ("primary", "secondary", "tertiary")


def _level(policy: Policy, facility: str) -> tuple[str, str | None]:
    """The level whose inpatient figures a facility takes, and the reading it rests on (None: the text's own).
    Inpatient figures exist per level; an unrated facility has none and takes the level the policy file names
    (`inpatient_unrated`: 吉林 一级, A-JL-INPATIENT-LEVEL), whose steps then cite that reading."""
    if facility != "unrated":
        return facility, None
    unrated = policy.doc.get("inpatient_unrated") or {}
    return str(unrated.get("level", "primary")), unrated.get("assumption")


def _special_top_up_reading(rules: Rules, ys: YearState, standard: Decimal) -> str | None:
    """The policy's reading of a special-disease deductible topped up at a lower level (吉林
    A-JL-SPECIAL-DEDUCTIBLE-LEVEL, from `special.deductible_once_per_year_with_top_up`), where it decides this
    visit's figure: something was counted this year towards a higher level's standard that it has not met.
    二（四）fixes the first count (同等级), a count at the same level (一个自然年度内计算一次) and the top-up going up
    (前往上级…补差计算); how much a lower level tops up after an unmet higher standard it does not say. An opening
    total of unknown level (`special_top` None) may have been counted at any level the region gives."""
    reading = (rules.policy.routes.get("special", {}).get("deductible_once_per_year_with_top_up") or {}).get("assumption")
    counted = ys.special_dedc
    if reading is None or counted <= ZERO:
        return None
    top = ys.special_top
    if top is None:
        top = max((p.value for lvl in INPATIENT_LEVELS if (p := rules.find(f"inpatient.deductible.{lvl}")) is not None),
                  default=ZERO)
    return reading if standard < top and counted < top else None


# --------------------------------------------------------------------------- ordinary pooling


def ordinary_ratio(rules: Rules, role: str, facility: str) -> tuple[Decimal, str] | None:
    """The ratio for a person type at a facility, with its citation; None if the facility is not covered."""
    key = ("ratio", role, facility)
    cached = rules._cache.get(key)  # type: ignore[arg-type]
    if cached is not None or key in rules._cache:
        return cached  # type: ignore[return-value]
    own = rules.find(f"ordinary.ratio.{role}.{facility}")
    result: tuple[Decimal, str] | None
    if own is not None:
        result = (own.value, own.cite)
    else:
        base = rules.find(f"ordinary.ratio.in_service.{facility}") or rules.find(f"ordinary.ratio.{facility}")
        if base is None:
            # the key a region would write: a retiree's ratio may be the in-service one plus the tilt (南昌 四（二）1:
            # the region gives ordinary.ratio.in_service.pharmacy, A-NC-PHARMACY), never a retiree key it cannot set
            keys = (f"ordinary.ratio.{facility}", f"ordinary.ratio.{role}.{facility}",
                    f"ordinary.ratio.in_service.{facility}")
            key, req = next(((k, r) for k in keys if (r := rules.policy.requirement_for(k)) is not None),
                            (f"ordinary.ratio.{role}.{facility}", None))
            if facility == "pharmacy" and req is not None and req.optional:
                result = None
            else:
                raise MissingParameter(key, req, rules.policy, rules._region_file())
        elif role == "retiree":
            tilt = "ordinary.retiree_ratio_bonus"
            policy = rules.policy
            if tilt not in policy.params and tilt not in policy.derived and policy.requirement_for(tilt) is None:
                # a document with no tilt of its own (北京（五）leaves every ratio to the region): the retiree's
                # ratio is the key missing, under the article leaving it, not a tilt the text never names
                key = f"ordinary.ratio.{role}.{facility}"
                raise MissingParameter(key, policy.requirement_for(key), policy, rules._region_file())
            bonus = rules.get(tilt)
            # the tilt lifting the ratio above 100% pays 100%: the document's named reading says so
            capped = base.value + bonus.value > ONE
            result = (min(ONE, base.value + bonus.value),
                      join_cites(base.cite, bonus.cite, _ratio_cap(rules.policy) if capped else None))
        else:
            result = (base.value, base.cite)
    rules._cache[key] = result  # type: ignore[index]
    return result


def _ratio_cap(policy) -> str | None:
    """The document's assumption capping a retiree's tilted ratio at 100% (A-ZJ-RETIREE-RATIO-CAP, A-JL-RETIREE-RATIO-CAP)."""
    return next((a for a in policy.assumptions if a.endswith("-RETIREE-RATIO-CAP")), None)


def own_account(policy, person: Person) -> bool | None:
    """Whether the person has a personal account of their own: as stated (`has_account`), else every person
    has one, except a flexible worker of tier 2 where the document makes the account a condition (攀枝花 第四条
    credits them none: A-PZH-FLEX-TIER2). None: such a document, a flexible worker, and no tier given."""
    if person.has_account is not None:
        return person.has_account
    if "requires_account" not in policy.eligibility or not person.is_flexible:
        return True
    return None if person.flex_tier is None else person.flex_tier != 2


def _role_figure(rules: Rules, role: str, name: str) -> Parameter:
    """The ordinary `name` (deductible, cap) for a person type, role-specific before generic. A retiree
    taking the one figure the text gives without naming a retiree one does so by a named reading (吉林
    A-JL-RETIREE-DEDUCTIBLE, 浙江 A-ZJ-RETIREE-CAP: the policy's `retiree_same`), cited beside the article."""
    p = rules.first(f"ordinary.{name}.{role}", f"ordinary.{name}")
    reading = (rules.policy.doc.get("retiree_same") or {}).get(p.key) if role == "retiree" else None
    # a document naming no period for its deductible or cap (北京, 浙江): the natural year is the tool's reading
    # (A-YEAR-BY-SETTLEMENT-DATE, the policy file's `year_reading`), on every figure counted against it
    year = rules.policy.doc.get("year_reading")
    return replace(p, cite=join_cites(p.cite, reading, year)) if reading or year else p


def deductible_and_cap(rules: Rules, role: str) -> tuple[Parameter, Parameter]:
    """The ordinary deductible and cap for a person type (role-specific before generic), once per rules; the
    audit's plan reads them here too (conform/audit/params.py), so both cite the same readings."""
    key = ("ordinary_dedc_cap", role)
    found = rules._cache.get(key)  # type: ignore[call-overload]
    if found is None:
        # Looked up in the same order as ever, so a missing one is reported the same way; only a
        # complete pair is kept (rules are immutable once bound, and the cache lives on them).
        found = (_role_figure(rules, role, "deductible"), _role_figure(rules, role, "cap"))
        rules._cache[key] = found  # type: ignore[index]
    return found  # type: ignore[return-value]


ROUND_FEN = "A-ROUND-FEN"


def _rounded(exact: Decimal, raw: Decimal, figure: Decimal) -> bool:
    """Whether rounding a fund payment to the fen changed its step's `figure`: the product `exact` had a part
    below the fen, and the figure is its rounding `raw` (not the cap's remainder, which no rounding decides).
    The step records it (`rounded`), and only then does its figure rest on A-ROUND-FEN (no text states the
    rounding), which its clause then cites (`_rounding`)."""
    return raw != exact and figure == raw


def _rounding(rounded: bool) -> str | None:
    """A-ROUND-FEN for the clause of a step whose figure rounding changed (`_rounded`); else None."""
    return ROUND_FEN if rounded else None


def _carried(cite: str, out: Outcome, counted: Decimal, bound: bool) -> str:
    """A deductible or cap step's clause, with A-MIDYEAR-RETIREMENT where a retiree who retired this year finds
    something already counted and the remainder bound the figure (`bound`: the deductible took less than the base,
    the cap paid less than the ratio's figure): no text says the in-service count carries on into the retiree figures,
    and counting afresh only leaves more, so a figure the remainder did not bind is the same either way. `bound` is
    also true where, with that count carried, the in-service deductible or cap would give another figure
    (_in_service_would): which type's standard the rest of the year takes is the reading's too (probe s26/1 F5)."""
    return join_cites(cite, "A-MIDYEAR-RETIREMENT") if out.midyear and counted > ZERO and bound else cite


def _in_service_would(rules: Rules, out: Outcome, counted: Decimal, asked: Decimal, figure: Decimal,
                      which: int) -> bool:
    """Whether the in-service deductible (`which` 0) or cap (1), with the year's `counted` carried, would give
    another figure than `figure` for `asked` (the base, the ratio's figure), for a retiree who retired this year after
    something was counted: a system keeping the standard of the type the year began with (the ratio following the
    new one) pays otherwise, and departs from A-MIDYEAR-RETIREMENT, not from the article's figures. Nothing counted:
    as the carried count's rule, no reading (the retiree's standard is the article's for a retiree)."""
    if not out.midyear or counted <= ZERO:
        return False
    try:
        own = deductible_and_cap(rules, "in_service")[which].value
    except MissingParameter:  # no in-service figure to compare with: nothing to tell apart
        return False
    left = own - counted
    if left < ZERO:
        left = ZERO
    return (asked if asked < left else left) != figure


def _midyear_ratio(rules: Rules, out: Outcome, facility: str, ratio: Decimal, override: Parameter | None) -> str | None:
    """A-MIDYEAR-RETIREMENT for the ratio step of a retiree who retired this year, where the retiree's ratio is not the
    in-service one: no text says which person type a year of both settles under, and a system taking the type at the
    start of the year pays this visit at the in-service ratio (probe s23 K F4). A ratio both types share gives the same
    figure under any reading. One that pays nothing (the deductible took it all) is still cited: the settlement records
    the ratio itself (pool_prop_selfpay), which differs under the other reading (probe s29 H5 F4); the 0.00 payment
    does not, and the audit's fund clause drops it there (settle_ref._cited, plan._MID_RATIO_PAID: probe s29 R R6)."""
    if not out.midyear or override is not None:
        return None
    own = ordinary_ratio(rules, "in_service", facility)
    return "A-MIDYEAR-RETIREMENT" if own is not None and own[0] != ratio else None


REVERSAL = "A-REVERSAL"


def _reversed(cite: str, ys: YearState, total: str, bound: bool = False, base: Decimal | None = None,
              left: Decimal | None = None) -> str:
    """A deductible or cap step's clause, with A-REVERSAL where a reversal (2208) earlier this year gave back a part
    of the total the step reads (YearState.reversed_totals): no text says a reversal gives back what its settlement
    counted, so what is left of the deductible or the cap after one rests on that reading — a system keeping a
    reversed settlement's deductible charges none on the next visit, and disagrees with the reading, not with
    "起付线600元" (rmut4 D3). So too where a reversal made this year of an EARLIER year's settlement gave its part back
    to that year, not this one (YearState.kept_totals), and the remainder bound the figure (`bound`: the deductible took
    less than the base): taken from this year instead, more of it would be left (probe s26/probe2 F5).
    Given the step's `base` and what was `left` of the standard, only where the figure rests on what was given back:
    had the reversal given nothing back, min(base, max(left − back, 0)) would be charged — cited where that differs
    from min(base, left), as _reversed_cap cites a payment (probe s26/probeR R2: a deductible re-charged since, met
    with or without the reversal, rests on no reading of it)."""
    back = ys.reversed_totals.get(total) if ys.reversed_totals else None
    if back and (base is None or left is None or min(base, max(left - back, ZERO)) != min(base, left)):
        return join_cites(cite, REVERSAL)
    return join_cites(cite, REVERSAL) if bound and ys.kept_totals and total in ys.kept_totals else cite


def _reversed_cap(cite: str, ys: YearState, total: str, pay: Decimal, cap_left: Decimal,
                  raw: Decimal | None = None) -> str:
    """A payment step's clause, with A-REVERSAL where the payment needed part of what a reversal earlier this year
    gave back of the cap total it reads: had the reversed payment stayed counted, less than `pay` would be left.
    A payment the cap's remainder never reached rests on the ratio's article alone (rclose11 D1: 吉林, 1200.00 at
    60% = 600.00 with 3000.00 left, 2400.00 even without the reversal, cites no reading). So too a payment the cap cut
    (`raw`, the ratio's figure, above it) in a year where a reversal made this year of an EARLIER year's settlement
    gave its part back to that year (YearState.kept_totals): taken from this year instead, more would be left."""
    back = ys.reversed_totals.get(total) if ys.reversed_totals else None
    if back and pay > max(cap_left - back, ZERO):
        return join_cites(cite, REVERSAL)
    kept = ys.kept_totals.get(total) if ys.kept_totals else None
    return join_cites(cite, REVERSAL) if kept and raw is not None and pay < raw else cite


def pharmacy_not_taken_in(rules: Rules) -> Requirement | None:
    """Where pharmacy cover is the region's choice (吉林 一 有条件的统筹区可探索…纳入门诊保障范围) and the
    region has not taken it up (no pharmacy ratio supplied): the requirement that leaves it open; else None."""
    key = ("pharmacy_not_taken_in",)
    if key in rules._cache:  # type: ignore[operator]
        return rules._cache[key]  # type: ignore[index, return-value]
    req = rules.policy.requirement_for("ordinary.ratio.pharmacy")
    result = None
    if req is not None and req.optional and not any(
            rules.find(k) for k in ("ordinary.ratio.pharmacy", "ordinary.ratio.in_service.pharmacy",
                                    "ordinary.ratio.retiree.pharmacy")):
        result = req
    rules._cache[key] = result  # type: ignore[index]
    return result


def _no_pharmacy_cover(rules: Rules, trace: Trace, out: Outcome, chronic: bool = False) -> None:
    """A purchase at a pharmacy the region has not taken in: the fund pays nothing and no deductible counts.
    吉林 一 takes pharmacies into 门诊保障范围 for ordinary and chronic/special prescriptions alike, so the same
    words and status for both. For an ordinary purchase that is 一's own; that a `chronic` one also loses the
    benefit 二（三）sets without naming a place of purchase is the reading (A-JL-PHARMACY-CHRONIC), cited (s27 H2 F7)."""
    req = rules.policy.requirement_for("ordinary.ratio.pharmacy")
    cite = req.cite if req else rules.policy.short
    pc = rules.policy.doc.get("pharmacy_chronic") if chronic else None
    trace.add("定点零售药店", "本统筹区未将定点零售药店纳入门诊保障范围（地区配置未提供药店比例），药店购药统筹基金不予支付",
              (), join_cites(cite, pc["assumption"]) if pc is not None else cite)
    if out.benefit == "ordinary":  # nothing else pays it: the fund may not pay this purchase at all
        out.benefit = "none"


def _chronic_apart(rules: Rules, ys: YearState, person: Person | None, left: Decimal, base: Decimal,
                   dedc: Decimal) -> tuple[Decimal, str | None]:
    """(the chronic deductibles counted this year, the articles keeping them apart) for the deductible step of an
    ordinary visit: where a document keeps each disease's deductible apart from the ordinary one (not 吉林 二（三）'s
    shared one) and counting them in would have changed this visit's deductible, the ordinary year-to-date it reads
    rests on the articles fixing those deductibles under their own policy (攀枝花 第十条 门诊慢特病按现行政策执行, 第九条
    for a "两病" disease), cited beside the ordinary article: a system counting them into the ordinary deductible
    fails that article too, not 第七条 alone (probe s24 R F4). Not asked for a chronic visit's part past its cap,
    whose deductible missing is the article sending it on (`via`, 第十一条; probe s22 E F2). Else (0, None)."""
    if not ys.chronic_dedc or rules.flag("chronic.shares_ordinary_deductible"):
        return ZERO, None
    codes = [k for k, v in ys.chronic_dedc.items() if v > ZERO]
    apart = sum((ys.chronic_dedc[k] for k in codes), ZERO)
    merged = left - apart if left > apart else ZERO
    if not codes or (base if base < merged else merged) == dedc:
        return ZERO, None  # the ordinary deductible was met anyway: keeping them apart decides nothing here
    policy = rules.policy
    cites: list[str] = []
    for code in codes:
        td = _two_disease(policy, person, code) if person is not None else None
        if td is not None:
            cites.append(policy.cite(str(td["article"])))
            continue
        p = rules.find(f"chronic.{code}.deductible") or rules.find("chronic.deductible")
        req = policy.requirement_for(f"chronic.{code}.deductible") if p is None else None
        article = p.article if p is not None else (req.article if req is not None else None)
        if article:
            cites.append(policy.cite(str(article)))
    return apart, join_cites(*cites) or None


def _deductible_scope(rules: Rules, ys: YearState, out: Outcome, left: Decimal, base: Decimal, dedc: Decimal,
                      pay: bool = False) -> str | None:
    """What decides that a deductible accumulates 政策范围内费用 and not 乙类先行自付 (the document's `deductible_scope`:
    浙江 二（一）'s article “起付标准以上…政策范围内费用”, else the reading A-DEDUCTIBLE-SCOPE), cited only where the other
    way of counting gives another figure (probe s29 H5 F3, R R1, R7). With p = this bill's 先行自付 and L = the deductible
    left before it, a system counting p records min(L, base + p) as the deductible and takes max(L − p, 0) of the base:
    - the deductible (`pay` False): p > 0 and L > 0 — min(L, base) is below one of the two, whatever the base (a bill
      wholly 先行自付, base 0.00: 0.00 here, min(L, p) there; the articles other than 浙江's do not say, so the 0.00 rests
      on the reading too);
    - the payment the cap did not cut (`pay` True), (base − deductible) × ratio: p > 0, base > 0 and 0 < L < base + p
      (from L ≥ base + p the base goes to the deductible whole either way);
    - both, on a later visit whose deductible counted something, after a visit of the year with 先行自付 while the
      deductible was not yet met (ys.scope_pre): counted there, less of it is left here.
    全自费 and 超限价 are outside the fund's scope under every article (A-DEDUCTIBLE-SCOPE's text); never cited for them."""
    scope = rules.policy.doc.get("deductible_scope")
    if scope is None:
        return None
    p = out.pre
    here = p > ZERO and left > ZERO and (not pay or (base > ZERO and left < base + p))
    if not here and not (ys.scope_pre > 0 and dedc > ZERO):
        return None
    return scope.get("assumption") or rules.policy.cite(str(scope["article"]))


def ordinary_pooling(rules: Rules, ys: YearState, role: str, facility: str, base: Decimal,
                     trace: Trace, c: Contribution, out: Outcome, ratio_override: Parameter | None = None,
                     via: str | None = None) -> None:
    """普通门诊统筹: deductible over the natural year, ratio by level, clamp to what is left of the cap. `via`: the
    clause sending this part here (攀枝花 第十一条: a chronic visit's part past its cap), cited first on the deductible
    step, where that part enters ordinary pooling — a system that sends nothing on, or sends it on past the
    deductible, breaks that clause, not the ordinary one alone; the ratio and the cap are the ordinary article's."""
    if ratio_override is not None:
        ratio, ratio_cite = ratio_override.value, ratio_override.cite
    else:
        r = ordinary_ratio(rules, role, facility)
        if r is None:
            _no_pharmacy_cover(rules, trace, out)
            return
        ratio, ratio_cite = r
    dp, cp = deductible_and_cap(rules, role)
    deductible, cap = dp.value, cp.value
    used = ys.ordinary_dedc
    left = deductible - used
    if left < ZERO:  # against ZERO, not 0: a Decimal compares with a Decimal twice as fast
        left = ZERO
    dedc = base if base < left else left
    # A deductible charged on the part past its cap of a chronic visit that crosses the cap rests on how the document's
    # reading splits that visit (攀枝花 A-PZH-OVERFLOW-SPLIT): another split sends another part on, or none (probe s23
    # G F3). None charged (the year's deductible met before), or a visit its cap no longer covered at all (the chronic
    # benefit paid nothing: all of it goes on under any split, probe s23 N2), is the same under any reading.
    crossed = via is not None and out.chronic_pay > ZERO
    split = rules.policy.doc.get("chronic_overflow_split") if crossed and dedc > ZERO else None
    exact = (base - dedc) * ratio
    raw = round_fen(exact)
    paid = ys.ordinary_pay
    cap_left = cap - paid
    if cap_left < ZERO:
        cap_left = ZERO
    pay = raw if raw < cap_left else cap_left
    if trace.keeps:
        apart, apart_cite = _chronic_apart(rules, ys, out.person, left, base, dedc) if via is None else (ZERO, None)
        trace.add("起付线", "本年度起付线{}元，此前已累计{}元" + ("（本年度门诊慢特病起付线{}元单独计算，不计入）" if apart_cite else "")
                  + "，尚余{}元；本次计入起付线 min({}, {}) = {}元",
                  (deductible, used, *((apart,) if apart_cite else ()), left, base, left, dedc),
                  join_cites(via, split,
                             _reversed(join_cites(_carried(dp.cite, out, used, dedc < base
                                                           or _in_service_would(rules, out, used, base, dedc, 0)),
                                                  _deductible_scope(rules, ys, out, left, base, dedc)
                                                  if via is None else None),
                                       ys, "ordinary_dedc", dedc < base, base, left),
                             apart_cite), dedc)
        rounded = _rounded(exact, raw, raw)
        trace.add("支付比例", "{}（{}）支付比例{}：({} − {}) × {} = {}元（四舍五入到分）",
                  (FACILITIES[facility], "退休" if role == "retiree" else "在职", Pct(ratio), base, dedc, Pct(ratio), raw),
                  join_cites(ratio_cite, _midyear_ratio(rules, out, facility, ratio, ratio_override),
                             _rounding(rounded)),
                  raw, rounded)
        # the payment the cap did not cut is (base − deductible) × ratio: a deductible taken partly from 先行自付 would
        # leave more of the base to pay, so the payment rests on what decides the deductible's scope too, where it
        # reaches the end of the deductible under one way of counting (_deductible_scope)
        trace.add("年度最高支付限额", "年度限额{}元，此前已支付{}元，尚余{}元；本次统筹支付 min({}, {}) = {}元",
                  (cap, paid, cap_left, raw, cap_left, pay),
                  join_cites(_reversed_cap(_carried(cp.cite, out, paid,
                                                    pay < raw or _in_service_would(rules, out, paid, raw, pay, 1)),
                                           ys, "ordinary_pay", pay, cap_left, raw),
                             _deductible_scope(rules, ys, out, left, base, dedc, pay=True)
                             if via is None and pay == raw else None),
                  pay)
    c.ordinary_dedc += dedc
    c.ordinary_pay += pay
    out.dedc += dedc
    out.ordinary_pay += pay
    if out.benefit == "ordinary" or out.ratio == ZERO or out.chronic_pay == ZERO:
        # The settlement's ratio is the one applied to it: a chronic visit that its cap, used up before
        # it, no longer covered at all is paid by ordinary pooling alone (攀枝花 第十一条, 吉林 六（三））.
        out.ratio = ratio
        if out.benefit == "chronic" and out.chronic_pay == ZERO:
            # and so is its benefit (A-CHRONIC-OVERFLOW-RATIO): `benefit` names what settled it, as the ratio does
            out.benefit = "ordinary"
            # The reading's second sentence decides which ratio the chronic visit records: cited, so that a report
            # lists it among the readings the figure rests on (probe L F1).
            trace.add("结算支付比例", "本次就诊前慢特病年度限额已用完，费用全部按普通门诊统筹支付：结算的支付比例记普通门诊统筹比例{}",
                      (Pct(ratio),), join_cites(ratio_cite, "A-CHRONIC-OVERFLOW-RATIO"))
    else:
        trace.add("结算支付比例", "本次就诊部分由慢特病待遇支付、其余按普通门诊统筹支付（比例{}）：结算的支付比例记慢特病比例{}",
                  (Pct(ratio), Pct(out.ratio)), join_cites(out.ratio_cite, "A-CHRONIC-OVERFLOW-RATIO"))
    if via is None and out.pre > ZERO and left > ZERO:  # 先行自付 before the deductible was met (_deductible_scope)
        c.scope_pre += 1
        ys.scope_pre += 1
    # Keep the year's state current for any later benefit in the same settlement.
    ys.ordinary_dedc = used + dedc
    ys.ordinary_pay = paid + pay


# --------------------------------------------------------------------------- chronic diseases


SHARED = "*"  # the year-to-date key of the chronic cap the diseases without a cap of their own share (吉林 二（三））
OPENING_READING = "A-JL-CHRONIC-YTD-BUCKET"


def cap_bucket(rules: Rules, code: str) -> str:
    """The year-to-date key a disease's chronic payments count under: its own code where the region caps it
    apart or the document keeps every disease apart (攀枝花 第十条, 南昌 四（二）2), else SHARED, the cap the
    other diseases share where the deductible is shared too (吉林 二（三）, A-JL-CHRONIC-CAP-PER-DISEASE)."""
    if rules.find(f"chronic.{code}.cap") is not None or not rules.flag("chronic.shares_ordinary_deductible"):
        return code
    return SHARED


def _over_person_total(rules: Rules, ys: YearState, bucket: str, pay: Decimal) -> str | None:
    """吉林 二（三）'s reading of “统筹基金年度最高支付限额不超过6500元” as the ceiling of every cap, not of one person's chronic
    payments in total (A-JL-CHRONIC-CAP-PER-DISEASE): cited on a payment (and the part it sends on to ordinary pooling)
    only where the other reading gives another figure — another cap bucket was paid this year and, with it, this
    payment takes the person's chronic total past the ceiling (under that reading it would pay at most what the
    ceiling leaves). With no other bucket paid, the bucket's own cap (≤ the ceiling) bounds the payment either way."""
    cb = rules.policy.doc.get("chronic_cap_buckets")
    if cb is None or pay <= ZERO or "ceiling" not in cb:
        return None
    if not any(v > ZERO for k, v in ys.chronic_pay.items() if k != bucket):
        return None
    total = sum(ys.chronic_pay.values(), ZERO)
    return cb["assumption"] if total + pay > Decimal(str(cb["ceiling"])) else None


class OpeningRefused(Refusal):
    """Opening year-to-date totals (the person's `ytd`) with a key no settlement under this document reads:
    refused, never dropped as if nothing had been paid. `field` names it, e.g. chronic_pay.M1."""

    def __init__(self, message: str, zh: str, field: str):
        super().__init__(message, zh)
        self.field = field

    def __reduce__(self):
        return type(self), (str(self), self.zh, self.field)


def _opening_refused(policy: Policy, person: Person, name: str, key: str | None, amount: Decimal,
                     why: str, why_zh: str, unread: bool = True) -> OpeningRefused:
    """`unread`: the key is read by no settlement; else it is read, and `why` says what keeps it from being."""
    what = f"ytd.{name}" if key is None else f"ytd.{name} key {key!r}"
    what_zh = f"ytd.{name}" if key is None else f"ytd.{name} 中的键 “{shown(key)}”"
    head = f"is read by no settlement under {policy.short}" if unread else f"cannot be read under {policy.short}"
    head_zh = f"在{policy.short}下没有任何结算读取" if unread else f"在{policy.short}下无法读取"
    return OpeningRefused(f"person {shown(person.psn_no)}: {what} ({fmt(amount)}) {head}: {why}",
                          f"参保人 {shown(person.psn_no)} 的期初年度累计 {what_zh}（{fmt(amount)}元）{head_zh}：{why_zh}",
                          name if key is None else f"{name}.{shown(key)}")


def _unregistered(policy: Policy, person: Person, name: str, key: str, amount: Decimal) -> OpeningRefused:
    """A disease-code key naming none of the person's registered diseases: a typo (M3900 for M03900) read as
    0 would pay the registered disease as if its cap or deductible were untouched."""
    codes = [d.dise_codg for d in person.diseases]
    return _opening_refused(policy, person, name, key, amount,
                            f"{shown(key)} is not among the diseases registered for the person ({_listing(codes)}), and a "
                            "settlement of an unregistered disease is refused; give the total under the registered "
                            "disease's dise_codg, or register the disease in chronic_diseases",
                            f"{shown(key)} 不在为该参保人登记的病种（{_listing(codes, '、', zh=True)}）中，"
                            "未登记病种的结算不予受理；请按登记病种的编码（dise_codg）填写，或在 chronic_diseases 中登记该病种")


def _settles(rules: Rules, code: str, shares: bool) -> bool:
    """Whether the region has what chronic_pooling asks for to settle `code` (its deductible unless shared
    with the ordinary one, a ratio for some person type, a cap): else every settlement of it is refused."""
    f = rules.find
    return bool((shares or f(f"chronic.{code}.deductible") or f("chronic.deductible"))
                and (f(f"chronic.{code}.ratio") or f("chronic.ratio") or f(f"chronic.{code}.ratio.in_service")
                     or f(f"chronic.{code}.ratio.retiree") or f("chronic.ratio.in_service") or f("chronic.ratio.retiree"))
                and (f(f"chronic.{code}.cap") or f("chronic.cap")))


MAX_CODES_LISTED = 10


def _listing(codes, sep: str = ", ", zh: bool = False) -> str:
    """Codes from input for a message: escaped, and the first few only (a ytd may hold thousands of keys)."""
    codes = list(codes)
    head = sep.join(shown(c) for c in codes[:MAX_CODES_LISTED])
    if len(codes) <= MAX_CODES_LISTED:
        return head
    return f"{head}等{len(codes)}个" if zh else f"{head} and {len(codes) - MAX_CODES_LISTED} more"


def _unsettled(rules: Rules, person: Person, name: str, key: str, amount: Decimal) -> OpeningRefused:
    """A disease-code key (no chronic_diseases given) naming a disease the region has no figures for: no
    settlement of it is computed, so a typo (M3900 for M03900) read as 0 would leave the cap of the disease
    settled untouched, and a right settlement would be called 少付."""
    policy = rules.policy
    codes = sorted({k.split(".")[1] for k in rules.supplied if k.startswith("chronic.") and k.count(".") >= 2})
    listed, listed_zh = _listing(codes), _listing(codes, "、", zh=True)
    return _opening_refused(policy, person, name, key, amount,
                            f"the region configuration gives no chronic-disease figures for {shown(key)} (chronic.<disease>."
                            f"deductible, ratio and cap), so every settlement of it is refused; the diseases it gives "
                            f"figures for: {listed or 'none'}. Give the total under the dise_codg the ledger settles",
                            f"地区配置未给出病种 {shown(key)} 的门诊慢特病参数（chronic.<病种>.deductible、ratio、cap），"
                            f"该病种的结算均不予计算；地区配置给出参数的病种：{listed_zh or '无'}。请按结算所用的病种编码"
                            "（dise_codg）填写")


def opening_year(rules: Rules, person: Person) -> YearState | None:
    """The person's opening year-to-date totals as the engine keeps them: each chronic payment under the
    cap it counts against (cap_bucket: in 吉林 a disease without a cap of its own under the shared one,
    A-JL-CHRONIC-YTD-BUCKET). A key no settlement would read is refused (OpeningRefused), not dropped: among
    them, where the person's chronic_diseases are given, a disease code registered for none of them (a
    settlement of an unregistered disease is refused, conform.reference.case), unless its payments count against a cap
    a registered disease's settlements read (吉林's shared cap). Without chronic_diseases a code is kept where the
    region can settle it (`conform audit` then settles the ledger's codes as registered: its own reading,
    docs/audit.md), and refused where it has no figures for it; so are inpatient_pay and special_dedc where no
    settlement goes along inpatient rules (only 吉林 sends any there)."""
    ytd = person.ytd
    if ytd is None:
        return None
    policy = rules.policy
    special = "special" in policy.covers
    if ytd.inpatient_pay and not special and not any(
            policy.routes.get(k, {}).get("route") == "inpatient" for k in ("emergency", "day_surgery")):
        raise _opening_refused(policy, person, "inpatient_pay", None, ytd.inpatient_pay,
                               "the document sends no outpatient settlement (special disease, emergency, day "
                               "surgery) along inpatient rules, so none counts against an inpatient cap",
                               "该文件未规定门诊特殊疾病、急诊或日间手术参照住院待遇结算，没有结算计入住院年度限额")
    if ytd.special_dedc and not special:
        raise _opening_refused(policy, person, "special_dedc", None, ytd.special_dedc,
                               "the document fixes no special-disease (门诊特殊疾病) benefit paid along inpatient "
                               "rules, whose deductible this is",
                               "该文件未规定参照住院待遇支付的门诊特殊疾病待遇，没有结算读取其起付线")
    opened = ytd.clone()
    if opened.special_dedc:  # counted before the first settlement, at a level no one says (_special_top_up_reading)
        opened.special_top = None
    if not ytd.chronic_dedc and not ytd.chronic_pay:
        return opened
    # chronic_diseases given, if only as [] (registered: none), rather than left out (case.Person.diseases_given)
    registered = bool(person.diseases) or person.diseases_given
    covered = "chronic" in policy.covers
    shares = covered and rules.flag("chronic.shares_ordinary_deductible")
    for key, amount in ytd.chronic_dedc.items():
        if not amount:  # nothing counted: no reading decides anything
            continue
        if not covered:
            raise _opening_refused(policy, person, "chronic_dedc", key, amount,
                                   "the document fixes no chronic-disease benefit",
                                   "该文件未规定门诊慢特病待遇")
        if shares:
            p = rules.get("chronic.shares_ordinary_deductible")
            raise _opening_refused(policy, person, "chronic_dedc", key, amount,
                                   f"the chronic deductible is counted together with the ordinary one ({p.cite}: "
                                   f"“{p.quote}”); give the deductible already counted this year in ytd.ordinary_dedc",
                                   f"门诊慢性病与普通门诊统筹起付标准合并计算（{p.cite}：“{p.quote}”），本年度已累计的起付线"
                                   "请填在 ytd.ordinary_dedc 中")
        if key == SHARED:
            raise _opening_refused(policy, person, "chronic_dedc", key, amount,
                                   "each disease's deductible is counted apart (chronic.<disease>.deductible); "
                                   "give it under the disease's dise_codg",
                                   "各病种的起付线分别计算（chronic.<病种>.deductible），请按病种编码（dise_codg）填写")
        if registered and person.disease(key) is None:  # each disease's own deductible: read by its settlements alone
            raise _unregistered(policy, person, "chronic_dedc", key, amount)
        if not registered and not _settles(rules, key, shares):
            raise _unsettled(rules, person, "chronic_dedc", key, amount)
    buckets: dict[str, Decimal] = {}
    by_code: dict[str, list[str]] = {}  # the disease codes whose opening payments went to the shared cap
    for key, amount in ytd.chronic_pay.items():
        if not amount:
            buckets[key] = buckets.get(key, ZERO) + amount
            continue
        if not covered:
            raise _opening_refused(policy, person, "chronic_pay", key, amount,
                                   "the document fixes no chronic-disease benefit",
                                   "该文件未规定门诊慢特病待遇")
        if key == SHARED:
            if not shares:
                raise _opening_refused(policy, person, "chronic_pay", key, amount,
                                       "each disease has a cap of its own (chronic.<disease>.cap) and no cap is "
                                       "shared; give each disease's payments under its dise_codg",
                                       "各病种分别设定年度最高支付限额（chronic.<病种>.cap），没有共用的限额，"
                                       "请按病种编码（dise_codg）分别填写")
            own = [d for d in person.diseases if d.kind != "special" or "special" not in policy.covers]
            if registered and all(cap_bucket(rules, d.dise_codg) != SHARED for d in own):
                listed = _listing([d.dise_codg for d in own], "、", zh=True) or "（无）"
                raise _opening_refused(policy, person, "chronic_pay", key, amount,
                                       "the shared chronic cap counts the diseases without a cap of their own, and "
                                       f"each chronic disease registered for the person ({listed}) has one "
                                       "(chronic.<disease>.cap; A-JL-CHRONIC-CAP-PER-DISEASE); give the payments "
                                       "under the disease's dise_codg",
                                       "共用的慢性病年度限额只计未单设限额的病种，而为该参保人登记的门诊慢性病"
                                       f"（{listed}）都单设了限额（chronic.<病种>.cap；A-JL-CHRONIC-CAP-PER-DISEASE），"
                                       "请按病种编码（dise_codg）填写")
            bucket = SHARED
        else:
            d = person.disease(key)
            if d is not None and d.kind == "special" and "special" in policy.covers:
                raise _opening_refused(policy, person, "chronic_pay", key, amount,
                                       f"{shown(key)} is registered as 门诊特殊疾病, paid along inpatient rules against "
                                       f"the inpatient cap ({route_cite(policy, 'special')}); give its payments in "
                                       "ytd.inpatient_pay",
                                       f"{shown(key)} 登记为门诊特殊疾病，参照住院待遇、计入住院年度限额（"
                                       f"{route_cite(policy, 'special')}），其统筹支付请填在 ytd.inpatient_pay 中")
            bucket = cap_bucket(rules, key)
            if d is None and registered and bucket not in {
                    cap_bucket(rules, o.dise_codg) for o in person.diseases
                    if o.kind != "special" or "special" not in policy.covers}:
                raise _unregistered(policy, person, "chronic_pay", key, amount)
            if not registered and bucket == key and not _settles(rules, key, shares):
                raise _unsettled(rules, person, "chronic_pay", key, amount)
            if bucket == SHARED:
                by_code.setdefault(SHARED, []).append(key)
        buckets[bucket] = buckets.get(bucket, ZERO) + amount
    if by_code and ytd.chronic_pay.get(SHARED):
        # '*' is read (the shared cap): what cannot be read is whether it already holds the per-code amounts
        codes = by_code[SHARED]
        raise _opening_refused(policy, person, "chronic_pay", SHARED, ytd.chronic_pay[SHARED],
                               f"the payments given under {_listing(codes)} count against the same shared cap, and "
                               "whether the total given under '*' includes them is not said; give the shared cap's "
                               f"payments either under '*' or by dise_codg, not both ({OPENING_READING})",
                               f"按病种 {_listing(codes, '、', zh=True)} 填写的支付额计入同一个共用限额，无法判断“*”下的"
                               "合计是否已包含它们；共用限额的已支付额请只按“*”或只按病种编码填写，不要两者同时填写"
                               f"（{OPENING_READING}）", unread=False)
    opened.chronic_pay = buckets
    return opened


def _opening_cite(person: Person, rules: Rules, year: int, bucket: str) -> str | None:
    """A-JL-CHRONIC-YTD-BUCKET where the shared cap's opening total was given by disease code."""
    ytd = person.ytd
    if ytd is None or bucket != SHARED or ytd.year != year or not ytd.chronic_pay:
        return None
    return OPENING_READING if any(v and k != SHARED and cap_bucket(rules, k) == SHARED
                                  for k, v in ytd.chronic_pay.items()) else None


def _two_disease(policy: Policy, person: Person, code: str) -> dict | None:
    """The document's 两病 clause (攀枝花 第九条) where `code` is registered as a two-disease one, else None."""
    td = policy.doc.get("two_disease")
    if td is None:
        return None
    d = person.disease(code)
    return td if d is not None and d.kind == "two_disease" else None


def _two_disease_cite(policy: Policy, person: Person, td: dict) -> str:
    """第九条, and the reading that a person also registered for a 门诊慢特病 disease keeps the 两病 benefit
    (A-PZH-TWO-DISEASE-REGISTERED) where they are: only then does the figure rest on it."""
    also_chronic = any(d.kind != "two_disease" for d in person.diseases)
    return join_cites(policy.cite(str(td["article"])), td.get("assumption") if also_chronic else None)


def chronic_pooling(rules: Rules, ys: YearState, person: Person, role: str, s: Settlement, base: Decimal,
                    trace: Trace, c: Contribution, out: Outcome) -> tuple[Decimal, str | None]:
    """门诊慢特病 (or 两病) first under its own parameters; returns the part of the base left for ordinary pooling
    and the clause sending it there."""
    code = s.dise_codg or ""
    out.benefit = "chronic"
    shares = rules.flag("chronic.shares_ordinary_deductible")
    td = _two_disease(rules.policy, person, code)
    try:
        per_disease_cap = rules.find(f"chronic.{code}.cap")
        cp = per_disease_cap or rules.first(f"chronic.{code}.cap", "chronic.cap")
        # a person type's own figure before the one for all: per disease (攀枝花 第十条, 南昌 四（二）2), then the
        # region's (吉林 二（三）chronic.ratio.<role>, A-JL-CHRONIC-BAND)
        rp = rules.first(f"chronic.{code}.ratio.{role}", f"chronic.{code}.ratio", f"chronic.ratio.{role}", "chronic.ratio")
        if shares:
            dp = _role_figure(rules, role, "deductible")
        else:
            dp = rules.first(f"chronic.{code}.deductible", "chronic.deductible")
    except MissingParameter as e:
        req = rules.policy.requirement_for(e.key)
        if td is None or req is None:
            raise
        # a 两病 figure is left to the region by 第九条 (与城乡居民“两病”门诊用药保持一致), not 第十条
        raise MissingParameter(e.key, replace(req, article=str(td["article"]), quote=td["quote"],
                                              cite=rules.policy.cite(str(td["article"]))), rules.policy) from None
    word = "慢特病"
    if td is not None:
        # the region's per-disease figures are the 两病 ones here: cited to 第九条, not 第十条's 门诊慢特病
        word, cite = "“两病”", _two_disease_cite(rules.policy, person, td)
        cp, rp, dp = (replace(p, cite=join_cites(cite, p.region_cite)) if p.source == "region" else p
                      for p in (cp, rp, dp))
    bucket = cap_bucket(rules, code)
    ratio = rp.value
    used = ys.ordinary_dedc if shares else ys.chronic_dedc.get(code, ZERO)
    left = dp.value - used
    if left < ZERO:
        left = ZERO
    dedc = base if base < left else left
    # shared with the ordinary deductible: the article merging them (吉林 二(三)) before the one fixing it (二（二））
    # 攀枝花: figures per disease are a reading (A-PZH-CHRONIC-PER-DISEASE), cited on a figure another disease's
    # deductible or payment this year would have changed under one shared figure
    per_disease = rules.policy.doc.get("chronic_per_disease")
    other_dedc = per_disease if not shares and any(v > 0 for k, v in ys.chronic_dedc.items() if k != code) else None
    other_pay = per_disease if any(v > 0 for k, v in ys.chronic_pay.items() if k != bucket) else None
    bound = dedc < base
    dedc_cite = _reversed(join_cites(rules.get("chronic.shares_ordinary_deductible").cite, _carried(dp.cite, out, used, bound)),
                          ys, "ordinary_dedc", bound, base, left) if shares else join_cites(
                              _reversed(dp.cite, ys, f"chronic_dedc.{code}", bound, base, left), other_dedc)
    trace.add("慢特病起付线", ("“两病”病种{}" if td is not None else "病种{}") + "：起付线{}元，此前已累计{}元，本次计入{}元"
              + ("（与普通门诊起付线合并计算）" if shares else ""), (code, dp.value, used, dedc), dedc_cite, dedc)
    after = base - dedc
    exact = after * ratio
    raw = round_fen(exact)
    paid_before = ys.chronic_pay.get(bucket, ZERO)
    if trace.keeps and (cb := rules.policy.doc.get("chronic_cap_buckets")) is not None:
        # 吉林 二（三）: a disease with a cap of its own counts against it alone, the others share one
        # (A-JL-CHRONIC-CAP-PER-DISEASE).
        trace.add("慢特病限额", "病种{}按病种设定年度限额{}元，单独计算" if bucket != "*" else
                  "病种{}未按病种设定限额，与其他未单设限额的病种共用慢性病年度限额{}元",
                  (code, cp.value), join_cites(cp.cite, cb["assumption"]))
    cap_left = cp.value - paid_before
    if cap_left < ZERO:
        cap_left = ZERO
    pay = raw if raw < cap_left else cap_left
    # What follows the cap, asked for only where the cap cut this payment: a region-supplied flag (南昌 四（二）2 is
    # silent, A-NC-CHRONIC-OVERFLOW) is refused here when absent, before anything is counted; a document that neither
    # fixes nor leaves it to a region transfers nothing.
    overflow = None
    if pay < raw:
        key = "chronic.overflow_to_ordinary"
        overflow = rules.find(key)
        if overflow is None and (req := rules.policy.requirement_for(key)) is not None and not req.optional:
            overflow = rules.get(key)  # MissingParameter naming the key and the article
    opening = _opening_cite(person, rules, s.date.year, bucket) if person.ytd is not None else None
    rounded = _rounded(exact, raw, pay)
    total_read = _over_person_total(rules, ys, bucket, pay)
    trace.add("慢特病支付", "({} − {}) × {} = {}元；" + word + "年度限额{}元，此前已支付{}元" +
              ("（含期初按病种填写、计入共用限额的金额）" if opening else "") + "，本次支付{}元",
              (base, dedc, Pct(ratio), raw, cp.value, paid_before, pay),
              join_cites(_reversed_cap(join_cites(rp.cite, cp.cite), ys, f"chronic_pay.{bucket}", pay, cap_left, raw), opening,
                         other_pay, total_read, _rounding(rounded)),
              pay, rounded)
    c.disease = bucket
    if shares:
        c.ordinary_dedc += dedc
        ys.ordinary_dedc += dedc
    else:
        c.chronic_dedc += dedc
        ys.chronic_dedc[code] = used + dedc
    c.chronic_pay += pay
    ys.chronic_pay[bucket] = paid_before + pay
    out.dedc += dedc
    out.chronic_pay += pay
    out.ratio = ratio
    out.ratio_cite = rp.cite
    if overflow is None or not overflow.value:
        if overflow is not None:
            trace.add("超出慢特病限额", "超出" + word + "年度限额的部分不转入普通门诊统筹" +
                      ("（地区配置）" if overflow.source == "region" else ""), (), overflow.cite)
        elif pay < raw:
            trace.add("超出慢特病限额", "超出" + word + "年度限额的部分不转入普通门诊统筹", (), rules.policy.short)
        return ZERO, None
    exact_covered = pay / ratio if ratio > 0 else ZERO
    covered = round_fen(exact_covered)
    if covered > after:
        covered = after
    rest = after - covered
    ov = overflow
    # whether rounding the covered part to the fen (A-PZH-OVERFLOW-SPLIT) changed it, and with it the ordinary
    # base after it (40.38 / 80% = 50.475 → 50.48): a fen off at the ordinary part may be this rounding's.
    # The split is the reading only where it can move the figure: this visit's chronic benefit paid part of it and a
    # rest goes on; a cap spent before the visit (0.00 / ratio) sends all of it on under any split (probe s29 A2 F4).
    split = rules.policy.doc.get("chronic_overflow_split") if pay > ZERO and rest > ZERO else None
    trace.add("转入普通门诊统筹", word + "限额内对应费用{} / {} = {}元；超过限额后的费用{} − {} = {}元按普通门诊统筹政策支付",
              (pay, Pct(ratio), covered, after, covered, rest),
              join_cites(ov.cite, split, total_read), rest,
              _rounded(exact_covered, round_fen(exact_covered), covered))
    return rest, ov.cite


# --------------------------------------------------------------------------- inpatient-like routes


def inpatient_route(rules: Rules, ys: YearState, role: str, s: Settlement, kind: str, base: Decimal,
                    trace: Trace, c: Contribution, out: Outcome) -> None:
    """Special diseases, emergency and day surgery along inpatient rules, against the inpatient cap (吉林 二（四）–（六））."""
    if s.facility == "pharmacy":
        # 吉林 一 lets a region send special-disease prescriptions to pharmacies, but 二（四）pays them at the
        # inpatient deductible and ratio of the institution's level, and a pharmacy has none: which applies is open.
        taken_in = "" if kind != "special" or "pharmacy_chronic" not in rules.policy.doc else (
            f"{rules.policy.cite(str(rules.policy.doc['pharmacy_chronic']['article']))}允许统筹区将门诊特殊疾病处方配药纳入"
            "定点零售药店，但")
        raise NotCovered(f"{rules.policy.short}: {kind} settlements at a pharmacy follow inpatient rules by the "
                         "institution's level, which a pharmacy has not: the text does not say which level applies",
                         f"结算 {shown(s.id)}：{taken_in}{rules.policy.short}的{_KIND_ZH[kind]}参照同级定点医疗机构住院待遇（"
                         f"{route_cite(rules.policy, kind)}），定点零售药店没有医疗机构等级，文件未规定按哪一级的起付线和比例支付，"
                         "无法计算")
    out.benefit = "inpatient"
    level, level_reading = _level(rules.policy, s.facility)
    # Each step cites the article sending this kind along inpatient rules (二（四）/（五）/（六）): that article
    # itself refers to the region's inpatient figures. The policy declares them under 二（四）, which speaks of
    # special diseases only, so an emergency or a day surgery does not cite it (nor does 二（四） cite it twice).
    cite = route_cite(rules.policy, kind)

    def own(p: Parameter) -> str | None:
        # the region's own citation of its inpatient figure stays beside the route's article
        return p.cite if kind == "special" else join_cites(p.assumption, p.region_cite)

    dp = rules.get(f"inpatient.deductible.{level}")
    if kind == "special":
        # Once per natural year, topped up when treated at a higher level.
        left = dp.value - ys.special_dedc
        if left < ZERO:
            left = ZERO
        dedc = base if base < left else left
        trace.add("特殊疾病起付线", "{}住院起付标准{}元，本年度已计{}元，本次补计 min({}, {}) = {}元",
                  (FACILITIES[s.facility], dp.value, ys.special_dedc, base, left, dedc),
                  _reversed(join_cites(cite, own(dp), level_reading, _special_top_up_reading(rules, ys, dp.value)),
                            ys, "special_dedc", dedc < base, base, left), dedc)
        c.special_dedc += dedc
        ys.special_dedc += dedc
        if dedc > ZERO and ys.special_top is not None and dp.value > ys.special_top:
            ys.special_top = dp.value
    elif kind == "day_surgery" and rules.flag("day_surgery.waive_deductible"):
        dedc = ZERO
        trace.add("日间手术起付线", "统筹区对日间手术不设起付线", (),
                  join_cites(cite, rules.get("day_surgery.waive_deductible").cite), dedc)
    else:
        dedc = base if base < dp.value else dp.value
        # counted per visit (A-JL-EMERGENCY-DEDUCTIBLE): a reading that decides this visit's deductible only after an
        # earlier one this year along inpatient rules; a year's first takes the whole 住院起付标准 by any reading
        earlier = ys.inpatient_dedc > ZERO or ys.special_dedc > ZERO or ys.inpatient_pay > ZERO
        trace.add("起付线（参照住院）", "{}住院起付标准{}元，按一次住院计算，本次计入{}元",
                  (FACILITIES[s.facility], dp.value, dedc),
                  join_cites(cite, own(dp), level_reading, "A-JL-EMERGENCY-DEDUCTIBLE" if earlier else None), dedc)
        c.inpatient_dedc += dedc
        ys.inpatient_dedc += dedc
    rp = rules.get(f"inpatient.ratio.{level}")
    ratio = rp.value
    bonus_cite = ""
    if role == "retiree":
        bonus = rules.get("inpatient.retiree_ratio_bonus")
        ratio = min(ONE, ratio + bonus.value)
        bonus_cite = join_cites(bonus.cite, "A-JL-SPECIAL-RETIREE")
    exact = (base - dedc) * ratio
    raw = round_fen(exact)
    cap = rules.get("inpatient.cap")
    cap_left = cap.value - ys.inpatient_pay
    if cap_left < ZERO:
        cap_left = ZERO
    pay = raw if raw < cap_left else cap_left
    rounded = _rounded(exact, raw, pay)
    trace.add("住院比例和限额", "({} − {}) × {} = {}元；住院年度限额{}元（合并计算），此前已支付{}元，本次支付{}元",
              (base, dedc, Pct(ratio), raw, cap.value, ys.inpatient_pay, pay),
              join_cites(_reversed_cap(join_cites(cite, own(rp), level_reading, bonus_cite, own(cap)), ys, "inpatient_pay",
                                       pay, cap_left, raw),
                         _rounding(rounded), "A-JL-SPECIAL-NO-OVERFLOW" if kind == "special" and pay < raw else None),
              pay, rounded)
    c.inpatient_pay += pay
    ys.inpatient_pay += pay
    out.dedc += dedc
    out.inpatient_pay += pay
    out.ratio = ratio


# --------------------------------------------------------------------------- one settlement


def compute(rules: Rules, person: Person, s: Settlement, ys: YearState, trace: Trace) -> tuple[Outcome, Contribution]:
    """The fund payment of one settlement given the year's state; updates `ys` in place."""
    policy = rules.policy
    inscp = s.inscp_scp_amt
    out = Outcome(inscp, person=person,
                  pre=s.preselfpay_amt or ZERO)
    no_ordinary = ""  # set when the person keeps other benefits but not ordinary pooling
    day = s.date
    c = Contribution(day.year)
    if trace.keeps:
        trace.add("政策范围内费用", "{} − 全自费{} − 超限价{} − 先行自付{} = {}元",
                  (s.medfee_sumamt, s.fulamt_ownpay_amt, s.overlmt_selfpay, s.preselfpay_amt, inscp),
                  "国家医保平台结算口径", inscp)
    if rules.valid_from is not None and day < rules.valid_from:
        before = policy.doc.get("before_validity") or {}
        if before.get("ordinary") != "none" or s.med_type not in BEFORE_VALIDITY_STATED:
            # Only a text that says what applied before (南昌 一) lets the engine answer, and only for what it
            # names; otherwise the earlier rules are not in the harness and guessing 0 would certify a guess.
            unnamed, unnamed_zh = "", ""
            if before.get("ordinary") == "none" and s.med_type != "14":
                # 南昌 一 names 普通门诊 and 定点零售药店 only: whether an emergency or a day surgery then counted
                # as ordinary outpatient or along inpatient rules it does not say (吉林 二（五）（六）route them
                # to inpatient rules), and A-EMERGENCY-ORDINARY reads the document in force, not the earlier rules.
                art = policy.cite(str(before.get("article", "")))
                unnamed = (f"; {art} names only ordinary outpatient visits and designated pharmacies, "
                           f"not how {MED_TYPES[s.med_type]} was settled")
                unnamed_zh = f"；{art}只写明普通门诊和定点零售药店购药由个人账户支付，未写明{MED_TYPES[s.med_type]}如何结算"
            start, start_zh = rules.start_said()
            raise OutsideValidity(f"settlement {shown(s.id)}: date {s.date} is before {start}; med_type {s.med_type} "
                              f"({MED_TYPES[s.med_type]}) then followed earlier rules the harness does not hold"
                              f"{unnamed} (A-BEFORE-VALIDITY)",
                              f"结算 {shown(s.id)}：结算日期 {s.date} 早于{start_zh}；此前的{MED_TYPES[s.med_type]}（med_type {s.med_type}）"
                              f"适用原有规定，本工具未收录，无法计算{unnamed_zh}（A-BEFORE-VALIDITY）")
        out.benefit = "none"
        trace.add("施行日期", "结算日期{}早于施行日期{}，此前{}费用由个人账户支付，统筹基金支付0元",
                  (s.date, rules.valid_from, MED_TYPES[s.med_type]),
                  join_cites(policy.cite(str(before.get('article', ''))), policy.validity_cite, "A-BEFORE-VALIDITY"), ZERO)
        return out, c
    if rules.valid_to is not None and day > rules.valid_to:
        raise OutsideValidity(f"settlement {shown(s.id)}: date {s.date} is after {policy.short}'s validity ends on "
                          f"{rules.valid_to} ({policy.validity_cite}: “{policy.validity_quote}”); "
                          "the successor rules are not known (A-BEFORE-VALIDITY)",
                          f"结算 {shown(s.id)}：结算日期 {s.date} 晚于{policy.short}的有效期截止日 {rules.valid_to}"
                          f"（{policy.validity_cite}：“{policy.validity_quote}”）；其后的规定未知，无法计算（A-BEFORE-VALIDITY）")
    role = person.role_on(day)
    out.midyear = role == "retiree" and person.retire_date is not None \
        and person.retire_date > day.replace(month=1, day=1)  # retired this year, after 1 January
    chronic_visit = s.med_type == "14"
    if s.exclusion is not None:
        ex = policy.exclusions.get(s.exclusion)
        if ex is None:
            raise UnknownExclusion(f"settlement {shown(s.id)}: {policy.short} lists no exclusion {s.exclusion!r}; "
                             f"exclusions are defined only where a document lists them",
                             f"结算 {shown(s.id)}：{policy.short}未列明除外类别 {s.exclusion!r}；统筹基金不予支付的费用只按文件列明的类别认定")
        out.benefit = "none"
        if chronic_visit and ex.get("chronic_assumption"):
            # 攀枝花 第八条 is headed 普通门诊统筹基金: that its items bar chronic benefits too is a reading (A-PZH-EXCLUSION-CHRONIC)
            trace.add("不予支付", "{}：统筹基金不予支付，门诊慢特病（含“两病”）费用同样不予支付", (ex["quote"],),
                      join_cites(policy.cite(str(ex["article"])), ex["chronic_assumption"]), ZERO)
        else:
            trace.add("不予支付", "{}：统筹基金不予支付", (ex["quote"],), policy.cite(str(ex["article"])), ZERO)
        return out, c
    tier_unknown = False  # a flexible worker of no stated tier on a chronic visit: asked for only if it matters
    if "requires_account" in policy.eligibility:
        el = policy.eligibility["requires_account"]
        has_account = own_account(policy, person)
        if has_account is None:
            if not chronic_visit:
                raise _flex_tier_needed(policy, person, s, el)
            # 第七条 conditions ordinary pooling only (A-PZH-NO-ACCOUNT-CHRONIC): the tier decides nothing unless
            # part of this chronic visit goes on to ordinary pooling (第十一条); asked for then.
            tier_unknown = True
        elif not has_account and not chronic_visit:
            out.benefit = "none"
            if person.has_account is False:  # so stated: the article alone decides
                trace.add("享受条件", "参保人未建立个人账户（人员信息所述），不享受普通门诊统筹", (),
                          policy.cite(str(el['article'])), ZERO)
            else:
                trace.add("享受条件", "参保人未建立个人账户（二档灵活就业人员不建账户），不享受普通门诊统筹", (),
                          f"{policy.cite(str(el['article']))}；A-PZH-FLEX-TIER2", ZERO)
            return out, c
        elif not has_account:
            # 第七条 conditions ordinary pooling only; 第九、十条 do not ask for an account (A-PZH-NO-ACCOUNT-CHRONIC).
            # Why there is no account is cited as for an ordinary visit: stated, or the tier-2 reading (A-PZH-FLEX-TIER2).
            no_ordinary = join_cites(policy.cite(str(el['article'])),
                                     None if person.has_account is False else "A-PZH-FLEX-TIER2",
                                     "A-PZH-NO-ACCOUNT-CHRONIC")
    bp_rule = policy.eligibility.get("benefit_period")
    if bp_rule is not None and person.benefit_period is not None and s.date not in person.benefit_period:
        out.benefit = "none"
        bp = person.benefit_period
        if chronic_visit and bp_rule.get("chronic_assumption"):
            # 第七条 names the period where it defines ordinary pooling; that it bars every benefit of the
            # scheme, chronic ones included, is a reading (A-PZH-BENEFIT-PERIOD-ALL).
            trace.add("待遇享受期", "结算日期{}不在待遇享受期{}至{}内，不享受职工医保门诊共济保障待遇（普通门诊统筹及“两病”、"
                      "门诊慢特病待遇），统筹基金不予支付", (s.date, bp.begin, bp.end),
                      join_cites(policy.cite(str(bp_rule["article"])), bp_rule["chronic_assumption"]), ZERO)
        else:
            trace.add("待遇享受期", "结算日期{}不在待遇享受期{}至{}内，不享受普通门诊统筹，统筹基金不予支付",
                      (s.date, bp.begin, bp.end), policy.cite(str(bp_rule["article"])), ZERO)
        return out, c
    # Cheap tests first: most persons have no stay, and the flag can neither fail nor change.
    if person.hospital_stays and s.med_type in ("11", "14", "41") and rules.flag("hospital_stay.no_outpatient_benefit"):
        for stay in person.hospital_stays:
            if s.date in stay:
                out.benefit = "none"
                # A-JL-HOSPITAL-STAY decides the admission and discharge days only; a day between is 住院期间 by any reading
                edge = "A-JL-HOSPITAL-STAY" if s.date in (stay.begin, stay.end) else None
                trace.add("住院期间", "结算日期{}在住院期间（{}至{}），不再享受普通门诊和门诊慢特病待遇",
                          (s.date, stay.begin, stay.end),
                          join_cites(rules.get("hospital_stay.no_outpatient_benefit").cite, edge), ZERO)
                return out, c
    unfiled = False  # outside the city without the filing the text ties the local standard to (攀枝花 第七条)
    if s.remote:
        if "remote_filing" in policy.eligibility:
            rf = policy.eligibility["remote_filing"]
            if person.remote_filing:
                # where outside the city the visit was, the case and the ledger do not say (A-PZH-REMOTE-FILED-PLACE)
                trace.add("异地备案", "异地备案人员在市外就医，按在备案地就医，执行市内居住参保人员待遇标准", (),
                          join_cites(policy.cite(str(rf["article"])), rf.get("assumption")), decides=True)
            else:
                unfiled = True  # its ratio is asked for where ordinary pooling is reached (_unfiled_ratio)
        elif (rs := policy.doc.get("remote_settlement")) is not None:
            # 吉林 三: filing decides whether the bills are settled online; an unfiled person settles them with
            # the 参保地 agency on receipts. Neither is given a standard of its own (A-REMOTE-SAME).
            rs_cite = join_cites(policy.cite(str(rs["article"])), rs.get("assumption"))
            if person.remote_filing:
                trace.add("异地就医", "已办理异地备案，到统筹区外定点医疗机构门诊就医联网结算；文件未对异地就医另定待遇标准，"
                          "按参保地标准结算", (), rs_cite, decides=True)
            else:
                trace.add("异地就医", "未办理异地备案，不能联网结算：凭医疗保障凭证、医疗费用收据（发票）、病历等材料到参保地"
                          "医保经办机构办理结算；文件未对其另定待遇标准，按参保地标准结算", (), rs_cite, decides=True)
        else:
            trace.add("异地就医", "本文件未对异地就医单独规定待遇标准，按参保地标准结算", (), "A-REMOTE-SAME", decides=True)
    if person.retire_date is None and person.is_flexible and trace.keeps:
        # the texts name 在职职工 and 退休人员 only: a flexible worker's type (1103, 1203) takes one of the two by a
        # reading; the 职工 types are those words themselves. A retire date decides the role by itself (role_on).
        trace.add("人员类别", "人员类别{}（{}）：文件只区分在职职工和退休人员，按{}人员待遇结算",
                  (person.psn_type, PSN_TYPES[person.psn_type][2], "在职" if role == "in_service" else "退休"),
                  "A-PERSON-TYPES", decides=True)
    if s.med_type in ("11", "41"):  # 普通门诊 and 药店购药: ordinary pooling whatever the document, the usual case
        ordinary_pooling(rules, ys, role, s.facility, inscp, trace, c, out,
                         _unfiled_ratio(rules, trace) if unfiled else None)
        return out, c
    kind = "ordinary"
    if chronic_visit:
        if s.facility == "pharmacy" and pharmacy_not_taken_in(rules) is not None:
            # 吉林 一: the region's choice takes pharmacies in for ordinary and chronic/special prescriptions
            # alike; not taken, a chronic purchase there is paid by no benefit and counts no deductible (the
            # chronic half a reading: 二（三）names no place of purchase, A-JL-PHARMACY-CHRONIC).
            _no_pharmacy_cover(rules, trace, out, chronic=True)
            return out, c
        d = person.disease(s.dise_codg or "")
        if d is None and "special" in policy.covers and "chronic" in policy.covers:
            # 吉林 二（三）门诊慢性病 and 二（四）门诊特殊疾病 pay differently, and which one a code is follows the
            # province's disease list (二（一）“具体病种另行制定”, not in the text) and the person's 认定 — data
            # the harness is given only as the person's registered diseases. Settling it as either would be a guess.
            chronic_req = policy.requirement_for("chronic.ratio")
            chronic_cite = chronic_req.cite if chronic_req else policy.short
            raise Refusal(
                f"settlement {shown(s.id)}: disease {shown(s.dise_codg or '(none)')} is not registered for person {shown(person.psn_no)}; "
                f"{policy.short} settles med_type 14 as 门诊慢性病 ({chronic_cite}) "
                "or 门诊特殊疾病 "
                f"({route_cite(policy, 'special')}, along inpatient rules) according to the person's registration, "
                "so the disease must be registered with its kind (chronic or special) in chronic_diseases "
                "of the case's person or of the persons file",
                f"结算 {shown(s.id)}：病种 {shown(s.dise_codg or '（空）')} 未为参保人 {shown(person.psn_no)} 登记；{policy.short}的门诊慢特病"
                f"按登记的类别分别按门诊慢性病（{chronic_cite}）或门诊特殊疾病（{route_cite(policy, 'special')}，参照住院）"
                "支付，须在人员信息的 chronic_diseases 中登记该病种及其类别（chronic 或 special）")
        kind = "special" if (d is not None and d.kind == "special" and "special" in policy.covers) else "chronic"
    elif s.med_type == "13":
        kind = "emergency" if policy.routes.get("emergency", {}).get("route") == "inpatient" else "ordinary"
    elif s.med_type == "28":
        kind = "day_surgery" if policy.routes.get("day_surgery", {}).get("route") == "inpatient" else "ordinary"
    if kind in ("emergency", "day_surgery", "special"):
        # the kind, not the med_type: 门诊慢特病 (14) is 门诊慢性病 and 特殊疾病 together, and only the latter
        # follows inpatient rules (吉林 二(四); 门诊慢性病 二(三))
        trace.add("待遇路径", "{}参照住院待遇政策，计入住院年度最高支付限额，不占普通门诊统筹限额", (_KIND_ZH[kind],),
                  route_cite(policy, kind), decides=True)
        inpatient_route(rules, ys, role, s, kind, inscp, trace, c, out)
        return out, c
    if kind == "chronic":
        if "chronic" not in policy.covers:
            raise NotCovered(f"settlement {shown(s.id)}: {policy.short} does not fix chronic/special-disease benefits; "
                             "med_type 14 cannot be settled under it",
                             f"结算 {shown(s.id)}：{policy.short}未规定门诊慢特病待遇，门诊慢特病（med_type 14）无法按该文件结算")
        if no_ordinary:
            # the other side of A-PZH-NO-ACCOUNT-CHRONIC: without an account the chronic benefit is still paid; a
            # system withholding it parts here, so every figure after this step names the reading (probe s27 H2 F6)
            trace.add("未建账户", "参保人未建立个人账户{}：只是不享受普通门诊统筹，“两病”、门诊慢特病待遇不以个人账户为条件，"
                      "照常支付",
                      ("（人员信息所述）" if person.has_account is False else "（二档灵活就业人员不建账户）",),
                      no_ordinary, decides=True)
        if s.facility == "pharmacy":
            pc = policy.doc.get("pharmacy_chronic")
            if pc is not None:  # 吉林 一 takes the region's pharmacies in for chronic prescriptions too
                trace.add("药店配药", "本统筹区已将定点零售药店纳入门诊保障范围：门诊慢性病处方到定点零售药店配药，按门诊慢性病待遇"
                          "（起付线、比例、限额）支付", (), join_cites(policy.cite(str(pc["article"])), pc["assumption"]),
                          decides=True)
            else:
                trace.add("药店配药", "文件未对门诊慢特病在定点零售药店购药单独规定，按该病种的门诊慢特病待遇支付", (),
                          "A-CHRONIC-PHARMACY", decides=True)
        if unfiled:
            trace.add("异地未备案", "未办理异地备案、在市外就医：第七条以备案为条件的是普通门诊医疗费，门诊慢特病按其病种参数支付；"
                      "超过其限额转入普通门诊统筹的部分才按地区配置的未备案比例支付", (),
                      join_cites(policy.cite(str(policy.eligibility["remote_filing"]["article"])), "A-PZH-REMOTE-UNFILED"),
                      decides=True)
        rest, via = chronic_pooling(rules, ys, person, role, s, inscp, trace, c, out)
        if rest > ZERO and no_ordinary:
            trace.add("享受条件", "超过慢特病限额的{}元按门诊统筹政策支付，但参保人未建立个人账户{}，不享受普通门诊统筹，统筹基金不再支付",
                      (rest, "（人员信息所述）" if person.has_account is False else "（二档灵活就业人员不建账户）"),
                      no_ordinary, ZERO)
            # … so no ordinary deductible is charged on it either, by the same clause and readings: a system that
            # charges one (it read tier 2 as having an account) parts from the reference here, at the step naming
            # why (A-PZH-FLEX-TIER2), not at the chronic deductible before it (probe s26/probe2 F2)
            trace.add("起付线", "未享受普通门诊统筹，转入部分不计普通门诊起付线，本次计入0.00元", (), no_ordinary, ZERO)
        elif rest > ZERO:
            try:
                if tier_unknown:  # only now does the account (第七条) decide anything
                    raise _flex_tier_needed(policy, person, s, policy.eligibility["requires_account"], rest)
                ordinary_pooling(rules, ys, role, s.facility, rest, trace, c, out,
                                 _unfiled_ratio(rules, trace) if unfiled else None, via=via)
            except PolicyError as e:
                _passed_on(e, policy, via, out)
                raise
        return out, c
    if s.med_type == "13":
        trace.add("急诊", "本文件未对急诊单独规定，按普通门诊统筹结算", (), "A-EMERGENCY-ORDINARY", decides=True)
    elif s.med_type == "28":
        trace.add("日间手术", "本文件未对日间手术单独规定，按普通门诊统筹结算", (), "A-EMERGENCY-ORDINARY", decides=True)
    ordinary_pooling(rules, ys, role, s.facility, inscp, trace, c, out, _unfiled_ratio(rules, trace) if unfiled else None)
    return out, c


def _passed_on(e: PolicyError, policy: Policy, via: str | None, out: Outcome) -> None:
    """`e`, a refusal for a value needed only for the part of a chronic visit sent on to ordinary pooling (a
    flexible worker's tier, the unfiled ratio, an ordinary figure), with the named readings that sent that part on
    in `e.readings`: those the handoff cites (吉林 A-JL-CHRONIC-OVERFLOW), and the split of a visit crossing the cap
    (攀枝花 A-PZH-OVERFLOW-SPLIT) where this visit's chronic benefit paid part of it — under the other reading (only
    later visits pass on) nothing of it is, and nothing is missing. A check expecting the refusal rests on them
    (harness World.refusal_readings; probe s26/probe2 F3)."""
    split = policy.doc.get("chronic_overflow_split") if out.chronic_pay > ZERO else None
    sent = [p for p in (via or "").split("；") if p.startswith("A-")]
    e.readings = tuple(dict.fromkeys([*getattr(e, "readings", ()), *sent, *([split] if split else [])]))  # type: ignore[attr-defined]


def _unfiled_ratio(rules: Rules, trace: Trace) -> Parameter:
    """The region's ratio for an unfiled visit outside the city (攀枝花 第七条 fixes none: A-PZH-REMOTE-UNFILED),
    asked for only where ordinary pooling is reached."""
    p = rules.get("ordinary.ratio.remote_unfiled")
    trace.add("异地未备案", "未办理异地备案、在市外就医：文件未规定其待遇，按地区配置的比例{}支付",
              (Pct(p.value),), p.cite)
    return p


def _flex_tier_needed(policy: Policy, person: Person, s: Settlement, el: dict,
                      overflow: Decimal | None = None) -> FlexTierNeeded:
    """A flexible worker of no stated tier where the account decides ordinary pooling (攀枝花 第七条)."""
    where = f"{policy.cite(str(el['article']))}: “{el['quote']}”; A-PZH-FLEX-TIER2"
    where_zh = f"{policy.cite(str(el['article']))}：“{el['quote']}”；A-PZH-FLEX-TIER2"
    part = part_zh = ""
    if overflow is not None:
        part = (f"; {fmt(overflow)} of this chronic-disease visit is above its cap and goes on to ordinary pooling "
                "(A-PZH-OVERFLOW-SPLIT)")
        part_zh = f"；本次门诊慢特病费用中超过其限额的{fmt(overflow)}元转入普通门诊统筹（A-PZH-OVERFLOW-SPLIT）"
    return FlexTierNeeded(
        f"settlement {shown(s.id)}: person field flex_tier (1 一档 or 2 二档) is needed for a flexible worker "
        f"(psn_type {person.psn_type}): only an account holder gets ordinary pooling ({where}){part}",
        f"结算 {shown(s.id)}：灵活就业人员（人员类别 {person.psn_type}）须在人员信息中给出缴费档次 flex_tier（1 一档、2 二档）："
        f"只有建立了个人账户的参保人享受普通门诊统筹（{where_zh}）{part_zh}")
