"""One transaction that never answers in time stops the run as unreachable, even while others answer (rvendor8 D5).

A system whose 2207 always hangs (or drips its answer a byte at a time) while T001 answers used to be
waited for at `timeout` seconds in every check: any answer reset the count of consecutive failures, so
a full run took hours before exit 3. Now `consecutive_failures` calls of one transaction in a row that
got no answer within `timeout` declare the system unreachable, naming the transaction, as a python:
plugin's operation is (docs/connect-your-system.md §5). The platform profile goes through the same
call, and its socket reads share the exchange's deadline too (httpx's own read timeout is per read).
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sample_server import SampleServer

from conform.harness.adapters import SutError, SystemUnreachable
from conform.harness.adapters.http import HttpAdapter
from conform.harness.adapters.platform import PlatformAdapter
from conform.harness.config import AdapterConfig
from conform.harness.run import EXIT_UNREACHABLE, execute, exit_code

ANSWER = {"infcode": 0, "err_msg": "", "output": {}}


def hanging(infno: str):
    """A system (httpx.MockTransport) that answers every transaction but `infno`, which times out."""
    def system(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["infno"] == infno:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json=ANSWER)
    return system


def test_a_transaction_timing_out_in_a_row_is_unreachable_though_another_answers_between():
    a = HttpAdapter("http://sut.test/", AdapterConfig(timeout=2, consecutive_failures=3),
                    transport=httpx.MockTransport(hanging("2207")))
    for _ in range(2):
        a.call("T001", {})                      # answers: resets the count of failures of any transaction
        with pytest.raises(SutError) as e:
            a.call("2207", {})
        assert type(e.value) is SutError and e.value.kind == "timeout"
    a.call("T001", {})
    with pytest.raises(SystemUnreachable) as e:  # the third 2207 in a row without an answer
        a.call("2207", {})
    assert a.unreachable == e.value.message and e.value.kind == "timeout"   # its last call waited, connected
    assert e.value.message.startswith("system unreachable: 3 2207 门诊结算 calls in a row gave no answer within 2 s, "
                                      "other transactions answering between them"), e.value.message
    with pytest.raises(SystemUnreachable):      # and nothing more is asked
        a.call("T001", {})


def test_an_answer_of_the_same_transaction_starts_its_count_again():
    late = iter([True, True, False, True, True, False])   # 2207: timeout, timeout, answer, timeout, timeout, answer

    def system(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["infno"] == "2207" and next(late):
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json=ANSWER)

    a = HttpAdapter("http://sut.test/", AdapterConfig(timeout=2, consecutive_failures=3),
                    transport=httpx.MockTransport(system))
    for answered in (False, False, True, False, False, True):
        a.call("T001", {})
        if answered:
            a.call("2207", {})
        else:
            with pytest.raises(SutError) as e:
                a.call("2207", {})
            assert type(e.value) is SutError
    assert a.unreachable is None


def test_each_transaction_counts_its_own_timeouts():
    # 2207 and 2208 each time out twice, alternating, with T001 answering: neither reaches 3 in a row of its own
    def system(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["infno"] in ("2207", "2208"):
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json=ANSWER)

    a = HttpAdapter("http://sut.test/", AdapterConfig(timeout=2, consecutive_failures=3),
                    transport=httpx.MockTransport(system))
    for infno in ("2207", "2208", "2207", "2208"):
        a.call("T001", {})
        with pytest.raises(SutError) as e:
            a.call(infno, {})
        assert type(e.value) is SutError
    assert a.unreachable is None


def test_the_platform_profile_stops_on_its_2207_alike():
    pa = PlatformAdapter("http://sut.test/", AdapterConfig(timeout=2, consecutive_failures=2),
                         inner=httpx.MockTransport(hanging("2207")))
    with pytest.raises(SutError):
        pa.exchange("2201", {})                 # answered (its empty output is refused by the schema)
    with pytest.raises(SutError) as e:
        pa.exchange("2207", {})
    assert type(e.value) is SutError and e.value.kind == "timeout"
    with pytest.raises(SutError):
        pa.exchange("2201", {})
    with pytest.raises(SystemUnreachable) as e:
        pa.exchange("2207", {})
    assert "2 2207 门诊结算 calls in a row" in e.value.message and pa.unreachable == e.value.message


class Drip(BaseHTTPRequestHandler):
    """Answers a JSON body one byte every 0.1 s (chunked); counts the bytes it got out."""
    protocol_version = "HTTP/1.1"
    body = json.dumps({"infcode": 0, "err_msg": "", "output": {"padding": "x" * 200}}).encode()
    sent = 0
    done = threading.Event()

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for byte in self.body:
                self.wfile.write(b"1\r\n" + bytes([byte]) + b"\r\n")
                self.wfile.flush()
                type(self).sent += 1
                threading.Event().wait(0.1)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        finally:
            type(self).done.set()


def test_the_platform_profile_cuts_a_dripping_answer_at_the_timeout():
    # httpx's read timeout is per read: each byte comes within it, so only the exchange's deadline stops the drip
    # (without it: 2xx bytes × 0.1 s ≈ 22 s of drip, the whole body read, then called a timeout).
    server = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        pa = PlatformAdapter(url, AdapterConfig(timeout=1, consecutive_failures=5))
        try:
            with pytest.raises(SutError) as e:
                pa.exchange("2207", {})
        finally:
            pa.stop()
        assert e.value.kind == "timeout" and "no answer within 1 s" in e.value.message, e.value.message
        assert Drip.done.wait(30)               # the server noticed the connection closed under it …
        assert Drip.sent < len(Drip.body), (Drip.sent, len(Drip.body))   # … before it had dripped it all
    finally:
        server.shutdown()
        server.server_close()


def test_a_run_against_a_system_whose_2207_always_hangs_stops_as_unreachable_naming_2207(tmp_path):
    # The sample system with every 2207 answered only after 3 s, against a 0.5 s timeout; T001 answers at once.
    with SampleServer(fault="timeout", fault_infno="2207", fault_sleep=3) as server:
        cfg = tmp_path / "conform.toml"
        cfg.write_text(f'[adapter]\nurl = "{server.url}"\ntimeout = 0.5\nconsecutive_failures = 3\n', encoding="utf-8")
        run, code = execute(config=str(cfg), articles=("panzhihua-7",), tag="not conform_property")
    errors = [c for c in run.checks if c.status == "error"]
    assert run.unreachable and run.incomplete
    assert len(errors) == 3 and len(run.checks) < run.planned, (len(errors), len(run.checks), run.planned)
    assert any("3 2207 门诊结算 calls in a row gave no answer within 0.5 s" in n for n in run.notes), run.notes
    # the system answered its T001s: what it did not answer is its own (不合格), exit 3 as for any unreachable system
    assert run.verdict == "不合格" and exit_code(run, code) == EXIT_UNREACHABLE
