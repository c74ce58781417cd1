"""The run's reports: report.html, report.xlsx, junit.xml and results.json, written atomically.

All four are rendered from one view (`model.build`) of the `RunResult`, so
they never disagree; each file is written to a temporary name beside its
target and moved into place, so a crash leaves the previous report intact.
results.json carries the SHA-256 of the files written before it, and
manifest.sha256 (written last) those of all of them, for `sha256sum -c`.
"""
from __future__ import annotations

from pathlib import Path

from conform import display

from ..results import RunResult
from . import model

FORMATS = {"html": "report.html", "xlsx": "report.xlsx", "junit": "junit.xml", "json": "results.json"}
MANIFEST = "manifest.sha256"


def write_reports(run: RunResult, out_dir: str | Path, formats: tuple[str, ...] | list[str] = tuple(FORMATS),
                  gate: dict | None = None, keep_going: bool = False) -> dict[str, Path]:
    """Write the chosen formats into `out_dir`; returns {format: path}. JSON is written last, so a
    results.json beside the others means the set is complete.

    keep_going: a file the system refuses (OSError: a folder in its place, a full disk) is one report not
    written, as a writer's bug is: the others are still written, naming it (ReportsNotWritten), rather than
    the OSError ending the set halfway (`conform run`, whose checks have already run)."""
    from conform import atomic

    from . import certify, html, jsonout, junit, xlsx

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
            except OSError as e:  # the folder or the disk: the caller says so, as for any other file
                if not keep_going:
                    raise
                failed[fmt] = display.cut(f"{type(e).__name__}: {e}", 500)
                _remove_stale(out / FORMATS[fmt])
            except Exception as e:  # noqa: BLE001 - one writer's fault must not lose the reports after it
                failed[fmt] = display.cut(f"{type(e).__name__}: {e}", 500)
                _remove_stale(out / FORMATS[fmt])  # an earlier run's file must not pass for this run's
        if "manifest" not in failed:  # written last, over the files written
            try:
                entries = certify.manifest(list(written.values()))
                written["manifest"] = atomic.write_text(out / MANIFEST, certify.manifest_text(entries))
            except OSError as e:
                if not keep_going:
                    raise
                failed["manifest"] = display.cut(f"{type(e).__name__}: {e}", 500)
                _remove_stale(out / MANIFEST)
        return written

    chosen = [f for f in ("html", "xlsx", "junit", "json") if f in formats]
    written = write_all(model.build(run, gate), chosen)
    checks_gate, seen = gate, 0
    while len(failed) > seen:  # the run exits 4 (a harness error): the reports written say so, naming every failure
        seen = len(failed)
        gate = harness_error_gate(checks_gate, failed)
        written = write_all(model.build(run, gate), [f for f in chosen if f not in failed])
    if failed:
        raise ReportsNotWritten(written, failed, gate)
    return written


def _remove_stale(path: Path) -> None:
    """An earlier run's file where this run's could not be written must not pass for this run's (a folder
    in its place is left: it is no report)."""
    try:
        if path.is_symlink() or path.is_file():
            path.unlink()
    except OSError:
        pass


# What `conform run` writes into a report folder: the files an earlier run left there are removed when a run
# starts writing into it (--out), so that no file there can pass for the new run's (remove_earlier).
REPORT_NAMES = (*FORMATS.values(), MANIFEST)


def remove_earlier(out_dir: str | Path) -> list[str]:
    """Remove an earlier run's reports from `out_dir`: the known report names, and the files its
    manifest.sha256 lists (plain names in the folder). Nothing else is touched: no folder, no other file, nothing
    through a symbolic link to a folder. Returns the names removed."""
    out = Path(out_dir)
    if out.is_symlink() or not out.is_dir():
        return []
    names = list(REPORT_NAMES)
    try:
        listed = (out / MANIFEST).read_text(encoding="utf-8", errors="replace").splitlines() \
            if (out / MANIFEST).is_file() and (out / MANIFEST).stat().st_size < 1_000_000 else []
    except OSError:
        listed = []
    for line in listed:  # sha256sum's format: "<hex>  <name>" (or " *<name>")
        parts = line.split(None, 1)
        name = parts[1].lstrip("*") if len(parts) == 2 else ""
        if name and name not in names and "/" not in name and "\\" not in name and name not in (".", ".."):
            names.append(name)
    removed = []
    for name in names:
        p = out / name
        known = name in REPORT_NAMES
        try:
            # a known name: the run writes it anyway (a link there is replaced); a name only the manifest gives:
            # a regular file alone
            if (known and p.is_symlink()) or (p.is_file() and not p.is_symlink()):
                p.unlink()
                removed.append(name)
        except OSError:
            pass
    return removed


def blocked(out_dir: str | Path, formats: tuple[str, ...] | list[str] = tuple(FORMATS)) -> list[str]:
    """The report files of `formats` (and the manifest) that cannot be written into `out_dir`: a folder stands
    where the file goes, which no atomic replace can take the place of."""
    out = Path(out_dir)
    names = [FORMATS[f] for f in formats if f in FORMATS] + [MANIFEST]
    return [n for n in names if (out / n).is_dir() and not (out / n).is_symlink()]


def _not_written(failed: dict[str, str]) -> str:
    names = {**FORMATS, "manifest": MANIFEST}
    return "report(s) not written: " + "; ".join(f"{names.get(f, f)}: {why}" for f, why in failed.items())


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


__all__ = ["FORMATS", "MANIFEST", "REPORT_NAMES", "ReportsNotWritten", "blocked", "remove_earlier", "write_reports"]
