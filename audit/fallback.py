"""Persons the plan cannot express exactly, settled by the reference engine itself.

The plan flags them in SQL (audit/plan.py `routed.fallback`): a chronic/special-disease visit
(med_type 14), a visit along inpatient rules (吉林 急诊/日间手术), a retirement date after their
first settlement, a psn_type that changes in the ledger, hospital stays (吉林 六（三）), a reversal
followed by a later settlement. Their rows are read in settlement order, turned into reference
`Settlement`/`Reversal` objects and run through `reference.engine.PersonLedger`, in worker
processes for many persons. A settlement the reference refuses (PolicyError) becomes a
`refused_*` row with the reason, exactly as the plan marks the rows it cannot assess.

`explain_settlement` replays one person with traces and returns the steps of one settlement.
"""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from decimal import Decimal

import duckdb
import pyarrow as pa

from reference.case import PSN_TYPES, Person, Reversal, Settlement
from reference.engine import PersonLedger, SettlementResult, rules_for
from reference.money import fmt, fmt_ratio
from reference.policy import PolicyError

from .plan import EXPECTED_COLUMNS

INLINE_PERSONS = 2000
CHUNK_PERSONS = 2000
ROW_COLUMNS = ("setl_id", "psn_no", "psn_type", "setl_date", "med_type", "facility", "dise_codg", "exclusion",
               "remote", "acct_used_flag", "init_setl_id", "medfee_sumamt", "fulamt_ownpay_amt",
               "overlmt_selfpay", "preselfpay_amt", "acct_pay")
ORDER = "psn_no, setl_date, setl_time NULLS FIRST, src_idx, src_row"
SCHEMA = pa.schema([(c, pa.int64() if c in ("medfee_sumamt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay",
                                             "pool_prop_selfpay", "fund_pay_sumamt", "psn_part_amt", "acct_pay",
                                             "psn_cash_pay") else pa.string()) for c in EXPECTED_COLUMNS])


@dataclass(frozen=True)
class RulesSpec:
    policy: str
    region: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    def bind(self):
        return rules_for(self.policy, self.region, dict(self.params) or None)


def _yuan(fen: int | None) -> Decimal:
    return (Decimal(fen or 0) / 100).quantize(Decimal("0.01"))


def _fen(d: Decimal) -> int:
    return int(d * 100)


def person_for(psn_no: str, rows: list[tuple], known: Person | None) -> Person:
    """The person as the reference needs it: the persons file's record, else what the ledger says."""
    if known is not None:
        return known
    types = [r[2] for r in rows if r[10] is None and r[2]]
    first = types[0] if types else "1101"
    retire = None
    if PSN_TYPES[first][0] == "in_service":
        for r in rows:
            if r[10] is None and r[2] and PSN_TYPES[r[2]][0] == "retiree":
                retire = r[3]  # A-AUDIT-PSN-TYPE-CHANGE: retired from the first retiree-type settlement
                break
    return Person(psn_no=psn_no, psn_type=first, retire_date=retire)


def _clauses(res: SettlementResult) -> tuple[str | None, str | None, str | None]:
    steps = [s for s in res.trace._steps if s[0] != "个人账户支付"]  # (label, template, args, clause, value)
    fund = steps[-1][3] if steps else None
    dedc = next((s[3] for s in steps if "起付线" in s[0]), fund)
    ratio = next((s[3] for s in steps if s[0] in ("支付比例", "慢特病支付", "住院比例和限额")), fund)
    return dedc, fund, ratio


def settle_person(rules, person: Person, rows: list[tuple], trace_for: str | None = None):
    """Expected rows (dicts in EXPECTED_COLUMNS) for one person; or the trace of `trace_for`."""
    ledger = PersonLedger(rules, person)
    out = []
    refused: dict[str, str] = {}
    for r in rows:
        (setl_id, psn_no, _t, date, med_type, facility, dise, excl, remote, acct_flag, init,
         medfee, ful, over, pre, rec_acct) = r
        try:
            if init is not None:
                if init in refused:
                    raise PolicyError(refused[init])
                res = ledger.reverse(init, setl_id, date)
                status = "reversal"
            else:
                s = Settlement(id=setl_id, date=date, med_type=med_type, facility=facility,
                               medfee_sumamt=_yuan(medfee), fulamt_ownpay_amt=_yuan(ful), overlmt_selfpay=_yuan(over),
                               preselfpay_amt=_yuan(pre), dise_codg=dise, remote=bool(remote), exclusion=excl,
                               acct_used_flag=acct_flag is not False)
                res = ledger.settle(s)
                status = res.benefit
        except PolicyError as e:
            refused[setl_id] = str(e)
            if trace_for == setl_id:
                return None, str(e)
            out.append({"setl_id": setl_id, "psn_no": psn_no, "route": "reference", "status": "refused_reference",
                        "note": str(e)})
            continue
        if trace_for == setl_id:
            return res, None
        dedc_c, fund_c, ratio_c = _clauses(res)
        acct = _fen(res.acct_pay)
        part = _fen(res.psn_part_amt)
        if person.acct_balance is None:  # A-AUDIT-ACCT-UNKNOWN: the account payment is taken as recorded
            acct = rec_acct or 0
        out.append({"setl_id": setl_id, "psn_no": psn_no, "route": "reference", "status": status,
                    "medfee_sumamt": _fen(res.medfee_sumamt), "inscp_scp_amt": _fen(res.inscp_scp_amt),
                    "act_pay_dedc": _fen(res.act_pay_dedc), "hifp_pay": _fen(res.hifp_pay),
                    "pool_prop_selfpay": int(Decimal(fmt_ratio(res.pool_prop_selfpay)) * 10000),
                    "fund_pay_sumamt": _fen(res.fund_pay_sumamt), "psn_part_amt": part, "acct_pay": acct,
                    "psn_cash_pay": part - acct, "clause_dedc": dedc_c, "clause_fund": fund_c,
                    "clause_ratio": ratio_c, "note": None})
    if trace_for is not None:
        return None, f"settlement {trace_for} not found"
    return out


def _work(spec: RulesSpec, batch: list[tuple[str, Person | None, list[tuple]]]) -> list[dict]:
    rules = spec.bind()
    out: list[dict] = []
    for psn_no, known, rows in batch:
        out.extend(settle_person(rules, person_for(psn_no, rows, known), rows))
    return out


def _rows_by_person(con: duckdb.DuckDBPyConnection, where: str) -> dict[str, list[tuple]]:
    res = con.execute(f"SELECT {', '.join(ROW_COLUMNS)} FROM ledger WHERE {where} ORDER BY {ORDER}").fetchall()
    by: dict[str, list[tuple]] = {}
    for r in res:
        by.setdefault(r[1], []).append(r)
    return by


def settle(con: duckdb.DuckDBPyConnection, spec: RulesSpec, people: dict[str, Person], workers: int | None = None) -> int:
    """Create table `expected_ref` for the persons in table `fallback_persons`; returns their number."""
    by = _rows_by_person(con, "psn_no IN (SELECT psn_no FROM fallback_persons)")
    items = [(p, people.get(p), rows) for p, rows in by.items()]
    results: list[dict] = []
    if len(items) <= INLINE_PERSONS or workers == 1:
        results = _work(spec, items)
    else:
        chunks = [items[i:i + CHUNK_PERSONS] for i in range(0, len(items), CHUNK_PERSONS)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for part in pool.map(_work, [spec] * len(chunks), chunks):
                results.extend(part)
    tbl = pa.Table.from_pylist(results, schema=SCHEMA) if results else SCHEMA.empty_table()
    con.register("_expected_ref_src", tbl)
    con.execute("CREATE OR REPLACE TABLE expected_ref AS SELECT * FROM _expected_ref_src")
    con.unregister("_expected_ref_src")
    return len(items)


@dataclass
class Context:
    """What `explain_settlement` needs: the open audit database, the rules and the persons."""

    con: duckdb.DuckDBPyConnection
    spec: RulesSpec
    people: dict[str, Person]


def explain_settlement(ctx: Context, setl_id: str) -> dict:
    """The reference engine's Chinese trace for one settlement (AUDIT_CONTRACT.md `explain`)."""
    found = ctx.con.execute("SELECT psn_no FROM ledger WHERE setl_id = ?", [setl_id]).fetchall()
    if not found:
        return {"setl_id": setl_id, "psn_no": None, "expected": {}, "trace": [], "error": "unknown setl_id"}
    psn_no = found[0][0]
    rows = _rows_by_person(ctx.con, f"psn_no = '{psn_no.replace(chr(39), chr(39) * 2)}'").get(psn_no, [])
    person = person_for(psn_no, rows, ctx.people.get(psn_no))
    res, err = settle_person(ctx.spec.bind(), person, rows, trace_for=setl_id)
    if res is None:
        return {"setl_id": setl_id, "psn_no": psn_no, "expected": {}, "trace": [], "error": err}
    out = res.to_output(with_trace=True)
    expected = {k: out[k] for k in ("inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay",
                                    "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay")}
    trace = [{"step": s["step"], "text": s["detail"], "clause": s["clause"]} for s in out["trace"]]
    return {"setl_id": setl_id, "psn_no": psn_no, "expected": expected, "trace": trace}
