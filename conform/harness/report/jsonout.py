"""results.json: the whole report, machine-readable, with a schema name and version.

Consumers (a CI job, a baseline for the next run, a regulator's own tools)
should check `schema == "conform-results"` and the major part of
`schema_version` before reading further.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from conform import atomic


def _default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return str(o)
    if isinstance(o, (dt.date, dt.datetime)):
        return o.isoformat()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    return str(o)


def render(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n"


def write(data: dict, path: str | Path) -> Path:
    return atomic.write_text(path, render(data))
