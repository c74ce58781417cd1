"""The `platform` adapter: a system speaking the national platform's own messages.

One visit is 2201 门诊挂号 (the system issues `mdtrt_id`) → 2203 就诊信息上传 →
2204 费用明细上传 (fee lines from the test catalogue, under a `chrg_bchno`; the
answer's `result[]` is checked line by line) → 2206 门诊预结算 → 2207 门诊结算
carrying the split of the 2206 answer (as a HIS copies it) → 2208 with the
system's own `setl_id`, under the settling visit's institution and 就医地;
5206 answers `cuminfo` rows. An optional 9001 sign-in
opens the run and its `sign_no` goes into every envelope. Every exchange goes
through the `http` adapter's transport (conform/harness/adapters/http.py); answers are
decoded exactly and validated against docs/openapi.yaml before they are read.
"""
from __future__ import annotations

import copy
import datetime as dt
import itertools
import re
import sys
import threading
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import httpx

from conform.reference.case import CreditRequest, Settlement

from ... import evidence
from ...config import AdapterConfig
from .. import wire
from ..base import (BALANCE_UNASKED, Adapter, SettlementRefused, Subject, SutError, SystemUnreachable,
                    echo_mismatches)
from ..http import (EVIDENCE_BODY_LIMIT, AnswerError, HttpAdapter, about_mismatches, deadline_transport, parse_json,
                    public_url, tls_for)
from .. import schema
from . import amounts, messages
from .config import TRANSACTIONS, VISIT_INFO, PlatformConfig
from .fees import CannotCompose, compose
from .pool import Inapplicable, Occupant, Settled, Shift, dated_facts, describe_need, matches

ZERO = Decimal("0.00")
# what a gateway's own JSON (no infcode) says for itself, quoted in its error (s29 probeP2 F5)
GATEWAY_WORDS = ("code", "status", "msg", "message", "error", "err_msg", "success")
SIGN_IN_WORD = "签到"   # an err_msg naming it refuses a message for its sign-in (签到信息已失效，请重新签到)
FACILITY_LEVELS = ("tertiary", "secondary", "primary", "unrated", "pharmacy")  # the levels a visit is drawn at
# Transactions that only prepare a visit (they settle nothing): a refusal of one is the test environment's or the
# configuration's, never the settlement's refusal (docs/connect-your-system.md §8.1). What to check for each:
PREPARATORY = {
    "2201": "the person (the pool entry's psn_no / mdtrt_cert_no / insuplc_admdvs, or the person T001 made) and the "
            "visit's institution ([adapter.platform.facilities] fixmedins_code) are known to the test environment",
    "2203": "the visit's med_type ([adapter.platform] med_type) and diagnosis (diag_code, the scenario's dise_codg) "
            "are accepted by the test environment",
    "2203A": "the visit's med_type ([adapter.platform] med_type) and diagnosis (diag_code, the scenario's dise_codg) "
             "are accepted by the test environment",
    "2204": "the [[adapter.platform.catalogue]] items sent (med_list_codg, medins_list_codg) are in the test "
            "environment's catalogue and the person may be charged for them",
}


_STAMP_LOCK = threading.Lock()
_last_stamp = [dt.datetime.min]


def _run_stamp() -> str:
    """The adapter's start to the millisecond, yyMMddHHmmssSSS (15 characters): "CF" + it + a 6-digit visit sequence
    is 2201's ipt_otp_no (23 of the field's 30), so a second run against the same test environment registers no
    门诊号 the first did (the sequence alone restarted at 1 each run). Two adapters of one process never share one."""
    with _STAMP_LOCK:
        now = max(dt.datetime.now(), _last_stamp[0] + dt.timedelta(milliseconds=1))
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        _last_stamp[0] = now
    return f"{now:%y%m%d%H%M%S}{now.microsecond // 1000:03d}"


def _plain(obj: Any) -> Any:
    """JSON-ready evidence: Decimals as their exact digits ("500.00": a JSON number in the report would read 500.0;
    docs/connect-your-system.md §8.1 says the wire carries it as a number)."""
    if isinstance(obj, Decimal):
        return format(obj, "f")
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def _exact(raw: bytes | None) -> Any | None:
    """The answer with its amounts as exact Decimals, or None unless the http profile accepts it as JSON
    (parse_json: depth, duplicates, NaN, lone surrogates) and keeps it whole as evidence."""
    if not raw or len(raw) > EVIDENCE_BODY_LIMIT:
        return None
    try:
        parse_json(raw)
        return amounts.decode(raw)
    except (AnswerError, ValueError, RecursionError):
        return None


@dataclass(frozen=True)
class _Sent2207:
    """A visit's last 2207 as it went: its input and envelope, to be sent again unchanged (settle_again)."""

    input: dict
    call: dict
    med_type: str
    mdtrt_id: str


class _Scenario:
    """What the adapter knows of one scenario's person."""

    def __init__(self, subject: Subject, system_psn: str, cert_no: str, insuplc: str, today: dt.date,
                 occupant: Occupant | None, shift: bool):
        self.subject, self.system_psn, self.cert_no, self.insuplc = subject, system_psn, cert_no, insuplc
        self.occupant = occupant
        self.shift: Shift | None = Shift(today) if shift else None
        if self.shift is not None:
            self.shift.begin(subject)
        self.settled: dict[str, Settled] = {}   # scenario id → its 2207
        self.reversed: dict[str, Settled] = {}  # scenario id → its 2207, reversed (a second 2208 is sent again)
        self.sent: dict[str, _Sent2207] = {}    # scenario id → its last 2207 request (settle_again resends it)


class PlatformAdapter(Adapter):
    name = "platform"
    description = "外部结算系统（国家医保平台接口 2201–2208/5206）"
    # the 2207 setlinfo's optional figures (one definition, messages.SETLINFO_OPTIONAL): an answer that
    # leaves one out is checked on its other figures
    optional_figures = frozenset(messages.SETLINFO_OPTIONAL)

    def __init__(self, url: str, config: AdapterConfig | None = None, inner: httpx.BaseTransport | None = None):
        """`inner` replaces the network under the platform envelope (tests); normally None."""
        cfg = config or AdapterConfig()
        self.config = cfg
        self.pc: PlatformConfig = cfg.platform if isinstance(cfg.platform, PlatformConfig) else PlatformConfig()
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
        # every socket read and write bounded by the exchange's deadline (HttpAdapter.call): httpx's own
        # timeout is per read, so an answer dripped a byte at a time would never time out; [adapter] ca_file …
        self.transport = PlatformTransport(inner or deadline_transport(limits, tls_for(cfg)),
                                           limit=cfg.max_response_bytes)
        self.http = HttpAdapter(url, cfg, transport=self.transport)
        self.http.refmsgid_echo = False   # the platform's inf_refmsgid is its own 接收方报文ID, not an echo of msgid
        self.url = url
        self.concurrency = 1   # pool persons, sign-in and evidence are per run, not per thread
        ops = {"prepare_person"}
        tx = self.pc.transactions
        ops |= {op for op, no in (("presettle", "2206"), ("settle", "2207"), ("reverse", "2208")) if no in tx}
        if "5206" in tx and self.pc.cum_type_code:
            ops.add("query_ytd")
        if "account_credit" in self.pc.hooks:
            ops.add("credit_month")
        if "account_use" in self.pc.hooks:
            ops.add("check_account_use")
        if cfg.supports is not None:
            ops &= set(cfg.supports)
        self.supports = frozenset(ops)
        self._lock = threading.RLock()
        self._sign_no: str | None = None
        self._sign_refused: SutError | None = None   # a refused sign-in: not tried again in this run
        self._seq = itertools.count(1)
        self._run_stamp = _run_stamp()   # in each 2201's 门诊号 (ipt_otp_no), unique across runs
        self._scenarios: dict[str, _Scenario] = {}
        self._occupants = {p.psn_no: Occupant(p) for p in self.pc.pool}
        self.unrestored: dict[str, str] = {}   # pool persons stop() could not leave as found: psn_no → why

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self.http.start()

    def stop(self) -> None:
        """Leave the pool as it was found. No check is running any more, so a restore that fails here can be
        no check's error: each pool person is tried on its own, nothing is raised, and what could not be
        restored (a refused or failed 2208, totals not back) is kept in `unrestored` and said on stderr,
        with the system's setl_ids still settled, for the operator to reverse by hand."""
        try:
            for occ in self._occupants.values():
                try:
                    if occ.pending() and occ.dirty is None:
                        self._restore(occ)
                except Exception as e:  # noqa: BLE001 - a SutError, or anything else: the run is over either way
                    why = e.message if isinstance(e, SutError) else f"{type(e).__name__}: {e}"
                    occ.dirty = occ.dirty or f"restoring at the end of the run failed ({why})"
                if occ.dirty is not None:
                    left = ", ".join(d.setl_id for d in occ.leftovers) or "none"
                    self.unrestored[occ.entry.psn_no] = evidence.mask(
                        f"{occ.entry.psn_no}: {occ.dirty}; settlements still standing (setl_id): {left}")
            if self.unrestored:
                print(evidence.shorten("conform: warning: pool persons not restored to their opening totals: "
                                       + "; ".join(self.unrestored.values()), 2000), file=sys.stderr)
        finally:
            self.http.stop()

    def describe(self) -> dict:
        return {"adapter": self.name, "system": public_url(self.url), "supports": sorted(self.supports),
                "profile": "platform", "transactions": sorted(self.pc.transactions), "hooks": sorted(self.pc.hooks),
                "pool": len(self.pc.pool), "timeout_s": self.config.timeout, "sign_in": self.pc.sign_in,
                "fixmedins_code": self.pc.fixmedins_code,
                # what the configuration leaves out: the certification record says a 合格 does not cover it
                "not_sendable": self.unsendable(),
                "transactions_left_out": sorted(t for t in set(TRANSACTIONS) - set(self.pc.transactions)
                                                if not (t in VISIT_INFO and self.pc.visit_info is not None))}

    def unsendable(self) -> dict[str, str]:
        """A remote visit without `remote_mdtrtarea_admvs` (no 就医地 to name), an exclusion without its test hook (the
        platform's messages cannot say one), a facility level without a test institution: the properties draw none of
        them (Adapter.unsendable)."""
        out = {}
        if not self.pc.remote_mdtrtarea_admvs:
            out["remote"] = "异地就医 a remote visit needs remote_mdtrtarea_admvs in [adapter.platform]"
        if "exclusion" not in self.pc.hooks:
            out["exclusion"] = ("不予支付情形 a visit the fund does not pay by rule (exclusion) cannot be said in the "
                                "platform's messages without the exclusion test hook")
        for level in FACILITY_LEVELS:
            if level not in self.pc.facilities:
                out[f"facility:{level}"] = (f"没有配置该级别的定点机构 no fixmedins_code configured for facility level "
                                            f"{level!r} ([adapter.platform.facilities])")
        return out

    @property
    def unreachable(self) -> str | None:
        return self.http.unreachable

    def today(self) -> dt.date:
        return dt.date.today()

    # ------------------------------------------------------------------ exchanges
    def _na(self, reason: str) -> Inapplicable:
        return Inapplicable(self.name, reason)

    def _header(self, insuplc: str, remote: bool = False, fixmedins: tuple[str, str] | None = None) -> dict:
        pc = self.pc
        area = pc.remote_mdtrtarea_admvs if remote else (pc.mdtrtarea_admvs or insuplc)
        code, name = fixmedins or (pc.fixmedins_code, pc.fixmedins_name)
        return {"mdtrtarea_admvs": area or "", "insuplc_admdvs": insuplc, "recer_sys_code": pc.recer_sys_code,
                "dev_no": pc.dev_no, "dev_safe_info": "", "cainfo": "", "signtype": pc.signtype, "infver": pc.infver,
                "opter_type": pc.opter_type, "opter": pc.opter, "opter_name": pc.opter_name,
                "fixmedins_code": code, "fixmedins_name": name, "sign_no": self._sign_no or ""}

    def _patch_evidence(self, entry: dict | None) -> None:
        """Evidence shows what went over the wire: the platform envelope and the exactly decoded answer.

        Only an answer the http profile accepted as JSON and kept whole is decoded again (exactly); any
        other keeps what the http profile made of it (bounded, masked, no lone surrogate), so a hostile
        answer cannot reach the reports unchecked or recurse here."""
        sent, raw = self.transport.taken()
        if sent is None:
            return
        answer = _exact(raw)
        patch = {"request": evidence.mask(_plain(sent))}
        if answer is not None:
            patch["response"] = evidence.mask(_plain(answer))
        if entry is not None:
            entry.update(patch)
        # the entry HttpAdapter.call just recorded, alone: recording the check's whole list again after each
        # exchange made a property example's cost grow with the square of its exchanges (rplat, s9)
        evidence.amend_last(**patch)

    def exchange(self, infno: str, input_: dict, insuplc: str = "", remote: bool = False,
                 fixmedins: tuple[str, str] | None = None) -> tuple[dict, dict]:
        """One platform exchange: its `output` (amounts as Decimal) and its evidence entry.

        Sign-in (9001), when configured, opens the run. A refusal that says the sign-in lapsed (its err_msg
        names 签到, e.g. "签到信息已失效，请重新签到") signs in again, once, and sends the message again; a
        second such refusal right after a fresh sign-in, or a refused 9001, ends signing in for the run:
        every later exchange is an error citing that refusal, unsent (a platform may lock an operator
        account that keeps signing in and failing)."""
        if self.pc.sign_in and infno != "9001":
            if self._sign_refused is not None:
                first = self._sign_refused
                raise SutError(first.kind, f"{infno} not sent: signing in was refused earlier in the run and is not "
                                           f"tried again — {first.message}", first.evidence)
            if self._sign_no is None:
                self.sign_in(insuplc)
        try:
            return self._exchange(infno, input_, insuplc, remote, fixmedins)
        except SettlementRefused as e:
            if not (self.pc.sign_in and infno != "9001" and SIGN_IN_WORD in e.message):
                raise
            refused = e
        with self._lock:
            self._sign_no = None
            self.sign_in(insuplc)               # raises, and ends signing in, if the platform refuses it
        try:
            return self._exchange(infno, input_, insuplc, remote, fixmedins)
        except SettlementRefused as e:
            if SIGN_IN_WORD not in e.message:
                raise
            self._sign_refused = SutError("infcode", evidence.mask(
                f"{infno} refused for its sign-in right after a fresh 9001 签到 ({e.message}; before it: "
                f"{refused.message})"), e.evidence)
            raise self._sign_refused from None

    def _exchange(self, infno: str, input_: dict, insuplc: str, remote: bool,
                  fixmedins: tuple[str, str] | None) -> tuple[dict, dict]:
        header = self._header(insuplc, remote, fixmedins)
        self.transport.prepare(header, input_)
        try:   # msgid: 定点医药机构编号 + yyyyMMddHHmmss + sequence, the institution of this envelope
            _, entry = self.http.call(infno, {}, msgid_prefix=header["fixmedins_code"])
        except SutError as e:
            self._patch_evidence(e.evidence)
            said = self._what_arrived(infno, e) if type(e) is SutError else None
            if said is not None:
                raise SutError(e.kind, evidence.mask(said), e.evidence) from None
            raise
        self._patch_evidence(entry)
        _, raw = self.transport.taken()
        try:
            output = amounts.decode(raw or b"{}").get("output")
        except (ValueError, RecursionError) as e:   # the http transport accepted it; exact decoding did not
            raise SutError("malformed", evidence.shorten(f"{infno}: the answer cannot be read exactly "
                                                         f"({type(e).__name__}: {e})", 300), entry) from None
        output = wire.nulls_absent(output)
        if infno in messages.OUTPUT_UNREAD and output in (None, ""):
            output = {}   # the harness reads nothing from it: no output (2203 has none in the spec) is no error
        try:
            output = messages.spell_cash(infno, output)
        except wire.WireError as e:
            raise SutError(e.kind, evidence.mask(f"{infno}: {e}"), entry) from None
        component = schema.output_component("platform", infno)
        bad = schema.validate(component, output) if component else None
        if bad is not None:
            kind, path, message = bad
            raise SutError(kind, evidence.shorten(f"{infno}: {path}: {message}", 300), entry)
        return output, entry

    def _what_arrived(self, infno: str, e: SutError) -> str | None:
        """A clearer line for an answer that is not the platform's envelope, saying what arrived (s29 probeP2 F5): an
        HTML page (a gateway's error page sent with HTTP 200), a JSON answer without infcode (a gateway's own
        envelope, its words quoted), `output` sent as JSON text (encoded twice). None: the http profile's line
        stands."""
        _, raw = self.transport.taken()
        if not raw:
            return None
        if e.message.startswith(f"{infno}: the answer is not JSON"):
            head = raw[:2048].lstrip().lower()
            ctype = self.transport.content_type()
            if not (head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<title"))
                    or b"<html" in head or "html" in ctype.lower()):
                return None
            text = raw[:4096].decode("utf-8", "replace")
            title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
            title_said = f", titled {evidence.quote(' '.join(title.group(1).split()), 100)}" if title else ""
            return (f"{infno}: an HTML page, not the platform's JSON: a gateway's error page? (Content-Type "
                    f"{evidence.quote(ctype or '(none)', 60)}{title_said}; first bytes "
                    f"{evidence.quote(' '.join(text[:120].split()), 160)})")
        answer = _exact(raw)
        if not isinstance(answer, dict):
            return None
        if e.message == f"{infno}: infcode: missing":
            words = [f"{k} {evidence.quote(answer[k], 100) if isinstance(answer[k], str) else _plain(answer[k])}"
                     for k in GATEWAY_WORDS if isinstance(answer.get(k), (str, int, Decimal))]
            keys = ", ".join(evidence.shorten(str(k), 30) for k in list(answer)[:8]) or "none"
            return (f"{infno}: infcode: missing — the answer is JSON but not the platform's envelope (a gateway's own "
                    f"answer?): its keys {keys}" + (f"; it says {', '.join(words)}" if words else ""))
        output = answer.get("output")
        if e.message.startswith(f"{infno}: output: expected an object") and isinstance(output, str):
            try:
                inner = parse_json(output.encode("utf-8"))
            except (AnswerError, UnicodeEncodeError):
                inner = None
            if isinstance(inner, dict):
                return (f"{infno}: output is JSON text holding an object, not the object (some gateways encode it "
                        f"twice): send the object itself (docs/connect-your-system.md §8.1)")
            return f"{infno}: output: expected an object, got text {evidence.quote(output, 80)}"
        return None

    def _prepare(self, infno: str, input_: dict, **call: Any) -> tuple[dict, dict]:
        """A preparatory exchange (2201/2203/2204). Its refusal settles nothing, so it is no refusal a step may
        judge as the settlement's (a 不合格 naming the article, or the refusal a validity scenario expects): it
        is the system's error (kind infcode, exit 3), as a refused 9001 is, saying what to check."""
        try:
            return self.exchange(infno, input_, **call)
        except SettlementRefused as e:
            raise SutError("infcode", evidence.mask(
                f"{infno} {TRANSACTIONS[infno]}被拒绝 refused before any settlement was sent (a test environment or "
                f"conform.toml mismatch, not a finding on the rules): {e.message} — check that {PREPARATORY[infno]} "
                f"(docs/connect-your-system.md §8.1)"), e.evidence) from None

    def _reached(self, infno: str, input_: dict, e: SutError) -> bool:
        """Whether a failed exchange may have been carried out: it went out (not held back by a refused sign-in) and
        met no connection failure (nothing reached the system: SystemUnreachable, kind connection). An answer that
        could not be read, or a timeout, may follow a reversal that was made."""
        if isinstance(e, SystemUnreachable) or e.kind == "connection":
            return False
        sent, _ = self.transport.taken()
        return isinstance(sent, dict) and sent.get("infno") == infno and sent.get("input") == input_

    @staticmethod
    def _read(infno: str, entry: dict, read: Any, *args: Any) -> Any:
        try:
            return read(*args)
        except wire.WireError as e:
            raise SutError(e.kind, evidence.mask(f"{infno}: {e}"), entry) from None

    def sign_in(self, insuplc: str = "") -> str:
        """9001 签到: the sign_no every later envelope carries. A refused 9001 is the system's error (never a
        SettlementRefused a scenario expecting a refusal could take for its own) and is not sent again.

        `insuplc`: the 参保地 of the message that needs the sign-in; the 9001 envelope carries it and its 就医地
        (mdtrtarea_admvs, default that 参保地) as that message's envelope does, never empty ones (the gateway routes
        on 就医地). Without it: [adapter] insuplc_admdvs."""
        with self._lock:
            try:
                output, entry = self.exchange("9001", messages.sign_in(self.pc),
                                              insuplc or self.config.insuplc_admdvs or "")
            except SettlementRefused as e:
                self._sign_refused = SutError("infcode", evidence.mask(f"9001 签到 refused: {e.message}"), e.evidence)
                raise self._sign_refused from None
            self._sign_no = self._read("9001", entry, messages.read_sign_no, output)
            return self._sign_no

    # ------------------------------------------------------------------ persons
    def _scenario(self, psn_no: str) -> _Scenario:
        st = self._scenarios.get(psn_no)
        if st is None:
            raise SutError("internal", f"person {psn_no!r} was not prepared")
        if st.occupant is not None and st.occupant.held_by == psn_no:
            st.occupant.held_by = None   # used: from now on it is restored (2208, 5206) before it is handed out again
        return st

    def prepare_person(self, subject: Subject) -> None:
        self.require("prepare_person")
        person = subject.person
        shift = "settle_as_of" not in self.pc.hooks
        if shift and dated_facts(person):
            raise self._na(f"参保人事实依赖日期 the scenario's person has {', '.join(dated_facts(person))}, which hold "
                           f"only at their dates; the system settles today without the settle_as_of test hook")
        insuplc = self.config.insuplc_admdvs or wire.admdvs(subject.policy, subject.region, subject.params)
        if "person_reset" in self.pc.hooks:
            sent = subject
            if shift and person.ytd is not None:
                ytd = person.ytd.clone()
                ytd.year = self.today().year
                sent = replace(subject, person=replace(person, ytd=ytd))
            self.exchange("T001", {"data": wire.person_to_wire(sent)}, insuplc)
            self._scenarios[person.psn_no] = _Scenario(subject, person.psn_no, person.psn_no, insuplc, self.today(),
                                                       None, shift)
            return
        for occ in self._occupants.values():   # this person prepared again: its earlier scenario is over
            if occ.held_by == person.psn_no:
                occ.held_by = None
        st = self._take_from_pool(subject, shift)
        st.occupant.held_by = person.psn_no   # type: ignore[union-attr] - a pool scenario always has one
        self._scenarios[person.psn_no] = st

    def _take_from_pool(self, subject: Subject, shift: bool) -> _Scenario:
        candidates = [o for o in self._occupants.values() if matches(o.entry, subject)]
        if not candidates:
            raise self._na(f"测试人员池中没有匹配的人员 no pool person matches ({describe_need(subject)}); without the "
                           f"person_reset test hook the harness can only use [[adapter.platform.pool]] persons")
        reasons = []
        for occ in candidates:
            if occ.held_by is not None:
                # prepared for another person and not used yet: that person's scenario is still open (persons_apart
                # prepares two before settling either), so handing it out again would make the two one person
                reasons.append(f"{occ.entry.psn_no}: already taken by person {occ.held_by}, prepared before this "
                               f"one and not used yet (two persons of one check cannot share one pool person)")
                continue
            if occ.dirty is None and occ.pending():
                self._restore(occ)
                if occ.failure is not None:   # the check that saw the system fail the restore is its error
                    raise occ.failure
            if occ.dirty is not None:
                if occ.failure is None:
                    reasons.append(f"{occ.entry.psn_no}: {occ.dirty}")
                continue
            insuplc = (occ.entry.insuplc_admdvs or self.config.insuplc_admdvs
                       or wire.admdvs(subject.policy, subject.region, subject.params))
            st = _Scenario(subject, occ.entry.psn_no, occ.entry.mdtrt_cert_no or occ.entry.psn_no, insuplc,
                           self.today(), occ, shift)
            opening = self._opening(occ, st)
            want = self._wanted_opening(subject)
            if opening is not None and opening != want:
                reasons.append(f"{occ.entry.psn_no}: 5206 gives opening totals {self._short(opening)}, the scenario "
                               f"needs {self._short(want)}")
                continue
            if opening is None and want != self._wanted_opening(replace(subject, person=replace(subject.person,
                                                                                                 ytd=None))):
                reasons.append(f"{occ.entry.psn_no}: the scenario needs opening totals and 5206 is not available")
                continue
            return st
        failed = [occ.failure for occ in candidates if occ.failure is not None]
        if failed:
            # The system's own fault, not a limit of the pool: it refused a reversal, or a reversal it accepted
            # did not undo the settlement. Every scenario left without a person by it is an error naming it.
            first = failed[0]
            raise SutError(first.kind, f"no pool person the scenario can use: the system failed to restore "
                                       f"{', '.join(o.entry.psn_no for o in candidates if o.failure is not None)} "
                                       f"earlier in the run — " + first.message
                           + (f" (the other pool persons: {'; '.join(reasons)})" if reasons else ""), first.evidence)
        if all(occ.held_by is not None for occ in candidates):
            raise self._na("测试人员池中没有另一名匹配的人员 no other pool person matches while the check's earlier person "
                           "holds the matching one; without the person_reset test hook each person of a check needs a "
                           "pool person of its own: " + "; ".join(reasons))
        raise self._na("无法确立期初累计 cannot establish the opening totals without the person_reset test hook: "
                       + "; ".join(reasons))

    @staticmethod
    def _short(totals: dict) -> str:
        return ", ".join(f"{k}={v}" for k, v in totals.items() if v not in ("0.00", {}))  or "all zero"

    def _wanted_opening(self, subject: Subject) -> dict:
        y = subject.person.ytd
        out = {"ordinary_dedc": "0.00", "ordinary_pay": "0.00", "inpatient_pay": "0.00", "special_dedc": "0.00"}
        if y is not None:
            out.update({k: amounts.text(getattr(y, k)) for k in out})
        return {k: out[k] for k in self._mapped_totals()}

    def _mapped_totals(self) -> list[str]:
        return [t for t in ("ordinary_dedc", "ordinary_pay", "inpatient_pay", "special_dedc")
                if t in self.pc.cum_type_code.values()]

    def _totals(self, st_insuplc: str, psn: str) -> dict | None:
        """This year's totals of a system person by 5206 (mapped ones only), or None without 5206."""
        if "query_ytd" not in self.supports:
            return None
        year = self.today().year
        cum_ym = f"{year}{self.today().month:02d}"
        output, entry = self.exchange("5206", messages.cum_query(psn, cum_ym), st_insuplc)
        got = self._read("5206", entry, messages.read_cuminfo, output, year, self.pc, cum_ym)
        return {k: got[k] for k in self._mapped_totals()}

    def _opening(self, occ: Occupant, st: _Scenario) -> dict | None:
        totals, occ.checked = (occ.checked, None) if occ.checked is not None else (
            self._totals(st.insuplc, st.system_psn), None)
        if occ.opening is None:
            occ.opening = totals
        return totals

    def _restore(self, occ: Occupant) -> None:
        """Reverse what the last scenario left settled on a pool person, then check 5206 is back to its opening."""
        insuplc = (occ.entry.insuplc_admdvs or self.config.insuplc_admdvs
                   or wire.admdvs(occ.entry.policy, occ.entry.region, occ.entry.params))
        psn = occ.entry.psn_no
        for done in list(occ.leftovers):   # each by the institution that settled it (本机构)
            input_ = messages.reverse(psn, done.setl_id, done.mdtrt_id)
            try:
                self.exchange("2208", input_, **done.envelope())
            except SettlementRefused as e:
                occ.dirty = f"2208 refused while restoring ({e.message})"
                # an error of the system, as any refusal it was not asked for (kind infcode), never a reason to
                # call the scenarios that would have used the person 'not applicable'
                occ.failure = SutError("infcode", evidence.mask(
                    f"2208 门诊结算撤销 refused: the system would not reverse settlement {done.setl_id} of pool person "
                    f"{psn} (restoring the person before its next scenario): {e.message}"), e.evidence)
                return
            except SutError as e:
                if not self._reached("2208", input_, e):
                    raise
                # reversed or not, its answer could not be read: not sent again (the system would rightly refuse a
                # second reversal of a reversed settlement); 5206 below tells whether it was made (as for a 2207)
                occ.unread_reversals.append((done, e))
            occ.leftovers.remove(done)
        unread, occ.unread = occ.unread, None
        unread_reversals, occ.unread_reversals = occ.unread_reversals, []
        totals = occ.checked = self._totals(insuplc, psn)
        if totals is not None and occ.opening is not None and totals != occ.opening:
            occ.dirty = (f"after reversing its settlements 5206 gives {self._short(totals)}, "
                         f"not the opening {self._short(occ.opening)}")
            found = ", ".join(f"{k}={v}" for k, v in totals.items())
            opening = ", ".join(f"{k}={v}" for k, v in occ.opening.items())
            if unread is not None:  # it settled a visit whose answer gave no setl_id to reverse it by
                occ.failure = SutError(unread.kind, evidence.mask(
                    f"pool person {psn} cannot be restored: 5206 gives {found}, not the opening {opening}, after a "
                    f"2207 whose answer could not be read, so the system settled a visit without a setl_id to reverse "
                    f"— {unread.message}"), unread.evidence)
                return
            if unread_reversals:   # a 2208 it may not have made, its answer unreadable
                ids = ", ".join(d.setl_id for d, _ in unread_reversals)
                first = unread_reversals[0][1]
                occ.failure = SutError(first.kind, evidence.mask(
                    f"pool person {psn} cannot be restored: 5206 gives {found}, not the opening {opening}, after a "
                    f"2208 门诊结算撤销 of settlement {ids} whose answer could not be read (not sent again: a second "
                    f"2208 of a reversed settlement is refused) — {first.message}"), first.evidence)
                return
            occ.failure = SutError("not_restored", evidence.mask(
                f"2208 门诊结算撤销 did not undo the settlement: after the system accepted the reversal of every "
                f"settlement of pool person {psn}, 5206 gives {found}, not the opening {opening}"))

    # ------------------------------------------------------------------ visits
    def _visit(self, infno: str, psn_no: str, s: Settlement) -> dict:
        st = self._scenario(psn_no)
        pc = self.pc
        if st.shift is not None:
            st.shift.settle(self.name, s, commit=infno == "2207")
        unsendable = self.unsendable()
        if s.exclusion is not None and "exclusion" in unsendable:
            raise self._na(f"{unsendable['exclusion']} (the visit is marked {s.exclusion!r})")
        fixmedins = pc.facilities.get(s.facility)
        if fixmedins is None:
            raise self._na(f"没有配置该级别的定点机构 no fixmedins_code configured for facility level {s.facility!r} "
                           f"([adapter.platform.facilities])")
        if s.remote and "remote" in unsendable:
            raise self._na(unsendable["remote"])
        # by the kind of the visit's disease where the table says one (慢病 / 特病 / 两病 may each have their own)
        kind = next((d.kind for d in st.subject.person.diseases if s.dise_codg and d.dise_codg == s.dise_codg), None)
        med_type = pc.med_type_code(s.med_type, kind)
        when = (dt.datetime.combine(s.date, dt.time(9, 0)) if "settle_as_of" in pc.hooks else dt.datetime.now())
        stamp = messages.now_text(when)
        n = next(self._seq)
        call = {"insuplc": st.insuplc, "remote": s.remote, "fixmedins": fixmedins}
        chrg_bchno = None
        if pc.itemised:
            try:
                lines = compose(s.medfee_sumamt, s.fulamt_ownpay_amt, s.overlmt_selfpay, s.preselfpay_amt,
                                pc.catalogue)
            except CannotCompose as e:
                raise self._na(f"无法用测试目录组成费用明细 cannot compose the fee lines: {e}") from None
            out, entry = self._prepare("2201", messages.register(st.system_psn, st.cert_no, stamp, pc,
                                                                 f"CF{self._run_stamp}{n:06d}"), **call)
            mdtrt_id = self._read("2201", entry, messages.read_mdtrt_id, out)
            if pc.visit_info is not None:   # 2203 or 2203A, whichever the system declares
                self._prepare(pc.visit_info,
                              messages.visit_info(mdtrt_id, st.system_psn, med_type, stamp, s.dise_codg, pc), **call)
            chrg_bchno = f"CB{n:08d}"
            out, entry = self._prepare("2204", messages.fee_details(lines, mdtrt_id, st.system_psn, chrg_bchno,
                                                                    s.dise_codg, stamp, pc), **call)
            got = self._read("2204", entry, messages.read_fee_results, out)
            self._check_fee_results(lines, got, s.id)
            parts = messages.line_parts(lines)
        else:
            mdtrt_id = f"CF{n:08d}{s.id}"[:30]
            parts = messages.scenario_parts(s)
        setl_time = stamp if "settle_as_of" in pc.hooks else None
        if infno == "2207" and pc.itemised and "2206" in pc.transactions:
            # A HIS pre-settles the batch and copies the split of the 2206 answer into its 2207 (the
            # composed lines' sums stand in for a figure the answer leaves out).
            out, entry = self.exchange("2206", messages.settle(s, st.system_psn, st.cert_no, mdtrt_id, chrg_bchno,
                                                               med_type, pc, setl_time), **call)
            pre = self._read("2206", entry, messages.read_settlement, out, "2206", med_type, pc)
            self._check_echo("2206", s, pre, out, st.system_psn, mdtrt_id, med_type, pc)
            parts = {**parts, **self._read("2206", entry, messages.read_parts, out)}
        input_ = messages.settle(s, st.system_psn, st.cert_no, mdtrt_id, chrg_bchno, med_type, pc, setl_time,
                                 parts if infno == "2207" else None)
        if infno == "2207":   # kept as sent, for a repeat of this very request (settle_again, A-SETTLE-ONCE)
            st.sent[s.id] = _Sent2207(copy.deepcopy(input_), dict(call), med_type, mdtrt_id)
        try:
            out, entry = self.exchange(infno, input_, **call)
            info = self._read(infno, entry, messages.read_settlement, out, infno, med_type, pc)
        except SettlementRefused:
            raise   # refused: nothing was settled
        except SutError as e:
            if infno != "2207":
                raise
            named = self._unread_2207(e, st.system_psn, mdtrt_id)
            if st.occupant is not None:
                # settled or not, the answer gave no setl_id: the next restore asks 5206 (_restore)
                st.occupant.unread = named
            if type(e) is SutError:
                raise named from None
            raise
        if infno == "2207":
            done = Settled(info["setl_id"], mdtrt_id, med_type, st.insuplc, s.remote, fixmedins)
            st.settled[s.id] = done
            if st.occupant is not None:
                st.occupant.leftovers.append(done)   # settled whatever its answer says: reversed before reuse
        self._check_echo(infno, s, info, out, st.system_psn, mdtrt_id, med_type, pc)
        return info

    def _unread_2207(self, e: SutError, psn: str, mdtrt_id: str) -> SutError:
        """A 2207 whose answer could not be read, its error naming what a person needs to clean the test environment
        by hand (its msgid for the platform's 2601 冲正交易, which the harness does not send; the visit's mdtrt_id and
        psn_no): the system may have settled it, and no setl_id came back to reverse it by."""
        sent, _ = self.transport.taken()
        msgid = sent.get("msgid") if isinstance(sent, dict) and sent.get("infno") == "2207" else None
        note = (f" [the 2207 that may have settled: msgid {msgid or '(not sent)'}, mdtrt_id {mdtrt_id}, psn_no {psn}; "
                f"no setl_id came back: to undo it by hand, 2601 冲正 by that msgid (omsgid, oinfno 2207)]")
        return SutError(e.kind, evidence.mask(e.message + note), e.evidence)

    @staticmethod
    def _check_echo(infno: str, s: Settlement, info: dict, output: Any, psn: str, mdtrt_id: str, med_type: str,
                    pc: PlatformConfig) -> None:
        """A 2206/2207 answer is about the visit sent: its medfee_sumamt is the total sent, and its setlinfo's
        psn_no, mdtrt_id and insutype, where it gives them, are the ones sent. An answer about another total, person or
        visit is no answer to this one, and its other figures are not compared as if it were (the 2204 result[]
        is held to the lines sent alike: _check_fee_results)."""
        from ...plugin import MismatchError
        from ...results import Mismatch

        item = f"{s.id} {infno}"
        bad = []
        got = info.get("medfee_sumamt")
        if got is not None and Decimal(got) != s.medfee_sumamt:
            bad.append(Mismatch("medfee_sumamt", amounts.text(s.medfee_sumamt), got, item, "医疗费总额（与所发送的不同）"))
        setlinfo = output.get("setlinfo") if isinstance(output, dict) else None
        bad += echo_mismatches(item, setlinfo, {"psn_no": psn, "mdtrt_id": mdtrt_id})
        bad += _insutype_mismatches(item, setlinfo) + _fund_rows_mismatches(item, output, med_type, pc)
        if bad:
            raise MismatchError(bad)

    @staticmethod
    def _check_fee_results(lines: list, got: dict, sid: str) -> None:
        """2204's result[] must give back the parts each composed line was built to yield."""
        from ...plugin import MismatchError
        from ...results import Mismatch

        mismatches = []
        for ln in lines:
            row = got.get(ln.feedetl_sn)
            item = f"{sid} 2204 feedetl_sn {ln.feedetl_sn} ({ln.item.med_list_codg})"
            if row is None:
                mismatches.append(Mismatch("feedetl_sn", ln.feedetl_sn, "(missing from result[])", item, "费用明细"))
                continue
            for name, want, label in (("det_item_fee_sumamt", ln.amount, "明细项目费用总额"),
                                      ("fulamt_ownpay_amt", ln.fulamt_ownpay_amt, "全自费金额"),
                                      ("overlmt_amt", ln.overlmt_amt, "超限价金额"),
                                      ("preselfpay_amt", ln.preselfpay_amt, "先行自付金额"),
                                      ("inscp_scp_amt", ln.inscp_scp_amt, "符合政策范围金额")):
                v = row.get(name)
                if v is None and name == "inscp_scp_amt":
                    continue
                if v != want:
                    mismatches.append(Mismatch(name, amounts.text(want), "(missing)" if v is None else amounts.text(v),
                                               item, label))
        if mismatches:
            raise MismatchError(mismatches)

    def presettle(self, psn_no: str, settlement: Settlement) -> dict:
        self.require("presettle")
        return self._visit("2206", psn_no, settlement)

    def settle(self, psn_no: str, settlement: Settlement) -> dict:
        self.require("settle")
        return self._visit("2207", psn_no, settlement)

    def settle_again(self, psn_no: str, settlement: Settlement) -> dict:
        """Send the visit's last 2207 again exactly as it went (same input: mdtrt_id, chrg_bchno, the figures; same
        envelope; a fresh msgid as every message has), as a HIS retrying after a timeout (A-SETTLE-ONCE): no new
        2201–2206, since `settle` registers a new visit each time. The answer is read as `settle` reads it; a new
        setl_id (the system settled the visit again) is recorded, so the pool person is restored (2208) with the rest
        and the next scenario finds its opening totals."""
        self.require("settle")
        st = self._scenario(psn_no)
        last = st.sent.get(settlement.id)
        if last is None:
            raise SutError("internal", f"no 2207 of settlement {settlement.id!r} in this scenario to send again")
        try:
            out, entry = self.exchange("2207", copy.deepcopy(last.input), **last.call)
            info = self._read("2207", entry, messages.read_settlement, out, "2207", last.med_type, self.pc)
        except SettlementRefused:
            raise   # refused: nothing was settled again
        except SutError as e:
            named = self._unread_2207(e, st.system_psn, last.mdtrt_id)
            if st.occupant is not None:   # settled again or not, no setl_id to reverse by: the restore asks 5206
                st.occupant.unread = named
            if type(e) is SutError:
                raise named from None
            raise
        first = {d.setl_id for d in (st.settled.get(settlement.id), st.reversed.get(settlement.id)) if d is not None}
        if info["setl_id"] not in first:   # a second settlement of the visit: reversed before the person's reuse
            done = Settled(info["setl_id"], last.mdtrt_id, last.med_type, last.call["insuplc"], last.call["remote"],
                           last.call["fixmedins"])
            if st.occupant is not None and done not in st.occupant.leftovers:
                st.occupant.leftovers.append(done)
        self._check_echo("2207", settlement, info, out, st.system_psn, last.mdtrt_id, last.med_type, self.pc)
        return info

    def reverse(self, psn_no: str, setl_id: str) -> dict:
        """Reverse the scenario's settlement `setl_id` (its id, e.g. V1) by the system's own setl_id."""
        self.require("reverse")
        st = self._scenario(psn_no)
        known = st.settled.get(setl_id)
        again = known is None and setl_id in st.reversed
        if again:  # a second 2208 of the same settlement: sent as the first was, for the system to refuse (A-REVERSAL)
            known = st.reversed[setl_id]
        if known is None:
            raise SutError("internal", f"no settlement {setl_id!r} of this scenario to reverse")
        # by the institution that settled it (本机构), in the visit's 就医地
        input_ = messages.reverse(st.system_psn, known.setl_id, known.mdtrt_id)
        try:
            out, entry = self.exchange("2208", input_, **known.envelope())
            info = self._read("2208", entry, messages.read_settlement, out, "2208", known.med_type, self.pc)
        except SettlementRefused:
            raise   # refused: nothing was reversed; the restore sends it (or says the system refused it)
        except SutError as e:
            occ = st.occupant
            if not again and occ is not None and known in occ.leftovers and self._reached("2208", input_, e):
                # reversed or not, the answer cannot be read: the restore asks 5206, never resends it (_restore)
                occ.leftovers.remove(known)
                occ.unread_reversals.append((known, e))
            raise
        if not again:   # reversed whatever its answer says: recorded before the answer is held to the request
            st.reversed[setl_id] = st.settled.pop(setl_id)
            if st.occupant is not None and known in st.occupant.leftovers:
                st.occupant.leftovers.remove(known)
            if st.shift is not None:
                st.shift.reverse(setl_id)
        # about this reversal (docs/connect-your-system.md §2, §3): psn_no and mdtrt_id where given are the ones sent,
        # and its setl_id is its own, not the reversed one's — the http profile's rule, one definition
        setlinfo = out.get("setlinfo") if isinstance(out, dict) else None
        bad = about_mismatches(f"{setl_id} 2208", setlinfo, {"psn_no": st.system_psn, "mdtrt_id": known.mdtrt_id},
                               known.setl_id) + _insutype_mismatches(f"{setl_id} 2208", setlinfo)
        bad += _fund_rows_mismatches(f"{setl_id} 2208", out, known.med_type, self.pc)
        if bad:
            from ...plugin import MismatchError
            raise MismatchError(bad)
        return info

    def query_ytd(self, psn_no: str, year: int) -> dict:
        self.require("query_ytd")
        st = self._scenario(psn_no)
        asked = year
        if st.shift is not None:
            st.shift.check_year(self.name, year, f"the year-to-date query for {year}")
            year = self.today().year
        month = 12 if year < self.today().year else self.today().month
        cum_ym = f"{year}{month:02d}"
        output, entry = self.exchange("5206", messages.cum_query(st.system_psn, cum_ym), st.insuplc)
        got = self._read("5206", entry, messages.read_cuminfo, output, year, self.pc, cum_ym)
        got["year"] = asked
        if "1101" in self.pc.transactions:   # the account balance is 1101's insuinfo.balc, not a 5206 total
            output, entry = self.exchange("1101", messages.person_info(st.cert_no, self.pc), st.insuplc)
            # an answer about another person (baseinfo.psn_no, where given) is no answer to this query (§3, as the
            # 2206/2207 echo): failed on that field, its balance never compared as this person's
            bad = echo_mismatches(f"{psn_no} 1101", {"psn_no": messages.read_person_no(output)},
                                  {"psn_no": st.system_psn})
            if bad:
                from ...plugin import MismatchError
                raise MismatchError(bad)
            balc = self._read("1101", entry, messages.read_balance, output, st.insuplc,
                              f"person {st.system_psn} (mdtrt_cert_no {st.cert_no})")
            if balc is not None:
                got["acct_balance"] = amounts.text(balc)
        else:   # 1101 is optional ("if declared"): a balance never asked is no balance missing (probe s24 Y F1)
            got[BALANCE_UNASKED] = ("平台配置 [adapter.platform] transactions 未列出 1101，个人账户余额从未查询 1101 is not in "
                                    "[adapter.platform] transactions, so the account balance was never asked")
        return got

    def credit_month(self, psn_no: str, request: CreditRequest) -> dict:
        self.require("credit_month")
        st = self._scenario(psn_no)
        out, entry = self.exchange("T002", {"data": wire.credit_to_wire(st.system_psn, request)}, st.insuplc)
        return self._read("T002", entry, wire.read_credit, _strings(out))

    def check_account_use(self, psn_no: str, relation: str, purpose: str, amount: str | None = None,
                          date: dt.date | None = None) -> dict:
        self.require("check_account_use")
        st = self._scenario(psn_no)
        out, entry = self.exchange("T003", {"data": wire.use_to_wire(st.system_psn, relation, purpose, amount, date)},
                                   st.insuplc)
        return self._read("T003", entry, wire.read_use, _strings(out))


def _insutype_mismatches(item: str, setlinfo: Any) -> list:
    """A settlement answer's insutype, where given, is the 职工基本医疗保险 (310) every 2201/2206/2207 sends: an answer
    settled under another 险种 (390 城乡居民…) is about another request (docs/connect-your-system.md §3), failed on
    that field (s28 probeH4 F6). Absent or "" is not compared (optional, as psn_no and mdtrt_id)."""
    from ...results import Mismatch

    v = setlinfo.get("insutype") if isinstance(setlinfo, dict) else None
    if v is None or v == "" or str(v) == messages.INSUTYPE_EMPLOYEE:
        return []
    return [Mismatch("insutype", messages.INSUTYPE_EMPLOYEE, evidence.shorten(str(v), 100), item,
                     "险种类型（与所发送的 310 职工基本医疗保险不同）")]


def _fund_rows_mismatches(item: str, output: Any, med_type: str, pc: PlatformConfig) -> list:
    """The setldetail fund rows (every row but the account's, a code not listed included) add up to fund_pay_sumamt
    where the answer gives both (messages.fund_rows_total): rows paying more or less than the fund's total say two
    different settlements, failed on setldetail whichever figure is wrong (s28 probeH4 F4)."""
    from ...results import Mismatch

    got = messages.fund_rows_total(output, med_type, pc) if isinstance(output, dict) else None
    if got is None or got[0] == got[1]:
        return []
    rows, total = got
    return [Mismatch("setldetail", f"基金各行合计 = fund_pay_sumamt {amounts.text(total)}",
                     f"{amounts.text(rows)}（个人账户以外各行 fund_payamt 之和）", item,
                     "基金支付明细合计（setldetail 中个人账户以外各行之和应等于 fund_pay_sumamt）")]


def _strings(output: dict) -> dict:
    """A test hook's answer in the http profile's form: amounts (numbers or text) as two-decimal text."""
    out = {}
    for k, v in output.items():
        d = amounts.amount(v) if isinstance(v, (Decimal, int)) and not isinstance(v, bool) else None
        out[k] = amounts.text(d) if d is not None else v
    return out


from .transport import PlatformTransport  # noqa: E402 - after the adapter, which names it in __init__
