"""Root conftest: the harness plugin and the step library, for `uv run pytest` and `conform run` alike;
and how the test suite runs in parallel.

Parallel by default (pytest-xdist)
----------------------------------
`uv run pytest` with no paths (the whole suite, as CI runs it) starts one pytest-xdist worker per
CPU (at most 4; CONFORM_TEST_WORKERS=N overrides, 0 or 1 runs serially) with `--dist loadgroup`.
Everything else runs serially in one process as before: an explicit `-n`/`-p no:xdist`, a
selection of paths (`uv run pytest tests/test_money.py`), `--collect-only`, `--pdb`, and every
pytest run started from code (`conform run`, `conform.harness.run.execute` inside a test) or from a test
(a subprocess inside a worker sees PYTEST_XDIST_WORKER). The harness's own runs must stay in one
process: their collector gathers the results in-process.

Which tests share a worker (xdist_group) — the convention for new tests
-----------------------------------------------------------------------
Tests are handed out one by one, so each worker sets up its OWN copy of every module- and
session-scoped fixture it needs. Where set-up is expensive or must happen once, the tests that
share it must run on one worker. Rules, in order (the first that applies wins):

1. An explicit `@pytest.mark.xdist_group("name")` (or a module's
   `pytestmark = pytest.mark.xdist_group("name")`): tests with the same name run on one worker,
   in collection order. Use it across files for one shared expensive resource.
2. **Spark**: every test that uses a fixture whose name contains "spark" (e.g. a session-scoped
   `spark` SparkSession) is put in the group "spark", so one worker — one JVM — runs them all and
   the session is built once. Name the SparkSession fixture so (`spark`, `spark_session`), or
   mark the tests `@pytest.mark.xdist_group("spark")`; never build a SparkSession per test.
3. A test using a session- or package-scoped fixture defined in a test module or a conftest.py
   below the root (not the harness plugin's cheap `adapter`) joins the group "fixture:<name>".
4. A test using a module- or class-scoped fixture defined in its own module joins the group of
   its module (e.g. a module's `servers`, `reference_run`, `defect_runs`): the fixture is set up
   once, as without xdist.
5. Otherwise the test goes wherever a worker is free.

Do not write into shared paths (reports/, the repository) from a test: use tmp_path; two
workers run at once. Sample servers: `sample_server.shared(...)` gives one server per twin per
worker (stopped at the end of the session here).

Bytecode cache for the suite's own processes
--------------------------------------------
The suite starts about a hundred Python processes (xdist workers, sample servers, `conform`
and pytest subprocesses). Where PYTHONDONTWRITEBYTECODE is set (as in many container images)
each of them compiled every module it imported from source again, and pytest re-rewrote the
asserts of every module of this project (its pytest11 entry point marks them all): 2–3 s a
process. So the suite, when it finds that variable set, keeps bytecode in a cache outside the
source tree instead (PYTHONPYCACHEPREFIX, default ~/.cache/conform-pycache; a prefix already
set is kept): the tree stays free of .pyc files as the variable intends. CONFORM_TEST_PYCACHE=0
keeps the variable's behaviour as it is.

Garbage collection in a test process
------------------------------------
About 150 tests run the harness in-process (`conform.harness.run.execute`, `conform run` through
CliRunner); each nested pytest session ends with a full garbage collection (pytest's
unraisable-exception check), and each walked every object of the test process — its 2,000-odd
collected items, every module imported since and their caches. Sampled over a whole suite run,
those collections were a fifth of the workers' time. So, once the suite's own tests are
collected, they are frozen out of the collector (gc.freeze: they live until the session ends),
and neither a harness run nor the suite's own session forces that final collection at all
(conform/harness/run.py `no_final_collection`, as pytest's own pytester does for its inline runs).
"""
from __future__ import annotations

import os
import sys

import pytest

pytest_plugins = ["conform.harness.plugin", "conform.harness.steps.library"]

MAX_WORKERS = 4
SPARK_GROUP = "spark"


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers(config: pytest.Config, environ: dict | None = None) -> int:
    """How many xdist workers this invocation gets by default (0: run serially in this process)."""
    env = os.environ if environ is None else environ
    if not config.pluginmanager.hasplugin("xdist"):
        return 0
    opt = config.option
    if getattr(opt, "numprocesses", None) is not None or getattr(opt, "dist", "no") != "no":
        return 0  # the caller chose
    if opt.file_or_dir or opt.collectonly or getattr(opt, "usepdb", False):
        return 0  # a selection of paths, a listing or a debugging session
    if "PYTEST_XDIST_WORKER" in env:
        return 0  # inside a worker, or a subprocess started by a test running in one
    if tuple(config.invocation_params.args) != tuple(sys.argv[1:]):
        return 0  # pytest.main(...) from code: conform run, conform.harness.run.execute
    raw = env.get("CONFORM_TEST_WORKERS", "").strip()
    if raw:
        try:
            n = int(raw)
        except ValueError:
            raise pytest.UsageError(f"CONFORM_TEST_WORKERS={raw!r}: expected a whole number of workers") from None
    else:
        n = min(_cpus(), MAX_WORKERS)
    return n if n > 1 else 0


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    n = default_workers(config)
    if n:  # read by xdist's own pytest_cmdline_main, which runs after this one
        config.option.numprocesses = n
        config.option.dist = "loadgroup"


class _Controller:
    """Registered only where xdist is: hands the workers the dist mode (they re-parse the command
    line, which did not say it)."""

    def pytest_configure_node(self, node) -> None:
        node.workerinput["conform_dist"] = node.config.option.dist


def bytecode_cache(environ: dict | None = None) -> str | None:
    """Where this process and the ones it starts keep bytecode, if PYTHONDONTWRITEBYTECODE would
    have them keep none (module docstring); None leaves everything as it is."""
    env = os.environ if environ is None else environ
    if not env.get("PYTHONDONTWRITEBYTECODE") or env.get("CONFORM_TEST_PYCACHE", "").strip() == "0":
        return None
    prefix = env.get("PYTHONPYCACHEPREFIX") or os.path.join(
        env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "conform-pycache")
    try:
        os.makedirs(prefix, mode=0o700, exist_ok=True)
    except OSError:
        return None  # nowhere to keep it: compile from source as before
    env.pop("PYTHONDONTWRITEBYTECODE")
    env["PYTHONPYCACHEPREFIX"] = prefix
    return prefix


def pytest_configure(config: pytest.Config) -> None:
    # Only for pytest's own command line (the suite): never for `conform run` or a harness run in a test.
    prefix = bytecode_cache() if tuple(config.invocation_params.args) == tuple(sys.argv[1:]) else None
    if prefix:  # this process too, for what it imports from now on
        sys.pycache_prefix, sys.dont_write_bytecode = prefix, False
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_Controller(), "conform-xdist-controller")
    else:  # keep explicit xdist_group marks valid under --strict-markers
        config.addinivalue_line("markers", "xdist_group(name): run these tests on one pytest-xdist worker")
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and workerinput.get("conform_dist") == "loadgroup":
        config.option.loadgroup = True  # xdist's worker then suffixes node ids with their group
    if getattr(config.option, "loadgroup", False):
        config.pluginmanager.register(_GroupSuffix(), "conform-xdist-group-suffix")
    # The suite's own session (each worker's too) ends without the forced full collection: the
    # process exits next, and on a worker that walk took 2–3 s at the very end of the run.
    from conform.harness.run import no_final_collection

    no_final_collection(config)


def auto_group(item: pytest.Item) -> str | None:
    """The xdist group rules 2–4 of the module docstring give this test, if any."""
    names = list(getattr(item, "fixturenames", ()))
    if any(SPARK_GROUP in n.lower() for n in names):
        return SPARK_GROUP
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    module_id = item.nodeid.split("::", 1)[0]
    module_group = None
    for name in sorted(names):
        defs = info.name2fixturedefs.get(name)
        if not defs:
            continue
        fd = defs[-1]
        if fd.scope in ("session", "package") and fd.baseid:
            return f"fixture:{name}"
        if fd.scope in ("module", "class") and fd.baseid.split("::", 1)[0] == module_id:
            module_group = module_id
    return module_group


_FROZEN = False


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze the test session's objects out of the garbage collector (module docstring): once a
    process, after the first collection holding this repository's tests/ (never a harness run's)."""
    global _FROZEN
    tests = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tests") + os.sep
    if _FROZEN or not any(str(item.path).startswith(tests) for item in session.items):
        return
    import gc

    _FROZEN = True
    gc.collect()
    gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not getattr(config.option, "loadgroup", False):
        return  # only a loadgroup worker needs groups; marks would otherwise show up in results' tags
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            group = auto_group(item)
            if group:
                item.add_marker(pytest.mark.xdist_group(group))


class _GroupSuffix:
    """xdist's loadgroup scheduler reads a test's group from an `@group` suffix of its node id, which
    xdist's worker writes into `item._nodeid`; pytest 9.2 keeps the id in `item._id` instead, so the
    suffix is lost and groups are silently ignored (pytest-dev/pytest-xdist#1386, fix pending in #1388).
    Add it where it is missing, the way xdist names it (after xdist's own hook: trylast)."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        for item in items:
            _suffix(item)


def _suffix(item: pytest.Item) -> None:
    names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                    for m in item.iter_markers("xdist_group")})
    if not names:
        return
    suffix = "@" + "_".join(names)
    if item.nodeid.endswith(suffix):
        return  # an xdist that names groups itself again
    if hasattr(item, "_id"):
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(item.nodeid + suffix)
    else:
        item._nodeid = item.nodeid + suffix


@pytest.fixture(scope="session")
def sample_servers():
    """`sample_server.shared_many`: one sample server per twin for this process, stopped when the
    session ends. Not autouse, so the harness's own nested runs (which never ask for it) cannot
    stop them early."""
    import sample_server  # tests/ is on sys.path once a test module there imported it

    yield sample_server.shared_many
    sample_server.stop_shared()
