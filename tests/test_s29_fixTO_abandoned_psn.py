"""After an exchange about a test person got no answer (timed out), that person's psn_no is not sent again in the
run (probe s29 C F4): the system may still commit the abandoned request, and did, into the next check reusing the
psn_no, which then failed as a plain breach of 第七条. The next T001 of that person renames it `R1-…` (after a
worker's `W<i>-`). The twin (tests/_s29_fixTO_mutant.py s29_late_commit) commits its first 2207 only once the next
T001 of that psn_no has reset the person, before answering that T001: deterministic, no timing in the assertions.

Figures (攀枝花 第七条, 在职, 三级 50%, 起付线 200): V1 1000.00 → (1000 − 200) × 50% = 400.00."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sample_server import twin_servers

from conform.harness import evidence
from conform.harness.adapters import SutError, Subject
from conform.harness.adapters.http import HttpAdapter
from conform.harness.config import AdapterConfig
from conform.reference.case import Person, Settlement

MUTANT = Path(__file__).resolve().parent / "_s29_fixTO_mutant.py"
V1 = Settlement(id="V1", date=dt.date(2023, 3, 1), med_type="11", facility="tertiary", medfee_sumamt=Decimal("1000.00"))


def _sent_psn_nos(entries: list[dict]) -> list[tuple[str, str]]:
    out = []
    for e in entries:
        data = (e.get("request") or {}).get("input", {}).get("data", {})
        out.append((e.get("infno"), data.get("psn_no") or (data.get("person") or {}).get("psn_no")))
    return out


def test_a_psn_no_whose_2207_timed_out_is_not_sent_again_so_its_late_commit_touches_no_later_check():
    with twin_servers(MUTANT, ("s29_late_commit",)) as urls:
        a = HttpAdapter(urls["s29_late_commit"], AdapterConfig(timeout=1.0))
        a.start()
        try:
            subject = Subject("panzhihua", Person(psn_no="TO-1", psn_type="1101"))
            evidence.begin()
            a.prepare_person(subject)
            with pytest.raises(SutError) as e:
                a.settle("TO-1", V1)
            assert e.value.kind == "timeout", e.value
            # the next check on the same person: the abandoned 2207 must not land in it
            a.prepare_person(subject)
            info = a.settle("TO-1", V1)
            ytd = a.query_ytd("TO-1", 2023)
            sent = _sent_psn_nos(evidence.take())
        finally:
            a.stop()
    assert info["hifp_pay"] == "400.00" and info["act_pay_dedc"] == "200.00", info
    assert ytd["ordinary_pay"] == "400.00" and ytd["ordinary_dedc"] == "200.00", ytd
    assert sent == [("T001", "TO-1"), ("2207", "TO-1"), ("T001", "R1-TO-1"), ("2207", "R1-TO-1"),
                    ("5206", "R1-TO-1")], sent


def test_a_connection_never_made_renames_nothing_and_a_worker_prefix_comes_first():
    """Refused before anything was sent: nothing can commit late, the psn_no stays; a renamed one keeps W<i>- first."""
    seen: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        import json
        data = json.loads(request.content)["input"]["data"]
        seen.append(data.get("psn_no") or data["person"]["psn_no"])
        if len(seen) == 2:
            raise httpx.ConnectError("refused", request=request)
        if len(seen) == 4:
            raise httpx.ReadTimeout("late", request=request)
        return httpx.Response(200, json={"infcode": 0, "output": {}})

    a = HttpAdapter("http://sut.test/", AdapterConfig(timeout=1.0), transport=httpx.MockTransport(refuse))
    a.psn_prefix = "W1-"
    subject = Subject("panzhihua", Person(psn_no="TO-2", psn_type="1101"))
    a.prepare_person(subject)
    with pytest.raises(SutError):
        a.settle("TO-2", V1)            # connection refused: never sent
    a.prepare_person(subject)
    with pytest.raises(SutError):
        a.settle("TO-2", V1)            # sent, no answer: abandoned
    a.prepare_person(subject)
    assert seen == ["W1-TO-2", "W1-TO-2", "W1-TO-2", "W1-TO-2", "W1-R1-TO-2"], seen
