"""Differential: every generated year is computed by the system under test and by the reference.

Any difference in any output field — a settlement figure, a refusal, a reversal's answer, a year-to-date
total, the account balance — is a failure. Some of the years drawn reverse a visit (2208) right after it
or after later ones (`with_reversals`): a reversal that is not the year's latest settlement leaves every
later visit to be settled with its part — deductible, ordinary, chronic or inpatient cap — taken back
(A-REVERSAL), which the reference computes. Each year ends with a 2206 of its last visit: the pre-settlement must
answer the reference's figures given all the year has counted, and record nothing. Only meaningful against a system
other than the reference.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from conform.reference.case import Disease, Settlement
from conform.reference.money import fmt

from ..adapters.base import SETLINFO_AMOUNTS, SETLINFO_FIELDS
from ..adapters.reference import ReferenceAdapter
from ..generators import (FIRST_YEAR, PersonYear, Setting, decode_person, in_validity, settings_for,
                          settleable_diseases, year_batches_with_reversals, years_with_reversals)
from .base import (LABELS, SPLIT_FIELDS, Context, D, Presettle, Reverse, Settle, Story, conform_property, execute,
                   mismatch, no_evidence, reversal_readings, route_clauses, settled_note)
from .clauses import ACCOUNT_USE, ALL_BENEFITS, merge

COMPARED = (*SETLINFO_FIELDS, *SPLIT_FIELDS)
YTD_FIELDS = ("ordinary_dedc", "ordinary_pay", "inpatient_pay", "special_dedc", "acct_balance")
ACCOUNT_PART = ("acct_pay", "psn_cash_pay")  # not compared where the reference leaves them undetermined


# a 2208 answers every amount of its 2207 negated (docs/connect-your-system.md 2208; A-REVERSAL): the cash refund a HIS
# pays back by (psn_cash_pay) and the fund total too, not only the deductible and the payments (probe s27 probeH F2)
REVERSAL_FIELDS = (*SETLINFO_AMOUNTS, *SPLIT_FIELDS)
REVERSED = "-撤销"  # a reversal's item, as the reference's traces key it (base.reference_traces)


@conform_property("differential", "与参考实现逐字段一致（差分测试）", merge(ALL_BENEFITS, ACCOUNT_USE), differential=True,
                  strategy=years_with_reversals, batches=year_batches_with_reversals,
                  examples=lambda policy: _differential_examples(policy), assumptions=("A-REVERSAL",))
def differential(ctx: Context, py: PersonYear) -> None:
    """The system under test and the reference settle the same year, with its reversals (2208) where it has any;
    every field must agree to the fen (optional fields — the split, balc, an optional figure such as act_pay_dedc —
    only where the system gives them), and a reversal must be accepted or refused alike and take back what the
    reference's takes back. The year closes with a 2206 of its last visit (`_presettle_last`), whose answer must be
    the reference's pre-settlement at that point, field by field."""
    story = Story.of_year(py, "差分")
    presettle = _presettle_last(ctx, story)
    got = ctx.run(story, require_settled=False, require_figures=False)  # absent figures: below
    with no_evidence():
        want = execute(ReferenceAdapter(), story)  # a fresh oracle: nothing kept between examples
    bad = []
    for s in py.settlements:
        if (s.id in want.refused) != (s.id in got.refused):
            bad.append(mismatch("infcode", f"拒绝：{want.refused[s.id]}" if s.id in want.refused
                                else f"0（结算成功{settled_note(want.settled.get(s.id))}）",
                                f"拒绝：{got.refused[s.id]}" if s.id in got.refused else "0（结算成功）", s.id))
            continue
        if s.id in want.refused:
            continue
        w, g = want.settled[s.id], got.settled[s.id]
        # Where the reference says the account's part is not the document's to decide (acct_undetermined:
        # 浙江 二（三） before its account reform, A-BEFORE-VALIDITY), its acct_pay "0.00" and the cash
        # payment that follows are placeholders, not figures: whatever the system paid from the account is
        # not compared (`conform settle` gives them as null).
        undetermined = ACCOUNT_PART if w.get("acct_undetermined") is not None else ()
        for f in COMPARED:
            if w.get(f) is None or (f in SPLIT_FIELDS and g.get(f) is None) or ctx.unreported(g, f):
                continue  # an optional figure of the adapter (optional_figures) not reported is not compared
            if f in undetermined:
                continue
            if g.get(f) is None or D(g[f]) != D(w[f]):
                bad.append(mismatch(f, w[f], g.get(f, "(missing)"), s.id))
    bad += _reversal_differences(ctx, py, want, got, story)
    if presettle is not None:
        bad += _presettle_differences(ctx, presettle, want, got)
    for year, w in want.ytd.items():
        g = got.ytd.get(year) or {}
        for f in YTD_FIELDS:
            if w.get(f) is None or (f == "acct_balance" and g.get(f) is None):
                continue
            if g.get(f) is None or D(g[f]) != D(w[f]):
                bad.append(mismatch(f, w[f], g.get(f, "(missing)"), f"{year}年度累计"))
        for name in ("chronic_dedc", "chronic_pay"):
            wd = {k: D(v) for k, v in (w.get(name) or {}).items() if D(v) != 0}
            gd = {k: D(v) for k, v in (g.get(name) or {}).items() if D(v) != 0}
            if name in g and wd != gd:  # optional on the wire: compared only where the answer gives it
                bad.append(mismatch(name, _per_disease(wd), _per_disease(gd), f"{year}年度累计"))
    if bad:
        first = departure(story, bad)
        # a balance expected with what the reference's 2208s gave back to the account rests on A-REVERSAL (no text
        # says a reversal refunds the account), as a year's total a reversal took a part of does (probe s25 Z3, F6)
        refunded = sum((abs(D(r["acct_pay"])) for r in want.reversals.values()
                        if isinstance(r, dict) and r.get("acct_pay") is not None), Decimal(0))
        # … and so does a year's total (a 5206) whose year had a settlement reversed with a part of that total in it:
        # expected without that part, as the stateful machine's totals are (probe s26 F4: a 5206 still counting a
        # reversed settlement's 600.00 deductible was blamed on 南昌 四（二）1 as a plain breach)
        given_back = {"acct_balance": refunded, **(_reversed_parts(py, want).get(_total_year(bad), {}))}
        ctx.fail("被测系统与参考实现的结算结果不一致", bad, story, clauses=_blame(story, bad, first), departure=first,
                 readings=reversal_readings(bad, given_back), unread=_unread_period(story, presettle, bad, first, got))


# a year's total → the field of a settlement's answer that counts in it (a payment total counts the fund payment's part)
TOTAL_PARTS = {"ordinary_dedc": "act_pay_dedc", "ordinary_pay": "ordinary_pay", "inpatient_pay": "inpatient_pay",
               "chronic_pay": "chronic_pay"}


def _total_year(bad: list) -> int | None:
    """The year of the root mismatch where it is a year's total (item "2023年度累计"), else None: a settlement's own
    figure (its ordinary_pay) is no total, whatever a reversal gave back."""
    from dataclasses import asdict

    from ..report.causes import TOTALS_ITEM, root_mismatch

    root = root_mismatch([asdict(m) for m in bad])
    item = str(root.get("item", "")) if root else ""
    head = item.removesuffix(TOTALS_ITEM)
    return int(head) if item.endswith(TOTALS_ITEM) and head.isdigit() else None


def _reversed_parts(py: PersonYear, want) -> dict[int, dict[str, Decimal]]:
    """Year → what the reference's reversed settlements of that year had answered for each of its totals (TOTAL_PARTS;
    the fund payment where the answer gives no split): the parts a 2208 took back (A-REVERSAL), for
    base.reversal_readings."""
    dates = {s.id: s.date for s in py.settlements}
    out: dict[int, dict[str, Decimal]] = {}
    for sid in want.reversals:
        answer = want.settled.get(sid)
        if not isinstance(answer, dict) or sid not in dates:
            continue
        back = out.setdefault(dates[sid].year, {})
        for total, part in TOTAL_PARTS.items():
            figure = answer.get(part)
            if figure is None and total == "ordinary_pay":
                figure = answer.get("hifp_pay")
            if figure is not None:
                back[total] = back.get(total, Decimal(0)) + abs(D(figure))
    return out


def _per_disease(amounts: dict[str, Decimal]) -> str:
    """A year's chronic totals by disease as a mismatch shows them ("M00500 300.00；M00100 20.00"), amounts in the
    two-decimal form of every other figure; none above zero shows as 0.00."""
    return "；".join(f"{code} {fmt(v)}" for code, v in sorted(amounts.items())) or "0.00"


def _reversal_differences(ctx: Context, py: PersonYear, want, got, story: Story | None = None) -> list:
    """Each reversal of the year accepted or refused otherwise than by the reference, or answering a figure the
    reference's reversal answers otherwise (item "<id>-撤销"): every amount of its settlement, negated; and a balc,
    where the system gives one, that is not the balance after the refund (`_reversal_balc`)."""
    bad = []
    if story is not None:
        bad += _reversal_balc(ctx, py, story, got)
    for sid, _after in getattr(py, "reversals", ()):
        item = f"{sid}{REVERSED}"
        if (item in want.refused) != (item in got.refused):
            bad.append(mismatch("infcode", f"拒绝：{want.refused[item]}" if item in want.refused else "0（撤销成功）",
                                f"拒绝：{got.refused[item]}" if item in got.refused else "0（撤销成功）", item))
            continue
        w, g = want.reversals.get(sid), got.reversals.get(sid)
        if w is None or g is None:
            continue
        undetermined = ("acct_pay",) if (want.settled.get(sid) or {}).get("acct_undetermined") is not None else ()
        for f in REVERSAL_FIELDS:
            if f in undetermined or w.get(f) is None or g.get(f) is None or ctx.unreported(g, f):
                continue  # a reversal answers what it takes back; a figure the system leaves out is not compared
            if D(g[f]) != D(w[f]):
                bad.append(mismatch(f, w[f], g[f], item))
    return bad


def _reversal_balc(ctx: Context, py: PersonYear, story: Story, got) -> list:
    """A 2208's balc (optional on the wire: only where given) held as a 2207's is (settlement.money_identities): the
    balance before it less its own acct_pay, a negative one, so the balance after the refund. The balance is walked
    through the system's own answers from the opening balance: a wrong acct_pay is its own mismatch, not the balc's.
    That a 2208 gives the account back is A-REVERSAL's (the texts are silent), as every reversal figure here is."""
    if py.person.acct_balance is None:
        return []
    balance, bad = D(py.person.acct_balance), []
    for op in story.ops:
        if isinstance(op, Settle):
            out, refused = got.settled.get(op.settlement.id), op.settlement.id in got.refused
        elif isinstance(op, Reverse):
            out, refused = got.reversals.get(op.setl_id), f"{op.setl_id}{REVERSED}" in got.refused
        else:
            continue
        if refused:
            continue  # nothing paid from the account, nothing given back
        if not isinstance(out, dict) or out.get("acct_pay") is None or ctx.unreported(out, "acct_pay"):
            return bad  # the chain is broken: the balance from here on is not known from the answers
        before, balance = balance, balance - D(out["acct_pay"])
        if isinstance(op, Reverse) and out.get("balc") is not None and D(out["balc"]) != balance:
            bad.append(mismatch("balc", f"{fmt(before)} − ({out['acct_pay']}) = {fmt(balance)}（撤销退回后的余额）",
                                out["balc"], f"{op.setl_id}{REVERSED}"))
    return bad


PRESETTLED = "P"  # the id of the year's closing 2206 (`_presettle_last`): the last settlement's own id with this suffix


def _presettle_last(ctx: Context, story: Story) -> Presettle | None:
    """Close the year with a 2206 of its last visit (same day, same figures, id "<id>P"), after every settlement and
    reversal of the year: it must answer what a 2207 would at that point — the deductible and cap the year has already
    counted (and what its reversals gave back) taken into account — and record nothing (the year's totals queried after
    it). A 2206 computed on an empty year (a pre-settlement service reading no year-to-date) gave every first-visit
    scenario the right figures (probeE F0). None where the system offers no 2206 or the year has no visit."""
    if "presettle" not in ctx.adapter.supports or not story.settlements:
        return None
    last = story.settlements[-1]
    op = Presettle(replace(last, id=f"{last.id}{PRESETTLED}"))
    story.ops.append(op)
    return op


def _presettle_differences(ctx: Context, op: Presettle, want, got) -> list:
    """The closing 2206 (`_presettle_last`) accepted or refused otherwise than by the reference, or answering a figure
    otherwise (item "<id>P"); optional figures the system leaves out are not compared, as for a settlement."""
    sid, item = op.settlement.id, f"{op.settlement.id}-预结算"
    if (item in want.refused) != (item in got.refused):
        return [mismatch("infcode", f"拒绝：{want.refused[item]}" if item in want.refused
                         else f"0（预结算成功{settled_note(want.presettled.get(sid))}）",
                         f"拒绝：{got.refused[item]}" if item in got.refused else "0（预结算成功）", sid)]
    w, g = want.presettled.get(sid), got.presettled.get(sid)
    if w is None or g is None:
        return []
    undetermined = ACCOUNT_PART if w.get("acct_undetermined") is not None else ()
    bad = []
    for f in COMPARED:
        if w.get(f) is None or (f in SPLIT_FIELDS and g.get(f) is None) or ctx.unreported(g, f) or f in undetermined:
            continue
        if g.get(f) is None or D(g[f]) != D(w[f]):
            bad.append(mismatch(f, w[f], g.get(f, "(missing)"), sid, f"{LABELS.get(f, f)}（预结算）"))
    return bad


def _unread_period(story: Story, op: Presettle | None, bad: list, first: str, got) -> tuple[str, ...]:
    """(the document's period reading,) — 北京, 浙江: A-YEAR-BY-SETTLEMENT-DATE, its `year_reading` — where the system
    first departs at the closing 2206 (`first`) and its own 2207 of the same visit, settled just before on the same
    totals, answered as the reference's: whatever period it counts by, it counted the reference's here, so the 2206's
    difference rests on no reading of the period, though the working of its deductible and cap cites one (probe s29 H5
    F6). Else ()."""
    if op is None or first != op.settlement.id:
        return ()
    visit = op.settlement.id.removesuffix(PRESETTLED)
    if visit not in got.settled or any(m.item == visit for m in bad):
        return ()
    year = story.setting.rules.policy.doc.get("year_reading")
    return (year,) if year else ()


def departure(story: Story, bad: list) -> str:
    """The earliest settlement or reversal (in the order the year is settled) at which the system's answer differs:
    where it first departs from the reference. A later visit's figures may differ only because the year's
    totals carry that first difference (a pharmacy paid at 60% leaves less of the cap to the next visit), so
    they are symptoms, not rules of their own. "" when no settlement differs (the year's totals alone)."""
    differing = {m.item for m in bad}
    order = [op.settlement.id if isinstance(op, (Settle, Presettle)) else f"{op.setl_id}{REVERSED}" for op in story.ops
             if isinstance(op, (Settle, Presettle, Reverse))]
    return next((i for i in order if i in differing), "")


def _blame(story: Story, bad: list, first: str = "") -> dict[str, tuple[str, ...]] | None:
    """The first differing visit's benefit (`first`, `departure`): not the union of every differing visit's
    route, which would blame a later chronic visit's articles for a pharmacy's ratio; the year's totals only
    when no settlement differs (they follow from the settlements). The account articles are blamed for what
    the account decides: acct_pay and the balance (balc, acct_balance), and the cash payment of a visit whose
    acct_pay or balance differs too. A cash payment that differs with the account part right follows
    from the benefit (psn_cash_pay = psn_part_amt − acct_pay) where psn_part_amt differs too: a wrong ratio is not
    an account fault; with psn_part_amt and acct_pay right, it breaks that identity, the platform's 结算口径, which
    neither the account article nor A-ACCOUNT-SELFPAY decides (the account paid right): the visit's benefit, as a
    figure no article decides is blamed (causes.cash_identity; probe s28 H3 F2)."""
    from .clauses import ACCOUNT_BLAME, FIELD_CLAUSES, merge

    account = ("acct_pay", "balc", "acct_balance")
    per_visit = [m for m in bad if not m.item.endswith("年度累计") and (not first or m.item == first)]
    account_visits = {m.item for m in per_visit if m.field in account}
    maps = []
    for m in per_visit or bad:
        if m.field in account or (m.field == "psn_cash_pay" and m.item in account_visits):
            maps.append(ACCOUNT_BLAME)  # 吉林: the reading, no article (ACCOUNT_READINGS)
        elif per_visit:  # a reversal: the benefit of the settlement it takes back
            maps.append(route_clauses(story, m.item.removesuffix(REVERSED)))
        else:
            maps.append(FIELD_CLAUSES.get(m.field))
    if any(c is None for c in maps):
        return None
    return merge({story.setting.policy: ()}, *maps)


# --------------------------------------------------------------------------- fixed examples, tried whatever the seed

_FEN = Decimal("0.01")


def _visit(sid: str, day: tuple[int, int], med: str, facility: str, amount: Decimal, code: str | None = None
           ) -> Settlement:
    return Settlement(sid, dt.date(FIRST_YEAR, *day), med, facility, amount.quantize(_FEN), dise_codg=code)


def _reversed_before_next(setting: Setting, person, med: str, facility: str, amount: Decimal,
                          code: str | None = None) -> PersonYear:
    """V1 (the visit), V2 an ordinary 50.00, V1 reversed after V2 — no longer the year's latest settlement — then V3,
    the same visit as V1: settled with all of V1's part given back (A-REVERSAL)."""
    items = (_visit("V1", (3, 1), med, facility, amount, code), _visit("V2", (3, 2), "11", "secondary", Decimal(50)),
             _visit("V3", (4, 1), med, facility, amount, code))
    return PersonYear(setting, person, items, reversals=(("V1", "V2"),))


def _chronic_codes(setting: Setting) -> list[str]:
    """The setting's disease codes a person may be registered for as a 门诊慢特病 (kind "chronic")."""
    return [code for code, kinds in settleable_diseases(setting) if "chronic" in kinds]


def _differential_examples(policy: str) -> list[PersonYear]:
    """Fixed years the differential always tries (each of which a defect passing every other property got wrong):
    a reversal that is not the year's latest settlement, of an ordinary visit (the deductible it counted is due
    again), of a 门诊慢特病 visit (its chronic cap given back) and of each visit paid along inpatient rules (吉林
    二（四）–（六）: its inpatient-cap payment given back); and a 门诊慢特病 visit crossing its cap by a little after the
    ordinary deductible is met, where the part the cap paid for (pay ÷ ratio) has half a fen (攀枝花 第十一条, rounded
    half up, A-ROUND-FEN) and the rest goes on to ordinary pooling."""
    from . import figures as fig

    settings = settings_for(policy)
    if not settings:
        return []
    out: list[PersonYear] = []
    setting = settings[0]
    person = decode_person(setting, FIRST_YEAR, "1101", 0, None)
    rules = setting.rules
    try:
        dedc = fig.deductible(rules, "in_service")
    except Exception:  # noqa: BLE001 - a setting without the figure: nothing fixed to try under it
        return []
    out += _still_working_at_64(setting, dedc)  # first: no reversal, so a failure here rests on no reading of one
    out.append(_reversed_before_next(setting, person, "11", "secondary", dedc + 100))
    for code in _chronic_codes(setting)[:1]:
        sick = Disease(code, "chronic")
        cap = fig.chronic_cap(rules, code)
        out.append(_reversed_before_next(setting, _with(person, sick), "14", "secondary",
                                         fig.chronic_deductible(rules, code, "in_service") + cap, code))
    # the inpatient routes (吉林 二（四）–（六）) under the setting whose inpatient cap a few visits reach
    inpatient = [s for s in settings if _routes(s)]
    if inpatient:
        low = min(inpatient, key=lambda s: fig.inpatient_cap(s.rules))
        r, cap = low.rules, fig.inpatient_cap(low.rules)
        plain = decode_person(low, FIRST_YEAR, "1101", 0, None)
        for med in sorted(m for m, route in _routes(low).items() if route == "inpatient"):
            amount = cap + fig.need(r, "inpatient.deductible.tertiary")
            out.append(_reversed_before_next(low, plain, med, "tertiary", amount))
        special = [c for c, kinds in settleable_diseases(low) if "special" in kinds]
        if special and "special" in r.policy.covers:
            amount = cap + fig.need(r, "inpatient.deductible.tertiary")
            out.append(_reversed_before_next(low, _with(plain, Disease(special[0], "special")), "14", "tertiary",
                                             amount, special[0]))
    for s in settings:
        example = _overflow_half_fen(s)
        if example is not None:
            out.append(example)
            break
    return [in_validity(py) for py in out]  # written for FIRST_YEAR: moved into a later-starting region's validity


def _still_working_at_64(setting: Setting, dedc: Decimal) -> list[PersonYear]:
    """An in-service person (1101, and 1103) born 64 years before the year, no retirement date: the documents set
    benefits by 在职/退休, never by age (A-PERSON-TYPES), so the visits — a 三级 one past the deductible, one past the
    in-service cap, then a small one — are settled as in service. A system inferring retirement from age (probeE F1)
    pays the retiree's deductible, ratio and cap; drawn persons reach that age too rarely for a derandomized run."""
    from . import figures as fig

    try:
        cap = fig.cap(setting.rules, "in_service")
    except Exception:  # noqa: BLE001 - a setting without the figure: nothing fixed to try under it
        return []
    born = dt.date(FIRST_YEAR - 64, 5, 1)
    items = (_visit("V1", (3, 1), "11", "tertiary", dedc + 1000), _visit("V2", (4, 1), "11", "tertiary", cap * 3),
             _visit("V3", (5, 1), "11", "secondary", Decimal(100)))
    out = []
    for psn_type in ("1101", "1103"):
        try:
            person = replace(decode_person(setting, FIRST_YEAR, psn_type, 0, None), birth_date=born, retire_date=None)
        except Exception:  # noqa: BLE001 - a person type the setting does not take
            continue
        out.append(PersonYear(setting, person, items))
    return out


def _with(person, disease: Disease):
    from dataclasses import replace

    return replace(person, diseases=(disease,))


def _routes(setting: Setting) -> dict[str, str]:
    """med_type → "inpatient" for the visits the setting's document pays along inpatient rules (吉林 急诊、日间手术)."""
    routes = setting.rules.policy.routes
    return {med: "inpatient" for med, key in (("13", "emergency"), ("28", "day_surgery"))
            if routes.get(key, {}).get("route") == "inpatient"}


def _overflow_half_fen(setting: Setting) -> PersonYear | None:
    """V1 an ordinary visit meeting the ordinary deductible; V2 a 门诊慢特病 visit leaving of its cap an amount whose
    quotient by the ratio has half a fen or more; V3 the same disease's visit crossing the cap by a little (its rest,
    a yuan or two, paid by ordinary pooling at a ratio under which one fen more of it pays one fen more). None where the
    setting sends nothing past a chronic cap to ordinary pooling, or no figure fits."""
    from . import figures as fig

    rules = setting.rules
    # a region's choice whether the costs past a chronic cap go on to ordinary pooling (南昌 A-NC-CHRONIC-OVERFLOW)
    if rules.policy.requirement_for("chronic.overflow_to_ordinary") is not None and not fig.flag(
            rules, "chronic.overflow_to_ordinary"):
        return None
    person = decode_person(setting, FIRST_YEAR, "1101", 0, None)
    for code in _chronic_codes(setting):
        try:
            ratio, cap = fig.chronic_ratio(rules, code, "in_service"), fig.chronic_cap(rules, code)
            dedc = fig.chronic_deductible(rules, code, "in_service")
            ordinary = fig.deductible(rules, "in_service")
            o_ratio = fig.ordinary_ratio(rules, "in_service", "secondary")
        except Exception:  # noqa: BLE001 - a figure the setting does not give
            continue
        if not ratio or not o_ratio:
            continue
        shares = fig.flag(rules, "chronic.shares_ordinary_deductible")
        left = Decimal(0) if shares else dedc  # what V2 still counts to its own deductible
        start = int(cap / 2 / ratio * 100)
        for x in range(start, start + 400):
            part = Decimal(x).scaleb(-2)
            rest_of_cap = cap - (part * ratio).quantize(_FEN, ROUND_HALF_UP)
            exact = rest_of_cap / ratio
            if exact.quantize(_FEN, ROUND_HALF_UP) == exact.quantize(_FEN, ROUND_DOWN):
                continue
            over = next((Decimal(k).scaleb(-2) for k in range(100, 300)
                         if (Decimal(k).scaleb(-2) * o_ratio).quantize(_FEN, ROUND_HALF_UP)
                         != ((Decimal(k).scaleb(-2) + _FEN) * o_ratio).quantize(_FEN, ROUND_HALF_UP)), None)
            if over is None:
                break
            items = (_visit("V1", (3, 1), "11", "secondary", ordinary + 100),
                     _visit("V2", (3, 2), "14", "secondary", left + part, code),
                     _visit("V3", (4, 1), "14", "secondary", exact.quantize(_FEN, ROUND_HALF_UP) + over, code))
            return PersonYear(setting, _with(person, Disease(code, "chronic")), items)
    return None
