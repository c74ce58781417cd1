"""Invariants of one person's natural year of settlements: caps, ratios, deductibles, money identities.

Each check settles a generated year through the adapter and bounds every answer
by the document's own figures (harness/properties/figures.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from reference.case import Period

from ..generators import PersonYear, person_years
from . import figures as fig
from .base import FUND_FIELDS, SPLIT_FIELDS, Context, D, Story, conform_property, mismatch
from .clauses import ACCOUNT_USE, ALL_BENEFITS, EXCLUSIONS, ORDINARY, merge

ZERO = Decimal("0")
HALF_FEN = Decimal("0.005")
FEN = Decimal("0.01")


def _split(out: dict, r: fig.Route) -> dict[str, Decimal] | None:
    """The fund payment by benefit: from the system's split fields, else from the route; None if unknowable."""
    if all(out.get(f) is not None for f in SPLIT_FIELDS):
        return {f.removesuffix("_pay"): D(out[f]) for f in SPLIT_FIELDS}
    hifp = D(out["hifp_pay"])
    if r.kind == "ordinary" or r.kind == "none":
        return {"ordinary": hifp, "chronic": ZERO, "inpatient": ZERO}
    if r.kind == "inpatient":
        return {"ordinary": ZERO, "chronic": ZERO, "inpatient": hifp}
    if r.kind == "chronic" and not r.overflow:
        return {"ordinary": ZERO, "chronic": hifp, "inpatient": ZERO}
    return None


def _year(py: PersonYear, year: int) -> list:
    return [s for s in py.settlements if s.date.year == year]


# --------------------------------------------------------------------------- the headline


@conform_property("annual_cap", "统筹基金在一个自然年度内的支付不超过年度最高支付限额", ALL_BENEFITS)
def annual_cap(ctx: Context, py: PersonYear) -> None:
    """The fund never pays more than the annual cap in a natural year: ordinary pooling against its
    cap for the person type on each date (A-MIDYEAR-RETIREMENT), chronic diseases against theirs,
    special diseases / emergency / day surgery against the inpatient cap (吉林 二（四）–（六））."""
    story = Story.of_year(py, "年度限额")
    obs = ctx.run(story)
    rules = py.setting.rules
    for year in py.years:
        ordinary = inpatient = ZERO
        chronic: dict[str, Decimal] = {}
        known = True
        caps_seen: list[Decimal] = []
        for s in _year(py, year):
            out = obs.settled[s.id]
            r = fig.route(rules, py.person, s)
            split = _split(out, r)
            if r.kind in ("ordinary", "chronic"):
                caps_seen.append(fig.cap(rules, r.role))
            if split is None:
                known = False
                continue
            ordinary += split["ordinary"]
            inpatient += split["inpatient"]
            if known and r.kind != "none" and ordinary > max(caps_seen or [fig.cap(rules, r.role)]):
                ctx.fail(f"{year}年普通门诊统筹累计支付超过年度限额",
                         [mismatch("ordinary_pay", f"≤ {max(caps_seen)}", ordinary, s.id, f"{year}年度累计普通门诊统筹支付")],
                         story)
            if split["chronic"]:
                bucket = r.bucket or s.dise_codg or ""
                chronic[bucket] = chronic.get(bucket, ZERO) + split["chronic"]
                limit = fig.chronic_cap(rules, s.dise_codg or "")
                if chronic[bucket] > limit:
                    ctx.fail(f"{year}年慢特病统筹累计支付超过年度限额",
                             [mismatch("chronic_pay", f"≤ {limit}", chronic[bucket], s.id, f"{year}年度累计慢特病统筹支付")],
                             story)
            if split["inpatient"] and inpatient > fig.inpatient_cap(rules):
                ctx.fail(f"{year}年住院统筹累计支付超过住院年度限额（合并计算）",
                         [mismatch("inpatient_pay", f"≤ {fig.inpatient_cap(rules)}", inpatient, s.id,
                                   f"{year}年度累计住院统筹支付")], story)
        ytd = obs.ytd.get(year)
        if ytd is None:
            continue
        roles = {py.person.role_on(d) for d in (dt.date(year, 1, 1), dt.date(year, 12, 31))}
        limit = max(fig.cap(rules, role) for role in roles)
        if D(ytd["ordinary_pay"]) > limit:
            ctx.fail(f"{year}年度累计普通门诊统筹支付超过年度限额",
                     [mismatch("ordinary_pay", f"≤ {limit}", ytd["ordinary_pay"], f"{year}年度累计")], story)


# --------------------------------------------------------------------------- per settlement


@conform_property("settlement_ratio_bound", "每笔统筹支付不超过（政策范围内费用 − 本次起付线）× 支付比例", ALL_BENEFITS,
                  needs=("prepare_person", "settle"))
def settlement_ratio_bound(ctx: Context, py: PersonYear) -> None:
    """One settlement never gets more than the document's ratio times what is above the deductible,
    rounded half-up to the fen (A-ROUND-FEN); where a chronic visit overflows into ordinary pooling
    (攀枝花 第十一条) the larger of the two ratios bounds it, with one more fen of rounding."""
    story = Story.of_year(py, "支付比例上限")
    obs = ctx.run(story, years=[])  # settlement figures only
    rules = py.setting.rules
    for s in py.settlements:
        out = obs.settled[s.id]
        r = fig.route(rules, py.person, s)
        if r.kind == "none":
            continue
        inscp = s.inscp_scp_amt
        dedc = D(out["act_pay_dedc"])
        ratio = fig.visit_ratio(rules, py.person, s, r)
        slack = FEN if (r.kind == "chronic" and r.overflow) else HALF_FEN
        bound = ratio * (inscp - dedc) + slack
        hifp = D(out["hifp_pay"])
        if hifp > bound:
            ctx.fail("本次统筹支付超过按比例计算的上限",
                     [mismatch("hifp_pay", f"≤ ({inscp} − {dedc}) × {ratio.normalize():f} = "
                               f"{(ratio * (inscp - dedc)).quantize(Decimal('0.001'))}", hifp, s.id)], story)


@st.composite
def ineligible_years(draw: Any, policy: str) -> PersonYear:
    """A year in which some visits are ones the document's fund does not pay: an exclusion (攀枝花
    第八条), no account or outside the benefit period (攀枝花 第七条), during a hospital stay (吉林 六（三））."""
    py = draw(person_years(policy, min_settlements=1))
    i = draw(st.integers(0, len(py.settlements) - 1))
    s = py.settlements[i]
    rules = py.setting.rules
    how = draw(st.sampled_from([h for h in ("exclusion", "no_account", "benefit_period", "hospital_stay")
                                if _applies(h, rules)]))
    if how == "exclusion":
        kinds = sorted(rules.policy.exclusions)
        items = list(py.settlements)
        items[i] = replace(s, exclusion=draw(st.sampled_from(kinds)))
        return replace(py, settlements=tuple(items))
    if how == "no_account":
        return py.with_person(has_account=False)
    if how == "benefit_period":
        return py.with_person(benefit_period=Period(s.date + dt.timedelta(days=1), s.date + dt.timedelta(days=400)))
    stays = py.person.hospital_stays + (Period(s.date - dt.timedelta(days=draw(st.integers(0, 5))), s.date),)
    items = list(py.settlements)
    if s.med_type not in fig.NO_OUTPATIENT_DURING_STAY:
        items[i] = replace(s, med_type="11" if s.facility != "pharmacy" else "41", dise_codg=None)
    return replace(py.with_person(hospital_stays=stays), settlements=tuple(items))


def _applies(how: str, rules) -> bool:
    if how == "exclusion":
        return bool(rules.policy.exclusions)
    if how in ("no_account", "benefit_period"):
        return "requires_account" in rules.policy.eligibility
    return rules.flag("hospital_stay.no_outpatient_benefit")


@conform_property("excluded_pay_nothing", "文件规定不予支付或不享受待遇的就诊，统筹基金支付为0", EXCLUSIONS,
                  strategy=ineligible_years, needs=("prepare_person", "settle"))
def excluded_pay_nothing(ctx: Context, py: PersonYear) -> None:
    """Visits the document keeps out of the fund get nothing from it: 攀枝花 第八条 exclusions,
    第七条 (only account holders within their benefit period), 吉林 六（三）(no outpatient or chronic
    benefit during a hospital stay, both ends included — A-JL-HOSPITAL-STAY)."""
    story = Story.of_year(py, "不予支付")
    obs = ctx.run(story, years=[])
    rules = py.setting.rules
    for s in py.settlements:
        r = fig.route(rules, py.person, s)
        if r.kind == "none" and D(obs.settled[s.id]["hifp_pay"]) != 0:
            ctx.fail(f"{r.why}，统筹基金却支付了费用",
                     [mismatch("hifp_pay", "0.00", obs.settled[s.id]["hifp_pay"], s.id)], story)


AMOUNT_FIELDS = ("medfee_sumamt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "fund_pay_sumamt", "psn_part_amt",
                 "acct_pay", "psn_cash_pay", *SPLIT_FIELDS)


@conform_property("non_negative", "任何金额都不为负数", merge(ORDINARY, ACCOUNT_USE))
def non_negative(ctx: Context, py: PersonYear) -> None:
    """Never a negative amount anywhere: every settlement figure, the year's totals and the account balance."""
    story = Story.of_year(py, "金额非负")
    obs = ctx.run(story)
    for s in py.settlements:
        out = obs.settled[s.id]
        bad = [mismatch(f, "≥ 0", out[f], s.id) for f in AMOUNT_FIELDS if out.get(f) is not None and not D(out[f]) >= 0]
        if out.get("pool_prop_selfpay") is not None and not 0 <= D(out["pool_prop_selfpay"]) <= 1:
            bad.append(mismatch("pool_prop_selfpay", "0 ≤ 比例 ≤ 1", out["pool_prop_selfpay"], s.id))
        if out.get("balc") is not None and not D(out["balc"]) >= 0:
            bad.append(mismatch("balc", "≥ 0", out["balc"], s.id))
        if bad:
            ctx.fail("结算结果出现负数", bad, story)
    for year, ytd in obs.ytd.items():
        bad = [mismatch(f, "≥ 0", ytd[f], f"{year}年度累计") for f in ("ordinary_dedc", "ordinary_pay", "inpatient_pay",
                                                                     "special_dedc", "acct_balance")
               if ytd.get(f) is not None and not D(ytd[f]) >= 0]
        for name in ("chronic_dedc", "chronic_pay"):
            bad += [mismatch(name, "≥ 0", v, f"{year}年度累计 {k}") for k, v in (ytd.get(name) or {}).items()
                    if not D(v) >= 0]
        if bad:
            ctx.fail("年度累计出现负数", bad, story)


# --------------------------------------------------------------------------- deductible


@conform_property("deductible", "起付线按自然年度累计，不超过起付标准；起付线用完之前统筹基金不支付",
                  merge(ORDINARY, {"jilin": ("2.3",), "nanchang": ("4.2.2",), "panzhihua": ("10",)}))
def deductible(ctx: Context, py: PersonYear) -> None:
    """The year's act_pay_dedc on ordinary pooling never exceeds the deductible (per person type on
    each date), counts only policy-scope costs, and the fund pays an ordinary visit nothing until
    the year's deductible is used up. 吉林 二（三）: chronic visits share the ordinary deductible."""
    story = Story.of_year(py, "起付线")
    obs = ctx.run(story)
    rules = py.setting.rules
    shares = rules.flag("chronic.shares_ordinary_deductible")
    for s in py.settlements:
        out = obs.settled[s.id]
        if D(out["act_pay_dedc"]) > s.inscp_scp_amt:
            ctx.fail("本次起付线超过政策范围内费用（起付线只由政策范围内费用累计）",
                     [mismatch("act_pay_dedc", f"≤ 政策范围内费用 {s.inscp_scp_amt}", out["act_pay_dedc"], s.id)], story)
    for year in py.years:
        used = ZERO
        known = True
        highest = ZERO
        for s in _year(py, year):
            out = obs.settled[s.id]
            r = fig.route(rules, py.person, s)
            counts = r.kind == "ordinary" or (r.kind == "chronic" and shares)
            if r.kind == "chronic" and not shares and r.overflow:
                known = False  # its ordinary part's deductible is not told apart from the chronic one
            if not counts:
                continue
            limit = fig.deductible(rules, r.role)
            highest = max(highest, limit)
            used += D(out["act_pay_dedc"])
            if not known:
                continue
            if used > highest:
                ctx.fail(f"{year}年累计起付线超过起付标准",
                         [mismatch("act_pay_dedc", f"年度累计 ≤ {highest}", used, s.id)], story)
            if r.kind == "ordinary" and D(out["hifp_pay"]) > 0 and used < limit:
                ctx.fail("起付线尚未用完，统筹基金已经支付",
                         [mismatch("hifp_pay", f"0.00（本年起付线{limit}，累计仅{used}）", out["hifp_pay"], s.id)],
                         story)
        ytd = obs.ytd.get(year)
        if ytd is not None and highest and D(ytd["ordinary_dedc"]) > highest:
            ctx.fail(f"{year}年度累计起付线超过起付标准",
                     [mismatch("ordinary_dedc", f"≤ {highest}", ytd["ordinary_dedc"], f"{year}年度累计")], story)
        if ytd is not None and known and D(ytd["ordinary_dedc"]) != used:
            ctx.fail(f"{year}年度累计起付线与各次结算的本次起付线之和不符",
                     [mismatch("ordinary_dedc", used, ytd["ordinary_dedc"], f"{year}年度累计")], story)


# --------------------------------------------------------------------------- identities


@conform_property("money_identities", "金额勾稽关系精确到分", merge(ORDINARY, ACCOUNT_USE))
def money_identities(ctx: Context, py: PersonYear) -> None:
    """To the fen: medfee_sumamt = fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt + inscp_scp_amt;
    fund_pay_sumamt = hifp_pay (no other fund takes part here); psn_part_amt = medfee_sumamt −
    fund_pay_sumamt; acct_pay + psn_cash_pay = psn_part_amt; the account pays only when asked, never more
    than its balance, and the balance never goes negative."""
    story = Story.of_year(py, "金额勾稽")
    obs = ctx.run(story)
    balance = py.person.acct_balance
    for s in py.settlements:
        out = obs.settled[s.id]
        v = {f: D(out[f]) for f in ("medfee_sumamt", "inscp_scp_amt", "hifp_pay", "fund_pay_sumamt", "psn_part_amt",
                                    "acct_pay", "psn_cash_pay")}
        bad = []
        if v["medfee_sumamt"] != s.medfee_sumamt:
            bad.append(mismatch("medfee_sumamt", s.medfee_sumamt, out["medfee_sumamt"], s.id))
        scope = s.medfee_sumamt - s.fulamt_ownpay_amt - s.overlmt_selfpay - s.preselfpay_amt
        if v["inscp_scp_amt"] != scope:
            bad.append(mismatch("inscp_scp_amt", f"{s.medfee_sumamt} − 全自费{s.fulamt_ownpay_amt} − 超限价"
                                f"{s.overlmt_selfpay} − 先行自付{s.preselfpay_amt} = {scope}", out["inscp_scp_amt"], s.id))
        if v["fund_pay_sumamt"] != v["hifp_pay"]:
            bad.append(mismatch("fund_pay_sumamt", f"= 统筹基金支付 {out['hifp_pay']}", out["fund_pay_sumamt"], s.id))
        if v["psn_part_amt"] != v["medfee_sumamt"] - v["fund_pay_sumamt"]:
            bad.append(mismatch("psn_part_amt", v["medfee_sumamt"] - v["fund_pay_sumamt"], out["psn_part_amt"], s.id))
        if v["acct_pay"] + v["psn_cash_pay"] != v["psn_part_amt"]:
            bad.append(mismatch("psn_cash_pay", v["psn_part_amt"] - v["acct_pay"], out["psn_cash_pay"], s.id))
        if all(out.get(f) is not None for f in SPLIT_FIELDS):
            total = sum((D(out[f]) for f in SPLIT_FIELDS), ZERO)
            if total != v["hifp_pay"]:
                bad.append(mismatch("hifp_pay", f"普通门诊 + 慢特病 + 住院 = {total}", out["hifp_pay"], s.id))
        available = balance if balance is not None else ZERO
        if v["acct_pay"] > available or (not s.acct_used_flag and v["acct_pay"] != 0):
            bad.append(mismatch("acct_pay", f"≤ 账户余额 {available}" if s.acct_used_flag else "0.00（不使用个人账户）",
                                out["acct_pay"], s.id))
        if balance is not None:
            balance -= v["acct_pay"]
            if out.get("balc") is not None and D(out["balc"]) != balance:
                bad.append(mismatch("balc", balance, out["balc"], s.id))
        if bad:
            ctx.fail("结算金额勾稽关系不成立", bad, story)
    for year, ytd in obs.ytd.items():
        if balance is not None and ytd.get("acct_balance") is not None and D(ytd["acct_balance"]) != balance:
            ctx.fail("个人账户余额与各次账户支付不符",
                     [mismatch("acct_balance", balance, ytd["acct_balance"], f"{year}年度累计")], story)


def fund_differences(expected: dict, actual: dict, item: str, fields: tuple[str, ...] = FUND_FIELDS) -> list:
    """Field-by-field differences between two settlement answers (as amounts)."""
    out = []
    for f in fields:
        if expected.get(f) is None:
            continue
        if actual.get(f) is None or D(actual[f]) != D(expected[f]):
            out.append(mismatch(f, expected[f], actual.get(f, "(missing)"), item))
    return out

