"""The `http` adapter: a settlement system reached by JSON over HTTP, national-platform style.

Every call POSTs one envelope {infno, msgid, insuplc_admdvs, inf_time, input}
to the configured URL and expects {infcode, err_msg, output}. Transactions:
2206 预结算, 2207 结算, 2208 撤销, 5206 年度累计查询, and the test-only T001
(create/reset a test person), T002 (monthly account credit), T003 (account-use
check). Whatever goes wrong becomes a `SutError` of a named kind with the
request and response kept as evidence; after `consecutive_failures` calls in a
row that got no HTTP answer at all the adapter declares the system unreachable.
One client with a connection pool serves all threads (`concurrency`).
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import time
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from reference.case import CreditRequest, Settlement

from .. import evidence
from ..config import AdapterConfig
from . import wire
from .base import OPERATIONS, Adapter, SettlementRefused, Subject, SutError, SystemUnreachable

OPERATION_INFNO = {"prepare_person": "T001", "presettle": "2206", "settle": "2207", "reverse": "2208",
                   "query_ytd": "5206", "credit_month": "T002", "check_account_use": "T003"}
MSGID_PREFIX = "CONFORM00000"  # stands where the national msgid has the 12-character 定点机构编号
BODY_LIMIT = 4000              # characters of a non-JSON body kept as evidence
ERR_MSG_LIMIT = 500            # characters of err_msg quoted in a refusal's message


def public_url(url: str) -> str:
    """The URL as it may be shown: no user:password, credential-like query values (?token=, ?sign=…) as ***."""
    from ..config import SECRET_QUERY

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
    except ValueError:
        return "(invalid URL)"
    query = "&".join(
        f"{k}=***" if sep and SECRET_QUERY.match(unquote(k)) else f"{k}{sep}{v}"
        for k, sep, v in (pair.partition("=") for pair in parts.query.split("&") if pair))
    return evidence.mask(urlunsplit((parts.scheme, host, parts.path, query, "")))


class HttpAdapter(Adapter):
    name = "http"
    description = "外部结算系统（HTTP，国家医保平台报文风格）"

    def __init__(self, url: str, config: AdapterConfig | None = None, transport: httpx.BaseTransport | None = None):
        """`transport` replaces the network (httpx.MockTransport in tests); normally None."""
        cfg = config or AdapterConfig()
        self._transport = transport
        self.url = url
        self.config = cfg
        self.timeout = cfg.timeout
        self.concurrency = cfg.concurrency
        self.max_failures = cfg.consecutive_failures
        self.supports = cfg.supports if cfg.supports is not None else frozenset(OPERATIONS)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._failures = 0
        self._unreachable: str | None = None
        self._msg_seq = itertools.count(1)
        self._setl_ids: dict[tuple[str, str], str] = {}   # (psn_no, mdtrt_id) → the system's setl_id
        self._admdvs: dict[str, str] = {}                 # psn_no → 参保地医保区划

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        with self._lock:
            if self._client is None:
                limits = httpx.Limits(max_connections=max(self.concurrency, 1) * 2,
                                      max_keepalive_connections=max(self.concurrency, 1) * 2)
                self._client = httpx.Client(timeout=self.timeout, limits=limits, transport=self._transport,
                                            headers={"Content-Type": "application/json; charset=utf-8",
                                                     **self.config.headers})

    def stop(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def describe(self) -> dict:
        return {"adapter": self.name, "system": public_url(self.url), "supports": sorted(self.supports),
                "timeout_s": self.timeout, "concurrency": self.concurrency,
                "consecutive_failures": self.max_failures, "headers": sorted(self.config.headers)}

    @property
    def unreachable(self) -> str | None:
        """Why the system was declared unreachable, or None."""
        return self._unreachable

    # ------------------------------------------------------------------ transport
    def _msgid(self) -> str:
        n = next(self._msg_seq) % 10000
        return f"{MSGID_PREFIX}{dt.datetime.now():%Y%m%d%H%M%S}{n:04d}"

    def _connection_failed(self, kind: str, message: str, entry: dict) -> SutError:
        with self._lock:
            self._failures += 1
            count = self._failures
            if count >= self.max_failures and self._unreachable is None:
                self._unreachable = (f"system unreachable: {count} consecutive connection failures "
                                     f"(last: {message}) at {public_url(self.url)}")
        if self._unreachable is not None:
            return SystemUnreachable(self._unreachable, entry)
        return SutError(kind, message, entry)

    def call(self, infno: str, data: dict, psn_no: str | None = None) -> tuple[dict, dict]:
        """One exchange; returns `output` (a dict) and its evidence, or raises SutError / SettlementRefused."""
        if self._unreachable is not None:
            raise SystemUnreachable(self._unreachable)
        if self._client is None:
            self.start()
        assert self._client is not None
        envelope = {"infno": infno, "msgid": self._msgid(),
                    "insuplc_admdvs": self.config.insuplc_admdvs or self._admdvs.get(psn_no or "", ""),
                    "inf_time": f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}", "input": {"data": data}}
        op = f"{infno} {wire.TRANSACTIONS.get(infno, '')}".strip()
        started = time.perf_counter()
        base = {"url": public_url(self.url), "infno": infno}

        def keep(response: Any, **extra: Any) -> dict:
            meta = {**base, "elapsed_ms": round((time.perf_counter() - started) * 1000, 1), **extra}
            evidence.record(op, envelope, response, **meta)
            return evidence.mask({"operation": op, "request": envelope, "response": response, **meta})

        try:
            resp = self._client.post(self.url, content=json.dumps(envelope, ensure_ascii=False).encode("utf-8"))
        except httpx.TimeoutException as e:
            kind = "connection" if isinstance(e, httpx.ConnectTimeout) else "timeout"
            msg = (f"{infno}: no answer within {self.timeout:g} s ({type(e).__name__})" if kind == "timeout"
                   else f"{infno}: could not connect within {self.timeout:g} s")
            raise self._connection_failed(kind, msg, keep(None, error=msg)) from None
        except httpx.TransportError as e:
            what = "connection refused" if isinstance(e, httpx.ConnectError) else "connection dropped"
            msg = evidence.mask(f"{infno}: {what} ({type(e).__name__}: {e})")
            raise self._connection_failed("connection", msg, keep(None, error=msg)) from None
        with self._lock:
            self._failures = 0
        body = resp.text
        if resp.status_code != 200:
            msg = f"{infno}: HTTP {resp.status_code} {resp.reason_phrase}"
            raise SutError("http_status", msg, keep(body[:BODY_LIMIT], http_status=resp.status_code, error=msg))
        try:
            answer = json.loads(body)
        except ValueError as e:
            msg = f"{infno}: the answer is not JSON ({e})"
            raise SutError("malformed", msg, keep(body[:BODY_LIMIT], http_status=200, error=msg)) from None
        entry = keep(answer, http_status=200)
        if not isinstance(answer, dict):
            raise SutError("malformed", f"{infno}: the answer is not a JSON object", entry)
        if "infcode" not in answer:
            raise SutError("missing_field", f"{infno}: infcode: missing", entry)
        code = answer["infcode"]
        if isinstance(code, bool) or not isinstance(code, (int, str)) or not str(code).lstrip("-").isdigit():
            raise SutError("wrong_type", f"{infno}: infcode: expected an integer, got {code!r}"[:300], entry)
        if int(code) != 0:
            err = answer.get("err_msg")
            err = err[:ERR_MSG_LIMIT] if isinstance(err, str) else "(no err_msg)"
            raise SettlementRefused(evidence.mask(f"{infno}: infcode {code}: {err}"), entry)
        output = answer.get("output")
        if output is None:
            raise SutError("missing_field", f"{infno}: output: missing", entry)
        if not isinstance(output, dict):
            raise SutError("wrong_type", f"{infno}: output: expected an object, got {type(output).__name__}", entry)
        return output, entry

    @staticmethod
    def _checked(infno: str, answer: tuple[dict, dict], read: Any, *args: Any) -> dict:
        output, entry = answer
        try:
            return read(output, *args)
        except wire.WireError as e:
            raise SutError(e.kind, evidence.mask(f"{infno}: {e}"), entry) from None

    # ------------------------------------------------------------------ operations
    def prepare_person(self, subject: Subject) -> None:
        self.require("prepare_person")
        psn_no = subject.person.psn_no
        self._admdvs[psn_no] = wire.ADMDVS.get(subject.policy, "")
        with self._lock:
            for key in [k for k in self._setl_ids if k[0] == psn_no]:
                del self._setl_ids[key]
        self.call("T001", wire.person_to_wire(subject), psn_no)

    def _settle(self, infno: str, psn_no: str, s: Settlement) -> dict:
        out = self.call(infno, wire.settlement_to_wire(psn_no, s), psn_no)
        info = self._checked(infno, out, wire.read_setlinfo, infno)
        if infno == "2207":
            with self._lock:
                self._setl_ids[(psn_no, s.id)] = info["setl_id"]
        return info

    def presettle(self, psn_no: str, settlement: Settlement) -> dict:
        self.require("presettle")
        return self._settle("2206", psn_no, settlement)

    def settle(self, psn_no: str, settlement: Settlement) -> dict:
        self.require("settle")
        return self._settle("2207", psn_no, settlement)

    def reverse(self, psn_no: str, setl_id: str) -> dict:
        """Reverse the settlement the scenario calls `setl_id` (its mdtrt_id) by the system's own setl_id."""
        self.require("reverse")
        with self._lock:
            system_id = self._setl_ids.get((psn_no, setl_id), setl_id)
        out = self.call("2208", wire.reversal_to_wire(psn_no, system_id, setl_id), psn_no)
        return self._checked("2208", out, wire.read_setlinfo, "2208")

    def query_ytd(self, psn_no: str, year: int) -> dict:
        self.require("query_ytd")
        out = self.call("5206", wire.ytd_query_to_wire(psn_no, year), psn_no)
        return self._checked("5206", out, wire.read_cuminfo, year)

    def credit_month(self, psn_no: str, request: CreditRequest) -> dict:
        self.require("credit_month")
        out = self.call("T002", wire.credit_to_wire(psn_no, request), psn_no)
        return self._checked("T002", out, wire.read_credit)

    def check_account_use(self, psn_no: str, relation: str, purpose: str, amount: str | None = None) -> dict:
        self.require("check_account_use")
        out = self.call("T003", wire.use_to_wire(psn_no, relation, purpose, amount), psn_no)
        return self._checked("T003", out, wire.read_use)
