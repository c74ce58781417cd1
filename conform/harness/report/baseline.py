"""`--baseline results.json`: compare a run with an earlier one so a gate fails only on regressions.

As in the WPT and OpenID conformance suites, checks that already failed in the
baseline are *known failures*: still listed in every report, but not a reason
to fail the gate. A check failing now that passed, was not applicable or did not
exist in the baseline is a *regression*; one failing then and passing now is *fixed*.
Checks are matched by their pytest node id (file, scenario and example row).
"""
from __future__ import annotations

import json
from pathlib import Path

from ..results import SCHEMA_VERSION, RunResult

BAD = ("failed", "error")
SCHEMA_NAME = "conform-results"
# Before the code became one package (conform/), the checks' node ids began harness/conformance/: a
# baseline saved then still matches the same checks, rather than reading every one as new.
OLD_PREFIX, PREFIX = "harness/conformance/", "conform/harness/conformance/"


def _current(nodeid: str) -> str:
    return PREFIX + nodeid[len(OLD_PREFIX):] if nodeid.startswith(OLD_PREFIX) else nodeid


class BaselineError(ValueError):
    """A baseline file that cannot be used; the message names the file and what is wrong."""


def load_baseline(path: str | Path) -> dict:
    """The earlier run's statuses: {"file", "run_id", "started", "statuses": {nodeid: status}}."""
    from conform.files import PIPE, special_kind

    p = Path(path)
    kind = special_kind(p)
    if kind and kind != PIPE:  # a pipe (--baseline <(…)) is read; a device (/dev/zero) never ends
        raise BaselineError(f"{path}: not a regular file ({kind}); give the results.json of an earlier run")
    if p.is_dir():
        raise BaselineError(f"{path}: is a folder; give the results.json of an earlier run")
    if not kind and not p.is_file():
        raise BaselineError(f"{path}: no such baseline file (give the results.json of an earlier run)")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BaselineError(f"{path}: not a readable JSON results file: {e}") from None
    except RecursionError:  # json.loads recurses once a level: a deep file must be refused, not a traceback
        raise BaselineError(f"{path}: not a conform results.json (JSON nested too deeply to read)") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_NAME:
        raise BaselineError(f"{path}: not a conform results.json (expected \"schema\": \"{SCHEMA_NAME}\")")
    version = str(data.get("schema_version", ""))
    if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise BaselineError(f"{path}: results schema version {version!r} cannot be compared with this "
                            f"harness (schema {SCHEMA_VERSION})")
    checks = data.get("checks")
    if not isinstance(checks, list):
        raise BaselineError(f"{path}: \"checks\" must be a list")
    statuses: dict[str, str] = {}
    for i, c in enumerate(checks):
        if not isinstance(c, dict) or not isinstance(c.get("nodeid"), str) or not isinstance(c.get("status"), str):
            raise BaselineError(f"{path}: checks[{i}] needs a string \"nodeid\" and \"status\"")
        statuses[_current(c["nodeid"])] = c["status"]
    run = data.get("run") if isinstance(data.get("run"), dict) else {}
    return {"file": str(path), "run_id": run.get("run_id", ""), "started": run.get("started", ""),
            "statuses": statuses}


def compare(run: RunResult, baseline: dict) -> dict:
    """Known failures, regressions and fixed checks of `run` against a loaded baseline."""
    before: dict[str, str] = baseline["statuses"]
    known, regressions, fixed = [], [], []
    seen = set()
    for c in run.checks:
        seen.add(c.nodeid)
        was = before.get(c.nodeid)
        if c.status in BAD:
            (known if was in BAD else regressions).append(c.nodeid)
        elif was in BAD and c.status == "passed":
            fixed.append(c.nodeid)
    return {"file": baseline["file"], "run_id": baseline.get("run_id", ""), "started": baseline.get("started", ""),
            "known": known, "regressions": regressions, "fixed": fixed,
            "missing": sorted(k for k, v in before.items() if k not in seen and v in BAD)}


def regressions(run: RunResult) -> list:
    """The checks of `run` that count against the gate: regressions with a baseline, every failure without."""
    if run.baseline:
        wanted = set(run.baseline.get("regressions", ()))
        return [c for c in run.checks if c.nodeid in wanted]
    return [c for c in run.checks if c.status in BAD]
