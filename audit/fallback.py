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

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from reference.case import Person

from .plan import BASE_COLUMNS
from .plan import ORDER as SETTLEMENT_ORDER
from .settle_ref import ROW_COLUMNS, RulesSpec, _work, person_for, settle_person
from .tables import create_from_arrow

__all__ = ["RulesSpec", "Context", "settle", "explain_settlement", "person_for", "settle_person"]

INLINE_PERSONS = 2000
CHUNK_PERSONS = 2000

ORDER = "psn_no, " + SETTLEMENT_ORDER
SCHEMA = pa.schema([(c, pa.int64() if c in ("medfee_sumamt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay",
                                             "pool_prop_selfpay", "fund_pay_sumamt", "psn_part_amt", "acct_pay",
                                             "psn_cash_pay") else pa.string()) for c in BASE_COLUMNS])


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
        # spawn, not fork: the parent holds DuckDB's (and maybe the JVM's) threads and locks.
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
            for part in pool.map(_work, [spec] * len(chunks), chunks):
                results.extend(part)
    tbl = pa.Table.from_pylist(results, schema=SCHEMA) if results else SCHEMA.empty_table()
    create_from_arrow(con, "expected_ref", tbl)
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
