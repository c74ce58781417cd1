"""`concurrency` is real: checks run at once in worker processes against an http system, with the same
results as one at a time and each check's evidence its own.

(The wall-time comparison at concurrency 1 vs 8 with 20 ms latency is benchmarks/bench_concurrency.py.)
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sample_server import SampleServer

from conform.harness import evidence
from conform.harness.adapters import Adapter, for_each_person
from conform.harness.cli import main as cli
from conform.harness.run import execute

SELECTION = ("--article", "nanchang-4.2.1", "--tag", "not conform_property")


@pytest.fixture(scope="module")
def server():
    with SampleServer(latency_ms=5) as s:
        yield s


def psn_of(entry: dict) -> str:
    data = entry["request"]["input"]["data"]
    return data.get("psn_no") or data.get("person", {}).get("psn_no", "")


def test_a_concurrent_run_has_the_results_of_a_sequential_one(server, tmp_path):
    sequential, _ = execute(adapter=server.url, articles=("nanchang-4.2.1",), tag="not conform_property")
    cfg = tmp_path / "conform.toml"
    cfg.write_text(f'[adapter]\nurl = "{server.url}"\nconcurrency = 2\n', encoding="utf-8")
    before = _requests(server)
    result = CliRunner().invoke(cli, ["run", "--config", str(cfg), *SELECTION, "--out", str(tmp_path / "r"),
                                      "--format", "json", "--no-progress"])
    assert result.exit_code == 0, result.output[-3000:]
    data = json.loads((tmp_path / "r" / "results.json").read_text(encoding="utf-8"))
    assert data["run"]["adapter"]["workers"] == 2
    # the same checks, in the same (collection) order, with the same statuses
    assert [(c["nodeid"], c["status"]) for c in data["checks"]] == [(c.nodeid, c.status) for c in sequential.checks]
    assert data["run"]["planned"] == len(data["checks"]) and not data["run"]["incomplete"]
    # each check's evidence is its own: one test person, carrying its worker's prefix
    workers_seen = set()
    for c in data["checks"]:
        persons = {psn_of(e) for e in c["evidence"] if e.get("infno")}
        if persons:
            assert len(persons) == 1, (c["name"], persons)
            [psn] = persons
            assert psn[:1] == "W" and psn[1:2].isdigit() and psn[2:3] == "-", psn
            workers_seen.add(psn[:3])
    assert workers_seen == {"W0-", "W1-"}
    assert _requests(server) > before


def _requests(server) -> int:
    import httpx

    return httpx.get(server.url, timeout=5).json()["requests"]


class Concurrent(Adapter):
    name = "concurrent-test"
    concurrency = 4


def test_evidence_recorded_in_worker_threads_lands_in_the_check_that_started_them():
    evidence.begin()

    def job(i: int) -> int:
        evidence.record(f"op{i}", {"i": i}, None)
        return i

    assert for_each_person(Concurrent(), job, range(12)) == list(range(12))
    kept = evidence.take()
    assert sorted(e["operation"] for e in kept) == sorted(f"op{i}" for i in range(12))
    evidence.begin()
    assert evidence.take() == []     # a new check starts empty
