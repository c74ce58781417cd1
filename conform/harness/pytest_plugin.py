"""The pytest11 entry point: a vendor runs the conformance suite inside their own pytest.

    pytest --conform-adapter http://127.0.0.1:8080/ [--conform-config conform.toml]
           [--conform-report reports/] [-m "panzhihua-7"]
    pytest --conform-config conform.toml …     # [adapter] url or name names the system, as in conform run --config

Installed with the wheel, so pytest loads it in every run; it stays inert unless
--conform-adapter, --conform-config or --conform-report is given (no option of the vendor's is shadowed:
everything it adds is --conform-…; a session naming no system is refused). With them, it loads the internal collector
(conform/harness/plugin.py) and the step library, adds the scenarios and properties
(conform/harness/conformance) to what pytest collects (by pytest's default rules, whatever the vendor's ini
says of their own tests; a suite nodeid as the reports print it narrows the run to that check), marks them by policy
(`-m panzhihua`) and article (`-m panzhihua-7`), and with --conform-report writes
the same four reports `conform run` writes.

It judges as `conform run` does, through the same hook and gate (conform/harness/run.py): an interrupted
or cut-short session is 未完成 incomplete, a session in which no check reached the system gives no
verdict, the config's [system] name and version go into the certification record, and the session's
exit status becomes the gate's code (docs/ci.md), whatever pytest itself would have said. What `conform run` refuses
before anything runs is refused here before the session starts (pytest_cmdline_main: an empty option, a bad config or
adapter, a bad --conform-region, a --conform-report that is a link or cannot take the reports, pytest-xdist's -n),
and --conform-report is treated as `conform run --out` (an earlier run's reports removed once the session has its
checks; a report that cannot be written after them: exit 4, the others written); a signal while the session starts
exits 130 (_Starting).
"""
from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

CONFORMANCE = Path(__file__).resolve().parent / "conformance"
OPTION = "--conform-adapter"
HOOK, GUARD, CLEAR = "conform-session-hook", "conform-interrupt-guard", "conform-clear-earlier"
STARTING = "conform-starting-signals"
EXIT_INTERRUPTED = 130  # as conform.harness.run says it (not imported: every pytest run of the vendor loads this module)


# Any of these names the suite's run: --conform-config can name the system itself ([adapter] url or name, as
# `conform run --config` takes it), and --conform-report without a system is refused, never ignored (probe s29 U2 F3).
OPTIONS = (OPTION, "--conform-config", "--conform-report")
# The suite's nodeids as the reports print them (`conform run`'s names, relative to a clone): a reproduce command
# naming one is mapped onto the installed suite and runs that check alone (probe s29 U2 F1).
SUITE_PREFIX = "conform/harness/conformance"


def _wanted(args: list[str]) -> bool:
    return any(a == o or a.startswith(o + "=") for a in args for o in OPTIONS)


def _given(config: pytest.Config) -> bool:
    """One of the plugin's options was given: the suite runs (or the session is refused); else it stays inert."""
    return any(config.getoption(o, None) is not None for o in OPTIONS)


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
    if not pm.has_plugin(STARTING) and os.environ.get("PYTEST_XDIST_WORKER") is None:
        starting = _Starting(getattr(early_config.known_args_namespace, "conform_report", None), pm)
        pm.register(starting, STARTING)
        starting.install()
    for name in ("conform.harness.plugin", "conform.harness.steps.library"):
        if not pm.has_plugin(name):
            pm.import_plugin(name)


class _Starting:
    """Ctrl-C and SIGTERM while the session starts, before `conform run`'s guard (run._Interrupts, registered in
    pytest_configure) can stop it in order: as `conform run` says it, exit 130 with one line, and an earlier run's
    reports in --conform-report removed (docs/ci.md: a run stopped while starting). SIGTERM killed the process
    (143); a signal while pytest configured the session ended with pytest's own 2, no sessionfinish to replace it.

    Installed once pytest has loaded the plugins (pytest_load_initial_conftests: before it, the signal is Python's
    and pytest's), and only over the default handlers (a program running pytest.main with handlers of its own keeps
    them). Until pytest_cmdline_main (options and conftests being read: nothing to unwind) the process ends at once;
    from there a signal is an interrupt pytest handles, and a session it ended before conform judged it (before
    pytest_sessionfinish) exits 130 here."""

    MESSAGE = "conform: 运行被中断 interrupted before any check ran"

    def __init__(self, out: str | None, pm: pytest.PytestPluginManager) -> None:
        from .report import remove_earlier  # imported now: never inside a signal handler, mid-import

        self._remove_earlier = remove_earlier
        self.out = out
        self.pm = pm
        self.phase = "parsing"      # parsing → session (pytest_cmdline_main) → over (the exit code is decided)
        self.received: list[int] = []
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        for sig in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)):
            if sig is None or signal.getsignal(sig) not in (signal.SIG_DFL, signal.default_int_handler):
                continue
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except (ValueError, OSError):  # not the main thread: signals are not ours to handle
                return

    def restore(self) -> None:
        for sig, prev in self._previous.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, prev)
        self._previous.clear()

    def clear(self) -> None:
        if self.out is not None and self.out.strip():
            with contextlib.suppress(Exception):
                self._remove_earlier(self.out)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.phase == "over":
            return
        self.received.append(signum)
        if self.phase == "parsing":
            try:
                self.clear()
                capman = self.pm.get_plugin("capturemanager")  # pytest holds fd 1 and 2 while it starts
                if capman is not None:
                    capman.suspend_global_capture(in_=True)
                    said, errors = capman.read_global_capture()
                    os.write(1, said.encode(errors="replace"))
                    os.write(2, errors.encode(errors="replace"))
                os.write(2, (self.MESSAGE + "\n").encode())
            finally:
                os._exit(EXIT_INTERRUPTED)
        if len(self.received) == 1:
            raise KeyboardInterrupt(f"signal {signum}")

    @pytest.hookimpl(wrapper=True)
    def pytest_cmdline_main(self, config: pytest.Config) -> Any:
        self.phase = "session"
        try:
            try:
                code = yield
            except KeyboardInterrupt:
                if not self._signalled(config):
                    raise
                code = None
            self.phase = "over"
            if self._signalled(config) and not config.stash.get(_JUDGED, False):
                self.clear()
                sys.stderr.write(self.MESSAGE + "\n")
                return EXIT_INTERRUPTED
            return code
        finally:
            self.phase = "over"
            self.restore()

    def _signalled(self, config: pytest.Config) -> bool:
        guard = config.pluginmanager.get_plugin(GUARD)
        return bool(self.received or getattr(guard, "received", None))


def _active(config: pytest.Config) -> bool:
    """The suite runs here: --conform-adapter given (an empty value is refused in pytest_cmdline_main), and not a
    pytest-xdist worker (a distributed session is refused there too)."""
    return _given(config) and not hasattr(config, "workerinput")


def _distributed(config: pytest.Config) -> str | None:
    """The -n / --dist that would spread this session over pytest-xdist's workers, as xdist decides it (its own
    pytest_cmdline_main may not have run yet), or None."""
    if config.getoption("collectonly", False):  # xdist collects in the one process
        return None
    n = getattr(config.option, "numprocesses", None)
    if n in ("auto", "logical") and getattr(config.option, "usepdb", False):
        n = 0  # xdist: --pdb turns -n auto off
    if n:
        return f"-n {n}"
    dist = getattr(config.option, "dist", "no")
    return f"--dist {dist}" if dist not in (None, "no") else None


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """What `conform run` refuses before anything runs is refused here too, before pytest configures the session:
    one line, exit 2 (docs/ci.md), no check run and nothing in the report folder touched. An empty option (an unset
    variable: `--conform-adapter "$SUT_URL"`) is no "option not given": that silently ran only the vendor's own
    tests, exit 0."""
    if not _given(config) or hasattr(config, "workerinput"):
        return None  # not asked for: the plugin stays out of the way
    if config.getoption("help", False) or config.getoption("version", False):
        return None
    problem = _refused(config)
    if problem is None:
        return None
    from conform.display import one_line

    sys.stderr.write(one_line(f"conform: error: {problem}") + "\n")
    sys.stderr.flush()
    from .run import EXIT_USAGE

    return EXIT_USAGE


LEFT_OUT = {OPTION: "to run without the conformance suite", "--conform-config": "to run without a config",
            "--conform-report": "to write no report"}


def _refused(config: pytest.Config) -> str | None:
    """Why this session's conformance run is refused before it starts (as `conform run` refuses it), or None."""
    for option in (OPTION, "--conform-config", "--conform-report"):
        value = config.getoption(option, None)
        if value is not None and not str(value).strip():
            return f"{option}: empty value (e.g. an unset variable); leave the option out {LEFT_OUT[option]}"
    if config.getoption(OPTION, None) is None and config.getoption("--conform-config", None) is None:
        # --conform-report alone: no system to run the suite against (it ran only the vendor's tests, exit 0)
        return ("--conform-report: no system under test named: give --conform-adapter URL, or --conform-config "
                "with [adapter] url or name; leave --conform-report out to run without the conformance suite")
    spread = _distributed(config)
    if spread:
        return (f"the conformance suite does not run under pytest-xdist ({spread}): its checks share the test persons "
                f"on your system, and no single process would judge them; run this session without it (-p no:xdist "
                f"or -n 0), or run `conform run --adapter …` with `concurrency` in its config to spread the checks "
                f"over worker processes against your system")
    regions = tuple(config.getoption("--conform-region", None) or ())
    from .generators import broken_regions, choose_regions, chosen_regions, lacking_required

    if regions:  # checked as `conform run --region` checks it (run._check_regions): a bad file is exit 2, not pytest's
        from conform.reference.policy import PolicyError  # usage error 4 (probe s28 N F9)

        try:
            choose_regions(regions)  # an unknown name, broken YAML, an invalid figure: the file, key and clause
        except PolicyError as e:
            return f"--conform-region: {e}"
        lacking = lacking_required(regions)  # a real region lacking a value its document requires (probe s23 N3)
        if lacking:
            return "--conform-region: " + "; ".join(lacking)
    broken = broken_regions(tuple(chosen_regions()) if regions else ())  # an unusable example region in a folder
    if broken:
        return ("region configuration not usable — fix it, or move it out of the regions folder "
                "（地区配置无效，请改正或移出地区配置目录）: " + "; ".join(broken))
    # a bad config or adapter: named now, as `conform run` names it, before the report folder is touched
    from .adapters import AdapterSpecError, make_adapter
    from .adapters.plugin_process import ContainedPlugin
    from .config import ConfigError, load_adapter_config

    _spool_config(config)
    try:
        cfg = load_adapter_config(config.option.conform_config,
                                  shown=getattr(config.option, "conform_config_shown", None))
        chosen = make_adapter(config.getoption(OPTION), cfg, contained=True)
    except (ConfigError, AdapterSpecError) as e:
        return str(e)
    if isinstance(chosen, ContainedPlugin):  # a plugin's process, built only to be checked: the session builds its own
        chosen.close()
    config.stash[_SPEC] = config.getoption(OPTION, None) or cfg.spec
    out = config.getoption("--conform-report", None)
    if out is not None and not config.getoption("collectonly", False):
        from .report import FORMATS
        from .run import report_folder_problem

        return report_folder_problem(Path(out), tuple(FORMATS), "--conform-report")
    return None


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
    if not _given(config):
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


# The vendor's ini names the vendor's tests (python_files, python_functions, python_classes, collect_imported_tests):
# the suite is collected by pytest's defaults whatever it says (probe s29 U2 F8); and its examples keep readable ids
# (pytest escapes non-ASCII in ids unless this ini says not to: `-k 退休人员` missed every such example, F6).
SUITE_FILES = "test_*.py"
READABLE_IDS = "disable_test_id_escaping_and_forfeit_all_rights_to_community_support"
SUITE_INI = {READABLE_IDS: True, "collect_imported_tests": True}


def _in_suite(path: Path) -> bool:
    try:
        return CONFORMANCE in Path(path).resolve().parents
    except OSError:
        return False


class _SuiteModule(pytest.Module):
    """One of the suite's modules, collected by pytest's default rules and given readable example ids. Only while
    it collects itself: the vendor's own modules keep their ini's rules and pytest's escaped ids."""

    def funcnamefilter(self, name: str) -> bool:
        return name.startswith("test")

    def classnamefilter(self, name: str) -> bool:
        return name.startswith("Test")

    def collect(self) -> list:
        config = self.config
        previous = config.__dict__.get("getini")
        getini = previous or type(config).getini.__get__(config)

        def suite_getini(name: str) -> Any:
            return SUITE_INI[name] if name in SUITE_INI else getini(name)

        config.getini = suite_getini  # type: ignore[method-assign]  # ids are made while the module collects
        try:
            return list(super().collect())
        finally:
            if previous is None:
                with contextlib.suppress(AttributeError):
                    del config.getini
            else:
                config.getini = previous  # type: ignore[method-assign]


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path: Path, parent: Any) -> pytest.Module | None:
    if _given(parent.config) and _in_suite(module_path):
        return _SuiteModule.from_parent(parent, path=Path(module_path))
    return None


def pytest_collect_file(file_path: Path, parent: Any) -> pytest.Module | None:
    """A suite file the vendor's python_files leaves out (pytest's own hook collects the others)."""
    if not _given(parent.config) or file_path.suffix != ".py" or not _in_suite(file_path):
        return None
    from _pytest.pathlib import fnmatch_ex

    if not fnmatch_ex(SUITE_FILES, file_path) or parent.session.isinitpath(file_path) \
            or any(fnmatch_ex(p, file_path) for p in parent.config.getini("python_files")):
        return None
    return _SuiteModule.from_parent(parent, path=Path(file_path))


_BRANCH = pytest.StashKey[tuple]()
_SPEC = pytest.StashKey[str]()  # the system under test as named: --conform-adapter, else the config's url or name
_JUDGED = pytest.StashKey[bool]()  # pytest_sessionfinish judged the session (its exit status is conform's)
MAX_WORKED_LINES = 40  # steps of the reference's working shown under a failed check (a settlement has a dozen)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A suite check that found the system's figure wrong reads as `conform run` words it — the figures that
    differ, then the reference's working step by step with its clauses — not a traceback through the harness
    (rvendor s11 D6). Every other failure, and the vendor's own tests, keep pytest's report."""
    outcome = yield
    if call.excinfo is None or not _given(item.config) or _suite_nodeid(item) is None:
        return
    from .evidence import mask
    from .adapters import SutError
    from .plugin import MismatchError
    from ..display import one_line
    from ..reference.trace import step_line
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
    lines = _differs(exc)
    first = exc.mismatches[0].item if exc.mismatches else ""
    steps = exc.traces.get(first) or exc.trace
    if steps:
        lines.append(f"参考实现{f'对 {first} ' if first else ''}的计算 worked by the reference"
                     f"{f' for {first}' if first else ''} (conform settle --trace):")
        for t in steps[:MAX_WORKED_LINES]:
            lines.append(one_line(mask(f"  {step_line(t)}")))
        if len(steps) > MAX_WORKED_LINES:
            lines.append(f"  … {len(steps) - MAX_WORKED_LINES} more steps in the report")
    report.longrepr = "\n".join(lines)


def _differs(exc: Any) -> list[str]:
    """A check's differences, a line each. A property's message spans lines (its headline, the figures, the Gherkin
    counterexample to paste): kept as lines, not one line of literal \\n (probe s29 U2 F2). Each line is still made
    one line, and a system's own value holding a line break is escaped first: it forges no line of its own."""
    from ..display import one_line
    from .evidence import mask

    text = mask(str(exc))
    if "\n" not in text:  # a scenario's differences: "; "-joined, one line each
        return [f"不符 differs: {one_line(part)}" for part in text.split("; ")]
    for m in getattr(exc, "mismatches", None) or ():
        said = mask(str(m.actual))
        if said and one_line(said) != said:
            text = text.replace(said, one_line(said))
    lines = [one_line(line) for line in text.split("\n")]
    return [f"不符 differs: {lines[0]}", *lines[1:]]


def _suite_nodeid(item: pytest.Item) -> str | None:
    """The item's nodeid as `conform run` names it (conform/harness/conformance/test_features.py::…), or None for
    an item not of the suite. pytest names the suite's files relative to the vendor's rootdir, which can
    be anything; the report keys checks by nodeid (a --baseline compares them), so they are made the same."""
    try:
        rel = Path(item.path).resolve().relative_to(CONFORMANCE).as_posix()
    except (OSError, ValueError):
        return None
    _, sep, rest = item.nodeid.partition("::")
    callspec = getattr(item, "callspec", None)
    if callspec is not None and rest.endswith(f"[{callspec.id}]"):
        # the example's readable id (_SuiteModule) as `conform run` names it, escaped by pytest there: one nodeid
        # for a check whichever front end ran it (a --baseline compares them)
        from _pytest.compat import ascii_escaped

        rest = f"{rest[:len(rest) - len(callspec.id) - 2]}[{ascii_escaped(callspec.id)}]"
    return f"{SUITE_PREFIX}/{rel}{sep}{rest}"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if not _given(config):
        return
    pm = config.pluginmanager
    from .resources import source_root

    if source_root() is not None and hasattr(pm, "_confcutdir"):
        # Run from a clone, the repository's own conftest.py sits above the suite and would be read as a
        # non-root conftest; the plugins it names are loaded above already. (Installed, there is none.)
        pm._confcutdir = CONFORMANCE  # noqa: SLF001 - pytest has no public way to set this after parsing
    else:
        _no_foreign_conftests(pm)  # installed: no conftest.py in the folders above the suite is the suite's
    _spool_config(config)
    if not _narrowed(config) and str(CONFORMANCE) not in config.args:
        config.args.append(str(CONFORMANCE))
    if not _active(config) or pm.has_plugin(HOOK):
        return
    # Registered before conform.harness.plugin's own pytest_configure makes a bare collector: this one is used.
    pm.register(_session_hook(), HOOK)
    out = config.getoption("--conform-report", None)
    if out is not None and not config.getoption("collectonly", False):
        # as `conform run --out`: once the selection holds a conformance check, an earlier run's reports go
        from .run import _ClearEarlier

        pm.register(_ClearEarlier(Path(out), lambda items: any(_suite_nodeid(i) for i in items)), CLEAR)
    # SIGTERM (a cancelled CI job) stops the checks like Ctrl-C, and a second signal no longer cuts the
    # report short: the same guard `conform run` has. Restored when the session ends.
    from .run import _Interrupts

    guard = _Interrupts()
    pm.register(guard, GUARD)
    guard.__enter__()


_WANTED = pytest.StashKey[tuple]()  # the suite's parts the arguments named: (path in the suite, rest of the nodeid)


def _narrowed(config: pytest.Config) -> bool:
    """Whether arguments name parts of the suite: a suite nodeid as the reports print it (conform/harness/
    conformance/…::…, the reproduce command under a failed property; relative to a clone, absent from a vendor's
    project: exit 4), or a path into the installed suite. Those arguments give way to the suite's folder, and only
    the checks they name are kept (pytest_collection_modifyitems): that check runs alone, named as in any other
    session, not the whole suite beside it (probe s29 U2 F1)."""
    wanted: list[tuple[str, str]] = []
    kept: list[str] = []
    here = config.invocation_params.dir
    for arg in config.args:
        path, _, rest = str(arg).partition("::")
        posix = path.replace("\\", "/").removeprefix("./")
        if posix == SUITE_PREFIX or posix.startswith(SUITE_PREFIX + "/"):
            rel = posix[len(SUITE_PREFIX):]
        else:
            try:
                rel = (here / path).resolve().relative_to(CONFORMANCE).as_posix()
            except (OSError, ValueError):
                kept.append(arg)
                continue
        wanted.append(("/".join(p for p in rel.split("/") if p not in ("", ".")), rest))
    if not wanted:
        return False
    config.stash[_WANTED] = tuple(wanted)
    config.args[:] = [*kept, str(CONFORMANCE)]
    return True


def _named_by(item: pytest.Item, wanted: tuple) -> bool:
    """Whether `item` is a check the arguments named, as pytest matches a nodeid: a folder or file of the suite,
    a test function (all its examples) or one example (its id readable or escaped, as `conform run` prints it)."""
    stable = _suite_nodeid(item)
    if stable is None:
        return True  # the vendor's own test: their arguments chose it
    path, _, rest = stable.removeprefix(SUITE_PREFIX + "/").partition("::")
    names = {rest, item.nodeid.partition("::")[2]}
    for where, want in wanted:
        if where and path != where and not path.startswith(where + "/"):
            continue
        if not want or any(n == want or n.startswith((want + "::", want + "[")) for n in names):
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    wanted = config.stash.get(_WANTED, None)
    if not wanted or not _given(config):
        return
    keep, drop = [], []
    for i in items:
        (keep if _named_by(i, wanted) else drop).append(i)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _spool_config(config: pytest.Config) -> None:
    """--conform-config as the session reads it: a pipe (--conform-config <(…)) read once, kept for the session (its
    checks before it starts, the adapter fixture, the certification record). Once per session."""
    given = config.getoption("--conform-config", None)
    if given is None or getattr(config.option, "conform_config_spooled", False):
        return
    from .config import spool_config

    spooled = spool_config(given)
    config.option.conform_config = str(Path(spooled).resolve())  # what the adapter fixture reads
    config.option.conform_config_shown = given if spooled != given else None
    config.option.conform_config_spooled = True


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
    starting = config.pluginmanager.get_plugin(STARTING)
    if starting is not None:  # the session's exit code is decided: a late signal changes nothing
        starting.phase = "over"


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
    config.stash[_JUDGED] = True
    from .evidence import mask
    from conform.display import one_line
    from .run import EXIT_HARNESS, EXIT_USAGE, _run_id, conclude, gate

    spec = config.getoption(OPTION, None) or config.stash.get(_SPEC, None)
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
    run.run_id = _run_id(run, Path(out) if out is not None else Path("."))
    written: dict = {}
    if out is not None:
        from .report import ReportsNotWritten, remove_earlier, write_reports

        # the session ran: nothing earlier in the folder may pass for its reports (as `conform run --out`)
        with contextlib.suppress(OSError):
            remove_earlier(out)
        try:
            written = write_reports(run, out, gate={"exit_code": code, "reason": reason}, keep_going=True)
        except OSError as e:  # not even the folder, after the checks ran: the harness's failure (4), as conform run
            say(f"conform: error: cannot write the reports into {out}: {e} "
                f"(the checks' own gate: {code} {reason})")
            session.exitstatus = EXIT_HARNESS
            return
        except ReportsNotWritten as e:  # the others are written; as conform run, a harness error
            written = e.written
            say(f"conform: error: 测试工具内部错误 harness error — {e} (results.json names the missing report)")
            code, reason = EXIT_HARNESS, e.gate["reason"]  # as the written reports say
    where = f" — 报告 reports: {', '.join(str(p) for p in written.values())}" if written else ""
    say(f"conform: {run.verdict}{where}")
    say(f"conform: 退出码 exit code {code}: {reason}")
    session.exitstatus = code
