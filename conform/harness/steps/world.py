"""The state of one scenario: rules, test person, what the system under test answered.

Steps talk only to the adapter. Alongside it runs the reference (the oracle)
so a failing scenario can show the reference's trace with its clauses.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from conform.reference.benefits import OutsideValidity
from conform.reference.case import CaseError, CreditRequest, Settlement, parse_person, parse_settlement
from conform.reference.money import fmt, fmt_ratio
from conform.reference.policy import MissingParameter, PolicyError, bind_cached

from ..adapters import Adapter, NotApplicable, SettlementRefused, Subject
from ..adapters.base import ROUTE_SPLIT, SETLINFO_AMOUNTS, SETLINFO_FIELDS, SPLIT_UNREPORTED
from ..adapters.reference import ReferenceAdapter
from ..generators import chosen_regions
from ..plugin import MismatchError
from ..report.causes import FIELD_STEPS, YTD_STEPS, articles_in
from ..results import Mismatch
from .vocabulary import LABELS, YTD_FIELDS


# A settlement figure the answer may leave out (wire.SETTLEMENT_OPTIONAL, not a route-split figure): the account
# balance after the settlement. A step naming it compares it where the system reports it; the built-in reference
# does not report it (its balance is the 5206 acct_balance, 个人账户余额为 … 元).
OPTIONAL_ON_WIRE = frozenset({"balc"})


class ScenarioError(ValueError):
    """A scenario written in a way the steps cannot use (not a failure of the system under test)."""


class OtherFigures(NotApplicable):
    """A scenario with its own parameters (地区参数) in a run certifying a region (`conform run --region`): a system
    bound to its city's figures cannot take per-person parameters; the properties check the city's figures instead.
    (A scenario written under no region or an example region runs under the certified one: `World.standin`.)"""

    def __init__(self, policy: str, region: str | None, params: dict, chosen: tuple[str, ...]):
        written = (f"地区配置 {region}" if region else "无地区配置 no region") + (
            f"，地区参数 {', '.join(sorted(params))}" if params else "")
        super().__init__("", "scenario", f"本次按 --region {'、'.join(chosen)} 认证{policy}的数值，此场景按{written}编写 "
                         f"the run certifies {', '.join(chosen)}; this scenario is written under other figures (run "
                         "without --region to check a system that takes them)")


class RegionFigures(NotApplicable):
    """A scenario run under the region a run certifies in place of its own (`World.standin`) that reaches a figure
    (or a refusal) the built-in reference under that region does not give: from that step on it is written under
    other figures, so it is not applicable there — never a failure of the system bound to the region's figures."""

    def __init__(self, policy: str, written: str | None, standin: str, what: str):
        said = f"地区配置 {written} " if written else "无地区配置（no region）"
        super().__init__("", "scenario", f"此场景按{said}编写，其数值（{what}）与 --region {standin} 的数值不同，自此步起"
                         f"不适用 this scenario is written under other figures: the reference under {standin} does not "
                         f"give what it writes ({what}); run without --region to check a system that takes them")


def _quiet_request() -> Any:
    """What a step gets for the pytest request where it runs on the reference's answers (`World.judge`): its notes go
    nowhere, the real step says them."""
    from types import SimpleNamespace

    return SimpleNamespace(node=SimpleNamespace(user_properties=[]), config=None)


class UnreportedSplit(NotApplicable):
    """A scenario naming a figure of the route split (ordinary_pay, chronic_pay, inpatient_pay: the harness's optional
    extension, docs/connect-your-system.md) that the system under test does not report."""

    def __init__(self, adapter: str, unreported: list[str], why: list[str] | tuple[str, ...] = ()):
        said = "、".join(dict.fromkeys(unreported))
        if why:   # the system answered a split the adapter could not read (the platform profile's setldetail)
            super().__init__(adapter, "route_split", f"被测系统的应答未能确定此场景核对的按待遇路径拆分的统筹支付（{said}），"
                             f"此场景无法完整核对 the system's answer does not tell the route split this scenario checks "
                             f"({said}): " + "; ".join(dict.fromkeys(why)))
            return
        super().__init__(adapter, "route_split", f"被测系统未报告此场景核对的按待遇路径拆分的统筹支付（{said}；本工具的可选"
                         f"扩展字段，国家平台报文没有），此场景无法完整核对 the system does not report the route split this "
                         f"scenario checks ({said}; an optional extension)")


class UnaskedBalance(NotApplicable):
    """A scenario checking the account balance where the adapter never asks for one (BALANCE_UNASKED says why)."""

    def __init__(self, adapter: str, why: str):
        super().__init__(adapter, "query_ytd", "此场景核对的个人账户余额未向被测系统查询，无法核对 the account balance "
                         f"this scenario checks was not asked of the system: {why}")


class UnreportedTotal(NotApplicable):
    """A scenario checking a disease's own year-to-date total (5206 chronic_dedc / chronic_pay, optional on the
    wire) that the system's 5206 answer leaves out."""

    def __init__(self, adapter: str, unreported: list[str]):
        said = "、".join(dict.fromkeys(unreported))
        super().__init__(adapter, "query_ytd", f"被测系统的年度累计查询（5206）未返回此场景核对的按病种累计（{said}；可选字段），"
                         f"此场景无法完整核对 the system's 5206 answer leaves out the per-disease totals this scenario "
                         f"checks ({said}; optional)")


class UnreportedClause(NotApplicable):
    """A scenario whose account use names its 依据 (`依据 "…"`) answered without `clause` (optional in T003's answer)."""

    def __init__(self, adapter: str, clause: str):
        super().__init__(adapter, "check_account_use", "被测系统的个人账户使用答复未给出依据条款（clause，可选字段），"
                         f"此场景核对的依据“{clause}”无法核对 the system's T003 answer gives no clause (optional), so "
                         f"the 依据 this scenario checks ({clause}) cannot be checked")


# the settlement answer's figure that is a visit's whole part of a year total (a visit whose figure differs is where
# the total parts); not the deductibles: act_pay_dedc mixes a visit's deductibles of several totals (慢特病, 急诊)
YTD_ANSWERS = {"ordinary_pay": ("ordinary_pay",), "inpatient_pay": ("inpatient_pay",)}

# a use's decision as the balance's working words it
ANSWER_WORDS = {"allowed": "允许", "refused": "拒绝", "undetermined": "未作规定"}

CHRONIC_DEDUCTIBLE = "慢特病起付线"  # the reference's step charging a disease's own deductible (benefits.chronic_pooling)


def _departs(got: Any, ref: Any, fields: tuple[str, ...]) -> bool:
    """Whether the system's answer `got` departs from the reference's `ref` in any of `fields` both report: a decision
    by its text, a figure by its value (one that is no figure departs). Unknown (an answer missing): not."""
    if not isinstance(got, dict) or not isinstance(ref, dict):
        return False
    for name in fields:
        g, w = got.get(name), ref.get(name)
        if g is None or w is None:
            continue
        if name == "decision":
            if str(g) != str(w):
                return True
            continue
        try:
            if Decimal(str(g)) != Decimal(str(w)):
                return True
        except ArithmeticError:
            return True
    return False


def _positive(value: Any) -> bool:
    """A trace step's figure above 0.00 (a deductible counted); a missing or unreadable one is not."""
    try:
        return Decimal(str(value)) > 0
    except ArithmeticError:
        return False


def _as_evidence(trace: list[dict], day: Any) -> list[dict]:
    """The reference's working of a visit (credit) as dated on `day`, the document's first day in force, shown
    beside a validity failure: each step's articles go into its detail and its clause is left empty, so the
    failure is blamed on the validity article alone — the system applied those articles exactly, on the
    wrong day (probe s28 H3 F4)."""
    out = []
    for t in trace:
        clause = str(t.get("clause") or "")
        note = f"（按本文件 {day} 的规则：{clause}，仅作对照 as on {day}, for comparison）" if clause else ""
        out.append({**t, "clause": "", "detail": f"{t.get('detail', '')}{note}"})
    return out


@dataclass
class World:
    adapter: Adapter
    policy: str | None = None
    region: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    person: dict[str, Any] = field(default_factory=dict)
    prepared: bool = False
    results: dict[str, dict] = field(default_factory=dict)
    oracle_results: dict[str, dict] = field(default_factory=dict)
    oracle_credits: dict[str, dict] = field(default_factory=dict)
    # the reference's own refusal of an item (a settlement's id, a credit's month, "个人账户使用"): its reason
    oracle_refusals: dict[str, str] = field(default_factory=dict)
    # the system's refusal (err_msg) of each settlement, by id: a scenario accepting either
    # lawful answer (结算 "V1" 被拒绝的／未被拒绝的，…) reads which one it gave
    refused: dict[str, str] = field(default_factory=dict)
    # the route split's figures (ROUTE_SPLIT) a step named and the system did not report ("V1 ordinary_pay"): the
    # scenario is not applicable at its end (`conclude`), unless it failed
    unreported: list[str] = field(default_factory=list)
    unreported_why: list[str] = field(default_factory=list)   # why, where the adapter says (SPLIT_UNREPORTED)
    # the per-disease year totals (5206 chronic_dedc / chronic_pay, optional) a step named and the 5206 left out
    unreported_totals: list[str] = field(default_factory=list)
    # the 依据 a use step named where the answer gave no clause: not applicable at the scenario's end (`conclude`)
    unreported_clause: str | None = None
    # the items the reference refuses BY a reading (outside the document's validity, `validity_refusal`)
    oracle_by_reading: set[str] = field(default_factory=set)
    # the items the reference refuses for a missing value whose requirement names the reading that has it refuse,
    # or needed only for a part a reading sent on (`required_readings`): item -> those readings (攀枝花
    # A-PZH-REMOTE-UNFILED; A-PZH-OVERFLOW-SPLIT)
    oracle_required_reading: dict[str, list[str]] = field(default_factory=dict)
    settlements: dict[str, Settlement] = field(default_factory=dict)  # each settlement asked, by its id
    credit_requests: dict[str, CreditRequest] = field(default_factory=dict)  # each credit asked, by its month
    last_id: str | None = None
    refusal: SettlementRefused | None = None
    credits: dict[str, dict] = field(default_factory=dict)
    last_credit: str | None = None
    last_use: dict | None = None
    oracle_use: dict | None = None  # the reference's answer to the last use (a refusal as last_use records one)
    use_purpose: str | None = None  # the last use's purpose code
    region_error: str | None = None
    counter: int = 0
    oracle: ReferenceAdapter | None = None
    # what each settlement and reversal the reference made changed in its year's totals, in the order made:
    # (item, year, {ytd field: change}, the id a reversal reverses or None) — the working of a year's total
    ytd_changes: list[tuple[str, int, dict[str, Decimal], str | None]] = field(default_factory=list)
    # the pre-settlements (2206) asked, (item, year): they count in no total, and a total they moved is theirs
    presettles: list[tuple[str, int]] = field(default_factory=list)
    # each 2206 answer kept apart from the 2207 of the same visit, which replaces it in `results`: item -> (the
    # request, the system's answer, the reference's answer or None, how many account events came before it) — a
    # 2207 of the very same request, nothing moved between them, must answer the same (`expect_as_presettled`)
    presettled: dict[str, tuple[Settlement, dict, dict | None, int]] = field(default_factory=dict)
    # what moved the account balance, in the order asked: (kind, item) with kind settle (a settlement or a reversal,
    # its result's item), credit (the month) or use (`record_use`) — the working of a balance (`balance_trace`)
    account_events: list[tuple[str, str]] = field(default_factory=list)
    # each account use asked (T003): item -> (the request, the system's answer, the reference's answer or None)
    uses: dict[str, tuple[dict, dict, dict | None]] = field(default_factory=dict)
    # `conform run --region R` and a scenario written under no region or an example one (no 地区参数): it runs under R
    # (`standin`), the system asked with "region": R; the reference under R decides each written figure (`judge`)
    standin: str | None = None
    written_region: str | None = None
    # the reference's refusal of the last settlement, reversal asked again or credit (None: it answered)
    oracle_refusal: SettlementRefused | None = None
    # this World is the reference's answers standing in for the system's (`as_reference`)
    mirror: bool = False

    def __post_init__(self) -> None:
        # Only the built-in reference itself goes without an oracle: a system subclassing ReferenceAdapter
        # (a vendor's plugin changing one behaviour) is a system under test like any other (rclose7 D8).
        if type(self.adapter) is not ReferenceAdapter:
            self.oracle = ReferenceAdapter()

    def _oracle_refused(self, item: str, e: SettlementRefused) -> None:
        self.oracle_refusals[item] = e.message
        if validity_refusal(e):
            self.oracle_by_reading.add(item)
        else:
            self.oracle_by_reading.discard(item)
        readings = required_readings(e)
        if readings:
            self.oracle_required_reading[item] = readings
        else:
            self.oracle_required_reading.pop(item, None)

    # ----------------------------------------------------------- person
    @property
    def psn_no(self) -> str:
        return str(self.person.get("psn_no", "T0001"))

    def set_person(self, **fields: Any) -> None:
        if self.prepared:
            raise ScenarioError("the person is already prepared; state person facts before the first settlement")
        self.person.update(fields)

    def add_to_person_list(self, name: str, value: Any) -> None:
        self.set_person(**{name: [*self.person.get(name, []), value]})

    def subject(self) -> Subject:
        if self.policy is None:
            raise ScenarioError("no policy: start with 假如 适用政策 \"…\"")
        try:
            person = parse_person({"psn_type": "1101", "psn_no": "T0001", **self.person}, "scenario")
        except CaseError as e:
            raise ScenarioError(str(e)) from None
        chosen = chosen_regions().get(self.policy)
        if chosen and (self.region not in chosen or self.params):
            if self.params:
                raise OtherFigures(self.policy, self.region, self.params, chosen)
            # written under the document's own or an example's figures: run under the (first) certified region, whose
            # reference decides step by step whether the scenario's figures are its figures too (`judge`)
            self.written_region, self.standin, self.region = self.region, chosen[0], chosen[0]
        return Subject(self.policy, person, self.region, dict(self.params))

    def ensure_person(self) -> None:
        if not self.prepared:
            subj = self.subject()
            self.adapter.require("prepare_person")
            self.adapter.prepare_person(subj)
            if self.oracle is not None:
                try:
                    self.oracle.prepare_person(subj)
                except SettlementRefused:
                    pass
            self.prepared = True

    # ----------------------------------------------------------- settlements
    def next_id(self) -> str:
        self.counter += 1
        return f"V{self.counter}"

    def build_settlement(self, fields: dict[str, Any]) -> Settlement:
        subj = self.subject()
        try:
            s = parse_settlement(fields, "scenario", self.counter, subj.person)
        except CaseError as e:
            raise ScenarioError(str(e)) from None
        assert isinstance(s, Settlement)
        return s

    def settle(self, fields: dict[str, Any], presettle: bool = False, expect_refusal: bool = False) -> dict | None:
        self.ensure_person()
        fields.setdefault("id", self.next_id())
        s = self.build_settlement(fields)
        self.settlements[s.id] = s
        op = "presettle" if presettle else "settle"
        self.adapter.require(op)
        self.refusal = None
        before = None if presettle else self._reference_totals(s.date.year)
        try:
            out = (self.adapter.presettle if presettle else self.adapter.settle)(self.psn_no, s)
        except SettlementRefused as e:
            self.refusal = e
            out = None
        oracle_refused = False
        self.oracle_refusal = None
        if self.oracle is not None:
            try:
                o = (self.oracle.presettle if presettle else self.oracle.settle)(self.psn_no, s)
                self.oracle_results[s.id] = o
            except SettlementRefused as e:
                oracle_refused = True
                self.oracle_refusal = e
                self._oracle_refused(s.id, e)
        else:   # the built-in reference is the system: its refusal is the reference's
            self.oracle_refusal = self.refusal
        if out is not None:
            self.results[s.id] = out
        if self.refusal is not None:
            self.refused[s.id] = self.refusal.message
        if presettle:
            self.presettles.append((s.id, s.date.year))
            if out is not None:
                self.presettled[s.id] = (s, out, None if oracle_refused else self.oracle_results.get(s.id),
                                         len(self.account_events))
        else:
            self.account_events.append(("settle", s.id))
        self._changed(s.id, s.date.year, before, None)
        self.last_id = s.id
        if self.refusal is not None and not expect_refusal:
            if (oracle_refused or self.oracle is None) and self.standin is not None:
                self.written_elsewhere(f"{s.id} 按场景应结算成功，参考实现按此地区拒绝：{self.refusal.message}")
            if oracle_refused:
                raise ScenarioError(f"the rules refuse settlement {s.id} too ({self.refusal.message}); a scenario "
                                    "that expects a refusal says 参保人尝试于 … and 那么 结算被拒绝")
            # A well-formed refusal of a settlement the rules pay is the system's non-conformance (exit 1),
            # as in the properties, not an error of a broken system (exit 3).
            raise MismatchError([Mismatch("infcode", "0（结算成功）", f"拒绝：{self.refusal.message}", s.id, "结算结果")],
                                self.refusal_trace(s))
        return out

    def refusal_trace(self, s: Settlement) -> list[dict]:
        """What a refused settlement the rules pay rests on: on the first or last day the rules are in force
        (or the day either side) the article that puts them in force (攀枝花 第十九条); else every step of
        the reference's settlement."""
        try:
            rules = bind_cached(self.subject().policy, self.region, self.params or None)
        except Exception:  # noqa: BLE001 - a region the rules cannot bind: the trace alone
            rules = None
        if rules is not None:
            day = dt.timedelta(days=1)
            for edge in (rules.valid_from, rules.valid_to):
                if edge is not None and edge - day <= s.date <= edge + day:
                    return [{"step": "施行日期", "detail": f"{edge} 起/止施行", "clause": rules.validity_cite}]
        return self.trace_for(s.id)

    def reverse(self, setl_id: str, expect_refusal: bool = False) -> dict | None:
        """2208 of `setl_id`. `expect_refusal` (尝试撤销结算): a reversal the scenario expects refused — a second
        2208 of a settlement already reversed (docs/connect-your-system.md §2 2208, A-REVERSAL): its answer or refusal
        is kept under "<id>-再次撤销" for 那么 结算被拒绝 (`refusal`, `last_id`), and the year's totals are untouched."""
        self.ensure_person()
        self.adapter.require("reverse")
        if expect_refusal:
            return self._reverse_again(setl_id)
        refusal = None
        reversed_ = self.settlements.get(setl_id)
        year = reversed_.date.year if reversed_ is not None else None
        before = self._reference_totals(year) if year is not None else None
        try:
            out = self.adapter.reverse(self.psn_no, setl_id)
        except SettlementRefused as e:
            refusal, out = e, {}
        oracle_refused = False
        if self.oracle is not None:
            try:  # its trace (结算撤销, A-REVERSAL) is what the reversal's figures and the year's totals rest on
                self.oracle_results[f"{setl_id}-撤销"] = self.oracle.reverse(self.psn_no, setl_id)
            except SettlementRefused:
                oracle_refused = True
        if refusal is not None:
            if (oracle_refused or self.oracle is None) and self.standin is not None:
                self.written_elsewhere(f"{setl_id} 按场景应撤销成功，参考实现按此地区拒绝：{refusal.message}")
            if oracle_refused:
                raise ScenarioError(f"the rules refuse the reversal of {setl_id} too ({refusal.message})")
            # a well-formed refusal of a reversal the rules make: non-conformance, not a broken system
            raise MismatchError([Mismatch("infcode", "0（撤销成功）", f"拒绝：{refusal.message}", f"{setl_id}-撤销",
                                          "结算结果")], self.trace_for(f"{setl_id}-撤销") or self.trace_for(setl_id))
        self.results[f"{setl_id}-撤销"] = out
        self.account_events.append(("settle", f"{setl_id}-撤销"))
        if year is not None:
            self._changed(f"{setl_id}-撤销", year, before, setl_id)
        self.last_id = f"{setl_id}-撤销"
        return out

    def _reverse_again(self, setl_id: str) -> dict | None:
        """A 2208 the scenario expects refused (`reverse`): the system's refusal is `self.refusal`; an answer it
        gave instead is the result "<id>-再次撤销", which 那么 结算被拒绝 fails on. The reference must refuse it too
        (else the scenario is wrong: ScenarioError)."""
        item = f"{setl_id}-再次撤销"
        self.refusal = None
        out = None
        try:
            out = self.adapter.reverse(self.psn_no, setl_id)
        except SettlementRefused as e:
            self.refusal = e
        self.oracle_refusal = self.refusal if self.oracle is None else None
        if self.oracle is not None:
            try:
                self.oracle.reverse(self.psn_no, setl_id)
            except SettlementRefused as e:
                self.oracle_refusal = e
                self._oracle_refused(item, e)
            else:
                if self.standin is not None:
                    self.written_elsewhere(f"{setl_id} 按场景应拒绝再次撤销，参考实现按此地区予以撤销")
                raise ScenarioError(f"the rules do not refuse the reversal of {setl_id}: a scenario that reverses it "
                                    "says 撤销结算")
        if out is not None:
            self.results[item] = out
        self.last_id = item
        return out

    def result(self, sid: str | None = None) -> tuple[str, dict]:
        sid = sid or self.last_id
        if sid is None:
            raise ScenarioError("no settlement yet: a 当 step must settle first")
        if sid not in self.results:
            if self.refusal is not None and sid == self.last_id:
                raise MismatchError([Mismatch("infcode", "0（结算成功）", f"拒绝：{self.refusal.message}", sid)])
            if self.mirror and sid in self.oracle_refusals:   # the reference refused it earlier in the scenario
                raise MismatchError([Mismatch("infcode", "0（结算成功）", f"拒绝：{self.oracle_refusals[sid]}", sid)])
            raise ScenarioError(f"no settlement {sid!r}; settled so far: {', '.join(self.results) or 'none'}")
        return sid, self.results[sid]

    def refusal_readings(self, item: str, step: str, got: dict | None = None) -> tuple[list[str], list[dict]]:
        """(the named readings, a trace) of the reference's own refusal of `item`, for a system that did not
        refuse it. A refusal the reference gives for want of the earlier or later rules (outside the
        document's validity, `validity_refusal`) is no command of the text (攀枝花 第十九条 says when it
        starts, not that a 2022 visit be refused), so a check expecting it rests on that reading,
        A-BEFORE-VALIDITY. Any other refusal (an input the tool asks for, a missing parameter) is the
        articles its reason cites, not the readings it mentions on the way (攀枝花 flex_tier's reason names
        第七条 with A-PZH-FLEX-TIER2), with only the readings the engine's refusal rests on (`required_readings`:
        a requirement refused by a reading, A-PZH-REMOTE-UNFILED; a value needed only for the part of a visit
        crossing the chronic cap that A-PZH-OVERFLOW-SPLIT sends on to ordinary pooling — under the other reading
        nothing of it is, and nothing is missing), and the trace's clause is those articles and readings (none:
        the scenario's tags are blamed). The trace
        is one step, `step` (结算受理, 个人账户计入), showing the reason; nothing known: ([], []).

        A settlement the system paid (`got`, its answer) before the start exactly as this document pays it on
        its first day in force is no earlier rules: it applied this document on a day 第十九条 says it is not yet
        in force, and fails on that article alone, not on the reading (`document_figures`, rclose7 D3). After
        the end date the same figures may be the successor rules' (延续执行): that rests on the reading."""
        reason = self.oracle_refusals.get(item)
        if reason is None:
            return [], []
        own = self.document_figures(item, got) if got is not None and item in self.oracle_by_reading else None
        if own is not None:
            return [], own
        if item in self.oracle_by_reading:
            named = ["A-BEFORE-VALIDITY"]
            clause = "A-BEFORE-VALIDITY"
        else:
            # a missing value the tool refuses by a reading (A-PZH-REMOTE-UNFILED) rests on it (probe s24 R F2b)
            named = list(self.oracle_required_reading.get(item, ()))
            clause = "；".join(c for c in (articles_in(reason, self.policy or ""), *named) if c)
            if not clause:
                return [], []
        return named, [{"step": step, "detail": f"参考实现拒绝 the reference refuses: {reason}", "clause": clause}]

    def document_figures(self, sid: str, got: dict) -> list[dict] | None:
        """The trace of settlement `sid`, refused before the document takes effect, settled by the reference as
        dated on its first day in force, when the system's fund payment equals that one's and is not 0.00 (the
        earlier rules may well pay nothing): its validity step, then the steps. Else None. The copy is computed
        on the oracle's ledger without committing it or recording evidence.

        Only the validity step is blamed: the system applied the benefit articles exactly (that is how its figure
        matched), so the copy's steps are shown as evidence with their clauses in the detail (`_as_evidence`;
        probe s28 H3 F4). Not after the end date: the text is silent on what follows its expiry, and successor
        rules keeping the same figures (延续执行) are the rules then in force A-BEFORE-VALIDITY lets a system follow,
        so such a failure rests on that reading (common.yaml A-BEFORE-VALIDITY)."""
        if sid in self.credits:
            return self._document_credit(sid, got)
        s = self.settlements.get(sid)
        if s is None or self.oracle is None:
            return None
        try:
            rules = bind_cached(self.subject().policy, self.region, self.params or None)
            paid = Decimal(str(got.get("hifp_pay")))
        except Exception:  # noqa: BLE001 - rules that do not bind, a figure that is no number: unknown
            return None
        if rules.valid_from is None or s.date >= rules.valid_from:
            return None
        day = rules.valid_from
        ledger = self.oracle.ledgers.get(self.psn_no)
        if ledger is None:
            return None
        try:
            out = ledger.settle(dataclasses.replace(s, date=day), commit=False).to_output()
        except PolicyError:
            return None
        if paid == 0 or Decimal(str(out.get("hifp_pay"))) != paid:
            return None
        return [{"step": FIELD_STEPS["infcode"], "clause": rules.validity_cite,
                 "detail": f"被测系统按本文件结算了施行前的 {s.date}：统筹基金支付 {fmt(paid)} 元，与本文件在 {day} 的结算"
                           f"相同（{rules.validity_cite}：该日本文件尚未施行）the system applied this document's own figures "
                           f"on a day before it takes effect, as on {day}"},
                *_as_evidence(out.get("trace", []), day)]

    def _document_credit(self, month: str, got: dict) -> list[dict] | None:
        """`document_figures` of a credit: the month before the start credited, not 0.00, as the document
        credits the first month it is in force (the account reform's, where the document dates one); a month
        after the end date rests on A-BEFORE-VALIDITY, as a settlement then does."""
        from conform.reference.account import account_reform, account_rules_start, credit_month

        req = self.credit_requests.get(month)
        ledger = self.oracle.ledgers.get(self.psn_no) if self.oracle is not None else None
        if req is None or ledger is None:
            return None
        try:
            paid = Decimal(str(got.get("amount")))
            rules = ledger.rules
            first = max(d for d in (account_rules_start(rules), (account_reform(rules) or (None,))[0]) if d is not None)
        except Exception:  # noqa: BLE001 - no figure, no start date: unknown
            return None
        if req.first_day >= first:
            return None
        day = first
        moved = dataclasses.replace(req, month=f"{day:%Y-%m}")
        try:
            c = credit_month(rules, ledger.person, moved)
        except PolicyError:
            return None
        if paid == 0 or c.amount != paid:
            return None
        cite = rules.validity_cite
        return [{"step": FIELD_STEPS["amount"], "clause": cite,
                 "detail": f"被测系统按本文件计入了施行前的 {month}：{fmt(paid)} 元，与本文件 {moved.month} 的计入相同"
                           f"（{cite}：该月本文件尚未施行）the system credited this document's own amount for a month "
                           f"before it takes effect, as for {moved.month}"},
                *_as_evidence(c.trace.render(), moved.month)]

    def trace_for(self, sid: str) -> list[dict]:
        src = self.oracle_results.get(sid) if self.oracle is not None else self.results.get(sid)
        return list((src or {}).get("trace", []))

    # ----------------------------------------------------------- a scenario run under the certified region
    def written_elsewhere(self, what: str) -> None:
        """The scenario runs under the certified region (`standin`) and the reference there departs from it at
        `what`: not applicable from here (RegionFigures)."""
        raise RegionFigures(self.policy or "", self.written_region, self.standin or "", what)

    def as_reference(self) -> World:
        """This scenario as the reference answered it (the oracle's settlements, credits, use and refusal in place of
        the system's; the system's own where the built-in reference is the system), for a 那么 step to run on."""
        own = self.oracle is None
        return dataclasses.replace(
            self, adapter=self.adapter if own else self.oracle, oracle=None, mirror=True,
            results=dict(self.results if own else self.oracle_results),
            credits=dict(self.credits if own else self.oracle_credits),
            last_use=self.last_use if own else self.oracle_use, refusal=self.oracle_refusal,
            refused=dict(self.refused if own else self.oracle_refusals),
            presettled=self.presettled if own else {k: (s, ref, ref, n) for k, (s, _, ref, n) in self.presettled.items()
                                                    if ref is not None},
            unreported=[], unreported_why=[], unreported_totals=[], unreported_clause=None)

    def judge(self, step: Any, kwargs: dict[str, Any]) -> None:
        """Before a 那么 step compares the system's answer with the written figure: under a stand-in region, the same
        step on the reference's answers (`as_reference`). Where the reference there gives another figure (or refuses
        where the scenario expects payment, or the reverse), the scenario's figures are not that region's: not
        applicable from this step (RegionFigures). Where it gives the written figure, the system must too (the step
        then runs as always, a difference a real failure under the region's rules). Nothing else changes."""
        if self.standin is None or self.mirror:
            return
        args = {**kwargs, "world": self.as_reference()}
        if "request" in args:
            args["request"] = _quiet_request()
        try:
            step(**args)
        except MismatchError as e:
            self.written_elsewhere("；".join(f"{(m.item + ' ') if m.item else ''}{m.label or m.field} 按场景为 "
                                            f"{m.expected}，参考实现按此地区为 {m.actual}" for m in e.mismatches))
        except ScenarioError:
            return   # the step on the system's answers says what is wrong with the scenario

    # ----------------------------------------------------------- comparisons
    def expect_fields(self, sid: str | None, expected: dict[str, Decimal]) -> None:
        """Compare settlement fields to the hand-worked figures; all differences reported at once.

        A figure the adapter in use lists as optional (`Adapter.optional_figures`: the platform adapter's
        act_pay_dedc / psn_part_amt) that the system does not report is not compared, as the properties
        skip it; the step's other figures still are. A figure of the route split (ROUTE_SPLIT, the harness's
        extension, which the properties compare only where reported) that the system does not report is noted
        (`unreported`): the scenario, unless it fails, is not applicable at its end (`conclude`). Any other absent
        figure is "(missing)" — for every adapter but the platform's, act_pay_dedc and psn_part_amt are required."""
        sid, out = self.result(sid)
        mismatches = []
        optional = frozenset(getattr(self.adapter, "optional_figures", None) or ())
        for name, want in expected.items():
            got = out.get(name)
            want_s = fmt_ratio(want) if name == "pool_prop_selfpay" else fmt(want)
            if got is None and (name in optional or name in OPTIONAL_ON_WIRE):
                continue   # balc: an optional figure of the answer (wire SETTLEMENT_OPTIONAL), held where reported
            if got is None and name in ROUTE_SPLIT:
                self.unreported.append(f"{sid} {name}")
                if out.get(SPLIT_UNREPORTED):   # the adapter's word on why (platform: no setldetail, …)
                    self.unreported_why.append(f"{sid}: {out[SPLIT_UNREPORTED]}")
                continue
            if got is None:
                mismatches.append(Mismatch(name, want_s, "(missing)", sid, LABELS.get(name, name)))
                continue
            try:
                ok = Decimal(str(got)) == want
            except ArithmeticError:
                ok = False
            if not ok:
                mismatches.append(Mismatch(name, want_s, str(got), sid, LABELS.get(name, name)))
        if mismatches:
            mirrored = self._mirrored(sid, mismatches)
            if mirrored:  # the departure is the reversed settlement's: blamed there, its trace first
                orig = mirrored[0].item
                raise MismatchError([*mirrored, *mismatches], self.trace_for(orig),
                                    {orig: self.trace_for(orig), sid: self.trace_for(sid)})
            raise MismatchError(mismatches, self.trace_for(sid))

    def _mirrored(self, sid: str, mismatches: list[Mismatch]) -> list[Mismatch]:
        """A reversal's figures that differ only because the settlement it reverses did: the system gave back exactly
        what it had paid (−its own figure), and that figure was not the rules' (a ratio error on V1, a scenario
        checking only V1's reversal). Each as the reversed settlement's own difference (the reference's figure,
        the system's), so the check is blamed where the system departed — the settlement's article — and not on
        the reversal's reading (A-REVERSAL), which the system followed. None where the reversal is itself wrong."""
        orig = sid.removesuffix("-撤销") if sid.endswith("-撤销") else None
        if orig is None or self.oracle is None or orig not in self.results or orig not in self.oracle_results:
            return []
        got, want = self.results[orig], self.oracle_results[orig]
        out = []
        for m in mismatches:
            g, w = got.get(m.field), want.get(m.field)
            if m.field not in SETLINFO_AMOUNTS or g is None or w is None:
                continue
            try:
                mirrors = Decimal(str(m.actual)) == -Decimal(str(g)) and Decimal(str(g)) != Decimal(str(w))
            except ArithmeticError:
                continue
            if mirrors:
                out.append(Mismatch(m.field, fmt(Decimal(str(w))), str(g), orig,
                                    f"{LABELS.get(m.field, m.field)}（{sid} 照此冲回；此结算本身与规则不符）"))
        return out

    def expect_as_presettled(self, sid: str) -> None:
        """The 2207 of visit `sid` answers what its 2206 answered (`presettled`). A 2206 is the pre-settlement of the
        very same request: with nothing settled, reversed, credited or used between them, every figure both answers
        give must be the same, whatever the rules pay — so a difference rests on no reading of how much they pay
        (the hand-worked figures of the scenario do). The balance after (balc) is not compared: a 2206 debits
        nothing. The trace names the 2206 and no clause: the scenario's own articles are blamed."""
        sid, out = self.result(sid)
        if sid not in self.presettled:
            raise ScenarioError(f"no pre-settlement (预结算) of {sid!r}: settle it with 操作 预结算 first")
        pre, before, _, events = self.presettled[sid]
        if self.settlements.get(sid) != pre:
            raise ScenarioError(f"the 结算 of {sid!r} is not the request its 预结算 was: compare the same visit")
        if out is before:
            raise ScenarioError(f"no 结算 (2207) of {sid!r} answered after its 预结算")
        if self.account_events[events:events + 1] != [("settle", sid)]:
            raise ScenarioError(f"something was settled, reversed, credited or used between the 预结算 and the 结算 of "
                                f"{sid!r}: only a 结算 straight after its 预结算 must answer the same")
        mismatches = []
        for name in (*SETLINFO_FIELDS, *ROUTE_SPLIT):
            was, now = before.get(name), out.get(name)
            if was is None or now is None:
                continue   # a figure one of the two answers leaves out (optional): nothing to compare
            try:
                same = Decimal(str(was)) == Decimal(str(now))
            except ArithmeticError:
                same = str(was) == str(now)
            if not same:
                mismatches.append(Mismatch(name, str(was), str(now), sid,
                                           f"{LABELS.get(name, name)}（结算 2207 应与预结算 2206 答复相同）"))
        if mismatches:
            trace = [{"step": "预结算", "clause": "", "value": None,
                      "detail": f"{sid} 的预结算（2206）与随后同一请求的结算（2207）答复不同：预结算按结算的规则计算而不记账，"
                                "其间没有其他结算、撤销、计入或使用，两次答复的各项金额应相同（无论规则如何计算）"
                                " the 2206 and the 2207 of the very same request disagree"}]
            raise MismatchError(mismatches, trace, {sid: trace})

    def conclude(self) -> None:
        """The scenario's steps all passed: one that named a route-split figure the system does not report was not
        checked in full, so it is not applicable (never 通过 on the figures it could check, never 不合格 for an
        optional extension); the properties and the scenarios naming hifp_pay check the fund payment either way. So
        is one whose account use named a 依据 the answer gave no clause for (UnreportedClause), and one whose
        per-disease year total the 5206 answer left out (UnreportedTotal)."""
        if self.unreported:
            raise UnreportedSplit(self.adapter.name, self.unreported, self.unreported_why)
        if self.unreported_clause is not None:
            raise UnreportedClause(self.adapter.name, self.unreported_clause)
        if self.unreported_totals:
            raise UnreportedTotal(self.adapter.name, self.unreported_totals)

    def ytd(self, year: int) -> dict:
        self.ensure_person()
        self.adapter.require("query_ytd")
        return self.adapter.query_ytd(self.psn_no, year)

    # ----------------------------------------------------------- the reference's year-to-date working
    def _reference(self) -> ReferenceAdapter | None:
        """The reference's ledger of this person: the oracle, or the built-in reference when it is the system."""
        if self.oracle is not None:
            return self.oracle
        return self.adapter if isinstance(self.adapter, ReferenceAdapter) else None

    def _reference_totals(self, year: int) -> dict[str, Decimal] | None:
        """The reference's totals of `year` (YTD_FIELDS), through its query_ytd; None where it has none."""
        ref = self._reference()
        if ref is None:
            return None
        try:
            out = ref.query_ytd(self.psn_no, year)
        except SettlementRefused:  # a person the reference could not prepare
            return None
        return {name: Decimal(str(out.get(name) or "0")) for name in YTD_FIELDS.values()}

    def _changed(self, item: str, year: int, before: dict[str, Decimal] | None, reverses: str | None) -> None:
        """Record what `item` (a settlement, or a reversal of `reverses`) changed in the reference's `year`."""
        made = self.oracle_results if self.oracle is not None else self.results
        after = self._reference_totals(year) if before is not None and item in made else None
        if before is None or after is None:
            return  # nothing the reference made (refused by it, or no ledger)
        self.ytd_changes.append((item, year, {k: after[k] - before[k] for k in after}, reverses))

    def ytd_trace(self, year: int, name: str, label: str) -> list[dict]:
        """The reference's working of a year's total (`then_ytd`): of each settlement still counting in it, the
        steps that computed what it added (`YTD_STEPS`), its reversals that took a part out (their 结算撤销
        step, citing A-REVERSAL), and the total itself, 年度累计{label}, whose clause is theirs together: a
        year's deductible rests on the articles that charged it, and on A-REVERSAL only where a reversal
        changed it — a system keeping a reversed settlement's deductible disagrees with that reading, not with
        "起付线600元" (rmut4 D3). An opening total the scenario gives rests on nothing of the text."""
        names = YTD_STEPS.get(name, ())
        # where each disease's deductible is kept apart from the ordinary one (攀枝花 第十条, 第九条), the year's ordinary
        # deductible rests on their being left out of it too: a system counting them in fails that article, and a
        # year whose ordinary visits charged none (all chronic, or no ordinary pooling) cites it rather than nothing
        # (probe s24 R F4); their readings (A-REVERSAL of a chronic deductible given back) are the chronic figure's
        apart: list[dict] | None = None
        if name == "ordinary_dedc":
            if self._shares_deductible():
                names += (CHRONIC_DEDUCTIBLE,)  # 吉林 二（三）: the chronic deductible is the ordinary one
            else:
                apart = []
        gone = {rev for _, _, _, rev in self.ytd_changes if rev is not None}
        steps: list[dict] = []
        terms: list[str] = []
        opening = self.person.get("ytd") or {}
        if str(opening.get("year", "")) == str(year) and opening.get(name) is not None:
            terms.append(f"期初（场景给定）{opening[name]}")
        for item, y, changes, reverses in self.ytd_changes:
            change = changes.get(name, Decimal(0))
            if y != year or (reverses is not None and not change):
                continue
            terms.append(f"{item} {fmt(change)}")
            if item in gone:
                continue  # its part was taken out: the reversal's step says so
            own = self.trace_for(item)
            if reverses is None:
                if apart is not None:
                    apart += [{**t, "detail": f"{item}：{t.get('detail', '')}"} for t in own if isinstance(t, dict)
                              and t.get("step") == CHRONIC_DEDUCTIBLE and _positive(t.get("value"))]
                own = [t for t in own if isinstance(t, dict) and t.get("step") in names]
            steps += [{**t, "detail": f"{item}：{t.get('detail', '')}"} for t in own if isinstance(t, dict)]
        for item, y in self.presettles:
            # a pre-settlement adds nothing (2206 records nothing), yet a total it moved is moved at its steps: its
            # deductible or cap counted as if settled is the article of that deductible or cap (南昌 四（二）1), not
            # nothing — the total with no settlement standing otherwise cites no clause
            if y != year:
                continue
            terms.append(f"{item}（预结算 2206，不计入）0.00")
            steps += [{**t, "detail": f"{item}（预结算 2206，不计入年度累计 not counted）：{t.get('detail', '')}"}
                      for t in self.trace_for(item) if isinstance(t, dict) and t.get("step") in names]
        if name == "ordinary_dedc" and self.oracle is not None:
            # a visit that charged no ordinary deductible, answered so by the system, added nothing to a wrong total:
            # its 0.00 step (a person without ordinary pooling: 第七条, A-PZH-FLEX-TIER2) is not why the total differs
            # — a chronic deductible counted into it is (the step below, 第十条); where the system did charge one on
            # that visit, the step stays and the total rests on it (probe s26 probe2 F2)
            quiet = [t for t in steps if t.get("step") == "起付线" and not _positive(t.get("value"))
                     and not self._answered_apart([str(t.get("detail", "")).split("：", 1)[0]], ("act_pay_dedc",))]
            if quiet and (len(quiet) < len(steps) or apart):
                steps = [t for t in steps if t not in quiet]
        if apart:
            kept = list(dict.fromkeys(p.strip() for t in apart for p in str(t.get("clause") or "").split("；")
                                      if p.strip() and not p.strip().startswith("A-")))
            steps.append({"step": f"{CHRONIC_DEDUCTIBLE}单独计算", "clause": "；".join(kept),
                          "detail": "门诊慢特病（含“两病”）起付线按病种单独计算，不计入普通门诊起付线累计："
                                    + "；".join(str(t.get("detail", "")) for t in apart)})
        # where the system's own answers show which settlements' parts differ (their figure for this total), the total
        # is theirs alone: the other visits' articles were answered right (probe s25 Z3, side note to F4)
        apart = self._answered_apart([item for item, y, _, rev in self.ytd_changes if y == year and rev is None
                                      and item not in gone], YTD_ANSWERS.get(name, ()))
        blamed = [t for t in steps if str(t.get("detail", "")).split("：", 1)[0] in apart] if apart else []
        parts: list[str] = []
        for t in blamed or steps:
            for part in str(t.get("clause") or "").split("；"):
                if part.strip() and part.strip() not in parts:
                    parts.append(part.strip())
        parts.sort(key=lambda part: part.startswith("A-"))  # the articles, then the readings, as a step cites them
        totals = self._reference_totals(year) or {}
        total = fmt(totals[name]) if name in totals else None
        steps.append({"step": f"年度累计{label}", "clause": "；".join(parts), "value": total,
                      "detail": f"{year}年度累计{label}：{' + '.join(terms) or '0.00'} = {total}元"})
        return steps

    def record_use(self, request: dict, answer: dict, reference: dict | None) -> str:
        """Keep one account use (T003) for the balance's working: the request (relation, purpose, amount, day), the
        system's answer and the reference's (its decision, clause and balance after). Returns its item."""
        item = f"个人账户使用{len(self.uses) + 1}"
        self.uses[item] = (request, answer, reference)
        self.account_events.append(("use", item))
        return item

    def _use_steps(self, item: str) -> list[dict]:
        """The working of use `item`: one 个人账户使用 step citing the reference's decision's clause (a refused request
        the articles its reason names), showing what it took off the balance (0.00 unless allowed)."""
        request, got, ref = self.uses[item]
        if self.oracle is None:   # the built-in reference is the system: its own answer is the working
            ref = got
        if not isinstance(ref, dict):
            return []
        asked = request.get("amount")
        if "err_msg" in ref:
            clause = ("A-BEFORE-VALIDITY" if ref.get("by_reading")
                      else articles_in(str(ref["err_msg"]), self.policy or ""))
            said = f"拒绝（{ref['err_msg']}）"
        else:
            clause = str(ref.get("clause") or "")
            try:  # with the reading the use's rule rests on, as the decision's own check cites it (`_use_basis`)
                from ..properties.accounts import use_clause

                rules = bind_cached(self.subject().policy, self.region, self.params or None)
                clause = use_clause(rules, str(request.get("code") or ""), clause, self.person.get("has_account"))
            except Exception:  # noqa: BLE001 - rules that do not bind: the answer's clause alone
                pass
            said = f"{ANSWER_WORDS.get(str(ref.get('decision')), ref.get('decision'))}（{ref.get('reason') or ''}）"
        moved = ref.get("decision") == "allowed" and asked and ref.get("acct_balance") is not None
        debited = asked if moved else "0.00"
        after = f"，余额 {ref['acct_balance']} 元" if ref.get("acct_balance") is not None else ""
        day = f"{request['date']} " if request.get("date") else ""
        return [{"step": "个人账户使用", "clause": clause, "value": debited,
                 "detail": f"{item}：{day}为{request.get('relation')}支付{request.get('purpose')}"
                           f"{f' {asked} 元' if asked else ''}，{said}，扣减 {debited} 元{after}"}]

    def _account_parted(self, kind: str, item: str) -> bool:
        """Whether the system's answer to an account event already departs from the reference's on what moves the
        balance: a settlement's (or reversal's) account payments, a credit's amount, a use's decision; any of them
        and the balance after it where both answers report one. Unknown (an answer missing): not parted."""
        if kind == "use":
            _, got, ref = self.uses[item]
            fields: tuple[str, ...] = ("decision", "acct_balance")
        elif kind == "credit":
            got, ref = self.credits.get(item), self.oracle_credits.get(item)
            fields = ("amount", "acct_balance")
        else:
            got, ref = self.results.get(item), self.oracle_results.get(item)
            fields = ("acct_pay", "balc")
        return self.oracle is not None and _departs(got, ref, fields)

    def _answered_apart(self, items: list[str], fields: tuple[str, ...]) -> set[str]:
        """Of the settlements `items`, those whose system's answer differs from the reference's in any of `fields`
        that both report (the evidence of which visits' parts a wrong year's total has wrong). Empty: none does, or
        nothing is known (no oracle, an answer missing)."""
        if self.oracle is None:
            return set()
        return {item for item in items if _departs(self.results.get(item), self.oracle_results.get(item), fields)}

    def disease_ytd_trace(self, year: int, name: str, dise: str, label: str) -> list[dict]:
        """The reference's working of a disease's own year total (`then_ytd_disease`): of each settlement of that
        disease still counting in `year`, its 慢特病起付线 (chronic_dedc) or 慢特病支付 (chronic_pay) step, and the total,
        whose clause is theirs — only those the system answered differently (their 本次起付线 / 慢特病统筹支付) where
        any is: the others' article was answered right. An opening total the scenario gives rests on nothing."""
        step = CHRONIC_DEDUCTIBLE if name == "chronic_dedc" else "慢特病支付"
        answer = "act_pay_dedc" if name == "chronic_dedc" else "chronic_pay"
        gone = {rev for _, _, _, rev in self.ytd_changes if rev is not None}
        counted = [item for item, y, _, rev in self.ytd_changes if y == year and rev is None and item not in gone
                   and getattr(self.settlements.get(item), "dise_codg", None) == dise]
        apart = self._answered_apart(counted, (answer,))
        steps = [{**t, "detail": f"{item}：{t.get('detail', '')}"} for item in counted for t in self.trace_for(item)
                 if isinstance(t, dict) and t.get("step") == step]
        blamed = [t for t in steps if t["detail"].split("：", 1)[0] in apart] or steps
        parts = list(dict.fromkeys(p.strip() for t in blamed for p in str(t.get("clause") or "").split("；")
                                   if p.strip()))
        parts.sort(key=lambda part: part.startswith("A-"))
        ref = self._reference()
        total = None
        try:
            per = ref.query_ytd(self.psn_no, year).get(name) if ref is not None else None
            total = fmt(Decimal(str((per or {}).get(dise) or "0")))
        except (SettlementRefused, ArithmeticError, AttributeError):
            pass
        steps.append({"step": f"年度累计{label}", "clause": "；".join(parts), "value": total,
                      "detail": f"{year}年度累计{label}（病种 {dise}）："
                                f"{' + '.join(t['detail'].split('：', 1)[0] for t in steps) or '无'} = {total}元"})
        return steps

    def balance_trace(self, want: Decimal) -> list[dict]:
        """The reference's working of the account balance (`then_balance`): in the order made, the steps of its
        settlements' account payments (个人账户支付, 个人账户共济支付), of its reversals (结算撤销), of its credits and of
        the account uses (个人账户使用, the use's clause: 第五条), and the balance itself, 个人账户余额. Its clause is
        that of the first event at which the system's own answer departs from the reference's (`_account_parted`: a
        use answered allowed but not debited, a credit answered wrong) — a balance wrong because of a use is that
        use's article, not the credit's that was answered right (probe s25 Z3 F2) — else theirs together: a wrong or
        unanswered balance rests on the account's articles, as a year's total does on the steps that made it (s20)."""
        source = self.oracle_results if self.oracle is not None else self.results
        credits = self.oracle_credits if self.oracle is not None else self.credits
        pre = {item for item, _ in self.presettles}
        events = list(dict.fromkeys([*self.account_events, *(("settle", i) for i in source),
                                     *(("credit", m) for m in credits)]))
        steps: list[dict] = []
        parted: list[dict] | None = None
        for kind, item in events:
            if kind == "use":
                own = self._use_steps(item)
            elif kind == "credit":
                out = credits.get(item)
                own = [{**t, "detail": f"{item}：{t.get('detail', '')}"} for t in list(out.get("trace") or [])
                       if isinstance(t, dict)] if isinstance(out, dict) else []
            else:
                out = source.get(item)
                if item in pre or not isinstance(out, dict):
                    continue
                own = [{**t, "detail": f"{item}：{t.get('detail', '')}"} for t in list(out.get("trace") or [])
                       if isinstance(t, dict) and t.get("step") in ("个人账户支付", "个人账户共济支付", "结算撤销")]
            steps += own
            if parted is None and own and self._account_parted(kind, item):
                parted = own
        parts: list[str] = []
        for t in (parted if parted and any(t.get("clause") for t in parted) else steps):
            for part in str(t.get("clause") or "").split("；"):
                if part.strip() and part.strip() not in parts:
                    parts.append(part.strip())
        parts.sort(key=lambda part: part.startswith("A-"))
        steps.append({"step": "个人账户余额", "clause": "；".join(parts), "value": fmt(want),
                      "detail": f"个人账户余额 {fmt(want)} 元（期初余额、计入、个人账户支付与撤销退回、个人账户使用）"})
        return steps

    def _shares_deductible(self) -> bool:
        try:
            rules = bind_cached(self.subject().policy, self.region, self.params or None)
        except Exception:  # noqa: BLE001 - rules that do not bind: the ordinary deductible's own step alone
            return False
        return rules.flag("chronic.shares_ordinary_deductible")

    def credit(self, month: str, base: Decimal | None, contribution: Decimal | None,
               expect_refusal: bool = False) -> dict | None:
        self.ensure_person()
        self.adapter.require("credit_month")
        try:
            dt.date.fromisoformat(f"{month}-01")
        except ValueError:
            raise ScenarioError(f"not a month (YYYY-MM): {month!r}") from None
        req = CreditRequest(month, base, contribution)
        self.credit_requests[month] = req
        self.refusal = None
        self.credits.pop(month, None)
        self.oracle_refusals.pop(month, None)
        self.oracle_required_reading.pop(month, None)
        self.last_credit = month  # the month asked for, refused or not: the checks that follow judge this one
        self.account_events.append(("credit", month))
        self.oracle_refusal = None
        if self.oracle is not None:  # the reference's trace of the credit: what a wrong amount rests on
            try:
                self.oracle_credits[month] = self.oracle.credit_month(self.psn_no, req)
            except SettlementRefused as e:
                self.oracle_refusal = e
                self._oracle_refused(month, e)
        try:
            out = self.adapter.credit_month(self.psn_no, req)
        except SettlementRefused as e:
            if not expect_refusal:
                raise
            self.refusal = e
            if self.oracle is None:
                self.oracle_refusal = e
            return None
        self.credits[month] = out
        return out


def required_readings(e: SettlementRefused) -> list[str]:
    """The readings the reference's refusal `e` rests on: where it refused for a missing value whose requirement
    names one (MissingParameter.reading: 攀枝花 A-PZH-REMOTE-UNFILED, "缺少时拒绝计算"), and where the value was needed
    only for the part of a chronic visit a reading sent on to ordinary pooling (the engine's `readings`:
    A-PZH-OVERFLOW-SPLIT, benefits._passed_on; probe s26/probe2 F3); else []. Known from the engine's error, the
    exception's context, as `validity_refusal` knows its own."""
    cause = e.__cause__ or e.__context__
    own = cause.reading if isinstance(cause, MissingParameter) else None
    return list(dict.fromkeys([*([own] if own else []), *getattr(cause, "readings", ())]))


def validity_refusal(e: SettlementRefused) -> bool:
    """Whether the reference's refusal `e` is one outside the document's validity (the earlier or later rules
    are not in the text, A-BEFORE-VALIDITY): the engine's OutsideValidity, which a settlement's date, a
    credit's month and a use's day before the rules (or the account reform) take effect or after they
    expire all raise. Known by that class alone, never by the message's words: a reworded reason must not
    move the blame, nor a reason naming the reading in passing. The reference adapter raises
    SettlementRefused from the engine's error, so its type is the exception's context."""
    return isinstance(e.__cause__ or e.__context__, OutsideValidity)
