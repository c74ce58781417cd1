"""The run's reports: report.html, report.xlsx, junit.xml and results.json, written atomically.

All four are rendered from one view (`model.build`) of the `RunResult`, so
they never disagree; each file is written to a temporary name beside its
target and moved into place, so a crash leaves the previous report intact.
"""
from __future__ import annotations

from pathlib import Path

from ..results import RunResult
from . import model

FORMATS = {"html": "report.html", "xlsx": "report.xlsx", "junit": "junit.xml", "json": "results.json"}


def write_reports(run: RunResult, out_dir: str | Path, formats: tuple[str, ...] | list[str] = tuple(FORMATS),
                  gate: dict | None = None) -> dict[str, Path]:
    """Write the chosen formats into `out_dir`; returns {format: path}. JSON is written last, so a
    results.json beside the others means the set is complete."""
    from . import html, jsonout, junit, xlsx

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown report format {', '.join(unknown)}; known: {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = model.build(run, gate)
    writers = {"html": html.write, "xlsx": xlsx.write, "junit": junit.write, "json": jsonout.write}
    written: dict[str, Path] = {}
    for fmt in ("html", "xlsx", "junit", "json"):
        if fmt in formats:
            written[fmt] = writers[fmt](data, out / FORMATS[fmt])
    return written


__all__ = ["FORMATS", "write_reports"]
