"""Ctrl-C or SIGTERM while the Spark driver JVM starts: pyspark starts it with SIGINT ignored and, when its wait
for the JVM is interrupted, removes the folder where the JVM would write its port but leaves the JVM running,
orphaned, for good. A stopped audit leaves nothing running: the JVM it started is killed.

`conform audit` runs as its own process in a session of its own; the signal goes out moments after it started
spark-submit (seen in /proc), and afterwards no process of that session may be left."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conform.audit.synth import synth_ledger

# CI installs the dev group (pyspark[connect], with grpc) through .ci/run's uv sync: never skipped there
if not os.environ.get("CI"):
    pytest.importorskip("pyspark")

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ledger") / "l.parquet"
    synth_ledger(50, "zhejiang", path, seed=1, workers=1)
    return path


def _stat(pid: str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2:].split()  # state, ppid, pgrp, session, ...


def _in_session(sid: int) -> list[int]:
    """The live (not zombie) processes of session `sid`."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            st = _stat(pid)
            if st is not None and int(st[3]) == sid and st[0] != "Z":
                found.append(int(pid))
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _children(pid: int) -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and (st := _stat(p)) is not None and int(st[1]) == pid]


@pytest.mark.parametrize(("signum", "group", "delay"), [
    (signal.SIGINT, True, 0.0), (signal.SIGINT, True, 0.1), (signal.SIGTERM, False, 0.0),
    (signal.SIGTERM, False, 0.05), (signal.SIGINT, False, 0.15),
])
def test_a_stop_while_the_jvm_starts_leaves_no_jvm(ledger, tmp_path, signum, group, delay):
    proc = subprocess.Popen([sys.executable, "-m", "conform.harness.cli", "audit", str(ledger), "--policy", "zhejiang",
                             "--region", "zhejiang-example", "--engine", "spark", "--out", str(tmp_path / "o")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 40
        while not any("spark-submit" in _cmdline(c) or "java" in _cmdline(c) for c in _children(proc.pid)):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.01)
        time.sleep(delay)
        if group:
            os.killpg(proc.pid, signum)  # a terminal's Ctrl-C
        else:
            os.kill(proc.pid, signum)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 128 + signum, out + err
        said = [x for x in err.splitlines() if x.strip() and not x.startswith("  ")]
        assert said == [f"conform: audit {'interrupted' if signum == signal.SIGINT else 'terminated'}; nothing written"]
        assert not (tmp_path / "o").exists()
        left = _in_session(proc.pid)
        deadline = time.monotonic() + 5  # a JVM killed a moment ago
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = _in_session(proc.pid)
        assert left == [], [_cmdline(p)[:150] for p in left]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        for pid in _in_session(proc.pid):  # what this test started, by its session: nothing else
            os.kill(pid, signal.SIGKILL)
