"""A synthetic settlement ledger (结算清单) whose recorded figures come from the reference engine.

Used by demos, the docs, the planted-discrepancy test and the 10-million-row benchmark.

What a row is (the canonical columns of docs/audit.md, platform names):
  setl_id, psn_no, psn_type, setl_time, setl_date, med_type, facility, fixmedins_code,
  insuplc_admdvs, dise_codg (med_type 14), init_setl_id (reversal rows only), medfee_sumamt, fulamt_ownpay_amt,
  overlmt_selfpay, preselfpay_amt, and the recorded results inscp_scp_amt, act_pay_dedc,
  hifp_pay, pool_prop_selfpay, fund_pay_sumamt, psn_part_amt, acct_pay, psn_cash_pay.
  Amounts are Parquet DECIMAL(18,2) yuan; pool_prop_selfpay DECIMAL(10,4).
A reversal (2208) row has its own setl_id, `init_setl_id` = the settlement it reverses, the
same med_type/facility/institution, and every amount NEGATED (what the platform's 2208 returns:
the reversed settlement's figures with the opposite sign; pool_prop_selfpay unchanged).

How it is made:
- Persons: psn_type 1101/1201/1103/1203; 1–30 visits in a window that mostly crosses a year
  end (2023→2024); every facility level and pharmacies (med_type 41), some emergencies (13)
  and day surgeries (28); some reversals, mostly of the visit just before.
- Clean figures: `conform.reference.engine.PersonLedger` settles each person's events in order.
- Defects: in `defect_rate` of persons the recorded figures are those of a DEFECTIVE
  settlement system (one realistic wrong rule per person, see KINDS), recomputed over the
  person's whole history, so its wrong year-to-date totals propagate as a real system's would.
  The planted set is exactly the (setl_id, field) pairs where recorded != clean, as the audit can see
  them (`as_audited`: where the account paid less than 个人负担, its payment is taken as recorded).
- Persons the ledger cannot describe alone are written to FILE.persons.jsonl in the case format's
  `person` fields: Panzhihua's flexible workers' `flex_tier` (第七条, A-PZH-FLEX-TIER2); for a
  fifth of persons an opening `acct_balance`, so the account pays their part (acct_pay, psn_cash_pay);
  registered chronic/special diseases where the document covers them (their visits are med_type 14
  with dise_codg); and a few mid-year retirements (`retire_date`; the ledger's psn_type turns 1201
  that day, A-MIDYEAR-RETIREMENT).

Deterministic for a seed: visit counts are drawn up front, then persons are cut into chunks,
each chunk drawn from its own seed (seed, chunk) in a worker process; chunks are written in order.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import multiprocessing as mp
import os
import signal
import random
from array import array
from bisect import bisect_right
from itertools import accumulate
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from conform.reference import benefits
from conform.reference.case import Disease, Person, Reversal, Settlement
from conform.reference.engine import PersonLedger, SettlementResult, rules_for
from conform.reference.money import FEN, from_fen
from conform.reference.policy import POLICY_IDS, Parameter, Rules

POLICIES = POLICY_IDS
# Insured-place division codes (行政区划代码) written as insuplc_admdvs and used in institution codes, where the region
# file names none of its own (`admdvs:`, which `conform audit --region` takes for --admdvs: the ledger is that city's).
ADMDVS = {"panzhihua": "510400", "nanchang": "360100", "jilin": "220100", "beijing": "110000", "zhejiang": "330100"}

RECORDED = ("inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "fund_pay_sumamt",
            "psn_part_amt", "acct_pay", "psn_cash_pay")
INPUT_AMOUNTS = ("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt")

# Defect kinds: id -> (Chinese class name, what the defective system does).
KINDS = {
    "dedc_per_visit": ("起付线按次计算", "每次结算都重新计起付线，而不是按自然年度累计"),
    "retiree_as_in_service": ("退休人员按在职待遇结算", "退休人员按在职人员的起付线、比例和限额结算"),
    "cap_ignored": ("未控制年度最高支付限额", "统筹支付累计超过年度最高支付限额后仍继续支付"),
    "rounding_down": ("舍去分位以下而非四舍五入", "统筹支付额截断到分，而不是四舍五入到分（差一分）"),
    "pharmacy_wrong_ratio": ("定点药店支付比例错误", "定点零售药店购药按医疗机构的支付比例结算"),
    "reversal_not_restored": ("撤销结算未恢复年度累计", "撤销结算后未冲回起付线和统筹支付的年度累计"),
    "year_not_reset": ("跨年度未重置年度累计", "新自然年度沿用上年的起付线和统筹支付累计"),
}

FACILITY_WEIGHTS = (("primary", 30), ("secondary", 24), ("tertiary", 22), ("pharmacy", 18), ("unrated", 6))
# Median bill per facility in yuan (lognormal), a realistic spread of outpatient costs.
MEDIAN_YUAN = {"pharmacy": 75, "primary": 90, "unrated": 100, "secondary": 210, "tertiary": 380}
INSTITUTIONS = {"tertiary": 12, "secondary": 40, "primary": 220, "unrated": 30, "pharmacy": 300}
# An institution has one level: its code carries it (H + division + level digit + number; P for pharmacies),
# so no code appears at two levels, as in an institutions table.
LEVEL_DIGIT = {"tertiary": "3", "secondary": "2", "primary": "1", "unrated": "9", "pharmacy": "0"}
PSN_WEIGHTS = (("1101", 58), ("1201", 30), ("1103", 8), ("1203", 4))
REVERSAL_P = 0.015
ACCOUNT_P = 0.2  # share of persons whose opening account balance is in the persons file
DISEASE_P = 0.08  # share of persons with a registered chronic/special disease (where the document covers them)
RETIRE_P = 0.03  # share of in-service employees who retire inside their window (A-MIDYEAR-RETIREMENT)
# Registered diseases per document: codes whose figures the example regions supply (chronic.<code>.*),
# with the kind the person is registered for; Beijing and Zhejiang fix no outpatient chronic benefit.
DISEASES = {
    "panzhihua": (("M00500", "chronic"), ("M03900", "two_disease")),
    "nanchang": (("M00500", "chronic"), ("M03900", "chronic")),
    "jilin": (("M03900", "chronic"), ("M00500", "chronic"), ("M00600", "special")),
}
YEAR0 = 2023
CHUNK_PERSONS = 4000


@dataclass(frozen=True)
class Spec:
    policy: str
    region: str | None
    defect_rate: float
    seed: int


def default_region(policy: str) -> str | None:
    """The fictitious example region each document ships with (conform/fixtures/regions/<policy>-example.yaml)."""
    path = Path(__file__).resolve().parent.parent / "fixtures" / "regions" / f"{policy}-example.yaml"
    return f"{policy}-example" if path.is_file() else None


def visit_counts(rows: int, seed: int) -> list[int]:
    """Rows per person (visits and reversals), 1–30, mean about 8, summing to exactly `rows`."""
    rng = random.Random(f"{seed}:counts")
    out: list[int] = []
    total = 0
    while total < rows:
        k = min(30, 1 + int(rng.expovariate(1 / 7.5)))
        k = min(k, rows - total)
        out.append(k)
        total += k
    return out


# --------------------------------------------------------------------------- defective systems


class _RulesOverride(Rules):
    """Rules that answer some keys differently: how a system with a wrong parameter table behaves."""

    def __init__(self, base: Rules, override: Callable[[str, Parameter | None], Parameter | None]):
        super().__init__(base.policy, base.supplied, base.region_name)
        self.valid_from, self.valid_to, self.validity_cite = base.valid_from, base.valid_to, base.validity_cite
        self._override = override

    def find(self, key: str) -> Parameter | None:
        try:
            return self._cache[key]
        except KeyError:
            pass
        p = self._override(key, super().find(key))
        self._cache[key] = p
        return p


def _no_cap(key: str, p: Parameter | None) -> Parameter | None:
    if key.startswith("ordinary.cap") and p is not None:
        return replace(p, value=Decimal("999999999"))
    return p


@contextlib.contextmanager
def _truncating() -> Iterator[None]:
    """A system that cuts the fund payment to the fen instead of rounding half up (A-ROUND-FEN)."""
    saved = benefits.round_fen
    benefits.round_fen = lambda d: d.quantize(FEN, rounding=ROUND_DOWN)
    try:
        yield
    finally:
        benefits.round_fen = saved


def _wrong_pharmacy_facility(rules: Rules, role: str) -> str:
    """The hospital level whose ratio differs from the pharmacy's: what a mis-mapped table applies."""
    mine = benefits.ordinary_ratio(rules, role, "pharmacy")
    for f in ("tertiary", "secondary", "primary"):
        r = benefits.ordinary_ratio(rules, role, f)
        if mine is None or (r is not None and r[0] != mine[0]):
            return f
    return "primary"


Event = Settlement | Reversal


def as_audited(clean: list[SettlementResult], recorded: list[SettlementResult],
               balance_known: bool = True) -> list[SettlementResult]:
    """What the audit expects of the recorded figures: the clean ones, except that where the account paid
    less than 个人负担 (no balance known, or the opening balance falls short and the month's credits, in no
    file, decide), acct_pay is taken as recorded — but never above 个人负担, and with a known balance not
    below what the opening balance certainly paid — and psn_cash_pay follows from it (A-AUDIT-ACCT-UNKNOWN,
    A-AUDIT-ACCT-CREDITS); a reversal gives back exactly what its settlement is taken to have paid."""
    short: set[str] = set()
    accepted: dict[str, Decimal] = {}  # what each short settlement is taken to have paid from the account
    out = []
    for c, r in zip(clean, recorded):
        if c.reverses is None and c.psn_part_amt > 0 and c.acct_pay < c.psn_part_amt:
            short.add(c.id)
            accepted[c.id] = min(max(r.acct_pay, c.acct_pay) if balance_known else r.acct_pay, c.psn_part_amt)
        if (c.reverses or c.id) in short:
            acct = -accepted[c.reverses] if c.reverses else accepted[c.id]
            c = replace(c, acct_pay=acct, psn_cash_pay=c.psn_part_amt - acct)
        out.append(c)
    return out


def settle_events(rules: Rules, person: Person, events: list[Event], kind: str | None = None) -> list[SettlementResult]:
    """Settle a person's events in order, correctly (kind None) or as the defective system `kind` does."""
    if kind == "cap_ignored":
        rules = _RulesOverride(rules, _no_cap)
    if kind == "retiree_as_in_service":
        person = replace(person, psn_type={"1201": "1101", "1203": "1103"}.get(person.psn_type, person.psn_type))
    ledger = PersonLedger(rules, person)
    out: list[SettlementResult] = []
    wrong_facility = _wrong_pharmacy_facility(rules, person.role_on(events[0].date)) if kind == "pharmacy_wrong_ratio" else ""
    ctx = _truncating() if kind == "rounding_down" else contextlib.nullcontext()
    last_year: int | None = None
    with ctx:
        for e in events:
            if isinstance(e, Reversal):
                kept = ledger.settled.get(e.reverses)
                res = ledger.reverse(e.reverses, e.id, e.date)
                if kind == "reversal_not_restored" and kept is not None:
                    ledger.years[kept[1].year].apply(kept[1], +1)
                out.append(res)
                continue
            y = e.date.year
            if kind == "dedc_per_visit":
                ledger.year(y).ordinary_dedc = Decimal("0.00")
            if kind == "year_not_reset" and last_year is not None and y > last_year and y not in ledger.years:
                carried = ledger.year(last_year).clone()
                carried.year = y
                ledger.years[y] = carried
            s = e
            if kind == "pharmacy_wrong_ratio" and e.facility == "pharmacy":
                s = replace(e, facility=wrong_facility, med_type="11")
            r = ledger.settle(s)
            if s is not e:
                r.id = e.id
            out.append(r)
            last_year = y
    return out


def _applicable(kind: str, person: Person, events: list[Event]) -> bool:
    settlements = [e for e in events if isinstance(e, Settlement)]
    if kind == "retiree_as_in_service":
        return person.psn_type in ("1201", "1203")
    if kind == "pharmacy_wrong_ratio":
        return any(s.facility == "pharmacy" for s in settlements)
    if kind == "reversal_not_restored":
        rev_dates = [e.date for e in events if isinstance(e, Reversal)]
        return any(s.date.year == d.year and s.date >= d for d in rev_dates for s in settlements)
    if kind == "year_not_reset":
        return len({s.date.year for s in settlements}) > 1
    if kind == "dedc_per_visit":
        return len(settlements) > 1
    return True


# --------------------------------------------------------------------------- one chunk of persons

EPOCH = dt.date(1970, 1, 1)
DAY0 = (dt.date(YEAR0, 1, 1) - EPOCH).days
SCHEMA = pa.schema([
    ("setl_id", pa.string()), ("psn_no", pa.string()), ("psn_type", pa.string()),
    ("setl_time", pa.timestamp("us")), ("setl_date", pa.date32()), ("med_type", pa.string()),
    ("facility", pa.string()), ("fixmedins_code", pa.string()), ("insuplc_admdvs", pa.string()),
    ("dise_codg", pa.string()), ("init_setl_id", pa.string()),
    *[(n, pa.decimal128(18, 2)) for n in INPUT_AMOUNTS],
    *[(n, pa.decimal128(10, 4) if n == "pool_prop_selfpay" else pa.decimal128(18, 2)) for n in RECORDED],
])
# recorded/expected are what the ledger says and what the reference engine says (scale 4, as the
# audit's discrepancies); they let a reader check its own figures, not just the set of pairs.
PLANTED_SCHEMA = pa.schema([("setl_id", pa.string()), ("field", pa.string()), ("kind", pa.string()),
                            ("recorded", pa.decimal128(18, 4)), ("expected", pa.decimal128(18, 4))])


def _decimal_array(units: list[int], typ: pa.DataType) -> pa.Array:
    """Exact DECIMAL column from integer units (fen, or ten-thousandths for a ratio): no float, no Decimal objects."""
    words = array("q", bytes(16 * len(units)))
    words[0::2] = array("q", units)
    words[1::2] = array("q", [-1 if u < 0 else 0 for u in units])  # sign extension to 128 bits
    return pa.Array.from_buffers(typ, len(units), [None, pa.py_buffer(words.tobytes())])


def _chooser(rng: random.Random, weighted: tuple) -> Callable[[], str]:
    items = [w[0] for w in weighted]
    total = sum(w[1] for w in weighted)
    cum = [c / total for c in accumulate(w[1] for w in weighted)]
    rnd = rng.random
    return lambda: items[bisect_right(cum, rnd())]


def make_chunk(spec: Spec, chunk: int, first_person: int, counts: list[int]) -> tuple[pa.RecordBatch, pa.RecordBatch, list[str]]:
    """Persons first_person … first_person+len(counts)-1: their rows, planted pairs and person lines."""
    rng = random.Random(f"{spec.seed}:chunk:{chunk}")
    rnd = rng.random
    rules = rules_for(spec.policy, spec.region)
    admdvs = rules.region_admdvs or ADMDVS[spec.policy]
    needs_tier = "requires_account" in rules.policy.eligibility
    psn_type_of = _chooser(rng, PSN_WEIGHTS)
    facility_of = _chooser(rng, FACILITY_WEIGHTS)
    cols: dict[str, list] = {n: [] for n in ("setl_id", "psn_no", "psn_type", "med_type", "facility",
                                              "fixmedins_code", "dise_codg", "init_setl_id")}
    diseases_here = DISEASES.get(spec.policy, ()) if "chronic" in rules.policy.covers else ()
    times: list[int] = []
    amounts: dict[str, list] = {n: [] for n in INPUT_AMOUNTS + RECORDED}  # fen ints; recorded as Decimal
    planted: list[tuple[str, str, str, int, int]] = []
    persons: list[str] = []
    kinds = list(KINDS)
    for p, k in enumerate(counts):
        psn_no = f"{admdvs}{first_person + p:010d}"
        ptype = psn_type_of()
        heavy = rnd() < 0.06  # a few persons with large bills, who reach the caps
        if rnd() < 0.3:  # a person-year inside one natural year; otherwise a year crossing 31 December
            start = DAY0 + (365 if rnd() < 0.5 else 0)
        else:
            start = DAY0 + int(rnd() * 365)
        is_defective = rnd() < spec.defect_rate
        kind_draw = rnd()
        flex_tier = None
        record: dict = {}
        if needs_tier and ptype in ("1103", "1203"):
            flex_tier = 2 if rnd() < 0.15 else 1
            record["flex_tier"] = flex_tier
        balance = None
        if rnd() < ACCOUNT_P and flex_tier != 2:  # an opening personal-account balance: the account pays the person's part
            balance = from_fen(int(rnd() * 300_000))
            record["acct_balance"] = str(balance)
        diseases: tuple[Disease, ...] = ()
        if diseases_here and rnd() < DISEASE_P:
            code, dkind = diseases_here[int(rnd() * len(diseases_here))]
            diseases = (Disease(code, dkind),)
            record["chronic_diseases"] = [{"dise_codg": code, "kind": dkind}]
        secs = sorted((start + int(rnd() * 365)) * 86400 + 8 * 3600 + int(rnd() * 12 * 3600) for _ in range(k))
        retire_date = None
        if ptype == "1101" and rnd() < RETIRE_P:
            retire_date = EPOCH + dt.timedelta(days=start + int(rnd() * 365))
            record["retire_date"] = retire_date.isoformat()
        if record:
            persons.append(json.dumps({"psn_no": psn_no, "psn_type": ptype, **record}))
        person = Person(psn_no=psn_no, psn_type=ptype, flex_tier=flex_tier, acct_balance=balance, diseases=diseases,
                        retire_date=retire_date)
        for i in range(1, k):  # strictly increasing times: the order within a person is never ambiguous
            if secs[i] <= secs[i - 1]:
                secs[i] = secs[i - 1] + 1
        events: list[Event] = []
        meta: list[tuple] = []  # med_type, facility, institution, init_setl_id, (total, full, over, pre) in fen
        open_settlements: list[int] = []  # indices of settlements not reversed
        for i in range(k):
            sid = f"{psn_no}{i:03d}"
            date = EPOCH + dt.timedelta(days=secs[i] // 86400)
            if i and open_settlements and rnd() < REVERSAL_P:
                j = open_settlements[-1]
                if (date - events[j].date).days <= 30:
                    open_settlements.pop()
                    events.append(Reversal(sid, date, events[j].id))
                    mt, fac, code, _, fen, dise = meta[j]
                    meta.append((mt, fac, code, events[j].id, tuple(-x for x in fen), dise))
                    continue
            fac = facility_of()
            u = rnd()
            dise = None
            if diseases and u < 0.4 and not (fac == "pharmacy" and diseases[0].kind == "special"):
                mt, dise = "14", diseases[0].dise_codg
            elif fac == "pharmacy":
                mt = "41"
            elif u < 0.05:
                mt = "13"
            elif u < 0.06 and fac in ("secondary", "tertiary"):
                mt = "28"
            else:
                mt = "11"
            median = MEDIAN_YUAN[fac] * 100 * (4 if heavy else 1) * (1.6 if mt == "13" else 15 if mt == "28" else 1)
            total = max(100, int(rng.lognormvariate(0.0, 0.85) * median))
            full = int(total * rnd() * 0.20) if rnd() < 0.45 else 0
            over = int(total * rnd() * 0.05) if rnd() < 0.05 else 0
            pre = int(total * rnd() * 0.10) if rnd() < 0.35 else 0
            code = f"{'P' if fac == 'pharmacy' else 'H'}{admdvs}{LEVEL_DIGIT[fac]}{int(rnd() * INSTITUTIONS[fac]):04d}"
            events.append(Settlement(sid, date, mt, fac, from_fen(total), from_fen(full), from_fen(over), from_fen(pre), dise))
            meta.append((mt, fac, code, None, (total, full, over, pre), dise))
            open_settlements.append(i)
        clean = settle_events(rules, person, events)
        recorded = clean
        if is_defective:
            fit = [kd for kd in kinds if _applicable(kd, person, events)]
            if fit:
                # A person with a reversal followed by later visits is rare; let it show that defect more often.
                kind = ("reversal_not_restored" if "reversal_not_restored" in fit and kind_draw < 0.5
                        else fit[int(kind_draw * len(fit))])
                recorded = settle_events(rules, person, events, kind)
                for c_res, r_res in zip(as_audited(clean, recorded, person.acct_balance is not None), recorded):
                    for f in RECORDED:
                        good, bad = getattr(c_res, f), getattr(r_res, f)
                        if good != bad:
                            planted.append((c_res.id, f, kind, int(bad.scaleb(4)), int(good.scaleb(4))))
        for i, (e, res) in enumerate(zip(events, recorded)):
            mt, fac, code, init, fen, dise = meta[i]
            cols["setl_id"].append(e.id)
            cols["psn_no"].append(psn_no)
            # the platform records the type in force on the day: 1201 from the retirement date on
            cols["psn_type"].append("1201" if retire_date is not None and e.date >= retire_date else ptype)
            cols["dise_codg"].append(dise)
            cols["med_type"].append(mt)
            cols["facility"].append(fac)
            cols["fixmedins_code"].append(code)
            cols["init_setl_id"].append(init)
            times.append(secs[i])
            for name, v in zip(INPUT_AMOUNTS, fen):
                amounts[name].append(v)
            for f in RECORDED:
                amounts[f].append(getattr(res, f))

    n_rows = len(times)
    order = sorted(range(n_rows), key=times.__getitem__)  # time order within a chunk, not across chunks
    arrays = []
    for name in SCHEMA.names:
        typ = SCHEMA.field(name).type
        if name == "setl_time":
            arrays.append(pa.array([times[i] * 1_000_000 for i in order], pa.timestamp("us")))
        elif name == "setl_date":
            arrays.append(pa.array([times[i] // 86400 for i in order], pa.int32()).cast(pa.date32()))
        elif name == "insuplc_admdvs":
            arrays.append(pa.array([admdvs] * n_rows, pa.string()))
        elif name in INPUT_AMOUNTS:
            col = amounts[name]
            arrays.append(_decimal_array([col[i] for i in order], typ))
        elif name in amounts:  # Decimals from the engine: pyarrow converts them exactly (rescaling, never via float)
            col = amounts[name]
            arrays.append(pa.array([col[i] for i in order], typ))
        else:
            col = cols[name]
            arrays.append(pa.array([col[i] for i in order], pa.string()))
    batch = pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)
    pl = pa.RecordBatch.from_arrays(
        [pa.array([x[i] for x in planted], pa.string()) for i in range(3)]
        + [_decimal_array([x[i] for x in planted], pa.decimal128(18, 4)) for i in (3, 4)], schema=PLANTED_SCHEMA)
    return batch, pl, persons


def _work(args: tuple) -> tuple[pa.RecordBatch, pa.RecordBatch, list[str]]:
    return make_chunk(*args)


# --------------------------------------------------------------------------- the whole ledger


@dataclass
class SynthResult:
    rows: int
    persons: int
    planted: int
    defective_persons: int
    persons_file: Path | None


def sidecar(out: Path, suffix: str) -> Path:
    """FILE.parquet -> FILE.planted.parquet / FILE.persons.jsonl."""
    stem = out.name[:-len(".parquet")] if out.name.endswith(".parquet") else out.name
    return out.with_name(stem + suffix)


def _worker_signals() -> None:
    """Workers die quietly when the pool ends them (the command's own SIGTERM handler is the parent's)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def synth_ledger(rows: int, policy: str, out: Path, region: str | None = None, defect_rate: float = 0.02,
                 seed: int = 1, workers: int | None = None, progress: Callable[[int], None] | None = None) -> SynthResult:
    """Write the ledger, FILE.planted.parquet and (when persons need data) FILE.persons.jsonl.

    Files are written under temporary names and renamed at the end, so an interrupted run leaves
    no ledger that looks complete."""
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; one of {', '.join(POLICIES)}")
    region = region if region is not None else default_region(policy)
    rules_for(policy, region)  # refuse a bad region before any work
    spec = Spec(policy, region, defect_rate, seed)
    counts = visit_counts(rows, seed)
    starts = list(range(0, len(counts), CHUNK_PERSONS))
    tasks = [(spec, i, s, counts[s:s + CHUNK_PERSONS]) for i, s in enumerate(starts)]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    planted_path, persons_path = sidecar(out, ".planted.parquet"), sidecar(out, ".persons.jsonl")
    for p, what in ((out, "the ledger"), (planted_path, "its planted list"), (persons_path, "its persons file")):
        if p.is_dir():  # found only at the end, it left a new planted list beside the old ledger
            raise ValueError(f"{p}: is a folder, where synth-ledger writes {what}: move it, or give another --out")
    tmp = {p: p.with_name(f".{p.name}.{os.getpid()}.tmp") for p in (out, planted_path, persons_path)}
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    n_planted = n_rows = 0
    defective = set()
    any_persons = False
    try:
        with pq.ParquetWriter(tmp[out], SCHEMA, compression="zstd") as w, \
                pq.ParquetWriter(tmp[planted_path], PLANTED_SCHEMA, compression="zstd") as wp, \
                open(tmp[persons_path], "w", encoding="utf-8") as fp:
            if workers > 1 and len(tasks) > 1:
                pool = mp.get_context("fork" if os.name == "posix" else "spawn").Pool(min(workers, len(tasks)),
                                                                                   initializer=_worker_signals)
                results = pool.imap(_work, tasks, chunksize=1)
            else:
                pool, results = None, map(_work, tasks)
            try:
                for batch, pl, persons in results:
                    w.write_batch(batch)
                    if pl.num_rows:
                        wp.write_batch(pl)
                        n_planted += pl.num_rows
                        defective.update(s[:16] for s in pl.column(0).to_pylist())
                    for line in persons:
                        fp.write(line + "\n")
                        any_persons = True
                    n_rows += batch.num_rows
                    if progress:
                        progress(batch.num_rows)
            finally:
                if pool is not None:
                    pool.terminate()
        # An earlier ledger at `out` goes first: a failure below then leaves no ledger beside the new files
        out.unlink(missing_ok=True)
        os.replace(tmp[planted_path], planted_path)
        if any_persons:
            os.replace(tmp[persons_path], persons_path)
        else:
            tmp[persons_path].unlink()
            persons_path.unlink(missing_ok=True)
        os.replace(tmp[out], out)  # the ledger last: its presence means the set is complete
    except BaseException:
        for t in tmp.values():
            t.unlink(missing_ok=True)
        raise
    return SynthResult(n_rows, len(counts), n_planted, len(defective), persons_path if any_persons else None)
