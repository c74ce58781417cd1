"""The sample system opens only its own region files, by name, and survives any request.

A client could make it open any path (`"region": "/etc/passwd"`) and tell from the answer which
files exist; and a bad request must never bring it down (briefly fuzzed, then it still settles).
"""
from __future__ import annotations

import json
import socket

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_server import SampleServer

T001 = {"policy": "panzhihua", "person": {"psn_no": "R1", "psn_type": "1101"}}


@pytest.fixture(scope="module")
def server():
    with SampleServer() as s:
        yield s


@pytest.fixture(scope="module")
def client():
    with httpx.Client(timeout=10) as c:
        yield c


def t001(client, url, **extra):
    r = client.post(url, json={"infno": "T001", "input": {"data": {**T001, **extra}}})
    return r.json()


@pytest.mark.parametrize("region", [
    "/etc/passwd", "/etc/hostname", "/nonexistent/file.yaml", "../../etc/passwd", "conform/fixtures/regions/panzhihua-example.yaml",
    "conform/reference/policies/panzhihua.yaml", "/proc/self/environ", "panzhihua-example/../x", "x" * 5000, "/", ".",
])
def test_a_region_that_is_not_one_of_its_names_is_refused_alike(server, client, region):
    answer = t001(client, server.url, region=region)
    assert answer["infcode"] == -1
    # the same words whether or not the path exists: nothing is opened, nothing can be probed
    assert "not a region name this system knows" in answer["err_msg"], answer["err_msg"]
    assert "yaml" not in answer["err_msg"].lower().replace(region[:64].lower(), "")


def test_its_own_region_names_still_work(server, client):
    answer = t001(client, server.url, policy="jilin", region="jilin-example")
    assert answer["infcode"] == 0, answer


def raw_request(server, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("headers", [b"Content-Length: abc\r\n", b"Content-Length: -5\r\n",
                                     b"Content-Length: 99999999999999999999\r\n"])
def test_a_bad_content_length_is_answered_not_fatal(server, headers):
    reply = raw_request(server, b"POST / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n{}")
    assert reply.startswith(b"HTTP/1.") and b" 413 " in reply.split(b"\r\n")[0]


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                max_size=4), max_leaves=20)
ENVELOPES = st.fixed_dictionaries({"infno": st.sampled_from(["T001", "2206", "2207", "2208", "5206", "T002", "T003",
                                                             "x"]),
                                   "input": st.fixed_dictionaries({"data": JSON})})


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(body=st.one_of(ENVELOPES.map(lambda e: json.dumps(e).encode()), st.binary(max_size=200),
                      st.just(b"[" * 50_000), st.just(b'{"infno": "T001", "input": {"data": "\\ud800"}}')))
def test_fuzzed_requests_never_bring_it_down(server, client, body):
    r = client.post(server.url, content=body)
    assert r.status_code in (200, 400), r.status_code
    answer = r.json()
    assert isinstance(answer, dict) and "infcode" in answer


def test_after_the_fuzzing_it_still_settles(server, client):
    assert t001(client, server.url)["infcode"] == 0
    assert client.get(server.url).json()["status"] == "ok"
