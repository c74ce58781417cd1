"""Persons the plan cannot express exactly, settled by the reference engine itself.

The plan flags them in SQL (conform/audit/plan.py `routed.fallback`): a chronic/special-disease visit
(med_type 14), a visit along inpatient rules (吉林 急诊/日间手术), a retirement date after their
first settlement, a psn_type that changes in the ledger (where no persons record gives the type, or a
retiree type without its date), hospital stays (吉林 六（三）), a reversal
followed by a later settlement. Their rows are read in settlement order, turned into reference
`Settlement`/`Reversal` objects and run through `conform.reference.engine.PersonLedger`, in worker
processes for many persons. A settlement the reference refuses (PolicyError) becomes a
`refused_*` row with the reason, exactly as the plan marks the rows it cannot assess.

`explain_settlement` replays one person with traces and returns the steps of one settlement.
"""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from conform.reference.case import Person

from .ledger import CODED
from .plan import BASE_COLUMNS, FIGURES
from .plan import ORDER as SETTLEMENT_ORDER
from .plan import order_time
from .settle_ref import ROW_COLUMNS, RulesSpec, _work_table, parts_over, person_for, settle_known, settle_person
from .tables import create_from_arrow

__all__ = ["RulesSpec", "Context", "settle", "explain_settlement", "person_for", "settle_person"]

INLINE_PERSONS = 2000
CHUNK_PERSONS = 2000

ORDER = "psn_no, " + SETTLEMENT_ORDER
SCHEMA = pa.schema([(c, pa.int64() if c in FIGURES or c == "acct_basis" else pa.string()) for c in BASE_COLUMNS])


# A person's rows as the reference engine takes them: ROW_COLUMNS (codes as text), in settlement order.
_ROWS = ", ".join(f"CAST(l.{x} AS VARCHAR) AS {x}" if x in CODED else "l." + x for x in ROW_COLUMNS)
# In settlement order (plan.ORDER), but a reversal without a time on its settlement's date right after it
# (plan.order_time): `s`, the settlement a row reverses, one of the same person's rows (ledger._check_ids).
_IN_ORDER = ", ".join("l." + x if x != "setl_time NULLS FIRST" else order_time("l", "s") + " NULLS FIRST"
                      for x in ORDER.split(", "))


# The fallback persons' rows, once: a reversal's settlement (order_time) is looked up among them (the same person's),
# not in another scan of the whole ledger.
_P_COLUMNS = ", ".join("l." + x for x in ROW_COLUMNS)


def _person_rows(con: duckdb.DuckDBPyConnection, psn_no: str) -> list[tuple]:
    return con.execute(f"SELECT {_ROWS} FROM ledger l LEFT JOIN (SELECT setl_id, setl_date, setl_time FROM ledger "
                       f"WHERE psn_no = ?) s ON s.setl_id = l.init_setl_id WHERE l.psn_no = ? ORDER BY {_IN_ORDER}",
                       [psn_no, psn_no]).fetchall()


def settle(con: duckdb.DuckDBPyConnection, spec: RulesSpec, people: dict[str, Person], workers: int | None = None) -> int:
    """Create table `expected_ref` for the persons in table `fallback_persons`; returns their number."""
    n = con.execute("SELECT count(*) FROM fallback_persons").fetchall()[0][0]
    names = tuple(SCHEMA.names)
    # The rows leave DuckDB once, as Arrow, numbered by chunk of persons.
    tbl = con.sql(f"""
        WITH c AS (SELECT psn_no, (ROW_NUMBER() OVER (ORDER BY psn_no) - 1) // {int(CHUNK_PERSONS)} AS chunk
                   FROM fallback_persons)
        , p AS (SELECT c.chunk, l.rid, {_P_COLUMNS} FROM ledger l JOIN c ON c.psn_no = l.psn_no)
        SELECT l.chunk, {_ROWS} FROM p l LEFT JOIN (SELECT setl_id, setl_date, setl_time FROM p) s
          ON s.setl_id = l.init_setl_id
        ORDER BY l.chunk, {_IN_ORDER}""").to_arrow_table()
    if n <= INLINE_PERSONS or workers == 1:
        cols = _work_table(spec, tbl.drop_columns(["chunk"]), people, names)
    else:
        # Each chunk goes to a worker as an Arrow table (a few buffers to pickle) with the
        # persons-file records of its persons only.
        tasks = []
        for lo, hi in _chunk_bounds(tbl.column("chunk").to_pylist()):
            # take, not slice: a slice pickles its whole parent buffers
            part = tbl.take(pa.array(range(lo, hi))).drop_columns(["chunk"])
            psns = set(part.column("psn_no").to_pylist())
            tasks.append((part, {p: people[p] for p in psns if p in people}))
        cols = {c: [] for c in names}
        # spawn, not fork: the parent holds DuckDB's (and maybe the JVM's) threads and locks.
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                   initializer=_worker_signals)
        try:
            with _starting_workers():  # the workers start here (on submission), born with Ctrl-C held off
                futures = [pool.submit(_work_table, spec, part, ppl, names) for part, ppl in tasks]
            for f in futures:
                part_cols = f.result()
                for c in names:
                    cols[c].extend(part_cols[c])
        except BaseException:  # a failure, Ctrl-C or SIGTERM: the parent stops the workers, nothing is left running
            _stop(pool)
            raise
        pool.shutdown()
    create_from_arrow(con, "expected_ref", pa.table(cols, schema=SCHEMA))
    return n


# Ctrl-C in a terminal goes to the whole process group, the workers included: they ignore it (the
# parent, which has its own handler, stops them), from their very start. A spawned worker spends a
# second or more importing before its initializer runs, and a SIGINT then would print a
# KeyboardInterrupt traceback per worker. So the parent blocks SIGINT while it starts them: a blocked
# signal stays blocked across fork and exec, and the worker ignores it in its initializer (which
# discards one held meanwhile) before it lets it through. The parent's own handlers wait too: one run
# between a worker's birth and the parent's writing its start-up data would leave the worker to fail
# on reading it (EOFError, a traceback); a signal meanwhile is acted on once the workers are started.
_HOLD = hasattr(signal, "pthread_sigmask")
_DEFERRED = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _starting_workers() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():  # no handler runs here, nor can be set
        yield
        return
    noted: list[int] = []
    handlers = {s: signal.signal(s, lambda signum, _frame: noted.append(signum)) for s in _DEFERRED}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if _HOLD else None
    try:
        yield
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for s, h in handlers.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)
        for s in dict.fromkeys(noted):
            signal.raise_signal(s)  # to the run's own handler now


def _worker_signals() -> None:
    """A worker's initializer: Ctrl-C is the parent's to act on; SIGTERM (the parent stopping it) ends it quietly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if _HOLD:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel the queued chunks and end the workers now, rather than let them finish theirs after the run
    has stopped (or be joined at exit for as long)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())  # shutdown forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
                p.join(timeout=5)


def _chunk_bounds(chunks: list[int]) -> list[tuple[int, int]]:
    """(start, end) of each run of equal chunk numbers in a sorted list."""
    out, lo = [], 0
    for i in range(1, len(chunks) + 1):
        if i == len(chunks) or chunks[i] != chunks[lo]:
            out.append((lo, i))
            lo = i
    return out


@dataclass
class Context:
    """What `explain_settlement` needs: the open audit database, the rules and the persons."""

    con: duckdb.DuckDBPyConnection
    spec: RulesSpec
    people: dict[str, Person]


def explain_settlement(ctx: Context, setl_id: str) -> dict:
    """The reference engine's Chinese trace for one settlement (the worked examples of audit.html)."""
    found = ctx.con.execute("SELECT psn_no FROM ledger WHERE setl_id = ?", [setl_id]).fetchall()
    if not found:
        return {"setl_id": setl_id, "psn_no": None, "expected": {}, "trace": [], "error": "unknown setl_id"}
    psn_no = found[0][0]
    rows = _person_rows(ctx.con, psn_no)
    res, err = settle_known(ctx.spec.bind(), psn_no, rows, ctx.people.get(psn_no), trace_for=setl_id)
    if res is None:
        return {"setl_id": setl_id, "psn_no": psn_no, "expected": {}, "trace": [], "error": err}
    # before the account reform, not this document's: shown as not assessed; a later settlement whose balance is
    # unknown (acct_unknown) is assessed as recorded (A-AUDIT-ACCT-UNKNOWN), so its figures stay
    out = res.to_output(with_trace=True, undetermined_as_null=res.acct_undetermined is not None)
    expected = {k: out[k] for k in ("inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay",
                                    "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay")}
    if parts_over(res):  # A-AUDIT-PARTS-EXCEED: the personal fields are not assessed, as in the discrepancy table
        expected.update(psn_part_amt=None, acct_pay=None, psn_cash_pay=None)
    trace = [{"step": s["step"], "text": s["detail"], "clause": s["clause"]} for s in out["trace"]]
    return {"setl_id": setl_id, "psn_no": psn_no, "expected": expected, "trace": trace}
