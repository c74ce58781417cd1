"""Python plugins: `python:package.module:Class`, or a name in the `conform.adapters` entry-point group.

A vendor with a Python client for their system subclasses `conform.harness.adapters.Adapter`
and either names it on the command line (`--adapter python:acme_conform:AcmeAdapter`)
or publishes it from their package:

    [project.entry-points."conform.adapters"]
    acme = "acme_conform:AcmeAdapter"

and runs `conform run --adapter acme`. The module is imported from the installed
packages or the current directory. The class is built as `Class(config)` when
its constructor takes an argument (the checked `AdapterConfig` of the TOML file,
whose `options` table is free-form), else `Class()`.

A plugin is the system under test, held to what an HTTP system is: an exception
escaping one of its operations that the interface does not document (anything
but SutError, SettlementRefused, NotApplicable for an operation it does not declare in `supports`) is
the system's error,
`plugin_exception`, with its last frames as evidence; each answer is read by
the http adapter's readers (conform.harness.adapters.wire), so None, a list, a
missing figure or a float amount is `missing_field` / `wrong_type`; and each
call is bounded by `[adapter] timeout`.

`conform run` builds the plugin with `contained=True`: in a process of its own
(conform.harness.adapters.plugin_process, Linux), where the wall clock bounds each
call and the plugin's end, crash or KeyboardInterrupt is its error. Built here
(`make_adapter` by default, and elsewhere than Linux) the plugin runs in this
process, its calls bounded by SIGALRM where Python can (`_bounded`).
"""
from __future__ import annotations

import functools
import importlib
import inspect
import math
import os
import signal
import sys
import threading
import time
import traceback
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Callable

from .. import evidence
from ..config import AdapterConfig
from . import wire
from .base import OPERATIONS, Adapter, NoAnswerCount, NotApplicable, SettlementRefused, SutError, SystemUnreachable

GROUP = "conform.adapters"
TRACEBACK_FRAMES = 8        # the last frames of a plugin's exception kept as evidence
# A declared operation a plugin may still decline call by call (NotApplicable, 不适用): preparing a person it cannot
# hold (a fixed test environment without such a person, as the platform profile's pool), which comes before any
# figure is asked, so it cannot hide a wrong answer the way declining a settlement could (probe s24 Y F2)
DECLINABLE = frozenset({"prepare_person"})
MESSAGE_LIMIT = 300         # characters of a plugin exception's own message quoted
# How each operation's answer is checked: by the http adapter's readers of the same answer (conform.harness
# .adapters.wire), so a plugin is held to what an HTTP system is. prepare_person answers nothing.
READERS: dict[str, Callable[[dict, tuple, Adapter], Any]] = {
    "presettle": lambda out, args, a: wire.read_setlinfo({"setlinfo": out}, "2206", a.optional_figures),
    "settle": lambda out, args, a: wire.read_setlinfo({"setlinfo": out}, "2207", a.optional_figures),
    "reverse": lambda out, args, a: wire.read_setlinfo({"setlinfo": out}, "2208", a.optional_figures),
    "query_ytd": lambda out, args, a: wire.read_cuminfo({"cuminfo": out}, args[1] if len(args) > 1 else 0),
    "credit_month": lambda out, args, a: wire.read_credit(out),
    "check_account_use": lambda out, args, a: wire.read_use(out),
}


class PluginError(ValueError):
    """A plugin that cannot be found, imported or built; the message says which and why."""


def registered() -> dict[str, EntryPoint]:
    """Adapters published by installed packages under the `conform.adapters` entry-point group."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def _build(cls: object, where: str, config: AdapterConfig) -> Adapter:
    """The plugin built (`_construct`) with each operation guarded (`_guarded`): the plugin in this process."""
    adapter = _construct(cls, where, config)
    guard = _Guard(adapter, config)
    for op in ("start", *OPERATIONS):
        setattr(adapter, op, _guarded(op, getattr(adapter, op), guard))

    def require(operation: str) -> None:
        """What the plugin declared when built: changing `supports` (or `require`) later cannot turn a declared
        operation 不适用 call by call (declined_supported), as a plugin in its own process cannot."""
        if operation not in guard.declared:
            raise NotApplicable(adapter.name, operation)
    adapter.require = require  # type: ignore[method-assign]
    return adapter


def _construct(cls: object, where: str, config: AdapterConfig) -> Adapter:
    """`Class(config)` or `Class()`, checked to be an adapter supporting something; PluginError if not."""
    if not (inspect.isclass(cls) and issubclass(cls, Adapter)):
        raise PluginError(f"{where} is not a subclass of conform.harness.adapters.Adapter (got {cls!r})")
    try:
        takes_config = any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
                           for p in list(inspect.signature(cls).parameters.values()))
    except (TypeError, ValueError):
        takes_config = False
    try:
        adapter = cls(config) if takes_config else cls()
    except Exception as e:  # noqa: BLE001 - a plugin's own failure, reported with its name
        raise PluginError(f"{where}: building the adapter failed: {type(e).__name__}: {e}") from None
    if not adapter.supports:
        raise PluginError(f"{where}: the adapter declares no supported operations (`supports` is empty)")
    return adapter


class _Overdue(BaseException):
    """Raised into a plugin call that outlived the timeout: not an Exception, so a plugin's own
    `except Exception` (a retry loop) cannot swallow it."""


class Unsendable(Exception):
    """conform could not send a request to a plugin's process (its arguments do not pickle): conform's own
    failure, never blamed on the plugin."""


class PluginTimeout(SutError):
    """A plugin call that gave no answer within the configured timeout. `late` holds, as (answer,), the answer
    of a call that caught every alarm and returned after the timeout all the same: evidence, not an answer."""

    def __init__(self, message: str, late: tuple = ()):
        super().__init__("timeout", message)
        self.late = late


class PluginDied(SutError):
    """A plugin's process that ended, or had to be stopped, without answering a call (the plugin runs in a
    process of its own: conform.harness.adapters.plugin_process). `output` is the end of what it printed."""

    def __init__(self, message: str, output: str = ""):
        super().__init__("plugin_exception", message)
        self.output = output


class PluginRaised(Exception):
    """An exception of the plugin's own, raised in its process and described across the pipe: its type's
    name, its bounded message and its last frames, as `_guarded` reports one raised here."""

    def __init__(self, name: str, text: str, frames: list[str]):
        super().__init__(f"{name}: {text}")
        self.name, self.text, self.frames = name, text, frames


def _bounded(op: str, seconds: float, method: Callable, args: tuple, kwargs: dict) -> Any:
    """`method(*args, **kwargs)`, interrupted after `seconds` by SIGALRM (setitimer) when this is the main
    thread and no other alarm is set (an outer call of the same plugin's, or pytest-timeout's, bounds it
    then). The alarm repeats every second until the call returns, in case the plugin swallows the first; a
    call that swallows every one (a bare `except:` in a retry loop) and then answers is a timeout all the
    same — it was still running when the time was up — its late answer kept in the error. It cannot stop
    code that never returns to the interpreter (a C extension looping or blocked with the GIL held), nor
    calls in other threads (`concurrency` > 1 runs persons in threads)."""
    usable = (seconds and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread()
              and signal.getitimer(signal.ITIMER_REAL)[0] == 0)
    if not usable:
        return method(*args, **kwargs)
    inside, alarms = [True], [0]

    def overdue(signum: int, frame: Any) -> None:
        if inside[0]:
            alarms[0] += 1
            raise _Overdue

    previous = signal.signal(signal.SIGALRM, overdue)
    started = time.monotonic()
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
        try:
            out = method(*args, **kwargs)
        finally:
            inside[0] = False
        if alarms[0]:  # the call caught every alarm raised into it and answered late: not an answer in time
            raise PluginTimeout(f"{op}: no answer within {seconds:g} s (it answered after "
                                f"{time.monotonic() - started:.1f} s, having caught the timeout's "
                                f"{alarms[0]} alarm(s))", late=(out,))
        return out
    except _Overdue:
        inside[0] = False
        raise PluginTimeout(f"{op}: no answer within {seconds:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


class _Guard:
    """What every call of one plugin shares: its name for messages, the timeout, and the count of calls that
    got no answer (base.NoAnswerCount, the http adapter's rule): `consecutive_failures` calls in a row that
    timed out or whose process ended make the system unreachable, as an HTTP system's connection failures
    do. For a plugin in a process of its own (`alarm` False), also each operation's own count of timeouts,
    which another operation's answer does not reset: it is started afresh after each timeout, so one whose
    first settle in a process is slow (a lazy login) times out in every check while each check's
    prepare_person answers — stopped, naming the operation, not run to the end at `timeout` seconds a check.
    (A process that ends costs no wait: the run goes on, each check reported. In process a timeout loses
    nothing: an answer of any operation resets the count, as before.) A `start` that gives no answer stops
    the run at once: it is called once, and every check would fail on it alike. A stop after a timeout is
    the error `timeout` on its check, as the http adapter's is, else `connection`."""

    def __init__(self, adapter: Adapter, config: AdapterConfig, plugin: str | None = None, alarm: bool = True):
        cls = type(adapter)
        self.adapter = adapter
        # the operations declared when the plugin was built: a NotApplicable from one is its error
        # (declined_supported), however `supports` is changed later
        self.declared = frozenset(op for op in adapter.supports if op in OPERATIONS)
        self.plugin = plugin or f"{cls.__module__}.{cls.__qualname__}"
        self.alarm = alarm  # False: the call bounds itself (a plugin in its own process, by the wall clock)
        self.timeout = float(config.timeout)
        self._lock = threading.Lock()
        self._count = NoAnswerCount(config.consecutive_failures, per_operation=not alarm)
        self.max_failures = self._count.limit
        self.unreachable: str | None = None

    def call(self, op: str, method: Callable, args: tuple, kwargs: dict) -> Any:
        if self.unreachable is not None:
            raise SystemUnreachable(self.unreachable)
        try:
            out = _bounded(op, self.timeout, method, args, kwargs) if self.alarm else method(*args, **kwargs)
        except (PluginTimeout, PluginDied) as e:
            timed_out = isinstance(e, PluginTimeout)
            how = f"gave no answer within {self.timeout:g} s" if timed_out else "ended without an answer"
            with self._lock:
                stop = self._count.no_answer(op, timed_out)
                if self.unreachable is None and op == "start":
                    self.unreachable = f"system unreachable: its start() {how} (last: {e.message}) in {self.plugin}"
                elif self.unreachable is None and stop is not None:
                    rule, count = stop
                    if rule == "any":
                        self.unreachable = (f"system unreachable: {count} plugin calls in a row {how} "
                                            f"(last: {e.message}) in {self.plugin}")
                    else:   # named by the plugin's own method, as the http adapter names its transaction
                        self.unreachable = (f"system unreachable: {count} {op} calls in a row {how}, other "
                                            f"operations answering between them (consecutive_failures = "
                                            f"{self.max_failures}; last: {e.message}) in {self.plugin}")
            if self.unreachable is not None:
                # the last call waited and got nothing: "(timeout)", not "(connection)", as the http adapter says
                raise SystemUnreachable(self.unreachable, kind="timeout" if timed_out else "connection") from None
            raise
        except BaseException:
            self._answered(op)
            raise
        self._answered(op)
        return out

    def _answered(self, op: str) -> None:
        with self._lock:
            self._count.answered(op)

    def check(self, op: str, out: Any, args: tuple) -> None:
        """The answer held to the http adapter's rules for the same answer; SutError naming the field."""
        read = READERS.get(op)
        if read is None:
            return
        if out is None:
            raise SutError("missing_field", f"{op}: no answer ({self.plugin}.{op} returned None; return a dict in "
                                            "the platform's field names)")
        if not isinstance(out, dict):
            raise SutError("wrong_type", f"{op}: expected a dict in the platform's field names, got {wire.got(out)}")
        try:
            read(out, args, self.adapter)
        except wire.WireError as e:
            field = e.path
            for prefix in ("output.setlinfo.", "output.cuminfo.", "output."):
                if field.startswith(prefix):
                    field = field[len(prefix):]
                    break
            said = str(e)[len(e.path) + 2:]
            raise SutError(e.kind, evidence.shorten(f"{op}: {field}: {said}", 500)) from None


def _text_of(e: BaseException) -> str:
    """An exception's own message, bounded; never raises (a plugin's __str__ may)."""
    if isinstance(e, SystemExit):
        code = e.code
        small = code is None or isinstance(code, int) and code.bit_length() < 64
        return f"sys.exit({repr(code) if small else evidence.quote(code, 100) if isinstance(code, str) else wire.got(code)})"
    try:
        text = str(e)
    except Exception:  # noqa: BLE001 - a plugin's exception whose str() fails is still named
        text = "(its message cannot be shown)"
    return evidence.shorten(text, MESSAGE_LIMIT, "…")


def declined_supported(plugin: str, operation: str, exc: NotApplicable, request: Any = None) -> SutError:
    """A plugin's NotApplicable for an operation its `supports` declares: the system's error, never 不适用.

    NotApplicable means an operation the adapter does not support at all (the harness's `require` raises it before
    any call); a declared operation that declines one call would let a system hide exactly the answers it gets wrong
    (probe s24 W F2). The harness's own adapters (http, platform) are not plugins: their reasons stay 不适用."""
    said = _text_of(exc).removeprefix("not applicable: ")
    return SutError("plugin_exception",
                    f"{operation}: {plugin}.{operation} raised NotApplicable ({said}), but the adapter declares "
                    f"{operation} in `supports`: NotApplicable is only for an operation not supported at all "
                    f"(leave it out of `supports`); a supported operation must answer, refuse (SettlementRefused) "
                    f"or fail (SutError)",
                    {"operation": operation, "request": request, "response": {"not_applicable": said}})


def _frames(e: BaseException) -> list[str]:
    """The last TRACEBACK_FRAMES frames of the exception's traceback (the plugin's: not this module's
    wrappers), each line cut to 300 characters."""
    try:
        frames = [f for f in traceback.extract_tb(e.__traceback__, limit=-TRACEBACK_FRAMES - 3)
                  if f.filename != __file__][-TRACEBACK_FRAMES:]
        return [evidence.shorten(line.rstrip(), 300, "…") for line in traceback.format_list(frames)]
    except Exception:  # noqa: BLE001 - evidence only
        return []


def _plain(v: Any, depth: int = 0, text: int = 1000) -> Any:
    """A plugin's answer as JSON-ready evidence, bounded: what JSON cannot hold (a Decimal, a float amount
    stays a float, an object) is shown by type and repr, never str()'d whole. `text`: characters kept of
    a string (more for the evidence a plugin recorded itself, which may hold an HTTP body)."""
    if v is None or isinstance(v, (bool, str)):
        return evidence.shorten(v, text, "…") if isinstance(v, str) else v
    if isinstance(v, int) and v.bit_length() <= 64 or isinstance(v, float) and math.isfinite(v):
        return v
    if isinstance(v, (dict, list, tuple)) and depth < 6:
        items = list(v.items())[:200] if isinstance(v, dict) else list(enumerate(v))[:200]
        if isinstance(v, dict):
            return {(k if isinstance(k, str) else wire.got(k))[:100]: _plain(x, depth + 1, text) for k, x in items}
        return [_plain(x, depth + 1, text) for _, x in items]
    return f"<{wire.got(v)}>"


def _request(op: str, args: tuple, kwargs: dict) -> dict:
    """What was asked, as evidence: the person and the visit, year, month or use."""
    first = args[0] if args else None
    if op == "prepare_person":
        person = getattr(first, "person", None)
        return {"psn_no": getattr(person, "psn_no", None), "policy": getattr(first, "policy", None)}
    request: dict[str, Any] = {"psn_no": first if isinstance(first, str) else None}
    second = args[1] if len(args) > 1 else None
    if op in ("presettle", "settle"):
        request["id"] = getattr(second, "id", None)
    elif op == "reverse":
        request["setl_id"] = second
    elif op == "query_ytd":
        request["year"] = second
    elif op == "credit_month":
        request["month"] = getattr(second, "month", None)
    elif op == "check_account_use":
        names = ("relation", "purpose", "amount", "date")
        request.update({n: _plain(str(a) if n == "date" and a is not None else a) for n, a in zip(names, args[1:])})
        request.update({n: _plain(str(kwargs[n]) if n == "date" and kwargs[n] is not None else kwargs[n])
                        for n in names if n in kwargs})
    if op in ("presettle", "settle"):
        return request
    return {k: v for k, v in request.items() if v is not None}


def _guarded(op: str, method: Callable, guard: _Guard | None = None) -> Callable:
    """A plugin operation as the run calls it. An exception the adapter interface does not document
    (anything but SutError, SettlementRefused and NotApplicable; SystemExit too), and a NotApplicable for an operation
    its `supports` declares (declined_supported), is the system's error,
    `plugin_exception`, never a bug of conform's; an answer is checked as an HTTP system's is; a call is
    bounded by the timeout (`_bounded`, or by the plugin's own process: `PluginRaised`, `PluginDied`).
    KeyboardInterrupt stays an interrupt: in this process it cannot be told from the user's Ctrl-C (a
    contained plugin's own comes back as PluginRaised).

    Each call is kept as evidence as the reference adapter keeps its own ({psn_no, id} → the figures,
    {"refused": …}, {"error": …} or {"exception": …, "traceback": […]}): the report then sees where the
    system's figures and the reference's part (the causes' step), as it does from an HTTP system's
    envelopes. Only when the call recorded nothing itself (a plugin speaking HTTP records its envelopes;
    one wrapping the reference adapter, its own entry). Answers are kept for (pre)settlements and errors.
    A call that got no answer (a timeout, its process ended, the system already unreachable) is marked
    `answered: False`, as the http adapter marks its exchanges: results.decide reads 无法判定 off a run the system
    never answered, and an ended process is no answer. Another operation's answer, not kept, is marked
    `answered: True` when it is the first of its check's evidence (a prepare_person before a settle whose
    process ended), so the check still shows the system answered; `start`'s (called once, outside the checks)
    only when it fails."""
    plugin = guard.plugin if guard is not None else getattr(method, "__qualname__", "plugin").rsplit(".", 1)[0]

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        request = _request(op, args, kwargs)
        before = evidence.recorded()

        def keep(response: Any, **meta: Any) -> None:
            if evidence.recorded() == before:
                evidence.record(op, request, response, **meta)

        try:
            out = guard.call(op, method, args, kwargs) if guard is not None else method(*args, **kwargs)
        except SettlementRefused as e:
            keep({"refused": evidence.shorten(str(e), 1000)})
            raise
        except SutError as e:
            late = {"late_answer": _plain(e.late[0])} if isinstance(e, PluginTimeout) and e.late else {}
            if isinstance(e, PluginDied) and e.output:
                late = {"output": e.output}   # what the plugin's process printed last (a fatal error's report)
            gone = {"answered": False} if isinstance(e, (PluginTimeout, PluginDied, SystemUnreachable)) else {}
            keep({"error": evidence.shorten(f"{e.kind}: {e.message}", 1000), **late}, **gone)
            raise
        except NotApplicable as e:
            if guard is None or op not in guard.declared or op in DECLINABLE:
                raise   # an operation the plugin does not declare, or a person it cannot hold: 不适用
            error = declined_supported(plugin, op, e, request)   # a declared one declining a call: the system's error
            error.evidence = evidence.mask(error.evidence)
            keep({"error": evidence.shorten(f"{error.kind}: {error.message}", 1000)})
            raise error from None
        except (KeyboardInterrupt, _Overdue, Unsendable):
            raise   # _Overdue: an outer call's alarm, which that call turns into its timeout
        except BaseException as e:  # noqa: BLE001 - the plugin's own failure: the system's error, with its name
            if isinstance(e, PluginRaised):  # raised in the plugin's own process (KeyboardInterrupt too)
                name, text, frames = e.name, e.text, e.frames
            else:
                name, text, frames = type(e).__name__, _text_of(e), _frames(e)
            message = evidence.shorten(f"{op}: {plugin}.{op} raised {name}: {text}", 600)
            entry = {"exception": f"{name}: {text}", "traceback": frames}
            keep(entry)
            raise SutError("plugin_exception", message, evidence.mask({"operation": op, "request": request,
                                                                       "response": entry})) from None
        if guard is not None:
            try:
                guard.check(op, out, args)
            except SutError as e:
                keep({"answer": _plain(out), "error": f"{e.kind}: {e.message}"})
                raise
        if op in ("presettle", "settle"):
            keep(_plain(dict(out)) if isinstance(out, dict) else {"answer": evidence.shorten(repr(out), 1000)})
        elif op != "start" and before == 0:
            keep(_plain(out), answered=True)
        return out
    return call


# The directory `conform run` was started in: it runs pytest from the project's own folder (run.execute_detailed
# changes into it), so the current directory no longer says where the vendor's module lies. None: the current one.
INVOKED_FROM: str | None = None


def _find_python(spec: str) -> tuple[object, str]:
    """`python:package.module:Class` → (the class, how messages name it), importing the module."""
    target = spec.removeprefix("python:")
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise PluginError(f"adapter {spec!r}: write python:package.module:Class")
    # like `python -m` and uvicorn's --app-dir: modules in the current directory import — the directory the
    # command was started in, not the one `conform run` runs pytest from (INVOKED_FROM; rvendor8 D6)
    here = INVOKED_FROM or os.getcwd()
    if here not in sys.path:
        sys.path.append(here)
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise PluginError(f"adapter {spec!r}: cannot import module {module_name!r}: {e}") from None
    except SyntaxError as e:
        where = f"{e.filename}:{e.lineno}" if e.filename else module_name
        raise PluginError(f"adapter {spec!r}: module {module_name!r} has a syntax error at {where}: {e.msg}") from None
    except (Exception, SystemExit) as e:  # noqa: BLE001 - the module's own code failed while importing
        raise PluginError(evidence.shorten(f"adapter {spec!r}: importing module {module_name!r} failed: "
                                           f"{type(e).__name__}: {e}", 1000)) from None
    obj: object = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise PluginError(f"adapter {spec!r}: module {module_name!r} has no {attr!r}")
        obj = getattr(obj, part)
    return obj, f"adapter {spec!r}"


def _find_entry_point(name: str, ep: EntryPoint) -> tuple[object, str]:
    try:
        cls = ep.load()
    except (Exception, SystemExit) as e:  # noqa: BLE001 - reported with the entry point's name
        raise PluginError(f"adapter {name!r} (entry point {ep.value!r} in group {GROUP}): cannot load: "
                          f"{type(e).__name__}: {e}") from None
    return cls, f"adapter {name!r} (entry point {ep.value!r})"


def load_python(spec: str, config: AdapterConfig, contained: bool = False) -> Adapter:
    """`python:package.module:Class` → an adapter instance; `contained`: the plugin in a process of its own
    (conform.harness.adapters.plugin_process), where the platform allows, and a stand-in for it here."""
    if contained:
        from . import plugin_process

        if plugin_process.AVAILABLE:
            target = spec.removeprefix("python:")
            if ":" not in target or target.startswith(":") or target.endswith(":"):
                raise PluginError(f"adapter {spec!r}: write python:package.module:Class")
            return plugin_process.contain(lambda: _construct_found(_find_python(spec), config),
                                          f"adapter {spec!r}", target.replace(":", "."), config)
    return _construct_found(_find_python(spec), config, guarded=True)


def _construct_found(found: tuple[object, str], config: AdapterConfig, guarded: bool = False) -> Adapter:
    cls, where = found
    return _build(cls, where, config) if guarded else _construct(cls, where, config)


def load_entry_point(name: str, config: AdapterConfig, contained: bool = False) -> Adapter | None:
    """The adapter an installed package registered under `name`, or None if none did."""
    ep = registered().get(name)
    if ep is None:
        return None
    if contained:
        from . import plugin_process

        if plugin_process.AVAILABLE:
            return plugin_process.contain(lambda: _construct_found(_find_entry_point(name, ep), config),
                                          f"adapter {name!r} (entry point {ep.value!r})",
                                          str(ep.value).replace(":", "."), config)
    return _construct_found(_find_entry_point(name, ep), config, guarded=True)
