"""Differential: every generated year is computed by the system under test and by the reference.

Any difference in any output field — a settlement figure, a refusal, a year-to-date total, the
account balance — is a failure. Only meaningful against a system other than the reference.
"""
from __future__ import annotations

from ..adapters.base import SETLINFO_FIELDS
from ..adapters.reference import ReferenceAdapter
from ..generators import PersonYear
from .base import SPLIT_FIELDS, Context, D, Story, conform_property, execute, mismatch, no_evidence, route_clauses
from .clauses import ACCOUNT_USE, ALL_BENEFITS, merge

COMPARED = (*SETLINFO_FIELDS, *SPLIT_FIELDS)
YTD_FIELDS = ("ordinary_dedc", "ordinary_pay", "inpatient_pay", "special_dedc", "acct_balance")
ACCOUNT_PART = ("acct_pay", "psn_cash_pay")  # not compared where the reference leaves them undetermined


@conform_property("differential", "与参考实现逐字段一致（差分测试）", merge(ALL_BENEFITS, ACCOUNT_USE), differential=True)
def differential(ctx: Context, py: PersonYear) -> None:
    """The system under test and the reference settle the same year; every field must agree to the
    fen (optional fields — the split, balc, an optional figure such as act_pay_dedc — only where the
    system gives them)."""
    story = Story.of_year(py, "差分")
    got = ctx.run(story, require_settled=False, require_figures=False)  # absent figures: below
    with no_evidence():
        want = execute(ReferenceAdapter(), story)  # a fresh oracle: nothing kept between examples
    bad = []
    for s in py.settlements:
        if (s.id in want.refused) != (s.id in got.refused):
            bad.append(mismatch("infcode", f"拒绝：{want.refused[s.id]}" if s.id in want.refused else "0（结算成功）",
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
            if name in g and wd != gd:
                bad.append(mismatch(name, wd, gd, f"{year}年度累计"))
    if bad:
        first = departure(story, bad)
        ctx.fail("被测系统与参考实现的结算结果不一致", bad, story, clauses=_blame(story, bad, first), departure=first)


def departure(story: Story, bad: list) -> str:
    """The earliest settlement (in the order the year is settled) at which the system's answer differs:
    where it first departs from the reference. A later visit's figures may differ only because the year's
    totals carry that first difference (a pharmacy paid at 60% leaves less of the cap to the next visit), so
    they are symptoms, not rules of their own. "" when no settlement differs (the year's totals alone)."""
    differing = {m.item for m in bad}
    return next((s.id for s in story.settlements if s.id in differing), "")


def _blame(story: Story, bad: list, first: str = "") -> dict[str, tuple[str, ...]] | None:
    """The first differing visit's benefit (`first`, `departure`): not the union of every differing visit's
    route, which would blame a later chronic visit's articles for a pharmacy's ratio; the year's totals only
    when no settlement differs (they follow from the settlements). The account articles are blamed for what
    the account decides: acct_pay and the balance (balc, acct_balance), and the cash payment of a visit whose
    acct_pay or balance differs too. A cash payment that differs with the account part right follows
    from the benefit (psn_cash_pay = psn_part_amt − acct_pay) where psn_part_amt differs too: a wrong ratio is not
    an account fault; with psn_part_amt and acct_pay right, the split of the personal part is (the account article,
    A-ACCOUNT-SELFPAY), as a scenario's cause says (causes.py)."""
    from .clauses import ACCOUNT_BLAME, FIELD_CLAUSES, merge

    account = ("acct_pay", "balc", "acct_balance")
    per_visit = [m for m in bad if not m.item.endswith("年度累计") and (not first or m.item == first)]
    account_visits = {m.item for m in per_visit if m.field in account}
    part_visits = {m.item for m in per_visit if m.field == "psn_part_amt"}
    maps = []
    for m in per_visit or bad:
        if m.field in account or (m.field == "psn_cash_pay" and (m.item in account_visits or m.item not in part_visits)):
            maps.append(ACCOUNT_BLAME)  # 吉林: the reading, no article (ACCOUNT_READINGS)
        elif per_visit:
            maps.append(route_clauses(story, m.item))
        else:
            maps.append(FIELD_CLAUSES.get(m.field))
    if any(c is None for c in maps):
        return None
    return merge({story.setting.policy: ()}, *maps)
