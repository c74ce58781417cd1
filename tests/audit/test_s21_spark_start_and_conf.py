"""The Spark engine's start and its settings, as probe T (s21) found them.

- A Ctrl-C while the session starts met pyspark's own SIGINT handler (getOrCreate installs it, before conform's
  _keep_sigint replaces it), which calls the JVM from inside a py4j call; py4j logged each failure with its
  traceback (4 of 8 Ctrl-C 5-8 s into a run). py4j's logging is now off before the gateway starts.
- A CONFORM_SPARK_CONF_<key> override Spark refused (a bad value, a static setting such as spark.executor.memory)
  was dropped without a word; it is now refused by name (exit 2), while conform's own sizing settings a cluster
  does not allow still keep the cluster's.
"""
from __future__ import annotations

import logging
import types

import pytest

from conform.audit.engines import spark
from conform.audit.errors import AuditInputError


class _Stop(Exception):
    pass


def test_py4j_is_quiet_before_the_gateway_starts(monkeypatch):
    pytest.importorskip("pyspark")
    root = logging.getLogger()
    monkeypatch.setattr(root, "filters", [f for f in root.filters if not isinstance(f, spark._NotPy4j)])
    monkeypatch.setattr(logging.getLogger("py4j"), "level", logging.NOTSET)
    seen = {}

    def launch(conf):
        seen["filtered"] = any(isinstance(f, spark._NotPy4j) for f in root.filters)
        seen["level"] = logging.getLogger("py4j").level
        raise _Stop

    monkeypatch.setattr(spark, "_launch_gateway", launch)
    monkeypatch.setattr(spark, "_SESSIONS", {})
    with pytest.raises(_Stop):
        spark.session("local[1]")
    assert seen == {"filtered": True, "level": logging.CRITICAL + 1}


class _Conf:
    def __init__(self, refused: set[str]):
        self.refused, self.set_to = refused, {}

    def set(self, key, value):
        if key in self.refused:
            raise RuntimeError(f"[CANNOT_MODIFY_CONFIG] Cannot modify the value of the Spark config: \"{key}\".\nmore")
        self.set_to[key] = value


def _spark(refused: set[str]):
    return types.SimpleNamespace(sparkContext=types.SimpleNamespace(defaultParallelism=2), conf=_Conf(refused))


def test_an_override_spark_refuses_is_named(monkeypatch):
    monkeypatch.setenv("CONFORM_SPARK_CONF_spark.executor.memory", "1g")
    with pytest.raises(AuditInputError) as e:
        spark._tune(_spark({"spark.executor.memory"}), 1000)
    said = str(e.value)
    assert said.startswith("CONFORM_SPARK_CONF_spark.executor.memory=1g: Spark refused the setting"), said
    assert "CANNOT_MODIFY_CONFIG" in said and "more" not in said, said


def test_an_own_setting_a_cluster_refuses_keeps_the_clusters(monkeypatch):
    # conform's sizing (spark.sql.codegen.factoryMode) refused by a server: its own value stands, the run goes on
    s = _spark({"spark.sql.codegen.factoryMode"})
    spark._tune(s, 1000)
    assert "spark.sql.codegen.factoryMode" not in s.conf.set_to and s.conf.set_to["spark.sql.shuffle.partitions"]


def test_an_override_spark_takes_is_set(monkeypatch):
    monkeypatch.setenv("CONFORM_SPARK_CONF_spark.sql.shuffle.partitions", "7")
    s = _spark(set())
    spark._tune(s, 1000)
    assert s.conf.set_to["spark.sql.shuffle.partitions"] == "7"
