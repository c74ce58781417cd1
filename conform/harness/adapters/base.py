"""The adapter interface: the operations features and properties need from a system under test.

Values cross this boundary in the national platform's field names with
amounts as two-decimal strings (`hifp_pay`, `act_pay_dedc`, …): exactly what
an external system returns, so features never see engine internals.
An adapter declares the operations it supports; a scenario needing another is
'not applicable'. Faults of the system under test raise `SutError` ('error',
distinct from a failed expectation).
"""
from __future__ import annotations

import contextvars
import datetime as dt
import inspect
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, TypeVar

from conform.reference.case import CreditRequest, Person, Settlement

OPERATIONS = {
    "prepare_person": "准备测试参保人（测试专用）",
    "presettle": "门诊预结算（2206）",
    "settle": "门诊结算（2207）",
    "reverse": "结算撤销（2208）",
    "query_ytd": "年度累计查询（参照5206）",
    "credit_month": "个人账户按月计入",
    "check_account_use": "个人账户使用范围校验",
}

SETLINFO_FIELDS = ("medfee_sumamt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay",
                   "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay")
SETLINFO_AMOUNTS = tuple(f for f in SETLINFO_FIELDS if f != "pool_prop_selfpay")  # the amounts (all but the ratio)
# The fund payment split by route (the harness's extension, docs/connect-your-system.md): a system may leave it out
# (no platform message carries it); the scenarios and the properties compare it only where the system reports it,
# and check hifp_pay, all routes together, either way.
ROUTE_SPLIT = ("ordinary_pay", "chronic_pay", "inpatient_pay")
# The key of a settlement answer (as an adapter returns it) saying why its route split is not reported though the
# system answered one (the platform profile: no setldetail, a setl_proc_info naming no configured route, …): the
# checks treat the split as unreported and the not-applicable note says why.
SPLIT_UNREPORTED = "route_split_unreported"
# A year-to-date answer without the account balance because the adapter never asks for it (the platform profile
# without 1101 in its transactions): why, so that a scenario checking the balance is not applicable, never failed
BALANCE_UNASKED = "acct_balance_unasked"


# What an answer names that must be what the request named (the answer is about the request sent), by its label.
ECHOED = {"psn_no": "人员编号（与所发送的不同）", "mdtrt_id": "就诊ID（与所发送的不同）"}


def echo_mismatches(item: str, setlinfo: Any, sent: dict[str, str]) -> list:
    """The fields of `sent` (psn_no, mdtrt_id) an answer's setlinfo gives otherwise than the request did, as
    Mismatches (the figure sent, the one answered). A field the answer leaves out (or gives as "") is not compared:
    the descriptions leave them optional. Both profiles hold their 2206/2207/2208 answers to this."""
    from conform.harness import evidence
    from conform.harness.results import Mismatch

    bad = []
    if isinstance(setlinfo, dict):
        for name, want in sent.items():
            v = setlinfo.get(name)
            if v is not None and v != "" and str(v) != want:
                bad.append(Mismatch(name, want, evidence.shorten(str(v), 100), item, ECHOED.get(name, name)))
    return bad


class NotApplicable(Exception):
    """The adapter does not support an operation the scenario needs."""

    def __init__(self, adapter: str, operation: str, said: str | None = None):
        """`said`: why, where it is not that the adapter lacks `operation` (an optional figure left out, a balance
        never asked: the scenario steps' subclasses)."""
        self.adapter, self.operation = adapter, operation
        super().__init__(f"not applicable: {said}" if said is not None else
                         f"not applicable: adapter {adapter!r} does not support {operation} ({OPERATIONS.get(operation, '')})")


class SutError(Exception):
    """The system under test failed to answer properly: kind is timeout, connection, http_status,
    malformed, infcode, missing_field, wrong_type, too_large, plugin_exception (an exception a python:
    plugin raised that the interface does not document, a NotApplicable it raised for an operation its `supports`
    declares (python_plugin.declined_supported), its own KeyboardInterrupt, or its process ending during a
    call: exited, killed by a signal), not_restored (the platform profile: reversals the system accepted left a
    pool person's 5206 totals changed) or internal."""

    def __init__(self, kind: str, message: str, evidence: dict | None = None):
        self.kind, self.message, self.evidence = kind, message, evidence or {}
        super().__init__(f"{kind}: {message}")


class SettlementRefused(SutError):
    """The system refused the request (infcode ≠ 0, or the reference raised a policy error).

    A scenario that expects a refusal catches it; anywhere else it is an error."""

    def __init__(self, message: str, evidence: dict | None = None):
        super().__init__("infcode", _once(message), evidence)


# "2207: infcode -1: 2207: 本次…": a system whose err_msg opens with the interface number the adapter already names
_TWICE = re.compile(r"^(\d{4}): (infcode -?\d+): \1[:：]\s*")


def _once(message: str) -> str:
    """A refusal's message with the interface number said once (probe s21 X item 3)."""
    return _TWICE.sub(r"\1: \2: ", message) if isinstance(message, str) else message


class SystemUnreachable(SutError):
    """N consecutive connection failures: the run stops early with a 'system unreachable' verdict,
    keeping every result already gathered. `kind` is "timeout" when the call that stopped it connected and
    waited (the check then says "(timeout)", not "(connection)")."""

    def __init__(self, message: str, evidence: dict | None = None, kind: str = "connection"):
        super().__init__(kind, message, evidence)


class NoAnswerCount:
    """When calls that got no answer make the system unreachable: one rule for the http adapter (and the
    platform profile through it) and python: plugins. `limit` (consecutive_failures) calls in a row of any
    operation without an answer; or, counting `per_operation`, `limit` calls in a row of one operation that
    timed out, other operations answering between them (a 2207 that always hangs while T001 answers): an
    answer of that operation starts its count again, another's does not. Only timeouts count per operation:
    they are what costs `timeout` seconds a check. The caller holds its lock around it."""

    def __init__(self, limit: int, per_operation: bool = True):
        self.limit = max(1, int(limit))
        self.per_operation = per_operation
        self._row = 0
        self._timeouts: dict[str, int] = {}   # an operation's calls in a row that timed out

    def no_answer(self, operation: str, timed_out: bool) -> tuple[str, int] | None:
        """Count one call without an answer. ("any", n): n ≥ limit calls in a row of any operation got none;
        ("one", n): n ≥ limit calls of `operation` in a row timed out; None: not (yet) unreachable."""
        self._row += 1
        same = 0
        if timed_out and self.per_operation:
            same = self._timeouts[operation] = self._timeouts.get(operation, 0) + 1
        if self._row >= self.limit:
            return "any", self._row
        if same >= self.limit:
            return "one", same
        return None

    def answered(self, operation: str) -> None:
        """An answer of `operation` (any answer: an error, a refusal): both its counts start again."""
        self._row = 0
        self._timeouts.pop(operation, None)


@dataclass(frozen=True)
class Subject:
    """Whom and under which rules: a test person prepared in the system under test."""

    policy: str
    person: Person
    region: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


class Adapter:
    """Base class; subclasses implement what they support and list it in `supports`."""

    name = "abstract"
    supports: frozenset[str] = frozenset()
    description = ""
    # How many independent test persons may be worked on at once (config `concurrency`);
    # an adapter with concurrency > 1 must be thread-safe across persons.
    concurrency: int = 1
    # Settlement figures (SETLINFO_FIELDS) this adapter's answers may leave out: the checks do not compare
    # one that is absent. Empty for every adapter but the national platform's (whose 2207 setlinfo makes
    # act_pay_dedc / psn_part_amt optional): elsewhere an absent figure is "(missing)".
    optional_figures: frozenset[str] = frozenset()

    def require(self, operation: str) -> None:
        if operation not in self.supports:
            raise NotApplicable(self.name, operation)

    def unsendable(self) -> dict[str, str]:
        """The kinds of visit this adapter cannot send as it is configured, each with why: "remote" (异地就医, an
        out-of-town visit), "exclusion" (不予支付情形, a visit the fund does not pay by rule), "facility:<level>" (a
        visit at a facility of that level: tertiary, secondary, primary, unrated, pharmacy). The properties draw none of them (conform/harness/generators.leave_out), as they draw only the operations in
        `supports`: one drawn would make the whole property not applicable, leaving unchecked all it checks on the
        visits the system can be sent. A scenario with such a visit is still not applicable, with the reason."""
        return {}

    def start(self) -> None:
        """Open connections; called once before the run."""

    def stop(self) -> None:
        """Release resources; called once after the run."""

    def describe(self) -> dict:
        """What the report header says about the system under test (never secrets)."""
        return {"adapter": self.name, "system": self.description or self.name, "supports": sorted(self.supports)}

    # Each operation returns plain JSON-ready dicts in the platform's field names.
    def prepare_person(self, subject: Subject) -> None:
        raise NotApplicable(self.name, "prepare_person")

    def presettle(self, psn_no: str, settlement: Settlement) -> dict:
        raise NotApplicable(self.name, "presettle")

    def settle(self, psn_no: str, settlement: Settlement) -> dict:
        raise NotApplicable(self.name, "settle")

    def settle_again(self, psn_no: str, settlement: Settlement) -> dict:
        """Send the settled visit's 2207 again, the same request (same mdtrt_id), as a HIS retrying after a timeout
        (A-SETTLE-ONCE). By default `settle` once more: right where the request is the settlement's own (the http
        profile keys it by the settlement id). An adapter that makes each request anew (the platform profile's 2201
        issues a new mdtrt_id) resends the one it sent instead."""
        return self.settle(psn_no, settlement)

    def reverse(self, psn_no: str, setl_id: str) -> dict:
        raise NotApplicable(self.name, "reverse")

    def query_ytd(self, psn_no: str, year: int) -> dict:
        raise NotApplicable(self.name, "query_ytd")

    def credit_month(self, psn_no: str, request: CreditRequest) -> dict:
        raise NotApplicable(self.name, "credit_month")

    def check_account_use(self, psn_no: str, relation: str, purpose: str, amount: str | None = None,
                          date: dt.date | None = None) -> dict:
        """May the account pay `amount` for `purpose` on behalf of `relation`? `date` is the day of the use,
        when the scenario gives one: a use outside the rules' validity is refused as a credit of that month
        is. An adapter written before the date existed (no `date` parameter) still works for undated uses;
        a dated one is 'not applicable' to it (`takes_use_date`)."""
        raise NotApplicable(self.name, "check_account_use")


def takes_use_date(adapter: Adapter) -> bool:
    """Whether the adapter's `check_account_use` accepts the use's `date` (a parameter of that name or
    **kwargs). Read from the class: the run wraps the instance's operations to count them."""
    fn = getattr(type(adapter), "check_account_use", None)
    if fn is None:
        return False
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "date" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) or p.kind == p.VAR_KEYWORD
               for p in params)


class UseDateNotApplicable(NotApplicable):
    """A dated account use for an adapter whose `check_account_use` takes no date."""

    def __init__(self, adapter: str):
        self.adapter, self.operation = adapter, "check_account_use"
        Exception.__init__(self, f"not applicable: adapter {adapter!r} cannot date an account use (its check_account_use "
                     "takes no `date` parameter; add `date: datetime.date | None = None` to check dated uses)")


T = TypeVar("T")
R = TypeVar("R")


def for_each_person(adapter: Adapter, work: Callable[[T], R], jobs: Iterable[T]) -> list[R]:
    """Run `work` over jobs that each touch their own test person, `adapter.concurrency` at a time.

    Results come back in the order of `jobs`; the first exception is re-raised after all finish."""
    jobs = list(jobs)
    workers = max(1, int(getattr(adapter, "concurrency", 1) or 1))
    if workers == 1 or len(jobs) < 2:
        return [work(j) for j in jobs]
    with ThreadPoolExecutor(max_workers=min(workers, len(jobs)), thread_name_prefix="conform-person") as pool:
        # each job runs in a copy of the caller's context: its evidence goes to the caller's check
        futures = [pool.submit(contextvars.copy_context().run, work, j) for j in jobs]
        errors = [f.exception() for f in futures]
    first = next((e for e in errors if e is not None), None)
    if first is not None:
        raise first
    return [f.result() for f in futures]
