"""report.html: one self-contained page a vendor or a regulator opens straight from disk.

Rendered with jinja2 with autoescaping on, so any text from a system under
test (step text, err_msg, evidence) is shown, never interpreted. Styles and the
small filtering script are inlined; the page loads nothing from the network,
and its Content-Security-Policy allows only the one inline script whose
SHA-256 it names — an injected <script> could not run even if escaping failed.
The chart is inline SVG drawn by the template from numbers computed here.
"""
from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from conform import atomic, display
from conform.display import shown

from .model import (BASELINE_LABELS, COVERAGE_LABELS, FAILING, STATUS_LABELS, selection_words, status_label,
                    violated_tags, violation_words)

TEMPLATES = Path(__file__).resolve().parent / "templates"
CHART_STATUSES = ("passed", "failed", "error", "not_applicable", "skipped")
CHART_COLOURS = {"passed": "#2e7d32", "failed": "#c62828", "error": "#ef6c00", "not_applicable": "#9e9e9e",
                 "skipped": "#cfd8dc"}


def _pretty(value: Any) -> str:
    """Evidence as indented JSON text (escaped by the template like any other text)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def _finalize(value: Any) -> Any:
    """Every text the page prints, control characters made visible (conform.display.shown): a system's answer
    carrying ESC, NUL or U+202E shows them as escapes. Markup (the page's own safe HTML) is left alone."""
    return shown(value) if type(value) is str else value


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """One environment a process: it keeps the compiled template (reloaded if the file changes)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, finalize=_finalize)
    env.filters["pretty"] = _pretty
    from ..adapters.base import OPERATIONS

    env.globals.update(OPERATIONS=OPERATIONS, FAILING=FAILING, status_label=status_label,
                       STATUS_LABELS=STATUS_LABELS, COVERAGE_LABELS=COVERAGE_LABELS,
                       BASELINE_LABELS=BASELINE_LABELS, selection_words=selection_words,
                       violation_words=violation_words, violated_tags=violated_tags)
    return env


def _chart(data: dict) -> dict:
    """Stacked bars, one per document: results per status as widths out of the longest bar."""
    docs = [d for d in data["documents"] if d["checks"] or d["articles"]]
    longest = max([d["checks"] for d in docs] + [1])
    bar_w, label_w, row_h = 520.0, 150.0, 30
    rows = []
    for i, d in enumerate(docs):
        x = label_w
        segments = []
        for s in CHART_STATUSES:
            n = d["counts"][s]
            if not n:
                continue
            w = bar_w * n / longest
            segments.append({"status": s, "n": n, "x": round(x, 1), "w": round(w, 1), "colour": CHART_COLOURS[s],
                             "label": status_label(s)})
            x += w
        rows.append({"label": d.get("label") or d["short"], "y": 10 + i * row_h, "segments": segments, "total": d["checks"],
                     "end": round(x, 1), "verdict": d["verdict"]})
    legend = _legend(label_w)
    return {"rows": rows, "width": int(max(label_w + bar_w + 60, legend[-1]["x"] + 120)), "height": 40 + len(rows) * row_h,
            "legend_y": 20 + len(rows) * row_h,
            "legend": legend}


def text_width(text: str, size: float = 12.0) -> float:
    """Rough width of SVG text: CJK characters are square, others about 0.6 em (conform.display.width)."""
    return display.width(text, size, size * 0.6)


def _legend(x: float) -> list[dict]:
    items = []
    for s in CHART_STATUSES:
        label = status_label(s)
        items.append({"label": label, "colour": CHART_COLOURS[s], "x": round(x, 1)})
        x += 16 + text_width(label) + 18
    return items


def render(data: dict) -> str:
    env = _environment()
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    style = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    if "</" in script or "</" in style:  # they are inlined raw; keep them unable to close their element
        raise ValueError("report.js / report.css must not contain '</'")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    checks = {c["id"]: c for c in data["checks"]}
    failing = [c for c in data["checks"] if c["status"] in FAILING]
    return env.get_template("report.html.j2").render(
        d=data, run=data["run"], checks=checks, failing=failing,
        properties=[c for c in data["checks"] if c["kind"] == "property"],
        chart=_chart(data), doc_names={d["id"]: d.get("label") or d["short"] for d in data["documents"]},
        tag_labels={r["tag"]: f"{r['document']} {r['label']}" for r in data["matrix"]},
        script=script, style=style, script_hash=f"sha256-{digest}")


def write(data: dict, path: str | Path) -> Path:
    return atomic.write_text(path, render(data))
