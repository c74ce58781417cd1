"""Hypothesis ledgers for the differential test: several persons, written as a platform export whose
recorded figures are the reference engine's own but for a few planted errors (`planted`), so the audit
must find exactly those and agree with the reference row by row.

Drawn: year ends crossed (Nov–Feb), every facility and pharmacies, amounts big enough to reach the
deductible and the cap within one visit, parts left out of the policy scope, exclusions (where the
document lists them), remote visits (filed or not), accounts switched off, opening year-to-date
totals and account balances from --persons, flexible workers with or without a personal account,
visits before the document took effect, and reversals. A 浙江 ledger is sometimes settled under a city
that pools from 2022-07-01 (inline `valid_from`), before the account reform 二（三）dates at 2023-01-01:
its visits from the autumn of 2022 on are pooled while their account part is not assessed, and the
balance after an account payment then is unknown. Some persons are drawn so that the plan
must hand them to the reference engine (med_type 14, 吉林 emergencies along inpatient rules, a
reversal followed by a later settlement, a mid-year retirement, a stay in hospital in 吉林); others have a
stay where the document has no rule for one, or are mostly seen out of town (攀枝花, unfiled or not).

A step of 0–40 days seldom lands on the one day where a rule starts or ends, and a mutant that moves such a bound
by a day (`<` for `<=`) changes no other figure: so some persons ("on the bounds") see their visits put on those
days (`bounds`) — the document's first and last valid day and the days around them, 浙江's account reform
(2023-01-01), the person's benefit period's first and last day, a retirement, 31 Dec / 1 Jan — and a reversal
that directly follows its settlement is sometimes dated in the next year (31 Dec, reversed on 1 Jan or later,
then a visit of the new year), whose figures still belong to its settlement's year.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import strategies as st

from conform.reference.case import Person, Reversal, Settlement
from conform.reference.account import account_reform
from conform.reference.benefits import own_account
from conform.reference.engine import PersonLedger, rules_for
from conform.reference.policy import PolicyError

POLICIES = ("panzhihua", "nanchang", "jilin", "beijing", "zhejiang")
REGION = {p: f"{p}-example" for p in POLICIES}
# 攀枝花 第七条 leaves the unfiled out-of-town ratio to the region; a fictitious value so remote
# visits can be settled (same value the harness's generators use, A-PZH-REMOTE-UNFILED).
PARAMS = {"panzhihua": {"ordinary.ratio.remote_unfiled": "0.30"}}
# 浙江 三（二）lets a city start its pooling before the account reform (二（三）, 2023-01-01): drawn for some ledgers.
EARLY_ZHEJIANG = {"valid_from": "2022-07-01"}
FACILITIES = ("tertiary", "secondary", "primary", "unrated", "pharmacy")
RECORDED = ("inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "fund_pay_sumamt",
            "psn_part_amt", "acct_pay", "psn_cash_pay")
EXCLUSION_CODES = ("other_fund", "account_paid", "third_party", "other_state_rule")
DISEASE = {"panzhihua": "M00500", "nanchang": "M03900", "jilin": "M03900"}


@dataclass
class Drawn:
    policy: str
    persons: list[dict] = field(default_factory=list)          # persons-file records (case format)
    people: list[Person] = field(default_factory=list)
    events: list[list[Settlement | Reversal]] = field(default_factory=list)
    fallback: set[str] = field(default_factory=set)            # persons the plan must hand over
    params: dict | None = None                                 # inline region values (PARAMS unless drawn)

    def __post_init__(self) -> None:
        if self.params is None:
            self.params = PARAMS.get(self.policy)

    @property
    def pre_reform(self) -> bool:
        """Settled under a city that pools before its document's account reform (EARLY_ZHEJIANG)."""
        return self.params is EARLY_ZHEJIANG


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def bounds(policy: str, early: bool, rec: dict) -> list[dt.date]:
    """The days where a rule starts or ends for this person, each with the day on its other side: the document's
    validity (from the city's valid_from for EARLY_ZHEJIANG), the account reform, the benefit period, a retirement
    and the natural years' ends around the drawn dates."""
    rules = rules_for(policy, REGION[policy], EARLY_ZHEJIANG if early else PARAMS.get(policy))
    day = dt.timedelta(days=1)
    out = {dt.date(y, 12, 31) for y in (2022, 2023)} | {dt.date(y, 1, 1) for y in (2023, 2024)}
    firsts = [rules.valid_from, (account_reform(rules) or (None,))[0], rec.get("benefit_period", {}).get("begin"),
              rec.get("retire_date")]
    for b in firsts:  # the first day a rule holds, and the day before
        if b is not None:
            b = dt.date.fromisoformat(b) if isinstance(b, str) else b
            out |= {b - day, b}
    for b in (rules.valid_to, rec.get("benefit_period", {}).get("end")):  # the last day, and the day after
        if b is not None:
            b = dt.date.fromisoformat(b) if isinstance(b, str) else b
            out |= {b, b + day}
    return sorted(out)


def _ytd_bounds(policy: str) -> tuple[int, int]:
    """The most opening ordinary deductible and pooled payment (fen) any person under `policy`'s example region can have
    counted (conform.audit.persons refuses more): the smaller of the in-service and retiree figures, which no role
    a person can hold is below (benefits.deductible_and_cap: the engine's own)."""
    from conform.reference.benefits import deductible_and_cap

    rules = rules_for(policy, REGION[policy], PARAMS.get(policy))
    figures = [deductible_and_cap(rules, role) for role in ("in_service", "retiree")]
    return min(int(d.value * 100) for d, _ in figures), min(int(c.value * 100) for _, c in figures)


@st.composite
def person_events(draw, policy: str, psn_no: str, allow_fallback: bool, early: bool = False):
    psn_type = draw(st.sampled_from(("1101", "1201", "1103", "1203")))
    rec: dict = {"psn_no": psn_no, "psn_type": psn_type}
    flexible = psn_type in ("1103", "1203")
    if policy == "panzhihua" and flexible:
        # Without flex_tier the reference refuses (A-PZH-FLEX-TIER2); draw that too, rarely.
        tier = draw(st.sampled_from((1, 2, 1, None)))
        if tier is not None:
            rec["flex_tier"] = tier
    if policy == "panzhihua" and draw(st.booleans()):
        rec["remote_filing"] = True
    # Some persons are mostly seen out of town (攀枝花 第七条: filed or not), so that unfiled visits reach every
    # facility and both roles past the deductible and under the cap, where only the region's ratio is right.
    away = policy == "panzhihua" and draw(st.integers(0, 3)) == 0
    # A person on the bounds (`bounds`): visits put on the days where a rule starts or ends (see below).
    on_bounds = draw(st.integers(0, 2)) == 0
    if policy == "panzhihua" and draw(st.integers(0, 1 if on_bounds else 5)) == 0:
        rec["benefit_period"] = {"begin": "2023-12-01", "end": "2024-01-15"}
    if draw(st.integers(0, 7)) == 7:  # (not 0: the simplest person, on the bounds, then has an account)
        rec["has_account"] = False  # no account of one's own: only a relative's pays (no balance to give)
    elif rec.get("flex_tier") != 2 and draw(st.booleans()):  # tier 2 has no account (A-PZH-FLEX-TIER2)
        # (a floor, as for the amounts below: else most balances would be a few fen, and the account pay nothing)
        rec["acct_balance"] = str(_yuan(draw(st.sampled_from((0, 10000, 50000))) + draw(st.integers(0, 80000))))
    if draw(st.integers(0, 3)) == 0:
        dedc_most, pay_most = _ytd_bounds(policy)
        rec["ytd"] = {"year": 2023, "ordinary_dedc": str(_yuan(draw(st.integers(0, min(90000, dedc_most))))),
                      "ordinary_pay": str(_yuan(draw(st.integers(0, min(250000, pay_most)))))}
    fb_kind = draw(st.sampled_from(("none", "none", "none", "chronic", "emergency", "reversal", "late_reversal",
                                    "retire", "stay"))) \
        if allow_fallback and not (on_bounds and draw(st.booleans())) else "none"  # half those on the bounds: the plan's
    if fb_kind == "chronic" and policy in DISEASE:
        rec["chronic_diseases"] = [{"dise_codg": DISEASE[policy], "kind": "chronic"}]
    if fb_kind == "retire" and psn_type in ("1101", "1103"):
        rec["retire_date"] = "2024-01-01" if draw(st.booleans()) else "2023-12-15"
    n = draw(st.integers(1, 9))
    # (a city pooling from 2022-07-01: every other person starts before the account reform, visits crossing it)
    start = (dt.date(2023, 11, 1) if draw(st.integers(0, 1 if early else 7))
             else dt.date(2022, 11, 1) if early else dt.date(2022, 12, 20))
    # On the bounds, the person starts on or just before one of them (some far from the usual dates: 攀枝花's last
    # day 2027-12-31, 北京's first 2022-03-06; their own benefit period's and 浙江's account reform more often than
    # the rest), and half the visits land on one of the next two bounds within 60 days (a step or two's reach).
    edges = bounds(policy, early, rec) if on_bounds else []
    if edges:
        period = rec.get("benefit_period")
        own = [dt.date.fromisoformat(period[k]) for k in ("begin", "end")] if period else []
        if policy == "zhejiang":
            own.append((account_reform(rules_for(policy, REGION[policy])) or (None,))[0])
        start = draw(st.sampled_from(edges + own * 3)) - dt.timedelta(days=draw(st.integers(0, 1)))
    day = start
    events: list = []
    for i in range(n):
        ahead = [b for b in edges if day <= b <= day + dt.timedelta(days=60)][:2]
        if ahead and draw(st.booleans()):
            day = draw(st.sampled_from(ahead))
        else:
            day = day + dt.timedelta(days=draw(st.integers(0, 40)))
        fac = draw(st.sampled_from(FACILITIES))
        med = "41" if fac == "pharmacy" else draw(st.sampled_from(("11", "11", "11", "13", "28")))
        if fb_kind == "chronic" and policy in DISEASE and i == n - 1:
            med, fac = "14", draw(st.sampled_from(FACILITIES[:4]))
        if fb_kind == "emergency" and policy == "jilin" and i == 0:
            med, fac = "13", "secondary"
        if policy == "jilin" and med in ("13", "28") and fb_kind != "emergency":
            med = "11"  # along inpatient rules in 吉林: only the persons drawn for the fallback get them
        # Hypothesis leans toward small integers (most visits would stay under the deductible): a floor drawn
        # from a few amounts puts many past the deductible (150–1500 yuan a year) and some near the caps.
        total = draw(st.sampled_from((0, 20000, 60000, 150000))) + draw(st.integers(1, 250000))
        cut = draw(st.integers(0, 3))
        parts = [0, 0, 0]
        if cut:
            left = draw(st.integers(0, total))
            parts[cut - 1] = left
        remote = draw(st.integers(0, 4)) < (4 if away else 1)
        # Only 攀枝花 第八条 lists exclusions; elsewhere the reference refuses such a row, and so must the plan.
        excl = draw(st.sampled_from(EXCLUSION_CODES)) if draw(st.integers(0, 9 if policy == "panzhihua" else 30)) == 0 else None
        # Another fund (公务员医疗补助, 医疗救助…) pays part of some visits: it lowers 个人负担 before the account.
        other = draw(st.integers(0, total)) if draw(st.integers(0, 4)) == 0 else 0
        # The hospital bears part of some (医院负担), and a relative's account pays on some (账户共济).
        hosp = draw(st.integers(0, total - other)) if draw(st.integers(0, 5)) == 0 else 0
        # (within what the other two leave of the total: more is a contradiction the reader refuses, ledger.py)
        mulaid = draw(st.integers(0, min(30000, total - other - hosp))) if draw(st.integers(0, 5)) == 0 else 0
        events.append(Settlement(id=f"{psn_no}-S{i}", date=day, med_type=med, facility=fac,
                                 medfee_sumamt=_yuan(total), fulamt_ownpay_amt=_yuan(parts[0]),
                                 overlmt_selfpay=_yuan(parts[1]), preselfpay_amt=_yuan(parts[2]),
                                 dise_codg=DISEASE.get(policy) if med == "14" else None, remote=remote,
                                 exclusion=excl, acct_used_flag=draw(st.integers(0, 5)) > 0,
                                 other_funds_pay=_yuan(other), hosp_part_amt=_yuan(hosp),
                                 acct_mulaid_pay=_yuan(mulaid)))
    apart = False
    # on the bounds: the last visit of a year followed by one of the next, when there is one, is reversed more often
    crossing = [i for i in range(len(events) - 1) if edges and events[i].date.year < events[i + 1].date.year]
    if draw(st.integers(0, 1 if crossing else 2)) == 0 or fb_kind in ("reversal", "late_reversal"):
        target = draw(st.integers(0, len(events) - 1))
        if crossing and draw(st.booleans()):
            target = draw(st.sampled_from(crossing))
        rev = Reversal(id=f"{psn_no}-R", date=events[-1].date, reverses=events[target].id)
        if (fb_kind == "reversal" or (fb_kind != "late_reversal" and draw(st.booleans()))) and target < len(events) - 1:
            # Reverse and re-settle: right after its settlement, later visits follow (the plan's `annulled`);
            # drawn for persons the plan settles too, so that a later visit sees the balance given back. The
            # reversal is dated on its settlement's day, or later up to the next visit's: 1 Jan after a visit of
            # 31 Dec, or the next visit's day in the new year (its figures are still its settlement's year's).
            when, nxt = events[target].date, events[target + 1].date
            when = draw(st.sampled_from(sorted({when, max(when, dt.date(nxt.year, 1, 1)), nxt})))
            events.insert(target + 1, Reversal(id=f"{psn_no}-R", date=when, reverses=events[target].id))
        elif fb_kind == "late_reversal" and target < len(events) - 2:
            # Reversed after another visit, then more visits: only the reference engine can replay it.
            events.insert(target + 2, Reversal(id=f"{psn_no}-R", date=events[target + 1].date, reverses=events[target].id))
        else:
            events.append(rev)
            # A reversal not right after its settlement: the plan hands the person over (conform/audit/plan.py `routed`).
            apart = target != len(events) - 2
    stay_rule = False
    if fb_kind == "stay":
        # A stay in hospital around one of the visits (吉林 二（七）: no outpatient benefit during it); a document
        # without that rule pays such a visit as any other, and the plan settles the person itself.
        around = draw(st.sampled_from([e for e in events if isinstance(e, Settlement)])).date
        rec["hospital_stays"] = [{"begin": (around - dt.timedelta(days=draw(st.integers(0, 3)))).isoformat(),
                                  "end": (around + dt.timedelta(days=draw(st.integers(0, 10)))).isoformat()}]
        stay_rule = rules_for(policy, REGION[policy], PARAMS.get(policy)).flag("hospital_stay.no_outpatient_benefit")
    return rec, events, fb_kind not in ("none", "reversal", "stay") or apart or stay_rule


@st.composite
def ledgers(draw, policy: str, min_persons: int = 1, max_persons: int = 6, allow_fallback: bool = True) -> Drawn:
    from conform.reference.case import parse_person

    d = Drawn(policy, params=EARLY_ZHEJIANG if policy == "zhejiang" and draw(st.booleans()) else None)
    for k in range(draw(st.integers(min_persons, max_persons))):
        rec, events, fb = draw(person_events(policy, f"P{k:04d}", allow_fallback, d.pre_reform))
        if fb:
            d.fallback.add(rec["psn_no"])
        d.persons.append(rec)
        d.people.append(parse_person(rec, rec["psn_no"]))
        d.events.append(events)
    return d


def reference_rows(d: Drawn) -> dict[str, dict]:
    """setl_id -> the reference engine's figures in fen (or {'refused': reason}); with them
    `acct_undetermined` (the account's part is not the document's: before 浙江's account reform) and
    `acct_unknown` (what the account held before the row is unknown: no opening balance given, or an
    account payment before the reform since, or a settlement whose recorded parts exceed what the fund leaves), which
    decide what the audit makes of the account payment; and `parts_over` (A-AUDIT-PARTS-EXCEED: the other funds, hospital
    part and relative's account as recorded exceed what the expected pooled fund leaves of the total, so 个人负担 would
    be below zero; a reversal: its settlement's): psn_part_amt, acct_pay and psn_cash_pay are then not assessed."""
    rules = rules_for(d.policy, REGION[d.policy], d.params)
    out: dict[str, dict] = {}
    for person, events in zip(d.people, d.events):
        led = PersonLedger(rules, person)
        over: set[str] = set()
        # the own account may have paid on such a settlement: what it holds is unknown after it
        parts_unknown = False
        no_account = own_account(rules.policy, person) is False
        # A-AUDIT-AFTER-UNASSESSED: after a refused settlement still standing, the rest of its year is
        # refused (the rest of the ledger, when the account's opening balance is known).
        unknown: dict[str, int] = {}
        for e in events:
            if isinstance(e, Reversal):
                unknown.pop(e.reverses, None)
            elif any(y == e.date.year or person.acct_balance is not None for y in unknown.values()):
                out[e.id] = {"refused": "after an unassessed settlement"}
                unknown[e.id] = e.date.year
                continue
            unknown_before = led.balance is None or parts_unknown
            try:
                res = led.reverse(e.reverses, e.id, e.date) if isinstance(e, Reversal) else led.settle(e)
            except PolicyError as err:
                out[e.id] = {"refused": str(err)}
                if not isinstance(e, Reversal):
                    unknown[e.id] = e.date.year
                continue
            o = res.to_output(with_trace=False)
            out[e.id] = {f: int(Decimal(o[f]) * (10000 if f == "pool_prop_selfpay" else 100)) for f in
                         ("medfee_sumamt",) + RECORDED}
            out[e.id]["acct_undetermined"] = res.acct_undetermined is not None
            out[e.id]["acct_unknown"] = unknown_before
            if isinstance(e, Settlement) and res.psn_part_amt - e.acct_mulaid_pay < 0:
                over.add(e.id)
                parts_unknown = parts_unknown or (e.acct_used_flag and not no_account)
            out[e.id]["parts_over"] = (e.reverses if isinstance(e, Reversal) else e.id) in over
    return out


# The figures the audit computes exactly whatever the export records (the account payment is the exception).
EXACT = ("inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "fund_pay_sumamt", "psn_part_amt")


@dataclass
class Planted:
    """An export recording the reference engine's figures, but for a few errors planted in it."""
    recorded: dict[str, dict]             # setl_id -> the figures the export records
    expected: dict[str, dict]             # setl_id -> the figures the audit must expect (or {'refused': ...})
    found: dict[tuple[str, str], int]     # (setl_id, field) -> recorded − expected (fen; the ratio in 1/10000)


@st.composite
def planted(draw, d: Drawn, ref: dict[str, dict]) -> Planted:
    """Errors planted in a drawn ledger (ref: reference_rows(d)), and what the audit must find.

    A copy of the reference's figures can only show that the audit accepts them: where the audit accepts a
    range (an account payment past a short balance, A-AUDIT-ACCT-CREDITS) a plan that widens the range is not
    seen. So a few settled rows record
      - one exact figure (EXACT) off by one fen (or 0.0001): always found, on that field alone;
      - an account payment too small by 0.01 or more, cash larger by as much (a settlement not reversed):
        with the opening balance known the account pays exactly the reference's figure (the balance covers
        it) or at least it (what the balance certainly held; credits only add), so both fields are found;
        without a balance it is taken as recorded (A-AUDIT-ACCT-UNKNOWN): nothing found, and the audit
        expects the recorded figure and the cash that leaves of 个人负担 — unless it falls below the relative's part
        (acct_mulaid_pay), the least acct_pay can be: then that, and both fields are found. So too once the balance is unknown
        after an account payment before 浙江's account reform; a row before it (or its reversal) records the
        engine's figures, and the audit expects no account payment nor cash (not assessed), finding none."""
    recorded = {k: dict(v) for k, v in ref.items()}
    expected = {k: dict(v) for k, v in ref.items()}
    found: dict[tuple[str, str], int] = {}
    for rec, events in zip(d.persons, d.events):
        reversed_ids = {e.reverses for e in events if isinstance(e, Reversal)}
        for e in events:
            r = ref[e.id]
            if "refused" in r:
                continue
            if r["acct_undetermined"]:
                expected[e.id]["acct_pay"] = expected[e.id]["psn_cash_pay"] = None
            if r["parts_over"]:  # A-AUDIT-PARTS-EXCEED: none of the personal fields is assessed
                expected[e.id]["psn_part_amt"] = expected[e.id]["acct_pay"] = expected[e.id]["psn_cash_pay"] = None
            kind = draw(st.integers(0, 5))
            if kind == 0:
                f = draw(st.sampled_from(EXACT[:-1] if r["parts_over"] else EXACT))
                delta = draw(st.sampled_from((1, -1))) if r[f] else 1
                recorded[e.id][f] += delta
                found[(e.id, f)] = delta
            elif kind in (1, 2) and isinstance(e, Settlement) and e.id not in reversed_ids and r["acct_pay"] > 0:
                delta = draw(st.integers(1, r["acct_pay"]))
                recorded[e.id]["acct_pay"] -= delta
                recorded[e.id]["psn_cash_pay"] += delta
                if r["acct_undetermined"] or r["parts_over"]:
                    pass  # not assessed: nothing found, nothing expected
                elif "acct_balance" in rec and not r["acct_unknown"]:
                    found[(e.id, "acct_pay")], found[(e.id, "psn_cash_pay")] = -delta, delta
                else:
                    # taken as recorded, but never below the relative's part (acct_mulaid_pay, part of acct_pay;
                    # A-AUDIT-ACCT-UNKNOWN): a figure below it is found, by what it falls short
                    floor = int(e.acct_mulaid_pay.scaleb(2)) if e.acct_mulaid_pay else 0
                    took = max(r["acct_pay"] - delta, floor)
                    expected[e.id]["acct_pay"] = took
                    expected[e.id]["psn_cash_pay"] += r["acct_pay"] - took
                    if took > r["acct_pay"] - delta:
                        short = r["acct_pay"] - delta - took
                        found[(e.id, "acct_pay")], found[(e.id, "psn_cash_pay")] = short, -short
    return Planted(recorded, expected, found)


def write(d: Drawn, folder: Path, recorded: dict[str, dict]) -> tuple[Path, Path]:
    """The export (Parquet, amounts as text as a CSV export would carry them) and the persons file."""
    cols: dict[str, list] = {c: [] for c in ("setl_id", "psn_no", "psn_type", "setl_date", "med_type",
                                             "facility", "dise_codg", "init_setl_id", "exclusion", "remote",
                                             "acct_used_flag", "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay",
                                             "preselfpay_amt", "cvlserv_pay", "maf_pay", "hosp_part_amt",
                                             "acct_mulaid_pay")
                             + RECORDED}
    for rec, events in zip(d.persons, d.events):
        by_id = {e.id: e for e in events if isinstance(e, Settlement)}
        for e in events:
            src = by_id[e.reverses] if isinstance(e, Reversal) else e
            sign = -1 if isinstance(e, Reversal) else 1
            cols["setl_id"].append(e.id)
            cols["psn_no"].append(rec["psn_no"])
            cols["psn_type"].append(rec["psn_type"])
            cols["setl_date"].append(e.date.isoformat())
            cols["med_type"].append(src.med_type)
            cols["facility"].append(src.facility)
            cols["dise_codg"].append(src.dise_codg)
            cols["init_setl_id"].append(e.reverses if isinstance(e, Reversal) else None)
            cols["exclusion"].append(src.exclusion)
            cols["remote"].append("1" if src.remote else "0")
            cols["acct_used_flag"].append("1" if src.acct_used_flag else "0")
            for a in ("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt"):
                cols[a].append(str(sign * getattr(src, a)))
            # the other funds split over two of the platform's fields: the audit sums them
            half = (src.other_funds_pay / 2).quantize(Decimal("0.01"))
            cols["cvlserv_pay"].append(str(sign * half))
            cols["maf_pay"].append(str(sign * (src.other_funds_pay - half)))
            for a in ("hosp_part_amt", "acct_mulaid_pay"):
                cols[a].append(str(sign * getattr(src, a)))
            # a row the audit cannot assess still carries what the system recorded: zeros here
            r = recorded.get(e.id, {})
            for f in RECORDED:
                v = r.get(f, 0)
                if v is None:
                    cols[f].append(None)
                elif f == "pool_prop_selfpay":
                    cols[f].append(str(Decimal(v) / 10000))
                else:
                    cols[f].append(str(_yuan(v)))
    path = folder / f"{d.policy}.parquet"
    pq.write_table(pa.table({k: pa.array(v, pa.string()) for k, v in cols.items()}), path)
    persons = folder / f"{d.policy}.persons.jsonl"
    persons.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in d.persons), encoding="utf-8")
    return path, persons


def assert_plan_rows(con, d: Drawn, ref: dict[str, dict], p: Planted) -> None:
    """The audit's expected table equals the reference row by row: the same rows, a refused row unassessed, every
    other row's recorded fields the reference's, and each person the plan can express settled by the plan; then
    the planted errors are the discrepancies found, each by its amount (fen; pool_prop_selfpay in 1/10000)."""
    fields = ", ".join(f"e.{f}" for f in RECORDED)
    got = {r[0]: r for r in con.execute(f"SELECT l.setl_id, l.psn_no, e.route, e.status, {fields} "
                                        "FROM expected_rows e JOIN ledger l ON l.rid = e.rid").fetchall()}
    assert set(got) == set(ref)
    for sid, want in p.expected.items():
        row = got[sid]
        if "refused" in want:
            assert row[3].startswith("refused"), (sid, row, want)
            continue
        assert not row[3].startswith("refused"), (sid, row, want)
        assert dict(zip(RECORDED, row[4:])) == {f: want[f] for f in RECORDED}, (sid, row[2], row[3])
        if row[1] not in d.fallback:
            assert row[2] == "plan", (sid, row)  # the plan, not the reference, settled this person


def found_discrepancies(con, summary: dict) -> dict[tuple[str, str], int]:
    """The audit's discrepancies as planted() states them: (setl_id, field) → amount in fen (pool_prop_selfpay in
    1/10000)."""
    return {(sid, f): int(diff * (10000 if f == "pool_prop_selfpay" else 100)) for sid, f, diff in con.execute(
        f"SELECT setl_id, field, diff FROM read_parquet('{summary['_discrepancies']}')").fetchall()}


def assert_audit_finds_planted(data, d: Drawn, folder: Path) -> None:
    """Plant errors in `d`'s recorded figures, audit it on DuckDB with its params, and check that the plan equals the
    reference row by row (assert_plan_rows) and finds exactly the planted errors, each by its amount."""
    import shutil

    from conform.audit.run import audit

    ref = reference_rows(d)
    p = data.draw(planted(d, ref))
    ledger_path, persons_path = write(d, folder, p.recorded)
    _, s = audit([str(ledger_path)], d.policy, REGION[d.policy], str(persons_path), params_inline=d.params,
                 write=False, keep_connection=True)
    con = s["_connection"]
    try:
        assert_plan_rows(con, d, ref, p)
        assert found_discrepancies(con, s) == p.found
    finally:
        con.close()
        shutil.rmtree(s["_workdir"], ignore_errors=True)
