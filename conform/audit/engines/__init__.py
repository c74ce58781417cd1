"""Engines that run the one plan (conform/audit/plan.py): embedded DuckDB (default) and Apache Spark."""
from __future__ import annotations


def get(name: str, **kw):
    if name == "duckdb":
        from .duckdb import DuckDBEngine

        return DuckDBEngine(**kw)
    if name == "spark":
        from .spark import SparkEngine

        return SparkEngine(**kw)
    raise ValueError(f"unknown engine {name!r}; expected duckdb or spark")
