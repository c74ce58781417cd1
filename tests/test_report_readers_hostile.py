"""A hostile system's text that XML cannot hold costs the run none of its reports.

U+FFFF and U+FFFE are outside XML 1.0's Char: junit.xml replaced them, but the
workbook's cleaner did not, so lxml (under openpyxl) refused the cell, the run
died with a traceback (exit 4) after report.html, and neither report.xlsx,
junit.xml nor results.json was written. The system here is a real HTTP server on
loopback, as in tests/test_hardening_hostile.py.
"""
from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from conform import display
from conform.harness.report import junit, model, xlsx
from conform.harness.run import run_command

REFUSAL = "拒绝\uffff结算\ufffe"


class _Refusing(BaseHTTPRequestHandler):
    """Answers T001 (sign-in) normally and refuses every other request with U+FFFF / U+FFFE in err_msg."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if body.get("infno") == "T001":
            answer = {"infcode": 0, "err_msg": "", "output": {}}
        else:
            answer = {"infcode": -1, "err_msg": REFUSAL, "output": {}}
        data = json.dumps(answer).encode()  # ensure_ascii: \uffff on the wire, as a system may send it
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def refusing_system():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_uffff_from_the_system_leaves_every_report_written(refusing_system, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(run_command, ["--adapter", refusing_system, "--article", "panzhihua-5",
                                              "--tag", "not conform_property", "--out", str(out), "--no-progress"])
    assert result.exit_code in (1, 3), result.output[-2000:]     # the system's failings, never conform's own (4)
    assert "Traceback" not in result.output
    assert {"report.html", "report.xlsx", "junit.xml", "results.json"} <= {p.name for p in out.iterdir()}
    cells = [c for ws in load_workbook(out / "report.xlsx") for row in ws.iter_rows(values_only=True) for c in row]
    assert any(isinstance(c, str) and "拒绝\ufffd结算\ufffd" in c for c in cells)
    assert "拒绝\ufffd结算\ufffd" in (out / "junit.xml").read_text(encoding="utf-8")
    ET.parse(out / "junit.xml")


@pytest.mark.parametrize("char", ["\uffff", "\ufffe", "\x00", "\x1b"])
def test_one_definition_of_what_xml_cannot_hold(char, tmp_path):
    """The workbook and junit.xml replace the same characters, so neither can refuse what the other takes."""
    from report_samples import sample_run

    run = sample_run(hostile=False)
    run.checks[1].message = f"bad{char}text"
    data = model.build(run)
    assert junit.clean(f"a{char}\ud800b") == "a\ufffd\ufffdb" == display.xml_safe(f"a{char}\ud800b")
    path = xlsx.write(data, tmp_path / "r.xlsx")
    values = [c for r in load_workbook(path)["场景明细"].iter_rows(values_only=True) for c in r]
    assert "bad\ufffdtext" in values
    failure = ET.fromstring(junit.render(data)).find(".//failure")
    assert failure.get("message") == "bad\ufffdtext"
