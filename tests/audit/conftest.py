"""Shared fixtures for the audit engine's tests: one small local SparkSession for the whole run."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def spark():
    """Spark in local mode, kept small so the Spark tests run in CI (Java 17) without a cluster."""
    from pyspark.sql import SparkSession

    s = (SparkSession.builder.master("local[2]").appName("conform-audit-tests")
         .config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false")
         .config("spark.sql.shuffle.partitions", "2")
         .config("spark.default.parallelism", "2")
         .config("spark.sql.adaptive.enabled", "false")  # tiny data: fewer jobs
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.log.level", "ERROR")
         .getOrCreate())
    yield s
    s.stop()
