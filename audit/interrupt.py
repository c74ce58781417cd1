"""Ctrl-C and SIGTERM during an audit: before the report is published they unwind the run and nothing
is left; once it is published (the folder in place, audit-latest pointing at it) the run is complete,
so a late signal is noted and the run ends with its verdict rather than claim nothing was written."""
from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_state: dict = {"published": None, "received": None}


def reset() -> None:
    _state.update(published=None, received=None)


def published() -> Path | None:
    """The report folder this run published, if it has."""
    return _state["published"]


def receive(signum: int) -> bool:
    """Note a signal; True if it should unwind the run (the report is not yet published)."""
    _state["received"] = signum
    return _state["published"] is None


def received() -> int | None:
    """The signal that ended the run, if one did (DuckDB reports it as its own 'Query interrupted')."""
    return _state["received"] if _state["published"] is None else None


@contextlib.contextmanager
def publishing(out_dir: Path) -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while the report is swapped into place: a signal in between would leave a
    complete folder that audit-latest does not name, after a run that said it wrote nothing."""
    block = threading.current_thread() is threading.main_thread() and hasattr(signal, "pthread_sigmask")
    if block:
        signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
        _state["published"] = out_dir
    finally:
        if block:  # a signal held meanwhile arrives now, and finds the report published
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
