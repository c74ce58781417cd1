"""Why Spark did not start: Java is blamed only when it is in fact missing or unusable. An unreachable
standalone master (spark://127.0.0.1:1) failed after a minute with py4j's 'An error occurred while calling
None.org.apache.spark.sql.classic.SparkSession.' and '(the Spark engine needs Java 17)', Java 17 installed."""
from __future__ import annotations

import os
import stat

import pytest

from audit.engines import spark

PY4J = RuntimeError("An error occurred while calling None.org.apache.spark.sql.classic.SparkSession.\n"
                    ": java.lang.IllegalStateException: Cannot call methods on a stopped SparkContext.")


def test_an_unreachable_standalone_master_is_said_so_not_blamed_on_java(monkeypatch):
    monkeypatch.setattr(spark, "java_problem", lambda: None)
    said = spark.start_failure("spark://127.0.0.1:1", PY4J)
    assert said.startswith("cannot start Spark at spark://127.0.0.1:1: no Spark master answered at that address")
    assert "Java" not in said.replace("java.lang", "") and "SparkSession" in said  # Spark's own line is kept


def test_java_is_blamed_when_it_is_missing_or_unusable(monkeypatch):
    monkeypatch.setattr(spark, "java_problem", lambda: "no java on the PATH, and JAVA_HOME is not set")
    for master in ("spark://127.0.0.1:1", "local[*]"):
        said = spark.start_failure(master, PY4J)
        assert "the Spark engine needs Java 17: no java on the PATH" in said and "no Spark master" not in said


def test_spark_connect_failures_are_the_servers_own(monkeypatch):
    monkeypatch.setattr(spark, "java_problem", lambda: pytest.fail("Spark Connect needs no local Java"))
    assert spark.start_failure("sc://h:15002/;token=secret", RuntimeError("refused")) == \
        "cannot start Spark at sc://h:15002: refused"


def _fake_java(folder, says: str, code: int = 0):
    bindir = folder / "bin"
    bindir.mkdir(parents=True)
    java = bindir / "java"
    java.write_text(f"#!/bin/sh\necho '{says}' >&2\nexit {code}\n", encoding="utf-8")
    java.chmod(java.stat().st_mode | stat.S_IXUSR)
    return java


@pytest.mark.skipif(not os.environ.get("CI") and os.name != "posix", reason="a shell script stands in for java")
def test_which_java_is_unusable(tmp_path, monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert spark.java_problem() == "no java on the PATH, and JAVA_HOME is not set"
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nojdk"))
    assert spark.java_problem() == f"JAVA_HOME={tmp_path / 'nojdk'} has no bin/java"
    java = _fake_java(tmp_path / "jdk11", 'openjdk version "11.0.2" 2019-01-15')
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk11"))
    assert spark.java_problem() == f"{java} is Java 11"
    java = _fake_java(tmp_path / "jdk8", 'java version "1.8.0_392"')
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk8"))
    assert spark.java_problem() == f"{java} is Java 8"
    _fake_java(tmp_path / "broken", "Error: could not find libjava.so", code=1)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "broken"))
    assert "-version failed: Error: could not find libjava.so" in spark.java_problem()
    _fake_java(tmp_path / "jdk17", 'openjdk version "17.0.15" 2025-04-15')
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk17"))
    assert spark.java_problem() is None
    monkeypatch.delenv("JAVA_HOME")
    monkeypatch.setenv("PATH", str(tmp_path / "jdk17" / "bin"))  # from the PATH when JAVA_HOME is not set
    assert spark.java_problem() is None
