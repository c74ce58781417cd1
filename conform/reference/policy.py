"""The five documents as cited data, and region configurations bound to them.

A `Policy` is one document: its parameters (each with article, quoted phrase,
unit and validity), the values it leaves to someone else (`Requirement`), and
the assumptions the engine makes where it is silent. `Rules` binds a policy to
a region configuration and is what the engine asks for values: a value the text
leaves open and nobody supplied raises `MissingParameter`, naming the article.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from collections.abc import Callable
from typing import Any

import yaml

from ..files import special_kind
from .loading import (
    DuplicateKeyError,
    InputError,
    UniqueSafeLoader,
    decode_utf8,
    duplicate_key_message,
    key_lines,
    load_yaml,
)
from .money import AmountError, parse_amount, parse_ratio, pct, round_fen
from .trace import join_cites

POLICY_DIR = Path(__file__).parent / "policies"  # packaged with reference/, in a clone or a wheel
POLICY_IDS = ("panzhihua", "nanchang", "jilin", "beijing", "zhejiang")


class PolicyError(ValueError):
    """A problem with a policy, a region configuration or a value they should supply."""


class MissingParameter(PolicyError):
    """A value the text leaves to another authority, needed now and not supplied."""

    def __init__(self, key: str, requirement: "Requirement | None", policy: "Policy", region_file: str | None = None):
        self.key = key
        self.source = leaves_to_region(requirement, policy)  # the article that leaves the value to a region
        # the reading that has the tool refuse rather than guess where the value is missing (攀枝花
        # A-PZH-REMOTE-UNFILED: no ratio for an unfiled person outside the city), where the requirement names one:
        # a check expecting the refusal rests on it (harness World.refusal_readings)
        self.reading = requirement.assumption if requirement is not None else None
        # the file the value is missing from, where one was bound (two files may say one name)
        in_file = f"the region file {region_file}" if region_file else "the region file"
        super().__init__(
            f"parameter {key} must be supplied by a region configuration ({self.source}); "
            f"add it under `values:` in {in_file} or the case's `params`"
        )


def leaves_to_region(requirement: "Requirement | None", policy: "Policy") -> str:
    """The clause that leaves a value to a region, with its words (浙江 二（一）“…”): how every refusal for a
    missing value names it (MissingParameter in settle and audit, missing_required_message in run)."""
    if requirement is None:
        return policy.short
    return f"{requirement.cite}“{requirement.quote}”"


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    label: str
    heading: str
    text: str


# How a report cites an assumption of common.yaml: a decision none of the five documents makes.
COMMON_CITE = "通用（各文件均未另作规定；conform/reference/policies/common.yaml）"


@dataclass(frozen=True, slots=True)
class Assumption:
    id: str
    text: str
    why: str


@dataclass(frozen=True, slots=True)
class Parameter:
    """One figure with its provenance; `source` says who fixed it (document, region, derived)."""

    key: str
    value: Any
    unit: str
    article: str
    quote: str
    cite: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    source: str = "document"
    assumption: str | None = None
    # A region figure's own citation ("地区配置 huzhou（湖医保发〔2022〕99号 第七条 “…”）"), also inside `cite`: kept apart
    # for a step that cites another article for the figure and must still say where the number came from.
    region_cite: str = ""


@dataclass(frozen=True, slots=True)
class Requirement:
    """A value the document leaves to a region; `constraint` is the ceiling or rule it must meet."""

    pattern: str
    unit: str
    article: str
    quote: str
    why: str
    cite: str
    constraint: dict = field(default_factory=dict)
    optional: bool = False
    assumption: str | None = None  # the assumption that says why the region must supply it, if any

    def matches(self, key: str) -> bool:
        return _pattern_re(self.pattern).fullmatch(key) is not None


@dataclass(frozen=True, slots=True)
class AccountUseRule:
    purpose: str
    decision: str  # allowed | refused | undetermined
    relations: tuple[str, ...]
    article: str
    quote: str
    cite: str
    why: str = ""
    condition: str = ""
    assumption: str | None = None  # the named reading the rule rests on: cited with every decision it gives
    # The decision for a relation `relations` does not list: refused where the text names whom the use is
    # for; undetermined where it names no one (北京（四）购买商业健康保险产品), `why` saying so.
    others: str = "refused"
    # An undetermined use's reason in Chinese, where the text says something about the use (北京（四）“探索”) and
    # the generic "文件未写明…可否使用个人账户" would misstate it.
    reason: str = ""


@lru_cache(maxsize=None)
def _pattern_re(pattern: str) -> re.Pattern:
    """A requirement's key pattern: `<facility>` is one of the five facility codes (a region's
    ordinary.ratio.in_service.tertairy would otherwise be taken and never used); `<disease>` any code."""
    from .case import FACILITIES

    slots = {"facility": "(?:" + "|".join(FACILITIES) + ")"}
    escaped = re.escape(pattern).replace(r"\<", "<").replace(r"\>", ">")
    return re.compile(re.sub(r"<([a-z_]+)>", lambda m: slots.get(m.group(1), "[^.]+"), escaped))


def _date(v: Any) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v))


def _value(raw: Any, unit: str) -> Any:
    """Turn a YAML string into the typed value its unit calls for; never via float."""
    text = str(raw)
    if unit == "flag":
        if text not in ("true", "false", "True", "False"):
            raise PolicyError(f"flag must be true or false, got {raw!r}")
        return text.lower() == "true"
    if unit == "date":
        if raw is None or isinstance(raw, dt.date):  # the project's own policy files (YAML's date type)
            return _date(raw)
        from .case import parse_date  # region and case values: text, read strictly

        return parse_date(raw)
    if unit == "rounding":
        return text
    if unit == "facilities":
        return _facilities(raw)
    if unit.startswith("ratio"):
        return parse_ratio(text)
    if isinstance(raw, float):
        raise PolicyError(f"amount {raw!r} must be written as a string")
    return parse_amount(text)


MAX_FACILITY_LIST = 200  # characters of a list of facility bands: five codes and their separators


def _facilities(raw: Any) -> tuple[str, ...]:
    """A list of facility bands (unit `facilities`: 浙江 ordinary.grassroots_bands), written as text — "primary,
    unrated" (commas, 、 or spaces between) — or, in a region file, as a YAML list: the codes in the order given,
    each a facility code once."""
    from .case import FACILITIES

    text = ", ".join(raw) if isinstance(raw, (list, tuple)) else str(raw)
    if len(text) > MAX_FACILITY_LIST:
        raise PolicyError(f"a list of facility bands, longer than {MAX_FACILITY_LIST} characters")
    codes = [c for c in re.split(r"[\s,，、;；]+", text) if c]
    if not codes:
        raise PolicyError(f"names no facility band; write one or more of {', '.join(FACILITIES)} (e.g. \"primary, "
                          "unrated\" or [primary, unrated])")
    unknown = [c for c in codes if c not in FACILITIES]
    if unknown:
        raise PolicyError(f"{', '.join(repr(c) for c in unknown)} {'is' if len(unknown) == 1 else 'are'} not a "
                          f"facility band ({', '.join(FACILITIES)})")
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise PolicyError(f"{', '.join(twice)} named twice")
    return tuple(codes)


class Policy:
    """One document: parameters, requirements, assumptions, account uses, articles."""

    def __init__(self, data: dict, common: dict, texts: dict | None):
        doc = data["document"]
        self.id: str = doc["id"]
        self.doc = doc
        self.title: str = doc["title"]
        self.short: str = doc["short"]
        self.issuer: str = doc["issuer"]
        self.admdvs: str = str(doc.get("admdvs") or "")  # the issuer's 医保区划: 330000 for 浙江, 510400 for 攀枝花
        self.number: str = doc.get("number") or ""
        self.kind: str = doc["kind"]
        self.valid_from: dt.date | None = _date(doc.get("valid_from"))
        self.valid_to: dt.date | None = _date(doc.get("valid_to"))
        self.covers: frozenset[str] = frozenset(doc.get("covers", ()))
        self.articles: dict[str, Article] = {}
        if texts:
            for a in texts.get("articles", []):
                art = Article(str(a["id"]), a["label"], a.get("heading", ""), a.get("text", ""))
                self.articles[art.id] = art
        v = doc.get("validity") or {}
        self.validity_cite = self.cite(str(v.get("article", "")))
        self.validity_quote = v.get("quote", "")
        self.params: dict[str, Parameter] = {}
        for key, p in (data.get("parameters") or {}).items():
            self.params[key] = Parameter(
                key=key,
                value=_value(p["value"], p["unit"]),
                unit=p["unit"],
                article=str(p["article"]),
                quote=p["quote"],
                # a figure the text does not state outright is cited with the assumption that reads it
                cite=join_cites(self.cite(str(p["article"])), p.get("assumption")),
                valid_from=_date(p.get("valid_from", self.valid_from)),
                valid_to=_date(p.get("valid_to", self.valid_to)),
                assumption=p.get("assumption"),
            )
        self.requirements: list[Requirement] = [
            Requirement(
                pattern=key,
                unit=r["unit"],
                article=str(r["article"]),
                quote=r["quote"],
                why=r.get("why", ""),
                cite=self.cite(str(r["article"])),
                constraint=r.get("constraint") or {},
                optional=bool(r.get("optional", False)),
                assumption=r.get("assumption"),
            )
            for key, r in (data.get("required") or {}).items()
        ]
        self.derived: dict[str, dict] = dict(data.get("derived") or {})
        self.exclusions: dict[str, dict] = dict(data.get("exclusions") or {})
        self.eligibility: dict[str, dict] = dict(data.get("eligibility") or {})
        self.routes: dict[str, dict] = {k: data[k] for k in ("emergency", "day_surgery", "special") if k in data}
        self.account_uses: dict[str, AccountUseRule] = {
            purpose: AccountUseRule(
                purpose=purpose,
                decision=u["decision"],
                relations=tuple(u.get("relations", ())),
                article=str(u["article"]),
                quote=u["quote"],
                cite=self.cite(str(u["article"])),
                why=u.get("why", ""),
                condition=u.get("condition", ""),
                assumption=u.get("assumption"),
                others=u.get("others", "refused"),
                reason=u.get("reason", ""),
            )
            for purpose, u in (data.get("account_uses") or {}).items()
        }
        # What decides a settlement's account payment: the document's article on paying 个人负担, and the
        # assumption on how much of it the account pays (which no document says).
        use = self.account_uses.get("medical_selfpay")
        self.account_pay_cite = f"{use.cite}；A-ACCOUNT-SELFPAY" if use else "A-ACCOUNT-SELFPAY"
        self.assumptions: dict[str, Assumption] = {}
        for a in list(common.get("assumptions", [])) + list(data.get("assumptions") or []):
            self.assumptions[a["id"]] = Assumption(a["id"], a["text"], a["why"])
        # The decisions no document makes (common.yaml), unless this document's own replaces one: a report
        # cites them as common (COMMON_CITE), not as this document's.
        own = {a["id"] for a in data.get("assumptions") or []}
        self.common_assumption_ids = frozenset(a["id"] for a in common.get("assumptions", []) if a["id"] not in own)

    def article_label(self, article_id: str) -> str:
        art = self.articles.get(article_id)
        return art.label.rstrip("、. ") if art else article_id

    def cite(self, article_id: str) -> str:
        """Short citation such as “攀枝花 第七条”, the form traces and reports use."""
        return f"{self.short} {self.article_label(article_id)}"

    def requirement_for(self, key: str) -> Requirement | None:
        for r in self.requirements:
            if r.matches(key):
                return r
        return None

    def __repr__(self) -> str:
        return f"Policy({self.id})"


# yaml.safe_load's loader (libyaml when present: same types, 10× faster) refusing a key given twice: a
# second `cap:` pasted under a clause would otherwise replace the first without a word.
_SAFE_LOADER = UniqueSafeLoader


def _load_yaml(path: Path) -> Any:
    """The project's own policy files (trusted, shipped): YAML's safe types, as the model was written for."""
    with path.open(encoding="utf-8") as f:
        try:
            return yaml.load(f, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
        except DuplicateKeyError as e:
            raise PolicyError(f"policy file {path}: {duplicate_key_message(e)}") from None


@lru_cache(maxsize=None)
def load_policy(policy_id: str) -> Policy:
    """Load one document's data; unknown ids are refused with the list of known ones."""
    if policy_id not in POLICY_IDS:
        raise PolicyError(f"unknown policy {policy_id!r}; known policies: {', '.join(POLICY_IDS)}")
    common = _load_yaml(POLICY_DIR / "common.yaml")
    texts_path = POLICY_DIR / "texts" / f"{policy_id}.yaml"
    texts = _load_yaml(texts_path) if texts_path.exists() else None
    return Policy(_load_yaml(POLICY_DIR / f"{policy_id}.yaml"), common, texts)


def all_policies() -> list[Policy]:
    return [load_policy(p) for p in POLICY_IDS]


# --------------------------------------------------------------------------- rules


class Rules:
    """A policy bound to the values a region supplies: what the engine asks for figures."""

    def __init__(self, policy: Policy, supplied: dict[str, Parameter], region_name: str | None = None,
                 region_example: bool = False, region_path: str | None = None):
        self.policy = policy
        self.supplied = supplied
        self.region_name = region_name
        self.region_path = region_path  # the region file bound, for a message naming where a value is missing
        # an example region's values are invented (conform/fixtures/regions): a report on a real ledger must say so
        self.region_example = region_example
        # 参保地医保区划 a request names: the region's own code where its file gives one, else the document's
        self.admdvs: str = policy.admdvs or ""
        self.region_admdvs: str | None = None  # the region file's own 医保区划, where it gives one (the audit's --admdvs)
        self._cache: dict[str, Parameter | None] = {}
        vf = supplied.get("valid_from")
        self.valid_from: dt.date | None = vf.value if vf else policy.valid_from
        self.region_start = vf is not None  # the start is the region file's own valid_from, not the document's
        # A region that sets its own start cites the clause letting it do so, not the document's start; the
        # document's start cites the reading that gives it where one does (浙江 A-ZJ-VALID-FROM: a city naming no
        # date starts on 2023-01-01), on every refusal that names it.
        self.validity_cite: str = vf.cite if vf else join_cites(
            policy.validity_cite, (policy.doc.get("validity") or {}).get("assumption"))
        self.valid_to: dt.date | None = policy.valid_to

    @property
    def id(self) -> str:
        return self.policy.id

    def start_said(self) -> tuple[str, str]:
        """(English, Chinese) of what starts on valid_from: the document, or — where the region file sets its own
        start (吉林 六（一）, 浙江 三（二）, 北京 (五) leave it to the city) — that region's figures, so that a date
        the document does not contain is not read as the document's (probe s23 Q F3)."""
        if self.region_start:
            name = self.region_name or "?"
            return (f"region {name}'s figures apply (its valid_from {self.valid_from}, {self.validity_cite})",
                    f"地区配置 {name} 的起始日期 {self.valid_from}（该地区配置的 valid_from；{self.validity_cite}）")
        return (f"{self.policy.short} takes effect on {self.valid_from} ({self.validity_cite})",
                f"{self.policy.short}的施行日期 {self.valid_from}（{self.validity_cite}）")

    def find(self, key: str) -> Parameter | None:
        """The parameter for `key`, from the document, the region, or a derivation; None if absent."""
        try:
            return self._cache[key]
        except KeyError:
            pass
        p = self.policy.params.get(key) or self.supplied.get(key)
        if p is None and key in self.policy.derived:
            p = self._derive(key, self.policy.derived[key])
        self._cache[key] = p
        return p

    def _derive(self, key: str, d: dict) -> Parameter | None:
        """A figure the text fixes from another: the same value (`same_as`), or a product (`product_of`: 浙江
        退休人员起付线减半执行 = the in-service deductible × 0.5), to the fen half up (`rounding`: the assumption
        that says so, cited only where the half fen was rounded)."""
        cite = self.policy.cite(str(d["article"]))
        if "same_as" in d:
            src = self.find(d["same_as"])
            return None if src is None else Parameter(key, src.value, src.unit, str(d["article"]), d["quote"],
                                                      join_cites(cite, src.region_cite), src.valid_from, src.valid_to,
                                                      source="derived", region_cite=src.region_cite)
        found = [self.find(k) for k in d["product_of"]]
        if any(f is None for f in found):
            return None
        exact = found[0].value * found[1].value
        value = round_fen(exact)
        if value != exact:
            cite = join_cites(cite, d.get("rounding"))
        # a product of region figures (浙江 退休人员起付线 = the city's 800 × 0.5) names the region's citation too
        region_cite = join_cites(*(f.region_cite for f in found))
        return Parameter(key, value, found[0].unit, str(d["article"]), d["quote"], join_cites(cite, region_cite),
                         found[0].valid_from, found[0].valid_to, source="derived", region_cite=region_cite)

    def get(self, key: str) -> Parameter:
        """The parameter for `key`, or MissingParameter naming its article."""
        p = self.find(key)
        if p is None:
            raise MissingParameter(key, self.policy.requirement_for(key), self.policy, self._region_file())
        return p

    def _region_file(self) -> str | None:
        return f"{self.region_path} (region {self.region_name})" if self.region_path else None

    def first(self, *keys: str) -> Parameter:
        """The first of several keys that is defined (role-specific before generic)."""
        for k in keys:
            p = self.find(k)
            if p is not None:
                return p
        # Name the most specific key that a requirement describes, else the first.
        for k in keys:
            if self.policy.requirement_for(k):
                raise MissingParameter(k, self.policy.requirement_for(k), self.policy, self._region_file())
        raise MissingParameter(keys[0], None, self.policy, self._region_file())

    def flag(self, key: str, default: bool = False) -> bool:
        p = self.find(key)
        return bool(p.value) if p is not None else default


def _region_param(policy: Policy, key: str, raw: Any, source: str, region_cite: str = "",
                  line: int | None = None) -> Parameter:
    """One supplied value bound to the requirement that asks for it; PolicyError naming `source` (and the key's
    `line` in its region file, where known) for a key no requirement asks for or a value that does not read."""
    req = policy.requirement_for(key)
    if req is None:
        known = ", ".join(r.pattern for r in policy.requirements) or "none"
        if key in policy.params:
            raise PolicyError(
                f"{source}: {key} is fixed by {policy.params[key].cite} "
                f"(“{policy.params[key].quote}”) and cannot be set by a region (a later adjustment of a figure the "
                "document fixes is a new document, for the tool to be extended with, never a region value)"
            )
        parts = key.split(".")
        general = ".".join([parts[0], *parts[2:]]) if len(parts) > 2 else None  # chronic.M03900.deductible
        if general in policy.params:  # a figure the text fixes for every disease is fixed for each one
            fixed = policy.params[general]
            raise PolicyError(
                f"{source}: {key}: {general} is fixed for every disease by {fixed.cite} (“{fixed.quote}”) "
                f"and cannot be set by a region, for one disease or all (a later adjustment of a figure the document "
                "fixes is a new document, for the tool to be extended with, never a region value)"
            )
        if key in policy.derived:
            d = policy.derived[key]
            raise PolicyError(
                f"{source}: {key} is the same as {d['same_as']} by {policy.cite(str(d['article']))} "
                f"(“{d['quote']}”) and cannot be set separately; set {d['same_as']}"
            )
        loose = [r.pattern for r in policy.requirements if "<facility>" in r.pattern and re.fullmatch(
            re.escape(r.pattern).replace("<facility>", "[^.]+"), key)]
        if loose:
            from .case import FACILITIES

            raise PolicyError(f"{source}: {key}: {key.split('.')[loose[0].split('.').index('<facility>')]!r} is "
                              f"not a facility ({', '.join(FACILITIES)}) in {loose[0]}")
        stem, _, role = key.rpartition(".")
        same = (policy.doc.get("retiree_same") or {}).get(stem) if role in ("in_service", "retiree") else None
        if same is not None:  # one figure for both person types: the tool's reading, not the text's own limit
            req_of = policy.requirement_for(stem)
            if policy.requirement_for(f"{stem}.retiree") is not None:
                # retirees may have their own figure; the in-service one is the generic key, never a second one
                # that could disagree with it
                raise PolicyError(f"{source}: {key} is not a separate value: {stem} is the in-service figure "
                                  f"({req_of.cite if req_of else policy.short}), and the retirees' too unless "
                                  f"{stem}.retiree gives theirs ({same}); set {stem}")
            raise PolicyError(f"{source}: {key} is not configurable: this tool reads "
                              f"{req_of.cite if req_of else policy.short} as one {stem} for in-service staff and "
                              f"retirees alike ({same}); set {stem}")
        raise PolicyError(f"{source}: {key} is not a value {policy.short} leaves to a region (known: {known})")
    try:
        value = _value(raw, req.unit)
    except (AmountError, PolicyError, ValueError) as e:
        # the same words in run, settle and audit: where (file, line), the key, what is wrong, and the clause
        # that leaves the value to a region
        text = f"{source}: {key}: {e}"
        if line is not None:
            text += f" (line {line} of the file)"
        if req.cite not in text:
            text += f" ({req.cite}: “{req.quote}”)"
        raise PolicyError(text) from None
    # Where the text is silent on the figure, the assumption saying why the region supplies it is cited with the article.
    return Parameter(key, value, req.unit, req.article, req.quote, join_cites(req.cite, req.assumption, region_cite),
                     policy.valid_from, policy.valid_to, source="region", assumption=req.assumption,
                     region_cite=region_cite)


# How far a region's stated half (浙江 退休人员起付线减半执行) may be from the exact half: half a fen, so either fen next to it.
HALF_FEN = Decimal("0.005")


def _fmt_value(v: Any, unit: str) -> str:
    if isinstance(v, tuple):  # a list of facility bands
        return ", ".join(v)
    return pct(v) if unit.startswith("ratio") and isinstance(v, Decimal) else str(v)


def _check_constraints(policy: Policy, supplied: dict[str, Parameter], source_of: Callable[[str], str]) -> None:
    """Refuse a region value that breaks the framework's rule, citing the clause and where the value came from."""
    for problem in _constraint_errors(policy, supplied, source_of):
        raise PolicyError(problem)


def _constraint_errors(policy: Policy, supplied: dict[str, Parameter], source_of: Callable[[str], str]):
    """Each supplied value breaking the framework's rule, as a message citing the clause (bind stops at the first;
    check_region lists them all)."""
    for key, p in supplied.items():
        req = policy.requirement_for(key)
        c = req.constraint if req else {}
        if not c or "floor_on" in c:  # a floor on the bands a list names: _band_floor_errors, given or not
            continue
        v = p.value
        shown = _fmt_value(v, p.unit)
        # a bound the parameter's own quote does not state carries its own article and quote
        why = f"{policy.cite(str(c['article']))}: “{c['quote']}”" if "quote" in c else f"{req.cite}: “{req.quote}”"
        if "assumption" in c:  # the bound rests on a named reading of the quoted words
            why += f"; {c['assumption']}"
        if "max" in c and v > _value(c["max"], p.unit):
            yield (f"{source_of(key)}: {key} = {shown} exceeds the ceiling {_fmt_value(_value(c['max'], p.unit), p.unit)} ({why})")
        if "min" in c and v < _value(c["min"], p.unit):
            yield (f"{source_of(key)}: {key} = {shown} is below the floor {_fmt_value(_value(c['min'], p.unit), p.unit)} ({why})")
        if "one_of" in c and v not in [_value(x, p.unit) for x in c["one_of"]]:
            allowed = " or ".join(_fmt_value(_value(x, p.unit), p.unit) for x in c["one_of"])
            yield (f"{source_of(key)}: {key} = {shown} must be {allowed} ({why})")
        if "half_of" in c:
            other = supplied.get(c["half_of"]) or policy.params.get(c["half_of"])
            # 减半执行 fixes no rounding: a figure the region states may be either fen next to the exact half of an
            # odd number of fen (277.77 or 277.78 for 555.55); only one it leaves out is derived half up (A-ZJ-HALF-FEN)
            exact = other.value / 2 if other is not None else None
            if exact is not None and abs(v - exact) > HALF_FEN:
                other_from = source_of(c["half_of"]) if c["half_of"] in supplied else policy.short
                also = f" (given in {other_from})" if other_from != source_of(key) else ""
                near = (f"{exact}, so {round_fen(exact - HALF_FEN)} or {round_fen(exact)} (either fen next to it)"
                        if exact != round_fen(exact) else f"{round_fen(exact)}")
                yield (f"{source_of(key)}: {key} = {shown} is not half of {c['half_of']} = {other.value}{also}, which "
                       f"is {near} ({why})")
    yield from _band_floor_errors(policy, supplied, source_of)


def _band_floor_errors(policy: Policy, supplied: dict[str, Parameter], source_of: Callable[[str], str]):
    """A floor the text sets on a kind of institution the configuration knows only by facility band: 浙江 二（一）
    “基层医疗机构政策范围内支付比例从60％起步”. The list requirement (constraint `floor_on`) names which bands the
    region pays its 基层 institutions at; the floor binds the ratio (`floor_on` with the band for `<facility>`) of
    those bands alone. A region that names none takes the constraint's `default`, cited with the `assumption`
    that reads it; a band outside `subset_of` cannot be named (`why_not` says why)."""
    for req in policy.requirements:
        c = req.constraint
        if "floor_on" not in c:
            continue
        quoted = f"{req.cite}: “{req.quote}”"
        given = supplied.get(req.pattern)
        if given is not None:
            bad = [b for b in given.value if b not in c["subset_of"]]
            if bad:
                yield (f"{source_of(req.pattern)}: {req.pattern} = {_fmt_value(given.value, given.unit)}: "
                       f"{', '.join(bad)} cannot be named here, only {', '.join(c['subset_of'])}: {c['why_not']} "
                       f"({quoted})")
            bands = [b for b in given.value if b in c["subset_of"]]
            how, why = f"named in {req.pattern}", quoted
        else:
            bands = list(c["default"])
            how = f"{req.pattern} not given: {', '.join(bands)} by default"
            why = f"{quoted}; {c['assumption']}" if c.get("assumption") else quoted
        for band in bands:
            key = c["floor_on"].replace("<facility>", band)
            p = supplied.get(key)
            if p is None:
                continue
            floor = _value(c["min"], p.unit)
            if p.value < floor:
                yield (f"{source_of(key)}: {key} = {_fmt_value(p.value, p.unit)} is below the floor "
                       f"{_fmt_value(floor, p.unit)} of a {c.get('label', 'named')} band ({how}) ({why})")


@dataclass(frozen=True)
class RegionSource:
    """The region's own document its figures come from (top-level `source:` of a region file)."""

    document: str = ""  # title: 湖州市职工基本医疗保险门诊共济保障实施细则
    number: str = ""  # 文号: 湖医保发〔2022〕99号
    url: str = ""
    date: str = ""  # YYYY-MM-DD, as the file writes it

    def label(self) -> str:
        """How a citation names the document: its 文号, else its title."""
        return self.number or self.document


@dataclass(frozen=True)
class ValueCitation:
    """Where in the region's document one figure is written (a value given as {value, article, quote})."""

    article: str = ""
    quote: str = ""


@dataclass(frozen=True)
class RegionConfig:
    """A region configuration file: which framework it implements and the values it supplies, with the region's
    own citations where the file gives them (`source`, and `citations` by key) — never required: the examples
    and README's region have none."""

    name: str
    label: str
    policy: str
    values: dict
    path: str | None = None
    example: bool = False
    source: RegionSource | None = None
    citations: dict = field(default_factory=dict)  # key → ValueCitation, for values given with article/quote
    admdvs: str | None = None  # the 统筹区's own 医保区划 (huzhou 330500): what a real system keys its figures on
    lines: dict = field(default_factory=dict, compare=False)  # key of `values:` → its line in the file, for messages

    def cite(self, key: str) -> str:
        """The region's citation for one figure, for a trace beside the framework clause:
        "地区配置 huzhou（湖医保发〔2022〕99号 第七条 “起付标准为800元”）"; "" where the file cites nothing."""
        c = self.citations.get(key)
        if self.source is None and c is None:
            return ""
        quote = c.quote if c else ""
        if "；" in quote:  # “；” separates the citations of a clause: the quote is cut there
            quote = quote.split("；", 1)[0] + "…"
        parts = [self.source.label() if self.source else "", c.article if c else "", f"“{quote}”" if quote else ""]
        inner = " ".join(x for x in parts if x)
        return f"地区配置 {self.name}（{inner}）" if inner else f"地区配置 {self.name}"


REGION_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "regions"  # fixtures/ is packaged too
# A name is looked up in REGION_DIR, then in fixtures/regions/ of the working folder: with the wheel
# installed, REGION_DIR holds only the shipped examples, and README's own region sits beside the user.
LOCAL_REGION_DIR = Path("fixtures") / "regions"
# The folder the user ran conform from, where it differs from the process's: `conform run` moves into the suite's
# folder to run pytest, and a relative --region path or a ./fixtures/regions/ name is the user's (rvendor D8).
_WORKING_FOLDER: Path | None = None


def working_folder() -> Path:
    """The user's working folder: what a relative region path and ./fixtures/regions/ are relative to."""
    return _WORKING_FOLDER if _WORKING_FOLDER is not None else Path.cwd()


@contextlib.contextmanager
def working_folder_kept(folder: str | Path):
    """Keep `folder` as the user's working folder while the process works elsewhere (conform run's pytest)."""
    global _WORKING_FOLDER
    before = _WORKING_FOLDER
    _WORKING_FOLDER = Path(folder).resolve()
    try:
        yield
    finally:
        _WORKING_FOLDER = before


def local_region_dir() -> Path:
    """./fixtures/regions/ of the user's working folder."""
    return LOCAL_REGION_DIR if _WORKING_FOLDER is None else _WORKING_FOLDER / LOCAL_REGION_DIR


REGION_KEYS = frozenset({"name", "label", "policy", "values", "example", "source", "admdvs"})
SOURCE_KEYS = ("document", "number", "url", "date")
CITATION_KEYS = ("value", "article", "quote")
MAX_CITE_CHARS = 500  # a title, an article or a quoted phrase; not the article's whole text
MAX_REGION_REF = 1024  # characters of a region name or path
MAX_REGION_BYTES = 1 << 20  # a region file is a few dozen lines
_REGION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}(?:/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}){0,3}")  # no ".."


REGION_SUFFIXES = (".yaml", ".yml")  # a region name is looked up as NAME.yaml, then NAME.yml


def shown_path(path: Path | str) -> str:
    """A file as a message names it: relative to the working folder when inside it (conform/fixtures/regions/x.yaml),
    else as it is."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(working_folder().resolve()))
    except (ValueError, OSError):
        return str(p)


def region_folders() -> tuple[Path, ...]:
    """Where a region name is looked up, in order: conform's own folder, then the working folder's."""
    return (REGION_DIR, local_region_dir())


def _where_looked(ref: str) -> str:
    own, local = region_folders()
    return (f"looked for {ref}.yaml and {ref}.yml in conform's own {own}/ and then in {local}/ of the working "
            f"folder ({working_folder()})")


def _path_hint(ref: str) -> str:
    """For a region path that names no file: what it was relative to, and the file of that name a region folder
    holds (README's `conform/fixtures/regions/my-city.yaml` given as `fixtures/regions/my-city.yaml`)."""
    path = Path(ref)
    parts = [] if path.is_absolute() else [f"a path is relative to the working folder {working_folder()}"]
    stem = path.stem if path.suffix in REGION_SUFFIXES else ""
    found = []
    if _REGION_NAME.fullmatch(stem or "-") is not None:
        with contextlib.suppress(OSError):
            found = [folder / f"{stem}{suffix}" for folder in region_folders() for suffix in REGION_SUFFIXES
                     if (folder / f"{stem}{suffix}").is_file()]
    if found:
        parts.append(f"the region {stem!r} is {shown_path(found[0])}: give its name ({stem}) or that path")
    elif parts:
        own, local = region_folders()
        parts.append(f"a name, without .yaml, is looked up in {shown_path(own)}/ and then in {local}/")
    return " (" + "; ".join(parts) + ")" if parts else ""


def _region_path(ref: str) -> Path:
    """A region name in conform/fixtures/regions/ (then ./fixtures/regions/), or a path to a file; anything else a
    PolicyError saying where it looked."""
    if not isinstance(ref, str) or not ref:
        raise PolicyError(f"region: expected a region name or a file path, got {ref!r}")
    if len(ref) > MAX_REGION_REF:
        raise PolicyError(f"region {ref[:40]!r}…: longer than {MAX_REGION_REF} characters, neither a region name "
                          "nor a usable path")
    if "\0" in ref:
        raise PolicyError(f"region {ref[:40]!r}: a NUL character is not allowed in a name or path")
    is_name = _REGION_NAME.fullmatch(ref) is not None and not ref.endswith(REGION_SUFFIXES)
    if ref in _NAMED_FILES:  # a file `conform run --region PATH` made known by its name, whatever it is (长春市)
        return _NAMED_FILES[ref]
    try:
        if is_name:
            for folder in region_folders():
                found = [folder / f"{ref}{suffix}" for suffix in REGION_SUFFIXES]
                found = [c for c in found if c.is_file()]
                if len(found) > 1:  # which one would be meant is a guess: refuse rather than pick
                    raise PolicyError(f"region {ref!r}: both {shown_path(found[0])} and {shown_path(found[1])} "
                                      "exist; keep one of them")
                if found:
                    return found[0]
        path = Path(ref)
        if not path.is_absolute() and _WORKING_FOLDER is not None:
            path = _WORKING_FOLDER / path
        if path.is_dir():
            raise PolicyError(f"region {ref!r}: is a directory, not a region file")
        if path.exists():
            return path
    except OSError as e:  # a name too long for the file system, a path through a file, …
        raise PolicyError(f"region {ref[:80]!r}: cannot be opened: {e.strerror or e}") from None
    if not is_name:
        raise PolicyError(f"region {ref!r}: no such file{_path_hint(ref)}")
    known = ", ".join(sorted({p.stem for d in region_folders() if d.is_dir() for s in REGION_SUFFIXES
                              for p in d.glob(f"*{s}")}))
    raise PolicyError(f"region {ref!r}: no such file, nor a region of that name ({_where_looked(ref)}; "
                      f"known: {known})")


def _read_region(path: Path) -> tuple[Any, str]:
    """The region file's data, and its text (for the line of a key). A pipe, device or socket is refused unopened:
    opening a pipe waits for a writer for ever, and a case file naming one (untrusted input) would hang a batch."""
    kind = special_kind(path)
    if kind is not None:
        raise PolicyError(f"region file {path}: not a regular file ({kind}); give the region's YAML file")
    try:
        with path.open("rb") as f:
            data = f.read(MAX_REGION_BYTES + 1)
    except OSError as e:
        raise PolicyError(f"region file {path}: cannot read: {e.strerror or e}") from None
    if len(data) > MAX_REGION_BYTES:
        raise PolicyError(f"region file {path}: larger than {MAX_REGION_BYTES >> 20} MB; a region file is a few "
                          "dozen lines")
    try:
        text = decode_utf8(data, f"region file {path}")
    except InputError as e:
        gbk = _reads_as_gbk(data)
        raise PolicyError(f"{e}: save the file as UTF-8" + ("（它看来是以 GBK 保存的 it reads as GBK）" if gbk else "")) from None
    try:
        return load_yaml(text), text
    except InputError as e:
        raise PolicyError(f"region file {path}: {e}") from None


def _reads_as_gbk(data: bytes) -> bool:
    """Whether bytes that are not UTF-8 read as GB18030 (a Windows editor's default in China): the remedy to name."""
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


def _region_folder_of(path: Path) -> Path | None:
    """The region folder (conform's own, or the working folder's fixtures/regions/) holding `path`, at any depth;
    None for a file given by a path elsewhere, whose identity is that path."""
    try:
        where = path.resolve()
        for folder in region_folders():
            if folder.is_dir() and where.is_relative_to(folder.resolve()):
                return folder
    except OSError:
        pass
    return None


# Region files outside the region folders known by their `name:` in this process (name_region_file).
_NAMED_FILES: dict[str, Path] = {}


def name_region_file(ref: str) -> str:
    """Make the region file `ref` (a name, or a path anywhere) found by its `name:` in this process, and return
    that name: what a request carries as `region` to the system under test (`conform run --region PATH`) — a
    city's name, never a path on the tester's machine. A name the folders already give to another file is
    refused naming both: the system would be asked for one region and the record pin another."""
    region = load_region_file(ref)
    path = Path(region.path or ref).resolve()
    _check_name_free(path, region.name)
    if _NAMED_FILES.get(region.name) != path:
        _NAMED_FILES[region.name] = path
        _bind_cached.cache_clear()  # rules bound under this name before came from another file
    return region.name


def _check_name_free(path: Path, name: str) -> None:
    """Refuse a region file whose `name:` a region folder (or `conform run --region`) already gives to another
    file: a shipped example's name always means the shipped file (README), and a report, a trace or a request
    citing "地区配置 jilin-example" for another file's figures would attribute them to the wrong region. The one
    check of `conform run`, `conform settle` and `conform audit` (load_region_file, name_region_file)."""
    try:
        found = _region_path(name).resolve()
    except (PolicyError, OSError):
        return
    if found != path.resolve():
        raise PolicyError(f"region file {shown_path(path)}: its name {name!r} is already {shown_path(found)}'s (a "
                          "region's name must mean one file: requests, traces and reports name the region by it); "
                          f"give this region a name of its own: change `name: {name}` in {shown_path(path)}")


def forget_named_region_files() -> None:
    """Undo name_region_file (a later run in this process, or a test)."""
    if _NAMED_FILES:
        _NAMED_FILES.clear()
        _bind_cached.cache_clear()


def shadowed_by(path: Path | str) -> Path | None:
    """The file a region name means instead of `path`: a file of the working folder's fixtures/regions/ whose name
    conform's own folder also has is never the one that name finds (conform's own is searched first)."""
    path = Path(path)
    try:
        if path.parent.resolve() != local_region_dir().resolve() or REGION_DIR.resolve() == local_region_dir().resolve():
            return None
        found = _region_path(path.stem)
    except (OSError, PolicyError):
        return None
    return found if found.resolve() != path.resolve() else None


def _suffix_twin(path: Path) -> Path | None:
    """The same name's file with the other suffix beside a file of a region folder (fixtures/regions/X.yaml and
    X.yml): a name finding both is refused by _region_path, so neither can be used by its name."""
    if path.suffix not in REGION_SUFFIXES or _region_folder_of(path) is None:
        return None
    for suffix in REGION_SUFFIXES:
        other = path.with_suffix(suffix)
        try:
            if suffix != path.suffix and other.is_file():
                return other
        except OSError:
            pass
    return None


def _unknown_policy(given: str) -> str:
    """Why `policy: given` names no document, with the id it probably means: a region whose policy is misspelt
    (zhejian) or written as the province (浙江) would otherwise bind to nothing and be left out unsaid."""
    import difflib

    shorts = {pid: load_policy(pid).short for pid in POLICY_IDS}
    by_short = {short: pid for pid, short in shorts.items()}
    meant = by_short.get(given.strip()) or next(iter(difflib.get_close_matches(given.strip().lower(), POLICY_IDS,
                                                                                n=1, cutoff=0.7)), None)
    hint = f"; write `policy: {meant}` ({shorts[meant]})" if meant else ""
    return (f"policy {given!r} is not a policy id{hint}; the ids: "
            + ", ".join(f"{pid} ({short})" for pid, short in shorts.items()))


def _cite_text(path: Path, where: str, v: Any) -> str:
    if not isinstance(v, str):
        raise PolicyError(f"region file {path}: {where}: expected text, not {'nothing' if v is None else type(v).__name__}")
    if len(v) > MAX_CITE_CHARS:
        raise PolicyError(f"region file {path}: {where}: longer than {MAX_CITE_CHARS} characters; quote the phrase "
                          "that states the figure, not the whole article")
    return v.strip()


def _cited_value(path: Path, key: str, given: dict) -> tuple[Any, ValueCitation | None]:
    """A value written as {value, article, quote}: the figure and its citation (None if it cites nothing)."""
    unknown = sorted(str(k) for k in given if k not in CITATION_KEYS)
    if unknown:
        raise PolicyError(f"region file {path}: values: {key}: unknown key(s) {', '.join(unknown)}; allowed: "
                          f"{', '.join(CITATION_KEYS)}")
    if given.get("value") is None:
        raise PolicyError(f"region file {path}: values: {key}: missing `value` (the figure, e.g. value: \"800\")")
    article, quote = (_cite_text(path, f"values: {key}: {k}", given[k]) if given.get(k) is not None else ""
                      for k in ("article", "quote"))
    named = _figures_in(quote)
    if named and not _states(given["value"], named):
        raise PolicyError(f"region file {path}: values: {key}: the quote names {'、'.join(sorted(map(str, named)))} "
                          f"but the value is {given['value']!r}: cite the phrase that states this figure")
    return given["value"], (ValueCitation(article, quote) if article or quote else None)


# A figure written in digits: whole digits, or groups of three joined by an ASCII comma (5,000), with any decimals,
# and a 万 after it (60万元: 600000; not 万分之, a rate) multiplying it by 10000.
_QUOTED_FIGURE = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d.,])|\d+(?:\.\d+)?(?![\d.]))"
                            r"(?:[ \u3000]?(万)(?!分之))?")
_WAN = Decimal(10000)


def _figures_in(quote: str) -> set[Decimal]:
    """The figures a quoted phrase writes in digits (八百元 in words names none: nothing to compare): 5,000 is one
    figure, 5000; 60万 is 600000 and 1.5万 15000 (exact: Decimal, never a float)."""
    found = set()
    for digits, wan in _QUOTED_FIGURE.findall(quote):
        n = Decimal(digits.replace(",", ""))
        if wan:
            n *= _WAN
            if n == n.to_integral_value():  # 1.5万: 15000, not 15000.0, as the message names it
                n = n.quantize(Decimal(1))
        found.add(n)
    return found


def _states(value: Any, named: set[Decimal]) -> bool:
    """Whether a quote naming `named` can state `value`: the same figure, or a ratio written as percent or points
    (0.80 for “80%”, 0.05 for “5个百分点”). A value that is not a plain number (a date) is not compared."""
    text = str(value).strip().rstrip("%％")
    try:
        v = Decimal(text)
    except ArithmeticError:
        return True
    if str(value).strip().endswith(("%", "％")):
        v = v / 100
    return any(v == n or v * 100 == n for n in named)


def _listed_value(path: Path, key: str, given: list, req: Requirement | None) -> Any:
    """A YAML list given for `key`: for a list parameter (unit `facilities`) its items as one text, "primary,
    unrated", the form params and the record carry; for any other key the list itself, refused by the caller."""
    if req is None or req.unit != "facilities":
        return given
    if not given:
        raise PolicyError(f"region file {path}: values: {key}: an empty list names no facility band; leave the key "
                          "out for the default, or name the bands")
    if not all(isinstance(x, str) for x in given):
        raise PolicyError(f"region file {path}: values: {key}: each item must be a facility code "
                          f"(primary, unrated, …), not a list or mapping")
    return ", ".join(x.strip() for x in given)


def _region_source(path: Path, given: Any) -> RegionSource:
    """The top-level `source:`: the region's own document (title and/or 文号, optional url and date)."""
    if not isinstance(given, dict):
        raise PolicyError(f"region file {path}: `source` must be a mapping of {', '.join(SOURCE_KEYS)}, not "
                          f"{type(given).__name__}")
    unknown = sorted(str(k) for k in given if k not in SOURCE_KEYS)
    if unknown:
        raise PolicyError(f"region file {path}: source: unknown key(s) {', '.join(unknown)}; allowed: "
                          f"{', '.join(SOURCE_KEYS)}")
    got = {k: _cite_text(path, f"source: {k}", given[k]) for k in SOURCE_KEYS if given.get(k) is not None}
    if not got.get("document") and not got.get("number"):
        raise PolicyError(f"region file {path}: source: give the document's title (document:) or its number "
                          "(number:, the 文号 such as 湖医保发〔2022〕99号)")
    if got.get("url") and not re.match(r"https?://\S+$", got["url"]):
        raise PolicyError(f"region file {path}: source: url: expected an http(s):// address, got {got['url']!r}")
    if got.get("date"):
        try:
            dt.date.fromisoformat(got["date"])
        except ValueError:
            raise PolicyError(f"region file {path}: source: date: expected YYYY-MM-DD, got {got['date']!r}") from None
    return RegionSource(**got)


def _values_misplaced(keys: list[str], policy: Any) -> str:
    """A hint for top-level keys that are parameters (`valid_from:` beside `policy:`): they belong under `values:`.
    Parameters of the file's document where it names one, else of any document."""
    pids = [policy] if policy in POLICY_IDS else list(POLICY_IDS)
    params = [k for k in keys if any(load_policy(pid).requirement_for(k) is not None for pid in pids)]
    if not params:
        return ""
    return (f"; {', '.join(f'`{k}`' for k in params)} {'is a value' if len(params) == 1 else 'are values'}: "
            "write it under `values:`")


def load_region_file(ref: str, check_name: bool = True) -> RegionConfig:
    """Read a region file given by name in conform/fixtures/regions/ (conform's own) or fixtures/regions/ (the working folder's) or by path.

    Read with the strict loader (every scalar text, no aliases, bounded depth and size) and checked
    key by key, so a misspelt top-level key (`exmaple:`) is an error rather than ignored. A file given by its path
    whose `name:` a region folder gives another file is refused (_check_name_free) unless `check_name` is False
    (check_region, which checks the content alone).
    """
    path = _region_path(ref)
    data, text = _read_region(path)
    if not isinstance(data, dict):
        raise PolicyError(f"region file {path}: expected a mapping with policy, name and values")
    unknown = sorted(str(k) for k in data if k not in REGION_KEYS)
    if unknown:
        raise PolicyError(f"region file {path}: unknown key(s) {', '.join(unknown)}; "
                          f"allowed: {', '.join(sorted(REGION_KEYS))}{_values_misplaced(unknown, data.get('policy'))}")
    for req in ("policy", "name", "values"):
        if data.get(req) is None:
            raise PolicyError(f"region file {path}: missing `{req}`")
    for key in ("policy", "name", "label"):
        if key in data and not isinstance(data[key], str):
            raise PolicyError(f"region file {path}: `{key}` must be text, not {type(data[key]).__name__}")
    folder = _region_folder_of(path)
    if folder is not None and data["name"] != path.stem:
        # a name is looked up as the file's name: a `name:` that differs is a region nobody can ask for by its
        # name, or one that claims another file's name (two `huzhou`s, the figures of one certified as the other)
        raise PolicyError(f"region file {path}: `name: {data['name']}` differs from the file's name {path.stem!r}; "
                          f"a region in {folder}/ is found by its file name, so write `name: {path.stem}` or "
                          f"rename the file to {data['name']}{path.suffix}")
    if data["policy"] not in POLICY_IDS:
        raise PolicyError(f"region file {path}: {_unknown_policy(data['policy'])}")
    if folder is None and check_name:  # a file given by its path: its name must not be another file's
        _check_name_free(path, data["name"])
    if not isinstance(data["values"], dict):
        raise PolicyError(f"region file {path}: `values` must be a mapping of parameter to value")
    policy = load_policy(data["policy"])
    values, citations = {}, {}
    for k, v in data["values"].items():
        if not isinstance(k, str):
            raise PolicyError(f"region file {path}: values: {k!r} is not a parameter name")
        if not isinstance(v, str) and policy.requirement_for(k) is None:
            # a key the policy does not leave to a region is reported as such whatever its value's shape (a list,
            # nothing, a cited figure): the message a text value gets from bind, naming region and file
            _region_param(policy, k, v, f"region {data['name']} (file {path})")
        if isinstance(v, dict):  # {value, article, quote}: the figure with where the region's document says it
            v, cited = _cited_value(path, k, v)
            if cited is not None:
                citations[k] = cited
        if isinstance(v, list):  # a list is a value only where the key is one (unit `facilities`): kept as its text
            v = _listed_value(path, k, v, policy.requirement_for(k))
        if not isinstance(v, str):
            raise PolicyError(f"region file {path}: values: {k}: expected a value (or value, article, quote), not "
                              f"{'nothing' if v is None else type(v).__name__}")
        values[k] = v
    source = _region_source(path, data["source"]) if data.get("source") is not None else None
    example = data.get("example", "false")
    if example not in ("true", "false", "True", "False"):
        raise PolicyError(f"region file {path}: `example` must be true or false, got {example!r}")
    admdvs = data.get("admdvs")
    if admdvs is not None:
        _check_region_admdvs(path, admdvs, policy)
    return RegionConfig(
        admdvs=admdvs,
        name=data["name"],
        label=data.get("label") or data["name"],
        policy=data["policy"],
        values=values,
        path=str(path),
        example=example.lower() == "true",
        source=source,
        citations=citations,
        lines=key_lines(text, "values"),
    )


def _check_region_admdvs(path: Path, code: Any, policy: Policy) -> None:
    """A region's 医保区划 is six digits inside the document's own area: a 浙江 city's starts with 33, a 攀枝花
    one with 5104 (the document's code without its trailing 00 pairs)."""
    if not isinstance(code, str) or not re.fullmatch(r"\d{6}", code):
        raise PolicyError(f"region file {path}: admdvs: expected the region's six-digit 医保区划 code as text "
                          f"(such as \"330500\"), got {str(code)[:40]!r}")
    own = policy.admdvs
    prefix = own.rstrip("0") if own else ""
    prefix = prefix + "0" * (len(prefix) % 2)  # whole pairs: 510400 → 5104, 330000 → 33, 110000 → 11
    if prefix and not code.startswith(prefix):
        raise PolicyError(f"region file {path}: admdvs: {code} is not inside {policy.short} ({own}): a region of "
                          f"{policy.short} has a code starting with {prefix}")


def _region_where(region: RegionConfig) -> str:
    """The region by name and by file, as a message names it: two files may say one name (one given by path), and
    a message must tell which was read."""
    return f"region {region.name} (file {region.path})" if region.path else f"region {region.name}"


def bind(policy_id: str, region: RegionConfig | str | None = None, params: dict | None = None) -> Rules:
    """Bind a policy to a region file and/or inline parameters, validating both."""
    policy = load_policy(policy_id)
    values: dict[str, Any] = {}
    name = None
    example = False
    if isinstance(region, str):
        region = load_region_file(region)
    if region is not None:
        if region.policy != policy_id:
            raise PolicyError(f"region {region.name!r}{f' (file {region.path})' if region.path else ''} "
                              f"implements {region.policy!r}, not {policy_id!r}")
        values.update(region.values)
        name, example = region.name, region.example
    if params:
        values.update(params)

    where = _region_where(region) if region is not None else f"region {name}"

    def source_of(key: str) -> str:
        """Where a value came from, for a message: the case's (or command's) params, else the region file."""
        return "params" if params and key in params or name is None else where

    def region_cite(key: str) -> str:
        """The region's own citation of a figure it supplies (not of one the case's params replaced)."""
        return "" if region is None or params and key in params else region.cite(key)

    def line_of(key: str) -> int | None:
        """The line of a value the region file gives (not of one the case's params replaced)."""
        return None if region is None or params and key in params else region.lines.get(key)

    supplied = {key: _region_param(policy, str(key), raw, source_of(str(key)), region_cite(str(key)),
                                   line_of(str(key)))
                for key, raw in values.items()}
    _check_constraints(policy, supplied, source_of)
    rules = Rules(policy, supplied, name, example, region.path if region is not None else None)
    if region is not None and region.admdvs:
        rules.admdvs = rules.region_admdvs = region.admdvs
    return rules


@lru_cache(maxsize=256)
def _bind_cached(policy_id: str, region: str | None, params_key: tuple) -> Rules:
    return bind(policy_id, region, dict(params_key) if params_key else None)


def bind_cached(policy_id: str, region: str | None = None, params: dict | None = None) -> Rules:
    """`bind` with memoisation, for callers that bind the same rules many times."""
    key = tuple(sorted((str(k), str(v)) for k, v in params.items())) if params else ()
    return _bind_cached(policy_id, region, key)


@dataclass(frozen=True)
class RegionCheck:
    """A region file checked as a whole (`check_region`): every problem at once, not the first a settlement meets.

    `errors`: why the file cannot be used — it does not load, names no policy id, its `name:` is not its file's
    name, or a value is not one its policy leaves to a region, does not read, or breaks the framework's rule (each
    message names the file, the key, what is wrong and the clause). `missing_required`: the keys its policy asks
    a region for that it does not give (a settlement needing one is refused); `missing_optional`: those it may
    leave out. `warnings`: what is not wrong but not what it seems (a working-folder file that conform's own
    file of the same name hides)."""

    ref: str
    path: str | None = None
    name: str | None = None
    policy: str | None = None
    errors: tuple[str, ...] = ()
    missing_required: tuple[str, ...] = ()
    missing_optional: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    region: RegionConfig | None = None  # the file as loaded (values, label, example), None where it does not load

    @property
    def ok(self) -> bool:
        return not self.errors


def _expand(pattern: str, diseases: list[str]) -> list[str]:
    """The keys a requirement's pattern asks for: each facility for `<facility>`, each disease the region names
    for `<disease>` (the pattern itself where it names none)."""
    from .case import FACILITIES

    keys = [pattern.replace("<facility>", f) for f in FACILITIES] if "<facility>" in pattern else [pattern]
    if "<disease>" not in pattern:
        return keys
    return [k.replace("<disease>", d) for k in keys for d in diseases] or keys


def _diseases(policy: Policy, values: dict) -> list[str]:
    """The disease codes a region's keys name (chronic.M03900.cap → M03900), in any per-disease parameter."""
    found: dict[str, None] = {}
    for req in policy.requirements:
        if "<disease>" in req.pattern:
            head, _, tail = req.pattern.partition("<disease>")
            rx = re.compile(re.escape(head) + r"([^.]+)" + re.escape(tail))
            for key in values:
                m = rx.fullmatch(key)
                if m:
                    found[m.group(1)] = None
    return list(found)


def retiree_less_favoured(supplied: dict[str, Parameter]) -> list[str]:
    """Each figure by which a retiree fares worse than an in-service person under these values (a higher deductible,
    a lower ratio or cap), as "key = v < other = o": the retiree's own figure (….retiree) against the in-service one
    (….in_service, else the shared one), and an in-service figure of its own against the shared one a retiree then
    takes. No text binds a region's figures so (a warning in `conform list regions`), and a property that assumes
    the tilt (retiree_not_less) must not judge a system under them."""
    worse = {"deductible": lambda r, o: r > o, "ratio": lambda r, o: r < o, "cap": lambda r, o: r < o}
    out = []
    for key, p in supplied.items():
        parts = key.split(".")
        kind = next((k for k in worse if k in parts), None)
        if kind is None:
            continue
        if "retiree" in parts:
            i = parts.index("retiree")
            others = (".".join(parts[:i] + ["in_service"] + parts[i + 1:]), ".".join(parts[:i] + parts[i + 1:]))
            pairs = [(key, p, o) for o in others if o in supplied][:1]
        elif "in_service" in parts:
            i = parts.index("in_service")
            mine, shared = ".".join(parts[:i] + ["retiree"] + parts[i + 1:]), ".".join(parts[:i] + parts[i + 1:])
            pairs = [(shared, supplied[shared], key)] if mine not in supplied and shared in supplied else []
        else:
            continue
        for rkey, r, okey in pairs:
            o = supplied[okey]
            try:
                if worse[kind](Decimal(str(r.value)), Decimal(str(o.value))):
                    out.append(f"{rkey} = {r.value} (retirees) vs {okey} = {o.value}")
            except (ArithmeticError, ValueError):
                pass
    return out


def _retiree_less_favoured(supplied: dict[str, Parameter], where: str) -> list[str]:
    """retiree_less_favoured as `conform list regions` marks it: not refused, but the reform tilts benefits toward
    retirees (待遇适当向退休人员倾斜) and a swapped pair of figures reads the same to every check."""
    return [f"{where}: {w}: less favourable to retirees (退休人员的数值不如在职人员：改革要求待遇适当向退休人员倾斜，"
            "请核对是否写反)" for w in retiree_less_favoured(supplied)]


def check_region(ref: str | Path) -> RegionCheck:
    """Check a region file (a name, or a path) fully: load it, bind each value to its policy, apply every
    constraint, and list what it leaves out. Never raises for a bad file: `conform list regions` flags it and
    `conform run` refuses it (exit 2) on `errors`."""
    ref = str(ref)
    try:
        path = _region_path(ref)
    except PolicyError as e:
        return RegionCheck(ref, errors=(str(e),))
    twin = _suffix_twin(path)
    # the name finds neither file of the pair: `conform settle` and `conform run` refuse it ("both … exist")
    clash = [] if twin is None else [f"region file {shown_path(path)}: {shown_path(twin)} exists too, so the region "
                                     f"name {path.stem!r} would mean either and is refused; keep one of them "
                                     "(delete or rename the other)"]
    warnings = []
    hidden_by = shadowed_by(path)
    if hidden_by is not None:
        warnings.append(f"region file {path}: the name {path.stem!r} means {hidden_by} (conform's own folder is "
                        f"searched first), never this file; rename this file and its `name:`")
    try:
        # a file given by its path under another file's name is refused where the name is used (name_region_file,
        # after this check in `conform run`; load_region_file in settle and audit), not for its content here
        region = load_region_file(str(path), check_name=False)
    except PolicyError as e:
        return RegionCheck(ref, str(path), errors=(*clash, str(e)), warnings=tuple(warnings))
    policy = load_policy(region.policy)
    where = _region_where(region)
    errors, supplied = clash, {}
    for key, raw in region.values.items():
        try:
            supplied[key] = _region_param(policy, key, raw, where, region.cite(key), region.lines.get(key))
        except PolicyError as e:  # its message names the line and the clause, as bind's does in settle and audit
            errors.append(str(e))
    errors += _constraint_errors(policy, supplied, lambda _key: where)
    warnings += _retiree_less_favoured(supplied, where)
    rules = Rules(policy, supplied, region.name, region.example)
    required, optional = [], []
    diseases = _diseases(policy, region.values)
    def given(key: str) -> bool:
        return key in region.values or ("<" not in key and rules.find(key) is not None)

    for req in policy.requirements:
        for key in _expand(req.pattern, diseases):
            # a figure given for each person type needs no figure for both (南昌 chronic.M03900.ratio.in_service
            # and .retiree: the unsuffixed ratio serves only a person type without its own)
            if given(key) or all(given(f"{key}.{role}") for role in ("in_service", "retiree")):
                continue
            (optional if req.optional else required).append(key)
    return RegionCheck(ref, region.path, region.name, region.policy, tuple(errors), tuple(required),
                       tuple(optional), tuple(warnings), region)


def missing_required_message(check: RegionCheck, keys: list[str] | tuple[str, ...] | None = None) -> str | None:
    """One line refusing a region file that leaves out values its document requires of a region (`keys`, by default
    all of its `missing_required`; never an optional one), naming the file and each key with the clause that leaves
    it to the region — the words MissingParameter gives where a settlement needs one. None when there is none (or
    the file does not load: `errors` say why)."""
    keys = check.missing_required if keys is None else tuple(keys)
    if not keys or check.region is None:
        return None
    policy = load_policy(check.policy)
    def named_one(key: str) -> str:
        req = policy.requirement_for(key)
        # where the text is silent on the figure, the reading that makes it the region's is named too
        reading = f", {req.assumption}" if req is not None and req.assumption else ""
        return f"{key} ({leaves_to_region(req, policy)}{reading})"

    named = "; ".join(named_one(key) for key in keys)
    return (f"region file {shown_path(check.path)} (region {check.name}) lacks required value(s) ({len(keys)}) "
            f"that {policy.short} leaves to a region: {named}; add each under `values:` (缺少必需参数)")
