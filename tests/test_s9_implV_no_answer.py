"""A python: plugin is held to the http adapter's rule for calls that got no answer (s9, implV):

- one rule, base.NoAnswerCount, counts them for both adapters;
- a plugin stopped because one operation timed out in a row says "(timeout)" on its check, not "(connection)",
  as the http adapter does for its transaction;
- a plugin whose process ends before it answered anything leaves a run that reads 无法判定, not 不合格: an ended
  process is no answer (results.decide); one that answered a prepare_person and then ended in settle answered.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from conform.fixtures.sample_plugin import SampleSystemPlugin
from conform.harness import evidence
from conform.harness.adapters import Subject, SutError, SystemUnreachable, make_adapter, plugin_process
from conform.harness.adapters.base import NoAnswerCount
from conform.harness.config import AdapterConfig
from conform.harness.results import NO_VERDICT, NON_CONFORMANT
from conform.harness.run import execute
from conform.reference.case import parse_person, parse_settlement

contained = pytest.mark.skipif(not os.environ.get("CI") and not plugin_process.AVAILABLE,
                               reason="plugins are contained on Linux only")
# one scenario that prepares a person and settles one visit (攀枝花 第七条), as tests/test_s6_implC_plugin_contained.py
ONE = {"articles": ("panzhihua-7",), "tag": "not conform_property", "extra_args": ("-k", "跨过起付线")}
PSN = "S9V0001"
PERSON = parse_person({"psn_no": PSN, "psn_type": "1101", "has_account": "1", "acct_balance": "500.00"}, "t")
VISIT = parse_settlement({"id": "V1", "date": "2023-03-01", "med_type": "11", "medfee_sumamt": "300.00",
                          "facility": "primary"}, "t", 0, PERSON)


class DiesAlways(SampleSystemPlugin):
    """Its process ends in every call a check makes: it never answers anything."""

    def prepare_person(self, subject):
        os._exit(0)

    def settle(self, psn_no, settlement):
        os._exit(0)


class DiesInSettle(SampleSystemPlugin):
    """prepare_person answers; settle ends the process."""

    def settle(self, psn_no, settlement):
        os._exit(0)


class DiesInStart(SampleSystemPlugin):
    def start(self):
        os._exit(3)


class HangsInSettle(SampleSystemPlugin):
    """prepare_person answers; settle never does (its process is killed at the timeout)."""

    def settle(self, psn_no, settlement):
        time.sleep(30)


def config(tmp_path: Path, **keys: object) -> str:
    path = tmp_path / "conform.toml"
    path.write_text("[adapter]\n" + "".join(f"{k} = {v!r}\n" for k, v in keys.items()), encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------------------- the one rule
def test_the_rule_counts_calls_of_any_operation_and_timeouts_of_each():
    rule = NoAnswerCount(3)
    assert rule.no_answer("settle", timed_out=True) is None      # 1 in a row, settle 1
    rule.answered("prepare_person")                               # row 0; settle's own count stays 1
    assert rule.no_answer("settle", timed_out=True) is None      # row 1, settle 2
    rule.answered("prepare_person")
    assert rule.no_answer("settle", timed_out=True) == ("one", 3)  # settle's third timeout in a row
    rule = NoAnswerCount(3)
    assert rule.no_answer("a", timed_out=False) is None
    assert rule.no_answer("b", timed_out=True) is None
    assert rule.no_answer("a", timed_out=False) == ("any", 3)     # three in a row, of any operation
    rule = NoAnswerCount(2, per_operation=False)                  # a plugin in conform's process
    for _ in range(3):
        assert rule.no_answer("settle", timed_out=True) is None
        rule.answered("prepare_person")
    rule = NoAnswerCount(2)
    assert rule.no_answer("settle", timed_out=True) is None
    rule.answered("settle")                                       # its own answer starts its count again
    rule.answered("prepare_person")
    assert rule.no_answer("settle", timed_out=True) is None


# ---------------------------------------------------------------------------- the stop's kind
@contained
def test_a_plugin_stopped_by_one_operation_timing_out_says_timeout_naming_it():
    a = make_adapter(f"python:{__name__}:HangsInSettle", AdapterConfig(timeout=0.3, consecutive_failures=2),
                     contained=True)
    evidence.begin()
    try:
        a.start()
        a.prepare_person(Subject("panzhihua", PERSON))
        with pytest.raises(SutError) as first:
            a.settle(PSN, VISIT)
        assert type(first.value).__name__ == "PluginTimeout" and first.value.kind == "timeout"
        a.prepare_person(Subject("panzhihua", PERSON))     # answers between: the count of any call starts again
        with pytest.raises(SystemUnreachable) as e:
            a.settle(PSN, VISIT)
    finally:
        a.stop()
        evidence.take()
    assert e.value.kind == "timeout", e.value.kind     # it waited and got nothing: not "(connection)"
    assert e.value.message.startswith("system unreachable: 2 settle calls in a row gave no answer within 0.3 s, "
                                      "other operations answering between them (consecutive_failures = 2; ")


# ---------------------------------------------------------------------------- an ended process is no answer
@contained
def test_a_plugin_whose_process_ends_before_answering_anything_gives_no_verdict(tmp_path):
    run, _ = execute(adapter=f"python:{__name__}:DiesAlways", config=config(tmp_path, timeout=5), **ONE)
    assert [c.status for c in run.checks] == ["error"]
    assert run.answered() is False and run.verdict == NO_VERDICT
    (entry,) = run.checks[0].evidence
    assert entry["operation"] == "prepare_person" and entry["answered"] is False


@contained
def test_a_plugin_whose_start_ends_its_process_stops_the_run_with_no_verdict(tmp_path):
    run, _ = execute(adapter=f"python:{__name__}:DiesInStart", config=config(tmp_path, timeout=5),
                     articles=("panzhihua-7",), tag="not conform_property")
    assert run.unreachable and len(run.checks) == 1 < run.planned       # not every check failing on it alike
    assert "its start() ended without an answer" in run.checks[0].message
    assert run.answered() is False and run.verdict == NO_VERDICT


@contained
def test_a_plugin_that_answered_before_its_process_ended_answered(tmp_path):
    run, _ = execute(adapter=f"python:{__name__}:DiesInSettle", config=config(tmp_path, timeout=5), **ONE)
    (check,) = run.checks
    assert check.status == "error" and "process exited with status 0 during settle" in check.message
    assert [(e["operation"], e.get("answered")) for e in check.evidence] == [("prepare_person", True),
                                                                           ("settle", False)]
    assert run.answered() is True and run.verdict == NON_CONFORMANT


@contained
def test_a_plugin_whose_settle_always_hangs_answered_as_an_http_system_whose_2207_hangs(tmp_path):
    # its prepare_person answers each check, as an HTTP system's T001 does (tests/test_s8_implS_operation_timeouts)
    run, _ = execute(adapter=f"python:{__name__}:HangsInSettle",
                     config=config(tmp_path, timeout=0.3, consecutive_failures=2),
                     articles=("panzhihua-7",), tag="not conform_property")
    assert run.unreachable
    assert "system under test error (timeout): system unreachable: 2 settle calls" in run.checks[-1].message
    assert run.answered() is True and run.verdict == NON_CONFORMANT
