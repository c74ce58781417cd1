"""junit.xml: one <testcase> per scenario and property, classname by document and article.

Built with xml.etree (never by string concatenation) so anything a system
under test sent is escaped; characters XML 1.0 cannot carry at all (control
characters) are replaced by U+FFFD. One <testsuite> per document.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from . import atomic
from .model import BASELINE_LABELS

_INVALID_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: object) -> str:
    """Text XML 1.0 can hold: invalid characters become U+FFFD."""
    return _INVALID_XML.sub("\ufffd", "" if text is None else str(text))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: clean(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = clean(text)
    return el


def _details(c: dict) -> str:
    lines = [c.get("message") or ""]
    for m in c["mismatches"]:
        item = f"{m['item']} " if m.get("item") else ""
        lines.append(f"{item}{m.get('label') or m['field']} ({m['field']}): 应为 expected {m['expected']}，"
                     f"实际 actual {m['actual']}")
    if c["trace"]:
        lines.append("参考计算 Reference trace:")
        for t in c["trace"]:
            lines.append(f"  {t.get('step', '')}：{t.get('detail', '')}（{t.get('clause', '')}）")
    if c["steps"]:
        lines.append("步骤 Steps:")
        lines += [f"  [{s['status']}] {s['keyword'].strip()} {s['text']}" for s in c["steps"]]
    if c.get("counterexample"):
        lines += ["反例 Counterexample (Gherkin):", c["counterexample"]]
    return "\n".join(line for line in lines if line is not None).strip()


def render(data: dict) -> bytes:
    labels = {r["tag"]: r["label"] for r in data["matrix"]}
    run = data["run"]
    total_time = sum(c["duration"] for c in data["checks"])
    counts = data["counts"]
    root = ET.Element("testsuites", {
        "name": clean(f"conform {run['system']}"), "tests": str(len(data["checks"])),
        "failures": str(counts.get("failed", 0)), "errors": str(counts.get("error", 0)),
        "skipped": str(counts.get("not_applicable", 0) + counts.get("skipped", 0)),
        "time": f"{total_time:.3f}", "timestamp": clean(run["started"])})
    groups: dict[str, list[dict]] = {}
    for c in data["checks"]:
        groups.setdefault(c["policy"] or "general", []).append(c)
    shorts = {d["id"] or "general": d["short"] for d in data["documents"]}
    for pid, checks in groups.items():
        cnt = {s: sum(1 for c in checks if c["status"] == s) for s in ("failed", "error", "not_applicable", "skipped")}
        suite = _sub(root, "testsuite", name=f"{pid} {shorts.get(pid, '')}".strip(), tests=len(checks),
                     failures=cnt["failed"], errors=cnt["error"], skipped=cnt["not_applicable"] + cnt["skipped"],
                     time=f"{sum(c['duration'] for c in checks):.3f}", timestamp=run["started"])
        props = _sub(suite, "properties")
        for name, value in (("verdict", f"{data['verdict']} {data['verdict_en']}"), ("run_id", run["run_id"]),
                            ("adapter", run["adapter"].get("adapter", "")), ("system", run["system"]),
                            ("harness_version", run["harness_version"]), ("seed", run["seed"]),
                            ("incomplete", str(run["incomplete"]).lower())):
            if value not in (None, ""):
                _sub(props, "property", name=name, value=value)
        for c in checks:
            tag = c["articles"][0] if c["articles"] else ""
            article = labels.get(tag) or tag.partition("-")[2] or "未标注条款"
            case = _sub(suite, "testcase", classname=f"{pid}.{article.replace('.', '_')}", name=c["name"],
                        file=c["feature_file"] or None, line=c["line"], time=f"{c['duration']:.3f}")
            cprops = _sub(case, "properties")
            _sub(cprops, "property", name="kind", value=c["kind"])
            for t in c["articles"]:
                _sub(cprops, "property", name="article", value=t)
            if c["baseline"]:
                _sub(cprops, "property", name="baseline", value=BASELINE_LABELS[c["baseline"]][1])
            prefix = f"[{' '.join(BASELINE_LABELS[c['baseline']])}] " if c["baseline"] in ("known", "regression") else ""
            if c["status"] == "failed":
                _sub(case, "failure", _details(c), message=prefix + (c["message"] or "non-conformance")[:1000],
                     type="non-conformance")
            elif c["status"] == "error":
                _sub(case, "error", _details(c), message=prefix + (c["message"] or "system under test error")[:1000],
                     type="system-under-test-error")
            elif c["status"] == "feature_error":  # the feature file is wrong, not the system (issue 10)
                _sub(case, "error", _details(c), message=(c["message"] or "feature error")[:1000], type="feature-error")
            elif c["status"] in ("not_applicable", "skipped"):
                _sub(case, "skipped", message=f"{c['status']}: {c['message']}"[:1000])
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write(data: dict, path: str | Path) -> Path:
    return atomic.write_bytes(path, render(data))
