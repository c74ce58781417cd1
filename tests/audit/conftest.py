"""Shared fixtures for the audit engine's tests: one small local SparkSession for the whole run."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def spark():
    """Spark in local mode, kept small so the Spark tests run in CI (Java 17) without a cluster.

    The ledgers here have a few hundred rows, so nearly all of Spark's time is fixed cost: the
    JVM compiling Catalyst itself and planning. Measured on a 3,000-row ledger (JVM CPU seconds,
    first audit / later ones): default JIT 50 / 13.5, C1 only (-XX:TieredStopAtLevel=1) 24 / 8.
    The engine itself (conform/audit/engines/spark.py) turns off code generation and adaptive execution
    for ledgers this small and writes each stage to Parquet.
    """
    from pyspark.sql import SparkSession

    s = (SparkSession.builder.master("local[2]").appName("conform-audit-tests")
         .config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false")
         .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1")
         .config("spark.sql.shuffle.partitions", "2")
         .config("spark.default.parallelism", "2")
         .config("spark.sql.adaptive.enabled", "false")  # tiny data: fewer jobs
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.log.level", "ERROR")
         .getOrCreate())
    yield s
    s.stop()
