"""Evidence: every request sent to the system under test and what came back.

Adapters call `record`; the collector takes the entries of the scenario or
property that caused them (`begin` / `take`) and attaches them to its result.
Secrets are masked before anything is stored.
"""
from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_entries: list[dict] = []
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """A value (an API key) that must never appear in evidence, reports or logs."""
    if value:
        with _lock:
            _secrets.add(value)


def mask(obj: Any) -> Any:
    """Replace every registered secret inside strings, dicts and lists by ***."""
    if not _secrets:
        return obj
    if isinstance(obj, str):
        for s in _secrets:
            obj = obj.replace(s, "***")
        return obj
    if isinstance(obj, dict):
        return {mask(k): mask(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [mask(v) for v in obj]
    return obj


def record(operation: str, request: Any, response: Any, **extra: Any) -> None:
    with _lock:
        _entries.append(mask({"operation": operation, "request": request, "response": response, **extra}))


def begin() -> None:
    with _lock:
        _entries.clear()


def take() -> list[dict]:
    with _lock:
        out = list(_entries)
        _entries.clear()
        return out
