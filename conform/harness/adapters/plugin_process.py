"""A python: plugin in a process of its own, so that nothing it does can end or fool `conform run`.

`conform run`, and the pytest fixture behind it (so `pytest --conform-adapter` too), run a plugin in a
child process forked before the plugin's module is imported. This process keeps a stand-in
(`ContainedPlugin`) with the plugin's name, operations and optional figures, which asks the child for
each operation over a pipe:

- each call is bounded by `[adapter] timeout` by the wall clock, whatever the plugin does (loops in C with
  the GIL held, waits on a thread, resets or swallows an alarm): at the deadline the child is killed
  (SIGKILL to its process group) and the call is the error `timeout`; the next call starts the plugin
  afresh, a new instance whose `start()` is called again (what it kept in memory is gone);
- a child that ends during a call (`os._exit(0)`, a segfault in a C extension, the OOM killer) is the
  error `plugin_exception` naming the plugin, the operation and how it ended ("exited with status 0",
  "was killed by signal 11 (SIGSEGV)"), the end of what it printed kept as evidence, what it started in
  its process group killed before it is reaped (`_Child.ended`), as on a timeout; calls timing out
  or ending so in a row count toward `consecutive_failures`, as an HTTP system's connection failures do;
- an exception the plugin raises, KeyboardInterrupt included, comes back as its type's name, message and
  last frames: `plugin_exception`, never the user's Ctrl-C, which only this process receives (the child
  has a session of its own, so a terminal's or a process group's signals do not reach it);
- an answer crosses as JSON (compact, UTF-8) of at most `[adapter] max_response_bytes` bytes, `too_large`
  past it as an HTTP body is (exactly the limit passes), and is read here by the http adapter's readers
  (`python_plugin._Guard.check`); what JSON cannot hold (a Decimal, a tuple, an object) arrives as a
  stand-in with the type's name and repr, so messages name it as they do for a plugin in process
  (`got Decimal Decimal('115.00')`). The evidence the plugin recorded in the call crosses beside it, apart
  from the limit: kept in the plugin's process as this one keeps it (EVIDENCE_TEXT characters of a string,
  EVIDENCE_ENTRIES entries) up to EVIDENCE_BYTES, the entries past that dropped with a note saying so.

Requests go to the child pickled (this process is the trusted side); nothing the child sends is
unpickled. The child is forked, not spawned: it starts in milliseconds with the modules already imported.
Only on Linux (`AVAILABLE`): elsewhere fork is not the platform's safe way to start a process, and a
plugin runs in process as before (python_plugin._bounded).
"""
from __future__ import annotations

import functools
import json
import os
import pickle
import re
import select
import signal
import struct
import sys
import threading
import time
import traceback
import warnings
import weakref
from typing import Any, Callable

from .. import evidence
from ..config import AdapterConfig
from .base import OPERATIONS, SETLINFO_FIELDS, Adapter, NotApplicable, SettlementRefused, SutError, SystemUnreachable
from .python_plugin import (MESSAGE_LIMIT, TRACEBACK_FRAMES, PluginDied, PluginError, PluginRaised, PluginTimeout,
                            Unsendable, _frames, _Guard, _guarded, _plain, _text_of)

AVAILABLE = sys.platform.startswith("linux") and hasattr(os, "fork")
START_SECONDS = 60.0      # importing and building the plugin in its process (or `timeout`, if longer)
QUIT_SECONDS = 2.0        # a child asked to end that has not, is killed
HEADER = struct.Struct(">Q")
REPLY_HEADER = struct.Struct(">QQ")   # a reply: its answer's bytes, then the bytes of the rest
TAG = "\x00conform"       # the one key of an object standing for what JSON cannot hold
ENCODE_DEPTH = 32         # deeper parts of an answer cross as a stand-in (the http adapter's MAX_JSON_DEPTH)
DECODE_DEPTH = 128        # JSON nesting accepted from the child (a tagged level takes up to three)
WIDE_INT_BITS = 330       # wider ints cross as their count of digits: wire.got names them by it alone
HUGE_INT_DIGITS = 100_000
OUTPUT_TAIL = 16384       # bytes of what the child printed last, kept for a death's evidence
EVIDENCE_ENTRIES = 200    # evidence entries one call may bring back
EVIDENCE_TEXT = 64 * 1024  # characters of one string of them (an HTTP body the plugin recorded)
EVIDENCE_BYTES = 8 << 20  # bytes of them (as JSON): the entries past it are dropped, a note says how many
DETAIL_BYTES = 1 << 20    # bytes of a refusal's or error's evidence, of describe(): past it, a note
BESIDE_LIMIT = EVIDENCE_BYTES + 4 * DETAIL_BYTES   # what a reply or hello may hold beside an answer
# Objects and arrays (bytes `{` and `[`, in strings too) of the evidence kept, of one detail, of what a reply or
# hello holds beside an answer: parsing costs by them (12 MiB of `{},` is 4 M dicts, 240 MB and seconds outside
# the call's deadline, rclose10 D4), so the parent counts them before json.loads and the child keeps within them
EVIDENCE_CONTAINERS = 100_000
DETAIL_CONTAINERS = 10_000
BESIDE_CONTAINERS = EVIDENCE_CONTAINERS + 4 * DETAIL_CONTAINERS + 64 * 1024  # + the texts and frames beside
TEXT_LIMIT = 4000         # characters of a refusal's or error's message
_parent_fds: set[int] = set()   # this process's ends of every child's pipes: a new child closes them
_kept: list = []                # (in a child) the parent's standard streams, never released


class _Late(Exception):
    """The deadline passed."""


class _Gone(Exception):
    """The child's end of a pipe closed: it ended (or closed conform's pipe)."""


class _TooLarge(Exception):
    """A frame longer than the limit: (its size, "answer" or "beside" for a reply's part)."""


class _Garbled(Exception):
    """What the child wrote is not conform's protocol (only a plugin writing on conform's pipe does that)."""


# ---------------------------------------------------------------------------- frames: length, then bytes
def _wait(fd: int, event: int, deadline: float | None) -> None:
    if deadline is None:
        return
    left = deadline - time.monotonic()
    if left <= 0:
        raise _Late
    poller = select.poll()
    poller.register(fd, event)
    if not poller.poll(left * 1000):
        raise _Late


def _write_all(fd: int, data: bytes, deadline: float | None) -> None:
    view = memoryview(data)
    while view:
        _wait(fd, select.POLLOUT, deadline)
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            continue
        except OSError:  # EPIPE: the reader ended
            raise _Gone from None
        view = view[n:]


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        _wait(fd, select.POLLIN, deadline)
        try:
            chunk = os.read(fd, min(n - len(buf), 1 << 20))
        except OSError:
            raise _Gone from None
        if not chunk:
            raise _Gone
        buf += chunk
    return bytes(buf)


def _send(fd: int, payload: bytes, deadline: float | None = None) -> None:
    _write_all(fd, HEADER.pack(len(payload)) + payload, deadline)


def _recv(fd: int, limit: int, deadline: float | None = None) -> bytes:
    (size,) = HEADER.unpack(_read_exact(fd, HEADER.size, deadline))
    if size > limit:
        raise _TooLarge(size, "beside")
    return _read_exact(fd, size, deadline)


def _send_reply(fd: int, answer: bytes, rest: bytes) -> None:
    _write_all(fd, REPLY_HEADER.pack(len(answer), len(rest)) + answer + rest, None)


def _recv_reply(fd: int, limit: int, deadline: float | None) -> dict:
    """A reply: its answer (JSON bytes, at most `limit`, as an HTTP body: exactly the limit passes) and the rest
    (the outcome, the evidence: at most BESIDE_LIMIT), both sizes checked before either is read."""
    answer_size, rest_size = REPLY_HEADER.unpack(_read_exact(fd, REPLY_HEADER.size, deadline))
    if answer_size > limit:
        raise _TooLarge(answer_size, "answer")
    if rest_size > BESIDE_LIMIT:
        raise _TooLarge(rest_size, "beside")
    answer = _read_exact(fd, answer_size, deadline)
    reply = _parse(_read_exact(fd, rest_size, deadline))
    if "answer" in reply:
        raise _Garbled("an answer out of its place")
    if answer:
        reply["answer"] = _loads(answer)
    return reply


# ---------------------------------------------------------------------------- values across the pipe
def _repr(v: Any) -> str:
    try:
        return repr(v)[:1000]
    except Exception:  # noqa: BLE001 - a plugin's object whose repr fails
        return "(whose repr fails)"


def _stand_in(v: Any, text: str | None = None) -> dict:
    return {TAG: ["obj", type(v).__name__, _repr(v) if text is None else text]}


def _encode(v: Any, depth: int = 0) -> Any:
    """A value of the plugin's as JSON, what JSON cannot hold tagged (`_decode` undoes it). Never raises."""
    try:
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, int):
            if v.bit_length() <= WIDE_INT_BITS:
                return int(v)
            from .wire import _digits

            return {TAG: ["int", _digits(v), v < 0]}
        if isinstance(v, float):
            return float(v)
        if depth >= ENCODE_DEPTH:
            return _stand_in(v, f"(nested more than {ENCODE_DEPTH} levels deep)")
        if isinstance(v, dict):
            items = list(v.items())
            if all(type(k) is str for k, _ in items) and TAG not in v:
                return {k: _encode(x, depth + 1) for k, x in items}
            return {TAG: ["dict", [[_encode(k, depth + 1), _encode(x, depth + 1)] for k, x in items]]}
        if isinstance(v, list):
            return [_encode(x, depth + 1) for x in v]
        if isinstance(v, tuple):
            return {TAG: ["tuple", [_encode(x, depth + 1) for x in v]]}
        return _stand_in(v)
    except Exception:  # noqa: BLE001 - a hostile mapping or number: shown as what it is
        return _stand_in(v, "(which cannot be read)")


class Foreign:
    """A value of the plugin's answer that JSON cannot hold (a Decimal, an object), held as its repr; its
    class bears the value's type name (`_foreign`), so wire.got says `Decimal Decimal('115.00')`."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


_KINDS: dict[str, type] = {}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")


def _foreign(name: Any, text: Any) -> Foreign:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        name = "object"
    cls = _KINDS.get(name)
    if cls is None:
        cls = type(name, (Foreign,), {"__slots__": ()}) if len(_KINDS) < 256 else Foreign
        if cls is not Foreign:
            _KINDS[name] = cls
    return cls(text[:1000] if isinstance(text, str) else "?")


def _decode(v: Any, depth: int = 1) -> Any:
    """What `_encode` wrote, back; _Garbled for what it does not write (or nesting past DECODE_DEPTH)."""
    if isinstance(v, list):
        if depth > DECODE_DEPTH:
            raise _Garbled(f"values nested more than {DECODE_DEPTH} levels deep")
        return [_decode(x, depth + 1) for x in v]
    if not isinstance(v, dict):
        return v
    if depth > DECODE_DEPTH:
        raise _Garbled(f"values nested more than {DECODE_DEPTH} levels deep")
    if TAG not in v:
        return {k: _decode(x, depth + 1) for k, x in v.items()}
    t = v[TAG]
    if len(v) != 1 or not isinstance(t, list) or not t:
        raise _Garbled("a tagged value of the wrong shape")
    kind = t[0]
    if kind == "int" and len(t) == 3 and type(t[1]) is int and t[1] > 0 and isinstance(t[2], bool):
        if t[1] > HUGE_INT_DIGITS:
            return _foreign("int", f"<an int of {t[1]} digits>")
        n = 10 ** (t[1] - 1)   # a stand-in of as many digits: all wire.got shows of an int this wide
        return -n if t[2] else n
    if kind == "dict" and len(t) == 2 and isinstance(t[1], list):
        out = {}
        for pair in t[1]:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise _Garbled("a tagged mapping of the wrong shape")
            try:
                out[_decode(pair[0], depth + 3)] = _decode(pair[1], depth + 3)
            except TypeError:
                raise _Garbled("an unhashable key") from None
        return out
    if kind == "tuple" and len(t) == 2 and isinstance(t[1], list):
        return tuple(_decode(x, depth + 2) for x in t[1])
    if kind == "obj" and len(t) == 3:
        return _foreign(t[1], t[2])
    raise _Garbled("an unknown tagged value")


def _small_int(text: str) -> int:
    if len(text) > 120:
        raise ValueError("an integer wider than conform sends")
    return int(text)


def _loads(body: bytes) -> Any:
    try:
        value = json.loads(body.decode("utf-8", "surrogatepass"), parse_int=_small_int)
    except (ValueError, RecursionError):
        raise _Garbled("a frame that is not conform's JSON") from None
    try:
        return _decode(value)
    except RecursionError:
        raise _Garbled("values nested too deep") from None


def _containers(body: bytes) -> int:
    return body.count(b"{") + body.count(b"[")


def _parse(body: bytes) -> dict:
    """What a reply or hello holds beside an answer; _TooLarge before parsing where it opens more objects and
    arrays than a sound child sends (BESIDE_CONTAINERS)."""
    if (n := _containers(body)) > BESIDE_CONTAINERS:
        raise _TooLarge(n, "containers")
    decoded = _loads(body)
    if not isinstance(decoded, dict):
        raise _Garbled("a frame of the wrong shape")
    return decoded


def _dumps(obj: Any) -> bytes:
    """JSON as an HTTP body holds it: UTF-8 (a Chinese character is 3 bytes, not a 6-byte \\u escape); a lone
    surrogate, which UTF-8 cannot hold, as its 3 bytes all the same (`_loads` reads them back)."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=True, separators=(",", ":")).encode("utf-8", "surrogatepass")


def _within(value: Any, budget: int, what: str) -> Any:
    """`value` encoded, or a note in its place if its JSON is more than `budget` bytes or opens more than
    DETAIL_CONTAINERS objects and arrays."""
    encoded = _encode(value)
    body = _dumps(encoded)
    if len(body) > budget:
        return {"not_kept": f"{what}: {len(body)} bytes as JSON, more than the {budget} kept"}
    if (n := _containers(body)) > DETAIL_CONTAINERS:
        return {"not_kept": f"{what}: {n} objects and arrays, more than the {DETAIL_CONTAINERS} kept"}
    return encoded


def _evidence_kept(op: str, entries: list) -> list:
    """The evidence a call recorded, as the parent keeps it (`ContainedPlugin._outcome`: EVIDENCE_TEXT characters
    of a string, EVIDENCE_ENTRIES entries), up to EVIDENCE_BYTES of JSON; past that, a note of what was dropped."""
    kept: list = []
    used = opened = 0
    for n, entry in enumerate(entries[:EVIDENCE_ENTRIES]):
        if isinstance(entry, dict):
            entry = {k: _plain(v, text=EVIDENCE_TEXT) for k, v in list(entry.items())[:20]}
        encoded = _encode(entry)
        body = _dumps(encoded)
        used += len(body)
        opened += _containers(body)
        if used > EVIDENCE_BYTES or opened > EVIDENCE_CONTAINERS:
            full = (f"the {EVIDENCE_BYTES} bytes" if used > EVIDENCE_BYTES
                    else f"the {EVIDENCE_CONTAINERS} objects and arrays")
            kept.append({"operation": op, "request": None, "response": None,
                         "not_kept": f"{len(entries) - n} more entries of evidence: {full} "
                                     f"kept of one call's are full"})
            break
        kept.append(encoded)
    return kept


# ---------------------------------------------------------------------------- the child
def _die_with_parent() -> None:
    """SIGKILL this process when the thread that forked it ends (Linux's PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
    except Exception:  # noqa: BLE001 - the watchdog thread still ends the child
        pass


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def _describe_of(adapter: Adapter) -> Any:
    try:
        return adapter.describe()
    except Exception:  # noqa: BLE001 - the base class's words, then
        try:
            return Adapter.describe(adapter)
        except Exception:  # noqa: BLE001
            return {}


def _hello(adapter: Adapter) -> dict:
    from .base import takes_use_date
    from .reference import ReferenceAdapter

    cls = type(adapter)
    return {"plugin": f"{cls.__module__}.{cls.__qualname__}", "name": adapter.name,
            "description": getattr(adapter, "description", ""), "supports": sorted(map(str, adapter.supports)),
            "concurrency": getattr(adapter, "concurrency", 1),
            "optional_figures": sorted(map(str, getattr(adapter, "optional_figures", ()) or ())),
            # as conform.harness.properties.runner.in_process reads it: batches of examples
            "in_process": isinstance(adapter, ReferenceAdapter) or getattr(adapter, "in_process", False) is True,
            "takes_date": takes_use_date(adapter), "describe": _within(_describe_of(adapter), DETAIL_BYTES, "describe()")}


def _text(v: Any) -> str:
    try:
        return evidence.shorten(v if isinstance(v, str) else str(v), TEXT_LIMIT, "…")
    except Exception:  # noqa: BLE001
        return "(cannot be shown)"


def _serve(adapter: Adapter, op: str, args: tuple, kwargs: dict) -> dict:
    """One operation of the plugin, its outcome as a reply (python_plugin._guarded reads it there)."""
    evidence.begin()
    try:
        if op not in ("start", "stop", *OPERATIONS):
            raise ValueError(f"unknown operation {op!r}")
        reply: dict = {"answer": _encode(getattr(adapter, op)(*args, **kwargs))}
    except SettlementRefused as e:
        reply = {"refused": [_text(e.message), _within(e.evidence, DETAIL_BYTES, "the refusal's evidence")]}
    except SutError as e:
        reply = {"sut_error": [_text(e.kind)[:50], _text(e.message),
                               _within(e.evidence, DETAIL_BYTES, "the error's evidence"),
                               isinstance(e, SystemUnreachable)]}
    except NotApplicable as e:
        reply = {"not_applicable": [_text(getattr(e, "adapter", adapter.name)), _text(getattr(e, "operation", op))]}
    except BaseException as e:  # noqa: BLE001 - the plugin's own, KeyboardInterrupt and SystemExit too
        tb = e.__traceback__
        e.__traceback__ = tb.tb_next if tb is not None else None   # this function's frame is not the plugin's
        reply = {"exception": [type(e).__name__[:100], _text_of(e), _frames(e)]}
    reply["evidence"] = _evidence_kept(op, evidence.take())
    if op == "start":
        reply["describe"] = _within(_describe_of(adapter), DETAIL_BYTES, "describe()")
    return reply


def _child(load: Callable[[], Adapter], where: str, req: int, resp: int, out: int, parent: int,
           from_main: bool) -> None:
    os.setsid()   # a session of its own: no terminal's or process group's signal reaches the plugin
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
        signal.signal(sig, signal.SIG_DFL)
    if from_main:
        _die_with_parent()
    if os.getppid() != parent:
        return
    for fd in list(_parent_fds):   # the other children's pipes: theirs to close, not this child's to hold
        try:
            os.close(fd)
        except OSError:
            pass
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    _kept.extend((sys.stdin, sys.stdout, sys.stderr))  # released, the parent's objects might close fds 0-2
    sys.stdin = open(0, encoding="utf-8", closefd=False)
    sys.stdout = open(1, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False)
    try:
        import faulthandler

        faulthandler.enable(sys.stderr, all_threads=False)   # a segfault's frames in the evidence
    except Exception:  # noqa: BLE001
        pass
    threading.Thread(target=_watch_parent, args=(parent,), name="conform-watch-parent", daemon=True).start()
    evidence.begin()
    try:
        adapter = load()
    except PluginError as e:
        _send(resp, _dumps({"error": _text(str(e))}))
        return
    except BaseException as e:  # noqa: BLE001 - KeyboardInterrupt raised while importing, too
        _send(resp, _dumps({"error": _text(f"{where}: importing or building the adapter failed: "
                                           f"{type(e).__name__}: {_text_of(e)}")}))
        return
    try:
        hello = _dumps({"hello": _encode(_hello(adapter))})
    except BaseException as e:  # noqa: BLE001 - an adapter whose attributes cannot be read
        _send(resp, _dumps({"error": _text(f"{where}: reading the adapter's attributes failed: "
                                           f"{type(e).__name__}: {_text_of(e)}")}))
        return
    evidence.take()
    _send(resp, hello)
    while True:
        try:
            seq, op, args, kwargs = pickle.loads(_recv(req, 1 << 30))
        except _Gone:
            return
        if op == "quit":
            return
        reply = _serve(adapter, op, args, kwargs)
        reply["seq"] = seq
        try:   # the answer apart: max_response_bytes bounds it alone
            answer = _dumps(reply.pop("answer")) if "answer" in reply else b""
            rest = _dumps(reply)
        except Exception as e:  # noqa: BLE001 - cannot happen for encoded values; said rather than hung
            answer, rest = b"", _dumps({"seq": seq, "exception": ["EncodeError", _text(e), []], "evidence": []})
        try:
            _send_reply(resp, answer, rest)
        except _Gone:
            return


class _Child:
    """One forked process running the plugin; this process's ends of its pipes."""

    def __init__(self, load: Callable[[], Adapter], where: str):
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        out_r, out_w = os.pipe()
        self.parent = os.getpid()
        from_main = threading.current_thread() is threading.main_thread()
        try:
            with warnings.catch_warnings():  # Python 3.12 warns of fork with threads: the child runs none of ours
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
        except OSError as e:  # no process to be had (EAGAIN, ENOMEM)
            for fd in (req_r, req_w, resp_r, resp_w, out_r, out_w):
                os.close(fd)
            raise PluginError(f"{where}: cannot start a process for the plugin: {e}") from None
        if pid == 0:  # the child: never returns into the caller
            code = 0
            try:
                for fd in (req_w, resp_r, out_r):
                    os.close(fd)
                _child(load, where, req_r, resp_w, out_w, self.parent, from_main)
            except BaseException:  # noqa: BLE001 - conform's own failure in the child: its traceback on its output
                code = 70
                try:
                    traceback.print_exc()
                    sys.stderr.flush()
                except BaseException:  # noqa: BLE001
                    pass
            finally:
                os._exit(code)
        for fd in (req_r, resp_w, out_w):
            os.close(fd)
        os.set_blocking(req_w, False)
        self.pid, self.req, self.resp, self.out = pid, req_w, resp_r, out_r
        _parent_fds.update((req_w, resp_r, out_r))
        self.code: int | None = None
        self.seq = 0
        self._tail = bytearray()
        self._lock = threading.Lock()
        self._drainer = threading.Thread(target=self._drain, name="conform-plugin-output", daemon=True)
        self._drainer.start()

    def _drain(self) -> None:
        """What the plugin prints, kept only at its end (OUTPUT_TAIL bytes)."""
        try:
            while True:
                chunk = os.read(self.out, 65536)
                if not chunk:
                    break
                with self._lock:
                    self._tail = (self._tail + chunk)[-OUTPUT_TAIL:]
        except OSError:
            pass
        finally:
            _parent_fds.discard(self.out)
            try:
                os.close(self.out)
            except OSError:
                pass

    def output(self) -> str:
        """The end of what it printed, from a fatal error's report where there is one (faulthandler's: the
        plugin's frames first), at most 2000 characters. Called once it has ended: what it wrote last is
        read first (unless something it started holds the pipe open)."""
        self._drainer.join(1.0)
        with self._lock:
            text = bytes(self._tail).decode("utf-8", "replace").strip()
        fatal = text.rfind("Fatal Python error")
        return evidence.shorten(text[fatal:] if fatal >= 0 else text[-2000:], 2000, "…")

    def ask(self, op: str, args: tuple, kwargs: dict, seconds: float, limit: int) -> dict:
        try:
            request = pickle.dumps((self.seq + 1, op, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:  # noqa: BLE001 - conform's arguments: its own failure, nothing was sent
            raise Unsendable(f"{op}: conform cannot send its request to the plugin's process: "
                             f"{type(e).__name__}: {evidence.shorten(str(e), 300, '…')}") from e
        self.seq += 1
        deadline = time.monotonic() + seconds
        _send(self.req, request, deadline)
        reply = _recv_reply(self.resp, limit, deadline)
        if reply.get("seq") != self.seq:
            raise _Garbled("an answer out of turn")
        return reply

    def hello(self, seconds: float, limit: int) -> dict:
        return _parse(_recv(self.resp, limit, time.monotonic() + seconds))

    def ended(self, wait: float = 0.0) -> int | None:
        """Its exit code once it has ended (negative: the signal that killed it), waiting up to `wait` s.
        What it started in its process group is killed before it is reaped (`_end_group`)."""
        if self.code is not None:
            return self.code
        until = time.monotonic() + wait
        while True:
            try:
                if os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                    self._end_group()
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: ended, how is not known
                self.code = 0x7FFF
                return self.code
            if pid:
                self.code = os.waitstatus_to_exitcode(status)
                return self.code
            if time.monotonic() >= until:
                return None
            time.sleep(0.005)

    def _end_group(self) -> None:
        """SIGKILL to its process group: what the plugin started (a helper it Popen'ed) ends with it. Only while
        it is not reaped: its pid, the group's id, is its own until then, never another process's."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:   # no such group (it ended before setsid; its helpers are then in conform's)
            pass

    def kill(self) -> None:
        """SIGKILL to its process group (what the plugin started too), then reaped."""
        if os.getpid() != self.parent:   # a copy of this object in another child: not its to kill
            return
        if self.code is None:
            self._end_group()
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
            self.ended(5.0)
        self._close()

    def quit(self) -> None:
        """Asked to end; killed if it does not within QUIT_SECONDS."""
        if os.getpid() != self.parent:
            return
        try:
            _send(self.req, pickle.dumps((0, "quit", (), {})), time.monotonic() + QUIT_SECONDS)
        except (_Late, _Gone):
            pass
        if self.ended(QUIT_SECONDS) is None:
            self.kill()
        self._close()

    def _close(self) -> None:
        for fd in (self.req, self.resp):
            if fd in _parent_fds:
                _parent_fds.discard(fd)
                try:
                    os.close(fd)
                except OSError:
                    pass


def how_it_ended(code: int | None) -> str:
    """"exited with status 0", "was killed by signal 11 (SIGSEGV)"."""
    if code is None:
        return "closed conform's pipe"
    if code == 0x7FFF:
        return "ended"
    if code >= 0:
        return f"exited with status {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = "?"
    said = f"was killed by signal {-code} ({name})"
    if -code == signal.SIGKILL:
        said += ", e.g. by the out-of-memory killer"
    return said


def _open(load: Callable[[], Adapter], where: str, config: AdapterConfig) -> tuple[_Child, dict]:
    """A child with the plugin built in it, and what it says of the plugin; PluginError if it cannot be."""
    child = _Child(load, where)
    seconds = max(START_SECONDS, float(config.timeout))
    try:
        reply = child.hello(seconds, BESIDE_LIMIT)
    except _Late:
        child.kill()
        raise PluginError(f"{where}: importing and building the adapter gave no answer within {seconds:g} s") from None
    except _Gone:
        code = child.ended(1.0)
        child.kill()
        said = child.output()
        raise PluginError(evidence.shorten(f"{where}: the plugin's process {how_it_ended(code)} while importing "
                                           f"and building the adapter" + (f" (its last output: {said})" if said
                                                                           else ""), 1000)) from None
    except (_TooLarge, _Garbled) as e:
        child.kill()
        raise PluginError(f"{where}: the plugin's process wrote what conform cannot read ({type(e).__name__})") \
            from None
    except BaseException:   # the user's Ctrl-C while it starts
        child.kill()
        raise
    if "error" in reply:
        child.quit()
        raise PluginError(_text(reply["error"]))
    hello = reply.get("hello")
    if not isinstance(hello, dict):
        child.kill()
        raise PluginError(f"{where}: the plugin's process wrote what conform cannot read (no hello)")
    return child, hello


PLUGIN_NAME = re.compile(r"[A-Za-z0-9_.<>]{1,300}")


class ContainedPlugin(Adapter):
    """The stand-in for a plugin running in a process of its own (the module's docstring says how)."""

    def __init__(self, load: Callable[[], Adapter], where: str, label: str, config: AdapterConfig,
                 child: _Child, hello: dict):
        self._load, self._where, self._config = load, where, config
        self._limit = int(config.max_response_bytes)
        claimed = hello.get("plugin")
        self.plugin = claimed if isinstance(claimed, str) and PLUGIN_NAME.fullmatch(claimed) else label
        name = hello.get("name")
        self.name = name[:1000] if isinstance(name, str) and name else label
        description = hello.get("description")
        self.description = description[:TEXT_LIMIT] if isinstance(description, str) else ""
        supports = hello.get("supports")
        self.supports = frozenset(s for s in supports if s in OPERATIONS) if isinstance(supports, list) else frozenset()
        if not self.supports:
            child.kill()
            raise PluginError(f"{where}: the adapter declares no supported operations (`supports` is empty)")
        concurrency = hello.get("concurrency")
        self.concurrency = concurrency if type(concurrency) is int and 1 <= concurrency <= 1024 else 1
        optional = hello.get("optional_figures")
        self.optional_figures = (frozenset(f for f in optional if f in SETLINFO_FIELDS) if isinstance(optional, list)
                                 else frozenset())
        self.in_process = hello.get("in_process") is True
        described = hello.get("describe")
        self._described = _plain(described) if isinstance(described, dict) else Adapter.describe(self)
        self._started = self._stopped = False
        self._lost = ""
        self._lock = threading.RLock()
        self._box = [child]   # the live child, for the finalizer
        weakref.finalize(self, _kill_box, self._box)
        self._guard = _Guard(self, config, plugin=self.plugin, alarm=False)
        self._ops = {op: _guarded(op, functools.partial(self._remote, op), self._guard) for op in ("start", *OPERATIONS)}

    # ------------------------------------------------------------------ the adapter interface
    def describe(self) -> dict:
        return dict(self._described)

    def start(self) -> None:
        self._started = True
        self._ops["start"]()

    def stop(self) -> None:
        """The plugin's stop(), given `timeout` seconds (what it raises is ignored: no check is running),
        then its process ends."""
        with self._lock:
            child, self._box[0] = self._box[0], None
            self._stopped = True
        if child is None:
            return
        try:
            child.ask("stop", (), {}, self._guard.timeout, self._limit)
        except Exception:  # noqa: BLE001 - stopping: nothing is judged any more
            pass
        child.quit()

    def close(self) -> None:
        """End the plugin's process without calling its stop() (a plugin built only to be checked)."""
        with self._lock:
            child, self._box[0] = self._box[0], None
            self._stopped = True
        if child is not None:
            child.quit()

    def prepare_person(self, *args: Any, **kwargs: Any) -> Any:
        return self._ops["prepare_person"](*args, **kwargs)

    def presettle(self, *args: Any, **kwargs: Any) -> Any:
        return self._ops["presettle"](*args, **kwargs)

    def settle(self, *args: Any, **kwargs: Any) -> Any:
        return self._ops["settle"](*args, **kwargs)

    def reverse(self, *args: Any, **kwargs: Any) -> Any:
        return self._ops["reverse"](*args, **kwargs)

    def query_ytd(self, *args: Any, **kwargs: Any) -> Any:
        return self._ops["query_ytd"](*args, **kwargs)

    def credit_month(self, *args: Any, **kwargs: Any) -> Any:
        return self._ops["credit_month"](*args, **kwargs)

    def check_account_use(self, psn_no: str, relation: str, purpose: str,  # type: ignore[override]
                          amount: str | None = None) -> Any:
        return self._ops["check_account_use"](psn_no, relation, purpose, amount)

    # ------------------------------------------------------------------ one call in the child
    def _drop(self, child: _Child, why: str) -> None:
        child.kill()
        if self._box[0] is child:
            self._box[0] = None
        self._lost = why

    def _restart(self, op: str) -> _Child:
        """A new child for the plugin whose last one was stopped or ended, its start() called again."""
        if self._stopped:
            raise PluginDied(f"{op}: the plugin {self.plugin} was stopped")
        try:
            child, _ = _open(self._load, self._where, self._config)
        except PluginError as e:
            raise PluginDied(f"{op}: the plugin {self.plugin} could not be started again after {self._lost}: "
                             f"{evidence.shorten(str(e), 500)}") from None
        if self._started:
            try:
                reply = child.ask("start", (), {}, self._guard.timeout, self._limit)
            except (_Late, _Gone, _TooLarge, _Garbled) as e:
                code = child.ended(0.5)
                self._drop(child, self._lost)
                raise PluginDied(f"{op}: the plugin {self.plugin} could not be started again after {self._lost}: "
                                 f"its start() " + ("gave no answer in time" if isinstance(e, _Late)
                                                    else how_it_ended(code)), child.output()) from None
            except BaseException:   # the user's Ctrl-C: the new process is in no box yet, so nothing else ends it
                child.kill()
                raise
            if "answer" not in reply:
                self._drop(child, self._lost)
                raise PluginDied(f"{op}: the plugin {self.plugin} could not be started again after {self._lost}: "
                                 f"its start() failed")
        self._box[0] = child
        return child

    def _remote(self, op: str, *args: Any, **kwargs: Any) -> Any:
        timeout = self._guard.timeout
        with self._lock:
            child = self._box[0] or self._restart(op)
            before = child.ended() is not None   # it ended after its last answer
            try:
                reply = child.ask(op, args, kwargs, timeout, self._limit)
            except _Late:
                self._drop(child, f"its timeout in {op}")
                raise PluginTimeout(f"{op}: no answer within {timeout:g} s (its process was stopped; the next "
                                    f"call starts the plugin afresh)") from None
            except _Gone:
                code = child.ended(1.0)
                said = how_it_ended(code)
                self._drop(child, f"its process {said} in {op}")
                when = "after its last answer, before" if before else "during"
                raise PluginDied(f"{op}: the plugin {self.plugin}'s process {said} {when} {op}, giving no answer",
                                 child.output()) from None
            except _TooLarge as e:
                size, part = e.args
                self._drop(child, f"its {'answer' if part == 'answer' else 'reply'} to {op} was too large")
                if part == "answer":
                    raise SutError("too_large", f"{op}: the answer is larger than {self._limit} bytes "
                                                f"(max_response_bytes; its JSON is {size} bytes)") from None
                if part == "containers":
                    raise SutError("too_large", f"{op}: what the plugin's process sent beside the answer (the "
                                                f"evidence it recorded, a refusal's or error's details) opens more "
                                                f"than {BESIDE_CONTAINERS} objects and arrays ({size})") from None
                raise SutError("too_large", f"{op}: what the plugin's process sent beside the answer (the evidence "
                                            f"it recorded, a refusal's or error's details) is larger than "
                                            f"{BESIDE_LIMIT} bytes ({size} bytes)") from None
            except _Garbled as e:
                self._drop(child, f"it wrote {e} in {op}")
                raise SutError("malformed", f"{op}: the plugin's process wrote {e} on conform's pipe") from None
            except Unsendable:   # nothing was sent: the process is as it was
                raise
            except BaseException:  # the user's Ctrl-C while waiting: the call is abandoned, its process too
                self._drop(child, f"an interrupt in {op}")
                raise
            try:
                return self._outcome(op, reply)
            except _Garbled as e:
                self._drop(child, f"it wrote {e} in {op}")
                raise SutError("malformed", f"{op}: the plugin's process wrote {e} on conform's pipe") from None

    def _outcome(self, op: str, reply: dict) -> Any:
        """The child's reply as the plugin's own call would have ended: its answer, or the exception."""
        kept = reply.get("evidence")
        for entry in (kept if isinstance(kept, list) else [])[:EVIDENCE_ENTRIES]:
            if isinstance(entry, dict):
                extra = {k[:100]: _plain(v, text=EVIDENCE_TEXT) for k, v in list(entry.items())[:20]
                         if isinstance(k, str) and k not in ("operation", "request", "response")}
                evidence.record(_text(entry.get("operation"))[:100], _plain(entry.get("request"), text=EVIDENCE_TEXT),
                                _plain(entry.get("response"), text=EVIDENCE_TEXT), **extra)
        if "answer" in reply:
            if op == "start" and isinstance(reply.get("describe"), dict):
                self._described = _plain(reply["describe"])
            return reply["answer"]
        for key, size in (("refused", 2), ("sut_error", 4), ("not_applicable", 2), ("exception", 3)):
            if key in reply:
                said = reply[key]
                if not (isinstance(said, list) and len(said) == size):
                    raise _Garbled(f"a {key} of the wrong shape")
                break
        else:
            raise _Garbled("a reply without an outcome")
        if key == "refused":
            raise SettlementRefused(_text(said[0]), _plain(said[1]) if isinstance(said[1], dict) else {})
        if key == "sut_error":
            ev = _plain(said[2]) if isinstance(said[2], dict) else {}
            if said[3] is True:
                raise SystemUnreachable(_text(said[1]), ev)
            raise SutError(_text(said[0])[:50], _text(said[1]), ev)
        if key == "not_applicable":   # _guarded judges it by the operation called, not by these strings: one the
            # plugin declares in `supports` is its error (python_plugin.declined_supported), never 不适用
            raise NotApplicable(_text(said[0])[:1000], _text(said[1])[:100])
        frames = [evidence.shorten(f, 300, "…") for f in said[2] if isinstance(f, str)][-TRACEBACK_FRAMES:] \
            if isinstance(said[2], list) else []
        name = said[0] if isinstance(said[0], str) and _NAME.fullmatch(said[0]) else "Exception"
        raise PluginRaised(name, evidence.shorten(_text(said[1]), MESSAGE_LIMIT, "…"), frames)


class _DatedContainedPlugin(ContainedPlugin):
    """The stand-in for a plugin whose check_account_use takes the use's `date` (adapters.takes_use_date)."""

    def check_account_use(self, psn_no: str, relation: str, purpose: str, amount: str | None = None,
                          date: Any = None, **kwargs: Any) -> Any:
        if date is not None:
            kwargs["date"] = date
        return self._ops["check_account_use"](psn_no, relation, purpose, amount, **kwargs)


def _kill_box(box: list) -> None:
    child = box[0]
    if child is not None:
        box[0] = None
        child.kill()


def contain(load: Callable[[], Adapter], where: str, label: str, config: AdapterConfig) -> ContainedPlugin:
    """The plugin that `load()` builds, in a process of its own; PluginError (named by `where`) if it cannot
    be imported or built there, as in process. `label` names it until it has said its class."""
    child, hello = _open(load, where, config)
    cls = _DatedContainedPlugin if hello.get("takes_date") is True else ContainedPlugin
    return cls(load, where, label, config, child, hello)
