"""A 404/405 answer points at the URL posted to (s28 probeN F5).

A system answering 404 to every POST is what a vendor gets from a wrong path in the adapter URL (`/conform`
for `/fsi/api`). Any HTTP answer is an answer (docs/ci.md *Verdicts*: the run stays 不合格, kept), but the
message must send the vendor to the URL: which one was posted to, and to check its path. The system is a real
server in its own process on loopback (tests/test_s28_malformed_answer.py's raw server).
"""
from __future__ import annotations

import pytest
import httpx
from test_s28_malformed_answer import RawServer

from conform.harness import evidence
from conform.harness.adapters import Subject, SutError
from conform.harness.adapters.http import HttpAdapter
from conform.harness.config import AdapterConfig
from conform.reference.case import parse_person

PERSON = parse_person({"psn_no": "H1", "psn_type": "1101"}, "t")


def _prepare(url: str, transport: httpx.BaseTransport | None = None) -> SutError:
    a = HttpAdapter(url, AdapterConfig(timeout=5), transport=transport)
    evidence.begin()
    try:
        with pytest.raises(SutError) as e:
            a.prepare_person(Subject("panzhihua", PERSON))
    finally:
        a.stop()
        evidence.take()
    return e.value


def test_a_404_names_the_url_posted_to_and_its_path():
    with RawServer("not_found") as server:
        url = server.url + "T001?token=SECRETVALUE1234"
        err = _prepare(url)
    assert err.kind == "http_status" and err.evidence["http_status"] == 404   # an answer, judged as before
    shown = server.url + "T001?token=***"
    assert err.message == f"T001: HTTP 404 Not Found from {shown} — is the adapter URL's path right?", err.message


def test_a_405_names_the_url_and_another_status_does_not():
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(405 if request.url.path == "/fsi" else 500, text="no")

    url = "http://sut.example:8080/fsi"
    err = _prepare(url, httpx.MockTransport(answer))
    assert err.message == f"T001: HTTP 405 Method Not Allowed from {url} — is the adapter URL's path right?"
    err = _prepare(url + "/api", httpx.MockTransport(answer))
    assert err.message == "T001: HTTP 500 Internal Server Error", err.message
