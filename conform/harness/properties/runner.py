"""Runs one property for one policy against the session's adapter, inside a pytest test.

Hypothesis generates and shrinks; the check talks to the adapter only. When a
property fails, the shrunk example's stories are rendered as a zh-CN Gherkin
feature (expected figures from the reference) and attached to the exception,
which the plugin's collector copies into the check's result. The number of
examples and the seed are recorded on the result and the run.

With a time budget (settings.py) a property runs its examples in rounds until its share of the
budget is spent: each round is one Hypothesis run of n examples with its own seed (the session's
seed + the round's number), n grown from the rate of the rounds before so the next round ends
near the deadline; an example is not begun past the deadline (Budget: the round ends there), and a failure
shrinks within what is left of the share. A failure names its round's seed and size, which reproduce it alone.
"""
from __future__ import annotations

import time
import unittest
import zlib
from collections import Counter
from pathlib import Path
from typing import Any, NoReturn

import pytest
from hypothesis import example as hyp_example
from hypothesis import given, reject, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure, HypothesisException, Unsatisfiable

from ..adapters import Adapter, NotApplicable, SettlementRefused, SutError
from ..adapters.reference import ReferenceAdapter
from ..generators import (INVALID_PREFIX, PersonYear, credit_gaps, credit_settings, leave_out, region_sha256,
                          settings_for, skipped_settings)
from ..plugin import NOT_APPLICABLE_PREFIX, MismatchError
from .base import (Context, Presettle, Property, PropertyViolation, Settle, Settles, Story, declared_for, exercised,
                   platform_identity, remote_total_readings, restore_evidence, settled_on, snapshot_evidence,
                   traced_blame)
from .settings import UNPLANNED, announce, format_duration, property_settings, reproduce, seeded_draws_only


class Budget:
    """Bounds the search once a property has failed, so shrinking against a slow system stays short.

    After the first failure Hypothesis shrinks; every later example costs a full round of calls to
    the system under test. Once `seconds` have passed since the first failure (or as soon as the
    system itself faulted), every further example ends at once with the smallest failure seen so far
    — a real one, with its exchanges — and Hypothesis finishes. Against the in-process reference a
    shrink takes milliseconds and the budget is rarely reached.

    Under a time budget (`deadline`, the property's share) the search also ends there: a new example after the
    deadline ends its round at once (RoundOver, the property has run one), and shrinking a failure found then
    gets what is left of the share, at least MIN_SHRINK seconds — not the whole run's budget left, which let one
    failing property take 9× its share and starve the rest to one example each (rvendor s11 D2)."""

    def __init__(self, seconds: float, deadline: float | None = None, clock: Any = time.monotonic):
        self.seconds = seconds
        self.deadline, self.clock = deadline, clock
        self.started = 0   # examples begun in this property (every property runs at least one)
        self.first: float | None = None
        self.best: PropertyViolation | None = None
        self.best_size = float("inf")
        self.best_evidence: list[dict] = []
        self.best_tb: Any = None
        self.fault: SutError | None = None
        self.fault_tb: Any = None

    def over(self) -> bool:
        """True once the search should end: the system faulted, or the shrinking time is spent."""
        return self.fault is not None or (self.best is not None and self.first is not None
                                          and self.clock() - self.first > self.seconds)

    def begin_example(self) -> None:
        # Re-raised with the traceback they first had: each raise would otherwise lengthen it. A failure already
        # found comes before a fault of the system while shrinking it: the search ends with that failure (probe s29
        # C F7), the fault noted on it by the runner; with none found the fault ends it, the check's error.
        if self.over():
            if self.best is not None:
                restore_evidence(self.best_evidence)
                raise self.best.with_traceback(self.best_tb)
            assert self.fault is not None
            raise self.fault.with_traceback(self.fault_tb)
        if self.round_spent():
            raise RoundOver()  # the share is spent: no new example (a failure being shrunk is bounded above)
        self.started += 1

    def round_spent(self) -> bool:
        """The property's share of the budget is spent with no failure being shrunk (begin_example ends the round)."""
        return bool(self.deadline is not None and self.first is None and self.started
                    and self.clock() >= self.deadline)

    def failed(self, e: PropertyViolation) -> None:
        if self.first is None:
            self.first = self.clock()
            if self.deadline is not None:  # shrinking spends the share's rest, at least a moment
                self.seconds = min(self.seconds, max(MIN_SHRINK, self.deadline - self.first))
        size = sum(len(s.ops) for s in e.stories)
        if size <= self.best_size:
            self.best, self.best_size, self.best_evidence = e, size, snapshot_evidence()
            self.best_tb = e.__traceback__

    def faulted(self, e: SutError) -> None:
        if self.fault is None:
            self.fault, self.fault_tb = e, e.__traceback__


class RoundOver(BaseException):
    """A property's share of the budget is spent before a new example: its round ends there (Budget.begin_example).
    A BaseException, so Hypothesis takes it for no failure of the property, and the runner catches it."""


MIN_SHRINK = 2.0        # seconds a failure found at the end of its share may still shrink (settings.SHRINK_SECONDS)
FIRST_ROUND = 1         # examples in a property's first round under a budget (its cost is unknown yet)
GROWTH = 8              # a round at most this many times the one before
FILL = 0.8              # aim each round at this fraction of the time left, so it ends before the deadline
PROGRESS_EVERY = 5.0    # seconds between progress lines of one long property


class Rounds:
    """Grows a property's examples in rounds until its deadline (see the module docstring).

    `run(round_no, n)` runs one round of n examples and returns how many ran (Hypothesis may run
    fewer once it has tried everything a small strategy can draw, and then more rounds add nothing).
    """

    def __init__(self, deadline: float, clock: Any = time.monotonic, first: int = FIRST_ROUND):
        self.deadline, self.clock, self.first = deadline, clock, first
        self.rounds = 0
        self.examples = 0

    def next_size(self, last_n: int, last_ran: int, last_seconds: float) -> int:
        """Examples in the next round (0: stop)."""
        if last_ran < last_n:
            return 0  # the strategy is exhausted
        left = self.deadline - self.clock()
        per = last_seconds / max(1, last_ran)
        if left <= per:
            return 0  # one more example would overrun the deadline
        return max(1, min(int(left * FILL / per) if per > 0 else last_n * GROWTH, last_n * GROWTH))

    def run(self, run: Any, progress: Any = None) -> int:
        n = self.first
        while n > 0:
            start = self.clock()
            ran = run(self.rounds, n)
            self.rounds += 1
            self.examples += ran
            if progress is not None:
                progress(self)
            n = self.next_size(n, ran, self.clock() - start)
        return self.examples


SKIP_LIMIT = 10   # examples in a row the system cannot be sent, none run before them: the property is not applicable


class Skips:
    """Examples the system under test cannot be sent as it is configured (a NotApplicable raised by one operation of
    one example: a platform pool without a matching person, a facility level or a fee split the test catalogue lacks,
    an exclusion without its hook): that example is left out (Hypothesis `reject`) and the search goes on — not the
    whole property not applicable at the first such draw, throwing away what it had checked and would check (rvendor
    s11 D1). Only when the first SKIP_LIMIT examples all could not be sent is the property not applicable, with the
    reason, as before. Each reason is counted and said on the check. A python: plugin's NotApplicable for an operation
    it declares never comes here: it is the system's error (python_plugin.declined_supported), so a plugin cannot have the
    examples it would answer wrongly skipped (probe s24 W F2)."""

    def __init__(self, count: "_Tried"):
        self.count = count
        self.reasons: Counter[str] = Counter()

    def skip(self, e: NotApplicable) -> None:
        self.reasons[str(e).removeprefix("not applicable: ")] += 1
        self.count[0] = max(0, self.count[0] - 1)  # never reached its check: not an example tried
        if self.count[0] == 0 and sum(self.reasons.values()) >= SKIP_LIMIT:
            if isinstance(e, unittest.SkipTest):
                raise e
            pytest.skip(str(e))  # Hypothesis passes a skip through at once: the property is not applicable
        reject()

    def note(self) -> str:
        """What the check says of the examples left out ('' when none was)."""
        if not self.reasons:
            return ""
        said = "；".join(f"{why}（{n} 例）" for why, n in self.reasons.most_common(3))
        more = f"；另有 {len(self.reasons) - 3} 种原因" if len(self.reasons) > 3 else ""
        return (f"被测系统按其配置无法接收的 {sum(self.reasons.values())} 个示例未检查、已跳过 examples the system cannot "
                f"be sent as configured were skipped: {said}{more}")


class GuardedAdapter:
    """The session's adapter, noting a fault of the system so the search stops there.

    A refusal is a fault too, except of the operations whose refusals a story records (REFUSABLE):
    a refused 5206 or T001 propagates as the check's error, and unbudgeted Hypothesis shrank it for
    minutes against a system refusing every 5206. An example the system cannot be sent is left out (Skips)."""

    OPERATIONS = ("prepare_person", "presettle", "settle", "reverse", "query_ytd", "credit_month", "check_account_use")
    REFUSABLE = frozenset({"presettle", "settle", "reverse", "credit_month", "check_account_use"})

    def __init__(self, adapter: Adapter, budget: Budget, skips: Skips | None = None):
        self._adapter, self._budget, self._skips = adapter, budget, skips
        self.ctx: Context | None = None  # the property's context (set once made): an echo mismatch fails through it
        self.drawn: Any = None  # the example being checked: its stories where none was registered (_about_another)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._adapter, name)
        if name not in self.OPERATIONS:
            return attr

        refusable = name in self.REFUSABLE

        def call(*args: Any, **kw: Any) -> Any:
            try:
                return attr(*args, **kw)
            except SutError as e:
                if not (refusable and isinstance(e, SettlementRefused)):
                    self._budget.faulted(e)
                raise
            except NotApplicable as e:
                if self._skips is None:
                    raise
                self._skips.skip(e)
                raise
            except MismatchError as e:
                if isinstance(e, PropertyViolation) or self.ctx is None:
                    raise
                self._about_another(name, args, e)
        self.__dict__[name] = call  # made once: later calls find it without __getattr__
        return call

    def _about_another(self, name: str, args: tuple, e: MismatchError) -> NoReturn:
        """An answer about another request (the adapter's echo checks: inf_refmsgid, psn_no, mdtrt_id sent vs
        answered, connect-your-system.md §3) fails the example as a property violation: the fields listed, the story
        sent for that person as its counterexample (Context.stories; else the drawn example's person-years), blamed
        on the property's own articles — not a bare exception whose message is Hypothesis's repr of the drawn data
        (probe s29 C F1)."""
        assert self.ctx is not None
        ctx = self.ctx
        psn = getattr(getattr(args[0], "person", None), "psn_no", None) if name == "prepare_person" and args else (
            args[0] if args else None)
        story = ctx.stories.get(psn) if isinstance(psn, str) else None
        stories = [story] if story is not None else (list(ctx.stories.values()) or _drawn_stories(self.drawn))
        echo = bool(e.mismatches) and all(m.field in ECHO_FIELDS for m in e.mismatches)
        ctx.fail("被测系统的应答不是对本次请求的应答（所引用的请求或人员、就诊与所发送的不同）"
                 "the system answered about another request (a field echoing the request differs from what was sent)"
                 if echo else
                 "被测系统的应答与所发送的请求或应答自身的其他部分不符（如费用明细、基金分项与合计、险种）"
                 "the system's answer disagrees with the request sent or with its own other parts (fee details, the "
                 "fund rows and their total, insutype)",
                 list(e.mismatches), *stories, clauses=tuple(ctx.prop.clauses.get(ctx.policy, ())))


# The fields an answer echoes from its request (connect-your-system.md §3): an answer differing there is about another
# request; the adapter's other checks (the platform's fee details, setldetail rows, insutype) are of the answer itself.
ECHO_FIELDS = frozenset({"inf_refmsgid", "psn_no", "mdtrt_id"})


def _drawn_stories(drawn: Any) -> list[Story]:
    """The person-years of a drawn example (one, or a tuple or list of them) as stories, for a counterexample where
    the check registered none ([] for anything else)."""
    items = drawn if isinstance(drawn, (list, tuple)) else [drawn]
    return [Story.of_year(py) for py in items if isinstance(py, PersonYear)]


ROOT = Path(__file__).resolve().parents[3]  # the repository root, or site-packages


def _relative(path: str) -> str:
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path


def is_reference(adapter: Adapter) -> bool:
    """The built-in reference itself, not a plugin subclassing it to change a behaviour (a system under test
    like any other, whose differential properties run: rclose7 D8)."""
    return type(adapter) is ReferenceAdapter


def in_process(adapter: Adapter) -> bool:
    """Whether the system answers in this process (the reference, or a plugin declaring `in_process =
    True`): only there do examples carry batches (settings.BATCH). Over a network a person-year's
    requests cost far more than Hypothesis's own work per example, so a batch would not be faster,
    and a failure's shrinking would re-run the items before the failing one on every attempt."""
    return isinstance(adapter, ReferenceAdapter) or getattr(adapter, "in_process", False) is True


def marks_for(prop: Property, policy: str) -> list:
    """pytest marks: conform_property, the policy, and one per article the property checks there."""
    return [pytest.mark.conform_property(prop.id), getattr(pytest.mark, policy),
            *(getattr(pytest.mark, f"{policy}-{a}") for a in prop.clauses[policy])]


def _check_result(config: pytest.Config, nodeid: str) -> Any:
    collector = getattr(config, "conform_collector", None)
    return collector._current.get(nodeid) if collector is not None else None  # noqa: SLF001 - same package


def _sut_error(exc: BaseException) -> SutError | None:
    """A fault of the system under test hidden in Hypothesis's flaky-failure group, if any."""
    for e in getattr(exc, "exceptions", ()):
        if isinstance(e, SutError):
            return e
        inner = _sut_error(e)
        if inner is not None:
            return inner
    return None


def run_property(prop: Property, policy: str, adapter: Adapter, request: pytest.FixtureRequest) -> None:
    """The body of the pytest test bound to (property, policy)."""
    config = request.config
    ps = property_settings(config)
    try:
        with leave_out(unsendable(adapter)):  # no visit the system cannot be sent is drawn (Adapter.unsendable)
            _run_property(prop, policy, adapter, request, config, ps)
    finally:
        if not request.node.stash.get(UNPLANNED, False):
            ps.end_property()


def unsendable(adapter: Adapter) -> dict[str, str]:
    """The kinds of visit the adapter cannot send (Adapter.unsendable; {} for an object without it)."""
    said = getattr(adapter, "unsendable", None)
    return dict(said()) if callable(said) else {}


def _unsendable_note(adapter: Adapter, prop: Property, ch: Any) -> None:
    """Say on the check which kinds of visit were not drawn, and why: what the run did not check."""
    kinds = unsendable(adapter)
    if ch is None or not kinds or "settle" not in prop.needs:  # a property of credits or uses draws no visit
        return
    note = ("未抽取被测系统按其配置无法接收的就诊 visits the system cannot be sent as configured were not drawn: "
            + "；".join(kinds.values()))
    ch.extra["not_drawn"] = dict(kinds)
    ch.message = f"{ch.message}\n{note}" if ch.message else note


def _alone(ps: Any, policy: str, current: dict, deadline: Any) -> list[str]:
    """Under a time budget, the line that reruns this property alone with the round's seed and examples (a failure
    found, whether its shrinking ended by itself or by a fault of the system: probe s29 R2 F3); none without one."""
    if deadline is None:
        return []
    # `conform run` selects by document, not by property: its hint narrows to this one's (--policy)
    narrow = f" --policy {policy}" if ps.front_end == "run" else ""
    return [f"（单独重现此属性 reproduce this property alone: "
            f"{reproduce(ps, current['seed'], current['n'], ps.profile == 'thorough')}{narrow}）"]


def _run_property(prop: Property, policy: str, adapter: Adapter, request: pytest.FixtureRequest,
                  config: pytest.Config, ps: Any) -> None:
    ch = _check_result(config, request.node.nodeid)
    if ch is not None:
        ch.name = prop.check_name(policy)
        ch.feature = "属性 properties"
        ch.feature_file = _relative(prop.source)
        ch.line = prop.line
        ch.extra.update({"property": prop.id, "seed": ps.seed_label, "profile": ps.profile})
        declared = declared_for(prop.assumptions, policy)
        if declared:
            ch.extra["assumptions"] = declared
        # the region files its draws come from, for the certification record (report/certify.regions_used)
        ch.extra["regions"] = list(dict.fromkeys(s.region for s in settings_for(policy) if s.region))
        # and their bytes' SHA-256 as drawn: the record, built at the end, marks a file edited in between
        ch.extra["region_sha256"] = {ref: region_sha256(ref) for ref in ch.extra["regions"]}
    _region_gaps(config, policy, ch)
    if "credit_month" in prop.needs:
        _credit_gaps(policy, ch)
    for op in prop.needs:
        adapter.require(op)  # NotApplicable → 'not applicable', before any example
    if prop.differential and is_reference(adapter):
        pytest.skip("差分属性只对参考实现以外的被测系统有意义 differential: the system under test is the reference itself")
    _unsendable_note(adapter, prop, ch)
    deadline = ps.begin_property()
    budget = Budget(ps.shrink_seconds, deadline, ps.clock)
    count = _Tried(ch)
    skips = Skips(count)
    guarded = GuardedAdapter(adapter, budget, skips)
    ctx = Context(guarded, policy, prop, budget)  # type: ignore[arg-type]
    guarded.ctx = ctx
    batch = ps.batch if in_process(adapter) else 1
    current = {"seed": ps.seed, "n": None}
    # the share is reckoned on the settings' clock (ps.clock, the deadline's): a test drives it without real time
    started, wall = ps.clock(), time.monotonic()
    if deadline is not None:
        _announce_start(config, prop, policy, ps, deadline)
    try:
        if deadline is None:
            _run_once(prop, ctx, ps, count, ps.seed, None, batch)
        else:
            last = [wall]

            def one_round(k: int, n: int) -> int:
                before = count[0]
                current["seed"], current["n"] = _round_seed(ps.seed, k), n
                try:
                    _run_once(prop, ctx, ps, count, current["seed"], n, batch)
                except RoundOver:
                    return 0  # the share is spent: no further round (Rounds stops on a round that ran short)
                return count[0] - before

            def progress(r: Rounds) -> None:
                if time.monotonic() - last[0] >= PROGRESS_EVERY:
                    last[0] = time.monotonic()
                    announce(config, f"  … {prop.id}〔{policy}〕 已试 {r.examples} 例 examples tried{count.note()}, "
                                     f"{r.rounds} 轮 rounds, {format_duration(time.monotonic() - wall)}")

            Rounds(deadline, ps.clock).run(one_round, progress)
    except PropertyViolation as e:
        raise _reported(e, prop, policy, budget, ch, extra=_alone(ps, policy, current, deadline), system=adapter,
                        fault=budget.fault) from None
    except Unsatisfiable:
        # Hypothesis found no example the system could be sent (Skips): not applicable, with the reasons
        pytest.skip(f"{NOT_APPLICABLE_PREFIX} {skips.note() or 'no example could be sent to the system'}")
    except Exception as e:
        # A failure found is never lost to what came after it (probe s29 C F7): a fault of the system while it was
        # being shrunk (a timeout, no answer, a malformed one) ends the search, and Hypothesis may then end it
        # with the fault, a FlakyFailure holding it, or — the stateful machine's example cut short in its first
        # step — FlakyStrategyDefinition. The smallest failure found is reported, not fully shrunk, the fault noted;
        # with none found the fault is the check's error (the system's, exit 3), never a harness error.
        found = (_violation(e) if isinstance(e, FlakyFailure) else None) or budget.best
        if found is not None:
            # Without a fault: a slow system made the replay differ (the shrinking budget ran out between runs);
            # the failure is still real, and the smallest one seen is reported with its counterexample.
            raise _reported(found, prop, policy, budget, ch, replay=budget.fault is None, system=adapter,
                            fault=budget.fault, extra=_alone(ps, policy, current, deadline)) from None
        inner = _sut_error(e) if isinstance(e, FlakyFailure) else None
        if inner is None and budget.fault is not None and isinstance(e, HypothesisException):
            inner = budget.fault
        if inner is not None and inner is not e:
            raise inner from None  # a system fault, not a flaky property
        raise
    finally:
        if budget.first is not None:
            ps.shrink_spent += min(budget.clock() - budget.first, budget.seconds)
        ps.examples[request.node.nodeid] = count[0]
        ps.items[request.node.nodeid] = count.items or count[0]  # one item an example unless batched
        if ch is not None:
            ch.extra["examples"] = count[0]
            _undecided_note(ctx, ch)
            if skips.reasons:
                ch.extra["examples_skipped"] = dict(skips.reasons)
                ch.message = f"{ch.message}\n{skips.note()}" if ch.message else skips.note()
        if deadline is not None:
            took = ps.clock() - started
            if ch is not None:
                ch.extra["budget_share_s"] = round(deadline - started, 3)
            announce(config, f"  {prop.id}〔{policy}〕 已试 {count[0]} 例 examples tried{count.note()} "
                             f"in {format_duration(took)}; "
                             f"预算剩余 budget left {format_duration(ps.budget_left() or 0.0)}")
        collector = getattr(config, "conform_collector", None)
        if collector is not None and isinstance(collector.run.examples, dict):
            collector.run.examples["total"] = sum(ps.examples.values())
            items = sum(ps.items.values())
            if items != collector.run.examples["total"]:  # examples carried batches: what was checked
                collector.run.examples["items"] = items


def _undecided_note(ctx: Context, ch: Any) -> None:
    """Say on the check which answers the system gave where the text decides nothing, or allows a use only on a
    condition the request cannot show (南昌 备案的商业补充医疗保险, 浙江 本省): not judged."""
    seen = ctx.notes.get("undetermined_uses")
    if not seen:
        return
    ch.extra["undetermined_uses"] = dict(seen)
    said = "、".join(f"{ANSWERS_ZH.get(k, k)} {n} 次" for k, n in sorted(seen.items()))
    note = (f"文件未作规定、或只在请求无法表明的条件下允许的使用不作判定 uses the text does not decide, or allows only "
            f"on a condition the request cannot show, were not judged; 被测系统答复：{said}")
    ch.message = f"{ch.message}\n{note}" if ch.message else note


ANSWERS_ZH = {"allowed": "允许", "refused": "拒绝", "undetermined": "未作规定"}


def region_gaps_note(policy: str) -> str:
    """What the properties of a policy left out: example regions lacking a parameter a draw may need
    (generators.setting_gaps), and the part year of a region starting after 1 January that the draws, moved to its
    first whole natural year (generators.year_offset), never reach (probe s23 N6). Empty when they draw from every
    example region, every year of it."""
    from conform.reference.policy import load_policy

    from ..generators import first_year, last_year, year_offset

    moved = [s for s in settings_for(policy) if year_offset(s)]
    late = ""
    if moved:
        late = ("属性检查自以下地区配置的首个完整自然年度起抽样，起始日所在年度的余下日期未抽样 properties drew these regions "
                "from their first whole natural year; the rest of the year they start in was not drawn: "
                + "；".join(f"{s.region or s.label()}（valid_from {s.rules.valid_from} → {first_year(s)}–{last_year(s)}）"
                           for s in moved))
    skipped = skipped_settings(policy)
    if not skipped:
        return late

    def listed(pairs: list) -> str:
        return "；".join(f"{s.region or '（无地区 no region）'}{''.join(f' {k}={v}' for k, v in s.params)}："
                        f"{'、'.join(g.removeprefix(INVALID_PREFIX) for g in gaps)}" for s, gaps in pairs)

    invalid = [(s, g) for s, g in skipped if any(x.startswith(INVALID_PREFIX) for x in g)]
    missing = [(s, g) for s, g in skipped if (s, g) not in invalid]
    short = load_policy(policy).short
    notes = []
    if invalid:  # `conform run` and the vendors' plugin refuse these before any check (generators.broken_regions)
        notes.append(f"属性检查未使用以下{short}地区配置（配置无效，须先改正）properties skipped these {policy} regions, "
                     f"which are invalid (fix them first): {listed(invalid)}")
    if missing:
        notes.append(f"属性检查未使用以下{short}地区配置（缺少必须由地区提供的参数，是地区配置的缺口，不是被测系统的问题）"
                     f"properties skipped these {policy} regions, which lack a parameter a draw may need "
                     f"(the region's gap, not the system's): {listed(missing)}")
    return " ".join([*notes, *([late] if late else [])])


def _region_gaps(config: pytest.Config, policy: str, ch: Any) -> None:
    """Say on the check and once for the run which regions the properties skipped; with none left to
    draw from, the property is not applicable to the policy (a refusal for a parameter the region does
    not supply would only blame the system for the region's gap)."""
    note = region_gaps_note(policy)
    if note:
        if ch is not None:
            ch.message = note
        collector = getattr(config, "conform_collector", None)
        if collector is not None and note not in collector.run.notes:
            collector.run.notes.append(note)
    if not settings_for(policy):
        pytest.skip(f"{NOT_APPLICABLE_PREFIX} {policy} 没有参数齐全的地区配置 no complete region configuration "
                    f"(conform/fixtures/regions/ example: true, or --region) to draw from. {note}".rstrip())


def _credit_gaps(policy: str, ch: Any) -> None:
    """A property of monthly credits draws only under regions that give the account parameters; the others are
    named on the check, and with none left the property is not applicable (浙江 A-ZJ-ACCOUNT-METHOD: a city whose
    crediting method the configuration cannot express is not checked, rather than found wrong)."""
    lacking = [(s, credit_gaps(s)) for s in settings_for(policy) if credit_gaps(s)]
    if not lacking:
        return
    said = "；".join(f"{s.region or s.label()}：{'、'.join(g)}" for s, g in lacking)
    note = (f"个人账户计入的检查未使用以下地区配置（未给出计入参数，不判定其计入）credits not drawn under these regions, "
            f"which give no account parameter: {said}")
    if ch is not None:
        ch.message = f"{ch.message}\n{note}" if ch.message else note
    if not credit_settings(policy):
        pytest.skip(f"{NOT_APPLICABLE_PREFIX} {note}")


def _violation(exc: BaseException) -> PropertyViolation | None:
    """The smallest property violation inside Hypothesis's exception group, if any."""
    found = [e for e in getattr(exc, "exceptions", ()) if isinstance(e, PropertyViolation)]
    for e in getattr(exc, "exceptions", ()):
        inner = _violation(e)
        if inner is not None:
            found.append(inner)
    return min(found, key=lambda v: sum(len(s.ops) for s in v.stories), default=None)


def _reported(e: PropertyViolation, prop: Property, policy: str, budget: Budget, ch: Any,
              replay: bool = False, extra: list[str] | tuple[str, ...] = (),
              system: Adapter | None = None, fault: SutError | None = None) -> PropertyViolation:
    """The violation as reported: its counterexample attached, the articles it found broken recorded. `system`: the
    adapter the property ran against (its answers decide which readings bear: system_settles). `fault`: the system's
    fault that ended the search after this failure was found (its shrinking stopped there)."""
    from ..counterexample import render_violation

    notes = []
    unshrunk = budget.first is not None and budget.clock() - budget.first > budget.seconds
    if fault is not None:
        unshrunk = True
        notes.append(f"（缩减反例时被测系统出错（{fault.kind}：{fault.message}），缩减在此停止，反例未完全缩减：以下为此前找到的最小反例）"
                     f"(the system failed while the failure was being shrunk ({fault.kind}: {fault.message}): shrinking "
                     f"stopped there; the example is not fully shrunk — this is the smallest failure found before it)")
    elif unshrunk:
        # not fully shrunk: it may hold what the failure does not need (a remote visit, an emergency), and the
        # readings named for such a detail are not what differs (rvendor8 D2)
        notes.append(f"（缩减反例在 {budget.seconds:g} 秒后停止，反例未完全缩减：以下为找到的最小反例，其中可能仍有与不符无关的"
                     f"情形及其依据假设）(shrinking stopped after {budget.seconds:g} s: the example is not fully shrunk; "
                     f"this is the smallest failure found, and it may still hold details — and readings named for "
                     f"them — that the failure does not need)")
    if replay:
        notes.append("（被测系统重放结果不一致，以下为找到的最小反例）(the replay differed; smallest failure found)")
    notes.extend(extra)
    if notes:
        e.__notes__ = notes
    tagged = [f"{policy}-{a}" for a in prop.clauses.get(policy, ())]
    # The check's own blame (the field's or the route's articles, or a reading where no article
    # governs), within its tags …
    own = [f"{policy}-{a}" for a in (e.articles or prop.clauses.get(policy, ()))]
    # … narrowed or corrected by what the reference's trace cites for the failing figure: within the tags where
    # they meet, else the clauses of that figure — for a refused visit, its benefit as its working cites it, and
    # the validity article only where the property checks validity (traced_blame: shrinking puts every refused
    # visit on the first day in force) — else the readings alone it rests on.
    settles = system_settles(system)
    tags, named, trace = traced_blame(e, policy, tagged, settles)
    identity = platform_identity(e, settles)
    if not identity:  # a platform identity broken with its figures right: no reading to place (probe s28 H4 F2, F3)
        named = _placed_by_answers(e, policy, named, trace, settles)
        named = _routed_by_readings(e, named, trace, settles)
    # … and the property's declared readings its expectation itself rests on (Context.fail's `readings`: a year's
    # total after a reversal, which no settlement's trace computes), and A-REMOTE-SAME where the failing total, or a
    # figure reading it, counts a remote visit by that reading (remote_total_readings; probe s28 H3 F7)
    named = list(dict.fromkeys([*named, *e.readings, *remote_total_readings(e)]))
    named = _without_fresh_year(e, policy, named)
    if tags:
        failed = [t for t in tags if t in tagged] or tags
    elif named and (not any(t in tagged for t in own) or _reversal_root(e)):  # a 2208: no article speaks of it
        failed = [f"{policy}-{a}" for a in named]
    else:
        failed = own
    if not e.counterexample:  # tagged with what it blames, so the regression scenario runs under those articles
        e.attach(render_violation(e, prop, policy, [t.removeprefix(f"{policy}-") for t in failed]))
    if ch is not None:
        ch.message = "\n".join([e.summary(), *notes])  # never an exception class name
        ch.failed_articles = failed
        rests_on = list(dict.fromkeys([*named, *(t.removeprefix(f"{policy}-") for t in failed
                                                 if t.startswith(f"{policy}-A-"))]))
        if rests_on:
            ch.extra["rests_on"] = rests_on  # the failing figure's readings (the gate and the causes name them)
        if identity:  # the report's cause puts it at that step too (causes._root), which its evidence may not show
            ch.extra["identity"] = identity
        if unshrunk:
            ch.extra["shrunk"] = False
        # the declared readings its example can rest on (no A-REVERSAL without a reversal), and what the figure rests on
        relied = [*exercised(prop.assumptions, e.stories), *rests_on]
        if relied:
            ch.extra["assumptions"] = list(dict.fromkeys(relied))
        else:
            ch.extra.pop("assumptions", None)
    if trace and not e.trace:
        e.trace = trace  # the reference's working of the failing figure, as a scenario shows it
    return e


def _without_fresh_year(e: PropertyViolation, policy: str, named: list[str]) -> list[str]:
    """`named` without the document's year reading (北京, 浙江: A-YEAR-BY-SETTLEMENT-DATE) where the root mismatch is of
    its person's first settlement and the story gives no opening totals: nothing was counted before it, so its figure is
    the article's under any period (600.00 charged in full), as a scenario's first settlement is (plugin._blame_scenario
    `fresh`; probe s24 R F7, s25 Z3 F5)."""
    from dataclasses import asdict

    from conform.reference.policy import POLICY_IDS, load_policy

    from ..report.causes import root_mismatch

    year = load_policy(policy).doc.get("year_reading") if policy in POLICY_IDS else None
    root = root_mismatch([asdict(m) for m in e.mismatches])
    if not year or year not in named or root is None:
        return named
    for story in e.stories:
        first = next((op.settlement.id for op in story.ops if isinstance(op, (Settle, Presettle))), None)
        if first is not None and first == root.get("item") and getattr(story.person, "ytd", None) is None:
            return [a for a in named if a != year]
    return named


def _reversal_root(e: PropertyViolation) -> bool:
    """Whether the violation's root mismatch is a 2208 answered against the rules (report.causes.is_reversal): it
    rests on A-REVERSAL alone, whatever articles the property is tagged with."""
    from dataclasses import asdict

    from ..report.causes import is_reversal, root_mismatch

    root = root_mismatch([asdict(m) for m in e.mismatches])
    return root is not None and is_reversal(root)


def system_settles(adapter: Adapter | None) -> Settles | None:
    """How the system under test settles a story, for place_readings_that_bear (whether a remote visit's reading bears
    on the failure is for the system's figures to say, probe s24 X3): the story run again on the system as an example
    runs it — a fresh person of its own, prepared first, so no person the report shows is touched — outside the check's
    evidence; each story once. The remote visit is run again too rather than read from the example's exchanges: an
    example may settle another story with the same ids, and both figures are then of one kind. None against the
    reference itself (its figures are the reference's)."""
    if adapter is None or is_reference(adapter):
        return None
    memo: dict[tuple[str, str], dict | None] = {}

    def settles(story: Story, sid: str) -> dict | None:
        key = (repr(story), sid)
        if key not in memo:
            memo[key] = settled_on(adapter, story, sid)
        return memo[key]
    return settles


def _placed_by_answers(e: PropertyViolation, policy: str, named: list[str], trace: list[dict],
                       system: Settles | None = None) -> list[str]:
    """The readings the failing figure rests on, at the step the system's answered figures (this example's exchanges)
    part from the reference's working, as the report's cause finds it (causes._step with the check's evidence) and as
    a scenario's blame does: the trace alone cannot tell a wrong ratio from a cap not reset (both leave the payment
    short at a step showing the expected figure), and put a 二级 ratio of 55% at the cap step, resting on which cap a
    retiree takes and on A-MIDYEAR-RETIREMENT (rvendor s11 D7, Q1). `named` as `traced_blame` found them where the
    answers tell nothing more (a refusal, an account figure, no answer recorded for the item)."""
    from dataclasses import asdict

    from ..report.causes import PARTING, blame, figures, root_mismatch, system_evidence
    from .base import place_readings_that_bear

    found = [asdict(m) for m in (e.mismatches if not e.departure else
                                 [m for m in e.mismatches if m.item == e.departure])]
    root = root_mismatch(found)
    if root is None or not trace or root["field"] in ("infcode", "amount", "decision", "acct_pay", "balc",
                                                      "acct_balance", *PARTING):
        return named
    answers = system_evidence(snapshot_evidence())
    if not figures(answers, str(root.get("item", "")))[0]:
        return named
    traces = {str(root.get("item", "")): trace}
    _, placed = blame(found, traces, policy, answers)
    placed = place_readings_that_bear(placed, root, e.stories, traces, system)
    return placed


def _routed_by_readings(e: PropertyViolation, named: list[str], trace: list[dict],
                        system: Settles | None = None) -> list[str]:
    """`named` with the readings that route the failing visit (the reference's `decides` steps: an emergency paid as
    ordinary outpatient, A-EMERGENCY-ORDINARY) where the root figure is only a fen off — which alone names no such
    reading, a fen being a rounding's (causes._deciding_readings) — but another figure of that visit is farther
    off: a visit paid at 0% for 50% is no rounding, whichever of its fields differs first (probe s27 F8). Remote
    readings stay only where they bear (place_readings_that_bear)."""
    from dataclasses import asdict

    from ..report.causes import _deciding_readings, _step, _within_a_fen, is_reversal, root_mismatch
    from .base import place_readings_that_bear

    found = [asdict(m) for m in (e.mismatches if not e.departure else
                                 [m for m in e.mismatches if m.item == e.departure])]
    root = root_mismatch(found)
    if root is None or not trace or root["field"] == "infcode" or is_reversal(root) or not _within_a_fen(root):
        return named
    extra: list[str] = []
    for m in found:
        if m.get("item") == root.get("item") and not _within_a_fen(m):
            extra += _deciding_readings(m, trace, _step(m, trace)[0])
    extra = [a for a in dict.fromkeys(extra) if a not in named]
    if not extra:
        return named
    return place_readings_that_bear([*named, *extra], root, e.stories, {str(root.get("item", "")): trace}, system)


class _Tried(list):
    """The examples tried so far, as `count[0]`, and the items they carried (`items`: more than the
    examples when they come in batches, settings.BATCH); kept current in the check's extra so the
    progress lines of a long property (--thorough) can say how far it has got."""

    def __init__(self, check: Any):
        super().__init__([0])
        self._check = check
        self.items = 0

    def note(self) -> str:
        """'（共 N 项 items）' when the examples carried batches of items, else nothing."""
        return f"（共 {self.items} 项 items）" if self.items and self.items != self[0] else ""

    def item_tried(self) -> None:
        self.items += 1
        if self._check is not None:
            self._check.extra["items"] = self.items

    def __setitem__(self, index: Any, value: Any) -> None:
        super().__setitem__(index, value)
        if self._check is not None:
            self._check.extra["examples"] = value


def _round_seed(seed: int | None, k: int) -> int:
    """Round k's seed: the session's seed + k (from 0 when the profile is derandomized)."""
    return ((seed or 0) + k) % 2**32


def _announce_start(config: pytest.Config, prop: Property, policy: str, ps: Any, deadline: float) -> None:
    announce(config, f"属性 property {ps.done + 1}/{ps.planned or '?'} {prop.id}〔{policy}〕 {prop.title}: "
                     f"限时 share {format_duration(deadline - ps.clock())} "
                     f"(预算剩余 budget left {format_duration(ps.budget_left() or 0.0)})")


def _run_once(prop: Property, ctx: Context, ps: Any, count: _Tried, seed_: int | None, n: int | None,
              batch: int = 1) -> None:
    """One Hypothesis run: the profile's settings, or n examples with derandomizing off (a round's seed)."""
    hyp = ps.hypothesis if n is None else settings(ps.hypothesis, max_examples=n, derandomize=False)
    if prop.kind == "stateful":
        _run_machine(prop, ctx, hyp, seed_, count)
    else:
        _run_examples(prop, ctx, hyp, seed_, count, batch)


def batched(strategy: st.SearchStrategy, size: int) -> st.SearchStrategy:
    """1 to `size` items of `strategy` per Hypothesis example (settings.BATCH), or the strategy itself.

    The number of items is drawn first (evenly), then exactly that many: a list of fixed length
    costs Hypothesis no "one more?" decision per item. A failure shrinks to the one failing item:
    the check stops at the first item that fails, so its counterexample is that item's alone, and
    the shrinker lowers the number (dropping the items after it) and simplifies the items before
    it to the plainest ones. Declared unique (by identity, which every drawn item has): Hypothesis's
    mutator leaves the spans inside a unique collection alone, and would otherwise spend examples
    copying one item over another."""
    if size <= 1:
        return strategy
    lists: dict[int, st.SearchStrategy] = {}

    def exactly(n: int) -> st.SearchStrategy:
        if n not in lists:
            lists[n] = st.lists(strategy, min_size=n, max_size=n, unique_by=id)
        return lists[n]
    return st.integers(1, size).flatmap(exactly)


def _run_examples(prop: Property, ctx: Context, hyp: Any, seed_: int | None, count: _Tried,
                  batch: int = 1) -> None:
    assert prop.check is not None and prop.strategy is not None
    check = prop.check

    def example(ex: Any) -> None:
        ctx.begin_example()  # ends the search once the budget is spent: such runs are not counted
        if isinstance(ctx.adapter, GuardedAdapter):
            ctx.adapter.drawn = ex
        count[0] += 1
        if batch <= 1:
            check(ctx, ex)
            return
        for item in ex:
            ctx.begin_item()
            if isinstance(ctx.adapter, GuardedAdapter):
                ctx.adapter.drawn = item
            count.item_tried()
            check(ctx, item)

    if batch > 1 and prop.batches is not None:
        strategy = prop.batches(ctx.policy, batch)
    else:
        strategy = batched(prop.strategy(ctx.policy), batch)
    test = given(strategy)(example)
    for ex in reversed(prop.examples(ctx.policy) if prop.examples else []):
        test = hyp_example([ex] if batch > 1 else ex)(test)  # explicit: tried first, whatever the seed
    test = hyp(test)
    if seed_ is not None:
        test = seed(seed_)(test)
    with seeded_draws_only():
        test()


# changes the ci profile's stateful stories for every document at once (tests/test_s26_stateful_ci_seed.py)
MACHINE_SALT = 2


def _run_machine(prop: Property, ctx: Context, hyp: Any, seed_: int | None, count: list[int]) -> None:
    from hypothesis.stateful import get_state_machine_test

    assert prop.machine is not None
    machine = prop.machine(ctx)
    machine.counter = count  # the machine counts its runs
    test = get_state_machine_test(machine, settings=hyp)
    if seed_ is None and getattr(hyp, "derandomize", False):
        # the ci profile's "same examples every run": Hypothesis derives a derandomized machine's seed from a digest
        # that moves with the source of the property's module and with what the process imported (s25 e66043e),
        # so an edit to stateful.py changed which stories CI ran, and on 攀枝花 none with a reversal the check could
        # catch (probe s26 probeR R4). A seed from the property and the document holds still.
        seed_ = zlib.crc32(f"{prop.id}:{ctx.policy}:{MACHINE_SALT}".encode())
    if seed_ is not None:
        test = seed(seed_)(test)
    with seeded_draws_only():
        test()
