"""A credential the system under test echoes back never reaches a report or the terminal.

A real HTTP server in its own process answers T001 and refuses everything else with an err_msg that
quotes the credential it received, in the form it arrived: the part after the auth scheme
("Bearer X" → X), the Basic credential (base64 of user:password) and its decoded password. `conform
run` (a subprocess, as users run it) must mask every form in every report file (html, json, junit,
xlsx read with openpyxl) and on stdout/stderr. Beside it: the unit rules (which forms are registered,
short values never, a URL credential together with an Authorization header refused).
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conform.harness import evidence
from conform.harness.config import ConfigError, credential_conflict, load_adapter_config, register_header_secret, \
    register_url_secrets

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "tok-9f8e7d6c"
USER, PASSWORD, PASSWORD_WRITTEN = "vendor", "S3cret Pw!", "S3c%72et%20Pw%21"   # percent-encoded in the URL
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

ECHO_SERVER = r'''
import base64, json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Echo(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        auth = self.headers.get("Authorization", "")
        credential = auth.split(" ", 1)[-1]
        said = f"credential {credential} rejected (header {auth})"
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(credential).decode().partition(":")
            said += f"; user {user} password {password}"
        answer = ({"infcode": 0, "err_msg": "", "output": {}} if req["infno"] == "T001" else
                  {"infcode": -1, "err_msg": said, "output": {}})
        body = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
'''


@pytest.fixture
def echo_url():
    with tempfile.TemporaryDirectory(prefix="conform-echo-") as d:
        port_file = Path(d) / "port"
        proc = subprocess.Popen([sys.executable, "-c", ECHO_SERVER, str(port_file)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 20
            while not port_file.exists():
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.02)
            yield f"127.0.0.1:{port_file.read_text()}"
        finally:
            proc.kill()
            proc.wait(10)


def run_conform(out: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "conform.harness.cli", "run", *args, "--article", "panzhihua-9",
                             "--out", str(out), "--no-progress"], cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def everything_shown(out: Path, proc: subprocess.Popen) -> dict[str, str]:
    """Every report file's text (the workbook's cells read with openpyxl), stdout and stderr."""
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1, (proc.returncode, stdout[-2000:], stderr[-2000:])  # the refusals fail checks
    shown = {"stdout": stdout, "stderr": stderr}
    for f in out.rglob("*"):
        if f.suffix == ".xlsx":
            wb = openpyxl.load_workbook(f, read_only=True)
            shown[f.name] = "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                                      for v in row if v is not None)
            wb.close()
        elif f.is_file():
            shown[f.name] = f.read_text(encoding="utf-8", errors="replace")
    assert {"report.html", "results.json", "junit.xml", "report.xlsx"} <= set(shown), sorted(shown)
    return shown


def test_an_echoed_credential_is_masked_in_every_report_and_on_the_terminal(echo_url, tmp_path):
    cfg = tmp_path / "conform.toml"
    cfg.write_text(f'[adapter]\nurl = "http://{echo_url}/"\n[adapter.headers]\n'
                   f'Authorization = {{ env = "CONFORM_TEST_SUT_AUTH" }}\n', encoding="utf-8")
    token_run = run_conform(tmp_path / "token", "--config", str(cfg), env={"CONFORM_TEST_SUT_AUTH": f"Bearer {TOKEN}"})
    url_run = run_conform(tmp_path / "url", "--adapter", f"http://{USER}:{PASSWORD_WRITTEN}@{echo_url}/")
    for out, proc, secrets in ((tmp_path / "token", token_run, (TOKEN,)),
                               (tmp_path / "url", url_run, (BASIC, PASSWORD, PASSWORD_WRITTEN))):
        shown = everything_shown(out, proc)
        leaks = {(name, s) for name, text in shown.items() for s in secrets if s in text}
        assert not leaks, leaks
        # the refusals are there, masked (so the echo was read and reported, not lost)
        results = json.loads(shown["results.json"])
        messages = " ".join(c.get("message") or "" for c in results["checks"])
        assert "credential *** rejected" in messages, messages[:2000]


# --------------------------------------------------------------------------- the rules, unit by unit


@pytest.fixture
def secrets():
    saved = set(evidence._secrets)  # noqa: SLF001 - registered values must not mask other tests' evidence
    evidence._secrets.clear()  # noqa: SLF001
    yield evidence._secrets  # noqa: SLF001
    evidence._secrets.clear()  # noqa: SLF001
    evidence._secrets.update(saved)  # noqa: SLF001


def test_a_header_credential_is_masked_after_its_scheme_and_a_basic_one_decoded(secrets):
    register_header_secret(f"Bearer {TOKEN}")
    assert evidence.mask(f"credential {TOKEN} rejected") == "credential *** rejected"
    register_header_secret(f"Basic {BASIC}")
    assert evidence.mask(f"{BASIC} / {PASSWORD} / {USER}:{PASSWORD}") == "*** / *** / ***"
    assert evidence.mask("vendor") == "vendor"  # a user name beside a password is not a secret


def test_a_url_credential_is_masked_as_written_decoded_and_as_httpx_sends_it(secrets):
    register_url_secrets(f"http://{USER}:{PASSWORD_WRITTEN}@127.0.0.1:9/")
    assert evidence.mask([PASSWORD_WRITTEN, PASSWORD, BASIC]) == ["***"] * 3
    secrets.clear()
    register_url_secrets("http://tok-only-user@127.0.0.1:9/")  # no password: the user name is the credential
    sent = base64.b64encode(b"tok-only-user:").decode()
    assert evidence.mask(["tok-only-user", sent]) == ["***", "***"]


def test_short_values_are_never_masked(secrets):
    # masking "p" or "12" would garble every report (field names, amounts)
    register_url_secrets("http://u:p@127.0.0.1:9/")
    register_header_secret("Bearer 12")
    assert evidence.mask("policy 12.00 up") == "policy 12.00 up"
    assert evidence.mask(base64.b64encode(b"u:p").decode()) == "***"  # the wire form is long enough


def test_a_short_secret_inside_a_longer_one_leaves_nothing_of_it(secrets):
    evidence.register_secret("abc")
    evidence.register_secret("xxabcxx-long")
    assert evidence.mask("[xxabcxx-long]") == "[***]"


def test_a_url_credential_and_an_authorization_header_are_refused_together(tmp_path, monkeypatch, secrets):
    assert credential_conflict("http://u:pw@h/", {"authorization": "Bearer x"})
    assert credential_conflict("http://h/", {"Authorization": "Bearer x"}) is None
    assert credential_conflict("http://u:pw@h/", {"X-Api-Key": "x"}) is None
    monkeypatch.setenv("CONFORM_TEST_SUT_AUTH", "Bearer tok-1234")
    cfg = tmp_path / "conform.toml"
    cfg.write_text('[adapter]\nurl = "http://u:pw-1234@127.0.0.1:9/"\n[adapter.headers]\n'
                   'Authorization = { env = "CONFORM_TEST_SUT_AUTH" }\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="adapter.url: .*Authorization"):
        load_adapter_config(cfg)
    # the URL on the command line, the header in the file: refused too, before anything runs
    from conform.harness.cli import main

    cfg.write_text('[adapter.headers]\nAuthorization = { env = "CONFORM_TEST_SUT_AUTH" }\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["run", "--config", str(cfg), "--adapter", "http://u:pw-1234@127.0.0.1:9/",
                                  "--out", str(tmp_path / "out"), "--no-progress"])
    assert r.exit_code == 2, r.output
    assert "Authorization" in r.output and "pw-1234" not in r.output
    # and the same pair given to a vendor's own pytest run (the pytest plugin), refused before any test runs
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--conform-config", str(cfg),
                          "--conform-adapter", "http://u:pw-1234@127.0.0.1:9/", "-m", "panzhihua-7"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120,
                         env={**os.environ, "CONFORM_TEST_SUT_AUTH": "Bearer tok-1234"})
    said = run.stdout + run.stderr
    # exit 2, a configuration error, as `conform run` gives above (docs/ci.md: the plugin's codes are conform run's)
    assert run.returncode == 2 and "Authorization" in said and "pw-1234" not in said, said[-2000:]
