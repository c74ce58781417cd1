"""`conform run`: the conformance run against one system under test.

It runs the features (and the properties, once present) through pytest with
the harness plugin, gathers every outcome into a RunResult, writes the reports
and maps the outcome to the gate's exit code.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import sys
from importlib.metadata import version
from pathlib import Path

import click
import pytest

from .results import RunResult

ROOT = Path(__file__).resolve().parent.parent
CONFORMANCE = Path(__file__).resolve().parent / "conformance"
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3


class _Hook:
    """Hands the run's collector to the harness plugin before pytest configures it."""

    def __init__(self) -> None:
        from .plugin import Collector

        self.collector = Collector()

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.conform_collector = self.collector  # type: ignore[attr-defined]
        config.pluginmanager.register(self.collector, "conform-collector")


def _mark_expression(policies: tuple[str, ...], articles: tuple[str, ...], tag: str | None) -> str | None:
    parts = []
    if policies:
        parts.append("(" + " or ".join(policies) + ")")
    if articles:
        parts.append("(" + " or ".join(articles) + ")")
    if tag:
        parts.append(f"({tag})")
    return " and ".join(parts) or None


def execute(adapter: str | None = None, config: str | None = None, policies: tuple[str, ...] = (),
            articles: tuple[str, ...] = (), tag: str | None = None, extra_args: tuple[str, ...] = (),
            quiet: bool = True) -> tuple[RunResult, int]:
    """Run the suite and return what it found with pytest's own exit code."""
    hook = _Hook()
    args = [str(CONFORMANCE), "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"), "-p", "no:cacheprovider",
            "--strict-markers", "-o", "testpaths="]
    if quiet:
        args += ["-q", "--no-header", "--tb=no"]
    if adapter:
        args += ["--adapter", adapter]
    if config:
        args += ["--adapter-config", config]
    expr = _mark_expression(policies, articles, tag)
    if expr:
        args += ["-m", expr]
    args += list(extra_args)
    sink = io.StringIO()
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext():
            code = pytest.main(args, plugins=[hook])
    finally:
        os.chdir(cwd)
    run = hook.collector.run
    run.finished = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    run.harness_version = version("conform")
    run.reference_version = version("conform")
    run.selection = {"policies": list(policies), "articles": list(articles), "tag": tag}
    run.policies = sorted({c.policy for c in run.checks if c.policy})
    if not run.adapter:
        run.adapter = {"adapter": adapter or "reference"}
    return run, int(code)


def exit_code(run: RunResult, pytest_code: int) -> int:
    """0 conformant, 1 non-conformance, 2 usage/configuration, 3 system unreachable or erroring."""
    counts = run.counts()
    if run.unreachable:
        return EXIT_UNREACHABLE
    if counts["failed"]:
        return EXIT_FAIL
    if counts["error"]:
        return EXIT_UNREACHABLE
    if pytest_code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        return EXIT_USAGE
    if pytest_code == pytest.ExitCode.INTERRUPTED:
        return EXIT_USAGE if not run.checks else EXIT_FAIL
    if pytest_code == pytest.ExitCode.TESTS_FAILED:
        return EXIT_FAIL
    return EXIT_OK


def print_summary(run: RunResult) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=False)
    table = Table(title=f"一致性测试结果 Conformance results — {run.adapter.get('adapter', '')}")
    for col in ("文件 Document", "通过 passed", "失败 failed", "错误 error", "不适用 n/a", "跳过 skipped"):
        table.add_column(col, justify="right" if col[0] != "文" else "left")
    by_policy: dict[str, dict[str, int]] = {}
    for c in run.checks:
        row = by_policy.setdefault(c.policy or "-", {})
        row[c.status] = row.get(c.status, 0) + 1
    for policy, row in sorted(by_policy.items()):
        table.add_row(policy, *(str(row.get(s, 0)) for s in ("passed", "failed", "error", "not_applicable", "skipped")))
    console.print(table)
    for c in run.checks:
        if c.status in ("failed", "error"):
            console.print(f"[red]{c.status.upper()}[/red] {c.feature_file}:{c.line or ''} {c.name}", markup=True,
                          highlight=False)
            for m in c.mismatches:
                console.print(f"    {m.item} {m.label or m.field} ({m.field}): 应为 {m.expected}，实际 {m.actual}",
                              markup=False, highlight=False)
            if not c.mismatches and c.message:
                console.print(f"    {c.message}", markup=False, highlight=False)
    verdict = run.verdict
    colour = "green" if verdict == "合格" else "red"
    console.print(f"结论 Verdict: [{colour}]{verdict}[/{colour}]  {run.counts()}")


@click.command()
@click.option("--adapter", default=None, help="reference (default), http(s)://URL, or python:module:Class")
@click.option("--config", "config", default=None, type=click.Path(), help="TOML file with adapter settings")
@click.option("--policy", "policies", multiple=True, help="only this document (repeatable): panzhihua, nanchang, …")
@click.option("--article", "articles", multiple=True, help="only this article tag (repeatable), e.g. panzhihua-7")
@click.option("--tag", default=None, help="a pytest mark expression over the scenario tags")
def run_command(adapter: str | None, config: str | None, policies: tuple[str, ...], articles: tuple[str, ...],
                tag: str | None) -> None:
    """Run the conformance suite against a system under test and write the reports."""
    from reference.policy import POLICY_IDS

    bad = [p for p in policies if p not in POLICY_IDS]
    if bad:
        click.echo(f"conform: error: unknown policy {', '.join(bad)}; known: {', '.join(POLICY_IDS)}", err=True)
        sys.exit(EXIT_USAGE)
    run, code = execute(adapter, config, policies, articles, tag)
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        click.echo("conform: error: no scenario matches the selection", err=True)
        sys.exit(EXIT_USAGE)
    if code == pytest.ExitCode.USAGE_ERROR and not run.checks:
        click.echo("conform: error: the run could not start (check --adapter, --config and the selection)", err=True)
        sys.exit(EXIT_USAGE)
    print_summary(run)
    sys.exit(exit_code(run, code))
