"""A connection that gets no answer says why: refused, host name not resolved, TLS certificate not trusted,
TLS handshake failed — never "connection refused" for all of them (rvendor8 D4) — with the reason whole
where a cause line quotes it; and a test environment's own CA (or a client certificate, mutual TLS) is
trusted through the adapter's configuration, a file that cannot be used refused naming the option.

Real loopback servers: a TLS server in this process with throwaway certificates made by `openssl`.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conform.harness.adapters.base import SutError
from conform.harness.adapters.http import HttpAdapter, TlsFileError, tls_context
from conform.harness.config import AdapterConfig, ConfigError
from conform.harness.report.model import CAUSE_MESSAGE, cause_view, cut_words

pytestmark = pytest.mark.skipif(not os.environ.get("CI") and shutil.which("openssl") is None,
                                reason="needs the openssl command to make throwaway certificates")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:
    return make_pki(tmp_path_factory.mktemp("pki"))


def make_pki(d: Path) -> dict[str, Path]:
    """A test CA, a server certificate for 127.0.0.1 and a client certificate it signed, a self-signed
    server certificate, and an encrypted copy of the client key (EC P-256: quick to make), in `d`."""
    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl("req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=conform test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                  "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n", encoding="ascii")
    (d / "client.ext").write_text("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                                  "extendedKeyUsage=clientAuth\n", encoding="ascii")
    for name in ("server", "client"):
        openssl("req", *curve, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN=conform {name}", cwd=d)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=d)
    openssl("req", "-x509", *curve, "-keyout", "self.key", "-out", "self.pem", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", cwd=d)
    openssl("pkey", "-in", "client.key", "-out", "client-encrypted.key", "-aes256", "-passout", "pass:secret-pass",
            cwd=d)
    return {p.stem if p.suffix == ".pem" else p.name: p for p in d.iterdir()}


class _Answer(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:  # every envelope answered {"infcode": 0, "output": {}}: T001 needs no more
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"infcode": 0, "err_msg": "", "output": {}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server:
    """A loopback HTTP server, TLS when given a certificate; `client_ca`: mutual TLS (TLS 1.2, so that a
    missing client certificate fails the handshake itself, not the first read)."""

    def __init__(self, cert: Path | None = None, key: Path | None = None, client_ca: Path | None = None):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if cert is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            if client_ca is not None:
                ctx.verify_mode = ssl.CERT_REQUIRED
                ctx.load_verify_locations(cafile=client_ca)
                ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.url = f"{self.scheme}://127.0.0.1:{self.httpd.server_address[1]}/"

    def __enter__(self) -> "Server":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def prepare(url: str, **tls: Path) -> None:
    """One T001 exchange through the http adapter with the given TLS files; SutError if it got no answer."""
    from conform.reference.case import Person
    from conform.harness.adapters.base import Subject

    cfg = AdapterConfig(timeout=5, consecutive_failures=100)
    for option, path in tls.items():
        setattr(cfg, option, str(path))   # conform.toml's [adapter] keys of the same names
    a = HttpAdapter(url, cfg)
    try:
        a.prepare_person(Subject("panzhihua", Person(psn_no="TLS1", psn_type="11")))
    finally:
        a.stop()


def failure(url: str, **tls: Path) -> str:
    with pytest.raises(SutError) as e:
        prepare(url, **tls)
    assert e.value.kind == "connection"
    return e.value.message


# ---------------------------------------------------------------------------- what went wrong, said so
def test_nothing_listening_is_connection_refused_naming_host_and_port():
    port = free_port()
    said = failure(f"http://127.0.0.1:{port}/")
    assert said.startswith(f"T001: connection refused: nothing listens at 127.0.0.1:{port} "), said


def test_a_host_name_that_does_not_resolve_is_said_so_not_refused():
    said = failure("http://conform-no-such-host.invalid:8080/")   # .invalid never resolves (RFC 6761)
    assert said.startswith("T001: host name not resolved (") and "conform-no-such-host.invalid" in said, said
    assert "refused" not in said


def test_an_untrusted_certificate_is_said_so_with_its_reason_whole_and_how_to_trust_it(pki):
    with Server(pki["self"], pki["self.key"]) as server:
        said = failure(server.url)
    assert said.startswith("T001: TLS certificate not trusted (self-signed certificate) at 127.0.0.1:"), said
    assert "refused" not in said and "docs/connect-your-system.md §4" in said
    # the cause line quotes ~120 characters of the message: cut at a word, the reason stays whole
    shown = cause_view([{"message": f"被测系统出错（连接失败）：{said}"}])[0]["message"]
    assert len(shown) <= CAUSE_MESSAGE and "(self-signed certificate)" in shown and shown.endswith("…")
    assert shown[:-1] == said_prefix(f"被测系统出错（连接失败）：{said}", len(shown) - 1)


def said_prefix(text: str, n: int) -> str:
    """The first n characters, which a cut at a word boundary ends with a whole word (next one a space)."""
    head = text[:n]
    assert text[n] == " " or text[n - 1] in ",;:(", (head, text[n:n + 10])
    return head


def test_https_to_a_plain_http_port_is_a_tls_handshake_failure_suggesting_http():
    with Server() as server:
        said = failure(server.url.replace("http://", "https://"))
    assert said.startswith("T001: TLS handshake failed (wrong version number) with 127.0.0.1:"), said
    assert "try http://" in said and "refused" not in said


def test_cut_words_never_cuts_mid_word():
    assert cut_words("certificate verify failed: self-signed certificate", 40) == "certificate verify failed: self-signed…"
    assert cut_words("short", 40) == "short"
    assert len(cut_words("x" * 100, 40)) == 40   # one word longer than the limit: cut it must be


# ---------------------------------------------------------------------------- trusting a test CA, mutual TLS
def test_a_test_environments_ca_is_trusted_through_ca_file(pki):
    with Server(pki["server"], pki["server.key"]) as server:
        said = failure(server.url)                     # the public bundle does not know the test CA …
        assert "TLS certificate not trusted (unable to get local issuer certificate)" in said, said
        prepare(server.url, ca_file=pki["ca"])         # … ca_file adds it: T001 answered


def test_ca_file_adds_to_the_public_bundle_and_does_not_replace_it(pki):
    public = tls_context().cert_store_stats()["x509_ca"]
    ctx = tls_context(str(pki["ca"]))
    assert ctx.cert_store_stats()["x509_ca"] == public + 1


def test_a_server_requiring_a_client_certificate_is_said_so_and_client_cert_answers_it(pki):
    with Server(pki["server"], pki["server.key"], client_ca=pki["ca"]) as server:
        said = failure(server.url, ca_file=pki["ca"])
        assert said.startswith("T001: TLS handshake failed (") and "client certificate (mutual TLS)" in said, said
        prepare(server.url, ca_file=pki["ca"], client_cert=pki["client"], client_key=pki["client.key"])


@pytest.mark.parametrize("option, make, why", [
    ("ca_file", lambda p, d: d / "missing.pem", "no such file"),
    ("ca_file", lambda p, d: d, "is a folder"),
    ("ca_file", lambda p, d: p["client.key"], "holds no PEM certificate"),
    ("client_cert", lambda p, d: p["ca.key"], "holds no PEM certificate"),
    ("client_key", lambda p, d: p["server.key"], "does not match the certificate"),
    ("client_key", lambda p, d: p["client-encrypted.key"], "encrypted with a passphrase"),
])
def test_a_tls_file_that_cannot_be_used_is_a_config_error_naming_the_option(pki, tmp_path, option, make, why):
    files = {"ca_file": None, "client_cert": None, "client_key": None}
    if option.startswith("client"):
        files.update(client_cert=pki["client"], client_key=pki["client.key"])
    files[option] = make(pki, tmp_path)
    cfg = AdapterConfig(source="conform.toml")
    for k, v in files.items():
        setattr(cfg, k, str(v) if v else None)
    with pytest.raises(ConfigError) as e:   # exit 2 (plugin.py: a ConfigError making the adapter)
        HttpAdapter("https://127.0.0.1:1/", cfg)
    said = str(e.value)
    assert said.startswith(f"conform.toml: key adapter.{option}: ") and why in said, said
    for name in ("ca.key", "client.key", "server.key"):   # nothing read from a key ever printed
        body = "".join(pki[name].read_text().splitlines()[1:-1])
        assert body[:40] not in said.replace("\n", "")


def test_client_key_without_client_cert_is_refused(pki):
    with pytest.raises(TlsFileError) as e:
        tls_context(None, None, str(pki["client.key"]))
    assert e.value.option == "client_key" and "without client_cert" in e.value.message


def test_a_run_names_the_tls_files_it_used_but_nothing_in_them(pki):
    cfg = AdapterConfig()
    cfg.ca_file, cfg.client_cert, cfg.client_key = str(pki["ca"]), str(pki["client"]), str(pki["client.key"])
    described = HttpAdapter("https://127.0.0.1:1/", cfg).describe()
    assert described["tls"] == {"ca_file": str(pki["ca"]), "client_cert": str(pki["client"]),
                                "client_key": "(given)"}
    assert "tls" not in HttpAdapter("https://127.0.0.1:1/", AdapterConfig()).describe()
