"""The pytest11 entry point: a vendor runs the conformance suite inside their own pytest.

    pytest --conform-adapter http://127.0.0.1:8080/ [--conform-config conform.toml]
           [--conform-report reports/] [-m "panzhihua-7"]

Installed with the wheel, so pytest loads it in every run; it stays inert unless
--conform-adapter is given (no option of the vendor's is shadowed: everything
it adds is --conform-…). With it, it loads the internal collector
(harness/plugin.py) and the step library, adds the scenarios and properties
(harness/conformance) to what pytest collects, marks them by policy
(`-m panzhihua`) and article (`-m panzhihua-7`), and with --conform-report writes
the same four reports `conform run` writes.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

CONFORMANCE = Path(__file__).resolve().parent / "conformance"
OPTION = "--conform-adapter"


def _wanted(args: list[str]) -> bool:
    return any(a == OPTION or a.startswith(OPTION + "=") for a in args)


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("conform", "conformance harness (职工医保门诊共济)")
    g.addoption(OPTION, default=None, metavar="ADAPTER",
                help="run the conformance suite against this system: http(s)://URL, python:module:Class or reference")
    g.addoption("--conform-config", default=None, metavar="TOML", help="adapter settings (conform.toml)")
    g.addoption("--conform-report", default=None, metavar="DIR",
                help="write report.html, report.xlsx, junit.xml and results.json into DIR")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """Before the options are parsed: load the harness so its own options and markers exist."""
    if not _wanted(args):
        return
    pm = early_config.pluginmanager
    for name in ("harness.plugin", "harness.steps.library"):
        if not pm.has_plugin(name):
            pm.import_plugin(name)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    spec = config.getoption(OPTION, None)
    if not spec:
        return
    config.option.adapter = spec
    pm = config.pluginmanager
    from .resources import source_root

    if source_root() is not None and hasattr(pm, "_confcutdir"):
        # Run from a clone, the repository's own conftest.py sits above the suite and would be read as a
        # non-root conftest; the plugins it names are loaded above already. (Installed, there is none.)
        pm._confcutdir = CONFORMANCE  # noqa: SLF001 - pytest has no public way to set this after parsing
    if config.getoption("--conform-config", None):
        config.option.adapter_config = str(Path(config.getoption("--conform-config")).resolve())
    if str(CONFORMANCE) not in config.args:
        config.args.append(str(CONFORMANCE))


def pytest_sessionfinish(session: pytest.Session, exitstatus: Any) -> None:
    out = session.config.getoption("--conform-report", None)
    collector = getattr(session.config, "conform_collector", None)
    if not out or collector is None or not session.config.getoption(OPTION, None):
        return
    import datetime as dt
    from importlib.metadata import version

    from .report import write_reports
    from .run import gate

    run = collector.run
    run.finished = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    run.harness_version = run.reference_version = version("conform")
    run.policies = sorted({c.policy for c in run.checks if c.policy})
    code, reason = gate(run, int(exitstatus))
    written = write_reports(run, out, gate={"exit_code": code, "reason": reason})
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"conform: {run.verdict} — 报告 reports: {', '.join(str(p) for p in written.values())}")
