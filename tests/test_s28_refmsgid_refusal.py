"""A refusal citing another request's msgid is no refusal of this request (s28 probeS F4).

docs/connect-your-system.md §1: `inf_refmsgid`, where given, must be the request's `msgid` ("an answer citing
another request fails its check on inf_refmsgid"); §3 has no exception for refusals. The http adapter turned an
`infcode ≠ 0` answer into a refusal before it looked at `inf_refmsgid`, so a gateway cross-wiring answers had its
refusals of other requests pass every scenario expecting a refusal. The system here is a real server in its own
process on loopback (tests/test_s28_malformed_answer.py's raw server).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from test_s28_malformed_answer import RawServer, run_validity_checks

from conform.harness import evidence
from conform.harness.adapters import SettlementRefused, Subject
from conform.harness.adapters.http import HttpAdapter
from conform.harness.config import AdapterConfig
from conform.harness.plugin import MismatchError
from conform.reference.case import Settlement, parse_person

PERSON = parse_person({"psn_no": "H1", "psn_type": "1101"}, "t")
OTHER = "CONFORM00000209901010000009999"   # the msgid the server's refusals cite


def _settle(url: str) -> tuple[BaseException, list[dict]]:
    """T001 (answered, citing its own msgid), then one 2207 the server refuses: its error and the evidence."""
    a = HttpAdapter(url, AdapterConfig(timeout=5))
    visit = Settlement(id="V1", date=dt.date(2022, 12, 31), med_type="11", facility="tertiary",
                       medfee_sumamt=Decimal("500.00"))
    evidence.begin()
    try:
        a.prepare_person(Subject("panzhihua", PERSON))
        with pytest.raises((SettlementRefused, MismatchError)) as e:
            a.settle("H1", visit)
    finally:
        a.stop()
    return e.value, evidence.take()


def test_a_refusal_citing_another_msgid_fails_on_inf_refmsgid():
    with RawServer("refuse_other") as server:
        err, kept = _settle(server.url)
    assert isinstance(err, MismatchError), err
    [m] = err.mismatches
    sent = kept[-1]["request"]["msgid"]
    assert (m.field, m.item, m.expected, m.actual) == ("inf_refmsgid", "2207", sent, OTHER)
    assert kept[-1]["response"]["infcode"] == -1   # the refusal is kept as evidence of the exchange


@pytest.mark.parametrize("mode", ["refuse_same", "refuse_none"])
def test_a_refusal_citing_this_msgid_or_none_is_still_a_refusal(mode):
    with RawServer(mode) as server:
        err, _ = _settle(server.url)
    assert isinstance(err, SettlementRefused) and "infcode -1" in err.message, err


def test_scenarios_expecting_a_refusal_do_not_pass_on_another_requests_refusal(tmp_path):
    """The probe's run: 攀枝花 第十九条's refusals (before the start, after the end) passed on refusals of other
    requests. Each must fail on inf_refmsgid now."""
    result, data = run_validity_checks("refuse_other", tmp_path / "out")
    assert result.exit_code == 1, result.output[-2000:]
    checks = data["checks"]
    refusals = [c for c in checks if "拒绝" in c["name"]]
    assert refusals and not [c["name"] for c in checks if c["status"] == "passed"]
    for c in refusals:
        assert c["status"] == "failed" and {m["field"] for m in c["mismatches"]} == {"inf_refmsgid"}, c["message"]
