"""Evidence: every request sent to the system under test and what came back.

Adapters call `record`; the collector takes the entries of the scenario or
property that caused them (`begin` / `take`) and attaches them to its result.
Secrets are masked before anything is stored.

Each check's entries live in a list held by a context variable that `begin`
sets, so work run for a check in other threads (`for_each_person` copies the
context into each job) lands in that check's list, not in a process-wide one;
a thread started without the context falls back to the latest check's list.
"""
from __future__ import annotations

import contextvars
import os
import re
import threading
from typing import Any

_lock = threading.Lock()
_entries: list[dict] = []   # fallback: the list of the check begun last
_current: contextvars.ContextVar[list[dict] | None] = contextvars.ContextVar("conform_evidence", default=None)
_secrets: set[str] = set()
_order: tuple[frozenset[str], re.Pattern[str] | None] = (frozenset(), None)  # the secrets, and their pattern
# Shorter values are not registered: masking every "1" or "ab" would garble the reports (amounts, field
# names) and hide nothing a guess would not find. The same rule as credential-like query values.
MIN_SECRET_CHARS = 3


def _fresh_lock() -> None:
    global _lock
    _lock = threading.Lock()


# A process forked while another thread holds _lock (a plugin's process, forked on a restart while a pool
# thread records evidence) would find it held forever: the fork waits for it (so the lists are whole), and
# the child starts with a lock of its own. Looked up at each fork, never bound: a child's child forks too.
_forking = threading.local()


def _before_fork() -> None:
    """Wait for the lock; a Ctrl-C while waiting (CPython reports it as unraisable and forks on) leaves it
    unheld by this thread, so the parent's hook must not release it (rclose10 D5): a flag, set once held."""
    _forking.held = False
    _lock.acquire()
    _forking.held = True


def _after_fork_in_parent() -> None:
    """Release the lock only where `_before_fork` took it: never another thread's."""
    if getattr(_forking, "held", False):
        _forking.held = False
        _lock.release()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_fresh_lock)


def register_secret(value: str | None) -> None:
    """A value (an API key) that must never appear in evidence, reports or logs; values shorter than
    MIN_SECRET_CHARS characters are not registered (see there). It is masked percent-encoded too, by any encoder
    (`_pattern`)."""
    if value and len(value) >= MIN_SECRET_CHARS:
        with _lock:
            _secrets.add(value)


def _encodable(ch: str) -> str:
    """One character of a secret as a system may echo it in a URL or a JSON body: as written, percent-encoded (hex in
    either case; a space also as '+'), or JSON-escaped. Every encoder differs in what it leaves as written — Python's quote keeps '~', JavaScript's
    encodeURIComponent '~*!'()', Java's URLEncoder '*' but not '~' — so each character may be either (s27 probeU F4,
    probeR F2)."""
    forms = [re.escape(ch), "".join(f"%(?i:{b:02x})" for b in ch.encode("utf-8"))] + ([r"\+"] if ch == " " else [])
    # … or JSON-escaped, as a raw answer body kept as evidence holds it: \uXXXX in either hex case (a surrogate pair
    # beyond the BMP), and the short escapes \/ (PHP's json_encode writes every '/' so), \" and \\ (s28 probeS F5)
    units = ch.encode("utf-16-be")
    forms.append("".join(rf"\\u(?i:{units[i]:02x}{units[i + 1]:02x})" for i in range(0, len(units), 2)))
    if ch in '/"\\':
        forms.append(re.escape("\\" + ch))
    return "(?:" + "|".join(forms) + ")"


def _pattern() -> re.Pattern[str] | None:
    """The secrets, longest first (so a short secret inside a longer one never leaves part of it shown), each as
    written or percent-encoded character by character: one pattern for all, compiled once per set of secrets."""
    global _order
    with _lock:
        if _order[0] != _secrets:  # (tests add and remove secrets by hand: compare, do not count)
            known = frozenset(_secrets)
            ordered = sorted(known, key=lambda s: (-len(s), s))
            _order = (known, re.compile("|".join("".join(_encodable(c) for c in s) for s in ordered)) if ordered
                      else None)
        return _order[1]


def safe(text: str) -> str:
    """`text` with each lone surrogate (\\ud800-\\udfff, which no UTF-8 output can hold) as its escape."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def mask(obj: Any) -> Any:
    """Replace every registered secret inside strings, dicts and lists by ***. Text is made `safe` too:
    what is masked is shown (terminal, reports), and one string of a system must not stop that."""
    if isinstance(obj, str):
        return _mask(obj, _pattern()) if _secrets else safe(obj)
    # nested text is made safe whether or not a secret is registered: the reports must not read differently
    # by what other runs of the same process registered
    return _mask(obj, _pattern() if _secrets else None)


def shorten(text: str, limit: int, more: str = "") -> str:
    """`text` masked, then cut to `limit` characters (`more` marks a cut). Never the other way round: a
    secret straddling the cut would leave its head, which masking no longer recognises, in the report."""
    text = mask(text)
    return text if len(text) <= limit else text[:limit] + more


def quote(value: Any, limit: int = 100) -> str:
    """A value of a system's answer as a message quotes it: masked, then its repr cut to `limit` characters
    with … (a huge value is never repr'd whole: at most `limit` + 1 of its characters are)."""
    if isinstance(value, (dict, list)):
        return f"({type(value).__name__} of {len(value)})"
    if isinstance(value, str):
        masked = mask(value)
        text = repr(masked[:limit + 1])
        cut = len(masked) > limit + 1
    else:
        text, cut = mask(repr(value)), False
    return text[:limit] + ("…" if cut or len(text) > limit else "")


def _mask(obj: Any, secrets: re.Pattern[str] | None) -> Any:
    if isinstance(obj, str):
        obj = safe(obj)
        return secrets.sub("***", obj) if secrets is not None else obj
    if isinstance(obj, dict):
        return {_mask(k, secrets): _mask(v, secrets) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_mask(v, secrets) for v in obj]
    return obj


def _target() -> list[dict]:
    current = _current.get()
    return current if current is not None else _entries


def record(operation: str, request: Any, response: Any, **extra: Any) -> None:
    entry = mask({"operation": operation, "request": request, "response": response, **extra})
    with _lock:
        _target().append(entry)


def amend_last(**fields: Any) -> None:
    """Replace fields of the current check's latest entry, masked, in place: an adapter that shows what its
    transport really carried (the platform profile's envelope and exact answer) amends the entry the http
    transport recorded, rather than taking the whole list and recording every entry again (O(entries) each)."""
    masked = {k: mask(v) for k, v in fields.items()}
    with _lock:
        target = _target()
        if target:
            target[-1].update(masked)


def recorded() -> int:
    """How many entries the current check's evidence holds (so a wrapper can tell whether a call recorded any)."""
    with _lock:
        return len(_target())


def begin() -> None:
    """Start a new check's evidence in this context (and as the fallback for context-less threads)."""
    global _entries
    entries: list[dict] = []
    with _lock:
        _entries = entries
    _current.set(entries)


def take() -> list[dict]:
    with _lock:
        target = _target()
        out = list(target)
        target.clear()
        return out
