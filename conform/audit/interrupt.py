"""Ctrl-C and SIGTERM during an audit: before the report is published they unwind the run and nothing
is left; once it is published (the folder in place, audit-latest pointing at it) the run is complete,
so a late signal is noted and the run ends with its verdict rather than claim nothing was written."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

_state: dict = {"published": None, "received": None, "publishing": False}


def reset() -> None:
    _state.update(published=None, received=None, publishing=False)


def published() -> Path | None:
    """The report folder this run published, if it has."""
    return _state["published"]


def receive(signum: int) -> bool:
    """Note a signal; True if it should unwind the run (the report is not yet published, nor being)."""
    _state["received"] = signum
    return _state["published"] is None and not _state["publishing"]


def received() -> int | None:
    """The signal that ended the run, if one did (DuckDB reports it as its own 'Query interrupted')."""
    return _state["received"] if _state["published"] is None else None


@contextlib.contextmanager
def publishing(out_dir: Path) -> Iterator[None]:
    """Hold off Ctrl-C and SIGTERM while the report is swapped into place: a signal in between would
    leave a complete folder that audit-latest does not name, after a run that said it wrote nothing.
    A flag, not a signal mask: a mask holds a signal off the main thread only, and DuckDB's threads
    would take it (CPython then runs the handler in the main thread all the same)."""
    _state["publishing"] = True
    try:
        yield
        _state["published"] = out_dir
    finally:
        _state["publishing"] = False
