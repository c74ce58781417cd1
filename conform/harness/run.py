"""`conform run`: the conformance run against one system under test — the CI gate.

It runs the features (and the properties) through pytest with the harness
plugin, showing a progress bar over the checks, gathers every outcome into a
RunResult, writes the reports (reports/<run-id>/ and reports/latest, or
--out DIR) and maps the outcome to the gate's exit code:

    0  every required check passed (with --baseline: no regression)
    1  non-conformance found (a scenario or property failed), or the run was
       interrupted after some checks ran (its report is marked incomplete, and
       its verdict is 无法判定 unless a check it did run failed)
    2  usage or configuration error (bad option, adapter, config, baseline,
       feature file, output folder); no check ran. Also no verdict (无法判定) when
       a feature error stopped scenarios, or when no check reached the system
       under test (all not applicable, or only the harness's own checks ran)
    3  the system under test could not be reached or errored
    4  the harness itself failed (a bug in conform, not in the system): at least
       one check ended in an unexpected exception, reported as 'harness_error'
       with its traceback in the evidence; or a report file could not be written
       after the checks ran (the others are, results.json names it); takes
       precedence over 1 and 3
  130  interrupted (Ctrl-C, SIGTERM) before any check finished; nothing was judged
       (a report written once the checks had started says 无法判定, 0 checks)

Each run has a folder of its own, reserved (an exclusive mkdir) as it starts; into --out DIR,
an earlier run's reports are removed once the run starts (report.remove_earlier), never by a
usage error, so no report there passes for this run's. A symbolic link as --out is refused.

A second Ctrl-C or SIGTERM while the first is being handled (a terminal sends
SIGINT to the whole process group, so `uv run` and Python both get it) does not
cut the report short: the report of every result gathered is still written,
marked 未完成 incomplete, and then the run exits.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import signal
import sys
import threading
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import click
import pytest

from ..display import cut, cut_words
from . import resources
from .results import INCOMPLETE, RunResult, incomplete_note

ROOT = resources.TOP  # the repository root, or site-packages for an installed wheel
CONFORMANCE = Path(__file__).resolve().parent / "conformance"
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
EXIT_HARNESS = 4         # the harness failed, not the system: see 'harness_error' checks
EXIT_INTERRUPTED = 130   # 128 + SIGINT, as shells report it: stopped before any check finished
DEFAULT_REPORTS = Path("reports")
SUMMARY_FAILURES = 40  # failures listed on the terminal; the reports have them all


@dataclass
class Execution:
    """What `execute_detailed` found: the run, pytest's exit code and why it stopped early, if it did."""

    run: RunResult
    pytest_code: int
    usage_error: str | None = None          # pytest.exit(...) from the harness, or a collection error
    interrupted: bool = False               # Ctrl-C (KeyboardInterrupt) or another early stop
    collect_errors: list[str] = field(default_factory=list)


class _Hook:
    """Hands the run's collector to the harness plugin and records how the run ended
    (the bar and heartbeats are conform/harness/progress.py's)."""

    def __init__(self) -> None:
        from .plugin import Collector

        self.collector = Collector()
        self.collect_errors: list[str] = []
        self.exit_message: str | None = None
        self.interrupted = False
        self.stopped: str | None = None
        self.asked = 0                  # operations the system under test was asked (not declined as n/a)
        self.tracking = False           # the adapter's operations are counted (see _count_operations)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ did a check reach the system?
    def _ask(self) -> None:
        with self._lock:
            self.asked += 1

    def _count_operations(self, adapter: Any) -> None:
        """Wrap the session adapter's operations so that each check knows whether it asked the system
        anything: a run in which no check did must not certify the system (RunResult.verdict)."""
        from .adapters.base import OPERATIONS, NotApplicable

        for op in OPERATIONS:
            fn = getattr(adapter, op, None)
            if fn is None or getattr(fn, "conform_counted", False):
                continue

            def counted(*args: Any, _fn: Any = fn, **kw: Any) -> Any:
                try:
                    result = _fn(*args, **kw)
                except NotApplicable:   # declined before anything was asked (or could be)
                    raise
                except BaseException:   # refused, erred, unreachable, a mismatch: the system was asked
                    self._ask()
                    raise
                self._ask()
                return result

            counted.conform_counted = True  # type: ignore[attr-defined]
            try:
                setattr(adapter, op, counted)
            except (AttributeError, TypeError):  # an adapter that cannot be wrapped: leave it untracked
                return
        self.tracking = True

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any):
        outcome = yield
        if fixturedef.argname == "adapter" and outcome.excinfo is None:
            self._count_operations(outcome.get_result())

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: Any):
        before = self.asked
        yield
        if not self.tracking:
            return
        checks = self.collector.run.checks
        check = checks[-1] if checks and checks[-1].nodeid == item.nodeid else None
        if check is None:
            return
        # a check the system declined as not applicable asked it something, yet judged nothing of it: like one
        # that asked nothing, it certifies nothing (docs/ci.md, `exercised`)
        check.exercised = self.asked > before and check.status != "not_applicable"
        if check.status == "failed" and not check.exercised:
            # A check that asked the system nothing cannot find it at fault: a fixture the feature names
            # that is missing (a region file not installed), or an expectation the harness's own checks
            # disagree with. The feature or the harness is wrong, never the system (issue 10).
            why = check.message or "; ".join(f"{m.field}: {m.actual}" for m in check.mismatches)
            if check.kind == "scenario":
                check.status = "feature_error"
                check.message = f"场景文件错误（不是被测系统的问题）feature error: 未访问被测系统 the scenario failed " \
                                f"without asking the system under test anything: {why}"
                check.message = cut(check.message, 2000)
            else:
                check.status = "harness_error"
                check.message = f"测试工具内部错误 harness error: the check failed without asking the system under " \
                                f"test anything: {why}"
                check.message = cut(check.message, 2000)

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.conform_collector = self.collector  # type: ignore[attr-defined]
        config.pluginmanager.register(self.collector, "conform-collector")

    def pytest_exception_interact(self, node: Any, call: pytest.CallInfo, report: Any) -> None:
        if isinstance(report, pytest.CollectReport) and call.excinfo is not None:
            # e.g. a feature file that is not valid Gherkin: say which file and line, without a traceback
            exc = call.excinfo.value
            text = " ".join(str(exc).split()) or type(exc).__name__
            where = f"{node.nodeid}: " if getattr(node, "nodeid", "") else ""
            self.collect_errors.append(f"{where}{type(exc).__name__}: {text}")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.collector.run.planned = len(session.items)
        self.collector.run.planned_checks = [_planned(item) for item in session.items]

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo) -> None:
        exc = excinfo.value
        if isinstance(exc, pytest.exit.Exception) and exc.returncode == pytest.ExitCode.USAGE_ERROR:
            self.exit_message = str(exc.msg)
        elif isinstance(exc, pytest.Session.Interrupted):
            self.stopped = str(exc)  # session.shouldstop, e.g. the system declared unreachable
        else:
            self.interrupted = True


def _planned(item: pytest.Item) -> dict:
    """A collected check as the reports name it, before it runs: so the checks an incomplete run did not run can be
    listed by the name and document they have when they run (junit.xml keys a test's history on them)."""
    from .plugin import check_of

    try:
        ch = check_of(item)
    except Exception:  # noqa: BLE001 - an item the collector cannot describe: listed by pytest's name
        return {"nodeid": item.nodeid, "name": item.name, "kind": "unit", "policy": None, "articles": []}
    name = ch.name
    if ch.kind == "property":  # named as conform/harness/properties/runner.py names it when it runs
        prop = getattr(getattr(item, "module", None), "PROPERTIES", {}).get(
            str(getattr(item, "originalname", "")).removeprefix("test_"))
        callspec = getattr(item, "callspec", None)
        policy = callspec.params.get("policy") if callspec is not None else None
        if prop is not None and policy:
            name = prop.check_name(policy)
    return {"nodeid": ch.nodeid, "name": name, "kind": ch.kind, "policy": ch.policy, "articles": list(ch.articles)}


def _mark_expression(policies: tuple[str, ...], articles: tuple[str, ...], tag: str | None) -> str | None:
    parts = []
    if policies:
        parts.append("(" + " or ".join(policies) + ")")
    if articles:
        parts.append("(" + " or ".join(articles) + ")")
    if tag:
        parts.append(f"({tag})")
    return " and ".join(parts) or None


def no_final_collection(config: pytest.Config) -> None:
    """pytest ends every session with a full gc.collect() so that exceptions raised in finalizers surface
    as warnings. A harness run reports no warnings, and in a process that runs the harness many times (a
    test suite, a vendor's script calling `execute`) that walk over every live object of the process
    was a fifth of the time; pytest's own pytester skips it for its inline runs the same way."""
    try:
        from _pytest.unraisableexception import gc_collect_iterations_key
    except ImportError:  # a pytest without the setting: it collects as it always did
        return
    config.stash[gc_collect_iterations_key] = 0


class _NoFinalCollection:
    pytest_configure = staticmethod(no_final_collection)


def execute_detailed(adapter: str | None = None, config: str | None = None, policies: tuple[str, ...] = (),
                     articles: tuple[str, ...] = (), tag: str | None = None, extra_args: tuple[str, ...] = (),
                     quiet: bool = True, paths: tuple[str | os.PathLike, ...] | None = None,
                     plugins: tuple[object, ...] = (), progress: bool | str = False) -> Execution:
    """Run the suite (or the test modules in `paths`) and return everything it found.

    progress: False (silent), True / "auto" (a bar on a terminal, heartbeat lines otherwise), "heartbeat"."""
    from .progress import Progress

    hook = _Hook()
    ticker = Progress(sys.stderr, "auto" if progress is True else str(progress)) if progress else None
    if config:  # the run changes into the repository; a relative config path means the caller's folder
        config = os.path.abspath(config)
    targets = [str(p) for p in (paths or (CONFORMANCE,))]
    # -p makes the plugin and step library load even for paths outside the repository's conftest
    args = [*targets, "--rootdir", str(ROOT), "-c", str(resources.pytest_config()), "-p", "no:cacheprovider",
            "-p", "no:conform",  # the vendors' pytest11 entry point (conform/harness/pytest_plugin.py): not needed here
            "-p", "conform.harness.plugin", "-p", "conform.harness.steps.library", "--strict-markers", "-o", "testpaths="]
    if quiet:
        args += ["-q", "--no-header", "--tb=no"]
    if adapter:  # the inner pytest's own names (conform/harness/plugin.py): conform-prefixed, as in a vendor's session
        args += ["--conform-adapter", adapter]
    if config:
        args += ["--conform-config", config]
    expr = _mark_expression(policies, articles, tag)
    if expr:
        args += ["-m", expr]
    args += list(extra_args)
    sink, err_sink = io.StringIO(), io.StringIO()
    from conform.reference.policy import working_folder_kept

    from .adapters import python_plugin

    cwd = os.getcwd()
    invoked_from = python_plugin.INVOKED_FROM
    try:
        python_plugin.INVOKED_FROM = invoked_from or cwd  # a python: adapter's module imports from where we began
        os.chdir(ROOT)
        with contextlib.ExitStack() as stack:
            # a relative --region path, a ./fixtures/regions/ name: the user's folder, not the suite's (rvendor D8)
            stack.enter_context(working_folder_kept(cwd))
            if quiet:
                stack.enter_context(contextlib.redirect_stdout(sink))
                stack.enter_context(contextlib.redirect_stderr(err_sink))
            try:
                code = pytest.main(args, plugins=[hook, _NoFinalCollection, *plugins, *([ticker] if ticker else [])])
            except KeyboardInterrupt:  # an interrupt pytest did not catch (e.g. while it was shutting down)
                hook.interrupted = True
                code = pytest.ExitCode.INTERRUPTED
    finally:
        if ticker is not None:
            ticker.stop()
        os.chdir(cwd)
        python_plugin.INVOKED_FROM = invoked_from
    return conclude(hook, int(code), adapter, config,
                    {"policies": list(policies), "articles": list(articles), "tag": tag}, err_sink.getvalue(),
                    echo_stderr=not quiet)


def conclude(hook: _Hook, code: int, adapter: str | None, config: str | None, selection: dict,
             stderr_text: str = "", echo_stderr: bool = False) -> Execution:
    """What a finished pytest session found, made into the run the gate and the reports read.

    Shared by `conform run` and the vendors' `pytest --conform-adapter` (conform/harness/pytest_plugin.py), so
    that both record the same selection, system identity and completeness, and so reach the same
    verdict and exit code for the same checks."""
    run = hook.collector.run
    run.finished = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    run.harness_version = version("conform")
    run.reference_version = version("conform")
    from .generators import chosen_regions

    regions = [ref for refs in chosen_regions().values() for ref in refs]  # --region: the figures certified
    run.selection = {**selection, "regions": regions} if regions else selection
    run.policies = sorted({c.policy for c in run.checks if c.policy})
    if not run.adapter:
        run.adapter = {"adapter": adapter or "reference"}
    from .report.certify import system_identity

    run.adapter.update(system_identity(config))  # [system] name and version, for the certification record
    usage = hook.exit_message
    if code == pytest.ExitCode.USAGE_ERROR and not usage:  # pytest's own UsageError, e.g. an unknown tag
        errors = [ln.removeprefix("ERROR: ").strip() for ln in stderr_text.splitlines()
                  if ln.startswith("ERROR: ")]
        usage = "; ".join(errors).replace(
            "Use 'pytest --markers' to see available markers.",
            "(--article and --tag take tags such as panzhihua or panzhihua-7)") or None
    if echo_stderr or (code != pytest.ExitCode.OK and not usage and stderr_text.strip()):
        sys.stderr.write(stderr_text)
    if hook.collect_errors and not usage:
        usage = "cannot load the checks: " + "; ".join(hook.collect_errors)
        if any("non-top-level conftest" in e for e in hook.collect_errors):
            # pytest_plugin.py keeps the conftest.py files above the installed package out; should a pytest
            # without the table it uses read one anyway, say what to do rather than only pytest's words
            usage += (" — a conftest.py in a folder above the installed conform package (the folder holding the "
                      "virtual environment) names pytest_plugins, and pytest read it while collecting the "
                      "conformance checks: put the virtual environment outside that folder, or move "
                      "pytest_plugins into the rootdir's conftest.py, or run `conform run` instead")
    interrupted = hook.interrupted or (code == pytest.ExitCode.INTERRUPTED and not usage and not hook.stopped)
    if interrupted or run.unreachable or (run.planned and len(run.checks) < run.planned and not usage):
        run.incomplete = True
        why = ("interrupted" if interrupted else "stopped early: system unreachable" if run.unreachable
               else f"stopped early: {hook.stopped}" if hook.stopped else "stopped early")
        run.notes.append(incomplete_note([why], len(run.checks), run.planned))
    return Execution(run, int(code), usage, interrupted, hook.collect_errors)


def execute(adapter: str | None = None, config: str | None = None, policies: tuple[str, ...] = (),
            articles: tuple[str, ...] = (), tag: str | None = None, extra_args: tuple[str, ...] = (),
            quiet: bool = True, **kw: Any) -> tuple[RunResult, int]:
    """Run the suite and return what it found with pytest's own exit code."""
    ex = execute_detailed(adapter, config, policies, articles, tag, extra_args, quiet, **kw)
    return ex.run, ex.pytest_code


def gate(run: RunResult, pytest_code: int, interrupted: bool | None = None) -> tuple[int, str]:
    """The exit code and why: 0 conformant, 1 non-conformance, 2 usage/configuration (a feature error, or no
    check reached the system: no verdict), 3 unreachable/erroring.

    With a baseline in `run.baseline`, only regressions count; known failures do not fail the gate.
    `interrupted`: whether a signal stopped the run (an interrupt can cause pytest's INTERNALERROR too); None
    when unknown, then an incomplete run is taken for interrupted."""
    from .report.baseline import regressions

    bad = regressions(run)
    failed = [c for c in bad if c.status == "failed"]
    errored = [c for c in bad if c.status == "error"]
    new = "新增 new " if run.baseline else ""
    broken = [c for c in run.checks if c.status == "harness_error"]
    if broken:
        return EXIT_HARNESS, (f"测试工具内部错误 harness error in {len(broken)} check(s): a bug in conform, or "
                              "another pytest plugin stopping a check (pytest-timeout); not a verdict on the system "
                              "(the check's message and the report's evidence say which)")
    if pytest_code == pytest.ExitCode.INTERNAL_ERROR and not (run.incomplete if interrupted is None else interrupted):
        # pytest broke off the session between checks (a plugin's INTERNALERROR): what ran is no verdict
        return EXIT_HARNESS, (f"测试工具内部错误 harness error: pytest stopped with an internal error after "
                              f"{len(run.checks)} of {run.planned} checks; no verdict")
    if run.unreachable:
        return EXIT_UNREACHABLE, "被测系统不可达 system under test unreachable"
    bad_features = [c for c in run.checks if c.status == "feature_error"]
    if bad_features:  # the features themselves are invalid: no verdict on the system (issue 10)
        return EXIT_USAGE, f"场景文件错误 feature error in {len(bad_features)} scenario(s): {cut(bad_features[0].message, 200)}"
    if failed:
        reason = f"发现不符合 non-conformance: {len(failed)} {new}failing check(s)"
        # a failing figure that rests on a named reading of a silent text is said apart (docs §7)
        read = [c for c in failed if (c.extra or {}).get("rests_on")]
        if read:
            named = sorted({a for c in read for a in c.extra["rests_on"]})
            reason += (f"; {len(read)} of them rest on a named reading where the text is silent 依据假设 "
                       f"({'、'.join(named[:6])}{' …' if len(named) > 6 else ''}; see the reports)")
        if errored:  # failures decide the exit code (docs/ci.md); the errors are still said, not dropped
            reason += (f"; {len(errored)} {new}check(s) could not be judged: the system answered with errors "
                       f"被测系统出错")
        return EXIT_FAIL, reason
    if errored:
        return EXIT_UNREACHABLE, f"被测系统出错 system under test errored in {len(errored)} {new}check(s)"
    if pytest_code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        return EXIT_USAGE, "用法或配置错误 usage or configuration error"
    if run.incomplete or pytest_code == pytest.ExitCode.INTERRUPTED:
        if run.checks:
            return EXIT_FAIL, "运行未完成 run incomplete: no verdict on the checks that did not run"
        return EXIT_INTERRUPTED, "运行被中断 run interrupted before any check finished"
    if pytest_code == pytest.ExitCode.TESTS_FAILED and not run.baseline:
        return EXIT_FAIL, "pytest reported a failure outside the scenarios and properties"
    if run.exercised_nothing():  # nothing certifies a system no check reached
        return EXIT_USAGE, nothing_reached(run)
    known = len(run.baseline.get("known", ())) if run.baseline else 0
    return EXIT_OK, "所有必需检查通过 every required check passed" + (f" ({known} known failure(s))" if known else "")


def nothing_reached(run: RunResult) -> str:
    """Why a run that no check reached the system gives no verdict: the counts and the commonest reason
    the checks were not applicable, which names what the adapter or its config lacks."""
    from collections import Counter

    counts = run.counts()
    harness_side = sum(1 for c in run.checks if c.status == "passed" and not c.exercised)
    reasons = Counter(cut_words(c.message, 300) for c in run.checks if c.status == "not_applicable")
    said = [f"{harness_side} passed without asking it anything (the harness's own checks, e.g. region "
            f"configurations)"] if harness_side else []
    if counts["not_applicable"]:
        said.append(f"{counts['not_applicable']} not applicable")
    if counts["skipped"]:
        said.append(f"{counts['skipped']} skipped")
    text = (f"无法判定 no verdict: no check reached the system under test ({', '.join(said) or 'no check ran'})")
    if reasons:
        reason, n = reasons.most_common(1)[0]
        text += f"; most often ({n}×): {reason}"
    if counts["not_applicable"]:
        return text + ("; give the adapter what it needs to run the checks (docs/connect-your-system.md) or select "
                       "checks it supports")
    return text + "; select checks that settle with the system, not only the harness's own"


def exit_code(run: RunResult, pytest_code: int) -> int:
    """0 conformant, 1 non-conformance, 2 usage/configuration, 3 system unreachable or erroring,
    4 harness error, 130 interrupted before any check."""
    return gate(run, pytest_code)[0]


def print_summary(run: RunResult, written: dict | None = None, gate_result: tuple[int, str] | None = None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from ..display import one_line, shown
    from .evidence import mask
    from .report.model import is_ratio, properties_not_run, ratio_shown, status_label
    from .report.terminal import (article_label, cause_lines, counts_columns, counts_row, document_label,
                                  region_lines, verdict_sentence)

    console = Console(stderr=False)
    # the adapter's name is the system's text (a plugin's `name`): escaped for the terminal, and for rich's markup
    table = Table(title=f"一致性测试结果 Conformance results — "
                        f"{escape(one_line(mask(str(run.adapter.get('adapter', '')))))}")
    statuses = ["passed", "failed", "error", "not_applicable", "skipped"]
    titles = ["通过\npassed", "失败\nfailed", "错误\nerror", "不适用\nn/a", "跳过\nskipped"]
    # The harness's own faults get a column only when they happened (the reports always show them).
    for status, title in (("harness_error", "框架错误\nharness error"), ("feature_error", "场景文件错误\nfeature error")):
        if any(c.status == status for c in run.checks):
            statuses.append(status)
            titles.append(title)
    table.add_column("文件\nDocument", justify="left", no_wrap=True)
    for col in (*titles, "属性\nproperties"):
        table.add_column(col, justify="right", no_wrap=True)
    by_policy: dict[str, dict[str, int]] = {}
    for c in run.checks:
        row = by_policy.setdefault(c.policy or "-", {})
        row[c.status] = row.get(c.status, 0) + 1
        if c.kind == "property":
            row["property"] = row.get("property", 0) + 1
    for policy, row in sorted(by_policy.items()):
        table.add_row(document_label(policy), *(str(row.get(s, 0)) for s in (*statuses, "property")))
    console.print(table)
    base = run.baseline or {}
    known = set(base.get("known", ()))
    bad = [c for c in run.checks if c.status in ("failed", "error")]
    reasons = cause_lines(run)  # causes before symptoms
    if reasons:
        console.print("原因 Causes:", markup=False, highlight=False)
        for line in reasons:
            console.print(one_line(mask(f"  · {line}")), markup=False, highlight=False)
        console.print("逐项 Failures:", markup=False, highlight=False)
    for c in bad[:SUMMARY_FAILURES]:
        mark = " [yellow](已知 known)[/yellow]" if c.nodeid in known else ""
        console.print(f"[red]{status_label(c.status)}[/red]{mark} ", end="", markup=True, highlight=False)
        # a property names the articles it found broken (as JUnit and the matrix do), not all it covers
        blamed = c.failed_articles or (c.extra or {}).get("failed_articles") or c.articles
        console.print(one_line(mask(f"{c.feature_file}:{c.line or ''} {c.name} {'、'.join(map(article_label, blamed))}")),
                      markup=False,
                      highlight=False)
        for m in c.mismatches:
            exp, act = ((ratio_shown(m.expected), ratio_shown(m.actual)) if is_ratio(m.field, m.label or "")
                        else (m.expected, m.actual))  # a ratio as the scenarios write it (50%)
            console.print(one_line(mask(f"    {m.item} {m.label or m.field} ({m.field}): 应为 expected {exp}，实际 actual {act}")),
                          markup=False, highlight=False)
        if not c.mismatches and c.message:
            console.print(one_line(mask(f"    {c.message}")), markup=False, highlight=False)
    if len(bad) > SUMMARY_FAILURES:
        console.print(f"… 另有 {len(bad) - SUMMARY_FAILURES} 项失败或错误，见报告 ({len(bad) - SUMMARY_FAILURES} more in the "
                      f"report)", markup=False, highlight=False)
    if run.unreachable:
        console.print(f"[red]系统不可达 System unreachable[/red] — 提前停止，已收集的 {len(run.checks)} 项结果均已保留", markup=True,
                      highlight=False)
    for note in run.notes:
        console.print(shown(mask(f"    {note}")), markup=False, highlight=False)
    if base:
        console.print(f"基线 Baseline {base.get('file', '')}: 新增失败 regressions {len(base.get('regressions', []))}, "
                      f"已知失败 known {len(base.get('known', []))}, 已修复 fixed {len(base.get('fixed', []))}",
                      markup=False, highlight=False)
    for line in region_lines(run):  # which region figures the verdict refers to: name and SHA-256 (certify.py)
        console.print(one_line(mask(line)), markup=False, highlight=False)
    for fmt, path in (written or {}).items():
        console.print(f"报告 Report ({fmt}): {path}", markup=False, highlight=False)
    verdict = run.verdict
    colour = {"合格": "green", "无法判定": "yellow"}.get(verdict, "red")
    if verdict == "合格" and properties_not_run(run.checks):
        colour = "yellow"  # a 合格 beside property checks that checked nothing is said, not shown green (rvendor s11 D1)
    totals = Table(show_edge=False)
    for _, title in counts_columns(run):
        totals.add_column(title, justify="right")
    totals.add_row(*counts_row(run))
    console.print(totals)
    console.print(f"[{colour}]{escape(verdict_sentence(run))}[/{colour}]")
    if gate_result is not None:
        # the reason can quote a system's words (nothing_reached: why its checks were not applicable)
        console.print(one_line(mask(f"退出码 Exit code {gate_result[0]}: {gate_result[1]}")), markup=False,
                      highlight=False)


def _formats(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    from .report import FORMATS

    if not value:
        return tuple(FORMATS)
    chosen: list[str] = []
    for v in value:
        for f in (x.strip().lower() for x in v.split(",")):
            if f == "all":
                chosen += list(FORMATS)
            elif f not in FORMATS:
                raise click.BadParameter(f"{f!r} is not a report format; choose from {', '.join(FORMATS)} or all")
            elif f:
                chosen.append(f)
    return tuple(dict.fromkeys(chosen))


def _run_name(adapter_name: object) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(adapter_name or "run")).strip("-") or "run"


def _run_id(run: RunResult, base: Path) -> str:
    """A run id not yet taken in `base` (the pytest plugin's --conform-report names its run so; `conform run`
    reserves its folder with _reserve_run_dir instead)."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    name = _run_name(run.adapter.get("adapter", "run"))
    rid, n = f"{stamp}-{name}", 1
    while (base / rid).exists():
        n += 1
        rid = f"{stamp}-{name}-{n}"
    return rid


def _reserve_run_dir(base: Path, adapter_name: object) -> Path:
    """Make the run's own folder `base/<stamp>-<adapter>[-n]` as the run starts, with an exclusive mkdir: two runs
    started in the same second (two CI jobs sharing a workspace) each get a folder of their own, never the same
    one (the name was once chosen at the end by whether a folder of that name existed, which two runs finishing
    together could both pass, the second then writing over the first's reports)."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    name = _run_name(adapter_name)
    for n in range(1, 10_000):
        folder = base / (f"{stamp}-{name}" if n == 1 else f"{stamp}-{name}-{n}")
        try:
            os.mkdir(folder)
        except FileExistsError:
            continue
        return folder
    raise OSError(f"no free run folder name {stamp}-{name}-N in {base}")


class _Interrupts:
    """SIGINT and SIGTERM during `conform run`: the first stops the checks (KeyboardInterrupt, which pytest
    turns into an orderly stop); any later one is noted and ignored, so the report of what was gathered
    is always written. Once the checks are over (`finishing()`), no signal interrupts anything."""

    SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s is not None)

    def __init__(self, final: bool = False) -> None:
        self.final = final  # the process exits after the block (conform run), so never restore a handler
        self.received: list[int] = []
        self.checks_over = False
        self.stopped_checks = False  # a signal stopped the checks (not one that came after them)
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Any) -> None:
        self.received.append(signum)
        if len(self.received) == 1 and not self.checks_over:
            self.stopped_checks = True
            raise KeyboardInterrupt(f"signal {signum}")
        try:
            os.write(2, "conform: 正在写报告，请稍候 still writing the report of the results gathered…\n".encode())
        except OSError:
            pass

    def finishing(self) -> None:
        self.checks_over = True

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Registered as a plugin of the run: from here on a signal no longer interrupts anything."""
        self.finishing()

    def __enter__(self) -> "_Interrupts":
        try:
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        except (ValueError, OSError):  # not the main thread: leave signals alone
            self.__exit__()
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, prev in self._previous.items():
            # Once interrupted, the process only exits from here: more of the burst must not kill it midway.
            # Nor, in the process started as `conform` (conform.harness.cli's early handler), may a signal now change
            # the exit code the run decided.
            ended = self.final and (self.received or getattr(prev, "conform_early", False))
            signal.signal(sig, signal.SIG_IGN if ended else prev)
        self._previous.clear()


@contextlib.contextmanager
def _sigterm_interrupts() -> Any:
    """Treat SIGTERM (and SIGINT) like Ctrl-C while the checks run; later signals do not cut the report short."""
    with _Interrupts() as guard:
        yield guard


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"conform: error: {message}", err=True)
    sys.exit(code)


@click.command()
@click.option("--adapter", default=None,
              help="the system under test: reference (default); http(s)://URL; platform+http(s)://URL (a test "
                   "environment speaking the national platform's own messages, with --config giving its test "
                   "persons); python:module:Class; or the name of an installed plugin (entry point group "
                   "conform.adapters). `conform list adapters` lists them")
@click.option("--config", "config", default=None, type=click.Path(), help="TOML file with adapter settings")
@click.option("--policy", "policies", multiple=True, help="only this document (repeatable): panzhihua, nanchang, …")
@click.option("--article", "articles", multiple=True, help="only this article tag (repeatable), e.g. panzhihua-7")
@click.option("--region", "regions", multiple=True, metavar="REGION",
              help="certify against this region file (a name in conform/fixtures/regions/ or ./fixtures/regions/, or a path; repeatable): the "
                   "properties of its document draw under its figures alone, and the record pins them. Implies "
                   "--policy of its document")
@click.option("--tag", default=None, help="a pytest mark expression over the scenario tags")
@click.option("--format", "formats", multiple=True, callback=_formats, metavar="FORMAT",
              help="reports to write: html, xlsx, junit, json or all (repeatable or comma-separated; default all)")
@click.option("--out", "out", default=None, type=click.Path(file_okay=False),
              help="write the reports into this folder (replacing the previous ones atomically) instead of "
                   "reports/<run-id>/ with reports/latest")
@click.option("--baseline", default=None, type=click.Path(),
              help="results.json of an earlier run: fail only on regressions; its failures are listed as known")
@click.option("--no-progress", is_flag=True,
              help="no progress bar: a heartbeat line every 30 s or 50 checks instead, as without a terminal "
                   "(CONFORM_HEARTBEAT_SECONDS, CONFORM_HEARTBEAT_CHECKS)")
@click.option("--thorough", is_flag=True,
              help="certification run: as many examples per property as the time budget allows (--budget)")
@click.option("--budget", default=None, metavar="DURATION",
              help="time the run may take, e.g. 90s, 10m, 1h (implies --thorough; default with --thorough: 10m): "
                   "after the scenarios, each property gets an equal share of what is left")
@click.option("--seed", type=int, default=None,
              help="seed for the properties' examples (reproduces an earlier run; default: a random seed, or under "
                   "CI=true, the ci profile, none: the same derandomized examples every run)")
@click.option("--examples", type=click.IntRange(min=1), default=None, metavar="N",
              help="exactly N examples per property and no time budget (reproduces a counterexample a --thorough "
                   "run printed, with its --seed); default 20, 30 under CI=true (the ci profile), as many as the "
                   "budget allows with --thorough")
@click.option("--shrink-seconds", "shrink_seconds", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="seconds a failed property may spend shrinking its counterexample (default 2, 4 under CI=true "
                   "(the ci profile), 120 with --thorough, out of a pool the run's failed properties share: 20 s, "
                   "40 s, 1800 s, so a later one may get less; given, each gets SECONDS): more gives a smaller one "
                   "where the report says it was not fully shrunk")
def run_command(adapter: str | None, config: str | None, policies: tuple[str, ...], articles: tuple[str, ...],
                tag: str | None, formats: tuple[str, ...], out: str | None, baseline: str | None,
                no_progress: bool, thorough: bool = False, seed: int | None = None,
                budget: str | None = None, examples: int | None = None, regions: tuple[str, ...] = (),
                shrink_seconds: float | None = None) -> None:
    """Run the conformance suite against a system under test and write the reports.

    Exit codes: 0 conformant; 1 non-conformance found; 2 usage or configuration error;
    3 the system under test could not be reached or errored; 4 the harness itself failed;
    130 interrupted before any check finished."""
    with _Interrupts(final=True) as guard:
        try:
            _run(guard, adapter, config, policies, articles, tag, formats, out, baseline, no_progress, thorough,
                 seed, budget, examples, regions, shrink_seconds)
        except KeyboardInterrupt:  # before the checks started: nothing gathered, nothing to report
            _stopped_at_start(out)
        except Exception as e:  # noqa: BLE001 - a bug of the harness outside the checks: never exit 1 (non-conformance)
            if _interrupted(e):  # the signal landed inside a class being made (an import): Python wraps it
                _stopped_at_start(out)
            import traceback

            from .evidence import mask

            click.echo("conform: 测试工具内部错误 harness error (a bug in conform, not in the system under test):\n"
                       + mask(traceback.format_exc()), err=True)
            sys.exit(EXIT_HARNESS)


def _stopped_at_start(out: str | None) -> None:
    """Exit 130, a run stopped before any check ran: an earlier run's reports in --out are removed, as when a run
    starts writing there, so that none is taken for this run's (its exit code says there is none)."""
    if out and out.strip():
        from .report import remove_earlier

        with contextlib.suppress(OSError):
            remove_earlier(Path(out))
    click.echo("conform: 运行被中断 interrupted before any check ran", err=True)
    sys.exit(EXIT_INTERRUPTED)


def _check_regions(regions: tuple[str, ...], policies: tuple[str, ...]) -> tuple[str, ...]:
    """The documents to run, after the region files are checked: each `--region` must load and bind to its document
    (which the run then covers, or --policy must name it), and no example region file in conform/fixtures/regions/
    may be unusable — a region the draws silently left out would leave 合格 resting on figures nobody checked.
    A bad file is a configuration error (exit 2) naming the file, the key and what is wrong."""
    from conform.reference.policy import PolicyError

    from .generators import broken_regions, choose_regions, chosen_regions, lacking_required

    if regions or chosen_regions():
        try:
            chosen = choose_regions(regions)
        except PolicyError as e:
            _fail(f"--region: {e}")
        lacking = lacking_required(regions)
        if lacking:
            _fail("--region: " + "\n  ".join(lacking))
        if policies:
            outside = [f"{ref} ({pid})" for pid, refs in chosen.items() for ref in refs if pid not in policies]
            if outside:
                _fail(f"--region {', '.join(outside)}: its document is not among --policy {', '.join(policies)}")
        else:
            policies = tuple(chosen)
    broken = broken_regions(policies)
    if broken:
        _fail("region configuration not usable — fix it, or move it out of the regions folder "
              "（地区配置无效，请改正或移出地区配置目录）:\n  " + "\n  ".join(broken))
    return policies


def _interrupted(e: BaseException) -> bool:
    """Whether `e` is the interrupt itself, wrapped: a KeyboardInterrupt raised by the signal handler while a
    module's class statement runs comes out of type.__new__ as RuntimeError("Error calling __set_name__ …")."""
    seen = set()
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return True
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return False


def _run(guard: _Interrupts, adapter: str | None, config: str | None, policies: tuple[str, ...],
         articles: tuple[str, ...], tag: str | None, formats: tuple[str, ...], out: str | None,
         baseline: str | None, no_progress: bool, thorough: bool, seed: int | None,
         budget: str | None = None, examples: int | None = None, regions: tuple[str, ...] = (),
         shrink_seconds: float | None = None) -> None:
    from conform.reference.policy import POLICY_IDS

    from .report.baseline import BaselineError, load_baseline

    # `--adapter "$SUT_URL"` with the variable unset must not certify the built-in reference (exit 0)
    # (an empty --article or --tag was pytest's "Wrong expression passed to '-m'", or a run of everything)
    for option, value in (("--adapter", adapter), ("--config", config), ("--out", out), ("--baseline", baseline),
                          ("--tag", tag), *(("--policy", p) for p in policies), *(("--article", a) for a in articles),
                          *(("--region", r) for r in regions)):
        if value is not None and not value.strip():
            _fail(f"{option}: empty value (e.g. an unset variable); leave the option out for its default")
    bad = [p for p in policies if p not in POLICY_IDS]
    if bad:
        _fail(f"unknown policy {', '.join(bad)}; known: {', '.join(POLICY_IDS)}")
    # the selection as given, for the properties' reproduce hints to repeat (--region is repeated on its own)
    selection = tuple(w for p in policies for w in ("--policy", p)) + \
        tuple(w for a in articles for w in ("--article", a)) + (("--tag", tag) if tag else ())
    policies = _check_regions(regions, policies)
    from .adapters import AdapterSpecError, make_adapter
    from .config import ConfigError, load_adapter_config, spool_config

    shown_config, config = config, spool_config(config)  # a pipe (--config <(…)) is read once, kept for the run
    try:  # a bad config or adapter is a usage error, named before anything runs (a plugin, in its own process)
        chosen = make_adapter(adapter, load_adapter_config(config, shown=shown_config), contained=True)
    except (ConfigError, AdapterSpecError) as e:
        _fail(str(e))
    from .adapters.http import HttpAdapter

    # concurrency > 1 against an http system: the checks split over that many worker processes
    workers = chosen.concurrency if isinstance(chosen, HttpAdapter) and chosen.concurrency > 1 else 1
    from .adapters.plugin_process import ContainedPlugin

    try:  # the run folder's name (reports/<stamp>-<adapter>), as the reports name the adapter
        label = chosen.describe().get("adapter") or adapter or "reference"
    except Exception:  # noqa: BLE001 - a plugin's describe() failing here is for the run to report, not the name
        label = adapter or "reference"
    if isinstance(chosen, ContainedPlugin):  # a plugin's process, built only to be checked: the run builds its own
        chosen.close()
    loaded_baseline = None
    if baseline:
        try:
            loaded_baseline = load_baseline(baseline)
        except BaselineError as e:
            _fail(str(e))
    base = Path(out) if out else DEFAULT_REPORTS
    problem = report_folder_problem(base, formats, "--out" if out else None)
    if problem:
        _fail(problem)

    if budget is not None:  # named here, before anything runs; the properties' plugin parses it again
        from .properties.settings import parse_duration

        try:
            parse_duration(budget)
        except ValueError as e:
            _fail(f"--budget {e}")
    if budget is not None and examples is not None:
        _fail("--budget and --examples: choose one (a time budget, or exactly N examples per property)")
    prop_args = tuple(a for r in regions for a in ("--conform-region", r)) + \
        (("--conform-thorough",) if thorough or budget is not None else ()) + \
        (("--conform-seed", str(seed)) if seed is not None else ()) + \
        (("--conform-budget", budget) if budget is not None else ()) + \
        (("--conform-examples", str(examples)) if examples is not None else ()) + \
        (("--conform-shrink-seconds", f"{shrink_seconds:g}") if shrink_seconds is not None else ()) + \
        tuple(f"--conform-select={w}" for w in selection) + \
        ("--conform-front-end", "run")  # its hints name `conform run`'s options, not pytest's
    # The run starts: its folder is reserved (reports/<run-id>/); into --out, an earlier run's reports are removed
    # once pytest has taken the selection (_ClearEarlier), or when the run ends, unless it was refused as a usage
    # error: no report there can pass for this run's, whatever stops it (docs/ci.md)
    run_dir = None
    if not out:
        try:
            run_dir = _reserve_run_dir(base, label)
        except OSError as e:
            _fail(f"cannot create the run's folder in {base}: {e}")
    try:
        _run_checks(guard, adapter, config, policies, articles, tag, formats, out, base, run_dir, loaded_baseline,
                    no_progress, workers, prop_args)
    finally:
        if run_dir is not None:  # a run that wrote no report (refused, interrupted at start-up) leaves no folder
            with contextlib.suppress(OSError):
                run_dir.rmdir()


class _ClearEarlier:
    """pytest plugin of a `conform run --out DIR` (and of `pytest --conform-report DIR`): once pytest has taken the
    selection (an unknown tag in --article or --tag is a usage error, which leaves DIR as it was), an earlier run's
    reports in DIR are removed, before the first check runs (report.remove_earlier). `wanted(items)`, when given,
    says whether the selection holds what the run judges (the plugin: a conformance check); if not, the session is
    a usage error and DIR is left as it was."""

    def __init__(self, out: Path, wanted: Any = None) -> None:
        self.out = out
        self.wanted = wanted

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list) -> Any:
        outcome = yield
        if outcome.excinfo is None and (self.wanted is None or self.wanted(items)):
            from .report import remove_earlier

            remove_earlier(self.out)


def report_folder_problem(base: Path, formats: tuple[str, ...] | list[str], option: str | None) -> str | None:
    """Why the reports cannot go into `base`, known before anything runs (a usage error, exit 2), or None; the folder
    is made if it is missing. `option`: the option that named the folder (`--out`, or the pytest plugin's
    `--conform-report`), which may not be a symbolic link nor hold a folder where a report file goes; None for
    `conform run`'s own reports/ (each run writes into a new folder of its own there)."""
    from .report import blocked

    if option and base.is_symlink():  # reports/latest: the run would write over the earlier run it leads to
        return _symlink_out(base, option)
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return f"cannot create the report folder {base}: {e}"
    if not os.access(base, os.W_OK):
        return f"cannot write reports into {base}: permission denied"
    if option:  # a folder where a report goes: known now, before anything runs, not after the checks
        in_the_way = blocked(base, formats)
        if in_the_way:
            return (f"cannot write the reports into {base}: {', '.join(in_the_way)} "
                    f"{'is a folder' if len(in_the_way) == 1 else 'are folders'} there; move "
                    f"{'it' if len(in_the_way) == 1 else 'them'} away or choose another {option}")
    return None


def _symlink_out(out: Path, option: str = "--out") -> str:
    try:
        target = os.readlink(out)
    except OSError:
        target = "?"
    where = Path(os.path.realpath(out))
    fix = f"give the folder it leads to ({option} {where}) or a new path" if where.is_dir() else "give a folder or a new path"
    return (f"{option} {out} is a symbolic link (to {target}): the run would write its reports over whatever it leads "
            f"to (reports/latest: the earlier run's archived reports); {fix}")


def _run_checks(guard: _Interrupts, adapter: str | None, config: str | None, policies: tuple[str, ...],
                articles: tuple[str, ...], tag: str | None, formats: tuple[str, ...], out: str | None, base: Path,
                run_dir: Path | None, loaded_baseline: Any, no_progress: bool, workers: int,
                prop_args: tuple[str, ...]) -> None:
    from .report import ReportsNotWritten, remove_earlier, write_reports
    from ..atomic import point_latest
    from .report.baseline import compare

    # A cancelled CI job (SIGTERM) or Ctrl-C stops the checks; the report of what ran is still written.
    progress = "heartbeat" if no_progress else "auto"  # a concurrent run's parent shows its workers' progress
    if workers > 1:
        from .shards import execute_sharded

        ex = execute_sharded(workers, adapter, config, policies, articles, tag, prop_args, guard, progress=progress)
    else:
        ex = execute_detailed(adapter, config, policies, articles, tag, prop_args, progress=progress,
                              plugins=(guard, *([_ClearEarlier(base)] if out else [])))
    guard.finishing()
    run, code = ex.run, ex.pytest_code
    if guard.stopped_checks and not ex.interrupted:  # the signal landed between checks and pytest's handling
        ex.interrupted = run.incomplete = True
        if not any(n.startswith(INCOMPLETE) for n in run.notes):
            run.notes.append(incomplete_note(["interrupted"], len(run.checks), run.planned))
    if ex.usage_error:
        _fail(ex.usage_error.removeprefix("conform: error: "))
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        _fail("no scenario matches the selection")
    if code == pytest.ExitCode.USAGE_ERROR and not run.checks:
        _fail("the run could not start (check --adapter, --config and the selection)")
    if out:  # the run ran (a concurrent one's workers took the selection): nothing earlier may pass for its reports
        remove_earlier(base)
    if loaded_baseline is not None:
        run.baseline = compare(run, loaded_baseline)
    result = gate(run, code, interrupted=ex.interrupted)
    target = run_dir if run_dir is not None else base
    run.run_id = run_dir.name if run_dir is not None else _run_id(run, base)
    broken = None
    try:
        written = write_reports(run, target, formats, gate={"exit_code": result[0], "reason": result[1]},
                                keep_going=True)
    except OSError as e:  # not even the folder: nothing written, after the checks ran — the harness's failure (4)
        result = (EXIT_HARNESS, (f"测试工具内部错误 harness error: no report written into {target}: {e} "
                                 f"（检查本身的结论 the checks' own gate: {result[0]} {result[1]}）"))
        print_summary(run, None, result)
        _fail(f"cannot write the reports into {target}: {e}", EXIT_HARNESS)
    except ReportsNotWritten as e:  # a writer's bug, or a file the system refused: the others are written, naming it
        written, broken = e.written, e
        result = (EXIT_HARNESS, e.gate["reason"])  # as the written reports say
    if not out:
        try:
            point_latest(base, target)
        except OSError as e:  # the reports are written; only the shortcut to them is missing
            click.echo(f"conform: warning: {base / 'latest'} not updated: {e}", err=True)
    print_summary(run, written, result)
    if broken is not None:
        click.echo(f"conform: error: 测试工具内部错误 harness error — {broken} (the checks' verdict above stands; "
                   f"exit {EXIT_HARNESS}; {'results.json names the missing report' if 'json' in written else 'the reports written name it'})",
                   err=True)
    sys.exit(result[0])
