"""Hypothesis strategies for insured persons and their years of settlements.

Shared by the properties (conform/harness/properties/), feature tooling and the
benchmarks, so every one of them draws from the same population. Only inputs
the rules *determine* are generated: a settlement the documents (or the
example region configuration they are bound to) leave open — chronic benefits
in 北京/浙江, an unfiled out-of-town visit in 攀枝花 without
`ordinary.ratio.remote_unfiled`, a special disease at a pharmacy in 吉林 — is
never drawn, so a refusal by the system under test is always a finding.

Amounts are drawn as whole fen and become `Decimal` yuan: never a float.
Everything drawn can also be written with the zh-CN step library, so a shrunk
example becomes a Gherkin scenario (conform/harness/counterexample.py).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from conform.reference.case import CreditRequest, Disease, Period, Person, Settlement, UseRequest
from conform.reference.money import from_fen as fen  # n fen as yuan, exactly (Decimal("0.01") for 1)
from conform.reference.money import to_fen
from conform.reference.policy import (MAX_REGION_BYTES, POLICY_IDS, REGION_DIR, PolicyError, Rules, bind_cached,
                                     check_region, forget_named_region_files, load_policy, load_region_file,
                                     name_region_file)

FEN = Decimal("0.01")
PSN_TYPES = ("1101", "1201", "1103", "1203")
HOSPITAL_LEVELS = ("tertiary", "secondary", "primary", "unrated")
# First year drawn: every document is in force from 2023-01-01 (北京's account from 2022-03-06), and
# 攀枝花 第十九条 ends on 2027-12-31, so 2023–2027 is settled under every policy.
FIRST_YEAR, LAST_YEAR = 2023, 2027
MAX_SETTLEMENTS = 40
MAX_AMOUNT_FEN = 100_000_00

# Kinds of registered disease each document provides for (conform.reference.case.DISEASE_KINDS):
#   攀枝花 第九条 “两病”门诊用药、第十条 门诊慢特病；南昌 四（二）2 门诊特殊慢性病；
#   吉林 二（三）门诊慢性病、二（四）门诊特殊疾病 (the latter along inpatient rules).
DISEASE_KINDS = {"panzhihua": ("chronic", "two_disease"), "nanchang": ("chronic",), "jilin": ("chronic", "special")}
# A code for policies whose chronic parameters are not per disease (吉林 二（三）: one ratio and cap
# chosen by the region), so any registered code is settleable. Fictitious, like the regions' codes.
GENERIC_DISEASE = "M03900"
# A second code without a figure of its own, offered where such diseases share one cap (吉林 二（三）: 其余病种
# 共用统筹区的慢性病年度限额, A-JL-CHRONIC-CAP-PER-DISEASE): with one generic code a person never held two
# diseases in that shared bucket, so no draw could show one cap spent twice.
SECOND_GENERIC_DISEASE = "M03901"
# 攀枝花 第七条 leaves the unfiled out-of-town ratio to the region (A-PZH-REMOTE-UNFILED); a
# fictitious value for settings that supply it.
REMOTE_UNFILED_RATIO = "0.30"


# --------------------------------------------------------------------------- settings (policy + region)


@dataclass(frozen=True)
class Setting:
    """The rules a person is settled under: a policy, an example region file, inline parameters."""

    policy: str
    region: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    @cached_property
    def rules(self) -> Rules:
        return bind_cached(self.policy, self.region, self.param_dict)

    @property
    def param_dict(self) -> dict[str, str]:
        return dict(self.params)

    def label(self) -> str:
        extra = "".join(f" {k}={v}" for k, v in self.params)
        return f"{self.policy}/{self.region or '-'}{extra}"


@lru_cache(maxsize=None)
def example_regions() -> dict[str, tuple[str, ...]]:
    """Example region configurations in conform/fixtures/regions/ (`example: true`), by policy."""
    found: dict[str, list[str]] = {p: [] for p in POLICY_IDS}
    for _path, check in _region_checks():
        if check.region is not None and check.region.example:
            found[check.region.policy].append(check.region.name)
    return {p: tuple(names) for p, names in found.items()}


@lru_cache(maxsize=None)
def _region_checks() -> tuple[tuple[Path, Any], ...]:
    """Each file of conform/fixtures/regions/ (.yaml and .yml, as a name is looked up) with its whole-file check
    (conform.reference.policy.check_region): one that does not load (GBK, broken YAML, no policy id) has no
    `region` and is never drawn; `conform run` refuses it (broken_regions)."""
    if not REGION_DIR.is_dir():
        return ()
    paths = sorted([*Path(REGION_DIR).glob("*.yaml"), *Path(REGION_DIR).glob("*.yml")])
    return tuple((path, check_region(str(path))) for path in paths)


def broken_regions(policies: tuple[str, ...] = ()) -> list[str]:
    """Why example region files of conform/fixtures/regions/ cannot be used, one line each naming the file: a file
    that does not load (whatever policy it was meant for: broken YAML, not UTF-8, a `policy:` that is no id), and
    for the `policies` given (all when empty) an example whose figures do not bind (a ratio "75", a figure above
    the framework's ceiling). The properties would skip such a file; `conform run` refuses to certify beside it
    (exit 2), as a region that is silently left out would leave a 合格 resting on figures nobody checked."""
    wanted = set(policies or POLICY_IDS)
    out = []
    for path, check in _region_checks():
        region = check.region
        if region is not None and (not region.example or region.policy not in wanted or region.policy in _CHOSEN):
            continue  # it loads, and the draws do not read it
        out += [e if str(path) in e else f"region file {path}: {e}" for e in check.errors]
    return out


# `conform run --region R`: policy → the region refs whose figures the properties draw under, alone (choose_regions).
_CHOSEN: dict[str, tuple[str, ...]] = {}


def choose_regions(refs: tuple[str, ...] | list[str]) -> dict[str, tuple[str, ...]]:
    """Draw the properties of each region's document under the given region files alone: the figures a real
    统筹区 publishes and a system is certified against (`conform run --region`), not the fictitious examples nor
    the variants derived from them (a derived half-fen deductible, an example without its pharmacy ratio).
    Validates each file (load and bind: PolicyError naming the file, key and what is wrong). Returns policy → refs."""
    chosen: dict[str, list[str]] = {}
    forget_named_region_files()
    for ref in refs:
        check = check_region(ref)  # loads and binds the file: every error at once, each naming file and key
        if check.errors or check.region is None:
            raise PolicyError("; ".join(check.errors))
        region = check.region
        ref = name_region_file(ref)  # requests carry the city's name, found again by it in this process
        chosen.setdefault(region.policy, [])
        if ref not in chosen[region.policy]:
            chosen[region.policy].append(ref)
    _CHOSEN.clear()
    _CHOSEN.update({p: tuple(r) for p, r in chosen.items()})
    clear_caches()
    return dict(_CHOSEN)


@lru_cache(maxsize=256)
def region_sha256(ref: str) -> str:
    """The SHA-256 of a region file's bytes as the draws read it ('' when it cannot be read): each property check
    records it (extra["region_sha256"]), so the certification record can tell a file edited during the run. Read
    once a process, as the rules drawn under are bound once (policy.bind_cached)."""
    import hashlib

    try:
        path = load_region_file(ref).path
        with open(path or ref, "rb") as f:
            return hashlib.sha256(f.read(MAX_REGION_BYTES + 1)).hexdigest()
    except (PolicyError, OSError, ValueError):
        return ""


def chosen_regions() -> dict[str, tuple[str, ...]]:
    """policy → the region refs `--region` chose (empty: the example regions)."""
    return dict(_CHOSEN)


def clear_caches() -> None:
    """Forget every cached look-up of this module (settings, gaps, region files): after choose_regions, or in a
    test that adds a region file."""
    for value in list(globals().values()):
        if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == __name__:
            value.cache_clear()


# Must-be-supplied parameters a draw never needs although the setting lacks them: the generators
# leave out what they would settle (remote_allowed: an unfiled out-of-town visit only where
# 攀枝花's ordinary.ratio.remote_unfiled is supplied; settleable_diseases: a registered disease only
# with its chronic.<disease>.* figures).
# 南昌's chronic.overflow_to_ordinary likewise: without it no registered disease is drawn (chronic_open).
DRAWS_AVOID = frozenset({"ordinary.ratio.remote_unfiled", "chronic.overflow_to_ordinary"})
# How setting_gaps marks a setting that does not bind at all (an invalid figure), apart from a missing one.
INVALID_PREFIX = "配置无效 invalid: "
# What a `<facility>` in a required parameter's name stands for: every facility a visit is drawn at.
DRAWN_FACILITIES = HOSPITAL_LEVELS + ("pharmacy",)


@lru_cache(maxsize=None)
def setting_gaps(setting: Setting) -> tuple[str, ...]:
    """Why a draw under `setting` could meet a refusal the rules do not decide: each must-be-supplied
    parameter its region lacks (a region file may leave out what the document asks for, as README's
    "Adding a region" does), or the reason it does not bind at all. Empty: every draw is determined.

    Such a refusal is the region's gap, not a fault of the system under test, so the properties
    draw only from settings without gaps (settings_for) and say which they left out (skipped_settings)."""
    try:
        rules = setting.rules
    except PolicyError as e:  # an invalid figure, not a missing one: `conform run` refuses it (broken_regions)
        return (f"{INVALID_PREFIX}{e}",)
    gaps = []
    no_pharmacy = pharmacy_open(setting) is not None
    for req in rules.policy.requirements:
        if req.optional or req.pattern in DRAWS_AVOID or "<disease>" in req.pattern or _credit_only(req.pattern):
            continue
        keys = ([req.pattern.replace("<facility>", f) for f in DRAWN_FACILITIES] if "<facility>" in req.pattern
                else [req.pattern])
        # no pharmacy ratio at all leaves pharmacy visits open, and the draws leave them out (pharmacy_open); one
        # person type's without the other's is a gap
        gaps += [k for k in keys if "<" not in k and rules.find(k) is None
                 and not (no_pharmacy and k in PHARMACY_RATIO_KEYS)]
    # a later valid_from (吉林 六（一）, 浙江 三（二）let the region set it) moves the draws (year_offset); only figures
    # ending before the moved years do is a gap
    last = dt.date(LAST_YEAR + year_offset(setting), 12, 31)
    if rules.valid_to is not None and rules.valid_to < last:
        gaps.append(f"valid_from {rules.valid_from.isoformat() if rules.valid_from else '-'} – valid_to "
                    f"{rules.valid_to.isoformat()}（抽样需要 draws need {LAST_YEAR - FIRST_YEAR + 1} 个完整自然年度 whole years）")
    return tuple(gaps)


def year_offset(setting: Setting) -> int:
    """Whole years the draws under `setting` move forward so that every drawn date falls within its figures'
    validity: 0 for figures in force from FIRST_YEAR-01-01; for a region whose own valid_from is later (吉林 六（一）,
    浙江 三（二）: docs/parameters.md), up to its first whole natural year. Drawn years, persons (born relative to the
    year) and explicit examples (in_validity) all move alike, so a region starting on 2023-03-01 is drawn in
    2024–2028."""
    try:
        start = setting.rules.valid_from
    except PolicyError:
        return 0
    if start is None or start <= dt.date(FIRST_YEAR, 1, 1):
        return 0
    return start.year - FIRST_YEAR + (0 if (start.month, start.day) == (1, 1) else 1)


def first_year(setting: Setting) -> int:
    """The first natural year drawn under `setting` (year_offset)."""
    return FIRST_YEAR + year_offset(setting)


def last_year(setting: Setting) -> int:
    """The last natural year drawn under `setting` (year_offset)."""
    return LAST_YEAR + year_offset(setting)


def _moved(d: dt.date | None, years: int) -> dt.date | None:
    if d is None or not years:
        return d
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February into a common year
        return d.replace(year=d.year + years, day=28)


def _moved_period(p: Any, years: int) -> Any:
    return None if p is None else replace(p, begin=_moved(p.begin, years), end=_moved(p.end, years))


def in_validity(py: "PersonYear") -> "PersonYear":
    """An explicit example written for FIRST_YEAR moved by its setting's year_offset: every date (visits, birth,
    retirement, benefit period, hospital stays) by the same whole years, so its working is unchanged."""
    k = year_offset(py.setting)
    if not k:
        return py
    p = py.person
    person = replace(p, birth_date=_moved(p.birth_date, k), retire_date=_moved(p.retire_date, k),
                     benefit_period=_moved_period(p.benefit_period, k),
                     hospital_stays=tuple(_moved_period(h, k) for h in p.hospital_stays))
    return replace(py, person=person, settlements=tuple(replace(s, date=_moved(s.date, k)) for s in py.settlements))


# The keys a visit at a pharmacy reads its ratio from (a retiree's may be the in-service one plus a tilt).
PHARMACY_RATIO_KEYS = frozenset({"ordinary.ratio.pharmacy", "ordinary.ratio.in_service.pharmacy",
                                 "ordinary.ratio.retiree.pharmacy"})


@lru_cache(maxsize=None)
def pharmacy_open(setting: Setting) -> str | None:
    """The pharmacy ratio `setting`'s region must supply and does not (南昌 四（四）covers pharmacies and names no ratio:
    A-NC-PHARMACY), or None. Where one is named, no visit at a pharmacy is drawn — ordinary or chronic (whose part
    above a cap may go on to ordinary pooling there): the rules do not determine it, and a refusal would be the
    region's gap, not a finding. A region that may leave pharmacies out (吉林 一, an optional ratio) has its
    pharmacy visits drawn: there the rules say the fund pays nothing."""
    rules = setting.rules
    if any(rules.find(k) is not None for k in PHARMACY_RATIO_KEYS):
        return None
    for key in sorted(PHARMACY_RATIO_KEYS):
        req = rules.policy.requirement_for(key)
        if req is not None and not req.optional:
            return key
    return None


@lru_cache(maxsize=None)
def chronic_open(setting: Setting) -> str | None:
    """The flag saying what follows a chronic cap that `setting`'s region must supply and does not (南昌 四（二）2 is
    silent: A-NC-CHRONIC-OVERFLOW), or None. Where one is named no registered disease is drawn: a chronic visit's
    payment the cap cuts would be refused for the region's gap, and which visit reaches the cap no draw knows."""
    rules = setting.rules
    key = "chronic.overflow_to_ordinary"
    req = rules.policy.requirement_for(key)
    return key if req is not None and not req.optional and rules.find(key) is None else None


def _credit_only(pattern: str) -> bool:
    """A parameter only a monthly account credit reads (account.*): a region without it (浙江 A-ZJ-ACCOUNT-METHOD: a
    city whose crediting method the configuration cannot express) still has its settlements drawn, not its credits."""
    return pattern.startswith("account.")


@lru_cache(maxsize=None)
def credit_gaps(setting: Setting) -> tuple[str, ...]:
    """The must-be-supplied account parameters `setting` lacks: no credit is drawn under it (credit_settings)."""
    try:
        rules = setting.rules
    except PolicyError as e:
        return (f"{INVALID_PREFIX}{e}",)
    return tuple(req.pattern for req in rules.policy.requirements
                 if _credit_only(req.pattern) and not req.optional and "<" not in req.pattern
                 and rules.find(req.pattern) is None)


@lru_cache(maxsize=None)
def credit_settings(policy: str) -> tuple[Setting, ...]:
    """The settings whose monthly credits the rules determine: settings_for less those lacking an account parameter."""
    return tuple(s for s in settings_for(policy) if not credit_gaps(s))


def credits_drawn(setting: Setting) -> bool:
    """Whether a credit may be drawn under `setting` (the stateful ledger's credit step)."""
    return not credit_gaps(setting)


@lru_cache(maxsize=None)
def _candidate_settings(policy: str) -> tuple[Setting, ...]:
    if policy in _CHOSEN:  # conform run --region: exactly the region's published figures
        return tuple(Setting(policy, r) for r in _CHOSEN[policy])
    regions = example_regions().get(policy) or (None,)
    out = [Setting(policy, r) for r in regions]
    regions = tuple(r for r in regions if r is None or _binds(policy, r))  # nothing derived from an invalid file
    if policy == "panzhihua":
        out += [Setting(policy, r, (("ordinary.ratio.remote_unfiled", REMOTE_UNFILED_RATIO),)) for r in regions]
    pharmacy = load_policy(policy).requirement_for("ordinary.ratio.pharmacy")
    if pharmacy is not None and pharmacy.optional:
        # 吉林 一: pharmacy cover is the region's choice; a region that has not taken it up pays no purchase
        # there, ordinary or chronic (A-JL-PHARMACY-CHRONIC): each example region also without its pharmacy ratio.
        out += [s for s in (_inline(policy, r, drop="ordinary.ratio.pharmacy") for r in regions if r) if s]
    if policy == "zhejiang":
        out += [s for s in (_half_fen_setting(r) for r in regions if r is not None) if s is not None]
    if policy == "jilin":
        # the example's inpatient cap (150000) is out of reach of a drawn year: also with a cap a few visits
        # reach, so the cap shared by special diseases, emergency and day surgery (二（四）–（六）) is checked
        out += [Setting(policy, r, (("inpatient.cap", LOW_INPATIENT_CAP),)) for r in regions if r is not None]
    if policy in OTHER_CHOICES:
        # what the text leaves to the region and the example region answers one way (南昌 四（四）'s pharmacy ratio,
        # A-NC-PHARMACY; 四（二）2's transfer past a chronic cap, A-NC-CHRONIC-OVERFLOW): each example region also
        # answering it another way
        out += [Setting(policy, r, OTHER_CHOICES[policy]) for r in regions if r is not None]
    if policy in ROLE_FIGURES:
        # figures a region may give each person type of its own (吉林 二（二）、二（三）; 浙江 二（一）; 攀枝花 第十条;
        # 南昌 四（二）2): each example region also with a retiree's differing from an in-service person's
        out += [Setting(policy, r, ROLE_FIGURES[policy]) for r in regions if r is not None]
    return tuple(out)


# Fictitious person-type figures inside each article's bounds (s10 rtext D1, D2, D4): the example regions give one
# figure for both person types; a region may give each its own. The per-disease ones name the example's diseases.
ROLE_FIGURES: dict[str, tuple[tuple[str, str], ...]] = {
    "jilin": (("chronic.ratio.in_service", "0.60"), ("chronic.ratio.retiree", "0.70"),   # 二（三）60% / 70%
              ("ordinary.cap.retiree", "1900"), ("ordinary.deductible.retiree", "120")),  # 二（二）≤ 2000 / ≤ 300
    "zhejiang": (("ordinary.cap.retiree", "2600"),),                                      # 二（一）合理确定
    "panzhihua": (("chronic.M00500.ratio.retiree", "0.90"), ("chronic.M03900.ratio.in_service", "0.55")),
    "nanchang": (("chronic.M00500.ratio.in_service", "0.82"), ("chronic.M03900.ratio.retiree", "0.95")),  # 80%–98%
}


# Fictitious other answers to what a text leaves open and the example region answers one way (rtext Q1, Q2): 南昌's
# pharmacy ratio 50% beside the example's 58% (退休 55% beside 63%), and the costs past a chronic cap going on to
# ordinary pooling beside the example's not (A-NC-CHRONIC-OVERFLOW): both values of the flag are drawn.
OTHER_CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "nanchang": (("chronic.overflow_to_ordinary", "true"), ("ordinary.ratio.in_service.pharmacy", "0.50")),
}


def _binds(policy: str, region: str) -> bool:
    try:
        bind_cached(policy, region)
    except PolicyError:
        return False
    return True


# A jilin inpatient cap (元/年, fictitious) that generated emergency and special-disease visits reach.
LOW_INPATIENT_CAP = "5000"


def _inline(policy: str, region: str, drop: str, change: Callable[[dict[str, str]], None] | None = None
            ) -> Setting | None:
    """The example region as inline values (the case format can drop no key of a region file) without `drop`
    and as `change` alters them; None when the region does not load or does not give `drop`."""
    try:
        values = {str(k): str(v) for k, v in load_region_file(region).values.items()}
    except PolicyError:
        return None  # setting_gaps names it under the region itself
    if change is not None:
        change(values)
    if values.pop(drop, None) is None and change is None:
        return None
    return Setting(policy, None, tuple(sorted(values.items())))


def _odd_fen_in_service(values: dict[str, str]) -> None:
    """An in-service deductible of an odd number of fen (600 → 600.01), so its half has half a fen to round."""
    in_service = values.get("ordinary.deductible.in_service")
    if in_service is not None:
        fen_count = to_fen(Decimal(in_service))
        values["ordinary.deductible.in_service"] = str(fen(fen_count if fen_count % 2 else fen_count + 1))


def _half_fen_setting(region: str) -> Setting | None:
    """浙江 二（一）退休人员起付线减半执行: the example region without a restated retiree deductible (so it is the
    derived half) and with an odd-fen in-service one (A-ZJ-HALF-FEN: 600.01 → 300.01)."""
    return _inline("zhejiang", region, drop="ordinary.deductible.retiree", change=_odd_fen_in_service)


@lru_cache(maxsize=None)
def settings_for(policy: str) -> tuple[Setting, ...]:
    """Every setting drawn for a policy: each example region, plus 攀枝花 with the unfiled-remote ratio,
    less those with gaps (setting_gaps). Empty when no example region of the policy is complete."""
    return tuple(s for s in _candidate_settings(policy) if not setting_gaps(s))


@lru_cache(maxsize=None)
def skipped_settings(policy: str) -> tuple[tuple[Setting, tuple[str, ...]], ...]:
    """The example settings of a policy the properties leave out, each with its gaps."""
    return tuple((s, setting_gaps(s)) for s in _candidate_settings(policy) if setting_gaps(s))


def settings_strategy(policy: str | None = None, credits: bool = False) -> st.SearchStrategy[Setting]:
    """The settings drawn for `policy` (every policy when None); with `credits`, only those whose credits are
    determined (credit_settings)."""
    if credits:
        return st.sampled_from([s for p in ((policy,) if policy else POLICY_IDS) for s in credit_settings(p)])
    return _settings_strategy(policy)


@lru_cache(maxsize=None)
def settleable_diseases(setting: Setting) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(dise_codg, kinds) the bound rules can settle under med_type 14; empty where chronic benefits are not fixed."""
    rules = setting.rules
    policy = rules.policy
    kinds = DISEASE_KINDS.get(policy.id, ())
    if "chronic" not in policy.covers or not kinds or chronic_open(setting) is not None:
        return ()
    # the codes the region names in a per-disease key (chronic.M03900.cap), not a figure's own parts
    # (吉林 chronic.ratio.retiree names no disease "ratio")
    codes = sorted({k.split(".")[1] for k in rules.supplied if k.startswith("chronic.") and k.count(".") >= 2
                    and "<disease>" in getattr(policy.requirement_for(k), "pattern", "")})
    generic = rules.find("chronic.ratio") is not None and rules.find("chronic.cap") is not None
    shares = rules.flag("chronic.shares_ordinary_deductible")
    if generic:
        for code in (GENERIC_DISEASE, SECOND_GENERIC_DISEASE) if shares else (GENERIC_DISEASE,):
            if code not in codes:
                codes.append(code)
    named = region_disease_kinds(setting.region) if setting.region else {}
    # a kind paid along inpatient rules (吉林 二（四）特殊疾病) reads none of a disease's own chronic.<disease>.* figures
    reading = tuple(k for k in kinds if not (k == "special" and "special" in policy.covers)) or kinds
    out = []
    for code in codes:
        ratio = rules.find(f"chronic.{code}.ratio") or rules.find("chronic.ratio")
        cap = rules.find(f"chronic.{code}.cap") or rules.find("chronic.cap")
        dedc = shares or rules.find(f"chronic.{code}.deductible") or rules.find("chronic.deductible")
        if ratio is not None and cap is not None and dedc:
            out.append((code, disease_kinds(code, kinds, reading, named, own=code in own_codes(rules))))
    return tuple(out)


def own_codes(rules: Rules) -> frozenset[str]:
    """The disease codes the bound rules name in a per-disease key of their own (chronic.M00500.cap)."""
    policy = rules.policy
    return frozenset(k.split(".")[1] for k in rules.supplied if k.startswith("chronic.") and k.count(".") >= 2
                     and "<disease>" in getattr(policy.requirement_for(k), "pattern", ""))


def disease_kinds(code: str, kinds: tuple[str, ...], reading: tuple[str, ...], named: dict[str, str], *,
                  own: bool) -> tuple[str, ...]:
    """The kinds a code is registered as in the draws: the one its region file names for it (`named`), where the
    document provides for that kind; else, for a code with figures of its own, the kinds that read them (not a
    special disease paid along inpatient rules); else (a generic code, no figure of its own) every kind."""
    if named.get(code) in kinds:
        return (named[code],)
    return reading if own else kinds


# The words a region file's comments name a registered disease's kind with: the step library's own
# (steps/vocabulary.DISEASE_KIND_NAMES), longest first (“两病”门诊用药, 门诊慢特病, 门诊特殊疾病, 慢性病).
KIND_WORDS = (("两病", "two_disease"), ("特殊疾病", "special"), ("慢特病", "chronic"), ("慢性病", "chronic"))


def _kinds_named(text: str) -> set[str]:
    return {kind for word, kind in KIND_WORDS if word in text}


@lru_cache(maxsize=None)
def region_disease_kinds(region: str) -> dict[str, str]:
    """code → kind as a region file names it for its per-disease keys: the comment on a `chronic.<code>.…` line, else
    the comment line heading its group under `values:` (攀枝花's example: "# “两病”门诊用药：M03900 高血压" heads M03900's
    keys, "# 门诊慢特病：M00500" M00500's), where that comment names exactly one kind. A code the file names two kinds
    for, or none, is left out (disease_kinds then draws it as every kind its figures serve). Empty where the file
    cannot be read."""
    import re

    try:
        path = load_region_file(region).path
        with open(path or region, encoding="utf-8") as f:
            lines = f.read(MAX_REGION_BYTES).splitlines()
    except (PolicyError, OSError, ValueError, TypeError):
        return {}
    key = re.compile(r"\s*[\"']?chronic\.([^.\s\"':]+)\.[^:]*:\s*(.*)$")
    found: dict[str, set[str]] = {}
    heading: set[str] = set()
    in_values = False
    for line in lines:
        stripped = line.strip()
        if not in_values:
            in_values = stripped.startswith("values:")
            continue
        if line[:1] not in (" ", "\t", "#", "") and not stripped.startswith("#"):
            break  # the next top-level key: the values are over
        if stripped.startswith("#"):
            heading = _kinds_named(stripped)
            continue
        m = key.match(line)
        if m is None:
            continue
        comment = m.group(2).partition("#")[2]
        kinds = _kinds_named(comment) or heading
        if len(kinds) == 1:
            found.setdefault(m.group(1), set()).update(kinds)
    return {code: next(iter(k)) for code, k in found.items() if len(k) == 1}


@lru_cache(maxsize=None)
def _uses_person_fact(setting: Setting, fact: str) -> bool:
    """Whether the rules read an optional person attribute (others are left unset)."""
    policy = setting.rules.policy
    if fact in ("has_account", "benefit_period"):
        return "requires_account" in policy.eligibility          # 攀枝花 第七条
    if fact == "remote_filing":   # 攀枝花 第七条; 吉林 三 (filing decides whether the bills are settled online)
        return "remote_filing" in policy.eligibility or policy.doc.get("remote_settlement") is not None
    if fact == "hospital_stays":
        return setting.rules.flag("hospital_stay.no_outpatient_benefit")  # 吉林 六（三）
    return True


# Kinds of visit the system under test cannot be sent as it is configured (Adapter.unsendable: "remote", "exclusion"),
# set by the property runner for the run of one property (leave_out): none of them is drawn. A property that drew one
# was not applicable whole at that draw, and everything else it checks went unchecked (rvendor s11 D1: a platform
# test environment without a remote 就医地 left 12 of 浙江's 14 properties not applicable, and the run said 合格).
_LEFT_OUT: frozenset[str] = frozenset()


class leave_out:
    """`with leave_out({"remote", ...}):` draws no visit of those kinds inside (the digits they would read are still
    read, so the rest of a drawn visit is the same); the kinds left out before are restored after."""

    def __init__(self, kinds: Any):
        self.kinds = frozenset(kinds)
        self._before: frozenset[str] = frozenset()

    def __enter__(self) -> frozenset[str]:
        global _LEFT_OUT
        self._before, _LEFT_OUT = _LEFT_OUT, self.kinds
        return self.kinds

    def __exit__(self, *exc: object) -> None:
        global _LEFT_OUT
        _LEFT_OUT = self._before


def left_out() -> frozenset[str]:
    """The kinds of visit not drawn now (leave_out)."""
    return _LEFT_OUT


def remote_allowed(setting: Setting, person: Person) -> bool:
    """An out-of-town visit is determined unless the text needs a filing the person lacks (攀枝花 第七条), and drawn
    unless the system under test cannot be sent one (leave_out). Under 吉林 三 an unfiled person's bills 不能联网结算:
    a system may refuse their 2207 (the scenarios of 三 accept either answer), so only a filed person's is drawn."""
    if "remote" in _LEFT_OUT:
        return False
    policy = setting.rules.policy
    if "remote_filing" in policy.eligibility:
        return person.remote_filing or setting.rules.find("ordinary.ratio.remote_unfiled") is not None
    if policy.doc.get("remote_settlement") is not None:
        return person.remote_filing
    return True  # A-REMOTE-SAME


# --------------------------------------------------------------------------- small pieces
#
# Speed matters (thorough runs check thousands of person-years per property), and every
# Hypothesis draw costs tens of microseconds. So a person is a few draws and each settlement
# ONE 12-byte seed (a year's seeds come in one block), read as an integer and decoded digit by
# digit. Digits are read from the least significant end: the first fields read (amounts,
# facility) vary most, the last ones (an exclusion, an out-of-town visit, an unused account, a
# gap of days) are the rarest. Hypothesis shrinks bytes towards 0 from the most significant end:
# the rare features go first, then facility and med_type fall back to the first option, then the
# amount falls to a few fen — a shrunk settlement is the plainest visit that still fails.


class Digits:
    """Reads mixed-radix digits off a non-negative integer, least significant first."""

    __slots__ = ("n",)

    def __init__(self, n: int):
        self.n = n

    def take(self, base: int) -> int:
        self.n, d = divmod(self.n, base)
        return d

    def rare(self, one_in: int) -> bool:
        """True for one value in `one_in` (never for digit 0, so shrinking turns it off)."""
        return self.take(one_in) == one_in - 1

    def pick(self, options: tuple | list) -> Any:
        return options[self.take(len(options))] if len(options) > 1 else options[0]


SEED_BYTES = 12
# Uniform random bytes read as one big-endian integer: every digit is drawn evenly (Hypothesis's
# own integers favour small values, which would make nearly every visit the plainest one), and
# Hypothesis shrinks bytes left to right, i.e. the integer's most significant digits — the rare
# features — first.
_SEEDS = st.binary(min_size=SEED_BYTES, max_size=SEED_BYTES).map(lambda b: int.from_bytes(b, "big"))


@lru_cache(maxsize=None)
def amounts(max_fen: int = MAX_AMOUNT_FEN, min_fen: int = 1) -> st.SearchStrategy[Decimal]:
    """Amounts in yuan from min to max fen; small ones (the ones near deductibles and caps) are likelier."""
    small = min(max_fen, 3_000_00)
    return st.one_of(st.integers(min_fen, small), st.integers(min_fen, max_fen)).map(fen)


def _date(year: int, day_of_year: int) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=day_of_year)


def _days(year: int) -> int:
    return (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days


def _day_in(d: Digits, year: int) -> dt.date:
    return _date(year, d.take(366) % _days(year))


# --------------------------------------------------------------------------- persons


@lru_cache(maxsize=None)
def _psn_types(types: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from(types)


_BALANCES = st.one_of(st.none(), st.integers(0, 5_000_00))
# The raw draws, for stateful machines that decode persons and visits step by step.
SEEDS, BALANCES = _SEEDS, _BALANCES


def decode_person(setting: Setting, year: int, psn_type: str, traits: int, balance_fen: int | None,
                  psn_no: str = "P0001") -> Person:
    """A person from a traits integer; 0 is the plainest person of that type (see `Digits`)."""
    d = Digits(traits)
    flexible = psn_type in ("1103", "1203")
    retiree = psn_type in ("1201", "1203")
    age = (55 + d.take(41)) if retiree else (18 + d.take(47))
    birth = _date(year - age, d.take(365))
    tier = None
    if flexible:
        # 攀枝花 第四条/第七条 depend on the tier (A-PZH-FLEX-TIER2): always stated there.
        tier = (1, 2)[d.take(2)] if setting.policy == "panzhihua" else (None, 1, 2)[d.take(3)]
    diseases: list[Disease] = []
    options = settleable_diseases(setting)
    if options:
        count = d.take(3)
        pool = list(options)
        for _ in range(min(count, len(pool))):
            code, kinds = pool.pop(d.take(len(pool)))
            diseases.append(Disease(code, d.pick(kinds)))
    remote_filing = _uses_person_fact(setting, "remote_filing") and d.take(2) == 1
    retire_date = None
    if d.rare(5) and not retiree:
        retire_date = _day_in(d, year)  # A-MIDYEAR-RETIREMENT: retiring during the year settled
    has_account = None
    benefit_period = None
    if _uses_person_fact(setting, "has_account"):
        if d.rare(8):
            has_account = False
        if d.rare(6):
            begin = _day_in(d, year)
            benefit_period = Period(begin, begin + dt.timedelta(days=d.take(400)))
    stays: list[Period] = []
    if _uses_person_fact(setting, "hospital_stays"):
        for _ in range((0, 0, 0, 0, 0, 0, 1, 2)[d.take(8)]):
            begin = _day_in(d, year)
            stays.append(Period(begin, begin + dt.timedelta(days=d.take(21))))
    if not holds_account(setting, has_account, flexible, tier):
        balance_fen = None  # no account, so no balance to pay from (docs/connect-your-system.md)
    return Person(psn_no=psn_no, psn_type=psn_type, birth_date=birth, flex_tier=tier, has_account=has_account,
                  retire_date=retire_date, benefit_period=benefit_period, remote_filing=remote_filing,
                  acct_balance=fen(balance_fen) if balance_fen is not None else None, diseases=tuple(diseases),
                  hospital_stays=tuple(stays))


def holds_account(setting: Setting, has_account: bool | None, flexible: bool, tier: int | None) -> bool:
    """Whether the person has a personal account: not when stated so, nor a 攀枝花 tier-2 flexible
    worker (第四条 credits no account to them, A-PZH-FLEX-TIER2)."""
    if has_account is not None:
        return has_account
    return not (setting.policy == "panzhihua" and flexible and tier == 2)


def with_account(setting: Setting, person: Person) -> Person:
    """The same person as an account holder (for checks of account credits and uses)."""
    if holds_account(setting, person.has_account, person.is_flexible, person.flex_tier):
        return person
    return replace(person, has_account=None, flex_tier=1 if person.flex_tier == 2 else person.flex_tier)


@st.composite
def persons(draw: Any, setting: Setting, year: int, psn_no: str = "P0001",
            psn_types: tuple[str, ...] = PSN_TYPES) -> Person:
    """An insured person with the optional attributes the bound rules use, as of `year`."""
    return decode_person(setting, year, draw(_psn_types(psn_types)), draw(_SEEDS), draw(_BALANCES), psn_no)


# --------------------------------------------------------------------------- settlements


# How often each med_type is drawn, out of 10: ordinary visits and pharmacy purchases dominate.
MED_TYPE_WEIGHTS = {"11": 4, "41": 2, "14": 2, "13": 1, "28": 1}


@lru_cache(maxsize=None)
def _weighted(options: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(m for m in options for _ in range(MED_TYPE_WEIGHTS.get(m, 1)))


def med_type_options(person: Person, med_types: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The med_types a person's visit may have, each repeated by its weight: 14 only with a registered disease."""
    options = tuple(m for m in (med_types or ("11", "41", "14", "13", "28")) if m != "14" or person.diseases)
    return _weighted(options or ("11",))


def decode_settlement(setting: Setting, person: Person, seed: int, *, med_types: tuple[str, ...] | None = None,
                      max_fen: int = MAX_AMOUNT_FEN) -> tuple[dict, int]:
    """One visit's fields (all but id and date) and the gap in days since the previous visit."""
    fields, gap = _VisitDecoder(setting, person, med_types, max_fen).decode(seed)
    return dict(zip(_VISIT_FIELDS, fields, strict=True)), gap


_VISIT_FIELDS = ("med_type", "facility", "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt",
                 "dise_codg", "remote", "exclusion", "acct_used_flag")
_ZERO_FEN = Decimal(0).scaleb(-2)  # fen(0), shared: most visits have no 全自费, 超限价 or 先行自付


class _VisitDecoder:
    """Decodes the visits of one person-year (see `Digits` for the order the digits are read in).

    What depends only on the setting and the person (the med_types to pick from, the facilities
    of each registered disease, the exclusions, whether an out-of-town visit is determined) is
    worked out once per year rather than once per visit; each seed is then read with plain divmod."""

    __slots__ = ("options", "levels", "diseases", "remote_ok", "exclusions", "spans")

    def __init__(self, setting: Setting, person: Person, med_types: tuple[str, ...] | None, max_fen: int):
        self.options = med_type_options(person, med_types)
        covers_special = "special" in setting.rules.policy.covers if person.diseases else False
        # a facility level the system under test cannot be sent (leave_out "facility:<level>"): no visit there, unless
        # no hospital level is left (then every example is skipped by the runner, and the property is not applicable)
        levels = tuple(f for f in HOSPITAL_LEVELS if f"facility:{f}" not in _LEFT_OUT) or HOSPITAL_LEVELS
        self.levels = levels
        no_pharmacy = pharmacy_open(setting) is not None  # a pharmacy's ratio the region has not given
        no_pharmacy = no_pharmacy or "facility:pharmacy" in _LEFT_OUT
        if no_pharmacy and "41" in self.options:
            self.options = tuple(m for m in self.options if m != "41") or _weighted(("11",))
        # A special disease follows inpatient rules, which no document gives for pharmacies.
        self.diseases = tuple((d.dise_codg, levels if (d.kind == "special" and covers_special) or no_pharmacy
                               else levels + ("pharmacy",)) for d in person.diseases)
        self.remote_ok = remote_allowed(setting, person)
        self.exclusions = () if "exclusion" in _LEFT_OUT else _exclusions(setting.policy)
        # An amount in fen: mostly up to 3,000 yuan (around deductibles and caps), sometimes up to
        # 200, to the maximum or to 20,000 yuan
        self.spans = tuple(min(span, max_fen) for span in (3_000_00, 200_00, max_fen, 20_000_00))

    def decode(self, seed: int) -> tuple[tuple, int]:
        """(the fields in _VISIT_FIELDS order, the gap in days since the previous visit)."""
        n, value = divmod(seed, 10_000_000)
        n, bucket = divmod(n, 4)
        total = 1 + value % self.spans[bucket]
        options = self.options
        if len(options) > 1:
            n, i = divmod(n, len(options))
            med_type = options[i]
        else:
            med_type = options[0]
        n, level = divmod(n, 5)
        n, which = divmod(n, 4)   # always read, so the digits after them keep their place
        dise = None
        if med_type == "41":
            facility = "pharmacy"
        elif med_type == "14":
            dise, levels = self.diseases[which % len(self.diseases)]
            facility = levels[level % len(levels)]
        else:
            facility = self.levels[level % len(self.levels)]
        n, s0 = divmod(n, 1001)
        n, s1 = divmod(n, 1001)
        n, s2 = divmod(n, 1001)
        # 全自费, 超限价, 先行自付: each present one time in four, any part of what is left
        n, r = divmod(n, 4)
        p0 = total * s0 // 1000 if r == 3 else 0
        n, r = divmod(n, 4)
        p1 = (total - p0) * s1 // 1000 if r == 3 else 0
        n, r = divmod(n, 4)
        p2 = (total - p0 - p1) * s2 // 1000 if r == 3 else 0
        n, g = divmod(n, 64)
        n, r = divmod(n, 5)
        acct_used = r != 4
        n, r = divmod(n, 6)
        remote = r == 5 and self.remote_ok
        exclusion = None
        exclusions = self.exclusions
        if exclusions:
            n, kind = divmod(n, len(exclusions))
            if n % 10 == 9:
                exclusion = exclusions[kind]
        return ((med_type, facility, Decimal(total).scaleb(-2), Decimal(p0).scaleb(-2) if p0 else _ZERO_FEN,
                 Decimal(p1).scaleb(-2) if p1 else _ZERO_FEN, Decimal(p2).scaleb(-2) if p2 else _ZERO_FEN,
                 dise, remote, exclusion, acct_used),
                g - 24 if g > 24 else 0)   # the gap: 0 (the same day) most often, up to 39 days


# Day offsets 0–63, made once (a visit's gap, or an eighth of it across 1 January).
_DAYS = tuple(dt.timedelta(days=i) for i in range(64))


@lru_cache(maxsize=None)
def _exclusions(policy: str) -> tuple[str, ...]:
    return tuple(sorted(load_policy(policy).exclusions))


# A year's visits are drawn as ONE block of random bytes after their count: exactly 12 bytes per
# visit (after whatever else the same draw carries, see `person_years`). A block of exact size is
# one choice and costs Hypothesis no per-byte "one more?" decision (a block of variable size costs a
# boolean per byte: most of a person-year's generation time when it was drawn that way). When the
# shrinker lowers the count, Hypothesis cuts the recorded block to the new size, keeping its start,
# so the last visits go cheaply; an all-zero 12 bytes means "no visit", so zeroing a visit's bytes
# (which the shrinker tries, byte by byte) deletes it from anywhere.
@lru_cache(maxsize=None)
def _block(n: int, before: int = 0) -> st.SearchStrategy[bytes]:
    """Exactly `before` bytes, then n visits' seeds."""
    return st.binary(min_size=before + SEED_BYTES * n, max_size=before + SEED_BYTES * n)


# The count is an integer from 0 to 255, drawn evenly (Hypothesis draws small bounded integers
# uniformly) and shrinking towards 0, i.e. one visit; `visit_count` shapes it. An integer rather
# than bytes also gives it a label of its own, so Hypothesis's mutator (which copies one draw over
# another of the same label) does not spend examples copying a count or header over the visits.
COUNT_LEVELS = 256
_COUNTS = st.integers(0, COUNT_LEVELS - 1)


def visit_count(level: int, min_size: int = 0, max_size: int = MAX_SETTLEMENTS) -> int:
    """How many visits a year has: a long tail from 1 to 40 — three years in four have four or fewer
    (most of them one), a few in a hundred more than 30 — and one year in thirty-three none; about
    five on average, as the years drawn before this encoding had. Fewer as `level` (0–255) shrinks."""
    u = level / COUNT_LEVELS
    n = 0 if u >= 0.97 else 1 + int((MAX_SETTLEMENTS - 1) * (u / 0.97) ** 7)
    return max(min_size, min(max_size, n))


def visit_seeds(block: bytes, n: int, offset: int = 0) -> list[int]:
    """The first n visits' seeds of a block, from `offset` on (all-zero ones left out)."""
    out = []
    for i in range(offset, offset + n * SEED_BYTES, SEED_BYTES):
        seed = int.from_bytes(block[i:i + SEED_BYTES], "big")
        if seed:
            out.append(seed)
    return out


def decode_settlements(setting: Setting, person: Person, year: int, frame: int, seeds: list[int], *,
                       first_id: int = 1, cross_year: bool | None = None, med_types: tuple[str, ...] | None = None,
                       max_fen: int = MAX_AMOUNT_FEN) -> tuple[Settlement, ...]:
    """Settlements in date order from a frame integer (start day, December crossing) and one seed per visit."""
    if not seeds:
        return ()
    f = Digits(frame)
    start_day = f.take(366)
    crossing = f.rare(6) if cross_year is None else cross_year
    crossing = crossing and year < last_year(setting)
    if crossing:  # from December across 1 January into the next natural year
        date = dt.date(year, 12, 1) + dt.timedelta(days=start_day % 31)
        last = dt.date(year + 1, 12, 31)
    else:
        date = _date(year, start_day % _days(year))
        last = dt.date(year, 12, 31)
    out = []
    decode = _VisitDecoder(setting, person, med_types, max_fen).decode
    days = _DAYS
    for i, seed in enumerate(seeds):
        fields, gap = decode(seed)
        if i and gap:
            date = date + days[gap // 8 if crossing else gap]
            if date > last:
                date = last
        out.append(Settlement(f"V{first_id + i}", date, *fields))
    return tuple(out)


@st.composite
def visits(draw: Any, setting: Setting, person: Person, date: dt.date, sid: str, *,
           med_types: tuple[str, ...] | None = None, max_fen: int = MAX_AMOUNT_FEN) -> Settlement:
    """One visit of a person on a given date."""
    fields, _gap = _VisitDecoder(setting, person, med_types, max_fen).decode(draw(_SEEDS))
    return Settlement(sid, date, *fields)


@st.composite
def settlements(draw: Any, setting: Setting, person: Person, year: int, *, min_size: int = 0,
                max_size: int = MAX_SETTLEMENTS, first_id: int = 1, cross_year: bool | None = None,
                med_types: tuple[str, ...] | None = None, max_fen: int = MAX_AMOUNT_FEN) -> tuple[Settlement, ...]:
    """A natural year's settlements of one person, in date order, ids V<first_id>…

    Several fall on the same day; some years (a few in a hundred) run from December across 1 January."""
    n = visit_count(draw(_COUNTS), min_size, max_size)
    block = draw(_block(n, FRAME_BYTES))  # the frame, then the visits
    frame = int.from_bytes(block[:FRAME_BYTES], "big")
    seeds = visit_seeds(block, n, FRAME_BYTES)
    seeds += [1] * (min_size - len(seeds))  # only when the shrinker zeroed visits a minimum needs
    return decode_settlements(setting, person, year, frame, seeds, first_id=first_id, cross_year=cross_year,
                              med_types=med_types, max_fen=max_fen)


# --------------------------------------------------------------------------- person-years


@dataclass(frozen=True)
class PersonYear:
    """One insured person under one setting and the settlements of (about) one natural year."""

    setting: Setting
    person: Person
    settlements: tuple[Settlement, ...] = ()
    # (reversed id, after id): a 2208 of the first settlement made right after the second is settled (the differential
    # draws them, `with_reversals`); no other property's years carry any
    reversals: tuple[tuple[str, str], ...] = ()

    @property
    def policy(self) -> str:
        return self.setting.policy

    @property
    def years(self) -> list[int]:
        return sorted({s.date.year for s in self.settlements})

    def with_person(self, **changes: Any) -> "PersonYear":
        return replace(self, person=replace(self.person, **changes))

    def case(self) -> dict:
        """The case-file form (`conform settle`), for reproducing an example by hand."""
        return case_dict(self.setting, self.person, self.settlements)


def case_dict(setting: Setting, person: Person, items: tuple = (), credits: tuple[CreditRequest, ...] = (),
              uses: tuple[UseRequest, ...] = ()) -> dict:
    from conform.reference.money import fmt

    p: dict[str, Any] = {"psn_no": person.psn_no, "psn_type": person.psn_type}
    if person.birth_date:
        p["birth_date"] = person.birth_date.isoformat()
    if person.flex_tier is not None:
        p["flex_tier"] = person.flex_tier
    if person.has_account is not None:
        p["has_account"] = person.has_account
    if person.retire_date:
        p["retire_date"] = person.retire_date.isoformat()
    if person.benefit_period:
        p["benefit_period"] = {"begin": person.benefit_period.begin.isoformat(),
                               "end": person.benefit_period.end.isoformat()}
    if person.remote_filing:
        p["remote_filing"] = True
    if person.acct_balance is not None:
        p["acct_balance"] = fmt(person.acct_balance)
    if person.diseases:
        p["chronic_diseases"] = [{"dise_codg": d.dise_codg, "kind": d.kind} for d in person.diseases]
    if person.hospital_stays:
        p["hospital_stays"] = [{"begin": s.begin.isoformat(), "end": s.end.isoformat()} for s in person.hospital_stays]
    rows = []
    for s in items:
        if isinstance(s, Settlement):
            row: dict[str, Any] = {"id": s.id, "date": s.date.isoformat(), "med_type": s.med_type,
                                   "facility": s.facility, "medfee_sumamt": fmt(s.medfee_sumamt)}
            for name in ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt"):
                if getattr(s, name):
                    row[name] = fmt(getattr(s, name))
            if s.dise_codg:
                row["dise_codg"] = s.dise_codg
            if s.remote:
                row["remote"] = True
            if s.exclusion:
                row["exclusion"] = s.exclusion
            if not s.acct_used_flag:
                row["acct_used_flag"] = False
            rows.append(row)
        else:
            rows.append({"id": s.id, "date": s.date.isoformat(), "reverses": s.reverses})
    out: dict[str, Any] = {"policy": setting.policy}
    if setting.region:
        out["region"] = setting.region
    if setting.params:
        out["params"] = dict(setting.params)
    out["person"] = p
    out["settlements"] = rows
    if credits:
        out["account_credits"] = [{"month": c.month, **({"base": fmt(c.base)} if c.base is not None else {}),
                                   **({"contribution": fmt(c.contribution)} if c.contribution is not None else {})}
                                  for c in credits]
    if uses:
        out["account_uses"] = [{"id": u.id, "relation": u.relation, "purpose": u.purpose,
                                **({"amount": fmt(u.amount)} if u.amount is not None else {})} for u in uses]
    return out


@lru_cache(maxsize=None)
def _settings_strategy(policy: str | None) -> st.SearchStrategy[Setting]:
    policies = (policy,) if policy else POLICY_IDS
    return st.sampled_from([s for p in policies for s in settings_for(p)])


_LATER_YEARS = st.integers(FIRST_YEAR + 1, LAST_YEAR)


# A person-year is two draws: the number of visits (`_COUNTS`), then one block of bytes read left to
# right as the shrinker simplifies it: the setting, the year, the person type, the person's traits
# (12 bytes), the visits' frame (2: a start day and whether the year runs from December across
# 1 January), the balance (3), then 12 bytes per visit (`_block`).
FRAME_BYTES = 2
HEADER_BYTES = 3 + SEED_BYTES + FRAME_BYTES + 3


def _balance(raw: bytes) -> int | None:
    """No account balance for the lower half of the values (so shrinking removes it), else 0–5,000 yuan in fen."""
    v = int.from_bytes(raw, "big")
    return None if v < 1 << 23 else (v - (1 << 23)) % 5_000_01


@lru_cache(maxsize=None)
def _settings_list(policy: str | None) -> tuple[Setting, ...]:
    return tuple(s for p in ((policy,) if policy else POLICY_IDS) for s in settings_for(p))


@st.composite
def person_years(draw: Any, policy: str | None = None, *, min_settlements: int = 0,
                 max_settlements: int = MAX_SETTLEMENTS, year: int | None = None, cross_year: bool | None = None,
                 psn_types: tuple[str, ...] = PSN_TYPES, med_types: tuple[str, ...] | None = None,
                 setting: Setting | None = None) -> PersonYear:
    """A person and a natural year of 0–40 settlements under one policy's example settings.

    Two draws (the visits' count, and one block with the person's header and the visits), for
    speed; see `HEADER_BYTES` and `_block`."""
    n = visit_count(draw(_COUNTS), min_settlements, max_settlements)
    return _YearDecoder(policy, min_settlements, year, cross_year, psn_types, med_types, setting)(
        draw(_block(n, HEADER_BYTES)), n)


@dataclass(frozen=True)
class _YearDecoder:
    """Reads a person-year off its block (see `HEADER_BYTES`) of n visits."""

    policy: str | None
    min_settlements: int = 0
    year: int | None = None
    cross_year: bool | None = None
    psn_types: tuple[str, ...] = PSN_TYPES
    med_types: tuple[str, ...] | None = None
    setting: Setting | None = None

    def __call__(self, h: bytes, n: int) -> PersonYear:
        choices = _settings_list(self.policy)
        setting = self.setting or choices[h[0] % len(choices)]
        # a year of FIRST_YEAR–LAST_YEAR, moved into the setting's validity (year_offset)
        y = self.year if self.year is not None else FIRST_YEAR + h[1] % (LAST_YEAR - FIRST_YEAR)
        y += year_offset(setting)
        psn_type = self.psn_types[h[2] % len(self.psn_types)]
        traits = int.from_bytes(h[3:3 + SEED_BYTES], "big")
        frame = int.from_bytes(h[3 + SEED_BYTES:3 + SEED_BYTES + FRAME_BYTES], "big")
        person = decode_person(setting, y, psn_type, traits, _balance(h[3 + SEED_BYTES + FRAME_BYTES:HEADER_BYTES]))
        seeds = visit_seeds(h, n, HEADER_BYTES)
        seeds += [1] * (self.min_settlements - len(seeds))  # only when the shrinker zeroed visits a minimum needs
        items = decode_settlements(setting, person, y, frame, seeds, cross_year=self.cross_year,
                                   med_types=self.med_types)
        return PersonYear(setting, person, items)


@st.composite
def _year_batch(draw: Any, policy: str | None, size: int) -> list[PersonYear]:
    k = draw(st.integers(1, size))
    levels = draw(st.binary(min_size=k, max_size=k))   # each byte a year's count level, as `_COUNTS`
    decode = _YearDecoder(policy)
    out = []
    for level in levels:
        n = visit_count(level)
        out.append(decode(draw(_block(n, HEADER_BYTES)), n))
    return out


@lru_cache(maxsize=None)
def person_year_batches(policy: str | None, size: int) -> st.SearchStrategy[list[PersonYear]]:
    """1 to `size` person-years as `person_years(policy)` draws them, for runs that check many
    (conform/harness/properties/runner.batched). Cheaper per person-year than a list of `person_years`:
    the number of years, then all their visit counts as one block of bytes, then one block per year,
    so a year costs Hypothesis one choice. Shrinking lowers the number of years (dropping the last
    ones: Hypothesis cuts the recorded counts to the new length), lowers a year's count (cutting its
    block) and simplifies the bytes as for one year. Wrapped as the only item of a unique list:
    Hypothesis's mutator, which copies one draw over another of the same label (here: one year's
    bytes over another's), leaves the spans inside a unique collection alone."""
    return st.lists(_year_batch(policy, size), min_size=1, max_size=1, unique_by=id).map(_only)


def _only(items: list) -> Any:
    return items[0]


# --------------------------------------------------------------------------- years shaped around the fen
#
# A defect that only shows where a figure falls between two fen (a running total rounded instead of
# each settlement, a deductible or cap remainder kept in whole yuan) agrees with the rules on most
# random years. These years make those places common rather than lucky: the deductible is left a
# few fen short, runs of paid visits have exact payments off the fen grid, one visit may bring the
# cap within a yuan, and an in-service person may retire between two visits (A-MIDYEAR-RETIREMENT).


def _ordinary_figures(rules: Rules, role: str, facility: str) -> tuple[Decimal, Decimal, Decimal] | None:
    """(deductible, cap, ratio) of ordinary pooling for a person type at a facility, None if not covered."""
    from .properties import figures as fig

    ratio = fig.ordinary_ratio(rules, role, facility)
    if ratio is None or ratio == 0:
        return None
    return fig.deductible(rules, role), fig.cap(rules, role), ratio


def off_grid_amount(ratio: Decimal, visits: int = 6) -> Decimal:
    """A visit amount X (100 yuan and some fen) whose payments X × ratio, rounded each time, add up to
    something else than the rounded running total within `visits` visits (the first such fen)."""
    for b in range(1, 100):
        x = Decimal(100) + fen(b)
        exact = x * ratio
        each = exact.quantize(FEN, rounding=ROUND_HALF_UP)
        for k in range(2, visits + 1):
            if (exact * k).quantize(FEN, rounding=ROUND_HALF_UP) != each * k:
                return x
    return Decimal("100.01")


def fen_edge_person_year(setting: Setting, year: int, psn_type: str, facility: str, *, short_fen: int = 1,
                         run: int = 4, to_cap_fen: int | None = 50, retire_at: int | None = None,
                         pad_fen: int = 0, straddle: bool = False) -> PersonYear | None:
    """One shaped year (see above); None where the facility is not covered. Visits, a day apart:
    V1 deductible − short_fen fen; V2 short_fen fen + X; V3… X (off_grid_amount) `run` times in all;
    then, with to_cap_fen, one visit leaving to_cap_fen fen of the cap and one of 100 yuan."""
    rules = setting.rules
    person = decode_person(setting, year, psn_type, 0, None)
    figs = _ordinary_figures(rules, person.role_on(dt.date(year, 1, 1)), facility)
    if figs is None:
        return None
    deductible, cap, ratio = figs
    med_type = "41" if facility == "pharmacy" else "11"
    day = dt.date(year, 1, 2)
    amounts_ = [max(FEN, deductible - fen(short_fen))]
    if straddle:  # then one visit crossing what is left of the deductible and the whole cap at once
        amounts_ = [max(FEN, deductible - Decimal(100) - fen(short_fen)),
                    (cap / ratio + Decimal(200) + fen(pad_fen)).quantize(FEN, rounding=ROUND_HALF_UP)]
        run, to_cap_fen = 0, None
    x = off_grid_amount(ratio) + fen(pad_fen)
    if run:
        amounts_ += [x + fen(short_fen)] + [x] * max(0, run - 1)
    if to_cap_fen is not None:
        paid = sum(((a - (fen(short_fen) if i == 1 else 0)) * ratio).quantize(FEN, rounding=ROUND_HALF_UP)
                   for i, a in enumerate(amounts_) if i)
        target = cap - paid - fen(to_cap_fen)
        if target > 0:
            amounts_ += [(target / ratio).quantize(FEN, rounding=ROUND_HALF_UP), Decimal("100.00")]
    if retire_at is not None and not person.role_on(day) == "retiree":
        person = replace(person, retire_date=day + dt.timedelta(days=retire_at))
    items = tuple(Settlement(id=f"V{i + 1}", date=day + dt.timedelta(days=i), med_type=med_type, facility=facility,
                             medfee_sumamt=a) for i, a in enumerate(amounts_))
    return PersonYear(setting, person, items)


@st.composite
def fen_edge_years(draw: Any, policy: str | None = None) -> PersonYear:
    """A year shaped around fen boundaries (deductible, runs of off-grid payments, cap), drawn per policy."""
    choices = _settings_list(policy)
    setting = choices[draw(st.integers(0, len(choices) - 1))]
    year = draw(st.integers(FIRST_YEAR, LAST_YEAR)) + year_offset(setting)
    psn_type = draw(st.sampled_from(("1101", "1201", "1103", "1203")))
    facility = draw(st.sampled_from(HOSPITAL_LEVELS + ("pharmacy",)))
    py = fen_edge_person_year(setting, year, psn_type, facility, short_fen=draw(st.integers(0, 150)),
                              run=draw(st.integers(2, 7)),
                              to_cap_fen=draw(st.one_of(st.none(), st.integers(1, 150))),
                              retire_at=draw(st.one_of(st.none(), st.integers(1, 8))), pad_fen=draw(st.integers(0, 99)),
                              straddle=draw(st.integers(0, 3)) == 3)
    if py is None:  # a pharmacy the region leaves out: the plainest hospital instead
        py = fen_edge_person_year(setting, year, psn_type, "tertiary")
    assert py is not None
    return py


@dataclass(frozen=True)
class TwoYears:
    """The same person's settlements in two consecutive natural years."""

    setting: Setting
    person: Person
    previous: tuple[Settlement, ...]
    current: tuple[Settlement, ...]

    @property
    def year(self) -> int:
        return self.current[0].date.year if self.current else 0


@st.composite
def two_years(draw: Any, policy: str | None = None, max_settlements: int = 20) -> TwoYears:
    """Year Y−1 then year Y for one person (dates never cross the boundary within a part)."""
    setting = draw(settings_strategy(policy))
    y = draw(_LATER_YEARS) + year_offset(setting)
    person = draw(persons(setting, y - 1))
    prev = draw(settlements(setting, person, y - 1, max_size=max_settlements, cross_year=False))
    cur = draw(settlements(setting, person, y, min_size=1, max_size=max_settlements, cross_year=False,
                           first_id=len(prev) + 1))
    return TwoYears(setting, person, prev, cur)


# --------------------------------------------------------------------------- personal accounts


def credit_input(rules: Rules, person: Person, month: str) -> str | None:
    """Which figure a month's credit is computed from: 'base', 'contribution' or None (a fixed amount).

    攀枝花 第四条: in-service from the whole personal contribution, tier-1 flexible workers from 2% of
    the base; 南昌 四（三）1, 北京 (三), 浙江 二（三）: in-service from the base; retirees a fixed sum."""
    day = dt.date(int(month[:4]), int(month[5:7]), 1)
    if person.role_on(day) == "retiree":
        return None
    if person.is_flexible and rules.policy.id == "panzhihua":
        return "base" if person.flex_tier == 1 else None
    if rules.find("account.in_service.share_of_contribution") is not None:
        return "contribution"
    return "base"


@lru_cache(maxsize=None)
def months(first: int = FIRST_YEAR, last: int = LAST_YEAR) -> st.SearchStrategy[str]:
    return st.tuples(st.integers(first, last), st.integers(1, 12)).map(lambda ym: f"{ym[0]:04d}-{ym[1]:02d}")


@st.composite
def credit_requests(draw: Any, rules: Rules, person: Person, month: str | None = None) -> CreditRequest:
    """A month's credit request carrying exactly the figure the document computes it from."""
    month = month or draw(months())
    kind = credit_input(rules, person, month)
    if kind == "base":
        # 缴费基数: a monthly wage base (fictitious range), in fen.
        return CreditRequest(month, base=draw(amounts(40_000_00, 1_000_00)))
    if kind == "contribution":
        return CreditRequest(month, contribution=draw(amounts(2_000_00, 1)))
    return CreditRequest(month)


@st.composite
def account_uses(draw: Any, rules: Rules, n_max: int = 6) -> tuple[UseRequest, ...]:
    """Account-use requests: every relation and purpose, with or without an amount."""
    from conform.reference.case import PURPOSES, RELATIONS

    out = []
    for i in range(draw(st.integers(1, n_max))):
        amount = draw(st.one_of(st.none(), amounts(3_000_00)))
        out.append(UseRequest(f"U{i + 1}", draw(st.sampled_from(sorted(RELATIONS))),
                              draw(st.sampled_from(sorted(PURPOSES))), amount))
    return tuple(out)


def policies_with(cover: str) -> tuple[str, ...]:
    """Policies whose document covers an area (account_credit, account_use, chronic…)."""
    return tuple(p for p in POLICY_IDS if cover in load_policy(p).covers)


__all__ = ["BALANCES", "SEEDS", "PersonYear", "Setting", "TwoYears", "account_uses", "amounts", "case_dict",
           "fen_edge_person_year", "fen_edge_years", "holds_account", "off_grid_amount", "with_account",
           "credit_input", "credit_requests", "decode_person", "decode_settlement", "decode_settlements",
           "example_regions", "med_type_options", "months", "person_year_batches", "person_years", "persons", "policies_with",
           "remote_allowed", "setting_gaps", "settings_for", "settings_strategy", "settleable_diseases", "settlements",
           "skipped_settings", "two_years", "visits", "broken_regions", "choose_regions", "chosen_regions",
           "clear_caches", "INVALID_PREFIX", "credit_gaps", "credit_settings", "credits_drawn", "pharmacy_open", "chronic_open",
           "leave_out", "left_out"]


# --------------------------------------------------------------------------- reversals within a drawn year

# A year's reversals (2208) for the differential: up to REVERSALS_DRAWN, each three bytes (whether, which visit, how many
# visits later), drawn after the year. All-zero bytes are no reversal, so shrinking takes them away first.
REVERSALS_DRAWN = 2
_REVERSAL_BYTES = st.binary(min_size=3 * REVERSALS_DRAWN, max_size=3 * REVERSALS_DRAWN)


def with_reversals(py: PersonYear, raw: bytes) -> PersonYear:
    """`py` with the reversals `raw` reads (three bytes each): one time in four a visit is reversed, right after it
    is settled or after one of the visits that follow it — then it is not the year's latest settlement, and every
    later visit is settled with its part taken back (A-REVERSAL), which the reference computes and the differential
    compares figure by figure. A visit is reversed once at most."""
    n = len(py.settlements)
    out: list[tuple[str, str]] = []
    for k in range(0, len(raw) - 2, 3):
        a, b, c = raw[k], raw[k + 1], raw[k + 2]
        if not n or a % 4 != 3:
            continue
        i = b % (n - 1) if n > 1 else 0  # never the year's last visit where there are more: some come after it
        j = i + c % (n - i)
        sid = py.settlements[i].id
        if all(sid != x for x, _ in out):
            out.append((sid, py.settlements[j].id))
    return replace(py, reversals=tuple(out)) if out else py


@lru_cache(maxsize=None)
def years_with_reversals(policy: str | None = None) -> st.SearchStrategy[PersonYear]:
    """`person_years(policy)`, some of whose visits are reversed after later ones (`with_reversals`)."""
    return st.tuples(person_years(policy), _REVERSAL_BYTES).map(lambda t: with_reversals(*t))


@lru_cache(maxsize=None)
def year_batches_with_reversals(policy: str | None, size: int) -> st.SearchStrategy[list[PersonYear]]:
    """`person_year_batches(policy, size)` with reversals drawn for each year (`with_reversals`), in one block after
    the years."""
    def read(t: tuple[list[PersonYear], bytes]) -> list[PersonYear]:
        years, raw = t
        step = 3 * REVERSALS_DRAWN
        return [with_reversals(py, raw[i * step:(i + 1) * step]) for i, py in enumerate(years)]
    block = st.binary(min_size=3 * REVERSALS_DRAWN * size, max_size=3 * REVERSALS_DRAWN * size)
    return st.tuples(person_year_batches(policy, size), block).map(read)


def lacking_required(regions: tuple[str, ...]) -> list[str]:
    """Each real region file (not `example: true`) that leaves out a value its document requires of a region, one
    line naming the file, the keys and their clauses: refused before any check (`conform run --region`, the
    plugin's --conform-region). The draws leave out what such a value would settle (a pharmacy visit without ordinary.ratio.pharmacy), so the run would certify 合格 for less than the
    text covers, or give no verdict after every check. An example region's gaps are the draws' own design (攀枝花's
    unfiled out-of-town ratio, drawn only where supplied) and it runs as without --region. Account figures are not
    demanded: without them the credits' checks say so and are not applicable, the settlements still checked
    (浙江 A-ZJ-ACCOUNT-METHOD: a crediting method the configuration cannot write)."""
    from conform.reference.policy import check_region, missing_required_message

    out = []
    for ref in dict.fromkeys(regions):
        check = check_region(ref)
        if check.region is None or check.region.example:
            continue
        message = missing_required_message(check, [k for k in check.missing_required if not _credit_only(k)])
        if message:
            out.append(message)
    return out
