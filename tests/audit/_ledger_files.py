"""A small CSV ledger and, when given, its persons file (JSON lines) in a test's folder."""
from __future__ import annotations

import json
from pathlib import Path


def ledger_and_persons(folder: Path, header: str, rows: list[str],
                       persons: list[dict] | None = None) -> tuple[Path, str | None]:
    """(the ledger's path, the persons file's path or None) — as `audit(...)` takes them."""
    folder.mkdir(parents=True, exist_ok=True)
    ledger = folder / "ledger.csv"
    ledger.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    if not persons:
        return ledger, None
    pfile = folder / "persons.jsonl"
    pfile.write_text("".join(json.dumps(p) + "\n" for p in persons), encoding="utf-8")
    return ledger, str(pfile)
