"""An in-process (python:) system that records no evidence of its own — as a vendor's plugin, and the sample
plugin, do — still shows the report where its figures part from the reference's: the plugin loader keeps each
(pre)settlement's answer as evidence, so a wrong retiree ratio is put at 支付比例, not at the cap (the last step
showing the expected figure)."""
from __future__ import annotations

import contextlib
from typing import Any
from unittest import mock

from test_s4_causes_inprocess import _cause_of, _ratio, _Twin

from conform.harness import evidence
from conform.reference import benefits


@contextlib.contextmanager
def _quiet_retiree_ratio() -> Any:
    """Every person at the retiree ratio, and nothing recorded: the twin's inner reference adapter is silenced."""
    with mock.patch.object(benefits, "ordinary_ratio", lambda rules, role, facility: _ratio(rules, "retiree", facility)), \
            mock.patch.object(evidence, "record", lambda *a, **k: None):
        yield


class QuietRetireeTwin(_Twin):
    name = "quiet-retiree-twin"
    mutation = staticmethod(_quiet_retiree_ratio)


def test_a_plugin_recording_nothing_has_its_wrong_ratio_put_at_the_ratio():
    from conform.harness.report.model import build
    from conform.harness.run import execute

    run, _ = execute(adapter=f"python:{__name__}:QuietRetireeTwin", articles=("zhejiang-2.1",),
                     tag="not conform_property")
    report = build(run)
    paid = [c for c in report["checks"] if c["status"] == "failed"
            and [m["field"] for m in c["mismatches"]] == ["hifp_pay"]
            and any(t.get("step") == "年度最高支付限额" for t in c["trace"])]
    assert paid, [(c["name"], c["status"]) for c in report["checks"]]
    for c in paid:
        settled = [e for e in c["evidence"] if e.get("operation") in ("settle", "presettle")]
        assert settled, c["evidence"]  # the loader kept the system's answers
        cause = _cause_of(report, c["id"])
        assert cause["step"] == "支付比例", cause["headline"]


def test_a_plugin_that_records_its_own_answer_is_not_recorded_twice():
    from conform.harness.adapters.python_plugin import _guarded

    class Answer:
        id = "V1"

    def own(psn_no: str, settlement: Any) -> dict:
        evidence.record("settle", {"psn_no": psn_no, "id": settlement.id}, {"hifp_pay": "1.00"})
        return {"hifp_pay": "1.00"}

    evidence.begin()
    _guarded("settle", own)("P1", Answer())
    assert len(evidence.take()) == 1
    _guarded("settle", lambda p, s: {"hifp_pay": "2.00"})("P1", Answer())
    assert evidence.take() == [{"operation": "settle", "request": {"psn_no": "P1", "id": "V1"},
                                "response": {"hifp_pay": "2.00"}}]
