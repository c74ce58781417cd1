"""The suite's parallel defaults (conftest.py): when `uv run pytest` spreads over xdist workers,
which tests share one, and that the harness's own pytest runs always stay in one process."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _root_conftest():
    """The repository's conftest.py by path: `import conftest` may name another folder's (tests/audit/…)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("conform_root_conftest", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


root_conftest = _root_conftest()


def fake_config(args: tuple[str, ...], xdist: bool = True, **option) -> SimpleNamespace:
    opts = dict(numprocesses=None, dist="no", file_or_dir=[], collectonly=False, usepdb=False)
    opts.update(option)
    return SimpleNamespace(pluginmanager=SimpleNamespace(hasplugin=lambda name: xdist and name == "xdist"),
                           option=SimpleNamespace(**opts), invocation_params=SimpleNamespace(args=args))


@pytest.fixture
def argv(monkeypatch):
    def set_argv(*args: str) -> tuple[str, ...]:
        monkeypatch.setattr(sys, "argv", ["pytest", *args])
        return args
    return set_argv


def test_the_whole_suite_from_the_command_line_goes_parallel(argv):
    args = argv("-q")
    assert root_conftest.default_workers(fake_config(args), {"CONFORM_TEST_WORKERS": "2"}) == 2
    assert root_conftest.default_workers(fake_config(args), {"CONFORM_TEST_WORKERS": "1"}) == 0
    assert root_conftest.default_workers(fake_config(args), {}) in (0, *range(2, root_conftest.MAX_WORKERS + 1))


@pytest.mark.parametrize("why, option, environ, xdist", [
    ("paths given", {"file_or_dir": ["tests/test_money.py"]}, {}, True),
    ("-n chosen", {"numprocesses": 0}, {}, True),
    ("--dist chosen", {"dist": "load"}, {}, True),
    ("listing only", {"collectonly": True}, {}, True),
    ("debugging", {"usepdb": True}, {}, True),
    ("inside a worker or a test's subprocess", {}, {"PYTEST_XDIST_WORKER": "gw0"}, True),
    ("no xdist", {}, {}, False),
])
def test_everything_else_runs_in_one_process(argv, why, option, environ, xdist):
    args = argv("-q")
    env = {"CONFORM_TEST_WORKERS": "2", **environ}
    assert root_conftest.default_workers(fake_config(args, xdist, **option), env) == 0, why


def test_pytest_main_from_code_stays_in_one_process(argv):
    """conform run and conform.harness.run.execute call pytest.main(args): their collector needs one process."""
    argv("run", "--thorough")
    assert root_conftest.default_workers(fake_config(("conform/harness/conformance", "-q")), {"CONFORM_TEST_WORKERS": "2"}) == 0


def test_a_bad_worker_count_is_named(argv):
    args = argv()
    with pytest.raises(pytest.UsageError, match="CONFORM_TEST_WORKERS='two'"):
        root_conftest.default_workers(fake_config(args), {"CONFORM_TEST_WORKERS": "two"})


def test_suite_runs_on_two_workers_keeping_module_fixtures_on_one(tmp_path):
    """A real run as `uv run pytest` starts it (no paths; testpaths narrowed to two cheap files): two
    workers, and the tests sharing test_report_html.py's module fixtures all on one of them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    env["CONFORM_TEST_WORKERS"] = "2"
    p = subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:randomly", "-o",
                        "testpaths=tests/test_money.py tests/test_report_html.py"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    assert "created: 2/2 workers" in p.stdout or "2 workers" in p.stdout, p.stdout[:2000]
    rows = re.findall(r"\[(gw\d)\] \[\s*\d+%\] PASSED (\S+)", p.stdout)
    grouped = [(gw, node) for gw, node in rows if node.endswith("@tests/test_report_html.py")]
    assert len(grouped) >= 2 and len({gw for gw, _ in grouped}) == 1, rows
    assert len(rows) >= 12 + len(grouped)  # test_money's twelve, wherever a worker was free


def test_an_xdist_controller_prints_counterexamples_from_the_reports():
    """The controller has no checks of its own: a failed property's Gherkin travels on its report."""
    from conform.harness.properties.settings import _failed_properties

    rep = SimpleNamespace(nodeid="conform/harness/conformance/test_properties.py::test_annual_cap[nanchang]",
                          user_properties=[], conform_counterexample="# language: zh-CN\n功能: 反例")
    passed = SimpleNamespace(nodeid="x::y", user_properties=[])
    reporter = SimpleNamespace(stats={"failed": [rep], "passed": [passed]})
    config = SimpleNamespace()  # no conform_collector, as on a controller without one
    [failed] = _failed_properties(reporter, config)
    assert failed.counterexample.startswith("# language: zh-CN") and failed.nodeid == rep.nodeid
    assert _failed_properties(SimpleNamespace(stats={}), config) == []


def test_without_bytecode_writing_the_suite_keeps_bytecode_outside_the_tree(tmp_path):
    """PYTHONDONTWRITEBYTECODE set: the suite's processes share a bytecode cache outside the source tree
    (conftest.py); not set, or CONFORM_TEST_PYCACHE=0, or nowhere to keep it: nothing changes."""
    cache = tmp_path / "cache"
    env = {"PYTHONDONTWRITEBYTECODE": "1", "XDG_CACHE_HOME": str(cache)}
    assert root_conftest.bytecode_cache(env) == str(cache / "conform-pycache")
    assert env == {"XDG_CACHE_HOME": str(cache), "PYTHONPYCACHEPREFIX": str(cache / "conform-pycache")}
    assert (cache / "conform-pycache").is_dir()
    own = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(tmp_path / "mine")}
    assert root_conftest.bytecode_cache(own) == str(tmp_path / "mine") and "PYTHONDONTWRITEBYTECODE" not in own
    for unchanged in ({}, {"PYTHONDONTWRITEBYTECODE": "1", "CONFORM_TEST_PYCACHE": "0"},
                      {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": "/dev/null/cannot"}):
        before = dict(unchanged)
        assert root_conftest.bytecode_cache(unchanged) is None and unchanged == before
    # a process the suite starts with that environment keeps its bytecode there, none beside the source
    child = {k: v for k, v in os.environ.items() if k != "CONFORM_TEST_PYCACHE"}
    child.update(PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=str(tmp_path / "pyc"))
    root_conftest.bytecode_cache(child)
    (tmp_path / "mod_x.py").write_text("X = 1\n", encoding="utf-8")
    subprocess.run([sys.executable, "-c", "import mod_x"], cwd=tmp_path, env=child, check=True, timeout=60)
    assert list((tmp_path / "pyc").rglob("mod_x*.pyc")) and not (tmp_path / "__pycache__").exists()


def test_the_test_session_is_frozen_out_of_the_garbage_collector_but_a_harness_run_is_not():
    """conftest.py: the suite's own collected tests are frozen once (gc.freeze), so the full collections
    ending every in-process harness run skip them; a harness run's own objects are never frozen."""
    import gc

    from conform.harness.run import execute

    frozen = gc.get_freeze_count()
    assert frozen > 1000
    execute(articles=("panzhihua-7",), tag="not conform_property", extra_args=("-k", "多次就诊"))
    assert gc.get_freeze_count() <= frozen  # (frozen objects freed by reference counting leave it)


def test_a_harness_run_does_not_force_a_full_collection_when_it_ends(monkeypatch):
    """conform/harness/run.py: a harness session ends without pytest's forced gc.collect() (over a suite run,
    that walk over every object of the test process was a fifth of the workers' time)."""
    from _pytest import unraisableexception

    from conform.harness.run import execute

    passes = []
    monkeypatch.setattr(unraisableexception, "gc_collect_harder", passes.append)
    execute(articles=("panzhihua-7",), tag="not conform_property", extra_args=("-k", "多次就诊"))
    assert passes and set(passes) == {0}
