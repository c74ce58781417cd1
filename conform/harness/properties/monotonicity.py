"""Comparisons between two related persons or years: what more spending, a lower level, a retiree's
status or last year's visits may and may not change.

Each example settles two stories (two fresh test persons) through the adapter and compares
what the fund paid. A failure shows both persons, so the counterexample feature has one
scenario for each.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import strategies as st

from conform.reference.case import Settlement
from conform.reference.policy import retiree_less_favoured

from ..generators import (PersonYear, Setting, TwoYears, amounts, first_year, person_years, settings_for, two_years,
                          visits)
from .base import FUND_FIELDS, LABELS, Context, D, Story, conform_property, mismatch, year_reading
from .clauses import ALL_BENEFITS, LEVEL_TILT, RETIREE_TILT
from .settlement import Oracle, fund_differences

LEVEL_NAMES = {"tertiary": "三级", "secondary": "二级", "primary": "一级", "unrated": "未定级"}
# (higher, lower) facility levels; 未定级 counts with 一级 or below (A-PZH-UNRATED, A-NC-UNRATED, A-JL-UNRATED).
LOWER_LEVELS = (("tertiary", "secondary"), ("tertiary", "primary"), ("tertiary", "unrated"),
                ("secondary", "primary"), ("secondary", "unrated"))


# --------------------------------------------------------------------------- which run departs


def departures(ctx: Context, runs: list[tuple[Story, Any]], ids: set[str] | None = None,
               fields: tuple[str, ...] = ("hifp_pay",)) -> tuple[list, list[Story]]:
    """(mismatches, stories first-departing first) where a comparison between two runs of the system fails: in each
    run, the first settlement (of `ids`, else any) whose `fields` the reference answers otherwise, with the
    reference's figures, each labelled with its run. A failed comparison says that one of the two runs is wrong, not
    which: the other run's figure as "应为" would blame a right run by a wrong one (rvendor8 D7). ([], the stories as
    given) where the reference answers both alike (or gives nothing)."""
    found: list = []
    first: list[Story] = []
    for story, obs in runs:
        oracle = Oracle(story)
        ref = oracle.observed
        if ref is None:
            continue
        for st_ in story.settlements:
            got, want = obs.settled.get(st_.id), ref.settled.get(st_.id)
            if (ids is not None and st_.id not in ids) or got is None or want is None:
                continue
            bad = fund_differences(want, got, st_.id, fields, ctx.optional)
            if bad:
                found += [mismatch(m.field, m.expected, m.actual, m.item, f"{m.label}（{story.title}）") for m in bad]
                first.append(story)
                break
    return found, first + [story for story, _ in runs if story not in first]


def _compared(ctx: Context, headline: str, relation: Any, runs: list[tuple[Story, Any]],
              ids: set[str] | None = None, fields: tuple[str, ...] = ("hifp_pay",),
              readings: tuple[str, ...] = ()) -> None:
    """Fail a comparison between runs: the settlements the reference answers otherwise (`departures`), the first
    run's first; else the relation as the check states it (`relation`), with no figure of the other run as "应为".
    `readings`: those the relation itself rests on (Context.fail)."""
    found, stories = departures(ctx, runs, ids, fields)
    if found:
        ctx.fail(f"{headline}：{stories[0].title}的 {found[0].item} 与参考实现不符", found, *stories,
                 departure=found[0].item, readings=readings)
    ctx.fail(headline, relation if isinstance(relation, list) else [relation], *(story for story, _ in runs),
             readings=readings)


# --------------------------------------------------------------------------- more spending


@st.composite
def more_spending_years(draw: Any, policy: str) -> tuple[PersonYear, PersonYear]:
    """A year, and the same year with one visit costing more or one more visit on the same day."""
    py = draw(person_years(policy, min_settlements=1))
    i = draw(st.integers(0, len(py.settlements) - 1))
    s = py.settlements[i]
    extra = draw(amounts(20_000_00))
    items = list(py.settlements)
    if draw(st.booleans()):
        items[i] = replace(s, medfee_sumamt=s.medfee_sumamt + extra)   # the extra is all within policy scope
    else:
        items.insert(i + 1, replace(s, id=f"V{len(items) + 1}", medfee_sumamt=extra, fulamt_ownpay_amt=Decimal("0.00"),
                                    overlmt_selfpay=Decimal("0.00"), preselfpay_amt=Decimal("0.00")))
    return py, replace(py, settlements=tuple(items))


@conform_property("more_spending_never_lowers", "多花费用不会使当年统筹基金支付总额减少", ALL_BENEFITS,
                  strategy=more_spending_years)
def more_spending_never_lowers(ctx: Context, pair: tuple[PersonYear, PersonYear]) -> None:
    """Spending more (a dearer visit, or one visit more) never lowers the year's fund total: the
    deductible is used up sooner, every ratio is non-negative and the cap only clamps."""
    base, more = pair
    a, b = Story.of_year(base, "原就诊"), Story.of_year(more, "多花费用")
    oa, ob = ctx.run(a), ctx.run(b)
    for year in base.years:
        ta, tb = oa.total_fund(year, a), ob.total_fund(year, b)
        if tb < ta:
            _compared(ctx, f"费用增加后{year}年统筹基金支付总额反而减少",
                      mismatch("hifp_pay", f"≥ 费用较少时的年度合计（被测系统答复 {ta}）", tb, f"{year}年度合计"),
                      [(a, oa), (b, ob)])


# --------------------------------------------------------------------------- lower level


@st.composite
def two_levels(draw: Any, policy: str) -> tuple[PersonYear, Settlement, Settlement]:
    """A year so far, then the same ordinary visit at a higher and at a lower facility level."""
    py = draw(person_years(policy, cross_year=False, max_settlements=15))
    last = py.settlements[-1].date if py.settlements else dt.date(first_year(py.setting), 6, 1)
    higher, lower = draw(st.sampled_from(LOWER_LEVELS))
    v = draw(visits(py.setting, py.person, last, f"V{len(py.settlements) + 1}", med_types=("11",)))
    return py, replace(v, facility=higher), replace(v, facility=lower)


@conform_property("lower_level_never_less", "同一就诊在较低等级定点医疗机构结算，统筹支付不会更少", LEVEL_TILT,
                  strategy=two_levels)
def lower_level_never_less(ctx: Context, ex: tuple[PersonYear, Settlement, Settlement]) -> None:
    """Where the document ranks levels (攀枝花 第七条 三级50%/二级及以下60%; 南昌 四（二）1 三级50%/二级55%/一级60%;
    吉林 二（二）同), the same ordinary visit after the same earlier visits never gets less at a lower level."""
    py, high, low = ex
    a = Story.of(py.setting, py.person, py.settlements + (high,), f"在{LEVEL_NAMES[high.facility]}医疗机构")
    b = Story.of(py.setting, py.person, py.settlements + (low,), f"在{LEVEL_NAMES[low.facility]}医疗机构")
    oa, ob = ctx.run(a), ctx.run(b)
    pa, pb = D(oa.settled[high.id]["hifp_pay"]), D(ob.settled[low.id]["hifp_pay"])
    if pb < pa:
        _compared(ctx, f"同一就诊在{LEVEL_NAMES[low.facility]}结算的统筹支付少于在{LEVEL_NAMES[high.facility]}结算",
                  mismatch("hifp_pay", f"≥ 在{LEVEL_NAMES[high.facility]}结算的统筹支付（被测系统答复 {pa}）", pb, high.id),
                  [(a, oa), (b, ob)])


# --------------------------------------------------------------------------- retirees


RETIRED = {"1101": "1201", "1103": "1203"}


def tilting_settings(policy: str) -> list[Setting]:
    """The settings under which the document's tilt holds: none of the region's figures leaves a retiree worse off
    than an in-service person (policy.retiree_less_favoured). A region may give such figures where the text leaves
    them to it (攀枝花 第十条's chronic ratios, 吉林's retiree deductible): the tilt is then not the text's to promise."""
    return list(_tilting(settings_for(policy)))


@lru_cache(maxsize=32)
def _tilting(settings: tuple[Setting, ...]) -> tuple[Setting, ...]:
    """Bound once per set of settings, not at every draw (keyed by the settings, so a run's --region is its own)."""
    return tuple(s for s in settings if not retiree_less_favoured(s.rules.supplied))


@st.composite
def retiree_twins(draw: Any, policy: str) -> tuple[PersonYear, PersonYear]:
    """An in-service person's year and the same visits by an otherwise identical retiree, under a setting that tilts."""
    tilting = tilting_settings(policy)
    if not tilting:
        pytest.skip(f"地区配置的退休人员数值不如在职人员，文件未要求这些数值向退休人员倾斜：不比较 no setting of {policy} tilts "
                    f"to retirees ({'; '.join(retiree_less_favoured(settings_for(policy)[0].rules.supplied))[:300]})")
    py = draw(person_years(policy, psn_types=("1101", "1103"), setting=draw(st.sampled_from(tilting))))
    working = py.with_person(retire_date=None)
    retired = working.with_person(psn_type=RETIRED[py.person.psn_type])
    return working, retired


@conform_property("retiree_not_less", "文件向退休人员倾斜的，退休人员所得不少于在职职工", RETIREE_TILT,
                  strategy=retiree_twins)
def retiree_not_less(ctx: Context, pair: tuple[PersonYear, PersonYear]) -> None:
    """Where a document tilts to retirees (攀枝花 第七条 起付线150/比例+5/限额1500; 南昌 四（二）1 +5个百分点、
    限额2000; 吉林 二（二）退休倾斜同住院; 浙江 二（一）起付线减半、+5个百分点), a retiree never gets a smaller
    year's fund total than an in-service person for the same visits."""
    working, retired = pair
    a, b = Story.of_year(working, "在职职工"), Story.of_year(retired, "退休人员")
    oa, ob = ctx.run(a), ctx.run(b)
    for year in working.years:
        ta, tb = oa.total_fund(year, a), ob.total_fund(year, b)
        if tb < ta:
            _compared(ctx, f"{year}年退休人员的统筹基金支付少于在职职工",
                      mismatch("hifp_pay", f"≥ 在职职工年度合计（被测系统答复 {ta}）", tb, f"{year}年度合计（退休人员）"),
                      [(a, oa), (b, ob)])


# --------------------------------------------------------------------------- year independence


@conform_property("year_independent", "一个自然年度的结算结果不受上一年度影响", ALL_BENEFITS, strategy=two_years,
                  assumptions=("A-YEAR-BY-SETTLEMENT-DATE",))
def year_independent(ctx: Context, ex: TwoYears) -> None:
    """Deductibles and caps count per natural year and start afresh on 1 January
    (A-YEAR-BY-SETTLEMENT-DATE): this year's settlements give the same fund figures whether or not
    last year's came first (the account balance, which does carry over, is left aside)."""
    both = Story.of(ex.setting, ex.person, ex.previous + ex.current, "上一年度有结算")
    alone = Story.of(ex.setting, ex.person, ex.current, "上一年度无结算")
    ob, oa = ctx.run(both), ctx.run(alone)
    bad = []
    for s in ex.current:
        bad += fund_differences(oa.settled[s.id], ob.settled[s.id], s.id, optional=ctx.optional)
    year = ex.year
    ya, yb = oa.ytd.get(year), ob.ytd.get(year)
    if ya is not None and yb is not None:
        oracle = Oracle(alone)  # the year's totals by the reference, which either run's should be
        for f in ("ordinary_dedc", "ordinary_pay", "inpatient_pay", "special_dedc"):
            if D(ya[f]) == D(yb[f]):
                continue
            want = oracle.ytd(year, f)
            if want is None:  # nothing to tell which run is wrong: the difference itself
                bad.append(mismatch(f, ya[f], yb[f], f"{year}年度累计"))
                continue
            bad += [mismatch(f, want, got[f], f"{year}年度累计", f"{LABELS.get(f, f)}（{story.title}）")
                    for story, got in ((both, yb), (alone, ya)) if D(got[f]) != D(want)]
    if bad:  # which run is wrong is the reference's to say: "上一年度无结算" is no oracle (rvendor8 D7)
        # the fresh start on 1 January is an article's where the text names the natural year (攀枝花 第七条), and the
        # document's year reading where it names no period (北京（五）, 浙江 二（一）: A-YEAR-BY-SETTLEMENT-DATE)
        readings = tuple(r for r in (year_reading(both),) if r)
        _compared(ctx, f"{year}年的结算结果因上一年度的结算而不同（应于1月1日重新计算）", bad, [(both, ob), (alone, oa)],
                  {s.id for s in ex.current}, FUND_FIELDS, readings=readings)

