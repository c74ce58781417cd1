"""What a run found: one `CheckResult` per scenario or property, gathered into a `RunResult`.

This is the single data model every report (terminal, HTML, Excel, JUnit,
JSON) is written from. Statuses: passed, failed (the system's figures differ
from the rules), error (the system did not answer properly), not_applicable
(the adapter lacks an operation), skipped, feature_error (the feature file itself is wrong: an
unknown step or word, an impossible date, a settlement it never made — never the system's fault),
harness_error (the harness itself raised an unexpected exception: a bug in conform, never counted as
the system's non-conformance; the traceback is in the check's evidence).

Verdicts: 合格 conformant, 不合格 non-conformant (the system failed, erred, or stopped answering after it
had answered), and 无法判定 "no verdict" when the run cannot decide: the system never answered any
request of the run (refused, name not resolved, TLS failed, timed out: a wrong address is no finding
about the system; see `decide`); it was interrupted or stopped before every check ran, and nothing the
system got wrong among those that did (passes so far certify nothing, and a stop is no fault of the
system); a feature or harness error and nothing the system got wrong; or no check that passed or failed
ever asked the system under test anything (a platform profile without test persons, an adapter that
supports none of what was selected, a selection of only the harness-side region checks).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Iterable

SCHEMA_VERSION = "1.0"
STATUSES = ("passed", "failed", "error", "not_applicable", "skipped", "feature_error", "harness_error")
CONFORMANT, NON_CONFORMANT, NO_VERDICT = "合格", "不合格", "无法判定"
DECIDING = ("passed", "failed", "error")   # the statuses of a check that judged the system


# The SutError kinds of an exchange that got no answer at all: those the adapters count toward declaring
# the system unreachable (http: refused, name not resolved, TLS failed, dropped, timed out; a plugin: timed out).
NO_ANSWER = re.compile(r"system under test error \((?:connection|timeout)\)")


def exchange_answered(entry: Any) -> bool | None:
    """Whether one evidence entry is an exchange the system answered: False for one that got no answer (the
    http adapter marks them `answered: False`, and so does a python: plugin's call that timed out or whose
    process ended), True for any answer (an HTTP status, a refusal, figures, a malformed body: the
    consecutive-failure count restarts at each), None when the entry cannot tell (no response kept: the
    harness's own entries, an older run's)."""
    if not isinstance(entry, dict):
        return None
    if "answered" in entry:
        return bool(entry["answered"])
    if "http_status" in entry:
        return True
    response = entry.get("response")
    if response is None:
        return None
    error = response.get("error") if isinstance(response, dict) else None
    if isinstance(error, str) and error.startswith(("timeout:", "connection:")):
        return False
    return True


def check_answered(status: str, exercised: bool | None, evidence: Iterable[Any] = (), message: str = "") -> bool | None:
    """Whether the system answered this check: True when it answered any of the check's requests, False when
    the check asked it and no request got an answer, None when the check asked nothing (exercised False,
    not applicable) or cannot tell.

    A check that passed or failed judged the system's answers; otherwise its evidence says, exchange by
    exchange; without any, an error of a no-answer kind (NO_ANSWER) got none, any other error is the
    system's (as it always was)."""
    if exercised is False or status == "not_applicable":
        return None
    if status in ("passed", "failed"):
        return True
    seen = [exchange_answered(e) for e in evidence]
    if True in seen:
        return True
    if False in seen:
        return False
    if status == "error":
        return not NO_ANSWER.match(message or "")
    return None


def any_answered(answers: Iterable[bool | None]) -> bool | None:
    """True when some check got an answer, False when some asked and none got one, None when none asked."""
    seen = set(answers)
    return True if True in seen else False if False in seen else None


def decide(checks: Iterable[tuple[str, bool | None]], incomplete: bool = False, unreachable: bool = False,
           answered: bool | None = None) -> str:
    """The verdict over (status, exercised) pairs: the run's, or one document's.

    `answered` is whether the system under test answered anything in the run (RunResult.answered): an exchange
    answered is one that got an HTTP answer, any status or body, a refusal included (a plugin: any return or
    exception of its own, not a timeout nor its process ending) — what restarts the adapters' count of consecutive
    connection failures, which at `consecutive_failures` declares the system unreachable. False (checks asked it,
    none got an answer: connection refused, name not resolved, TLS failed, timed out) gives 无法判定 whatever else: a
    wrong address or a test instance that is down is no finding about the system, and its errors and `unreachable`
    (exit code 3 all the same) certify nothing. A document's verdict takes the run's, so a system that answered and
    then stopped (or erred) fails the documents it did not answer too; and so does one whose every 2207 hangs while
    its T001 answers (stopped as unreachable naming 2207): it answered.

    Else 不合格 when the system failed or erred or could not be reached; otherwise 无法判定 when the run is
    incomplete (an interrupt or an early stop is not the system's failure, and the passes so far are no
    certificate: a regulator must never read 合格 or 不合格 off a run that did not finish), when a check
    could not decide because the feature or the harness was wrong, or when no check that passed or failed
    asked the system anything (exercised is tracked, and False for every one of them: nothing certifies a
    system no check reached); otherwise 合格."""
    if answered is False:
        return NO_VERDICT
    pairs = list(checks)
    statuses = {status for status, _ in pairs}
    if unreachable or {"failed", "error"} & statuses:
        return NON_CONFORMANT
    if incomplete or {"feature_error", "harness_error"} & statuses:
        return NO_VERDICT
    tracked = [(status, ex) for status, ex in pairs if ex is not None]
    if tracked and not any(ex and status in DECIDING for status, ex in tracked):
        return NO_VERDICT
    return CONFORMANT


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
    status: str = "passed"  # passed | failed | error | skipped | not_run


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
    # Whether the check asked the system under test an operation it did not decline as not applicable
    # (`conform run` tracks it; None: not tracked). A check that asked nothing cannot blame the system.
    exercised: bool | None = None


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
    # the checks collected, each {nodeid, name, kind, policy, articles} (conform run): those of an incomplete run
    # that did not run are listed as such (results.json run.not_run, junit.xml)
    planned_checks: list[dict] = field(default_factory=list)
    baseline: dict = field(default_factory=dict)  # --baseline comparison: known failures, regressions, fixed
    schema_version: str = SCHEMA_VERSION

    def counts(self) -> dict[str, int]:
        c = {s: 0 for s in STATUSES}
        for ch in self.checks:
            c[ch.status] = c.get(ch.status, 0) + 1
        return c

    @property
    def verdict(self) -> str:
        """合格 only when nothing failed or errored, the run completed and some check reached the system;
        无法判定 (no verdict) when the system answered nothing, the run did not complete, the features or
        the harness were at fault, or no check reached it (results.decide)."""
        return decide(((c.status, c.exercised) for c in self.checks), self.incomplete, self.unreachable,
                      self.answered())

    def answered(self) -> bool | None:
        """Whether the system under test answered any request of the run: False when checks asked it and
        not one request got an answer (a wrong URL, a system not started, TLS refused), None when no check
        asked it anything (check_answered)."""
        return any_answered(check_answered(c.status, c.exercised, c.evidence, c.message) for c in self.checks)

    def exercised_nothing(self) -> bool:
        """True when the run tracked it and no check that passed or failed asked the system anything."""
        tracked = [c for c in self.checks if c.exercised is not None]
        return bool(tracked) and not any(c.exercised and c.status in DECIDING for c in tracked)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["counts"] = self.counts()
        d["verdict"] = self.verdict
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "RunResult":
        """The inverse of to_dict (a worker's part of a concurrent run, conform.harness.shards)."""
        names = {f.name for f in fields(cls)}
        run = cls(**{k: v for k, v in d.items() if k in names and k != "checks"})
        check_names = {f.name for f in fields(CheckResult)}
        for c in d.get("checks", ()):
            ch = CheckResult(**{k: v for k, v in c.items() if k in check_names})
            ch.steps = [StepResult(**s) for s in c.get("steps", ())]
            ch.mismatches = [Mismatch(**m) for m in c.get("mismatches", ())]
            run.checks.append(ch)
        return run


INCOMPLETE = "未完成"
_REASONS = re.compile(r"未完成 incomplete run \((.*)\): \d+ of \d+ checks finished")


def incomplete_reasons(notes: list[str]) -> list[str]:
    """Why the runs these notes are of did not finish ("interrupted", "stopped early: system unreachable"), each once:
    a merged run (shards) says them all, so a CI reader tells a cancel from a worker that stopped (probe s23 K F6)."""
    found = (m.group(1) for n in notes if (m := _REASONS.fullmatch(n)))
    return list(dict.fromkeys(r for one in found for r in one.split("；")))


def incomplete_note(why: list[str], finished: int, planned: int) -> str:
    reasons = list(dict.fromkeys(why))
    said = f" ({'；'.join(reasons)})" if reasons else ""
    return f"未完成 incomplete run{said}: {finished} of {planned} checks finished"
