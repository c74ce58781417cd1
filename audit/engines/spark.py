"""The plan on Apache Spark: the same SQL (audit/plan.py), transpiled by sqlglot to Spark SQL.

The ledger is read and validated by DuckDB (streaming, out of core) and handed to Spark as
Parquet; Spark computes the expected figures and the discrepancies. `master` is `local[*]` by
default, a cluster URL (spark://…, yarn, k8s://…) or a Spark Connect endpoint (sc://…); on a
cluster, `workdir` must be a path every executor can read (a shared filesystem).

Why it is set up the way it is (measured on a 2-core machine, see benchmarks/bench_audit.py):
- Each stage of the plan is written to Parquet and read back, so the next stage's query starts
  from a file, not from the whole lineage: Catalyst analyses and optimises small plans, and a
  stage is computed exactly once. (A `.cache()` keeps the lineage, and every later statement
  re-analyses it.)
- Shuffle partitions follow the data (about a million rows each, at least the cores);
  adaptive execution joins them up where they turn out small.
- Small ledgers (the tests, a pilot export) run interpreted rather than compiled to Java: at a few
  thousand rows compiling the generated code costs more than it saves.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import duckdb

from .. import plan
from ..errors import AuditInputError

INPUTS = ("ledger", "persons", "params", "settings", "exclusions", "psn_types", "expected_ref")
_SESSIONS: dict[str, object] = {}
SMALL_ROWS = 10_000          # tables up to this size go over in memory (Arrow), not as files
ROWS_PER_PARTITION = 1_000_000
INTERPRETED_ROWS = 50_000    # below this many ledger rows, no code generation
C1_ROWS = 2_000_000          # below this many, a local JVM started here compiles with C1 only,
BROADCAST_BYTES = 100 << 20  # and joins broadcast tables up to this size
LOG4J2 = Path(__file__).with_name("log4j2.properties")  # the driver JVM's logging: errors only
CONNECT_TIMEOUT_S = 10       # a Spark Connect endpoint must accept a connection within this
# Per-stage wall times of the last run in this process (benchmarks/bench_audit.py prints them).
LAST_TIMINGS: dict[str, float] = {}


# The master URLs Spark accepts (checked before a JVM starts, which would only print a stack trace).
MASTER = re.compile(r"local(\[(\*|[1-9]\d*)(,\d+)?\])?|local-cluster\[\d+, *\d+, *\d+\]|spark://\S+|yarn"
                    r"|k8s://\S+|sc://\S+")


def redacted(master: str) -> str:
    """The master URL for messages: a Spark Connect URL without its parameters (`;token=…`)."""
    return master.split("/;", 1)[0].split(";", 1)[0] if master.startswith("sc://") else master


def _reachable(url: str) -> None:
    """Fail fast on a Spark Connect endpoint that does not answer: the client itself retries with
    backoff for many minutes before giving up."""
    from pyspark.sql.connect.client import DefaultChannelBuilder

    b = DefaultChannelBuilder(url)
    host, port = b.endpoint.rsplit(":", 1)
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as e:
        raise ConnectionError(f"no Spark Connect server answers at {b.endpoint} "
                              f"(waited {CONNECT_TIMEOUT_S} s: {e.strerror or e})") from None


def session(master: str = "local[*]", small: bool = False):
    """A SparkSession for `master` (cached per process). `small`: the first ledger is small, so a
    local JVM compiles with C1 only (-XX:TieredStopAtLevel=1): most of its work is then Spark's own
    warm-up, and C2 compiling it costs more than it returns."""
    if master in _SESSIONS:
        return _SESSIONS[master]
    from pyspark.sql import SparkSession

    if master.startswith("sc://"):
        _reachable(master)
        s = SparkSession.builder.remote(master).getOrCreate()
    else:
        b = (SparkSession.builder.master(master).appName("conform-audit")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.session.timeZone", "UTC"))
        if os.environ.get("CONFORM_SPARK_LOG_LEVEL"):  # more than errors (log4j2.properties), e.g. WARN or INFO
            b = b.config("spark.log.level", os.environ["CONFORM_SPARK_LOG_LEVEL"])
        java = [f"-Dlog4j2.configurationFile={LOG4J2.as_uri()}"]
        if master.startswith("local"):
            # One JVM holds driver and executors: give it the memory a 10M-row ledger needs.
            b = b.config("spark.driver.memory", os.environ.get("CONFORM_SPARK_DRIVER_MEMORY", "3g"))
            if small:
                java.append("-XX:TieredStopAtLevel=1")
        b = b.config("spark.driver.extraJavaOptions", " ".join(java))
        main = threading.current_thread() is threading.main_thread()
        before = signal.getsignal(signal.SIGINT) if main else None
        s = b.getOrCreate()
        if main:
            _keep_sigint(before, s.sparkContext)
    _SESSIONS[master] = s
    return s


def _keep_sigint(before, context) -> None:
    """pyspark's SparkContext replaces the SIGINT handler with its own (cancel every job, then
    KeyboardInterrupt). Keep the one that was there — `conform audit`'s, which after the report is
    published only notes the signal (audit/interrupt.py) — with Spark's jobs cancelled first."""
    def handler(signum, frame):
        with contextlib.suppress(Exception):  # a stopped context has nothing to cancel
            context.cancelAllJobs()
        if callable(before):
            return before(signum, frame)
        if before != signal.SIG_IGN:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)


def _tune(spark, rows: int) -> None:
    """Runtime SQL settings sized to this ledger (a shared session keeps the last ones)."""
    try:
        cores = spark.sparkContext.defaultParallelism
    except Exception:  # Spark Connect has no SparkContext
        cores = 2
    parts = max(cores, -(-rows // ROWS_PER_PARTITION))
    small = rows < INTERPRETED_ROWS
    conf = {
        "spark.sql.shuffle.partitions": str(parts),
        # Adaptive execution plans each shuffle stage as its own job: worth it on big data only.
        "spark.sql.adaptive.enabled": "false" if small else "true",
        "spark.sql.adaptive.coalescePartitions.enabled": "true",
        "spark.sql.codegen.wholeStage": "false" if small else "true",
        "spark.sql.codegen.factoryMode": "NO_CODEGEN" if small else "FALLBACK",
    }
    # Up to a couple of million rows the narrow key tables (`ordered`, per person) fit in one
    # broadcast: joining them costs no shuffle of the wide ledger rows (1M rows: JVM CPU 146 -> 113 s).
    # Beyond, Spark's own 10 MB.
    broadcast = str(BROADCAST_BYTES if rows < C1_ROWS else 10 << 20)
    conf["spark.sql.autoBroadcastJoinThreshold"] = broadcast
    conf["spark.sql.adaptive.autoBroadcastJoinThreshold"] = broadcast
    for k, v in os.environ.items():  # an override for a cluster or a profile: CONFORM_SPARK_CONF_spark.sql.x=value
        if k.startswith("CONFORM_SPARK_CONF_"):
            conf[k.removeprefix("CONFORM_SPARK_CONF_")] = v
    for k, v in conf.items():
        try:
            spark.conf.set(k, v)
        except Exception:  # a setting a cluster or Connect server does not allow: keep its own
            pass


JAVA_MIN = 17


def java_problem() -> str | None:
    """What is wrong with the Java that Spark would start (JAVA_HOME's, else the PATH's), or None if it runs
    and is recent enough. Asked only once Spark has failed to start: running `java -version` takes a moment."""
    home = os.environ.get("JAVA_HOME")
    if home:
        java = os.path.join(home, "bin", "java")
        if not (os.path.isfile(java) and os.access(java, os.X_OK)):
            return f"JAVA_HOME={home} has no bin/java"
    else:
        java = shutil.which("java")
        if java is None:
            return "no java on the PATH, and JAVA_HOME is not set"
    try:
        r = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        return f"{java} does not run ({type(e).__name__}: {e})"
    said = (r.stderr or "") + (r.stdout or "")
    m = re.search(r'version "(\d+)(?:\.(\d+))?', said)
    if r.returncode != 0 or m is None:
        return f"{java} -version failed: {said.strip().splitlines()[0][:200] if said.strip() else r.returncode}"
    major = int(m.group(2) or 0) if m.group(1) == "1" else int(m.group(1))  # "1.8.0_392" is Java 8
    if major < JAVA_MIN:
        return f"{java} is Java {major}"
    return None


def start_failure(master: str, e: BaseException) -> str:
    """Why Spark did not start at `master`, for the user. py4j's first line ('An error occurred while calling
    None.org.apache.spark.sql.classic.SparkSession.') names no cause: Java is blamed only when it is in fact
    missing or unusable; a standalone master (spark://) that did not take the application is said to be so."""
    first = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
    where = f"cannot start Spark at {redacted(master)}"
    if master.startswith("sc://"):  # Spark Connect: no local JVM, the server's own error
        return f"{where}: {first}"
    java = java_problem()
    if java is not None:
        return f"{where}: {first} (the Spark engine needs Java {JAVA_MIN}: {java}; see docs/audit.md)"
    if master.startswith("spark://"):
        return (f"{where}: no Spark master answered at that address, or it did not accept the application "
                f"(is a standalone master running there, reachable from this machine, with workers free?) "
                f"[Spark: {first}]")
    return f"{where}: {first}"


class SparkEngine:
    name = "spark"

    def __init__(self, master: str | None = None, spark=None, **_: object):
        self.master = master or "local[*]"
        self._spark = spark
        if spark is None and not MASTER.fullmatch(self.master):  # before any work, and before a JVM starts
            raise AuditInputError(f"--spark-master {redacted(self.master)!r} is not a Spark master URL: expected "
                                  "local[*], local[N], spark://host:port, yarn, k8s://… or sc://host:port")

    def _session(self, rows: int):
        if self._spark is None:
            try:
                self._spark = session(self.master, small=rows < C1_ROWS)
            except ImportError:
                raise
            except Exception as e:  # no Java, an unreachable master: configuration, not a crash
                raise AuditInputError(start_failure(self.master, e)) from None
        return self._spark

    def run(self, con: duckdb.DuckDBPyConnection, fields: tuple[str, ...], out: Path, workdir: Path) -> dict:
        LAST_TIMINGS.clear()
        t0 = time.perf_counter()

        def lap(name: str) -> None:
            LAST_TIMINGS[name] = round(time.perf_counter() - t0 - sum(LAST_TIMINGS.values()), 3)

        rows = con.execute("SELECT count(*) FROM ledger").fetchall()[0][0]
        spark = self._session(rows)
        lap("session")
        _tune(spark, rows)
        src = workdir / "spark-in"
        src.mkdir(parents=True, exist_ok=True)
        for t in INPUTS:
            if con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] <= SMALL_ROWS:
                # Parameter tables and small ledgers: handed over in memory (Arrow), no file.
                from pyspark.sql.pandas.types import from_arrow_schema

                tbl = con.table(t).arrow()
                tbl = tbl.read_all() if hasattr(tbl, "read_all") else tbl
                # An empty table must reach the optimiser as an empty relation: built from an empty list
                # it is an RDD of unknown size, and Spark then shuffles the whole ledger (keyed on a
                # column that is NULL in nearly every row, so onto one core) to join with nothing.
                # LIMIT 0 makes it a known-empty relation, which the optimiser removes from the joins.
                df = (spark.createDataFrame(tbl) if tbl.num_rows
                      else spark.createDataFrame([], schema=from_arrow_schema(tbl.schema)).limit(0))
                df.createOrReplaceTempView(t)
                continue
            p = str(src / f"{t}.parquet").replace("'", "''")
            con.execute(f"COPY {t} TO '{p}' (FORMAT parquet)")
            spark.read.parquet(str(src / f"{t}.parquet")).createOrReplaceTempView(t)
        lap("hand-over")
        for name in plan.STAGES:
            d = str(workdir / f"spark-{name}")
            spark.sql(plan.sql(name, "spark", fields)).write.mode("overwrite").parquet(d)
            spark.read.parquet(d).createOrReplaceTempView(name)
            lap(name)
        disc_dir = workdir / "spark-discrepancies"
        spark.sql(plan.sql("compare", "spark", fields)).write.mode("overwrite").parquet(str(disc_dir))
        lap("compare")
        totals = spark.sql(plan.sql("totals", "spark")).collect()[0].asDict()
        unassessed = ([tuple(r) for r in spark.sql(plan.sql("unassessed", "spark")).collect()]
                      if totals["unassessed"] else [])
        lap("totals")
        lit = str(out).replace("'", "''")
        d = str(disc_dir).replace("'", "''")
        con.execute(f"COPY (SELECT * FROM read_parquet('{d}/*.parquet')) TO '{lit}' (FORMAT parquet)")
        lap("collect")
        return {**{k: int(v) if v is not None else 0 for k, v in totals.items()}, "unassessed_by_status": unassessed}
