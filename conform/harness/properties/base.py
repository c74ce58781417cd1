"""What a property is, how it runs against an adapter, and how it fails.

A property is a check over generated examples that runs through the adapter
interface only, so it holds against the reference, an `http` system or a
`python:` plugin alike. It names the clauses it checks per policy (they become
pytest marks, and so rows of the report's article matrix). It drives the system
with `Story`s — one test person and the operations done for them — which is
also what a shrunk failure is rendered from (conform/harness/counterexample.py).
"""
from __future__ import annotations

import inspect
import itertools
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterator, NoReturn

from hypothesis import strategies as st

from conform.reference.case import CreditRequest, Person, Settlement, UseRequest

from .. import evidence
from ..adapters import Adapter, SettlementRefused, Subject
from ..adapters.base import ROUTE_SPLIT, SETLINFO_FIELDS
from ..generators import PersonYear, Setting, person_year_batches, person_years
from ..plugin import MismatchError
from ..results import Mismatch

# Fund-side output fields (the account side depends on the balance, which the year carries).
FUND_FIELDS = ("inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "fund_pay_sumamt", "psn_part_amt")
SPLIT_FIELDS = ROUTE_SPLIT
LABELS = {"medfee_sumamt": "医疗费用总额", "inscp_scp_amt": "政策范围内费用", "act_pay_dedc": "本次起付线",
          "hifp_pay": "统筹基金支付", "pool_prop_selfpay": "支付比例", "fund_pay_sumamt": "基金支付总额",
          "psn_part_amt": "个人负担", "acct_pay": "个人账户支付", "psn_cash_pay": "现金支付",
          "ordinary_pay": "普通门诊统筹支付", "chronic_pay": "慢特病统筹支付", "inpatient_pay": "住院统筹支付",
          "ordinary_dedc": "年度累计起付线", "special_dedc": "年度累计特殊疾病起付线", "acct_balance": "个人账户余额",
          "balc": "个人账户余额", "infcode": "结算结果", "amount": "个人账户计入", "decision": "使用决定"}


def optional_figures(adapter: Any) -> frozenset[str]:
    """The settlement figures the adapter in use may leave out of its answers (`Adapter.optional_figures`:
    the platform adapter's optional setlinfo figures; empty for every other adapter). Read through any
    wrapper (runner.GuardedAdapter forwards attributes)."""
    return frozenset(getattr(adapter, "optional_figures", None) or ())


def unreported(out: dict, f: str, optional: frozenset[str] | tuple[str, ...] = frozenset()) -> bool:
    """Whether `f` is one of the adapter's `optional` figures the system did not report in `out`. Such a
    figure is not compared anywhere (as an absent split field or balc); identities that need it are
    skipped. A figure the adapter does not list as optional is never 'unreported': absent, it is "(missing)"."""
    return f in optional and out.get(f) is None


def missing_figures(out: dict, optional: frozenset[str], item: str = "") -> list[Mismatch]:
    """A settlement answer's required figures (SETLINFO_FIELDS less the adapter's optional ones) that it
    leaves out, each as "(missing)": a check that needs one fails on it instead of ending in a KeyError."""
    return [mismatch(f, "（必填字段）", "(missing)", item) for f in SETLINFO_FIELDS
            if f not in optional and out.get(f) is None]


def D(value: Any) -> Decimal:
    """An amount from a system's answer as Decimal (answers are strings; never via float)."""
    try:
        return Decimal(value if type(value) is str else str(value))
    except (InvalidOperation, ValueError):
        return Decimal("NaN")


# --------------------------------------------------------------------------- stories


@dataclass(frozen=True)
class Settle:
    settlement: Settlement


@dataclass(frozen=True)
class Presettle:
    """A 2206 pre-settlement: it records nothing, so what follows it is as if it never happened."""
    settlement: Settlement


@dataclass(frozen=True)
class Reverse:
    setl_id: str


@dataclass(frozen=True)
class Credit:
    request: CreditRequest


@dataclass(frozen=True)
class Use:
    request: UseRequest


Op = Settle | Presettle | Reverse | Credit | Use


@dataclass
class Story:
    """One test person under one setting and what is done for them, in order."""

    setting: Setting
    person: Person
    ops: list[Op] = field(default_factory=list)
    title: str = ""

    @classmethod
    def of(cls, setting: Setting, person: Person, settlements: tuple[Settlement, ...] | list[Settlement],
           title: str = "") -> "Story":
        return cls(setting, person, [Settle(s) for s in settlements], title)

    @classmethod
    def of_year(cls, py: PersonYear, title: str = "") -> "Story":
        """The year's settlements in order, each of its reversals (PersonYear.reversals) right after the settlement
        it follows."""
        story = cls.of(py.setting, py.person, py.settlements, title)
        reversals = getattr(py, "reversals", ())
        if reversals:
            ops: list[Op] = []
            for op in story.ops:
                ops.append(op)
                ops += [Reverse(sid) for sid, after in reversals if after == op.settlement.id]
            story.ops = ops
        return story

    @property
    def settlements(self) -> list[Settlement]:
        return [op.settlement for op in self.ops if isinstance(op, Settle)]

    @property
    def years(self) -> list[int]:
        """The years it settles or pre-settles in: a year with a 2206 alone has totals to check too (all 0.00)."""
        return sorted({op.settlement.date.year for op in self.ops if isinstance(op, (Settle, Presettle))})


@dataclass
class Observed:
    """What a system answered to one story, keyed by the story's own ids."""

    psn_no: str
    settled: dict[str, dict] = field(default_factory=dict)
    presettled: dict[str, dict] = field(default_factory=dict)  # 2206 answers (a refusal: refused "<id>-预结算")
    refused: dict[str, str] = field(default_factory=dict)
    reversals: dict[str, dict] = field(default_factory=dict)
    credits: list[tuple[CreditRequest, dict | str]] = field(default_factory=list)
    uses: list[tuple[UseRequest, dict | str]] = field(default_factory=list)
    ytd: dict[int, dict] = field(default_factory=dict)

    def total_fund(self, year: int, story: Story) -> Decimal:
        """The year's fund payments over the story's settlements still standing."""
        gone = set(self.reversals)
        return sum((D(self.settled[s.id]["hifp_pay"]) for s in story.settlements
                    if s.date.year == year and s.id in self.settled and s.id not in gone), Decimal("0"))


_PSN = itertools.count(1)


def new_psn_no() -> str:
    """A test person id unique within this process (each example is a fresh person)."""
    return f"HP{next(_PSN):08d}"


def _reference_settles(story: Story, sid: str) -> str:
    """What the reference settles `sid` of `story` at, for a refusal's "应为 0（结算成功…）": "；参考实现统筹基金支付
    130.00" and, where the cap decided it, its cap step ("年度限额20000.00元，此前已支付19870.00元，尚余130.00元；本次统筹支付
    min(140.00, 130.00) = 130.00元": 北京 refuse_over_cap refused a visit whose 200 × 70% = 140 passes the 130 left,
    probeX item 3). "" where the reference refuses it too or cannot say (then the bare 0（结算成功） stands)."""
    from ..adapters.reference import ReferenceAdapter

    try:
        with no_evidence():
            out = execute(ReferenceAdapter(), story).settled.get(sid)
    except Exception:  # noqa: BLE001 - no figure to name: the refusal itself is stated
        return ""
    return settled_note(out)


def settled_note(out: dict | None) -> str:
    """The reference's settlement `out` as said after "0（结算成功": its fund payment and, where the cap decided
    it, the cap step's working (`_reference_settles`); "" for none."""
    if out is None or out.get("hifp_pay") is None:
        return ""
    steps = {t.get("step"): t for t in out.get("trace") or () if isinstance(t, dict)}
    shown = f"；参考实现统筹基金支付 {out['hifp_pay']}"
    cap, ratio = steps.get("年度最高支付限额"), steps.get("支付比例")
    try:  # the cap decided the payment (its step's figure below the ratio step's): its working
        if cap and ratio and Decimal(str(cap.get("value"))) < Decimal(str(ratio.get("value"))):
            shown += f"：{cap['detail']}"
    except InvalidOperation:
        pass
    return shown


def execute(adapter: Adapter, story: Story, *, psn_no: str | None = None, years: list[int] | None = None) -> Observed:
    """Run a story against an adapter: prepare the person, do each operation, query the years' totals.

    A refusal is recorded (the properties decide what it means); any other fault of the system
    (SutError) propagates and makes the check an error."""
    psn = psn_no or new_psn_no()
    s = story.setting
    adapter.prepare_person(Subject(s.policy, replace(story.person, psn_no=psn), s.region, s.param_dict))
    obs = Observed(psn)
    for op in story.ops:
        if isinstance(op, Settle):
            try:
                obs.settled[op.settlement.id] = adapter.settle(psn, op.settlement)
            except SettlementRefused as e:
                obs.refused[op.settlement.id] = e.message
        elif isinstance(op, Presettle):
            try:
                obs.presettled[op.settlement.id] = adapter.presettle(psn, op.settlement)
            except SettlementRefused as e:
                obs.refused[f"{op.settlement.id}-预结算"] = e.message
        elif isinstance(op, Reverse):
            try:
                obs.reversals[op.setl_id] = adapter.reverse(psn, op.setl_id)
            except SettlementRefused as e:
                obs.refused[f"{op.setl_id}-撤销"] = e.message
        elif isinstance(op, Credit):
            try:
                obs.credits.append((op.request, adapter.credit_month(psn, op.request)))
            except SettlementRefused as e:
                obs.credits.append((op.request, e.message))
        elif isinstance(op, Use):
            u = op.request
            amount = str(u.amount) if u.amount is not None else None
            try:
                obs.uses.append((u, adapter.check_account_use(psn, u.relation, u.purpose, amount)))
            except SettlementRefused as e:
                obs.uses.append((u, e.message))
    wanted = story.years if years is None else years
    if wanted and "query_ytd" in adapter.supports:
        for y in wanted:
            obs.ytd[y] = adapter.query_ytd(psn, y)
    return obs


# --------------------------------------------------------------------------- failing


class PropertyViolation(MismatchError):
    """A property that does not hold: what was expected, what the system did, and the stories that show it.

    Once Hypothesis has shrunk the example, `counterexample` holds it as a ready-to-paste
    zh-CN Gherkin feature (the collector attaches it to the check's result)."""

    def __init__(self, headline: str, mismatches: list[Mismatch], stories: list[Story],
                 articles: tuple[str, ...] = (), departure: str = "", readings: tuple[str, ...] = (),
                 bound: tuple[str, ...] = (), unread: tuple[str, ...] = ()):
        self.headline = headline
        self.stories = stories
        self.articles = articles  # the articles whose rule this check found broken (ids, as in clauses.py)
        self.departure = departure  # the item the system first departs at; "" when every mismatch counts
        # the steps of the failing settlement's reference trace that set the bound it broke (Context.fail)
        self.bound = bound
        # readings the failing items' reference working cites that the failure does not rest on (Context.fail)
        self.unread = unread
        self.counterexample = ""
        # `readings`: those of the property's declared readings its failing expectation itself rests on (Context.fail)
        super().__init__(mismatches, readings=readings)
        self.args = (self._text(),)

    def summary(self) -> str:
        """What was compared, in Chinese, without the counterexample (the report shows that on its own)."""
        return self._text(with_counterexample=False)

    def _text(self, with_counterexample: bool = True) -> str:
        lines = [self.headline]
        lines += [f"  {m.item + ' ' if m.item else ''}{m.label or m.field} ({m.field}): 应为 {m.expected}，实际 {m.actual}"
                  for m in self.mismatches[:12]]
        if len(self.mismatches) > 12:
            lines.append(f"  … {len(self.mismatches) - 12} more")
        if self.counterexample and with_counterexample:
            lines += ["", "反例（可直接加入 features/ 作为回归场景）Counterexample, ready to paste:", "",
                      self.counterexample]
        return "\n".join(lines)

    def attach(self, gherkin: str) -> None:
        self.counterexample = gherkin
        self.args = (self._text(),)


def mismatch(field_name: str, expected: Any, actual: Any, item: str = "", label: str | None = None) -> Mismatch:
    return Mismatch(field_name, str(expected), str(actual), item, label or LABELS.get(field_name, field_name))


class Context:
    """What a property's check gets: the system under test and ways to run stories and fail."""

    def __init__(self, adapter: Adapter, policy: str, prop: "Property", budget: Any = None):
        self.adapter = adapter
        self.policy = policy
        self.prop = prop
        self.budget = budget
        self._persons = 0
        self.optional = optional_figures(adapter)
        self.notes: dict[str, Any] = {}  # what the check saw but does not judge (uses the text leaves open)
        # psn_no → the story being sent for it in this item: an answer about another request (the adapter's echo
        # checks, MismatchError) fails the example with that story as its counterexample (runner.GuardedAdapter)
        self.stories: dict[str, Story] = {}

    def unreported(self, out: dict, f: str) -> bool:
        """Whether `f` is an optional figure of the adapter in use that `out` does not report."""
        return unreported(out, f, self.optional)

    def begin_example(self) -> None:
        """Called at the start of every example (the runner's shrinking budget may end the search here)."""
        if self.budget is not None:
            self.budget.begin_example()
        self.begin_item()

    def begin_item(self) -> None:
        """Called before each item of a batched example (runner.batched): its own evidence and persons."""
        clear_evidence()
        self._persons = 0
        self.stories = {}

    def psn_no(self) -> str:
        """The next test person of this example. Every example re-uses the same few ids, which
        prepare_person resets (as features do), so a long run does not pile up persons in the system."""
        self._persons += 1
        return f"HP-{self.prop.id}-{self.policy}-{self._persons}"

    def search_over(self) -> bool:
        """Whether the runner has ended the search, or the property's share of the budget is spent: a stateful
        machine then runs its steps idle and ends the example in teardown, after every draw. Ended in its first
        step (RoundOver from begin_example), an example drew less than the same choices had drawn before, which
        Hypothesis reports as FlakyStrategyDefinition — a harness error, exit 4, in a --budget run."""
        return self.budget is not None and (self.budget.over() or self.budget.round_spent())

    def run(self, story: Story, *, require_settled: bool = True, years: list[int] | None = None,
            require_figures: bool = True) -> Observed:
        """Run a story. `require_settled`: a refusal fails the example. `require_figures`: a settlement
        answer without a required figure (one the adapter does not list in `optional_figures`) fails it
        with "(missing)" (a check comparing each figure itself, as differential, passes False)."""
        psn = self.psn_no()
        self.stories[psn] = story
        obs = execute(self.adapter, story, psn_no=psn, years=years)
        if require_settled and obs.refused:
            sid, why = next(iter(obs.refused.items()))
            done = "撤销成功" if sid.endswith("-撤销") else "预结算成功" if sid.endswith("-预结算") else "结算成功"
            if done == "结算成功":
                done += _reference_settles(story, sid)
            self.fail("被测系统拒绝了规则可以确定的结算 the system refused a settlement the rules determine",
                      [mismatch("infcode", f"0（{done}）", f"拒绝：{why}", sid)], story,
                      clauses=route_clauses(story, sid))
        if require_figures:
            self.require_figures(obs.settled, story)
        return obs

    def require_figures(self, settled: dict[str, dict], *stories: Story) -> None:
        """Fail the example if a settlement answer leaves out a required figure ("(missing)")."""
        bad = [m for sid, out in settled.items() for m in missing_figures(out, self.optional, sid)]
        if bad:
            self.fail("被测系统的结算结果缺少必填字段 a settlement answer leaves out a required figure", bad, *stories)

    def fail(self, headline: str, mismatches: list[Mismatch], *stories: Story,
             clauses: dict[str, tuple[str, ...]] | tuple[str, ...] | None = None, departure: str = "",
             readings: tuple[str, ...] = (), bound: tuple[str, ...] = (), cited: tuple[str, ...] = (),
             unread: tuple[str, ...] = ()) -> NoReturn:
        """Fail the example. `clauses` names the rule this check found broken (a clause map as in
        clauses.py, or this policy's article ids): only those articles are blamed in the report;
        without it, every article the property is tagged with. `departure`: the item (a settlement's id)
        where the system first departs, when the other mismatches follow from it (`traced_blame` reads
        that item's alone); "" to read them all. `readings`: the property's declared readings (its
        `assumptions`) the failing expectation itself rests on, where no reference trace says so — a year's
        total after a reversal took a part of it back is the sum of what stands by A-REVERSAL
        (`reversal_readings`); the check's rests_on names them. A reading the property does not declare is
        a fault of the property, refused. `bound`: the steps of the failing settlement's reference trace that set
        the bound its figure broke (a year's cap: 年度最高支付限额): the failure rests on what those steps cite, not on
        the steps that computed the payment (`traced_blame`). `cited`: readings the reference's working of a story
        cites for what the expectation rests on, where the failing figure has no trace of its own (a year's total
        leaving out a visit whose route a reading decides, A-CHRONIC-PHARMACY): recorded as `readings` are, and,
        like a trace's readings, not among the property's declared ones. `unread`: readings the reference's working of
        the failing items cites that the failure does not rest on (a 2206 parting after the system's own right 2207 of
        the same visit: no period reading, differential), left out of that working where the blame reads it."""
        undeclared = [a for a in readings if a not in self.prop.assumptions]
        if undeclared:
            raise ValueError(f"property {self.prop.id}: {', '.join(undeclared)} is not among its declared assumptions "
                             f"({', '.join(self.prop.assumptions) or 'none'})")
        tagged = self.prop.clauses.get(self.policy, ())
        if clauses is None:
            from .clauses import blamed

            articles = blamed([m.field for m in mismatches], self.policy, tagged)
        elif isinstance(clauses, dict):
            # the rule found broken, even when the property is tagged with other articles (a refused
            # chronic visit drawn by a property about ordinary pooling is the chronic articles' failure)
            articles = tuple(clauses.get(self.policy, ())) or tagged
        else:
            articles = tuple(clauses)
        e = PropertyViolation(f"{self.prop.title}：{headline}", mismatches, list(stories), articles, departure,
                              tuple(dict.fromkeys([*readings, *cited])), tuple(bound), tuple(unread))
        try:
            raise e
        except PropertyViolation:
            if self.budget is not None:
                self.budget.failed(e)  # with its traceback, to re-raise it unchanged later
            raise


REVERSAL = "A-REVERSAL"


def reversal_readings(mismatches: list[Mismatch], given_back: dict[str, Decimal]) -> tuple[str, ...]:
    """(A-REVERSAL,) where the failing year total — the root mismatch's field, the one the blame reads — is expected
    without a non-zero part that a reversal (2208) took back from that year: `given_back` maps a total
    (ordinary_dedc, ordinary_pay) to what the reversed settlements had answered for it. That their part is out of
    the total is the reading's (no text speaks of reversals), as the reference's working of a scenario's total
    cites it (World.ytd_trace); a total no reversal changed, or one only a part of which a reversal changed (the
    deductible, where the reversal gave back a payment alone), rests on the articles alone. Else ()."""
    from dataclasses import asdict

    from ..report.causes import root_mismatch

    root = root_mismatch([asdict(m) for m in mismatches])
    back = given_back.get(root["field"]) if root is not None else None
    if not back:
        return ()
    # … and only where the other reading can give the system's figure: a 2208 that gives nothing back leaves the
    # total higher by at most what was given back (the account's balance lower, the refund paid out in cash); a
    # figure off the other way, or by more, is wrong under either reading (probe s26 probeR R3)
    try:
        off = Decimal(str(root["actual"])) - Decimal(str(root["expected"]))
    except (ArithmeticError, ValueError, InvalidOperation):
        return (REVERSAL,)   # no figure to compare (a bound, "≤ 200.00"): as the working cites it
    if root["field"] == "acct_balance":
        off = -off
    return (REVERSAL,) if Decimal(0) < off <= abs(Decimal(str(back))) else ()


MIDYEAR = "A-MIDYEAR-RETIREMENT"
FLEX_TIER2 = "A-PZH-FLEX-TIER2"
YEAR_READING = "A-YEAR-BY-SETTLEMENT-DATE"
# the declared readings a failing example names only where it has their shape (story_readings)
SHAPED = frozenset({MIDYEAR, FLEX_TIER2, YEAR_READING})


def year_reading(story: Story) -> str | None:
    """The reading a year's fresh start on 1 January rests on where the story's document names no period for its
    deductible or cap (北京（五）, 浙江 二（一）: the policy file's `year_reading`, A-YEAR-BY-SETTLEMENT-DATE), for a
    story settling in more than one natural year (only there can a reset matter); else None (攀枝花 第七条, 吉林,
    南昌 name the natural year themselves)."""
    if len(story.years) < 2:
        return None
    return story.setting.rules.policy.doc.get("year_reading") or None


def retires_midyear(person: Any, years: list[int] | tuple[int, ...]) -> bool:
    """Whether `person` changes type inside one of `years` (retires after its 1 January): which standard and which
    count then apply is A-MIDYEAR-RETIREMENT's, not a text's."""
    d = getattr(person, "retire_date", None)
    return d is not None and d.year in years and (d.month, d.day) != (1, 1)


def tier2_flexible(story: Story) -> bool:
    """A 攀枝花 tier-2 flexible worker whose account the case leaves unstated: that they have none and so no ordinary
    pooling is A-PZH-FLEX-TIER2's (第四条 credits tier 1 only and says nothing of tier 2's account)."""
    from . import figures as fig

    p = story.person
    return (story.setting.policy == "panzhihua" and p.has_account is None and fig.is_flexible(p)
            and p.flex_tier == 2)


def story_readings(story: Story) -> tuple[str, ...]:
    """The person- and year-shaped readings a story's figures can rest on (year_reading, retires_midyear,
    tier2_flexible), for a check whose expectation follows from them rather than from an article."""
    out = [r for r in (year_reading(story),) if r]
    if retires_midyear(story.person, story.years):
        out.append(MIDYEAR)
    if tier2_flexible(story):
        out.append(FLEX_TIER2)
    return tuple(out)


def exercised(readings: tuple[str, ...] | list[str], stories: list[Story]) -> list[str]:
    """Of a property's declared readings, those its failing example can rest on: A-REVERSAL only where the
    example reverses a settlement (a ledger whose balance is off after one visit and no reversal does not rest
    on how reversals are read, rvendor8 D7); A-MIDYEAR-RETIREMENT, A-PZH-FLEX-TIER2 and a document's year
    reading only where a story is of that shape (story_readings); the others as declared."""
    reversed_any = any(isinstance(op, Reverse) for story in stories for op in story.ops)
    shaped = {r for story in stories for r in story_readings(story)}
    return [a for a in readings if (a != REVERSAL or reversed_any) and (a not in SHAPED or a in shaped)]


def declared_for(readings: tuple[str, ...] | list[str], policy: str) -> list[str]:
    """Of a property's declared readings, those a check under `policy` can rest on at all: those the document's
    policy file (with common.yaml) records — another document's own (A-PZH-…) never — and a year reading only where
    the document names it (`year_reading`)."""
    from conform.reference.policy import load_policy

    doc = load_policy(policy)
    year = doc.doc.get("year_reading")
    return [a for a in readings if (a != YEAR_READING or a == year) and a in doc.assumptions]


def route_clauses(story: Story, sid: str) -> dict[str, tuple[str, ...]] | None:
    """The articles of the benefit a settlement is paid under: a refused or wrong chronic visit is
    blamed on the chronic articles, not on ordinary pooling (None: unknown, blame every tagged one)."""
    from . import figures as fig
    from .clauses import CHRONIC, EXCLUSIONS, INPATIENT_ROUTES, ORDINARY

    s = next((op.settlement for op in story.ops                 # a 2206's visit is routed as a 2207's
              if isinstance(op, (Settle, Presettle)) and op.settlement.id == sid), None)
    if s is None:
        return None
    try:
        r = fig.route(story.setting.rules, story.person, s)
    except Exception:  # noqa: BLE001 - a visit the figures cannot route: blame every tagged article
        return None
    if r.kind == "none":
        return CHRONIC if s.med_type == "14" else EXCLUSIONS
    if r.kind == "chronic":  # the overflow rule (攀枝花 第十一条, 吉林 六（三）) is among the chronic articles
        return CHRONIC
    return {"ordinary": ORDINARY, "inpatient": INPATIENT_ROUTES}[r.kind]



def reference_traces(stories: list[Story]) -> dict[str, list[dict]]:
    """The reference's trace of each item of the stories (a settlement's id, "<id>-撤销", a credit's month,
    a use as "关系·用途"): what each figure rests on, the clauses and the readings (A-…) it cites. A
    refused settlement at the edge of the rules' validity (the first or last day in force, or the day
    either side) rests on the article putting the rules in force (攀枝花 第十九条): "<id>\0edge", its step
    saying which edge ("edge": "start" or "end")."""
    import datetime as dt

    from conform.reference.case import RELATIONS

    from ..adapters.reference import ReferenceAdapter
    from .accounts import use_clause

    out: dict[str, list[dict]] = {}
    for story in stories:
        try:
            with no_evidence():
                obs = execute(ReferenceAdapter(), story)
        except Exception:  # noqa: BLE001 - no trace to tell: the check's own blame stands
            continue
        rules = story.setting.rules
        day = dt.timedelta(days=1)
        for s in story.settlements:
            edge = next((e for e in (rules.valid_from, rules.valid_to)
                         if e is not None and e - day <= s.date <= e + day), None)
            if edge is not None:
                out.setdefault(f"{s.id}\0edge", [{"step": "施行日期", "detail": f"{edge}", "clause": rules.validity_cite,
                                                  "edge": "start" if edge == rules.valid_from else "end"}])
        for sid, o in obs.settled.items():
            out.setdefault(sid, list(o.get("trace") or []))
        for sid, o in obs.reversals.items():
            out.setdefault(f"{sid}-撤销", list(o.get("trace") or []))
        for sid, o in obs.presettled.items():  # a 2206's working: what its figures rest on, as a 2207's
            out.setdefault(sid, list(o.get("trace") or []))
        for req, o in obs.credits:
            if isinstance(o, dict):
                out.setdefault(req.month, list(o.get("trace") or []))
        for u, o in obs.uses:
            if isinstance(o, dict):  # with the reading the use's rule rests on (accounts.use_clause)
                clause = use_clause(rules, u.purpose, str(o.get("clause", "")), story.person.has_account)
                out.setdefault(f"{RELATIONS[u.relation]}·{u.purpose}",
                               [{"step": "个人账户使用", "clause": clause, "value": str(o.get("decision", ""))}])
    return out


def traced_blame(e: PropertyViolation, policy: str, tagged: tuple[str, ...] | list[str] = (),
                 system: "Settles | None" = None) -> tuple[list[str], list[str], list[dict]]:
    """(article tags, readings, trace) the violation's failing figure rests on, by the reference's trace
    (report.causes.blame): its clause for the failing field. For a refusal of a settlement the rules pay:
    the benefit of that visit (the property's route, `e.articles`) as far as the visit's working cites it
    (a chronic visit of a non-两病 disease does not blame 第九条); the validity article only where the
    property is about validity (`tagged` holds it) — shrinking moves every refused visit to the first day
    in force, where any refusal would otherwise read as a fault of the dates. Not so at the end of validity
    (the last day in force or the day either side): shrinking moves no visit there, so a refusal of the last
    day in force (a `>=` for a `>`), or a payment the day after, is the validity article's whatever the
    property checks, and that article alone.
    Where the violation names its departure (`PropertyViolation.departure`: the differential's first differing
    settlement), only that item's mismatches are read: a later visit's differences follow from it. A figure's
    step that cites none of the property's own blame (a pharmacy's ratio, 吉林 一, beside the ordinary route
    二（二）) is blamed on what that step cites, as a scenario blames it, not on the route it missed.
    `system`: how the system under test settles a story (place_readings_that_bear); None reads the reference alone."""
    from dataclasses import asdict

    from ..report.causes import blame, cash_identity, is_reversal, root_mismatch, system_evidence
    from .clauses import held_for_validity

    traces = unread_traces(bound_traces(reference_traces(e.stories), e), e)
    departure = getattr(e, "departure", "")
    mismatches = [m for m in e.mismatches if m.item == departure] if departure else list(e.mismatches)
    found = [asdict(m) for m in mismatches]
    edged = dict(traces)
    for m in mismatches:
        if m.field == "infcode" and f"{m.item}\0edge" in traces:
            edged[m.item] = traces[f"{m.item}\0edge"]
    tags, named = blame(found, edged, policy)
    root = root_mismatch(found)
    if root is not None and is_reversal(root):  # a 2208 answered against the rules: the reading, no article
        return [], named, list(traces.get(root["item"], []))
    if root is not None and cash_identity(root, traces.get(root["item"], []), system_evidence(snapshot_evidence())):
        # cash ≠ psn_part_amt − acct_pay with both right (the example's answers): the platform's identity, which no
        # article or reading decides — as a figure parting at 国家医保平台结算口径 is, blamed on the check's own
        # articles (the visit's benefit, runner._reported `own`), resting on no reading (probe s28 H3 F2)
        return [], [], list(traces.get(root["item"], []))
    if root is not None and platform_identity(e, system):
        # the routes not adding up to a right hifp_pay: the split's own identity (Σ setldetail pooling rows = hifp_pay),
        # which no cap, deductible or routing reading decides — the visit's benefit, no reading (probe s28 H4 F2); so
        # is a person's part that is not medfee − fund with both right (acct_pay counted twice, F3)
        return [], [], list(traces.get(root["item"], []))
    refused = root is not None and root["field"] == "infcode"
    closing = refused and any(t.get("edge") == "end" for t in traces.get(f"{root['item']}\0edge", ()))
    # no edge, or an edge article the property does not check at the first day in force (where shrinking puts it):
    # checked only where the property holds it as the validity article, not as one of its benefits (吉林 六（三）is
    # both), else any refusal on 1 January 2023, whatever its reason, would blame the dates (probe s28 H3 F3)
    if edged == traces or not ((closing and tags) or set(tags) & set(held_for_validity(policy, tagged))):
        tags, named = blame(found, traces, policy)
        if e.articles:  # the trace narrows the property's own blame (its visit's benefit, its field) where they meet
            route = [f"{policy}-{a}" for a in e.articles]
            # … and a refusal's trace (every article the visit's working cites) is no better than the route where
            # they do not meet; a figure's step is: it names the rule that computed the figure
            tags = [t for t in route if t in tags] or (tags if tags and not refused else route)
    named = place_readings_that_bear(named, root, e.stories, traces, system)
    return tags, named, list(traces.get(root["item"], []) if root else [])


def platform_identity(e: PropertyViolation, system: Settles | None = None) -> str:
    """The step of the platform's identity the violation's root figure breaks with the figures it is made of right,
    "" where none: a route of the fund payment with hifp_pay right (causes.split_identity, SPLIT_STEP), a person's part
    with medfee_sumamt and fund_pay_sumamt right (causes.part_identity, PART_STEP) — the reference's figures from
    settling its stories, the system's from the example's answers, else from `system` settling the story again, as
    place_readings_that_bear asks it. The runner then names no reading the system's answers would place
    (runner._placed_by_answers)."""
    from dataclasses import asdict

    from ..adapters.reference import ReferenceAdapter
    from ..report.causes import (PART_STEP, SPLIT_STEP, SUM_OF, part_identity, root_mismatch, split_identity,
                                 system_evidence)

    departure = getattr(e, "departure", "")
    found = [asdict(m) for m in e.mismatches if not departure or m.item == departure]
    root = root_mismatch(found)
    if root is None or (root.get("field") not in SUM_OF and root.get("field") != "psn_part_amt"):
        return ""
    item = str(root.get("item", ""))
    reference: dict = {}
    for story in e.stories:
        try:
            with no_evidence():
                obs = execute(ReferenceAdapter(), story)
        except Exception:  # noqa: BLE001 - no reference figure: the identity is not known to be broken
            continue
        got = obs.settled.get(item) or obs.presettled.get(item)
        if isinstance(got, dict):
            reference = got
            break
    holding = next((s for s in e.stories if any(isinstance(op, (Settle, Presettle)) and op.settlement.id == item
                                                for op in s.ops)), None)
    asked = (lambda: system(holding, item)) if system is not None and holding is not None else None
    answers = system_evidence(snapshot_evidence())
    if split_identity(root, found, answers, reference, asked):
        return SPLIT_STEP
    return PART_STEP if part_identity(root, found, answers, reference, asked) else ""


REMOTE_SAME = "A-REMOTE-SAME"
# The figures of a settlement that read the year's totals counted before it (deductible used, cap left), and the fund's
# and the person's parts that follow from them: a total that left a remote visit out moves them
TOTAL_READERS = frozenset({"act_pay_dedc", "hifp_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay",
                           "ordinary_pay", "chronic_pay", "inpatient_pay"})


def remote_total_readings(e: PropertyViolation) -> list[str]:
    """[A-REMOTE-SAME] where the failing figure is a year's total (a total's item, or a cap a settlement broke: the
    total after it), or a settlement's figure reading the totals counted before it (`TOTAL_READERS`), that total
    counts a remote visit the reference settled by that reading (its 异地就医 step cites it, `decides`), and counting
    it there is what the failure turns on: that remote and local visits share one deductible and one cap is the
    reading that counts the remote visit in, as A-REVERSAL is named for a total a reversal changed — a system keeping
    remote visits in a total of their own follows the other side of the same silence (probe s28 H3 F7).
    It bears only where the reference, settling the story with remote and local visits in totals of their own
    (`_kept_apart`), gives the failing figure otherwise than with one shared total; where the system's figure is known
    (the mismatch's actual) the system decides, as place_readings_that_bear does: the reading bears exactly where the
    system's figure is the kept-apart one. A remote visit that counted nothing (a bill wholly 全自费), or a later visit
    paid at a wrong ratio, then names no reading (probe s28 R R5). [] otherwise; the failing visit's own remote step
    is the trace's (place_readings_that_bear)."""
    from dataclasses import asdict

    from ..report.causes import _figure, root_mismatch

    departure = getattr(e, "departure", "")
    root = root_mismatch([asdict(m) for m in e.mismatches if not departure or m.item == departure])
    if root is None:
        return []
    item, field_name = str(root.get("item", "")), str(root.get("field", ""))
    total_year = item.removesuffix("年度累计")
    capped = any("限额" in b for b in getattr(e, "bound", ()) or ())
    remote: list[str] = []
    holding: list[tuple[Story, int]] = []  # the stories the failing figure is of, and its year
    for story in e.stories:
        visits = [(op.settlement, isinstance(op, Settle)) for op in story.ops if isinstance(op, (Settle, Presettle))]
        if total_year != item and total_year.isdigit():  # a year's total: every remote visit of that year
            year = int(total_year)
            counted = [s for s, kept in visits if kept and s.remote and s.date.year == year]
        elif field_name in TOTAL_READERS:  # a settlement (or a 2206): the remote visits counted before it that year
            at = next((i for i, (s, _) in enumerate(visits) if s.id == item), None)
            if at is None:
                continue
            year = visits[at][0].date.year
            # a bound broken (a year's cap: `PropertyViolation.bound`) is by the total after the visit, itself counted
            upto = at + 1 if capped else at
            counted = [s for s, kept in visits[:upto] if kept and s.remote and s.date.year == year]
        else:
            continue
        remote += [s.id for s in counted]
        if counted:
            holding.append((story, year))
    if not remote:
        return []
    traces = reference_traces(e.stories)
    decided = any(isinstance(t, dict) and t.get("decides") and "异地" in str(t.get("step", ""))
                  and REMOTE_SAME in str(t.get("clause", "") or "") for sid in remote for t in traces.get(sid, ()))
    if not decided:
        return []
    system = _figure(root.get("actual"))
    for story, year in holding:
        figures = _shared_and_apart(story, year, item, field_name, capped)
        if figures is None:  # no figure to compare (a refusal, a per-disease total): the coarse decision stands
            return [REMOTE_SAME]
        shared, apart = figures
        if apart is not None and (apart == system if system is not None else apart != shared):
            return [REMOTE_SAME]
    return []


def _kept_apart(story: Story, year: int, remote: bool) -> Story:
    """`story` with the visits of `year` on the other side of the place (remote visits for a local side, local ones
    for a remote side) left out, with their 2208s: that side as a system keeping remote visits in totals of their own
    settles it."""
    gone: set[str] = set()
    ops: list[Op] = []
    for op in story.ops:
        if isinstance(op, (Settle, Presettle)) and op.settlement.date.year == year and op.settlement.remote != remote:
            gone.add(op.settlement.id)
        elif not (isinstance(op, Reverse) and op.setl_id in gone):
            ops.append(op)
    return Story(story.setting, story.person, ops, story.title)


def _shared_and_apart(story: Story, year: int, item: str, field_name: str,
                      capped: bool) -> tuple[Decimal, Decimal | None] | None:
    """The reference's failing figure with remote and local visits in one total, and with them in totals of their own
    (None where that side cannot give it): a settlement's figure from its own side; a year's total from the local side
    (the total without the remote visits); a cap's total after a settlement as both sides' totals up to it, added (the
    fund paid both). None where the reference gives no figure to compare."""
    from ..adapters.reference import ReferenceAdapter
    from ..report.causes import _figure

    def total(version: Story) -> Decimal | None:
        try:
            with no_evidence():
                ytd = execute(ReferenceAdapter(), version, years=[year]).ytd.get(year) or {}
        except Exception:  # noqa: BLE001 - no total to tell
            return None
        return _figure(ytd.get(field_name))

    def paid(version: Story) -> Decimal | None:
        try:
            with no_evidence():
                settled = execute(ReferenceAdapter(), version, years=[]).settled
        except Exception:  # noqa: BLE001 - no sum to tell
            return None
        figures = [_figure(out.get(field_name)) for sid, out in settled.items()
                   if any(s.id == sid and s.date.year == year for s in version.settlements)]
        return None if None in figures else sum(figures, Decimal(0))

    if item.endswith("年度累计"):
        return None if (shared := total(story)) is None else (shared, total(_kept_apart(story, year, False)))
    visit = next((op.settlement for op in story.ops if isinstance(op, (Settle, Presettle)) and op.settlement.id == item),
                 None)
    if visit is None:
        return None
    if capped:  # the sum of the year's payments up to the visit, as annual_cap adds them (opening totals aside)
        upto = Story(story.setting, story.person, _upto(story, item), story.title)
        shared = paid(upto)
        sides = [paid(_kept_apart(upto, year, side)) for side in (False, True)]
        if shared is None:
            return None
        return shared, None if None in sides else sum(sides, Decimal(0))
    out = settled_on(ReferenceAdapter(), story, item)
    shared = _figure((out or {}).get(field_name))
    if shared is None:
        return None
    return shared, _figure((settled_on(ReferenceAdapter(), _kept_apart(story, year, visit.remote), item) or {})
                           .get(field_name))


def _upto(story: Story, sid: str) -> list[Op]:
    """`story`'s operations up to and including the settlement `sid`."""
    ops: list[Op] = []
    for op in story.ops:
        ops.append(op)
        if isinstance(op, Settle) and op.settlement.id == sid:
            break
    return ops


def bound_traces(traces: dict[str, list[dict]], e: PropertyViolation) -> dict[str, list[dict]]:
    """`traces` with each failing settlement's working cut to the steps that set the bound it broke
    (`PropertyViolation.bound`), their rounding readings (`fen_readings`) left out: a year's payments over the cap
    rest on what fixes the cap (its article; a retiree's reading of the one figure, A-JL-RETIREE-DEDUCTIBLE; one who
    retired this year, A-MIDYEAR-RETIREMENT), not on the ratio's or the chronic overflow's readings, which decide how
    much a visit was paid (A-PZH-UNRATED at an unrated hospital, A-JL-CHRONIC-OVERFLOW for a person with no chronic
    disease at all), nor on a rounding (no rounding passes a cap). Unchanged where the violation names no bound."""
    bound = tuple(getattr(e, "bound", ()) or ())
    if not bound:
        return traces
    from ..report.causes import fen_readings

    fen = fen_readings()
    out = dict(traces)
    for item in {m.item for m in e.mismatches}:
        steps = [t for t in traces.get(item, ()) if isinstance(t, dict) and str(t.get("step", "")) in bound]
        if not steps:
            out[item] = []
            continue
        # one step, named by the first and citing what they all cite: a cap the working fixes over two steps (吉林's
        # shared chronic cap, 慢特病限额, and its remainder, 慢特病支付) is one bound, not the payment's own step
        parts = [p.strip() for t in steps for p in str(t.get("clause", "") or "").split("；")]
        out[item] = [{"step": str(steps[0].get("step", "")),
                      "detail": "；".join(str(t.get("detail", "")) for t in steps if t.get("detail")),
                      "clause": "；".join(dict.fromkeys(p for p in parts if p and p not in fen))}]
    return out


def unread_traces(traces: dict[str, list[dict]], e: PropertyViolation) -> dict[str, list[dict]]:
    """`traces` with the readings the violation does not rest on (`PropertyViolation.unread`) left out of the clauses
    of its failing items' steps; unchanged where it names none."""
    unread = set(getattr(e, "unread", ()) or ())
    if not unread:
        return traces
    out = dict(traces)
    for item in {m.item for m in e.mismatches} & set(traces):
        out[item] = [{**t, "clause": "；".join(p for p in str(t.get("clause", "") or "").split("；")
                                               if p.strip() not in unread)} if isinstance(t, dict) else t
                     for t in traces.get(item, ())]
    return out


# (story, settlement id) → the system's answer for that settlement, or None where it cannot say (runner.system_settles)
Settles = Callable[["Story", str], "dict | None"]


def settled_on(adapter: Adapter, story: Story, sid: str) -> dict | None:
    """What `adapter` settles `sid` of `story` at, run as an example runs it (a fresh person, prepare_person first) and
    kept out of the check's evidence; None where it cannot be said (a refusal, an operation it cannot be sent, an
    error of the system). A 2206's item (V1P) is read from the story's presettlements."""
    try:
        with no_evidence():
            obs = execute(adapter, story)
        return obs.settled.get(sid) or obs.presettled.get(sid)
    except Exception:  # noqa: BLE001 - no figure: the caller keeps what it had
        return None


def place_readings_that_bear(named: list[str], root: dict | None, stories: list[Story],
                             traces: dict[str, list[dict]], system: Settles | None = None) -> list[str]:
    """`named` without the readings that only the steps about where the visit was made cite (异地就医, 异地备案:
    A-REMOTE-SAME, 本文件未对异地就医单独规定待遇标准，按参保地标准结算), where they do not change the failing figure.
    With `system` (how the system under test settles a story, runner.system_settles) the system decides: the reading
    bears on the failure exactly where the system settles the remote visit to another figure than the same visit made
    locally (北京 remote visits paid at a lower ratio, probe s24 X3) — the reference, by A-REMOTE-SAME, never does, so
    it cannot tell. Where the system gives no comparable figure for both, and without `system`, the reference
    decides: it settles the same visit made locally to the same figure. A remote visit left in an example that was not
    fully shrunk is then no reading the difference rests on (a pharmacy deductible skipped everywhere, rvendor8 D2); a
    reading that does change it stays (攀枝花's unfiled remote ratio, A-PZH-REMOTE-UNFILED, which the ratio step cites
    too)."""
    from ..adapters.reference import ReferenceAdapter
    from ..report.causes import A_ID, _figure

    if not named or root is None:
        return named
    trace = traces.get(root.get("item", ""), [])
    place: set[str] = set()
    elsewhere: set[str] = set()
    for t in trace:
        found = set(A_ID.findall(str(t.get("clause", "") or ""))) if isinstance(t, dict) else set()
        (place if "异地" in str(t.get("step", "")) else elsewhere).update(found)
    suspect = [a for a in named if a in place and a not in elsewhere]
    holding = [(story, op) for story in stories for op in story.ops
               if isinstance(op, Settle) and op.settlement.id == root.get("item")]
    if not suspect or len(holding) != 1 or not holding[0][1].settlement.remote:
        return named
    story, op = holding[0]
    local = Story(story.setting, story.person, [Settle(replace(op.settlement, remote=False)) if x is op else x
                                                for x in story.ops], story.title)
    field_name = root.get("field", "")
    if system is not None:
        # as numbers: 0.6 and 0.6000 are one ratio
        answered = [_figure((system(version, op.settlement.id) or {}).get(field_name)) for version in (story, local)]
        if None not in answered:
            return named if answered[0] != answered[1] else [a for a in named if a not in suspect]
    figures = []
    for version in (story, local):
        out = settled_on(ReferenceAdapter(), version, op.settlement.id)
        if out is None:  # no figure to compare: the readings stand
            return named
        figures.append(out.get(field_name))
    if figures[0] is None or figures[0] != figures[1]:
        return named
    return [a for a in named if a not in suspect]


# --------------------------------------------------------------------------- properties


@dataclass(frozen=True)
class Property:
    """A named rule over generated examples and the clauses (per policy) it checks."""

    id: str
    title: str
    clauses: dict[str, tuple[str, ...]]
    check: Callable[[Context, Any], None] | None
    strategy: Callable[[str], st.SearchStrategy] | None
    needs: tuple[str, ...]
    doc: str = ""
    kind: str = "example"          # example | stateful
    differential: bool = False     # only meaningful against a system other than the reference
    machine: Callable[[Context], type] | None = None
    source: str = ""
    line: int = 0
    examples: Callable[[str], list] | None = None   # explicit examples per policy, run whatever the seed
    assumptions: tuple[str, ...] = ()              # readings of the text (A-…) the check depends on
    # (policy, n) → 1 to n examples a time, cheaper than a list of `strategy` (runner.batched); None: a list
    batches: Callable[[str, int], st.SearchStrategy] | None = None

    @property
    def policies(self) -> tuple[str, ...]:
        return tuple(self.clauses)

    def check_name(self, policy: str) -> str:
        """The name its check has in the reports (and junit.xml, which keys a test's history on it)."""
        return f"{self.title}〔{policy}〕"


PROPERTIES: dict[str, Property] = {}
SETTLE_NEEDS = ("prepare_person", "settle", "query_ytd")


def conform_property(id: str, title: str, clauses: dict[str, tuple[str, ...]], *,
                     strategy: Callable[[str], st.SearchStrategy] | None = None,
                     needs: tuple[str, ...] = SETTLE_NEEDS, differential: bool = False,
                     examples: Callable[[str], list] | None = None, assumptions: tuple[str, ...] = (),
                     batches: Callable[[str, int], st.SearchStrategy] | None = None) -> Callable:
    """Register a property: `check(ctx, example)` raises PropertyViolation via `ctx.fail` when it does not hold.
    `batches`: with a `strategy` of its own, how 1 to n of its examples are drawn at a time (Property.batches)."""
    def register(check: Callable[[Context, Any], None]) -> Callable[[Context, Any], None]:
        if id in PROPERTIES:
            raise ValueError(f"property {id!r} registered twice")
        src = inspect.getsourcefile(check) or ""
        PROPERTIES[id] = Property(id, title, dict(clauses), check, strategy or (lambda p: person_years(p)),
                                  tuple(needs), inspect.getdoc(check) or "", differential=differential,
                                  source=src, line=inspect.getsourcelines(check)[1], examples=examples,
                                  assumptions=tuple(assumptions),
                                  batches=batches if strategy else person_year_batches)
        return check
    return register


def register_machine(id: str, title: str, clauses: dict[str, tuple[str, ...]], needs: tuple[str, ...],
                     factory: Callable[[Context], type], doc: str = "", assumptions: tuple[str, ...] = ()) -> None:
    """Register a stateful property: `factory(ctx)` returns a RuleBasedStateMachine class."""
    src = inspect.getsourcefile(factory) or ""
    PROPERTIES[id] = Property(id, title, dict(clauses), None, None, tuple(needs), doc, kind="stateful",
                              machine=factory, source=src, line=inspect.getsourcelines(factory)[1],
                              assumptions=tuple(assumptions))


def clear_evidence() -> None:
    """Keep only the current example's exchanges: after a failure, the minimal example's."""
    evidence.begin()


def snapshot_evidence() -> list[dict]:
    """The current example's exchanges, left in place."""
    entries = evidence.take()
    restore_evidence(entries, clear=False)
    return entries


def restore_evidence(entries: list[dict], clear: bool = True) -> None:
    if clear:
        evidence.begin()
    for e in entries:
        rest = {k: v for k, v in e.items() if k not in ("operation", "request", "response")}
        evidence.record(e.get("operation", ""), e.get("request"), e.get("response"), **rest)


@contextmanager
def no_evidence() -> Iterator[None]:
    """Calls to the reference as oracle are not the system's exchanges: keep them out of the evidence."""
    kept = evidence.take()
    try:
        yield
    finally:
        restore_evidence(kept)
