"""One audit kept open for a test to query: its DuckDB tables (`ledger`, `expected`, …) read after the run."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from conform.audit.run import audit


@contextmanager
def kept_audit(*args, **kw) -> Iterator[tuple[int, dict, object]]:
    """audit(..., keep_connection=True) as (exit code, summary, connection); the connection is closed and the
    work folder removed afterwards, whatever the test found."""
    code, s = audit(*args, keep_connection=True, **kw)
    try:
        yield code, s, s["_connection"]
    finally:
        s["_connection"].close()
        shutil.rmtree(s["_workdir"], ignore_errors=True)
