"""What a run found: one `CheckResult` per scenario or property, gathered into a `RunResult`.

This is the single data model every report (terminal, HTML, Excel, JUnit,
JSON) is written from. Statuses: passed, failed (the system's figures differ
from the rules), error (the system did not answer properly), not_applicable
(the adapter lacks an operation), skipped, feature_error (the feature file itself is wrong: an
unknown step or word, an impossible date, a settlement it never made — never the system's fault),
harness_error (the harness itself raised an unexpected exception: a bug in conform, never counted as
the system's non-conformance; the traceback is in the check's evidence).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields
from typing import Any

SCHEMA_VERSION = "1.0"
STATUSES = ("passed", "failed", "error", "not_applicable", "skipped", "feature_error", "harness_error")


@dataclass
class Mismatch:
    """One field where the system under test and the rules disagree."""

    field: str
    expected: str
    actual: str
    item: str = ""      # which settlement / month / use
    label: str = ""     # the field's Chinese name as the scenario wrote it


@dataclass
class StepResult:
    keyword: str
    text: str
    status: str = "passed"  # passed | failed | error | not_run


@dataclass
class CheckResult:
    nodeid: str
    kind: str                     # scenario | property | unit
    name: str
    policy: str | None = None
    articles: list[str] = field(default_factory=list)   # tags such as panzhihua-7
    tags: list[str] = field(default_factory=list)
    status: str = "passed"
    message: str = ""
    feature: str = ""
    feature_file: str = ""
    line: int | None = None
    steps: list[StepResult] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    trace: list[dict] = field(default_factory=list)
    counterexample: str = ""      # ready-to-paste Gherkin for property failures
    failed_articles: list[str] = field(default_factory=list)  # a failed property: the articles it found broken
    duration: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunResult:
    adapter: dict = field(default_factory=dict)
    policies: list[str] = field(default_factory=list)
    selection: dict = field(default_factory=dict)
    started: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    finished: str = ""
    run_id: str = ""
    harness_version: str = ""
    reference_version: str = ""
    seed: str | None = None
    examples: dict = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    incomplete: bool = False
    unreachable: bool = False
    notes: list[str] = field(default_factory=list)
    planned: int = 0              # checks collected; fewer finished means the run is incomplete
    baseline: dict = field(default_factory=dict)  # --baseline comparison: known failures, regressions, fixed
    schema_version: str = SCHEMA_VERSION

    def counts(self) -> dict[str, int]:
        c = {s: 0 for s in STATUSES}
        for ch in self.checks:
            c[ch.status] = c.get(ch.status, 0) + 1
        return c

    @property
    def verdict(self) -> str:
        """合格 only when nothing failed or errored and the run completed (a harness error certifies nothing)."""
        c = self.counts()
        if self.incomplete or self.unreachable or c["failed"] or c["error"] or c["feature_error"] or c["harness_error"]:
            return "不合格"
        return "合格"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["counts"] = self.counts()
        d["verdict"] = self.verdict
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "RunResult":
        """The inverse of to_dict (a worker's part of a concurrent run, harness.shards)."""
        names = {f.name for f in fields(cls)}
        run = cls(**{k: v for k, v in d.items() if k in names and k != "checks"})
        check_names = {f.name for f in fields(CheckResult)}
        for c in d.get("checks", ()):
            ch = CheckResult(**{k: v for k, v in c.items() if k in check_names})
            ch.steps = [StepResult(**s) for s in c.get("steps", ())]
            ch.mismatches = [Mismatch(**m) for m in c.get("mismatches", ())]
            run.checks.append(ch)
        return run
