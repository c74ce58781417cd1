"""The plan on Apache Spark: the same SQL (audit/plan.py), transpiled by sqlglot to Spark SQL.

The ledger is read and validated by DuckDB (streaming, out of core) and handed to Spark as
Parquet; Spark computes the expected figures and the discrepancies. `master` is `local[*]` by
default, a cluster URL (spark://…, yarn, k8s://…) or a Spark Connect endpoint (sc://…); on a
cluster, `workdir` must be a path every executor can read (a shared filesystem).
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from .. import plan

INPUTS = ("ledger", "persons", "params", "settings", "exclusions", "psn_types", "expected_ref")
_SESSIONS: dict[str, object] = {}
SMALL_ROWS = 10_000


def session(master: str = "local[*]"):
    """A SparkSession for `master` (cached per process)."""
    if master in _SESSIONS:
        return _SESSIONS[master]
    from pyspark.sql import SparkSession

    if master.startswith("sc://"):
        s = SparkSession.builder.remote(master).getOrCreate()
    else:
        s = (SparkSession.builder.master(master).appName("conform-audit")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "8")
             .config("spark.sql.session.timeZone", "UTC")
             .getOrCreate())
    _SESSIONS[master] = s
    return s


class SparkEngine:
    name = "spark"

    def __init__(self, master: str | None = None, spark=None, **_: object):
        self.master = master or "local[*]"
        self._spark = spark

    @property
    def spark(self):
        if self._spark is None:
            try:
                self._spark = session(self.master)
            except ImportError:
                raise
            except Exception as e:  # no Java, an unreachable master: configuration, not a crash
                from ..errors import AuditInputError

                raise AuditInputError(f"cannot start Spark at {self.master}: {str(e).splitlines()[0][:300]} "
                                      "(the Spark engine needs Java 17; see docs/audit.md)") from None
        return self._spark

    def run(self, con: duckdb.DuckDBPyConnection, fields: tuple[str, ...], out: Path, workdir: Path) -> dict:
        spark = self.spark
        src = workdir / "spark-in"
        src.mkdir(parents=True, exist_ok=True)
        for t in INPUTS:
            small = t != "ledger" and con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] <= SMALL_ROWS
            if small:
                # Parameter tables and few persons: handed over in memory (Arrow), no file, no Spark job.
                from pyspark.sql.pandas.types import from_arrow_schema

                tbl = con.table(t).arrow()
                tbl = tbl.read_all() if hasattr(tbl, "read_all") else tbl
                df = (spark.createDataFrame(tbl) if tbl.num_rows
                      else spark.createDataFrame([], schema=from_arrow_schema(tbl.schema)))
                df.createOrReplaceTempView(t)
                continue
            p = str(src / f"{t}.parquet").replace("'", "''")
            con.execute(f"COPY {t} TO '{p}' (FORMAT parquet)")
            spark.read.parquet(str(src / f"{t}.parquet")).createOrReplaceTempView(t)
        cached = []
        for name, _ in plan.STAGES:
            df = spark.sql(plan.sql(name, "spark")).cache()
            df.createOrReplaceTempView(name)
            cached.append(df)
        disc_dir = workdir / "spark-discrepancies"
        spark.sql(plan.sql("compare", "spark", fields)).write.mode("overwrite").parquet(str(disc_dir))
        totals = spark.sql(plan.sql("totals", "spark")).collect()[0].asDict()
        for df in cached:
            df.unpersist()
        lit = str(out).replace("'", "''")
        d = str(disc_dir).replace("'", "''")
        con.execute(f"COPY (SELECT * FROM read_parquet('{d}/*.parquet')) TO '{lit}' (FORMAT parquet)")
        return {k: int(v) if v is not None else 0 for k, v in totals.items()}
