"""`conform audit --engine spark --spark-master sc://…`: the audit through a real Spark Connect server.

The server is Spark's own (org.apache.spark.sql.connect.service.SparkConnectServer from the pyspark
wheel), started by spark-submit in its own JVM on a loopback port; `conform audit` runs as a
separate process and reaches it only over gRPC, as it would reach a cluster's endpoint. Both share
this machine's filesystem, which stands in for the shared filesystem a cluster needs
(CONFORM_AUDIT_WORKDIR, docs/audit.md).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from audit.engines.spark import MASTER, redacted
from audit.synth import synth_ledger
from harness.cli import main

pytestmark = pytest.mark.xdist_group("spark-connect")  # its own JVM: beside the local-mode Spark tests
START_TIMEOUT_S = 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def connect_url(tmp_path_factory):
    """A Spark Connect server on a free loopback port, for this module; stopped afterwards."""
    import pyspark

    home = Path(pyspark.__file__).parent
    port = _free_port()
    log = tmp_path_factory.mktemp("spark-connect") / "server.log"
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_CONNECT_MODE": "0", "PYSPARK_PYTHON": sys.executable}
    cmd = [str(home / "bin" / "spark-submit"), "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
           "--name", "conform-connect-test", "--master", "local[2]", "--driver-memory", "1g",
           "--driver-java-options", "-XX:TieredStopAtLevel=1",
           "--conf", "spark.connect.grpc.binding.address=127.0.0.1", "--conf", f"spark.connect.grpc.binding.port={port}",
           "--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=2", "spark-internal"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
                                cwd=log.parent)  # its spark-warehouse/ lands there, not in the repository
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the Spark Connect server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"no Spark Connect server on port {port} after {START_TIMEOUT_S} s:\n"
                                f"{log.read_text()[-3000:]}")
                time.sleep(0.5)
        yield f"sc://127.0.0.1:{port}", log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _conform(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=Path(__file__).resolve().parents[2])


def test_audit_through_spark_connect_finds_the_planted_set_as_duckdb_does(tmp_path, connect_url):
    url, server_log = connect_url
    ledger = tmp_path / "zhejiang.parquet"
    synth_ledger(1200, "zhejiang", ledger, defect_rate=0.3, seed=17, workers=1)
    base = [str(ledger), "--policy", "zhejiang", "--region", "zhejiang-example",
            "--persons", str(tmp_path / "zhejiang.persons.jsonl")]
    r = _conform("audit", *base, "--engine", "spark", "--spark-master", url, "--out", str(tmp_path / "sc"))
    assert r.returncode == 1, r.stdout + r.stderr[-3000:]
    assert "(spark)" in r.stdout
    assert "SparkConnectExecutionManager: ExecuteHolder" in server_log.read_text()  # the server ran the plan
    r = _conform("audit", *base, "--out", str(tmp_path / "duck"))
    assert r.returncode == 1, r.stdout + r.stderr[-3000:]
    con = duckdb.connect()

    def rows(path: Path) -> list:
        return con.execute(f"SELECT * EXCLUDE (route) FROM read_parquet('{path}') ORDER BY setl_id, field").fetchall()

    via_connect = rows(tmp_path / "sc" / "discrepancies.parquet")
    assert via_connect == rows(tmp_path / "duck" / "discrepancies.parquet")
    planted = con.execute(f"SELECT setl_id, field FROM read_parquet('{ledger.with_name('zhejiang.planted.parquet')}')"
                          " ORDER BY ALL").fetchall()
    assert len(planted) > 30 and sorted({(r[0], r[8]) for r in via_connect}) == planted


def test_an_endpoint_that_does_not_answer_is_a_clear_error_in_seconds_without_its_token(tmp_path):
    ledger = tmp_path / "l.parquet"
    synth_ledger(50, "zhejiang", ledger, seed=1, workers=1)
    port = _free_port()  # nothing listens here
    t0 = time.monotonic()
    r = _conform("audit", str(ledger), "--policy", "zhejiang", "--region", "zhejiang-example", "--engine", "spark",
                 "--spark-master", f"sc://127.0.0.1:{port}/;token=s3cret-token", "--out", str(tmp_path / "o"),
                 timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"no Spark Connect server answers at 127.0.0.1:{port}" in r.stderr
    assert "s3cret-token" not in r.stdout + r.stderr and "Traceback" not in r.stderr
    assert time.monotonic() - t0 < 90 and not (tmp_path / "o").exists()


@pytest.mark.parametrize("master", ["sc:/host", "local[0]", "spark:/h", "http://h:7077", "local[*] "])
def test_a_master_that_is_no_spark_url_is_refused_before_anything_is_read(tmp_path, master):
    out = tmp_path / "o"
    r = CliRunner().invoke(main, ["audit", str(tmp_path / "absent.parquet"), "--policy", "zhejiang",
                                  "--region", "zhejiang-example", "--engine", "spark", "--spark-master", master, "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert f"--spark-master {master!r} is not a Spark master URL" in r.output  # not the missing ledger: checked first
    assert not out.exists()


@pytest.mark.parametrize("master", ["local", "local[*]", "local[4]", "local[2,3]", "spark://h:7077", "yarn",
                                    "k8s://https://h:6443", "sc://h:15002/;token=x"])
def test_spark_master_urls_are_accepted(master):
    assert MASTER.fullmatch(master)


def test_a_connect_url_is_shown_without_its_parameters():
    assert redacted("sc://h:15002/;token=abc;user_id=u") == "sc://h:15002"
    assert redacted("sc://h:15002;token=abc") == "sc://h:15002"
    assert redacted("spark://h:7077") == "spark://h:7077"
