"""Platform profile: a refusal of a transaction that only prepares a visit (2201 门诊挂号, 2203 就诊信息上传, 2204
门诊费用明细信息上传) settles nothing, so it is the system's error (exit 3, as a refused 9001), never the settlement's
refusal: not a 不合格 naming the article, nor the refusal a validity scenario expects (probe s27 U F5). A refused
2206/2207 stays the settlement's refusal."""
from __future__ import annotations

import threading
import tomllib
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest

from conform.fixtures.sample_system.platform import PlatformSystem, sample_config
from conform.harness import evidence
from conform.harness.adapters import SettlementRefused, Subject, SutError
from conform.harness.adapters.platform import PlatformAdapter, amounts
from conform.harness.config import parse_adapter_config
from conform.harness.run import EXIT_UNREACHABLE, execute_detailed, gate
from conform.reference.case import parse_person, parse_settlement

REFUSALS = {  # what a real test environment answers for a code or person it does not know
    "2201": {"infcode": -1, "err_msg": "该人员未参保或参保状态异常"},
    "2203": {"infcode": -1, "err_msg": "诊断代码不存在"},
    "2204": {"infcode": "-1", "err_msg": "医保目录编码不存在", "output": ""},
    "2206": {"infcode": -1, "err_msg": "预结算被拒绝"},
    "2207": {"infcode": -1, "err_msg": "结算被拒绝"},
}


def _answer(system: PlatformSystem, env: dict, refuse: str) -> dict:
    return REFUSALS[refuse] if env.get("infno") == refuse else system.handle(env)


def _adapter(refuse: str) -> PlatformAdapter:
    """The adapter on the sample system's platform mode (hooks on), in-process, refusing every `refuse`."""
    system = PlatformSystem(hooks=True)

    def handle(request: httpx.Request) -> httpx.Response:
        env = amounts.decode(request.content)
        return httpx.Response(200, content=amounts.dumps(_answer(system, env, refuse)).encode())

    c = parse_adapter_config(tomllib.loads(sample_config("http://sample/")), "sample.toml", {})
    return PlatformAdapter("http://sample/", c, inner=httpx.MockTransport(handle))


def _settle(refuse: str) -> BaseException:
    person = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")
    visit = parse_settlement({"id": "V1", "date": "2023-03-01", "med_type": "11", "facility": "tertiary",
                              "medfee_sumamt": "500.00", "fulamt_ownpay_amt": "50.00", "preselfpay_amt": "20.00"},
                             "t", 0, person)
    a = _adapter(refuse)
    evidence.begin()
    try:
        a.prepare_person(Subject("panzhihua", person))
        with pytest.raises(SutError) as got:
            a.settle("T0001", visit)
        return got.value
    finally:
        evidence.take()
        a.stop()


@pytest.mark.parametrize("infno, name, check", [("2201", "门诊挂号", "[adapter.platform.facilities]"),
                                                ("2203", "就诊信息上传", "diag_code"),
                                                ("2204", "门诊费用明细信息上传", "[[adapter.platform.catalogue]]")])
def test_a_refused_preparatory_transaction_is_an_error_not_a_refusal(infno, name, check):
    e = _settle(infno)
    assert not isinstance(e, SettlementRefused), e.message
    assert e.kind == "infcode"
    # one line: the transaction, the system's err_msg, what to check
    assert "\n" not in e.message
    assert e.message.startswith(f"{infno} {name}被拒绝")
    assert REFUSALS[infno]["err_msg"] in e.message and check in e.message and "§8.1" in e.message
    assert e.evidence and e.evidence.get("infno") == infno   # the refused exchange stays the evidence


@pytest.mark.parametrize("infno", ["2206", "2207"])
def test_a_refused_settlement_is_still_the_settlements_refusal(infno):
    e = _settle(infno)
    assert isinstance(e, SettlementRefused)
    assert REFUSALS[infno]["err_msg"] in e.message


class _Refusing2204(BaseHTTPRequestHandler):
    system = PlatformSystem(hooks=True)

    def do_POST(self):  # noqa: N802 - http.server's name
        env = amounts.decode(self.rfile.read(int(self.headers["Content-Length"])))
        body = amounts.dumps(_answer(self.system, env, "2204")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def refusing_2204(tmp_path_factory):
    server = HTTPServer(("127.0.0.1", 0), _Refusing2204)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    path = tmp_path_factory.mktemp("cfg") / "conform.toml"
    path.write_text(sample_config(f"http://127.0.0.1:{server.server_address[1]}/"), encoding="utf-8")
    yield str(path)
    server.shutdown()
    server.server_close()


def test_run_with_every_2204_refused_is_no_non_conformance_of_article_8(refusing_2204):
    ex = execute_detailed(config=refusing_2204, articles=("panzhihua-8",), tag="not conform_property")
    run = ex.run
    statuses = {c.status for c in run.checks}
    assert run.checks and "failed" not in statuses, [(c.name, c.message) for c in run.checks if c.status == "failed"]
    assert not any(c.failed_articles for c in run.checks)
    errors = [c for c in run.checks if c.status == "error"]
    assert errors and all("2204 门诊费用明细信息上传被拒绝" in c.message and "医保目录编码不存在" in c.message
                          for c in errors)
    code, reason = gate(run, ex.pytest_code, interrupted=ex.interrupted)
    assert code == EXIT_UNREACHABLE, reason


def test_validity_scenarios_expecting_a_refusal_do_not_pass_on_a_refused_2204(refusing_2204):
    ex = execute_detailed(config=refusing_2204, articles=("panzhihua-19",), tag="not conform_property")
    settling = [c for c in ex.run.checks if "结算" in c.name]   # the account's T002/T003 scenarios settle nothing
    expecting_refusal = [c for c in settling if "结算被拒绝" in c.name]
    assert expecting_refusal and settling
    # nothing was ever settled: no refusal a 2206/2207 did not give is taken for the one the scenario expects
    assert [(c.name, c.status) for c in settling if c.status != "error"] == []
    assert all("2204 门诊费用明细信息上传被拒绝" in c.message for c in settling)
    assert not [c for c in ex.run.checks if c.status == "failed"]
