"""`conform audit --engine spark` against Spark beyond this process: a Spark Connect server
(`--spark-master sc://…`) and a standalone cluster (`--spark-master spark://…`).

Both are Spark's own servers from the pyspark wheel, each in its own JVMs on loopback ports:
SparkConnectServer (started by spark-submit), and a standalone Master with one Worker whose executor
is a JVM of its own, so the plan's stages are computed outside the driver. `conform audit` runs as a
separate process, as it would on a regulator's machine. All share this machine's filesystem, which
stands in for the shared filesystem a cluster needs (CONFORM_AUDIT_WORKDIR, docs/audit.md).
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from conform.audit.engines.spark import MASTER, redacted
from conform.audit.synth import synth_ledger
from conform.harness.cli import main

# Their own JVMs, one test at a time, beside the local-mode Spark tests.
pytestmark = pytest.mark.xdist_group("spark-remote")
START_TIMEOUT_S = 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def _env() -> dict[str, str]:
    return {**os.environ, "SPARK_HOME": str(_spark_home()), "SPARK_CONNECT_MODE": "0", "SPARK_LOCAL_IP": "127.0.0.1",
            "PYSPARK_PYTHON": sys.executable}


def _start(cmd: list[str], log: Path, ready, **env: str) -> subprocess.Popen:
    """Start a Spark server; wait until `ready()` (a port answers, a log line appears)."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**_env(), **env}, start_new_session=True,
                                cwd=log.parent)  # its spark-warehouse/ lands there, not in the repository
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready():
        if proc.poll() is not None:
            pytest.fail(f"{cmd[1:3]} exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            _stop(proc)
            pytest.fail(f"{cmd[1:3]} not ready after {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    return proc


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def _answers(port: int):
    def ready() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False
    return ready


@pytest.fixture(scope="module")
def connect_url(tmp_path_factory):
    """A Spark Connect server on a free loopback port, for this module; stopped afterwards."""
    home = _spark_home()
    port = _free_port()
    log = tmp_path_factory.mktemp("spark-connect") / "server.log"
    proc = _start([str(home / "bin" / "spark-submit"), "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
                   "--name", "conform-connect-test", "--master", "local[2]", "--driver-memory", "1g",
                   "--driver-java-options", "-XX:TieredStopAtLevel=1",
                   "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
                   "--conf", f"spark.connect.grpc.binding.port={port}",
                   "--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=2", "spark-internal"],
                  log, _answers(port))
    try:
        yield f"sc://127.0.0.1:{port}", log
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def standalone_url(tmp_path_factory):
    """A standalone Spark cluster: one Master and one Worker (2 cores), on loopback ports."""
    spark_class = str(_spark_home() / "bin" / "spark-class")
    folder = tmp_path_factory.mktemp("spark-standalone")
    port = _free_port()
    master = _start([spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
                     "--webui-port", str(_free_port())], folder / "master.log", _answers(port),
                    # no REST submission server: it would take the fixed port 6066 (two runs on one machine)
                    SPARK_MASTER_OPTS="-Dspark.master.rest.enabled=false")
    worker_log = folder / "worker.log"
    try:
        worker = _start([spark_class, "org.apache.spark.deploy.worker.Worker", f"spark://127.0.0.1:{port}",
                         "--host", "127.0.0.1", "--cores", "2", "--memory", "1536m", "--webui-port", str(_free_port()),
                         "--work-dir", str(folder / "work")],
                        worker_log, lambda: "Successfully registered with master" in worker_log.read_text())
        try:
            yield f"spark://127.0.0.1:{port}", worker_log
        finally:
            _stop(worker)
    finally:
        _stop(master)


def _conform(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "conform.harness.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=Path(__file__).resolve().parents[2], env=_env())


def _audit_beyond_this_process(tmp_path: Path, master: str) -> None:
    """The audit through `master` finds exactly what DuckDB finds, and exactly the planted set."""
    ledger = tmp_path / "zhejiang.parquet"
    synth_ledger(1200, "zhejiang", ledger, defect_rate=0.3, seed=17, workers=1)
    base = [str(ledger), "--policy", "zhejiang", "--region", "zhejiang-example",
            "--persons", str(tmp_path / "zhejiang.persons.jsonl")]
    r = _conform("audit", *base, "--engine", "spark", "--spark-master", master, "--out", str(tmp_path / "spark"))
    assert r.returncode == 1, r.stdout + r.stderr[-3000:]
    assert "(spark)" in r.stdout
    # the driver JVM started here logs errors only (conform/audit/engines/log4j2.properties): no WARN/INFO lines
    assert not re.search(r" (WARN|INFO) ", r.stderr), r.stderr[-3000:]
    assert "Setting default log level" not in r.stderr  # the gateway logger is configured too
    r = _conform("audit", *base, "--out", str(tmp_path / "duck"))
    assert r.returncode == 1, r.stdout + r.stderr[-3000:]
    con = duckdb.connect()

    def rows(path: Path) -> list:
        return con.execute(f"SELECT * EXCLUDE (route) FROM read_parquet('{path}') ORDER BY setl_id, field").fetchall()

    via_spark = rows(tmp_path / "spark" / "discrepancies.parquet")
    assert via_spark == rows(tmp_path / "duck" / "discrepancies.parquet")
    planted = con.execute(f"SELECT setl_id, field FROM read_parquet('{ledger.with_name('zhejiang.planted.parquet')}')"
                          " ORDER BY ALL").fetchall()
    found = con.execute(f"SELECT DISTINCT setl_id, field FROM read_parquet('{tmp_path / 'spark' / 'discrepancies.parquet'}')"
                        " ORDER BY ALL").fetchall()
    assert len(planted) > 30 and found == planted


def test_audit_through_spark_connect_finds_the_planted_set_as_duckdb_does(tmp_path, connect_url):
    url, server_log = connect_url
    _audit_beyond_this_process(tmp_path, url)
    assert "SparkConnectExecutionManager: ExecuteHolder" in server_log.read_text()  # the server ran the plan


def test_audit_on_a_standalone_cluster_finds_the_planted_set_as_duckdb_does(tmp_path, standalone_url):
    url, worker_log = standalone_url
    _audit_beyond_this_process(tmp_path, url)
    assert "Asked to launch executor" in worker_log.read_text()  # the stages ran in the worker's executor


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
