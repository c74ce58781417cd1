"""The pytest11 entry point: a vendor runs the conformance suite inside their own pytest.

    pytest --conform-adapter http://127.0.0.1:8080/ [--conform-config conform.toml]
           [--conform-report reports/] [-m "panzhihua-7"]

Installed with the wheel, so pytest loads it in every run; it stays inert unless
--conform-adapter is given (no option of the vendor's is shadowed: everything
it adds is --conform-…). With it, it loads the internal collector
(conform/harness/plugin.py) and the step library, adds the scenarios and properties
(conform/harness/conformance) to what pytest collects, marks them by policy
(`-m panzhihua`) and article (`-m panzhihua-7`), and with --conform-report writes
the same four reports `conform run` writes.

It judges as `conform run` does, through the same hook and gate (conform/harness/run.py): an interrupted
or cut-short session is 未完成 incomplete, a session in which no check reached the system gives no
verdict, the config's [system] name and version go into the certification record, and the session's
exit status becomes the gate's code (docs/ci.md), whatever pytest itself would have said.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

CONFORMANCE = Path(__file__).resolve().parent / "conformance"
OPTION = "--conform-adapter"
HOOK, GUARD = "conform-session-hook", "conform-interrupt-guard"


def _wanted(args: list[str]) -> bool:
    return any(a == OPTION or a.startswith(OPTION + "=") for a in args)


def add_system_options(parser: pytest.Parser) -> None:
    """--conform-adapter and --conform-config, the system under test: this entry point and the harness plugin
    (conform/harness/plugin.py, which `conform run` loads without this one) both need them, so whichever comes
    first adds them, once. conform-prefixed, with conform_* dests: a vendor's own --adapter never clashes."""
    g = parser.getgroup("conform", "conformance harness (职工医保门诊共济)")
    if any(OPTION in o.names() for o in g.options):
        return
    g.addoption(OPTION, dest="conform_adapter", default=None, metavar="ADAPTER",
                help="run the conformance suite against this system: http(s)://URL, platform+URL, "
                     "python:module:Class or reference")
    g.addoption("--conform-config", dest="conform_config", default=None, metavar="TOML",
                help="adapter settings (conform.toml)")


def pytest_addoption(parser: pytest.Parser) -> None:
    add_system_options(parser)
    g = parser.getgroup("conform")
    g.addoption("--conform-report", default=None, metavar="DIR",
                help="write report.html, report.xlsx, junit.xml and results.json into DIR")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """Before the options are parsed: load the harness so its own options and markers exist."""
    if not _wanted(args):
        return
    pm = early_config.pluginmanager
    for name in ("conform.harness.plugin", "conform.harness.steps.library"):
        if not pm.has_plugin(name):
            pm.import_plugin(name)


def _active(config: pytest.Config) -> bool:
    """The suite runs here: --conform-adapter given, and not a pytest-xdist worker (the controller reports)."""
    return bool(config.getoption(OPTION, None)) and not hasattr(config, "workerinput")


def _session_hook() -> Any:
    """`conform run`'s hook (conform/harness/run.py): planned checks, which checks reached the system, interrupts,
    a check that failed without asking the system made a feature error. Planned counts only the suite's
    own items: the vendor's tests in the same session are not conformance checks. (Imported here, not at
    the top: every pytest run of the vendor loads this module, and without the option it stays light.)"""
    from .run import _Hook

    class SessionHook(_Hook):
        def pytest_collection_finish(self, session: pytest.Session) -> None:
            self.suite = {item.nodeid: stable for item in session.items if (stable := _suite_nodeid(item))}
            self.collector.run.planned = len(self.suite)

    return SessionHook()


def _venv_branch(config: pytest.Config) -> tuple[Path, ...]:
    """The folders from the first one pytest would prune (a `.venv` inside the vendor's project: a virtual
    environment, or a `norecursedirs` name) down to the suite, when the installed suite lies under the rootdir;
    () otherwise. Collecting the suite walks from the rootdir, and that pruned folder hid it (rvendor s11 D5)."""
    from _pytest.main import _in_venv
    from _pytest.pathlib import fnmatch_ex

    root = config.rootpath.resolve()
    try:
        parts = CONFORMANCE.relative_to(root).parts
    except ValueError:
        return ()
    patterns = config.getini("norecursedirs")
    chain = [root.joinpath(*parts[:i + 1]) for i in range(len(parts))]
    for i, folder in enumerate(chain):
        if _in_venv(folder) or any(fnmatch_ex(p, folder) for p in patterns):
            return tuple(chain[i:])
    return ()


@pytest.hookimpl(tryfirst=True)
def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Inside a pruned folder that holds the suite: walk only the way to the suite, ignore the rest of it (the
    environment's other packages stay uncollected, as pytest would have left them)."""
    if not config.getoption(OPTION, None):
        return None
    branch = config.stash.get(_BRANCH, None)
    if branch is None:
        branch = config.stash[_BRANCH] = _venv_branch(config)
    if not branch:
        return None
    path = Path(collection_path).resolve()
    if path in branch:
        return False
    if CONFORMANCE in path.parents:
        return None
    if branch[0] in path.parents:
        return True
    return None


_BRANCH = pytest.StashKey[tuple]()
MAX_WORKED_LINES = 40  # steps of the reference's working shown under a failed check (a settlement has a dozen)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A suite check that found the system's figure wrong reads as `conform run` words it — the figures that
    differ, then the reference's working step by step with its clauses — not a traceback through the harness
    (rvendor s11 D6). Every other failure, and the vendor's own tests, keep pytest's report."""
    outcome = yield
    if call.excinfo is None or not item.config.getoption(OPTION, None) or _suite_nodeid(item) is None:
        return
    from .evidence import mask
    from .adapters import SutError
    from .plugin import MismatchError
    from ..display import one_line
    from .report.model import zh_message

    exc = call.excinfo.value
    report = outcome.get_result()
    if report.failed and isinstance(exc, SutError):
        # the system's error (refused, malformed, timed out, HTTP 500…), not conform's: one line, as `conform
        # run` says it; a traceback through fixtures and the adapter (~120 lines a check) reads as a bug in conform
        said = zh_message(f"system under test error ({exc.kind}): {exc.message}")
        report.longrepr = one_line(mask(said))  # the check is named by pytest's section header above it
        return
    if not report.failed or not isinstance(exc, MismatchError):
        return
    lines = [f"不符 differs: {one_line(mask(str(m)))}" for m in str(exc).split("; ")]
    first = exc.mismatches[0].item if exc.mismatches else ""
    steps = exc.traces.get(first) or exc.trace
    if steps:
        lines.append(f"参考实现{f'对 {first} ' if first else ''}的计算 worked by the reference"
                     f"{f' for {first}' if first else ''} (conform settle --trace):")
        for t in steps[:MAX_WORKED_LINES]:
            lines.append(one_line(mask(f"  {t.get('step', '')}：{t.get('detail', '')}（{t.get('clause', '')}）")))
        if len(steps) > MAX_WORKED_LINES:
            lines.append(f"  … {len(steps) - MAX_WORKED_LINES} more steps in the report")
    report.longrepr = "\n".join(lines)


def _suite_nodeid(item: pytest.Item) -> str | None:
    """The item's nodeid as `conform run` names it (conform/harness/conformance/test_features.py::…), or None for
    an item not of the suite. pytest names the suite's files relative to the vendor's rootdir, which can
    be anything; the report keys checks by nodeid (a --baseline compares them), so they are made the same."""
    try:
        rel = Path(item.path).resolve().relative_to(CONFORMANCE).as_posix()
    except (OSError, ValueError):
        return None
    _, sep, rest = item.nodeid.partition("::")
    return f"conform/harness/conformance/{rel}{sep}{rest}"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    spec = config.getoption(OPTION, None)
    if not spec:
        return
    pm = config.pluginmanager
    from .resources import source_root

    if source_root() is not None and hasattr(pm, "_confcutdir"):
        # Run from a clone, the repository's own conftest.py sits above the suite and would be read as a
        # non-root conftest; the plugins it names are loaded above already. (Installed, there is none.)
        pm._confcutdir = CONFORMANCE  # noqa: SLF001 - pytest has no public way to set this after parsing
    else:
        _no_foreign_conftests(pm)  # installed: no conftest.py in the folders above the suite is the suite's
    given = config.getoption("--conform-config", None)
    if given:
        from .config import spool_config

        spooled = spool_config(given)  # a pipe (--conform-config <(…)) is read once, kept for the session
        config.option.conform_config = str(Path(spooled).resolve())  # what the adapter fixture reads
        config.option.conform_config_shown = given if spooled != given else None
    if str(CONFORMANCE) not in config.args:
        config.args.append(str(CONFORMANCE))
    if not _active(config) or pm.has_plugin(HOOK):
        return
    # Registered before conform.harness.plugin's own pytest_configure makes a bare collector: this one is used.
    pm.register(_session_hook(), HOOK)
    # SIGTERM (a cancelled CI job) stops the checks like Ctrl-C, and a second signal no longer cuts the
    # report short: the same guard `conform run` has. Restored when the session ends.
    from .run import _Interrupts

    guard = _Interrupts()
    pm.register(guard, GUARD)
    guard.__enter__()


def _no_foreign_conftests(pm: pytest.PytestPluginManager) -> None:
    """The suite's folder lies in site-packages, inside a virtual environment that may itself sit in any
    folder: collecting it, pytest reads every conftest.py in the folders above it, up to the vendor's
    confcutdir (their rootdir), and outside the vendor's tree that stops nowhere. A conftest.py of the
    folder holding the venv (a monorepo's root, run from a subproject) was then loaded into the session
    and, if it named pytest_plugins, ended it with exit 4 ("Defining 'pytest_plugins' in a non-top-level
    conftest…"). So the folders from the suite's up, outside the vendor's tree, are given the conftests
    already loaded (the vendor's own, found from their arguments as always) and no others: pytest finds
    them known and reads nothing more there. The vendor's tree keeps pytest's own rules, and every folder
    of it collected for the vendor's tests loads its conftests as usual. (pytest has no public way to say
    this; without its private table, nothing changes, and run.conclude names the cause if it fails.)"""
    known = getattr(pm, "_dirpath2confmods", None)
    loaded = getattr(pm, "_conftest_plugins", None)
    if not isinstance(known, dict) or loaded is None or getattr(pm, "_noconftest", False):
        return
    cut = getattr(pm, "_confcutdir", None)
    where = []
    for mod in loaded:
        try:
            where.append((Path(mod.__file__).parent, mod))
        except (AttributeError, TypeError):
            continue
    where.sort(key=lambda pair: len(pair[0].parts))  # from the root down, as pytest lists them
    for folder in (CONFORMANCE, *CONFORMANCE.parents):
        if folder in known:
            continue
        if cut is not None and (folder == cut or cut in folder.parents):
            continue  # the vendor's own tree (a venv inside it): pytest's rules, their conftests
        known[folder] = [mod for d, mod in where if d == folder or d in folder.parents]


def pytest_unconfigure(config: pytest.Config) -> None:
    guard = config.pluginmanager.get_plugin(GUARD)
    if guard is not None:
        guard.__exit__()


def _selection(config: pytest.Config) -> dict:
    """What -m and -k chose, in `conform run`'s terms: a single document or article tag is recorded as
    --policy / --article would be, any other mark expression as --tag, and -k beside it."""
    from conform.reference.policy import POLICY_IDS

    expr = " ".join(str(config.getoption("markexpr", "") or "").split())
    policies: list[str] = []
    articles: list[str] = []
    tag: str | None = None
    if expr in POLICY_IDS:
        policies = [expr]
    elif re.fullmatch(r"[a-z]+-[0-9A-Za-z.]+", expr) and expr.partition("-")[0] in POLICY_IDS:
        articles = [expr]
    elif expr:
        tag = expr
    out: dict = {"policies": policies, "articles": articles, "tag": tag}
    keyword = " ".join(str(config.getoption("keyword", "") or "").split())
    if keyword:
        out["keyword"] = keyword[:500]
    return out


def pytest_sessionfinish(session: pytest.Session, exitstatus: Any) -> None:
    """The gate of `conform run` over the suite's checks: the same verdict, record and exit code
    (session.exitstatus becomes the gate's), and with --conform-report the same reports."""
    config = session.config
    hook = config.pluginmanager.get_plugin(HOOK)
    if hook is None or not _active(config) or config.getoption("collectonly", False):
        return
    from .evidence import mask
    from conform.display import one_line
    from .run import EXIT_HARNESS, EXIT_USAGE, _run_id, conclude, gate

    spec = config.getoption(OPTION)
    suite = getattr(hook, "suite", {})
    run = hook.collector.run
    # only the suite's checks are judged (a vendor's own pytest-bdd scenarios are not), by conform run's names
    run.checks = [c for c in run.checks if c.nodeid in suite]
    for c in run.checks:
        c.nodeid = suite[c.nodeid]
    ex = conclude(hook, int(exitstatus), spec, config.getoption("--conform-config", None), _selection(config))
    run = ex.run
    reporter = config.pluginmanager.get_plugin("terminalreporter")

    if reporter is not None:
        reporter.line("")  # after the progress dots, on a line of its own

    def say(text: str) -> None:  # one line each: a system's newline (in a reason it is quoted in) forges none
        if reporter is not None:
            reporter.write_line(one_line(mask(text)))
        else:
            sys.stderr.write(one_line(mask(text)) + "\n")

    usage = ex.usage_error
    if not usage and not ex.interrupted and not run.checks and not run.planned:
        usage = "no conformance check matches the selection (-m / -k); nothing was judged"
    if usage:  # as `conform run`: named, exit 2, no report
        say(f"conform: error: {usage.removeprefix('conform: error: ')}")
        session.exitstatus = EXIT_USAGE
        return
    code, reason = gate(run, ex.pytest_code, interrupted=ex.interrupted)
    out = config.getoption("--conform-report", None)
    run.run_id = _run_id(run, Path(out) if out else Path("."))
    written: dict = {}
    if out:
        from .report import ReportsNotWritten, write_reports

        try:
            written = write_reports(run, out, gate={"exit_code": code, "reason": reason})
        except OSError as e:
            say(f"conform: error: cannot write the reports into {out}: {e}")
            session.exitstatus = EXIT_USAGE
            return
        except ReportsNotWritten as e:  # the others are written; as conform run, a harness error
            written = e.written
            say(f"conform: error: 测试工具内部错误 harness error — {e} (results.json names the missing report)")
            code, reason = EXIT_HARNESS, e.gate["reason"]  # as the written reports say
    where = f" — 报告 reports: {', '.join(str(p) for p in written.values())}" if written else ""
    say(f"conform: {run.verdict}{where}")
    say(f"conform: 退出码 exit code {code}: {reason}")
    session.exitstatus = code
