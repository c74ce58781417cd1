"""What a signal does at each point of an audit (conform/audit/interrupt.py): unwind before the report is
published, be only noted while and after it is — whatever thread the signal lands on."""
from __future__ import annotations

import signal
import threading

import pytest

from conform.audit import interrupt
from conform.audit.report.html import worked_example


@pytest.fixture(autouse=True)
def fresh():
    interrupt.reset()
    yield
    interrupt.reset()


def test_a_signal_unwinds_before_publishing_and_is_only_noted_during_and_after(tmp_path):
    assert interrupt.receive(signal.SIGTERM) is True and interrupt.received() == signal.SIGTERM
    interrupt.reset()
    # a busy thread beside the main one, as DuckDB's are: a signal mask would hold the signal off the
    # main thread only, and the handler would still run inside the swap
    stop = threading.Event()
    busy = threading.Thread(target=lambda: stop.wait(5))
    busy.start()
    try:
        with interrupt.publishing(tmp_path):
            assert interrupt.receive(signal.SIGINT) is False  # noted, not unwound: the swap completes
    finally:
        stop.set()
        busy.join()
    assert interrupt.published() == tmp_path and interrupt.received() is None
    assert interrupt.receive(signal.SIGTERM) is False


def test_a_failed_publication_leaves_a_noted_signal_to_stop_the_run(tmp_path):
    with pytest.raises(OSError):
        with interrupt.publishing(tmp_path):
            interrupt.receive(signal.SIGINT)
            raise OSError("disk full")
    assert interrupt.published() is None and interrupt.received() == signal.SIGINT


def test_a_worked_example_stopped_by_a_signal_stops_the_report(monkeypatch):
    """DuckDB turns the handler's KeyboardInterrupt into its own error, which a worked example would show
    as '计算过程不可用' and the run would carry on as if never stopped."""
    from conform.audit.report import rollups

    monkeypatch.setattr(rollups, "settlement_rows", lambda con, sid: [])

    def explain(_sid):
        interrupt.receive(signal.SIGINT)
        raise RuntimeError("Query interrupted")

    with pytest.raises(RuntimeError, match="Query interrupted"):
        worked_example(None, "S1", explain)
    interrupt.reset()

    def failing(_sid):
        raise RuntimeError("no trace")

    assert worked_example(None, "S1", failing)["error"].startswith("计算过程不可用")  # without a signal: shown


def test_a_signal_while_the_process_exits_after_an_audit_prints_no_traceback():
    """A Ctrl-C that lands in an exit callback registered before the audit (multiprocessing's, which
    joins the reference workers) would print 'Exception ignored in atexit callback' and a traceback
    after the verdict: the audit's CLI has the process ignore it once it is exiting."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import atexit, os, signal, time\n"
            "def late():\n"
            "    os.kill(os.getpid(), signal.SIGINT)\n"
            "    time.sleep(0.2)\n"
            "atexit.register(late)\n"
            "from conform.audit import cli\n"
            "cli._quiet_exit_once()\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                       capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stderr) == (0, "")
