"""A working folder whose path holds `[`, `{`, `*` or `?` (TMPDIR=/tmp/x[1], CONFORM_AUDIT_WORKDIR): Spark (Hadoop's
globStatus) read the stage folders as patterns, found nothing, and the audit ended "internal error:
AnalysisException: [PATH_NOT_FOUND]", exit 3. The Spark engine reads them as the paths they are, and writes the
same report as DuckDB."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conform.audit.synth import synth_ledger

# CI installs the dev group (pyspark[connect], with grpc) through .ci/run's uv sync: never skipped there
if not os.environ.get("CI"):
    pytest.importorskip("pyspark")

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["br[1]", "c{1}*?"])
def test_a_working_folder_with_glob_characters_in_its_path(tmp_path, name):
    ledger = tmp_path / "l.parquet"
    synth_ledger(600, "zhejiang", ledger, defect_rate=0.2, seed=3, workers=1)
    workdir = tmp_path / name
    workdir.mkdir()
    outs = {}
    for engine in ("spark", "duckdb"):
        outs[engine] = tmp_path / f"out-{engine}"
        r = subprocess.run([sys.executable, "-m", "conform.harness.cli", "audit", str(ledger), "--policy", "zhejiang",
                            "--region", "zhejiang-example", "--persons", str(tmp_path / "l.persons.jsonl"),
                            "--engine", engine, "--out", str(outs[engine])],
                           capture_output=True, text=True, timeout=120, cwd=REPO,
                           env={**os.environ, "CONFORM_AUDIT_WORKDIR": str(workdir)})
        assert r.returncode == 1, r.stdout + r.stderr[-3000:]
    assert (outs["spark"] / "discrepancies.parquet").read_bytes() == (outs["duckdb"] / "discrepancies.parquet").read_bytes()
    assert list(workdir.iterdir()) == []
