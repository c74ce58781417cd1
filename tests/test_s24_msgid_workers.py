"""报文ID is "unique per request" (connect-your-system.md §1), `CONFORM00000` + yyyyMMddHHmmss + a 4-digit
sequence (30 characters). With `concurrency` N > 1 the checks run in N worker processes (conform.harness.shards), each
with its own adapter and counter: worker i (CONFORM_PSN_PREFIX "W<i>-") now takes the sequences ≡ i mod N, so two
workers never send the same msgid (probeT F1: six workers sent CONFORM00000202612050633140003 in one second)."""
from __future__ import annotations

import datetime as dt
import json
import re
from types import SimpleNamespace

import httpx
import pytest

from conform.harness.adapters import http as http_adapter
from conform.harness.adapters.http import HttpAdapter
from conform.harness.config import AdapterConfig

FORMAT = re.compile(r"CONFORM00000(\d{14})(\d{4})")


def _worker(monkeypatch, prefix: str, concurrency: int, sent: list) -> HttpAdapter:
    def system(request: httpx.Request) -> httpx.Response:
        env = json.loads(request.content)
        sent.append(env["msgid"])
        return httpx.Response(200, json={"infcode": 0, "err_msg": "", "inf_refmsgid": env["msgid"], "output": {}})

    monkeypatch.setenv("CONFORM_PSN_PREFIX", prefix)
    cfg = AdapterConfig()
    cfg.concurrency = concurrency
    return HttpAdapter("http://sut.test/", cfg, transport=httpx.MockTransport(system))


def test_the_workers_of_a_concurrent_run_never_send_the_same_msgid(monkeypatch):
    sent: dict[str, list] = {}
    for i in range(3):
        a = _worker(monkeypatch, f"W{i}-", 3, sent.setdefault(f"W{i}", []))
        for _ in range(40):
            a.call("9001", {})
    every = [m for ms in sent.values() for m in ms]
    assert all(FORMAT.fullmatch(m) for m in every), every[:3]
    for i, ms in enumerate(sent.values()):
        seqs = [int(FORMAT.fullmatch(m).group(2)) for m in ms]
        assert len(set(seqs)) == len(seqs) and all(n % 3 == i for n in seqs)  # the worker's own residue
    assert len(set(every)) == len(every)


def test_a_single_process_keeps_the_documented_sequence(monkeypatch):
    sent: list = []
    a = _worker(monkeypatch, "", 1, sent)
    for _ in range(3):
        a.call("9001", {})
    assert [FORMAT.fullmatch(m).group(2) for m in sent] == ["0001", "0002", "0003"]


def test_a_worker_that_spent_its_second_waits_for_the_next(monkeypatch):
    """Worker 1 of 1000 has 10 sequences a second: the 11th msgid of a second waits for the next one rather than
    repeat the first (a fake clock: no real waiting)."""
    clock = [dt.datetime(2023, 3, 1, 12, 0, 0)]
    fake = SimpleNamespace(datetime=SimpleNamespace(now=lambda: clock[0]))
    monkeypatch.setattr(http_adapter, "dt", fake)
    monkeypatch.setattr(http_adapter.time, "sleep", lambda s: clock.__setitem__(0, clock[0] + dt.timedelta(seconds=1)))
    a = _worker(monkeypatch, "W1-", 1000, [])
    ids = [a._msgid() for _ in range(25)]
    assert len(set(ids)) == 25
    assert [i[12:26] for i in ids] == ["20230301120000"] * 10 + ["20230301120001"] * 10 + ["20230301120002"] * 5
    assert {int(i[26:]) % 1000 for i in ids} == {1}


@pytest.mark.parametrize("prefix, concurrency, want", [("W2-", 4, (2, 4)), ("", 4, (0, 1)), ("W5-", 4, (0, 1)),
                                                       ("W0-", 1, (0, 1)), ("X1-", 4, (0, 1))])
def test_the_worker_is_read_from_its_psn_prefix(prefix, concurrency, want):
    assert http_adapter._worker_of(prefix, concurrency) == want
