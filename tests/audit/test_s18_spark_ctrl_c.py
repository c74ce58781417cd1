"""Ctrl-C while Spark runs the plan: the run ends with one line and exit 130, and no traceback. (The handler
used to cancel Spark's jobs through py4j from inside the main thread's own py4j call: py4j logged
"reentrant call inside <_io.BufferedReader …>" and "KeyboardInterrupt while sending command" with tracebacks.)

`conform audit` runs as its own process (in a session of its own, as under a terminal); the Ctrl-C goes to
its whole process group once Spark has written a stage of the plan to the working folder."""
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
    synth_ledger(3000, "panzhihua", path, seed=7, workers=1)
    return path


def _stage_written(workdir: Path) -> bool:
    return any(p.name.startswith("spark-") and p.name != "spark-in" for p in workdir.rglob("spark-*"))


@pytest.mark.parametrize("after", [0.0, 0.7])
def test_ctrl_c_during_the_plan_prints_one_line_and_no_traceback(ledger, tmp_path, after):
    workdir = tmp_path / "wd"
    workdir.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "conform.harness.cli", "audit", str(ledger),
                             "--persons", str(ledger.with_name("l.persons.jsonl")), "--policy", "panzhihua",
                             "--region", "panzhihua-example", "--engine", "spark", "--out", str(tmp_path / "o")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            start_new_session=True, env={**os.environ, "CONFORM_AUDIT_WORKDIR": str(workdir)})
    try:
        deadline = time.monotonic() + 50
        while not _stage_written(workdir):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.02)
        time.sleep(after)
        assert proc.poll() is None, "the run ended before the Ctrl-C: nothing tested"
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, out + err
    assert "Traceback" not in err and "while sending command" not in err, err
    said = [x for x in err.splitlines() if x.strip() and not x.startswith("  ")]
    assert said == ["conform: audit interrupted; nothing written"], err
    assert not (tmp_path / "o").exists() and list(workdir.iterdir()) == []
