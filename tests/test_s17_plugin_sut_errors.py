"""pytest --conform-adapter: an error of the system under test (HTTP 500, a malformed answer, nothing
listening) reads as one line, as `conform run` says it, not as a ~120-line Python traceback through
pytest's fixtures and conform's adapter (docs/ci.md: a traceback means a bug in conform)."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class _Broken(BaseHTTPRequestHandler):
    mode = "500"

    def log_message(self, *a):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, body = (500, b"Internal Server Error: NullPointerException") if self.mode == "500" else \
            (200, b'{"infcode": 0, "output": ')
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _server(mode: str):
    handler = type(f"Broken{mode}", (_Broken,), {"mode": mode})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pytest(tmp_path, url: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_vendor.py").write_text("def test_vendor_own():\n    assert True\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "--conform-adapter", url, "-m", "panzhihua-7"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("mode, said", [("500", "HTTP 500"), ("malformed", "被测系统出错"),
                                        ("refused", "connection refused")])
def test_a_system_error_is_one_line_per_check_not_a_traceback(tmp_path, mode, said):
    server = _server(mode) if mode != "refused" else None
    try:
        port = server.server_address[1] if server else _closed_port()
        done = _pytest(tmp_path, f"http://127.0.0.1:{port}/")
    finally:
        if server:
            server.shutdown()
            server.server_close()
    out = done.stdout + done.stderr
    assert done.returncode == 3, out[-3000:]
    failed = [ln for ln in out.splitlines() if ln.startswith("被测系统出错")]
    assert failed and all(said in ln or said == "被测系统出错" for ln in failed), out[-3000:]
    for trace in ("Traceback", "SutError", "_pytest/fixtures.py", "conform/harness/adapters/http.py", "\nE "):
        assert trace not in out, (trace, out[-3000:])
    # each failed check: its pytest section header and the one line
    sections = len(re.findall(r"(?m)^_+ \S.* _+$", out))
    assert sections >= 1 and len(failed) == sections, out[-3000:]
