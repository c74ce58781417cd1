"""The run's reports: report.html, report.xlsx, junit.xml and results.json, written atomically.

All four are rendered from one view (`model.build`) of the `RunResult`, so
they never disagree; each file is written to a temporary name beside its
target and moved into place, so a crash leaves the previous report intact.
results.json carries the SHA-256 of the files written before it, and
manifest.sha256 (written last) those of all of them, for `sha256sum -c`.
"""
from __future__ import annotations

from pathlib import Path

from ..results import RunResult
from . import model

FORMATS = {"html": "report.html", "xlsx": "report.xlsx", "junit": "junit.xml", "json": "results.json"}
MANIFEST = "manifest.sha256"


def write_reports(run: RunResult, out_dir: str | Path, formats: tuple[str, ...] | list[str] = tuple(FORMATS),
                  gate: dict | None = None) -> dict[str, Path]:
    """Write the chosen formats into `out_dir`; returns {format: path}. JSON is written last, so a
    results.json beside the others means the set is complete."""
    from . import atomic, certify, html, jsonout, junit, xlsx

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown report format {', '.join(unknown)}; known: {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    writers = {"html": html.write, "xlsx": xlsx.write, "junit": junit.write, "json": jsonout.write}
    failed: dict[str, str] = {}

    def write_all(data: dict, chosen: list[str]) -> dict[str, Path]:
        written: dict[str, Path] = {}
        for fmt in chosen:
            if fmt == "json":
                data["manifest"] = certify.manifest(list(written.values()))
                data["reports_not_written"] = dict(failed)  # a reader of results.json learns what is missing
            try:
                written[fmt] = writers[fmt](data, out / FORMATS[fmt])
            except OSError:  # the folder or the disk: the caller says so, as for any other file
                raise
            except Exception as e:  # noqa: BLE001 - one writer's fault must not lose the reports after it
                failed[fmt] = model.cut(f"{type(e).__name__}: {e}", 500)
                (out / FORMATS[fmt]).unlink(missing_ok=True)  # an earlier run's file must not pass for this run's
        return written

    chosen = [f for f in ("html", "xlsx", "junit", "json") if f in formats]
    written = write_all(model.build(run, gate), chosen)
    checks_gate, seen = gate, 0
    while len(failed) > seen:  # the run exits 4 (a harness error): the reports written say so, naming every failure
        seen = len(failed)
        gate = harness_error_gate(checks_gate, failed)
        written = write_all(model.build(run, gate), [f for f in chosen if f not in failed])
    entries = certify.manifest(list(written.values()))
    written["manifest"] = atomic.write_text(out / MANIFEST, certify.manifest_text(entries))
    if failed:
        raise ReportsNotWritten(written, failed, gate)
    return written


def _not_written(failed: dict[str, str]) -> str:
    return "report(s) not written: " + "; ".join(f"{FORMATS[f]}: {why}" for f, why in failed.items())


def harness_error_gate(gate: dict | None, failed: dict[str, str]) -> dict:
    """The gate of a run some of whose reports could not be written: exit 4, the run's own verdict kept."""
    was = gate or {}
    return {"exit_code": 4, "reason": f"测试工具内部错误 harness error: {_not_written(failed)}"
                                      + (f"（检查本身的结论 the checks' own gate: {was.get('exit_code')} {was.get('reason', '')}）"
                                         if was else "")}


class ReportsNotWritten(RuntimeError):
    """Some reports could not be written; `written` holds those that were (results.json names the others),
    `gate` the exit code and reason they carry (4)."""

    def __init__(self, written: dict[str, Path], failed: dict[str, str], gate: dict):
        self.written, self.failed, self.gate = written, failed, gate
        super().__init__(_not_written(failed))


__all__ = ["FORMATS", "MANIFEST", "ReportsNotWritten", "write_reports"]
