"""Ctrl-C or SIGTERM while a vendor's `pytest --conform-adapter … --conform-report DIR` is starting exits 130 with
conform's one line, as docs/ci.md says, and an earlier run's reports in DIR are removed (a run stopped while
starting): SIGTERM killed the process (143) while pytest read the vendor's conftests, and a signal while pytest
configured the session ended with pytest's own 2 (probe s22 B F6). The signal is sent by the vendor's own conftest
at a chosen moment, so "early" is the same moment on a fast machine and a loaded one; the sample system runs on a
loopback port though no check reaches it."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sample_server import SampleServer

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")

CONFTEST = '''
import os, signal

AT, SIG = os.environ["KILL_AT"], getattr(signal, os.environ["KILL_SIG"])

if AT == "conftest":  # read while pytest loads the initial conftests, before the options are final
    os.kill(os.getpid(), SIG)

@pytest_hookimpl_trylast
def pytest_configure(config):
    if AT == "configure":
        os.kill(os.getpid(), SIG)

def pytest_sessionstart(session):
    if AT == "sessionstart":
        os.kill(os.getpid(), SIG)
'''.replace("@pytest_hookimpl_trylast", "import pytest\n@pytest.hookimpl(trylast=True)")
VENDOR_TEST = "def test_vendor_own():\n    assert True\n"
EARLIER = {"report.html": "<html>合格</html>", "junit.xml": "<testsuites/>",
           "results.json": '{"verdict": "合格", "gate": {"exit_code": 0}}'}


@pytest.mark.parametrize("at", ["conftest", "configure", "sessionstart"])
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_signal_while_the_plugin_session_starts_exits_130_and_clears_the_report_folder(tmp_path, sig, at):
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "test_vendor.py").write_text(VENDOR_TEST, encoding="utf-8")
    rep = tmp_path / "rep"
    rep.mkdir()
    for name, text in EARLIER.items():
        (rep / name).write_text(text, encoding="utf-8")
    (rep / "my-notes.txt").write_text("the vendor's own", encoding="utf-8")
    # a vendor's own pytest: none of this suite's PYTEST_* (under xdist, PYTEST_XDIST_WORKER would make the plugin
    # take the child for a worker, which leaves signals to the controller)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}, "KILL_AT": at, "KILL_SIG": sig}
    with SampleServer() as server:
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                               "--conform-adapter", server.url, "-m", "panzhihua-7", "--conform-report", "rep"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    said = done.stdout + done.stderr
    assert done.returncode == 130, (done.returncode, said[-3000:])
    assert "conform: 运行被中断 interrupted before any check ran" in said, said[-3000:]
    assert "passed" not in said, said[-3000:]  # no check, nor the vendor's own test, ran
    assert {p.name for p in rep.iterdir()} == {"my-notes.txt"}, said[-3000:]

