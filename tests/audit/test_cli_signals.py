"""Ctrl-C and SIGTERM at the edges of `conform audit`: while it is still importing its engine, and while
the reference engine's worker processes run. Each run is a process of its own in a new session, signalled
the way a terminal (SIGINT to the whole process group) or `kill` (SIGTERM to the command alone) does."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,"
          "preselfpay_amt,hifp_pay,psn_part_amt")
SAID = {"SIGINT": (130, "audit interrupted; nothing written"), "SIGTERM": (143, "audit terminated; nothing written")}


def _inputs(tmp_path: Path) -> list[str]:
    """A 20-person 攀枝花 ledger whose persons all retire after their first visit: the reference engine's."""
    ledger, persons = tmp_path / "ledger.csv", tmp_path / "persons.jsonl"
    ledger.write_text(HEADER + "\n" + "".join(f"T{i},P{i % 20},1201,2023-05-04,11,secondary,400.00,0,0,0,162.50,237.50\n"
                                              for i in range(60)), encoding="utf-8")
    persons.write_text("".join(f'{{"psn_no": "P{i}", "psn_type": "1201", "retire_date": "2023-06-01"}}\n'
                               for i in range(20)), encoding="utf-8")
    return ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example", "--persons", str(persons),
            "--out", str(tmp_path / "out")]


def _start(tmp_path: Path, script: str, args: list[str]) -> tuple[subprocess.Popen, Path]:
    work = tmp_path / "tmp"
    work.mkdir()
    path = tmp_path / "run_audit.py"
    path.write_text(script, encoding="utf-8")
    env = {**os.environ, "TMPDIR": str(work), "MARKS": str(tmp_path), "PYTHONPATH": str(ROOT),
           "CONFORM_AUDIT_WORKDIR": str(work)}
    proc = subprocess.Popen([sys.executable, str(path), *args], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, work


def _finish(proc: subprocess.Popen) -> tuple[int, str]:
    try:
        out, err = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"the audit did not end: {out}\n{err}")
    return proc.returncode, out + err


# --- a signal while the command imports its engine (DuckDB, openpyxl, ...: a second or so) -----------------

EARLY = """
import os, signal, sys

class SignalOnImport:  # the signal lands exactly while conform.audit.run (DuckDB, openpyxl, ...) is imported
    def find_spec(self, name, path=None, target=None):
        if name == "conform.audit.run":
            os.kill(os.getpid(), getattr(signal, os.environ["SIGNAL"]))
        return None

sys.meta_path.insert(0, SignalOnImport())
from conform.harness.cli import main
main(sys.argv[1:], prog_name="conform")
"""


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_signal_while_the_command_is_still_importing_is_an_interruption_not_a_verdict(tmp_path, monkeypatch, sig):
    """Ctrl-C in the first second was click's 'Aborted!', exit 1 ("discrepancies found"); SIGTERM killed
    the process without a word. The handlers are installed before the import, inside the handled region."""
    monkeypatch.setenv("SIGNAL", sig)
    proc, work = _start(tmp_path, EARLY, _inputs(tmp_path))
    rc, said = _finish(proc)
    code, message = SAID[sig]
    assert rc == code and message in said, said
    assert "Aborted" not in said and "Traceback" not in said
    assert not list(work.iterdir()) and not (tmp_path / "out").exists()


# --- a signal while the reference engine's workers run -------------------------------------------------------

# Run as the main script, so a spawned worker imports it too (as __mp_main__) before its initializer:
# there it marks its start and takes a second to 'import'; then each chunk marks the worker's pid and takes
# a minute.
WORKERS = """
import os, sys, time

if __name__ == "__main__":
    from conform.audit import fallback
    fallback.INLINE_PERSONS, fallback.CHUNK_PERSONS = 0, 2  # 20 persons: ten chunks for two workers
    from conform.harness.cli import main
    main(sys.argv[1:], prog_name="conform")
else:  # a worker, importing the parent's main module
    open(os.path.join(os.environ["MARKS"], f"importing-{os.getpid()}"), "w").close()
    time.sleep(1)
    from conform.audit import settle_ref

    def _work_table(*args, _real=settle_ref._work_table):
        open(os.path.join(os.environ["MARKS"], f"worker-{os.getpid()}"), "w").close()
        time.sleep(60)
        return _real(*args)

    settle_ref._work_table = _work_table
"""


def _workers(pid: int) -> list[int]:
    """The spawned workers among `pid`'s children (not multiprocessing's resource tracker)."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmd = (d / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid and b"spawn_main" in cmd:
            found.append(int(d.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie waits only for its (new) parent to reap it


def _wait_for(what, timeout: float = 120.0, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while not (found := what()):
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the audit ended before the workers ran: {proc.communicate()}")
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
    return found


@pytest.mark.skipif(not os.environ.get("CI") and not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("when, sig, group", [
    ("starting", "SIGINT", True),   # a terminal's Ctrl-C while the workers still import (before their initializer)
    ("working", "SIGINT", True),    # ... and while they settle their chunks
    ("working", "SIGTERM", False),  # `kill` of the command alone: its workers must not outlive it
])
def test_a_signal_while_reference_workers_run_stops_them_without_a_traceback(tmp_path, when, sig, group):
    """Ctrl-C reaches the workers too (the whole process group): each printed a KeyboardInterrupt traceback
    ('Process SpawnProcess-1: Traceback ...'). The workers ignore it from their start; the parent, on its
    own signal, cancels the queued chunks and ends the workers at once."""
    proc, work = _start(tmp_path, WORKERS, [*_inputs(tmp_path), "--workers", "2"])
    try:
        _wait_for(lambda: list(tmp_path.glob("importing-*" if when == "starting" else "worker-*")), proc=proc)
        pids = _workers(proc.pid)
        started = time.monotonic()
        if group:
            os.killpg(proc.pid, getattr(signal, sig))
        else:
            os.kill(proc.pid, getattr(signal, sig))
        rc, said = _finish(proc)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    code, message = SAID[sig]
    assert rc == code and message in said, said
    assert "Traceback" not in said and "KeyboardInterrupt" not in said and "Process Spawn" not in said, said
    time.sleep(0.5)
    assert not [p for p in pids if _running(p)], "a worker outlived the audit"
    assert took < 45, f"the audit waited {took:.0f} s for its workers' chunks"  # a chunk takes 60 s here
    assert not list(work.iterdir()) and not (tmp_path / "out").exists()


# --- DuckDB out of room to spill: the working folder is full, the memory limit is not to blame ----------------

OFFLOAD = ("Out of Memory Error: failed to offload data block of size 256.0 KiB (0 bytes/180.0 KiB used).\n"
           "This limit was set by the 'max_temp_directory_size' setting.\n"
           "By default, this setting utilizes the available disk space on the drive where the 'temp_directory' "
           "is located.\n\nPossible solutions:\n* Increasing the memory limit (SET memory_limit='...GB')")


def test_a_full_working_folder_is_named_not_taken_for_a_small_memory_limit(tmp_path, monkeypatch):
    """A 200 KB working folder (CONFORM_AUDIT_WORKDIR on a tmpfs): DuckDB's 'failed to offload data block'
    is its own OutOfMemoryException, and was reported as 'the memory limit 60MB is too small'."""
    import tempfile

    import duckdb
    from click.testing import CliRunner

    from conform.audit import cli, run
    from conform.harness.cli import main

    monkeypatch.setenv("CONFORM_AUDIT_WORKDIR", "/mnt/tiny")
    said = cli._memory_message(duckdb.OutOfMemoryException(OFFLOAD), "60MB")
    assert said.startswith("conform: error: the working folder /mnt/tiny (CONFORM_AUDIT_WORKDIR) has no space left")
    assert "failed to offload data block" in said and "too small" not in said and "Possible solutions" not in said
    monkeypatch.delenv("CONFORM_AUDIT_WORKDIR")
    said = cli._memory_message(duckdb.OutOfMemoryException(OFFLOAD), None)
    assert f"the working folder {tempfile.gettempdir()} (the system temporary folder" in said
    # a memory limit that is in fact too small is still told as such
    small = duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256.0 KiB "
                                        "(28.6 MiB/28.6 MiB used)\n\nPossible solutions:\n* Reducing the number of threads")
    assert "the memory limit 60MB (--memory-limit) is too small" in cli._memory_message(small, "60MB")

    def full(*_a, **_k):
        raise duckdb.OutOfMemoryException(OFFLOAD)

    monkeypatch.setattr(run, "audit", full)
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(HEADER + "\nT1,P9,1201,2023-05-04,11,secondary,400.00,0,0,0,162.50,237.50\n", encoding="utf-8")
    monkeypatch.setenv("CONFORM_AUDIT_WORKDIR", str(tmp_path))
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--memory-limit", "60MB"])
    assert r.exit_code == 2 and f"the working folder {tmp_path} (CONFORM_AUDIT_WORKDIR) has no space left" in r.output
    assert "too small" not in r.output, r.output
