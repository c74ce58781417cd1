"""The platform profile keeps each exchange's evidence once: it amends the entry the http transport just
recorded instead of taking the check's whole list and recording every entry again.

Re-recording masked every earlier entry anew at each exchange, so a property example's cost grew with the
square of its exchanges (攀枝花's 207 checks: 4 min 50 s against 21 s over the http profile, rplat s9).
Speed is not timed here; what is counted is how often evidence is recorded, and that what is kept is
unchanged: the platform envelope as sent and the answer decoded exactly.
"""
from __future__ import annotations

import tomllib

import httpx

from conform.fixtures.sample_system.platform import PlatformSystem, sample_config
from conform.harness import evidence
from conform.harness.adapters import Subject
from conform.harness.adapters.platform import PlatformAdapter, amounts
from conform.harness.config import parse_adapter_config
from conform.reference.case import parse_person, parse_settlement


def _adapter() -> tuple[PlatformAdapter, list[dict]]:
    """The adapter on the sample system's platform mode (hooks on), in-process; `sent` collects envelopes."""
    system = PlatformSystem(hooks=True)
    sent: list[dict] = []

    def handle(request: httpx.Request) -> httpx.Response:
        env = amounts.decode(request.content)
        sent.append(env)
        return httpx.Response(200, content=amounts.dumps(system.handle(env)).encode())

    c = parse_adapter_config(tomllib.loads(sample_config("http://sample/")), "sample.toml", {})
    return PlatformAdapter("http://sample/", c, inner=httpx.MockTransport(handle)), sent


def _visit(sid: str, date: str):
    person = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")
    return parse_settlement({"id": sid, "date": date, "med_type": "11", "facility": "tertiary",
                             "medfee_sumamt": "500.00", "fulamt_ownpay_amt": "50.00", "preselfpay_amt": "20.00"},
                            "t", 0, person)


def _run_three_visits(monkeypatch) -> tuple[list[dict], list[dict], list[str]]:
    recorded: list[str] = []
    real = evidence.record

    def counting(operation, request, response, **extra):
        recorded.append(operation)
        real(operation, request, response, **extra)

    monkeypatch.setattr(evidence, "record", counting)
    a, sent = _adapter()
    evidence.begin()
    try:
        a.prepare_person(Subject("panzhihua", parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")))
        for i, date in enumerate(("2023-03-01", "2023-04-01", "2023-05-01")):
            a.settle("T0001", _visit(f"V{i + 1}", date))
        return sent, evidence.take(), recorded
    finally:
        a.stop()


def test_each_exchange_is_recorded_once_not_again_at_every_later_exchange(monkeypatch):
    sent, kept, recorded = _run_three_visits(monkeypatch)
    # 9001 and T001, then per visit 2201 2203 2204 2206 2207: 2 + 3 × 5 = 17 exchanges
    assert [e["infno"] for e in sent] == ["9001", "T001"] + ["2201", "2203", "2204", "2206", "2207"] * 3
    # one record per exchange (HttpAdapter.call's); taking and recording the whole list again after each
    # exchange made it 17 + (1 + 2 + … + 17) = 17 + 153 = 170
    assert len(recorded) == len(sent) == len(kept) == 17


def test_the_evidence_kept_is_the_envelope_sent_and_the_answer_read_exactly(monkeypatch):
    sent, kept, _ = _run_three_visits(monkeypatch)
    assert [e["request"]["infno"] for e in kept] == [e["infno"] for e in sent]
    for entry, envelope in zip(kept, sent):
        # the platform envelope as it went over the wire (not the http profile's), its amounts as exact text
        assert entry["request"]["msgid"] == envelope["msgid"]
        assert entry["request"]["sign_no"] == envelope["sign_no"]
        assert entry["request"]["fixmedins_code"] == envelope["fixmedins_code"] == "H00000000003"
    last = kept[-1]
    assert last["request"]["input"]["data"]["medfee_sumamt"] == "500.00"
    # 攀枝花 第七条 (在职, 三级: deductible 200, 50%, cap 1000 a year), the third visit of the year: the first
    # met the deductible ((430 − 200) × 50% = 115), so the whole scope 500 − 50 − 20 = 430 is paid at 50%:
    # 215.00 (115 + 215 + 215 = 545, under the cap); an exact decoding keeps the two decimals
    assert last["response"]["output"]["setlinfo"]["hifp_pay"] == "215.00"
    assert last["response"]["output"]["setlinfo"]["act_pay_dedc"] == "0.00"
