"""Faults of the system under test: 'error' (never 'failed'), with evidence, and the run goes on.

A well-formed refusal (infcode -1 with a message) of a settlement the rules pay is not a fault but a
non-conformance: 'failed' on infcode, exit 1.

Each fault kind has a sample server producing it for one test person's 2207
(结算) calls only, so in the same run the other scenarios pass: the faulty
scenario is an error with the request and response attached, the run completes.
Connection failures in a row stop the run as 'system unreachable' (exit 3),
keeping what was gathered.
"""
from __future__ import annotations

import re
import socket

import pytest
from click.testing import CliRunner
from sample_server import SampleServer, start_all

from conform.harness.cli import main as cli
from conform.harness.results import RunResult
from conform.harness.run import EXIT_FAIL, EXIT_UNREACHABLE, execute, exit_code

ARTICLES = ("nanchang-4.2.1",)
# The faults hit one scenario person's calls; the article's properties settle generated persons the
# faults never touch, and are run against the sample server by tests/test_properties_meta.py.
SCENARIOS = "not conform_property"
MATCH = "NC-0421-H"   # the person of one 南昌 scenario (在职职工多次三级就诊…); any person used by a scenario would do

# fault → (kind the harness reports, check of the evidence entry of the faulty 2207 call)
FAULTS = {
    "timeout": ("timeout", lambda e: e["response"] is None and "no answer within" in e["error"]),
    "http500": ("http_status", lambda e: e["http_status"] == 500 and "Internal Server Error" in e["response"]),
    "malformed": ("malformed", lambda e: isinstance(e["response"], str) and e["response"].startswith('{"infcode"')),
    "infcode": ("infcode", lambda e: e["response"]["infcode"] == -1 and e["response"]["err_msg"]),
    "missing_field": ("missing_field", lambda e: "hifp_pay" not in e["response"]["output"]["setlinfo"]),
    "wrong_type": ("wrong_type", lambda e: isinstance(e["response"]["output"]["setlinfo"]["hifp_pay"], float)),
    "drop": ("connection", lambda e: e["response"] is None and "connection dropped" in e["error"]),
}
MESSAGE = {"missing_field": "output.setlinfo.hifp_pay: missing", "wrong_type": "output.setlinfo.hifp_pay: expected an amount",
           "infcode": "infcode -1", "http500": "HTTP 500", "timeout": "no answer within 1.5 s"}
# The timeout fault sleeps 3 s against a 1.5 s timeout; every other fault runs with a generous timeout, so that on a
# loaded CI machine a slow answer of a sound call is never read as the fault under test.
TIMEOUT = {"timeout": 1.5}


def psn_of(entry: dict) -> str:
    data = entry["request"]["input"]["data"]
    return data.get("psn_no") or data.get("person", {}).get("psn_no", "")


@pytest.fixture(scope="module")
def reference_run() -> RunResult:
    run, _ = execute(articles=ARTICLES, tag=SCENARIOS)
    assert len(run.checks) > 20 and all(c.kind == "scenario" for c in run.checks)
    return run


@pytest.fixture(scope="module")
def fault_servers():
    servers = {f: SampleServer(fault=f, fault_infno="2207", fault_match=MATCH, fault_sleep=3) for f in FAULTS}
    start_all(list(servers.values()))
    yield servers
    for s in servers.values():
        s.stop()


@pytest.fixture(scope="module")
def short_timeout(tmp_path_factory):
    def config(url: str, timeout: float = 0.5, **extra: object) -> str:
        p = tmp_path_factory.mktemp("cfg") / "conform.toml"
        lines = [f'url = "{url}"', f"timeout = {timeout}", *(f"{k} = {v}" for k, v in extra.items())]
        p.write_text("[adapter]\n" + "\n".join(lines) + "\n", encoding="utf-8")
        return str(p)
    return config


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_is_an_error_with_evidence_and_the_run_completes(fault, fault_servers, reference_run, short_timeout):
    kind, evidence_ok = FAULTS[fault]
    run, code = execute(config=short_timeout(fault_servers[fault].url, TIMEOUT.get(fault, 30)), articles=ARTICLES,
                        tag=SCENARIOS)
    assert len(run.checks) == len(reference_run.checks) and not run.unreachable
    hit = [c for c in run.checks if any(MATCH in psn_of(e) for e in c.evidence if e.get("infno") == "2207")]
    assert hit, f"no scenario settled for a person matching {MATCH!r}; pick another MATCH"
    if fault == "infcode":  # a well-formed refusal of a settlement the rules pay: non-conformance, exit 1
        for c in hit:
            assert c.status == "failed", (c.name, c.status, c.message)
            assert [(m.field, m.expected) for m in c.mismatches] == [("infcode", "0（结算成功）")], c.mismatches
            assert "infcode -1" in c.mismatches[0].actual and "sample fault" in c.mismatches[0].actual
            faulty = [e for e in c.evidence if e.get("infno") == "2207" and MATCH in psn_of(e)]
            assert evidence_ok(faulty[-1]), faulty[-1]
        assert exit_code(run, code) == EXIT_FAIL
        return
    for c in hit:
        assert c.status == "error", (c.name, c.status, c.message)
        assert f"system under test error ({kind})" in c.message, c.message
        assert MESSAGE.get(fault, "") in c.message, c.message
        faulty = [e for e in c.evidence if e.get("infno") == "2207" and MATCH in psn_of(e)]
        assert faulty[-1]["request"]["infno"] == "2207" and evidence_ok(faulty[-1]), faulty[-1]
        assert not c.mismatches
    others = [c for c in run.checks if c not in hit]
    assert others and all(c.status == "passed" for c in others), [(c.name, c.message) for c in others
                                                                 if c.status != "passed"]
    assert run.counts()["failed"] == 0
    assert exit_code(run, code) == EXIT_UNREACHABLE   # errors, not non-conformance: exit 3, never 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_connection_is_an_error_and_the_run_goes_on_when_allowed(reference_run, short_timeout):
    url = f"http://127.0.0.1:{free_port()}/"
    # a refusal is immediate: a long timeout only keeps a loaded machine (CI shares one) from turning it into one
    run, _ = execute(config=short_timeout(url, 10, consecutive_failures=1000), articles=ARTICLES, tag=SCENARIOS)
    assert len(run.checks) == len(reference_run.checks) and not run.unreachable
    assert {c.status for c in run.checks} == {"error"}
    for c in run.checks:
        assert "system under test error (connection)" in c.message and "connection refused" in c.message
        assert c.evidence and c.evidence[-1]["response"] is None


@pytest.fixture
def dying_server():
    # Answers 40 requests (about a dozen scenarios), then stops listening: later connections are refused.
    with SampleServer(exit_after=40) as s:
        yield s


def test_consecutive_connection_failures_stop_the_run_as_unreachable(dying_server, reference_run):
    run, code = execute(adapter=dying_server.url, articles=ARTICLES, tag=SCENARIOS)
    counts = run.counts()
    assert run.unreachable and run.verdict == "不合格"
    assert exit_code(run, code) == EXIT_UNREACHABLE
    assert counts["error"] == 5                      # the default: 5 failures in a row, then stop
    assert counts["passed"] >= 5                     # what was gathered before is kept …
    assert all(c.evidence for c in run.checks if c.status == "passed")
    assert len(run.checks) < len(reference_run.checks)   # … and the rest never ran
    assert any("system unreachable: 5 consecutive connection failures" in n for n in run.notes)
    last = run.checks[-1]
    assert last.status == "error" and "system unreachable" in last.message


def test_conform_run_exits_3_and_says_unreachable(tmp_path):
    with SampleServer(exit_after=40) as s:
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'[adapter]\nurl = "{s.url}"\nconsecutive_failures = 2\n', encoding="utf-8")
        result = CliRunner().invoke(cli, ["run", "--config", str(cfg), "--article", "nanchang-4.2.1",
                                          "--out", str(tmp_path / "reports")])
    assert result.exit_code == 3, result.output
    assert "System unreachable" in result.output and "2 consecutive connection failures" in result.output
    counts = re.search(r"^\s*(\d+) │\s+(\d+) │", result.output, re.M)  # checks │ passed │ …: what was gathered
    assert counts and int(counts.group(2)) > 0, result.output
