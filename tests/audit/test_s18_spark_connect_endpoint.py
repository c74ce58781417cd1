"""`--spark-master sc://host:port` where something answers that is not a Spark Connect server: a web server
(someone gave the Spark UI's port), a gRPC server of another kind, a server that answers every request with
UNAVAILABLE. pyspark's Connect client retries each request for about ten minutes, and asks the server again at
interpreter exit; the audit must end in seconds with one line and exit 2, and a Ctrl-C must end it at once.

Real servers on loopback ports (Python's http.server in its own process, grpcio's server in this one) and
`conform audit` as a separate process."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent import futures
from pathlib import Path

import pytest

from conform.audit.synth import synth_ledger

# CI installs the dev group (pyspark[connect], with grpc) through .ci/run's uv sync: never skipped there
if not os.environ.get("CI"):
    pytest.importorskip("grpc")
    pytest.importorskip("pyspark")
import grpc  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ledger") / "l.parquet"
    synth_ledger(50, "zhejiang", path, seed=1, workers=1)
    return path


def _audit(ledger: Path, master: str, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "conform.harness.cli", "audit", str(ledger), "--policy", "zhejiang",
                             "--region", "zhejiang-example", "--engine", "spark", "--spark-master", master,
                             "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            start_new_session=True)


def _finish(proc: subprocess.Popen, timeout: float) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"still running after {timeout} s:\n{err[-2000:]}")
    return proc.returncode, out, err


def _lines(err: str) -> list[str]:
    """What the audit said besides its progress lines (indented)."""
    return [x for x in err.splitlines() if x.strip() and not x.startswith("  ")]


@pytest.fixture
def http_port():
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "http.server did not start"
                time.sleep(0.1)
        yield port
    finally:
        server.kill()
        server.wait()


class _Handler(grpc.GenericRpcHandler):
    """Every request (any service, any method) fails with `code`; `calls` counts them."""

    def __init__(self, code):
        self.code, self.calls = code, 0

    def service(self, details):
        self.calls += 1

        def fail(_request, context):
            context.abort(self.code, "not now")

        return grpc.unary_unary_rpc_method_handler(fail)


@pytest.fixture
def grpc_server():
    servers = []

    def start(code=None):
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        handler = _Handler(code)
        if code is not None:
            server.add_generic_rpc_handlers((handler,))
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        servers.append(server)
        return port, handler

    yield start
    for s in servers:
        s.stop(0)


def test_a_web_server_at_the_connect_address_is_a_one_line_error_in_seconds(ledger, http_port, tmp_path):
    t0 = time.monotonic()
    code, out, err = _finish(_audit(ledger, f"sc://127.0.0.1:{http_port}", tmp_path / "o"), timeout=50)
    assert code == 2, out + err
    said = _lines(err)
    assert len(said) == 1 and said[0].startswith("conform: error: "), err
    assert f"no Spark Connect server at 127.0.0.1:{http_port}" in said[0] and "HTTP/2" in said[0], said
    assert "Traceback" not in err and not (tmp_path / "o").exists()
    assert time.monotonic() - t0 < 30


def test_a_grpc_server_that_is_not_spark_connect_is_a_one_line_error(ledger, grpc_server, tmp_path):
    port, _ = grpc_server()  # no service at all: every request is UNIMPLEMENTED
    code, out, err = _finish(_audit(ledger, f"sc://127.0.0.1:{port}", tmp_path / "o"), timeout=50)
    assert code == 2, out + err
    said = _lines(err)
    assert len(said) == 1 and said[0].startswith(f"conform: error: cannot start Spark at sc://127.0.0.1:{port}"), err
    assert "Traceback" not in err and not (tmp_path / "o").exists()


def test_a_server_that_stays_unavailable_ends_the_run_in_bounded_time(ledger, grpc_server, tmp_path):
    port, handler = grpc_server(grpc.StatusCode.UNAVAILABLE)
    t0 = time.monotonic()
    code, out, err = _finish(_audit(ledger, f"sc://127.0.0.1:{port}", tmp_path / "o"), timeout=55)
    assert code == 2, out + err
    said = _lines(err)
    assert len(said) == 1 and said[0].startswith(f"conform: error: cannot start Spark at sc://127.0.0.1:{port}"), err
    assert "Traceback" not in err and not (tmp_path / "o").exists()
    assert 2 <= handler.calls <= 10  # retried, a few times, once for the one request
    assert time.monotonic() - t0 < 50


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_while_the_client_retries_ends_the_process_at_once(ledger, grpc_server, tmp_path, signum):
    port, handler = grpc_server(grpc.StatusCode.UNAVAILABLE)
    proc = _audit(ledger, f"sc://127.0.0.1:{port}", tmp_path / "o")
    deadline = time.monotonic() + 40
    while handler.calls < 3:  # the client is in its retries (backoff 0.05, 0.2, 0.8, 3.2 s ...)
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    os.killpg(proc.pid, signum)  # as a terminal's Ctrl-C (the whole group), or `kill`
    t0 = time.monotonic()
    code, out, err = _finish(proc, timeout=20)
    assert time.monotonic() - t0 < 8, err  # no exit callback asking the server again, and again
    assert code == 128 + signum, out + err
    said = _lines(err)
    assert said == [f"conform: audit {'interrupted' if signum == signal.SIGINT else 'terminated'}; nothing written"], err
    assert not (tmp_path / "o").exists()
