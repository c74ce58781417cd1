"""Two insured persons at once: a person's settlements and year totals are that person's own.

Every document's deductible and cap are the insured person's, per natural year (攀枝花 第七条, 南昌 四（二）1,
吉林 二（二）, 北京（五）, 浙江 二（一）). Every other check settles one person at a time, each after its own T001, so
a system filing the year's totals under part of the psn_no (a "check digit" dropped) shares one deductible and one
cap between two persons unseen (probe s28 probeH3 F1). Here two persons whose psn_no differ only in the last
character are both prepared first, their visits sent in turn (A-V1, B-V1, A-V2, B-V2, …), both persons' 5206 totals
queried, and each person's answers compared with the same system's answers to that person's story run alone on a
fresh person. Which of two differing runs is wrong is the reference's to say (monotonicity.departures): the other
run's figure is never the "应为".
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from ..adapters import SettlementRefused, Subject
from ..adapters.base import SPLIT_UNREPORTED
from ..generators import FIRST_YEAR, LAST_YEAR, PersonYear, person_years
from .base import (FUND_FIELDS, LABELS, SPLIT_FIELDS, Context, D, Observed, Settle, Story, conform_property,
                   mismatch, route_clauses, settled_note)
from .clauses import ALL_BENEFITS
from .monotonicity import departures
from .settlement import Oracle, fund_differences

# A few visits each: the defect shows on the second person's first visit; more only make an example dearer.
MAX_VISITS = 5
# The figures compared are the fund's, and the route split where the system reports it (`_fields`). Account figures
# are left to the account properties (a balance is the person's too, but what the account pays rests on the
# account articles and their readings).
YTD_FIELDS = ("ordinary_dedc", "ordinary_pay", "inpatient_pay", "special_dedc")


@st.composite
def two_persons(draw: Any, policy: str) -> tuple[PersonYear, PersonYear]:
    """Two persons' visits in the same natural year under the same setting (region and figures)."""
    year = draw(st.integers(FIRST_YEAR, LAST_YEAR - 1))
    a = draw(person_years(policy, min_settlements=1, max_settlements=MAX_VISITS, year=year, cross_year=False))
    b = draw(person_years(policy, min_settlements=1, max_settlements=MAX_VISITS, year=year, cross_year=False,
                          setting=a.setting))
    return a, b


def _story(py: PersonYear, prefix: str, title: str) -> Story:
    """The person's year, its visits' ids prefixed so that the two persons' visits are told apart in a failure."""
    return Story.of(py.setting, py.person, [replace(s, id=f"{prefix}-{s.id}") for s in py.settlements], title)


def interleaved(adapter: Any, stories: list[Story], psns: list[str]) -> list[Observed]:
    """Prepare every person first, then send their settlements in turn (the first's first, the second's first, …),
    then query each person's years. A refusal is recorded, as `execute` records it."""
    for story, psn in zip(stories, psns):
        s = story.setting
        adapter.prepare_person(Subject(s.policy, replace(story.person, psn_no=psn), s.region, s.param_dict))
    obs = [Observed(psn) for psn in psns]
    for k in range(max(len(story.ops) for story in stories)):
        for story, o in zip(stories, obs):
            if k >= len(story.ops):
                continue
            op = story.ops[k]
            assert isinstance(op, Settle), op  # two_persons draws settlements only
            try:
                o.settled[op.settlement.id] = adapter.settle(o.psn_no, op.settlement)
            except SettlementRefused as e:
                o.refused[op.settlement.id] = e.message
    if "query_ytd" in adapter.supports:
        for story, o in zip(stories, obs):
            for y in story.years:
                o.ytd[y] = adapter.query_ytd(o.psn_no, y)
    return obs


def _fields(observed: list[Observed]) -> tuple[str, ...]:
    """The fund's figures, and the route split unless some answer leaves it out (a system may: not compared then, as
    elsewhere)."""
    answers = [out for o in observed for out in o.settled.values()]
    return FUND_FIELDS + tuple(f for f in SPLIT_FIELDS
                               if all(out.get(f) is not None and not out.get(SPLIT_UNREPORTED) for out in answers))


def _order(stories: list[Story]) -> list[str]:
    """The settlements' ids in the order they were sent."""
    ids: list[str] = []
    for k in range(max(len(story.ops) for story in stories)):
        ids += [story.ops[k].settlement.id for story in stories if k < len(story.ops)]
    return ids


def _differs(ctx: Context, together: Observed, alone: Observed, story: Story, fields: tuple[str, ...]) -> bool:
    """Whether the person's answers sent in turn with another person's differ from those sent alone."""
    for s in story.settlements:
        got, want = together.settled.get(s.id), alone.settled.get(s.id)
        if (got is None) != (want is None):
            return True
        if got is not None and want is not None and fund_differences(want, got, "", fields, ctx.optional):
            return True
    for y, totals in together.ytd.items():
        other = alone.ytd.get(y) or {}
        if any(totals.get(f) is not None and other.get(f) is not None and D(totals[f]) != D(other[f])
               for f in YTD_FIELDS):
            return True
    return False


def _refusals(story: Story, together: Observed, alone: Observed) -> list:
    """A settlement refused with the other person's visits in between, settled when the person is alone."""
    out = []
    for s in story.settlements:
        why = together.refused.get(s.id)
        if why is None or s.id not in alone.settled:
            continue
        ref = Oracle(story).observed
        settled = ref is not None and s.id in ref.settled
        want = (f"0（结算成功{settled_note(ref.settled[s.id])}）" if settled and ref is not None
                else "同一人单独结算时的结果（被测系统单独结算时结算成功）")
        out.append(mismatch("infcode", want, f"拒绝：{why}", s.id, f"结算结果（{story.title}）"))
    return out


def _ytd_departures(runs: list[tuple[Story, Observed]], alone_of: dict[int, Observed]) -> list:
    """The year totals the reference gives otherwise than a run answered, each with the reference's figure and
    labelled with its run; where the reference gives none, the relation (the same as when alone) on the together
    run's figure."""
    out = []
    for i, (story, obs) in enumerate(runs):
        oracle = Oracle(story)
        alone = alone_of.get(i)
        for y, totals in sorted(obs.ytd.items()):
            for f in YTD_FIELDS:
                got = totals.get(f)
                if got is None:
                    continue
                other = (alone.ytd.get(y) or {}).get(f) if alone is not None else None
                want = oracle.ytd(y, f)
                label = f"{LABELS.get(f, f)}（{story.title}）"
                if want is not None:
                    if D(got) != D(want):
                        out.append(mismatch(f, want, got, f"{y}年度累计", label))
                elif alone is not None and other is not None and D(got) != D(other):
                    out.append(mismatch(f, f"与单独结算时相同（被测系统单独结算答复 {other}）", got, f"{y}年度累计", label))
    return out


@conform_property("persons_apart", "两名参保人交替结算，各人的结算结果和年度累计只按本人计算", ALL_BENEFITS,
                  strategy=two_persons)
def persons_apart(ctx: Context, pair: tuple[PersonYear, PersonYear]) -> None:
    """Each document's deductible and annual cap are the insured person's own: two persons whose psn_no differ only
    in the last character, prepared first and settled in turn, get each the settlements and year totals the same
    system gives that person's visits alone. A difference is blamed on the articles of the figure that departs from
    the reference (ordinary pooling for an ordinary visit's figures and totals). It declares no reading: that a
    deductible and a cap are the person's own is every text's word."""
    first = ctx.psn_no()
    psns = [f"{first}A", f"{first}B"]  # only the last character differs
    a_py, b_py = pair
    together = [_story(a_py, "A", "参保人甲（与乙交替结算）"), _story(b_py, "B", "参保人乙（与甲交替结算）")]
    obs = interleaved(ctx.adapter, together, psns)
    ctx.require_figures({k: v for o in obs for k, v in o.settled.items()}, *together)
    # each alone, on a fresh person of its own (ctx.run prepares one; a refusal there fails as any property's)
    alone = [replace(together[0], title="参保人甲（单独结算）"), replace(together[1], title="参保人乙（单独结算）")]
    alone_obs = [ctx.run(story) for story in alone]
    fields = _fields([*obs, *alone_obs])
    if not any(_differs(ctx, t, a, story, fields) for t, a, story in zip(obs, alone_obs, together)):
        return
    order = _order(together)
    headline = (f"编号仅末位不同的两名参保人（{psns[0]}、{psns[1]}）均先建档，再交替结算（{'、'.join(order)}），"
                f"其结算结果或年度累计与各自单独结算时不同")
    refused = [m for story, t, a in zip(together, obs, alone_obs) for m in _refusals(story, t, a)]
    if refused:
        refused.sort(key=lambda m: order.index(m.item))
        story = next(s for s in together if any(x.id == refused[0].item for x in s.settlements))
        ctx.fail(f"{headline}：{story.title}的 {refused[0].item} 被拒绝", refused, *together,
                 departure=refused[0].item, clauses=route_clauses(story, refused[0].item))
    runs = [*zip(together, obs), *zip(alone, alone_obs)]
    per_run = []
    for i, run in enumerate(runs):
        found, _ = departures(ctx, [run], None, fields)
        if found:
            # the run sent in turn first, then by when its departing visit was sent
            per_run.append(((i >= len(together), order.index(found[0].item)), run[0], found))
    per_run.sort(key=lambda x: x[0])
    totals = _ytd_departures(runs[:len(together)], dict(enumerate(alone_obs)))
    totals += _ytd_departures(runs[len(together):], {})
    shown = sorted(together, key=lambda s: 0 if per_run and s.settlements == per_run[0][1].settlements else 1)
    if per_run:
        found = [m for _, _, ms in per_run for m in ms] + totals
        item = found[0].item
        story = per_run[0][1]
        ctx.fail(f"{headline}：{story.title}的 {item} 与参考实现不符", found, *shown, departure=item,
                 clauses=route_clauses(story, item))
    if totals:
        ctx.fail(headline, totals, *shown)
    # the reference gives no figure to tell which run is wrong: the difference itself, no figure as "应为"
    relation = []
    for story, t, a in zip(together, obs, alone_obs):
        for s in story.settlements:
            got, want = t.settled.get(s.id), a.settled.get(s.id)
            if got is None or want is None:
                continue
            relation += [mismatch(f, f"与单独结算时相同（被测系统单独结算答复 {want.get(f)}）", got.get(f, "(missing)"),
                                  s.id, f"{LABELS.get(f, f)}（{story.title}）")
                         for f in fields if want.get(f) is not None and not ctx.unreported(got, f)
                         and (got.get(f) is None or D(got[f]) != D(want[f]))]
    ctx.fail(headline, relation or [mismatch("infcode", "与单独结算时相同", "不同", "", "结算结果")], *together)
