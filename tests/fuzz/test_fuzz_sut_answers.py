"""Fuzzing what a system under test answers, through the http adapter's reader and through the adapter
itself (httpx.MockTransport: every byte of the exchange but the socket).

Arbitrary bytes, arbitrary JSON, mutated valid answers and compressed bodies → a checked output, or
the documented errors (AnswerError / SutError of a named kind, SettlementRefused) with a message —
never another exception — within the time and memory bounds (conftest.py)."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import zlib
from decimal import Decimal

import httpx
from .fuzz_profile import FUZZ
from hypothesis import given
from hypothesis import strategies as st

from conform.harness.adapters import SettlementRefused, SutError
from conform.harness.adapters.http import ENCODINGS, AnswerError, HttpAdapter, decompress, read_answer
from conform.harness.config import AdapterConfig
from conform.reference.case import Settlement

KINDS = {"timeout", "connection", "http_status", "malformed", "infcode", "missing_field", "wrong_type", "too_large"}
INFNOS = ["T001", "2206", "2207", "2208", "5206", "T002", "T003"]
SETLINFO = {"setl_id": "SETL1", "medfee_sumamt": "500.00", "inscp_scp_amt": "430.00", "act_pay_dedc": "200.00",
            "hifp_pay": "115.00", "pool_prop_selfpay": "0.5000", "fund_pay_sumamt": "115.00",
            "psn_part_amt": "385.00", "acct_pay": "0.00", "psn_cash_pay": "385.00", "balc": "0.00"}
VALID = {
    "2207": {"infcode": 0, "err_msg": "", "output": {"setlinfo": SETLINFO}},
    "5206": {"infcode": 0, "output": {"cuminfo": {"ordinary_dedc": "200.00", "ordinary_pay": "115.00",
                                                  "inpatient_pay": "0.00", "special_dedc": "0.00",
                                                  "chronic_dedc": {"M03900": "0.00"}, "acct_balance": "1.00"}}},
    "T002": {"infcode": 0, "output": {"month": "2023-03", "amount": "160.00", "acct_balance": "160.00"}},
    "T003": {"infcode": 0, "output": {"decision": "allowed", "clause": "第六条", "acct_balance": "10.00"}},
    "T001": {"infcode": 0, "output": {"psn_no": "P1"}},
}
VALID["2206"] = VALID["2208"] = VALID["2207"]
LIMIT = 1 << 20

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
    | st.sampled_from(["115.00", "1e999999", "9" * 5000, "²", "０", "-0", "0.5000", "1.0001", " 1.00", "1.000"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25)


def read(infno: str, body: bytes) -> None:
    try:
        out = read_answer(infno, body)
    except AnswerError as e:
        assert e.kind in KINDS and e.message and len(e.message) < 2000, (e.kind, e.message[:300])
    except SettlementRefused as e:
        assert e.kind == "infcode" and len(e.message) < 2000
    else:
        assert isinstance(out, dict)


def paths(obj, prefix=()):
    """Every (path, value) inside a JSON value, for replacing one of them."""
    yield prefix, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from paths(v, (*prefix, i))


@st.composite
def mutated_answer(draw) -> tuple[str, bytes]:
    infno = draw(st.sampled_from(sorted(VALID)))
    answer = json.loads(json.dumps(VALID[infno]))
    for _ in range(draw(st.integers(1, 3))):
        places = list(paths(answer))
        path, _ = draw(st.sampled_from(places))
        value = draw(JSON)
        if not path:
            answer = value
            continue
        parent = answer
        for p in path[:-1]:
            parent = parent[p]
        if draw(st.booleans()) and isinstance(parent, dict):
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = value
    body = json.dumps(answer, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):  # and some byte-level damage
        data = bytearray(body)
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, max(len(data) - 1, 0)))
            data[i:i + draw(st.integers(0, 3))] = draw(st.binary(max_size=4))
        body = bytes(data)
    return infno, body


@FUZZ
@given(infno=st.sampled_from(INFNOS), body=st.binary(max_size=400))
def test_arbitrary_bytes(tally, infno, body):
    tally.measure("answers: arbitrary bytes", repr(body[:80]), read, infno, body)


@FUZZ
@given(infno=st.sampled_from(INFNOS), answer=JSON)
def test_arbitrary_json(tally, infno, answer):
    body = json.dumps(answer).encode()
    tally.measure("answers: arbitrary JSON", body[:80].decode("utf-8", "replace"), read, infno, body)


@FUZZ
@given(case=mutated_answer())
def test_mutated_valid_answers(tally, case):
    infno, body = case
    tally.measure("answers: mutated", f"{infno} {body[:70]!r}", read, infno, body)


def inflate(data: bytes, encoding: str) -> None:
    try:
        out = decompress(data, encoding, LIMIT)
    except AnswerError as e:
        assert e.kind in ("malformed", "too_large") and e.message
    else:
        assert len(out) <= LIMIT


@FUZZ
@given(raw=st.binary(max_size=300), encoding=st.sampled_from([*ENCODINGS, "identity", "", "br", "gzip, gzip"]),
       compress=st.booleans())
def test_compressed_bodies(tally, raw, encoding, compress):
    data = raw
    if compress and encoding in ("gzip", "x-gzip"):
        data = gzip.compress(raw)[: len(raw) + 30]
    elif compress and encoding == "deflate":
        data = zlib.compress(raw)
    tally.measure("answers: compressed", f"{encoding} {data[:60]!r}", inflate, data, encoding)


def visit() -> Settlement:
    return Settlement(id="V1", date=dt.date(2023, 3, 1), med_type="11", facility="tertiary",
                      medfee_sumamt=Decimal("500.00"))


def through_the_adapter(status: int, headers: dict, body: bytes) -> None:
    def system(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, content=body)

    a = HttpAdapter("http://sut.test/", AdapterConfig(timeout=5, max_response_bytes=LIMIT),
                    transport=httpx.MockTransport(system))
    try:
        out = a.settle("P1", visit())
    except SutError as e:  # SettlementRefused included
        assert e.kind in KINDS and e.message
        assert len(json.dumps(e.evidence, ensure_ascii=False, default=str)) < 4 * 65536
    else:
        assert isinstance(out, dict) and out["setl_id"]
    finally:
        a.stop()


@FUZZ
@given(status=st.sampled_from([200, 200, 200, 201, 204, 301, 404, 500, 599]),
       encoding=st.sampled_from(["", "gzip", "deflate", "br", "identity"]), case=mutated_answer())
def test_whole_exchanges_through_the_adapter(tally, status, encoding, case):
    _, body = case
    if encoding == "gzip":
        body = gzip.compress(body)
    elif encoding == "deflate":
        body = zlib.compress(body)
    headers = {"Content-Encoding": encoding} if encoding else {}
    tally.measure("answers: whole exchange", f"{status} {encoding} {body[:60]!r}", through_the_adapter,
                  status, headers, body)


def test_pathological_answers(tally):
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    gz = bomb.compress(b'{"infcode": 0, "err_msg": "' + b" " * (64 << 20)) + bomb.flush()
    cases = [("2207", b"[" * 200_000), ("2207", b'{"a":' * 50_000), ("2207", b'{"infcode": ' + b"9" * 100_000 + b"}"),
             ("2207", b'{"infcode": 1e999999}'), ("2207", b'{"infcode": -0.0}'), ("2207", b'{"infcode": "\xc2\xb2"}'),
             ("2207", json.dumps({"infcode": 0, "output": {"setlinfo": {**SETLINFO, "hifp_pay": "9" * 100_000}}}).encode()),
             ("5206", json.dumps({"infcode": 0, "output": {"cuminfo": {**VALID["5206"]["output"]["cuminfo"],
                                  "chronic_dedc": {str(i): "1.00" for i in range(20_000)}}}}).encode()),
             ("2207", b'{"infcode": 0, "infcode": 0}'), ("T003", b'{"infcode": 0, "output": {"decision": ["allowed"]}}')]
    for infno, body in cases:
        tally.measure("answers: pathological", f"{infno} {body[:40]!r}", read, infno, body)
    tally.measure("answers: pathological", "gzip bomb 64 MiB", inflate, gz, "gzip")
