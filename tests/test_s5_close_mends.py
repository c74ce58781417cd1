"""Closing review rclose7 (D7): a python: plugin that catches every alarm of its timeout and answers late.

`_bounded` raises an alarm into a call that outlives `[adapter] timeout`, and again every second in case the
plugin swallows the first; a plugin that swallows every one (a bare `except:` in a retry loop) and then
answers was taken as answering in time. It was still running when the time was up: a timeout, its late
answer kept as evidence, and counted toward `consecutive_failures` as any timeout."""
from __future__ import annotations

import signal
import time

import pytest

from conform.fixtures.sample_plugin import SampleSystemPlugin
from conform.harness import evidence
from conform.harness.adapters import Subject, SutError, SystemUnreachable, make_adapter
from conform.harness.adapters.python_plugin import PluginTimeout, _bounded
from conform.harness.config import AdapterConfig
from conform.reference.case import parse_person, parse_settlement

PSN = "CLS0001"
PERSON = parse_person({"psn_no": PSN, "psn_type": "1101", "has_account": "1", "acct_balance": "500.00"}, "t")
VISIT = parse_settlement({"id": "V1", "date": "2023-03-01", "med_type": "11", "medfee_sumamt": "300.00",
                          "facility": "primary"}, "t", 0, PERSON)
VISIT2 = parse_settlement({"id": "V2", "date": "2023-03-02", "med_type": "11", "medfee_sumamt": "300.00",
                           "facility": "primary"}, "t", 1, PERSON)


def swallowing(seconds: float):
    """Busy for `seconds`, catching everything raised into it (bare except in a retry loop), then answers."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            while time.monotonic() - started < seconds:
                pass
        except BaseException:  # noqa: BLE001 - what the vendor's retry loop does
            pass
    return "answer"


class Stubborn(SampleSystemPlugin):
    """settle answers the sample system's figures, but only after `delay` seconds of catching every alarm."""

    delay = 0.8  # the alarms come at 0.3 s, then every second: none near its answer

    def settle(self, psn_no, settlement):
        swallowing(self.delay)
        return super().settle(psn_no, settlement)


@pytest.fixture(autouse=True)
def _evidence():
    evidence.begin()
    yield
    evidence.take()


def test_a_call_that_swallows_every_alarm_and_answers_late_is_a_timeout():
    started = time.monotonic()
    with pytest.raises(PluginTimeout) as e:
        _bounded("settle", 0.3, swallowing, (0.8,), {})  # alarms at 0.3, 1.3 s
    assert time.monotonic() - started >= 0.8
    assert e.value.kind == "timeout" and e.value.message.startswith("settle: no answer within 0.3 s (it answered after 0.")
    assert e.value.late == ("answer",)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_an_answer_in_time_is_still_an_answer():
    assert _bounded("settle", 1.0, swallowing, (0.1,), {}) == "answer"
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_plugins_late_answer_is_kept_as_evidence_and_counts_toward_unreachable():
    a = make_adapter(f"python:{__name__}:Stubborn", AdapterConfig(timeout=0.3, consecutive_failures=2))
    a.prepare_person(Subject("panzhihua", PERSON))
    with pytest.raises(SutError) as first:
        a.settle(PSN, VISIT)
    assert first.value.kind == "timeout" and not isinstance(first.value, SystemUnreachable)
    kept = evidence.take()[-1]["response"]
    assert kept["error"].startswith("timeout: settle: no answer within 0.3 s")
    assert kept["late_answer"]["hifp_pay"]  # the figures it gave too late, for the reader
    evidence.begin()
    with pytest.raises(SystemUnreachable, match="2 plugin calls in a row gave no answer within 0.3 s"):
        a.settle(PSN, VISIT2)
