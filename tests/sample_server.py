"""Start and stop the sample settlement system (conform/fixtures/sample_system) as its own process.

Imported by the adapter tests (not a conftest, so it never clashes with others'):

    with SampleServer(defect="rounding_half_even") as server:
        execute(adapter=server.url, ...)

Each server listens on a free loopback port (it binds port 0 and writes the
port it got to a file); `start_all` starts several at once so their start-up
overlaps.

`shared(defect)` / `shared_many(defects)` hand out one server per twin for the whole test
process (one pytest-xdist worker, or the whole run without xdist), started on first use and
stopped at the end of the session (conftest.py's `sample_servers` fixture) or at exit: the
sample system keeps no state a test could trip on, since every scenario and property first
creates or resets its own test person (T001). Servers with a fault mode, latency, an API key
or `exit_after` carry state or behaviour of their own test and are never shared: start those
with `SampleServer(...)`.
"""
from __future__ import annotations

import atexit
import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def serve_twin(args: list[str]) -> int:
    """A mutant launcher's `__main__` (tests/_s2*_mutant*.py): the sample system with the twin its module registered in
    DEFECTS, `args` = [NAME, --port 0, --port-file F, …] as SampleServer(script=…, script_args=(NAME,)) runs it."""
    from conform.fixtures.sample_system.__main__ import main

    return main(["--defect", *args])


@contextlib.contextmanager
def twin_servers(script: Path | str, names: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """name → the URL of the sample system serving that twin of `script` (a launcher calling serve_twin), all
    started before the first is used and each stopped at the end."""
    servers = {n: SampleServer(script=script, script_args=(n,)) for n in names}
    try:
        for server in servers.values():
            server.start()
        yield {n: server.url for n, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()


START_TIMEOUT_S = 20.0


class SampleServer:
    def __init__(self, defect: str | None = None, fault: str | None = None, fault_infno: str | None = None,
                 fault_match: str | None = None, fault_sleep: float | None = None, latency_ms: float = 0,
                 exit_after: int | None = None, api_key_env: str | None = None, env: dict | None = None,
                 script: Path | str | None = None, script_args: tuple[str, ...] | list[str] = ()):
        # `script`: a launcher that serves a twin the sample system does not carry (a test's own mutant, e.g.
        # tests/_s25_chronic_mutant.py), run as `python script *script_args --port 0 --port-file F`
        self.command = [str(script), *script_args] if script is not None else ["-m", "conform.fixtures.sample_system"]
        self.args = ["--port", "0"]
        self.env = env
        for flag, value in (("--defect", defect), ("--fault", fault), ("--fault-infno", fault_infno),
                            ("--fault-match", fault_match), ("--fault-sleep", fault_sleep),
                            ("--exit-after", exit_after), ("--api-key-env", api_key_env)):
            if value is not None:
                self.args += [flag, str(value)]
        if latency_ms:
            self.args += ["--latency-ms", str(latency_ms)]
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self._dir: tempfile.TemporaryDirectory | None = None

    @property
    def url(self) -> str:
        assert self.port is not None, "server not started"
        return f"http://127.0.0.1:{self.port}/"

    def launch(self) -> "SampleServer":
        self._dir = tempfile.TemporaryDirectory(prefix="conform-sample-")
        self._port_file = Path(self._dir.name) / "port"
        self._log = open(Path(self._dir.name) / "log", "w+b")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, *self.command, *self.args,
                                      "--port-file", str(self._port_file)],
                                     cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, env=self.env)
        return self

    def wait(self) -> "SampleServer":
        assert self.proc is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self._log.seek(0)
                out = self._log.read().decode("utf-8", "replace")
                self.stop()
                raise RuntimeError(f"sample system {' '.join(self.args)} did not start: {out}")
            time.sleep(0.02)
        self.port = int(self._port_file.read_text())
        return self

    def start(self) -> "SampleServer":
        return self.launch().wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._dir is not None:
            self._log.close()
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> "SampleServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_all(servers: list[SampleServer]) -> list[SampleServer]:
    """Start several servers with their start-ups overlapping; on failure stop those already up."""
    for s in servers:
        s.launch()
    try:
        for s in servers:
            s.wait()
    except BaseException:
        for s in servers:
            s.stop()
        raise
    return servers


_SHARED: dict[str | None, SampleServer] = {}


def shared_many(defects: list[str | None]) -> dict[str | None, SampleServer]:
    """This process's server for each twin (None: the correct system), starting the missing ones at once."""
    missing = [d for d in dict.fromkeys(defects) if d not in _SHARED or _SHARED[d].proc.poll() is not None]
    for d, s in zip(missing, start_all([SampleServer(defect=d) for d in missing]), strict=True):
        _SHARED[d] = s
    return {d: _SHARED[d] for d in defects}


def shared(defect: str | None = None) -> SampleServer:
    """This process's server for one twin (None: the correct system); see the module's docstring."""
    return shared_many([defect])[defect]


def stop_shared() -> None:
    """Stop every shared server (when the session ends: conftest.py's `sample_servers`)."""
    while _SHARED:
        _SHARED.popitem()[1].stop()


atexit.register(stop_shared)
