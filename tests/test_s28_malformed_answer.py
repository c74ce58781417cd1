"""An answer the HTTP parser refuses is the system's malformed answer, not a dropped connection (s28 probeS F3).

A system that sends an illegal header line, two Content-Lengths that disagree, or a header block longer than
conform's parser bound (100 KiB) did answer: docs/connect-your-system.md §3 makes that `malformed` (`too_large`
past the bound), a judged error of the system that restarts the consecutive-failure count, so the run's
verdict is 不合格, never "unreachable" / 无法判定 as for a system that answered nothing. A connection closed before
any answer stays `connection` (counted toward unreachable).

The system is a raw-socket server in its own process on a loopback port (this file run as a script), so it can
send bytes no HTTP server library would.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------- the server (its own process)
def _ok(msgid: str, output: dict | None = None, **extra: object) -> bytes:
    return json.dumps({"infcode": 0, "err_msg": "", "inf_refmsgid": msgid, "output": output or {}, **extra}).encode()


def _answer(mode: str, envelope: dict) -> bytes | None:
    """The raw bytes answering one request in `mode`; None: close without answering."""
    msgid, infno = envelope.get("msgid", ""), envelope.get("infno", "")
    body = _ok(msgid)
    head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    if mode == "bad_header":
        return f"{head}X Bad Name: 1\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
    if mode == "two_cl":
        return f"{head}Content-Length: {len(body)}\r\nContent-Length: {len(body) + 26}\r\n\r\n".encode() + body
    if mode == "huge_headers":   # 200 headers of 1000 bytes: past the parser's 100 KiB, far under 4 MiB
        many = "".join(f"X-H{i}: {'a' * 1000}\r\n" for i in range(200))
        return f"{head}{many}Content-Length: {len(body)}\r\n\r\n".encode() + body
    if mode == "not_http":
        return b"SSH-2.0-OpenSSH_9.6\r\n\r\n"
    if mode == "drop":
        return None
    if mode == "not_found":
        page = b"<html><body>404 page not found</body></html>"
        return (f"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {len(page)}\r\n\r\n".encode()
                + page)
    if mode in ("refuse_other", "refuse_same", "refuse_none"):
        if infno == "T001":
            out = body
        else:
            said = {"refuse_other": {"inf_refmsgid": "CONFORM00000209901010000009999"},
                    "refuse_same": {"inf_refmsgid": msgid}, "refuse_none": {}}[mode]
            out = json.dumps({"infcode": -1, "err_msg": "拒绝：参数不全", "output": {}, **said}).encode()
        return f"{head}Content-Length: {len(out)}\r\n\r\n".encode() + out
    raise SystemExit(f"unknown mode {mode}")


def _serve_one(conn: socket.socket, mode: str) -> None:
    with conn:
        data = b""
        while True:   # one request per connection: the headers, then Content-Length bytes
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            while len(rest) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                rest += chunk
            body, data = rest[:length], rest[length:]
            try:
                envelope = json.loads(body)
            except ValueError:
                envelope = {}
            out = _answer(mode, envelope if isinstance(envelope, dict) else {})
            if out is None:
                return
            conn.sendall(out)
            if mode in ("bad_header", "two_cl", "huge_headers", "not_http"):
                return   # the client cannot read on after such an answer


def main(mode: str, port_file: str) -> None:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    Path(port_file + ".tmp").write_text(str(server.getsockname()[1]))
    Path(port_file + ".tmp").rename(port_file)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=_serve_one, args=(conn, mode), daemon=True).start()


class RawServer:
    """This file's server in `mode`, in its own process on a free loopback port."""

    def __init__(self, mode: str):
        self.mode = mode

    def __enter__(self) -> "RawServer":
        self._dir = tempfile.TemporaryDirectory(prefix="conform-s28-")
        port_file = Path(self._dir.name) / "port"
        self.proc = subprocess.Popen([sys.executable, __file__, self.mode, str(port_file)], cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while not port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError(f"server {self.mode} did not start: {self.proc.stderr.read()!r}")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{int(port_file.read_text())}/"
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait(5)
        self.proc.stderr.close()
        self._dir.cleanup()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
    sys.exit(0)


# ---------------------------------------------------------------------------- the tests
import pytest  # noqa: E402  (the server above runs without pytest's import cost)

from conform.harness import evidence  # noqa: E402
from conform.harness.adapters import Subject, SutError, SystemUnreachable  # noqa: E402
from conform.harness.adapters.http import HttpAdapter  # noqa: E402
from conform.harness.config import AdapterConfig  # noqa: E402
from conform.harness.results import exchange_answered  # noqa: E402
from conform.reference.case import parse_person  # noqa: E402

PERSON = parse_person({"psn_no": "H1", "psn_type": "1101"}, "t")


def _prepare(url: str, times: int) -> list[BaseException]:
    """`times` T001s against `url`; the error of each (all must fail)."""
    a = HttpAdapter(url, AdapterConfig(timeout=5, consecutive_failures=3))
    errors = []
    evidence.begin()
    try:
        for _ in range(times):
            with pytest.raises(SutError) as e:
                a.prepare_person(Subject("panzhihua", PERSON))
            errors.append(e.value)
    finally:
        a.stop()
        evidence.take()
    return errors


@pytest.mark.parametrize("mode, kind, words", [
    ("bad_header", "malformed", "illegal header line"),
    ("two_cl", "malformed", "conflicting Content-Length"),
    ("huge_headers", "too_large", "longer than 102400 bytes"),
    ("not_http", "malformed", "is this the system's HTTP port?"),
])
def test_an_answer_the_parser_refuses_is_the_systems_error_not_a_dropped_connection(mode, kind, words):
    with RawServer(mode) as server:
        errors = _prepare(server.url, 4)   # one more than consecutive_failures: none of them stops the run
    for e in errors:
        assert not isinstance(e, SystemUnreachable), e.message
        assert e.kind == kind, e.message
        assert words in e.message and "connection dropped" not in e.message, e.message
        assert e.message.startswith("T001: ") and "127.0.0.1:" in e.message, e.message
        assert exchange_answered(e.evidence) is True   # an answer: the verdict is 不合格, not 无法判定


def test_a_connection_closed_before_any_answer_is_still_a_dropped_connection():
    with RawServer("drop") as server:
        errors = _prepare(server.url, 3)
    assert [e.kind for e in errors] == ["connection"] * 3
    assert "connection dropped" in errors[0].message
    assert exchange_answered(errors[0].evidence) is False
    assert isinstance(errors[-1], SystemUnreachable)   # the third in a row: unreachable, as before


def run_validity_checks(mode: str, out: Path) -> tuple[object, dict]:
    """`conform run` of 攀枝花 第十九条's scenarios against a RawServer in `mode`: the CLI result and results.json."""
    from click.testing import CliRunner

    from conform.harness.run import run_command

    with RawServer(mode) as server:
        result = CliRunner().invoke(run_command, ["--adapter", server.url, "--policy", "panzhihua", "--article",
                                                  "panzhihua-19", "--tag", "not conform_property", "--out", str(out),
                                                  "--no-progress"])
    return result, json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_a_run_against_a_malformed_system_is_judged_not_stopped_as_unreachable(tmp_path):
    """The probe's run: every answer with two Content-Lengths stopped after 5 as "unreachable", 无法判定."""
    result, data = run_validity_checks("two_cl", tmp_path / "out")
    assert result.exit_code == 3, result.output[-2000:]
    assert data["run"]["answered"] is True and not data["run"]["unreachable"]
    assert len(data["checks"]) > 5   # every check run, none stopped after 5 failures in a row
    for c in data["checks"]:
        assert c["status"] == "error" and "malformed HTTP answer" in c["message"], c["message"]
