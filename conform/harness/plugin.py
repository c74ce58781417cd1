"""pytest plugin shared by `uv run pytest` and `conform run`.

Adds the options that choose the system under test, hands scenarios an
adapter, and collects every scenario/property outcome into a `RunResult`
(status, steps, field mismatches, evidence) for the reports.
"""
from __future__ import annotations

import re
import time
from typing import Any

import pytest

from . import evidence, resources
from .adapters import NotApplicable, SutError, SystemUnreachable, make_adapter
from .results import CheckResult, Mismatch, RunResult, StepResult


def _cut(text: str, limit: int) -> str:
    """The reports' one cut rule (conform.display.cut: at a pause, never inside a figure, marked …)."""
    from ..display import cut

    return cut(text, limit)

NOT_APPLICABLE_PREFIX = "not applicable:"
# pytest-timeout's pytest.fail text ("Timeout (>1.0s) from pytest-timeout.", before 2.2 "Timeout >1.0s"): its
# signal method raises it wherever the check is when the limit passes
PLUGIN_TIMEOUT = re.compile(r"Timeout \(?>\s*[0-9.]+\s*s\)?(?: from pytest-timeout\.?)?")
# Hypothesis profiles, seed and counterexample printout for the properties (conform/harness/properties/).
pytest_plugins = ["conform.harness.properties.settings"]


class MismatchError(AssertionError):
    """A Then-step's expectation not met: carries the field-by-field differences."""

    def __init__(self, mismatches: list[Mismatch], trace: list[dict] | None = None,
                 traces: dict[str, list[dict]] | None = None, readings: list[str] | tuple[str, ...] = ()):
        self.mismatches = mismatches
        self.trace = trace or []
        # the reference's trace of each settlement (by the mismatch's item) when they are several
        self.traces = traces or {}
        # named readings (A-…) the expectation itself rests on, whatever the trace cites: a refusal the
        # reference gives for want of the earlier rules (A-BEFORE-VALIDITY), a use rule's own reading
        self.readings = list(dict.fromkeys(readings))
        lines = [f"{m.item + ' ' if m.item else ''}{m.label or m.field} ({m.field}): expected {m.expected}, got {m.actual}"
                 for m in mismatches]
        super().__init__("; ".join(lines))


def pytest_addoption(parser: pytest.Parser) -> None:
    """The system under test: --conform-adapter, --conform-config (reference by default). This plugin is loaded into a
    vendor's own pytest session too, so it adds only conform-prefixed options (never --adapter, which a vendor's
    conftest may define: argparse ended the session on the clash); shared with the pytest11 entry point."""
    from .pytest_plugin import add_system_options

    add_system_options(parser)


def check_of(item: pytest.Item) -> CheckResult:
    """The check a collected item is, before it runs: kind, name (with its example row), document, articles, tags,
    feature file and line (the Collector's record of it; conform run lists those of the planned checks that did not
    run by it)."""
    marks = [m.name for m in item.iter_markers()]
    kind = "unit"
    name = item.name
    feature = feature_file = ""
    line = None
    scenario = _scenario_of(item)
    if scenario is not None:
        kind = "scenario"
        name = scenario.name
        callspec = getattr(item, "callspec", None)
        if callspec is not None:
            example = callspec.params.get("_pytest_bdd_example")
            if example:
                name += " [" + ", ".join(f"{k}={v}" for k, v in example.items()) + "]"
        feature = scenario.feature.name
        feature_file = resources.relative(scenario.feature.filename)  # features/…, like properties
        line = scenario.line_number
    elif item.get_closest_marker("conform_property") is not None:
        kind = "property"
    from conform.reference.policy import POLICY_IDS

    policy = next((m for m in marks if m in POLICY_IDS), None)
    articles = sorted({m for m in marks if policy and m.startswith(policy + "-")})
    ch = CheckResult(nodeid=item.nodeid, kind=kind, name=name, policy=policy, articles=articles,
                     tags=sorted(set(marks) - {"usefixtures", "parametrize"}), feature=feature,
                     feature_file=feature_file, line=line)
    named = sorted(set(re.findall(r"A-[A-Z0-9]+(?:-[A-Z0-9]+)*", name)))
    if named:  # the readings of the text this scenario depends on, shown next to it (issue 10)
        ch.extra["assumptions"] = named
    return ch


class Collector:
    """Turns pytest reports into CheckResults."""

    def __init__(self) -> None:
        self.run = RunResult()
        self._current: dict[str, CheckResult] = {}
        self._started: dict[str, float] = {}
        # pytest-rerunfailures: a check's discarded attempts (nodeid → what each said); the last attempt counts
        self._attempts: dict[str, list[str]] = {}
        self._rerun_note: str | None = None
        self._failed_step: dict[str, Any] = {}   # nodeid → the function of the step that raised (STEP_READINGS)

    # -- helpers
    def _check_for(self, item: pytest.Item) -> CheckResult:
        ch = self._current.get(item.nodeid)
        if ch is None:
            ch = check_of(item)
            self._current[item.nodeid] = ch
        return ch

    # -- hooks
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        evidence.begin()
        self._started[item.nodeid] = time.perf_counter()
        self._check_for(item)

    def pytest_bdd_before_step(self, request: Any, feature: Any, scenario: Any, step: Any, step_func: Any) -> None:
        ch = self._current.get(request.node.nodeid)
        if ch is not None:
            ch.steps.append(StepResult(step.keyword, step.name, "not_run"))

    def pytest_bdd_after_step(self, request: Any, feature: Any, scenario: Any, step: Any, step_func: Any,
                              step_func_args: Any) -> None:
        ch = self._current.get(request.node.nodeid)
        if ch is not None and ch.steps:
            ch.steps[-1].status = "passed"

    def pytest_bdd_after_scenario(self, request: Any, feature: Any, scenario: Any) -> None:
        """Every step passed: the world says whether it could check them in full (World.conclude: a figure of the
        route split the system does not report makes the scenario not applicable)."""
        ch = self._current.get(request.node.nodeid)
        if ch is None or "world" not in request.fixturenames or len(ch.steps) != len(scenario.steps) \
                or any(st.status != "passed" for st in ch.steps):
            return
        request.getfixturevalue("world").conclude()

    def pytest_bdd_step_error(self, request: Any, feature: Any, scenario: Any, step: Any, step_func: Any,
                              step_func_args: Any, exception: BaseException) -> None:
        ch = self._current.get(request.node.nodeid)
        self._failed_step[request.node.nodeid] = step_func
        if ch is not None and ch.steps:
            ch.steps[-1].status = ("failed" if isinstance(exception, AssertionError)
                                   else "skipped" if isinstance(exception, pytest.skip.Exception) else "error")

    def pytest_bdd_step_func_lookup_error(self, request: Any, feature: Any, scenario: Any, step: Any,
                                          exception: BaseException) -> None:
        ch = self._current.get(request.node.nodeid)
        if ch is not None:
            ch.steps.append(StepResult(step.keyword, step.name, "error"))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        report = outcome.get_result()
        _own_notes(report)
        ch = self._current.get(item.nodeid)
        if ch is None or call.excinfo is None:
            return
        exc = call.excinfo.value
        stopped = _plugin_timeout(exc) if report.failed else None
        if stopped is not None:
            # Another plugin's time limit ended the check wherever it was: nothing the system answered was
            # judged wrong, so never 'failed' (which would accuse it and blame no article), nor 'error' (the
            # system's); an error of the run: no verdict, exit 4 (the gate's harness errors).
            report.conform_status = "harness_error"
            shared = (" (a fixture shared by the checks, such as the adapter's start, stopped so fails each later "
                      "check alike)" if call.when == "setup" else "")
            ch.message = (f"运行被其他插件中止 stopped by another pytest plugin's time limit ({stopped}): pytest-timeout "
                          f"ended this check's {call.when} before it finished{shared}. Not a finding about the system "
                          f"under test (conform bounds each of its calls by [adapter] timeout): raise --timeout above "
                          f"what a check takes, or leave it off for the conformance checks (docs/ci.md)")
            ch.evidence.append(evidence.mask({"operation": "harness_error", "request": None, "response": None,
                                              "error": _traceback(call.excinfo)}))
            return
        if isinstance(exc, MismatchError):
            ch.mismatches.extend(exc.mismatches)
            ch.trace = exc.trace
            if ch.kind == "scenario":
                _blame_scenario(ch, exc, _fresh_settlements(item),
                                _step_reading(self._failed_step.pop(item.nodeid, None)))
                paid = _other_funds_paid(ch, exc.mismatches)
                if paid:
                    ch.extra["other_funds_paid"] = paid
        if getattr(exc, "counterexample", ""):  # a shrunk property failure rendered as Gherkin
            ch.counterexample = exc.counterexample
        if isinstance(exc, SutError):
            report.conform_status = "error"
            ch.message = f"system under test error ({exc.kind}): {exc.message}"
            if isinstance(exc, SystemUnreachable) and not self.run.unreachable:
                # Stop after this check; everything gathered so far stays in the run.
                self.run.unreachable = True
                self.run.notes.append(exc.message)
                item.session.shouldstop = exc.message
        elif ch.kind == "scenario" and _feature_mistake(exc):
            # The feature file is wrong (unknown step or word, impossible date, a settlement it never
            # made): an error of the feature, not non-conformance of the system (issue 10).
            report.conform_status = "feature_error"
            ch.message = f"场景文件错误（不是被测系统的问题）feature error: {exc}"
        elif isinstance(exc, NotApplicable):
            report.conform_status = "not_applicable"
            # A skip to pytest too, so an adapter lacking an operation never fails the gate.
            report.outcome = "skipped"
            report.longrepr = (str(item.path), (item.location[1] or 0) + 1, f"Skipped: {exc}")
            ch.message = str(exc)
        elif report.failed and not _is_failure(exc):
            # Not the system's fault and not an expectation: the harness broke. Its own status, the traceback
            # kept for us, and never 'failed' (which would accuse the system).
            report.conform_status = "harness_error"
            ch.message = evidence.mask(_cut(f"测试工具内部错误 harness error ({type(exc).__name__}): {exc}", 1000))
            ch.evidence.append(evidence.mask({"operation": "harness_error", "request": None, "response": None,
                                              "error": _traceback(call.excinfo)}))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        ch = self._current.get(report.nodeid)
        if ch is None:
            return
        if report.outcome == "rerun":
            # pytest-rerunfailures runs the check again: this attempt is set aside (its result is no check of
            # its own, and has no status), the next starts afresh; its teardown, if reported, is ignored
            said = ch.message or "; ".join(f"{m.field}: expected {m.expected}, got {m.actual}"
                                          for m in ch.mismatches) or _short(report)
            self._attempts.setdefault(report.nodeid, []).append(evidence.mask(_cut(" ".join(str(said).split()), 300)))
            evidence.take()
            self._current.pop(report.nodeid, None)
            return
        status = getattr(report, "conform_status", None)
        if report.when == "call" or (report.when == "setup" and not report.passed):
            if status is None:
                if report.passed:
                    status = "passed"
                elif report.skipped:
                    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
                    status = "not_applicable" if NOT_APPLICABLE_PREFIX in reason else "skipped"
                    ch.message = reason.removeprefix("Skipped: ")
                elif report.failed:
                    status = "failed" if report.when == "call" else "error"
            ch.status = status
            # what a passing check says besides (an account use the text leaves open: what the system answered)
            said = [str(v) for v in getattr(report, NOTE_PROPERTY, ())]
            if status == "passed" and said:
                ch.message = "；".join(said)
            if status in ("failed", "error") and not ch.message:
                ch.message = _short(report)
            if status == "failed" and ch.extra.get("other_funds_paid"):
                ch.message = f"{ch.message}；{OTHER_FUNDS_NOTE.format(ch.extra['other_funds_paid'])}"
            if status == "not_applicable" and not ch.message and report.longrepr:
                ch.message = str(report.longrepr)[-300:]
            self._note_attempts(ch)
        if report.when == "teardown":
            self._failed_step.pop(report.nodeid, None)
            ch.evidence.extend(evidence.take())
            ch.duration = time.perf_counter() - self._started.get(report.nodeid, time.perf_counter())
            if ch.kind in ("scenario", "property"):
                self.run.checks.append(ch)
            self._current.pop(report.nodeid, None)

    def _note_attempts(self, ch: CheckResult) -> None:
        """A check pytest-rerunfailures ran more than once: the last attempt is its result, and it says how many
        there were and what the earlier ones found (a figure wrong once is worth knowing), as does the run."""
        earlier = self._attempts.pop(ch.nodeid, None)
        if not earlier:
            return
        n = len(earlier) + 1
        ch.extra["attempts"] = n
        ch.extra["earlier_attempts"] = earlier
        told = list(dict.fromkeys(earlier))
        which = ("attempt 1" if n == 2 else f"attempts 1–{n - 1}") if len(told) == 1 else "earlier attempts"
        said = (f"第 {n} 次尝试的结果 the result of attempt {n} of {n} (pytest-rerunfailures ran it again; the last "
                f"attempt counts); {which}: {_cut(' | '.join(told), 600)}")
        ch.message = f"{ch.message}；{said}" if ch.message else said
        rerun = sum(1 for c in [*self.run.checks, ch] if c.extra.get("attempts"))
        note = (f"pytest-rerunfailures ran {rerun} check(s) again: each counts once, by its last attempt (the "
                f"attempts are noted on the check)")
        if self._rerun_note in self.run.notes:
            self.run.notes[self.run.notes.index(self._rerun_note)] = note
        else:
            self.run.notes.append(note)
        self._rerun_note = note

    def pytest_internalerror(self, excrepr: Any, excinfo: pytest.ExceptionInfo) -> None:
        """pytest itself broke off the session (INTERNALERROR: an exception inside its own hooks, such as
        pytest-timeout's alarm going off while a report was being made): the check in flight did not finish.
        It is kept as a harness error, so the run gives no verdict and the gate exit 4, never a verdict on
        the checks that happened to run before."""
        exc = excinfo.value
        stopped = _plugin_timeout(exc)
        why = (f"pytest-timeout's time limit ({stopped}) went off inside pytest's own hooks" if stopped
               else f"{type(exc).__name__}: {_cut(' '.join(str(exc).split()), 300)}")
        for nodeid, ch in list(self._current.items()):
            ch.status = "harness_error"
            ch.message = evidence.mask(f"测试工具内部错误 harness error: pytest stopped with an internal error while this "
                                       f"check ran ({why}); the checks after it did not run")
            ch.evidence.extend(evidence.take())
            ch.evidence.append(evidence.mask({"operation": "harness_error", "request": None, "response": None,
                                              "error": _traceback(excinfo)}))
            if ch.kind in ("scenario", "property"):
                self.run.checks.append(ch)
            self._current.pop(nodeid, None)
        note = f"pytest stopped with an internal error (INTERNALERROR: {why})"
        if note not in self.run.notes:
            self.run.notes.append(evidence.mask(note))


# A step's note for a check that passes (pytest's user_properties carry it to the report): `note(request, text)`.
NOTE_PROPERTY = "conform_note"
NOTE_SECTION = "conform 检查说明 note"


def _own_notes(report: pytest.TestReport) -> None:
    """Move the notes from the report's user_properties to an attribute of their own: `pytest --junitxml` writes
    user_properties as <properties> inside <testcase>, which the JUnit 10 schema strict consumers enforce does not
    allow, and a vendor's own run through the plugin writes its JUnit so (s27 probeU F1)."""
    notes = [v for k, v in report.user_properties if k == NOTE_PROPERTY]
    if notes:
        setattr(report, NOTE_PROPERTY, [*getattr(report, NOTE_PROPERTY, ()), *notes])
        report.user_properties = [(k, v) for k, v in report.user_properties if k != NOTE_PROPERTY]
        if report.when == "call":  # and where pytest shows a check's own output (-rP / -rA), without --conform-report
            report.sections.append((NOTE_SECTION, "\n".join(str(n) for n in notes)))


def note(request: Any, text: str) -> None:
    """Say something on the check of the running scenario, shown even when it passes."""
    request.node.user_properties.append((NOTE_PROPERTY, text))


def run_note(request: Any, text: str) -> None:
    """Say something once for the whole run (the reports' banner and the terminal), as the properties say
    which regions they skipped: what several passing checks' notes share."""
    collector = getattr(getattr(request, "config", None), "conform_collector", None)
    if collector is not None and text not in collector.run.notes:
        collector.run.notes.append(text)


def _fresh_settlements(item: pytest.Item) -> set[str] | None:
    """The settlements of a scenario that nothing was counted before in its person's history: the first one settled,
    where the scenario gives no opening year-to-date totals (its World); None where the check has no World (not a
    scenario of the step library)."""
    request = getattr(item, "funcargs", {}).get("request")
    try:  # the scenario's steps asked for it: cached until teardown, which comes after this report
        world = request.getfixturevalue("world") if request is not None else None
    except Exception:  # noqa: BLE001 - no World (a check of another kind): nothing known
        return None
    settlements = getattr(world, "settlements", None)
    if settlements is None:
        return None
    if (getattr(world, "person", None) or {}).get("ytd"):
        return set()
    return {next(iter(settlements))} if settlements else set()


# Said on a failing scenario whose system paid other funds: the scenarios expect none (docs/connect-your-system.md,
# "Other funds"), so the personal figures after them differ whatever the system's ordinary pooling (probe s25 ZR R2).
OTHER_FUNDS_NOTE = ("注意：被测系统另付了其他基金（{}；基金支付总额 − 统筹基金支付）。场景假定测试人员不享受其他基金（大病保险、公务员"
                    "医疗补助、大额等：本工具所依的文件不规定其支付），个人负担、个人账户和现金支付随之不同；请在测试环境中为测试人员"
                    "关闭其他基金 note: the system paid other funds, which the scenarios expect the test persons not to have "
                    "(docs/connect-your-system.md, Other funds)")
# the personal figures other funds change, besides 基金支付总额 itself
AFTER_OTHER_FUNDS = frozenset({"fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay", "balc"})


def _other_funds_paid(ch: CheckResult, mismatches: list[Mismatch]) -> str:
    """"V1 450.00, V2 90.00": the settlements of a failing check whose answer (its evidence) gives 基金支付总额 above
    统筹基金支付 — other funds paid — where a figure they change failed; "" where none did."""
    from decimal import Decimal, InvalidOperation

    from .report.causes import figures

    out = []
    for item in dict.fromkeys(m.item.split(" ", 1)[0] for m in mismatches if m.field in AFTER_OTHER_FUNDS and m.item):
        mine = figures(ch.evidence, item)[0]
        try:
            more = Decimal(str(mine.get("fund_pay_sumamt"))) - Decimal(str(mine.get("hifp_pay")))
        except (InvalidOperation, ValueError):
            continue
        if more > 0:
            out.append(f"{item} {more:.2f}")
    return "，".join(out)


# steps whose whole exchange rests on a named reading, no article deciding it (their module → the reading): a figure
# failing there that no step of the reference's working cites (an answer about another request, §3) is that
# reading's, not the scenario's tag — the repeated 2207 of steps/repeat.py (A-SETTLE-ONCE, probe s29 C F5)
STEP_READINGS = {"conform.harness.steps.repeat": "A-SETTLE-ONCE"}


def _step_reading(step_func: Any) -> str | None:
    """The reading a failed step rests on as a whole (STEP_READINGS), if any."""
    return STEP_READINGS.get(getattr(step_func, "__module__", None) or "")


def _blame_scenario(ch: CheckResult, exc: MismatchError, fresh: set[str] | None = None,
                    step_reading: str | None = None) -> None:
    """A failed scenario blames the article(s) whose figure failed, as the reference's trace cites them for
    the failing field, not every article it is tagged with (its tags only when no clause is known); and
    lists the named readings (A-…) that figure rests on next to the check (connect-your-system.md §7), and
    those the expectation rests on (`MismatchError.readings`: a refusal the reference gives only by a reading,
    A-BEFORE-VALIDITY, is expected on that reading, not on an article; with no article cited, the reading is
    what fails).
    The step is found as the report's cause finds it, from the check's evidence too (causes._step: where the
    system's and the reference's answered figures part), so the matrix and JUnit name the cause's article:
    the evidence gathered so far is moved onto the check now (teardown adds what comes after)."""
    from dataclasses import asdict

    from .report.causes import blame, root_mismatch

    ch.evidence.extend(evidence.take())
    traces = {"": exc.trace, **exc.traces}
    found = [asdict(m) for m in exc.mismatches]
    tags, named = blame(found, traces, ch.policy or "", ch.evidence)
    if not tags and not named:
        # the answers part at a step no article of the text decides (the platform's 政策范围内费用, 国家医保平台
        # 结算口径): the figure that differs is the one the scenario compared, decided by the article its trace cites
        # for that figure (a 第五条 scenario's fund payment is 第七条's), as a property's (traced_blame) — not the
        # scenario's own article, which that figure leaves not judged (model._row: blocked)
        tags, _ = blame(found, traces, ch.policy or "")
    named = list(dict.fromkeys([*named, *getattr(exc, "readings", ())]))
    if not tags and step_reading:   # the failing step's exchange rests on a reading alone (STEP_READINGS)
        named = list(dict.fromkeys([*named, step_reading]))
    root = root_mismatch(found)
    if fresh and root is not None and root.get("item") in fresh and ch.policy:
        # a document naming no period for its deductible or cap (北京, 浙江): the natural year is the tool's reading
        # (its `year_reading`), which the working cites on every deductible and cap step; it decides what was counted
        # before a settlement, so a figure of the person's first settlement, nothing counted before it, is the
        # article's under any period (600.00 charged in full): it does not rest on that reading (probe s24 R F7, X X2)
        from conform.reference.policy import POLICY_IDS, load_policy

        year = load_policy(ch.policy).doc.get("year_reading") if ch.policy in POLICY_IDS else None
        named = [a for a in named if a != year]
    if tags:
        ch.failed_articles = tags
    elif named and ch.policy:  # the figure rests on a reading alone: no article of the text is broken
        ch.failed_articles = [f"{ch.policy}-{a}" for a in named]
    else:
        # no step of the reference's working cites anything for the figure: the scenario's own articles, which it
        # was written to check — a failed check naming no article is blamed on nothing (matrix, JUnit; probe s24 R F4)
        ch.failed_articles = list(ch.articles)
    if named:
        ch.extra["rests_on"] = named  # the failing figure's readings (the gate and the causes name them)
        ch.extra["assumptions"] = sorted({*ch.extra.get("assumptions", ()), *named})


def _scenario_of(item: pytest.Item) -> Any:
    """The pytest-bdd scenario template behind a test item, if it is one."""
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    fn = getattr(item, "function", None)
    if fn is None:
        return None
    try:
        return scenario_wrapper_template_registry.get(fn)
    except TypeError:
        return None


def _feature_mistake(exc: BaseException) -> bool:
    from pytest_bdd.exceptions import StepDefinitionNotFoundError

    from .steps.vocabulary import VocabularyError
    from .steps.world import ScenarioError

    return isinstance(exc, (ScenarioError, VocabularyError, StepDefinitionNotFoundError))


def _is_failure(exc: BaseException) -> bool:
    """An expectation not met (AssertionError, pytest.fail), or a group of only such: a real 'failed'."""
    if isinstance(exc, (AssertionError, pytest.fail.Exception)):
        return True
    group = getattr(exc, "exceptions", None)
    if isinstance(exc, BaseExceptionGroup) and group:
        return all(_is_failure(e) or isinstance(e, SutError) for e in group)
    return False


def _plugin_timeout(exc: BaseException) -> str | None:
    """pytest-timeout's words when `exc` is its Failed (or one raised while handling it, or a group holding it)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < 50:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, pytest.fail.Exception) and PLUGIN_TIMEOUT.fullmatch(str(e.msg).strip()):
            return str(e.msg).strip()
        todo += [e.__cause__, e.__context__, *(e.exceptions if isinstance(e, BaseExceptionGroup) else ())]
    return None


def _traceback(excinfo: pytest.ExceptionInfo, limit: int = 20_000) -> str:
    import traceback

    text = "".join(traceback.format_exception(excinfo.type, excinfo.value, excinfo.tb))
    return text if len(text) <= limit else text[:limit // 2] + "\n…\n" + text[-limit // 2:]


def _short(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message
    return str(report.longrepr)[-500:]


def pytest_configure(config: pytest.Config) -> None:
    from . import step_lookup

    step_lookup.install()
    config.addinivalue_line("markers", "conform_property(clauses): a Hypothesis property checking the named clauses")
    from conform.reference.policy import all_policies

    for p in all_policies():
        config.addinivalue_line("markers", f"{p.id}: scenarios of {p.title}")
        for art in p.articles.values():
            config.addinivalue_line("markers", f"{p.id}-{art.id}: {p.short} {art.label} {art.heading}")
    if not hasattr(config, "conform_collector"):
        config.conform_collector = Collector()  # type: ignore[attr-defined]
        config.pluginmanager.register(config.conform_collector, "conform-collector")


@pytest.fixture(scope="session")
def adapter(pytestconfig: pytest.Config):
    """The system under test for this session (the reference unless --conform-adapter says otherwise). A python:
    plugin runs in a process of its own (conform.harness.adapters.plugin_process): nothing it does can end
    or stall the run, or pass for the user's Ctrl-C."""
    from .adapters import AdapterSpecError
    from .config import ConfigError, load_adapter_config

    try:
        cfg = load_adapter_config(pytestconfig.getoption("--conform-config"),
                                  shown=getattr(pytestconfig.option, "conform_config_shown", None))
        a = make_adapter(pytestconfig.getoption("--conform-adapter"), cfg, contained=True)
    except (ConfigError, AdapterSpecError) as e:
        pytest.exit(f"conform: error: {e}", returncode=pytest.ExitCode.USAGE_ERROR)
    a.start()
    pytestconfig.conform_collector.run.adapter = a.describe()  # type: ignore[attr-defined]
    yield a
    a.stop()
