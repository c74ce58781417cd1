"""The `http` adapter: a settlement system reached by JSON over HTTP, national-platform style.

Every call POSTs one envelope {infno, msgid, insuplc_admdvs, inf_time, input}
to the configured URL and expects {infcode, err_msg, output}. Transactions:
2206 预结算, 2207 结算, 2208 撤销, 5206 年度累计查询, and the test-only T001
(create/reset a test person), T002 (monthly account credit), T003 (account-use
check). Whatever goes wrong becomes a `SutError` of a named kind with the
request and response kept as evidence; after `consecutive_failures` calls in a
row that got no HTTP answer at all the adapter declares the system unreachable,
and so it does after that many calls *of one transaction* in a row that got no
answer within `timeout` while other transactions answered between them (a 2207
that always hangs or drips: stopped, not waited for check after check).
One client with a connection pool serves all threads (`concurrency`).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
import json
import math
import os
import re
import ssl
import threading
import time
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit, urlunsplit

import h11   # httpcore's HTTP/1.1 parser: its error is the cause under httpcore's and httpx's wrappers
import httpcore
import httpx

from conform.reference.case import CreditRequest, Settlement

from ...display import cut_words
from .. import evidence
from ..config import AdapterConfig
from . import schema, wire
from .base import (OPERATIONS, Adapter, NoAnswerCount, SettlementRefused, Subject, SutError, SystemUnreachable,
                   echo_mismatches)

MSGID_SEQUENCES = 10000  # the 4-digit sequence of a msgid
MSGID_PREFIX = "CONFORM00000"  # the http profile's stand-in where the national msgid has the 12-character 定点机构编号
EVIDENCE_BODY_LIMIT = 64 * 1024  # bytes of an answer kept as evidence; the full size is noted beside it
ERR_MSG_LIMIT = 500            # characters of err_msg quoted in a refusal's message
MAX_JSON_DEPTH = 32            # a settlement answer is 3 levels deep; deeper is refused, never recursed into
MAX_INT_DIGITS = 30            # longer JSON integers stay text (wire.BigNumber: the wrong type), never int()
INFCODE = re.compile(r"-?[0-9]{1,9}")   # ASCII digits only: "²" or "１" is not an infcode
ENCODINGS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class AnswerError(Exception):
    """What went wrong reading one answer, before it becomes a SutError with evidence.

    kind: timeout, too_large, malformed, wrong_type, missing_field."""

    def __init__(self, kind: str, message: str):
        self.kind, self.message = kind, message
        super().__init__(f"{kind}: {message}")


# ---------------------------------------------------------------------------- a total deadline per request
_deadline = threading.local()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every socket read and write of this thread inside the block shares one deadline (monotonic clock)."""
    previous = getattr(_deadline, "at", None)
    _deadline.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _deadline.at = previous


def _remaining(timeout: float | None, error: type[Exception]) -> float | None:
    at = getattr(_deadline, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("the request's total deadline passed")
    return left if timeout is None else min(timeout, left)


class TlsHandshakeTimeout(httpcore.ConnectTimeout):
    """The TCP connection was made, the TLS handshake got no answer in time (https:// to a plain-HTTP port
    waiting for a request line): httpcore calls both a ConnectTimeout, the message must tell them apart."""


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read/write waits at most until the request's deadline, so a server
    dripping one byte at a time cannot stretch a request beyond the configured timeout."""

    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _remaining(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _remaining(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        try:
            return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname,
                                                         _remaining(timeout, TlsHandshakeTimeout)))
        except TlsHandshakeTimeout:
            raise
        except httpcore.ConnectTimeout as e:  # the TCP connection is made: the message must not blame it
            raise TlsHandshakeTimeout(str(e)) from e

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend | None = None):
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_tcp(host, port, _remaining(timeout, httpcore.ConnectTimeout),
                                                       local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:  # pragma: no cover
        return _DeadlineStream(self._inner.connect_unix_socket(path, _remaining(timeout, httpcore.ConnectTimeout),
                                                               socket_options))

    def sleep(self, seconds: float) -> None:  # pragma: no cover
        self._inner.sleep(seconds)


TLS_OPTIONS = ("ca_file", "client_cert", "client_key")   # [adapter] keys: trust a test CA, mutual TLS


class TlsFileError(ValueError):
    """A TLS file ([adapter] ca_file, client_cert, client_key) that cannot be used: `option` names the key.
    The message names the file and why, never anything read from it."""

    def __init__(self, option: str, message: str):
        self.option, self.message = option, message
        super().__init__(f"{option}: {message}")


def _no_passphrase() -> bytes:
    # without a callback OpenSSL would prompt on the terminal and hang a CI job
    raise TlsFileError("client_key", "is encrypted with a passphrase: give an unencrypted key file (readable by "
                                     "the CI job only)")


def _readable(option: str, path: str) -> None:
    p = Path(path)
    from conform.files import special_kind

    if p.is_dir():
        raise TlsFileError(option, f"{path}: is a folder, not a PEM file")
    kind = special_kind(p)
    if kind:  # OpenSSL would read a device (/dev/zero) without end
        raise TlsFileError(option, f"{path}: not a regular file ({kind}): give a PEM file")
    if not p.is_file():
        raise TlsFileError(option, f"{path}: no such file")
    try:
        with p.open("rb"):
            pass
    except OSError as e:
        raise TlsFileError(option, f"{path}: cannot read: {e.strerror or e}") from None


@functools.lru_cache(maxsize=8)
def tls_context(ca_file: str | None = None, client_cert: str | None = None,
                client_key: str | None = None) -> ssl.SSLContext:
    """httpx's default TLS context (certificate checks on), built once a process for each set of files and
    shared by every transport (building it loads the CA bundle, about 25 ms, which was paid at every adapter
    start). `ca_file`: a test environment's own CA, trusted besides the public bundle (not instead, as
    SSL_CERT_FILE does); `client_cert` and `client_key` (PEM): this side's certificate for mutual TLS.
    TlsFileError naming the option for a file that is missing, unreadable or not what it should be."""
    ctx = httpx.create_ssl_context()
    for option, path in (("ca_file", ca_file), ("client_cert", client_cert), ("client_key", client_key)):
        if path:
            _readable(option, path)
    if client_key and not client_cert:
        raise TlsFileError("client_key", "is given without client_cert (the certificate it belongs to)")
    if ca_file:
        try:
            ctx.load_verify_locations(cafile=ca_file)
        except (ssl.SSLError, ValueError) as e:
            raise TlsFileError("ca_file", f"{ca_file}: holds no PEM certificate ({_tls_reason(e)})") from None
    if client_cert:
        try:   # the certificate alone first, so a broken one is not blamed on the key
            ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=client_cert)
        except (ssl.SSLError, ValueError) as e:
            raise TlsFileError("client_cert", f"{client_cert}: holds no PEM certificate ({_tls_reason(e)})") from None
        try:
            ctx.load_cert_chain(client_cert, client_key or None, password=_no_passphrase)
        except ssl.SSLError as e:
            option, path = ("client_key", client_key) if client_key else ("client_cert", client_cert)
            raise TlsFileError(option, f"{path}: no private key for client_cert can be read from it, or it does "
                                       f"not match the certificate ({_tls_reason(e)})") from None
    return ctx


def tls_for(config: AdapterConfig) -> ssl.SSLContext:
    """The TLS context for an adapter's configuration ([adapter] ca_file, client_cert, client_key); a file
    that cannot be used is a ConfigError naming the file and the key (exit 2), before any request."""
    from ..config import ConfigError

    files = tuple(getattr(config, option, None) or None for option in TLS_OPTIONS)
    try:
        return tls_context(*files)
    except TlsFileError as e:
        raise ConfigError(f"{config.source or 'conform.toml'}: key adapter.{e.option}: {e.message}") from None


def tls_described(config: AdapterConfig) -> dict:
    """The TLS files a run used, for its reports: the CA's and certificate's paths, that a key was given;
    nothing read from them."""
    ca, cert, key = (getattr(config, option, None) for option in TLS_OPTIONS)
    shown = {"ca_file": ca, "client_cert": cert, "client_key": "(given)" if key else None}
    return {"tls": {k: v for k, v in shown.items() if v}} if any(shown.values()) else {}


def http_transport(limits: httpx.Limits, verify: ssl.SSLContext | None = None) -> httpx.HTTPTransport:
    """httpx's own transport, with the process's shared TLS context (or `verify`: tls_for's)."""
    return httpx.HTTPTransport(limits=limits, verify=verify or tls_context())


def deadline_transport(limits: httpx.Limits, verify: ssl.SSLContext | None = None) -> httpx.HTTPTransport:
    """http_transport with every socket operation bounded by the request's `deadline`."""
    transport = http_transport(limits, verify)
    # httpx does not expose httpcore's network_backend; the pool builds each connection from this attribute.
    pool = transport._pool
    pool._network_backend = _DeadlineBackend(pool._network_backend)
    return transport


# ---------------------------------------------------------------------------- bounded body and JSON
def read_body(response: httpx.Response, limit: int, ends: float) -> bytes:
    """The raw body, refused as `too_large` past `limit` bytes while streaming, and as `timeout` past
    the monotonic time `ends` (for transports the socket deadline does not cover); then decompressed."""
    chunks: list[bytes] = []
    size = 0
    try:
        raw = response.iter_raw()
        first = [next(raw, b"")]
    except httpx.StreamConsumed:  # a response built in memory (httpx.MockTransport): its bytes are all there
        first, raw = [response.content], iter(())
    for chunk in itertools.chain(first, raw):
        size += len(chunk)
        if size > limit:
            raise AnswerError("too_large", f"the answer is larger than {limit} bytes (max_response_bytes)")
        if time.monotonic() > ends:
            raise AnswerError("timeout", "the answer did not arrive within the timeout")
        chunks.append(chunk)
    return decompress(b"".join(chunks), response.headers.get("content-encoding", ""), limit)


def decompress(raw: bytes, encoding: str, limit: int) -> bytes:
    """Undo gzip/deflate with the same bound as the body: a compression bomb is `too_large`, never MemoryError."""
    coding = encoding.strip().lower()
    if coding in ("", "identity"):
        return raw
    if coding not in ENCODINGS:
        raise AnswerError("malformed", f"unsupported Content-Encoding {evidence.quote(encoding, 50)} (gzip or deflate only)")
    tries = [ENCODINGS[coding]] + ([-zlib.MAX_WBITS] if coding == "deflate" else [])
    for wbits in tries:
        d = zlib.decompressobj(wbits)
        try:
            out = d.decompress(raw, limit + 1)
        except zlib.error as e:
            if wbits != tries[-1]:
                continue
            raise AnswerError("malformed", f"the {coding} body does not decompress ({e})") from None
        if len(out) > limit or d.unconsumed_tail:
            raise AnswerError("too_large", f"the {coding} answer decompresses to more than {limit} bytes "
                                           "(max_response_bytes)")
        if not d.eof:
            raise AnswerError("malformed", f"the {coding} body is truncated")
        return out
    raise AssertionError("unreachable")  # pragma: no cover


def _pairs(pairs: list[tuple[str, Any]]) -> dict:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise AnswerError("malformed", f"duplicate key {evidence.quote(k, 50)} in one object (the answer is ambiguous)")
        out[k] = v
    return out


def _int(text: str) -> int | str:
    return int(text) if len(text) <= MAX_INT_DIGITS else wire.BigNumber(text)


def _fraction(text: str) -> Decimal | str:
    """A JSON number with a fraction or an exponent, exact (wire.JsonNumber); one past a float's range (1e999) stays
    text (wire.BigNumber), as before, so nothing unbounded reaches arithmetic."""
    return wire.JsonNumber(text) if math.isfinite(float(text)) else wire.BigNumber(text)


def _as_evidence(v: Any) -> Any:
    """An answer as evidence keeps it: a JSON number with a fraction as the float it has always been written as in
    results.json and report.html (the check reads the exact number; a message quotes it as sent)."""
    if isinstance(v, wire.JsonNumber):
        return float(v)
    if isinstance(v, dict):
        return {k: _as_evidence(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_as_evidence(x) for x in v]
    return v


def _constant(name: str) -> Any:
    raise AnswerError("malformed", f"{name} is not JSON")


def _said_err_msg(body: bytes) -> str:
    """The `err_msg` of an envelope sent with an error status, shown one line and bounded; "" when the body is
    no such envelope (an HTML error page, nothing)."""
    if not body or len(body) > EVIDENCE_BODY_LIMIT:
        return ""
    try:
        value = parse_json(body)
    except AnswerError:
        return ""
    said = value.get("err_msg") if isinstance(value, dict) else None
    return evidence.shorten(" ".join(said.split()), 300) if isinstance(said, str) and said.strip() else ""


def parse_json(body: bytes) -> Any:
    """An answer's JSON: duplicate keys, NaN, nesting deeper than MAX_JSON_DEPTH, lone surrogates and
    invalid UTF-8 are `malformed`; huge numbers stay text, so nothing unbounded reaches arithmetic."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise AnswerError("malformed", f"the answer is not UTF-8 (byte {e.start}: {e.reason})") from None
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_int=_int, parse_float=_fraction,
                           parse_constant=_constant)
    except RecursionError:
        raise AnswerError("malformed", f"the answer is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError as e:
        raise AnswerError("malformed", f"the answer is not JSON ({evidence.shorten(str(e), 200)})") from None
    stack = [(value, 1)]
    while stack:  # iterative: a deep answer must not recurse here either
        v, depth = stack.pop()
        if isinstance(v, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise AnswerError("malformed", f"the answer is nested more than {MAX_JSON_DEPTH} levels deep")
            items = list(v.items()) if isinstance(v, dict) else [(None, x) for x in v]
            for k, x in items:
                if k is not None:
                    stack.append((k, depth))
                stack.append((x, depth + 1))
        elif isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                raise AnswerError("malformed", "the answer contains a lone surrogate (\\ud800-\\udfff)") from None
    return value


def about_mismatches(item: str, info: Any, sent: dict[str, str], reversed_id: str | None = None) -> list:
    """What makes a 2206/2207/2208 answer one about another request (§2, §3): psn_no / mdtrt_id other than sent
    (base.echo_mismatches) and, for a 2208, a setl_id that is the reversed settlement's, not the reversal's own.
    Both profiles hold their answers to it (HttpAdapter._about; the platform adapter's reverse)."""
    from ..results import Mismatch

    bad = echo_mismatches(item, info, sent)
    if reversed_id is not None and isinstance(info, dict) and info.get("setl_id") == reversed_id:
        bad.append(Mismatch("setl_id", f"撤销自身的结算ID（不是所撤销的 {evidence.shorten(reversed_id, 100)}）",
                            evidence.shorten(reversed_id, 100), item,
                            "结算ID（撤销应答应给出撤销本身的 setl_id，而不是所撤销结算的）"))
    return bad


def envelope_output(infno: str, answer: Any) -> dict:
    """The `output` of a response envelope whose infcode is 0; SettlementRefused for another infcode."""
    if not isinstance(answer, dict):
        raise AnswerError("malformed", f"{infno}: the answer is not a JSON object")
    if "infcode" not in answer:
        raise AnswerError("missing_field", f"{infno}: infcode: missing")
    code = answer["infcode"]
    ok = ((isinstance(code, int) and not isinstance(code, bool) and abs(code) < 10**9)
          or (isinstance(code, str) and INFCODE.fullmatch(code) is not None))
    if not ok:
        raise AnswerError("wrong_type", f"{infno}: infcode: expected an integer, got {wire.got(code)}")
    if int(code) != 0:
        # a refusal with no reason given (err_msg absent, blank or not text) is still a refusal: infcode says it
        # (docs/ci.md exit codes; the schema makes err_msg optional)
        err = answer.get("err_msg")
        err = evidence.shorten(err, ERR_MSG_LIMIT) if isinstance(err, str) and err.strip() else "(no err_msg)"
        raise SettlementRefused(evidence.mask(f"{infno}: infcode {code}: {err}"))
    output = answer.get("output")
    if output is None:
        # a refusal sent with infcode 0: its err_msg is the system's own reason, shown so the line does not read
        # as a dropped field (s28 probeH4 F7)
        err = answer.get("err_msg")
        said = (f" — infcode 0 (success) but no output, and err_msg says "
                f"{evidence.shorten(' '.join(err.split()), ERR_MSG_LIMIT)!r}: a refusal must have infcode ≠ 0"
                if isinstance(err, str) and err.strip() else "")
        raise AnswerError("missing_field", evidence.mask(f"{infno}: output: missing{said}"))
    if not isinstance(output, dict):
        raise AnswerError("wrong_type", f"{infno}: output: expected an object, got {type(output).__name__}")
    return output


READERS = {"2206": (wire.read_setlinfo, ("2206",)), "2207": (wire.read_setlinfo, ("2207",)),
           "2208": (wire.read_setlinfo, ("2208",)), "T002": (wire.read_credit, ()), "T003": (wire.read_use, ())}


def read_answer(infno: str, body: bytes, year: int = 2023) -> dict:
    """Everything the adapter checks of one answer body, without HTTP: a checked output, or AnswerError /
    SettlementRefused (the documented errors; the fuzz tests hold it to that)."""
    output = envelope_output(infno, parse_json(body))
    if infno == "5206":
        read, args = wire.read_cuminfo, (year,)
    elif infno in READERS:
        read, args = READERS[infno]
    else:
        return output
    try:
        return read(output, *args)
    except wire.WireError as e:
        raise AnswerError(e.kind, evidence.mask(f"{infno}: {e}")) from None


def kept_body(body: bytes) -> str:
    """An answer's body as evidence: masked, then cut to at most EVIDENCE_BODY_LIMIT bytes (the full size
    noted when cut). Masked before the cut, so a secret straddling it leaves no head behind."""
    text = evidence.mask(body.decode("utf-8", "replace"))
    if len(body) <= EVIDENCE_BODY_LIMIT:
        return text
    return (text.encode("utf-8")[:EVIDENCE_BODY_LIMIT].decode("utf-8", "ignore")
            + f"… [truncated: {len(body)} bytes in all, {EVIDENCE_BODY_LIMIT} kept]")


def _worker_of(psn_prefix: str, concurrency: int) -> tuple[int, int]:
    """(i, N) for worker i of a concurrent run's N (its CONFORM_PSN_PREFIX is "W<i>-", N its `concurrency`, as
    conform.harness.shards starts them); (0, 1) for any other process."""
    m = re.fullmatch(r"W(\d+)-", psn_prefix)
    if m is None or concurrency <= 1 or int(m.group(1)) >= concurrency:
        return 0, 1
    return int(m.group(1)), min(concurrency, MSGID_SEQUENCES)


def _prefixed(data: dict, prefix: str) -> dict:
    """`data` with its psn_no (and T001's person.psn_no) prefixed."""
    out = dict(data)
    if isinstance(out.get("psn_no"), str):
        out["psn_no"] = prefix + out["psn_no"]
    if isinstance(out.get("person"), dict) and isinstance(out["person"].get("psn_no"), str):
        out["person"] = {**out["person"], "psn_no": prefix + out["person"]["psn_no"]}
    return out


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


def redirect_target(url: str, location: str) -> str:
    """Where a 3xx answer's Location points, resolved against the configured URL, as it may be shown
    (public_url: no user:password, credential-like query values as ***); at most 300 characters."""
    from urllib.parse import urljoin

    # masked before it is cut (a header is bounded by the HTTP parser), so no head of a secret stays behind
    location = evidence.mask("".join(c for c in location if c.isprintable() and not c.isspace()))[:2000]
    try:
        target = urljoin(url, location)
    except ValueError:
        return "(an invalid Location)"
    shown = public_url(target) if target.startswith(("http://", "https://")) else evidence.mask(target)
    return shown if len(shown) <= 300 else shown[:300] + "…"


def _where(url: str) -> str:
    """host:port of the configured URL, as a connection message names it (no path, no credentials)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "?", parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "(invalid URL)"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _os_error(e: BaseException) -> OSError | None:
    """The operating system's (or TLS library's) error under httpx's and httpcore's wrappers, if any."""
    seen: set[int] = set()
    current: BaseException | None = e
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError):
            return current
        current = current.__cause__ or current.__context__
    return None


def _tls_reason(e: ssl.SSLError) -> str:
    """OpenSSL's words without its code and source line: "[SSL: WRONG_VERSION_NUMBER] wrong version number
    (_ssl.c:1006)" → "wrong version number"; a certificate's own verify message when there is one."""
    if isinstance(e, ssl.SSLCertVerificationError) and e.verify_message:
        return str(e.verify_message)
    m = re.match(r"\[[A-Z0-9_]+: ?[A-Z0-9_]*\] (.*?)(?: \(_ssl\.c:\d+\))?$", str(e), re.S)
    return m[1] if m else str(e.reason or e)


TLS_HELP = "docs/connect-your-system.md §4 (TLS)"


def connection_failure(e: httpx.TransportError, url: str) -> str:
    """Why an exchange got no HTTP answer, in the words that send a vendor to the right place: the
    connection refused (nothing listens: the system is not started, or the port is wrong), the host name
    not resolved (DNS), the TLS certificate not trusted (a test environment's own CA) or the TLS handshake
    failed (https to a plain-HTTP port, a client certificate required), another network error, or the
    connection dropped once made. The reason comes first and whole (cut at a word if at all); httpx's own
    words follow for whoever supports it."""
    at = _where(url)
    root = _os_error(e)
    raw = cut_words(f"{type(e).__name__}: {e}", 200)
    if isinstance(root, ssl.SSLCertVerificationError):
        return (f"TLS certificate not trusted ({cut_words(_tls_reason(root), 100)}) at {at}: a test "
                f"environment's own CA must be trusted, see {TLS_HELP} [{raw}]")
    if isinstance(root, ssl.SSLError):
        reason = _tls_reason(root)
        hint = ""
        if "WRONG_VERSION_NUMBER" in str(root) or "HTTP_REQUEST" in str(root):
            hint = ": the port may speak plain HTTP (try http://)"
        elif re.search(r"CERTIFICATE_REQUIRED|BAD_CERTIFICATE|HANDSHAKE_FAILURE|UNKNOWN_CA|ACCESS_DENIED",
                       str(root)):
            hint = f": the server may require a client certificate (mutual TLS), see {TLS_HELP}"
        return f"TLS handshake failed ({cut_words(reason, 100)}) with {at}{hint} [{raw}]"
    if isinstance(e, httpx.ConnectError):
        import socket

        if isinstance(root, socket.gaierror):
            host = at.rpartition(":")[0]
            return (f"host name not resolved ({cut_words(root.strerror or str(root), 100)}): {host}: check the "
                    f"URL's host name and this machine's DNS [{raw}]")
        if isinstance(root, ConnectionRefusedError):
            return (f"connection refused: nothing listens at {at} (is the system started, is the port "
                    f"right?) [{raw}]")
        reason = (root.strerror if root is not None and root.strerror else None) or str(e) or type(e).__name__
        return f"could not connect to {at} ({cut_words(reason, 100)}) [{raw}]"
    return f"connection dropped by {at} before a whole answer came [{raw}]"


# httpcore's bound on an answer's status line and headers (h11's max_incomplete_event_size): a longer block
# is refused by the parser as "Receive buffer too long"
HEADER_BLOCK_LIMIT: int = getattr(httpcore.HTTP11Connection, "MAX_INCOMPLETE_EVENT_SIZE", 100 * 1024)
# h11's words for a connection closed before the answer was whole: a drop, not a malformed answer
_H11_DROPPED = ("peer closed connection", "peer unexpectedly closed", "can't receive data when peer state is error")


def malformed_answer(e: httpx.TransportError, url: str) -> tuple[str, str] | None:
    """(kind, message) when the HTTP parser refused what the system sent (an illegal status or header line,
    conflicting Content-Length, a header block longer than HEADER_BLOCK_LIMIT): the system answered, malformed
    (§3 `malformed`, `too_large` past the bound), a judged error and no connection failure. None for anything
    else, a connection dropped before a whole answer came among them."""
    if not isinstance(e, httpx.RemoteProtocolError):
        return None
    seen: set[int] = set()
    current: BaseException | None = e
    parser: BaseException | None = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, h11.ProtocolError):
            parser = current
            break
        current = current.__cause__ or current.__context__
    if parser is None:   # httpcore's own "Server disconnected without sending a response."
        return None
    said = str(parser)
    if said.lower().startswith(_H11_DROPPED):
        return None
    at, name = _where(url), type(e).__name__
    if said.startswith("Receive buffer too long"):
        return "too_large", (f"the answer from {at} has a header block (status line and headers) longer than "
                             f"{HEADER_BLOCK_LIMIT} bytes, the bound of conform's HTTP parser [{name}: {said}]")
    said = re.sub(r"bytearray\((b'.*')\)", r"\1", said)   # h11 quotes the offending line as bytearray(b'…')
    hint = "; is this the system's HTTP port?" if re.search(r"status line|response line", said) else ""
    return "malformed", f"malformed HTTP answer from {at}: {cut_words(said, 200)}{hint} [{name}]"


class _Client(httpx.Client):
    """httpx's client, without building the request a 3xx would lead to: conform never follows one, and
    httpx builds it even with redirects off, raising InvalidURL (a `javascript:` Location) or a dropped
    connection (`http://[::1`) before the answer can be read as the system's malformed redirect."""

    def _build_redirect_request(self, request: httpx.Request, response: httpx.Response) -> httpx.Request:
        return request


# The exchanges after which a connection is closed, the next request going on a new one: a person's T001 (created or
# reset), and the person's first 2207 after it. A system keeping persons, or their year's totals, per TCP connection
# (a session cache) then loses them as it would on every HIS reconnect, and fails (probe s29 C F2); one connection
# carrying a whole story hid that. Two closes a story, not one per exchange: a handshake costs (TLS more).
CLOSE_AFTER = frozenset({"T001", "2207"})
# prefix of a test person's psn_no sent again after an exchange about it was abandoned (`R1-`, `R2-`, … after a
# worker's `W<i>-`): the system may still commit the abandoned request, into the next check (probe s29 C F4)
RENAMED_PREFIX = "R{}-"


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
        self.max_bytes = cfg.max_response_bytes
        # A worker of a concurrent run (conform.harness.shards) prefixes every psn_no it sends, so workers never
        # share a test person in the system under test.
        self.psn_prefix = os.environ.get("CONFORM_PSN_PREFIX", "")
        self.supports = cfg.supports if cfg.supports is not None else frozenset(OPERATIONS)
        # checked here, before any request: a missing or unreadable ca_file/client_cert/client_key is exit 2
        self._tls = tls_for(cfg) if transport is None else None
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._no_answer = NoAnswerCount(self.max_failures)   # what makes the system unreachable (base.py)
        self._unreachable: str | None = None
        self._msg_seq = itertools.count(1)
        # 报文ID must be unique per request (connect-your-system.md §1) across a concurrent run's workers, each of
        # which counts on its own: worker i of N (CONFORM_PSN_PREFIX "W<i>-", conform.harness.shards) takes the
        # sequence numbers ≡ i mod N, at most `_msg_slots` of them per second (MSGID_SEQUENCES // N).
        self._msg_worker, workers = _worker_of(self.psn_prefix, self.concurrency)
        self._msg_workers = workers
        self._msg_slots = MSGID_SEQUENCES // workers
        self._msg_stamp, self._msg_used = "", 0
        self._msg_lock = threading.Lock()
        self._setl_ids: dict[tuple[str, str], str] = {}   # (psn_no, mdtrt_id) → the system's setl_id
        # the answer's inf_refmsgid, where given, must be the request's msgid (§1); the platform profile's answers
        # give the platform's own 接收方报文ID there, so its adapter turns this off
        self.refmsgid_echo = True
        self._admdvs: dict[str, str] = {}                 # psn_no → 参保地医保区划
        # psn_no → the msgid of the visit's first 2207 (a resend may be answered by that request's stored answer)
        self._settle_msgids: dict[tuple[str, str], str] = {}
        # psn_nos an exchange was abandoned about (sent, no answer read: the system may still commit it), and how
        # often each was renamed since: the next T001 of such a person sends it under a new name (RENAMED_PREFIX)
        self._abandoned: set[str] = set()
        self._settled_once: set[str] = set()  # psn_nos whose first 2207 since their T001 went out (_closes)
        self._renamed: dict[str, int] = {}

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        with self._lock:
            if self._client is None:
                limits = httpx.Limits(max_connections=max(self.concurrency, 1) * 2,
                                      max_keepalive_connections=max(self.concurrency, 1) * 2)
                transport = (self._transport if self._transport is not None
                             else deadline_transport(limits, self._tls))
                # Only the encodings read_body can bound (not br/zstd); the config's headers cannot override
                # the framing ones (conform.harness.config refuses them).
                self._client = _Client(timeout=self.timeout, limits=limits, transport=transport,
                                       headers={"Content-Type": "application/json; charset=utf-8",
                                                "Accept-Encoding": "gzip, deflate", **self.config.headers})

    def stop(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def describe(self) -> dict:
        return {"adapter": self.name, "system": public_url(self.url), "supports": sorted(self.supports),
                "timeout_s": self.timeout, "concurrency": self.concurrency,
                "max_response_bytes": self.max_bytes,
                "consecutive_failures": self.max_failures, "headers": sorted(self.config.headers),
                **tls_described(self.config)}

    @property
    def unreachable(self) -> str | None:
        """Why the system was declared unreachable, or None."""
        return self._unreachable

    # ------------------------------------------------------------------ transport
    def _msgid(self, prefix: str = MSGID_PREFIX) -> str:
        """报文ID: `prefix` (the platform's 定点医药机构编号, 12 characters) + yyyyMMddHHmmss + a 4-digit sequence.
        Unique across the workers of a concurrent run (their sequences never meet: `_worker_of`) and within one
        second (a worker that has spent its sequences of this second waits for the next: never in practice below
        hundreds of requests a second per worker)."""
        with self._msg_lock:
            while True:
                stamp = f"{dt.datetime.now():%Y%m%d%H%M%S}"
                if stamp != self._msg_stamp:
                    self._msg_stamp, self._msg_used = stamp, 0
                if self._msg_used < self._msg_slots:
                    break
                time.sleep(0.01)
            self._msg_used += 1
            k = next(self._msg_seq) % self._msg_slots   # consecutive numbers: distinct within the second
            n = self._msg_worker + k * self._msg_workers
        return f"{prefix}{stamp}{n:04d}"

    def _connection_failed(self, kind: str, message: str, entry: dict, infno: str = "",
                           timed_out: bool = False) -> SutError:
        """An exchange that got no answer. It counts toward `consecutive_failures` in a row of any transaction;
        one that got none within `timeout` (a hang, a drip, a connect that never completes) also toward its
        own transaction's count, which another transaction's answer does not reset: a system whose 2207
        always hangs while its T001 answers is declared unreachable, naming 2207, rather than waited for
        at `timeout` seconds in every check (the rule is base.NoAnswerCount's, a python: plugin's too)."""
        with self._lock:
            stop = self._no_answer.no_answer(infno, timed_out)
            if self._unreachable is None and stop is not None:
                # the reason first, whole: a cause line cut at ~120 characters must still say it
                rule, count = stop
                if rule == "any":
                    self._unreachable = f"system unreachable: {count} consecutive connection failures; last: {message}"
                else:
                    op = f"{infno} {wire.TRANSACTIONS.get(infno, '')}".strip()
                    self._unreachable = (f"system unreachable: {count} {op} calls in a row gave no answer within "
                                         f"{self.timeout:g} s, other transactions answering between them "
                                         f"(consecutive_failures = {self.max_failures}); last: {message}")
        if self._unreachable is not None:
            # the last exchange connected and waited: "(timeout)", not "(connection)", on the check
            return SystemUnreachable(self._unreachable, entry, "timeout" if timed_out else "connection")
        return SutError(kind, message, entry)

    def _answered(self, infno: str) -> None:
        """An HTTP answer (any status or body): both counts of exchanges without one start again."""
        with self._lock:
            self._no_answer.answered(infno)

    def call(self, infno: str, data: dict, psn_no: str | None = None,
             msgid_prefix: str = MSGID_PREFIX, resent_of: str | None = None) -> tuple[dict, dict]:
        """One exchange; returns `output` (a dict) and its evidence, or raises SutError / SettlementRefused.

        `msgid_prefix`: the platform profile gives the envelope's fixmedins_code (the national msgid format).
        `resent_of`: a 2207 sent again, the msgid of the visit's first 2207 (its answer may cite that one)."""
        if self._unreachable is not None:
            raise SystemUnreachable(self._unreachable)
        if self._client is None:
            self.start()
        assert self._client is not None
        prefix = self._prefix_of(psn_no)
        if prefix:
            data = _prefixed(data, prefix)
        envelope = {"infno": infno, "msgid": self._msgid(msgid_prefix),
                    "insuplc_admdvs": self.config.insuplc_admdvs or self._admdvs.get(psn_no or "", ""),
                    "inf_time": f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}", "input": {"data": data}}
        if infno == "2207" and psn_no is not None and resent_of is None:
            with self._lock:
                self._settle_msgids[(psn_no, str(data.get("mdtrt_id")))] = envelope["msgid"]
        op = f"{infno} {wire.TRANSACTIONS.get(infno, '')}".strip()
        started = time.perf_counter()
        base = {"url": public_url(self.url), "infno": infno}

        # evidence: `answered` False for an exchange that got no answer (counted toward unreachable), True
        # for one whose answer was not kept; results.exchange_answered reads it for the verdict
        def keep(response: Any, **extra: Any) -> dict:
            meta = {**base, "elapsed_ms": round((time.perf_counter() - started) * 1000, 1), **extra}
            evidence.record(op, envelope, response, **meta)
            return evidence.mask({"operation": op, "request": envelope, "response": response, **meta})

        ends = time.monotonic() + self.timeout
        try:
            # an exchange changing a test person is the last on its connection (CLOSE_AFTER); the platform profile
            # (no psn_no here: its pool persons are real ones) keeps its one connection
            last = {"Connection": "close"} if psn_no is not None and self._closes(infno, psn_no) else None
            with deadline(self.timeout), self._client.stream(
                    "POST", self.url, content=json.dumps(envelope, ensure_ascii=False).encode("utf-8"),
                    headers=last) as resp:
                status, reason = resp.status_code, evidence.shorten(resp.reason_phrase, 100)
                location = resp.headers.get("location", "") if 300 <= status < 400 else ""
                charset = resp.charset_encoding or ""   # as the answer declares it (Content-Type)
                body = read_body(resp, self.max_bytes, ends)
        except httpx.TimeoutException as e:
            kind = "connection" if isinstance(e, httpx.ConnectTimeout) else "timeout"
            if not isinstance(e, (httpx.ConnectTimeout, httpx.PoolTimeout)):
                self._abandon(psn_no)
            msg = (f"{infno}: no answer within {self.timeout:g} s from {_where(self.url)} ({type(e).__name__})"
                   if kind == "timeout"
                   else f"{infno}: connected to {_where(self.url)}, but the TLS handshake got no answer within "
                        f"{self.timeout:g} s (does this port speak TLS? for a plain-HTTP system try http://)"
                   if isinstance(e.__cause__, TlsHandshakeTimeout)
                   else f"{infno}: could not connect to {_where(self.url)} within {self.timeout:g} s (a wrong "
                        f"host, a firewall dropping the connection, or a system not started)")
            raise self._connection_failed(kind, msg, keep(None, error=msg, answered=False), infno,
                                          timed_out=True) from None
        except AnswerError as e:
            msg = (f"{infno}: {e.message}" if e.kind != "timeout"
                   else f"{infno}: no answer within {self.timeout:g} s from {_where(self.url)}")
            if e.kind == "timeout":  # a dripping system is as good as none: it counts toward unreachable
                self._abandon(psn_no)
                raise self._connection_failed("timeout", msg, keep(None, error=msg, answered=False), infno,
                                              timed_out=True) from None
            self._answered(infno)
            raise SutError(e.kind, msg, keep(None, error=msg, answered=True)) from None
        except httpx.TransportError as e:
            malformed = malformed_answer(e, self.url)
            if malformed is not None:   # the system answered, in what is not HTTP: its error, no connection failure
                kind, why = malformed
                msg = evidence.mask(f"{infno}: {why}")
                self._answered(infno)
                raise SutError(kind, msg, keep(None, error=msg, answered=True)) from None
            if not isinstance(e, httpx.ConnectError):   # sent, then dropped: it may have been committed
                self._abandon(psn_no)
            msg = evidence.mask(f"{infno}: {connection_failure(e, self.url)}")
            raise self._connection_failed("connection", msg, keep(None, error=msg, answered=False)) from None
        except httpx.HTTPError as e:  # anything else httpx refuses in the answer (e.g. a broken encoding)
            msg = evidence.mask(f"{infno}: unusable HTTP answer ({type(e).__name__}: {evidence.shorten(str(e), 300)})")
            raise SutError("malformed", msg, keep(None, error=msg)) from None
        self._answered(infno)
        size = {"response_bytes": len(body)}
        if status != 200:
            moved = {}
            msg = evidence.mask(f"{infno}: HTTP {status} {reason}")
            if status in (404, 405):   # the usual cause: the adapter URL's path is not the system's endpoint
                msg += evidence.mask(f" from {public_url(self.url)} — is the adapter URL's path right?")
            kind = "http_status"
            if location:  # a redirect is never followed (a POST and its credentials): say where it points
                moved = {"location": redirect_target(self.url, location)}
                if moved["location"].startswith(("http://", "https://")):
                    msg += f" → {moved['location']}; conform does not follow redirects, use that URL"
                else:  # javascript:, mailto:, http://[::1 … : no URL the system could be reached at
                    kind = "malformed"
                    msg += f" → {moved['location']}: the Location is not an http(s) URL (a malformed redirect)"
            said = _said_err_msg(body)
            if said:  # an envelope on an error status (HTTP 500 with infcode -1): the system's own words
                msg += evidence.mask(f"; its err_msg: {said}")
            raise SutError(kind, msg, keep(kept_body(body), http_status=status, error=msg, **moved, **size))
        try:
            answer = parse_json(body)
        except AnswerError as e:
            msg = f"{infno}: {e.message}"
            if e.message.startswith("the answer is not UTF-8") and charset and charset.lower().replace("-", "") != "utf8":
                msg += f" (it declares charset={evidence.shorten(charset, 40)}; the answer must be UTF-8)"
            raise SutError(e.kind, msg, keep(kept_body(body), http_status=200, error=msg, **size)) from None
        entry = keep(_as_evidence(answer) if len(body) <= EVIDENCE_BODY_LIMIT else kept_body(body), http_status=200,
                     **size)
        try:
            output = envelope_output(infno, answer)
        except SettlementRefused as e:
            # a refusal citing another request's msgid refuses that request, not this one (§1, §3): its check
            # fails on inf_refmsgid before a scenario expecting a refusal could take it for its own
            if self.refmsgid_echo:
                self._refmsgid(infno, envelope["msgid"], answer.get("inf_refmsgid"), resent_of)
            raise SettlementRefused(e.message, entry) from None
        except AnswerError as e:
            raise SutError(e.kind, evidence.shorten(e.message, 300), entry) from None
        if self.refmsgid_echo:
            self._refmsgid(infno, envelope["msgid"], answer.get("inf_refmsgid"), resent_of)
        return output, entry

    def _prefix_of(self, psn_no: str | None) -> str:
        """What the psn_no `psn_no` is sent with: the worker's prefix, then RENAMED_PREFIX once it was renamed."""
        n = self._renamed.get(psn_no, 0) if psn_no else 0
        return self.psn_prefix + (RENAMED_PREFIX.format(n) if n else "")

    def _abandon(self, psn_no: str | None) -> None:
        """An exchange about `psn_no` was sent and its answer not read (timed out, dropped): the system may still
        commit it, after this check, so no later check of this run sends this psn_no again (prepare_person)."""
        if psn_no:
            with self._lock:
                self._abandoned.add(psn_no)

    @staticmethod
    def _refmsgid(infno: str, msgid: str, said: Any, first: str | None = None) -> None:
        """The answer's inf_refmsgid, where it gives one, is the request's msgid (§1: optional, the request's
        msgid): an answer citing another request is no answer to this one, and its check fails on that field.
        `first`: a resent 2207's visit's first msgid, which a stored-answer replay of it cites (§3, A-SETTLE-ONCE)."""
        if said is None or said == "" or said == msgid or (first and said == first):
            return
        from ..plugin import MismatchError
        from ..results import Mismatch

        shown = evidence.shorten(said, 100) if isinstance(said, str) else wire.got(said)
        sent = f"{msgid}（或首次提交的 {first}）" if first else msgid
        raise MismatchError([Mismatch("inf_refmsgid", sent, shown, infno,
                                      "应答所引用的请求报文ID（与所发送的 msgid 不同）")])

    @staticmethod
    def _checked(infno: str, answer: tuple[dict, dict], read: Any, *args: Any) -> dict:
        output, entry = answer
        try:
            value = read(output, *args)
        except wire.WireError as e:
            raise SutError(e.kind, evidence.mask(f"{infno}: {e}"), entry) from None
        # Then the published description (docs/openapi.yaml), so it and this reader cannot drift apart. An optional
        # field given as JSON null counts as absent (§1 Types; the reader has said a required one so given is missing)
        component = schema.output_component("http", infno)
        bad = schema.validate(component, wire.nulls_absent(output)) if component else None
        if bad is not None:
            kind, path, message = bad
            raise SutError(kind, evidence.shorten(f"{infno}: {path}: {message}", 300), entry)
        return wire.nulls_absent(value)

    def _closes(self, infno: str, psn_no: str) -> bool:
        """Whether this exchange is the last on its connection (CLOSE_AFTER): a T001, or the person's first 2207 since."""
        if infno == "T001":
            return True
        if infno != "2207":
            return False
        with self._lock:
            first = psn_no not in self._settled_once
            self._settled_once.add(psn_no)
        return first

    # ------------------------------------------------------------------ operations
    def prepare_person(self, subject: Subject) -> None:
        self.require("prepare_person")
        psn_no = subject.person.psn_no
        self._admdvs[psn_no] = wire.admdvs(subject.policy, subject.region, subject.params)
        with self._lock:
            for known in (self._setl_ids, self._settle_msgids):
                for key in [k for k in known if k[0] == psn_no]:
                    del known[key]
            self._settled_once.discard(psn_no)  # the next 2207 is the first of this story: it closes (CLOSE_AFTER)
            if psn_no in self._abandoned:
                # an exchange about this person got no answer (timeout, drop): the system may still commit it, into
                # this check if the psn_no were the same (probe s29 C F4): a new name, never used before in this run
                self._abandoned.discard(psn_no)
                self._renamed[psn_no] = self._renamed.get(psn_no, 0) + 1
        self.call("T001", wire.person_to_wire(subject), psn_no)

    def _settle(self, infno: str, psn_no: str, s: Settlement, resent_of: str | None = None) -> dict:
        out = self.call(infno, wire.settlement_to_wire(psn_no, s), psn_no, resent_of=resent_of)
        info = self._checked(infno, out, wire.read_setlinfo, infno)
        if infno == "2207":
            with self._lock:
                self._setl_ids[(psn_no, s.id)] = info["setl_id"]
        self._about(f"{s.id} {infno}", info, {"psn_no": self._prefix_of(psn_no) + psn_no, "mdtrt_id": s.id})
        return info

    @staticmethod
    def _about(item: str, info: dict, sent: dict[str, str], reversed_id: str | None = None) -> None:
        """A 2206/2207/2208 answer is about the request sent: its setlinfo's psn_no and mdtrt_id, where it gives
        them, are the ones sent, and a 2208's setl_id is the reversal's own, not the one it reverses (§2). An answer
        about another person or visit is no answer to this one: the check fails on that field, the figure sent
        against the one answered (the platform profile's rule, base.echo_mismatches)."""
        from ..plugin import MismatchError

        bad = about_mismatches(item, info, sent, reversed_id)
        if bad:
            raise MismatchError(bad)

    def presettle(self, psn_no: str, settlement: Settlement) -> dict:
        self.require("presettle")
        return self._settle("2206", psn_no, settlement)

    def settle(self, psn_no: str, settlement: Settlement) -> dict:
        self.require("settle")
        return self._settle("2207", psn_no, settlement)

    def settle_again(self, psn_no: str, settlement: Settlement) -> dict:
        """The visit's 2207 again (A-SETTLE-ONCE, §3), a fresh msgid as every request has. Its answer may cite this
        msgid or the first 2207's: a system replaying its stored answer to the first (same setl_id, same figures),
        the usual way to answer a resend once, gives that request's inf_refmsgid (probe s29 C F5)."""
        self.require("settle")
        with self._lock:
            first = self._settle_msgids.get((psn_no, settlement.id))
        return self._settle("2207", psn_no, settlement, resent_of=first or "")

    def reverse(self, psn_no: str, setl_id: str) -> dict:
        """Reverse the settlement the scenario calls `setl_id` (its mdtrt_id) by the system's own setl_id."""
        self.require("reverse")
        with self._lock:
            system_id = self._setl_ids.get((psn_no, setl_id), setl_id)
        out = self.call("2208", wire.reversal_to_wire(psn_no, system_id, setl_id), psn_no)
        info = self._checked("2208", out, wire.read_setlinfo, "2208")
        self._about(f"{setl_id} 2208", info, {"psn_no": self._prefix_of(psn_no) + psn_no, "mdtrt_id": setl_id},
                    system_id)
        return info

    def query_ytd(self, psn_no: str, year: int) -> dict:
        self.require("query_ytd")
        out = self.call("5206", wire.ytd_query_to_wire(psn_no, year), psn_no)
        return self._checked("5206", out, wire.read_cuminfo, year)

    def credit_month(self, psn_no: str, request: CreditRequest) -> dict:
        self.require("credit_month")
        out = self.call("T002", wire.credit_to_wire(psn_no, request), psn_no)
        return self._checked("T002", out, wire.read_credit)

    def check_account_use(self, psn_no: str, relation: str, purpose: str, amount: str | None = None,
                          date: dt.date | None = None) -> dict:
        self.require("check_account_use")
        out = self.call("T003", wire.use_to_wire(psn_no, relation, purpose, amount, date), psn_no)
        return self._checked("T003", out, wire.read_use)
