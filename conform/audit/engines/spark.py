"""The plan on Apache Spark: the same SQL (conform/audit/plan.py), transpiled by sqlglot to Spark SQL.

The ledger is read and validated by DuckDB (streaming, out of core) and handed to Spark as
Parquet; Spark computes the expected figures and the discrepancies. `master` is `local[*]` by
default, a cluster URL (spark://…, yarn, k8s://…) or a Spark Connect endpoint (sc://…); on a
cluster, `workdir` must be a path every executor can read (a shared filesystem).

Why it is set up the way it is (measured on a 2-core machine, see benchmarks/bench_audit.py):
- Each stage of the plan is written to Parquet and read back, so the next stage's query starts
  from a file, not from the whole lineage: Catalyst analyses and optimises small plans, and a
  stage is computed exactly once. (A `.cache()` keeps the lineage, and every later statement
  re-analyses it.)
- Shuffle partitions follow the data (about a million rows each, at least the cores);
  adaptive execution joins them up where they turn out small.
- Small ledgers (the tests, a pilot export) run interpreted rather than compiled to Java: at a few
  thousand rows compiling the generated code costs more than it saves.
"""
from __future__ import annotations

import contextlib
import importlib
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import warnings
from pathlib import Path

import duckdb

from conform.display import one_line

from .. import plan
from ..errors import AuditInputError

# ledger_gaps: the months of a year with no row (run.py _months_absent), a few rows, for A-AUDIT-MONTH-ABSENT
INPUTS = ("ledger", "persons", "params", "settings", "exclusions", "psn_types", "expected_ref", "ledger_gaps")
_SESSIONS: dict[str, object] = {}
SMALL_ROWS = 10_000          # tables up to this size go over in memory (Arrow), not as files
ROWS_PER_PARTITION = 1_000_000
INTERPRETED_ROWS = 50_000    # below this many ledger rows, no code generation
C1_ROWS = 2_000_000          # below this many, a local JVM started here compiles with C1 only,
BROADCAST_BYTES = 100 << 20  # and joins broadcast tables up to this size
LOG4J2 = Path(__file__).with_name("log4j2.properties")  # the driver JVM's logging: errors only
CONNECT_TIMEOUT_S = 10       # a Spark Connect endpoint must accept a connection within this
CANCEL_WAIT_S = 2            # Ctrl-C waits at most this long for Spark to take the cancelling of its jobs
# Per-stage wall times of the last run in this process (benchmarks/bench_audit.py prints them).
LAST_TIMINGS: dict[str, float] = {}


# The master URLs Spark accepts (checked before a JVM starts, which would only print a stack trace, after
# the ledger was read): Spark's own forms, as strict as Spark is (a standalone master's spark://host:port
# with no path, user or password: Utils.extractHostPortFromSparkUrl), and Spark Connect's sc://host:port
# with its parameters after '/;' (pyspark's ChannelBuilder). master_problem says what is wrong with one.
_HOST = r"(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])"
_HOSTPORT = _HOST + r":\d{1,5}"
MASTER = re.compile(r"local(\[(\*|[1-9]\d*)(,\d+)?\])?|local-cluster\[\d+, *\d+, *\d+\]"
                    rf"|spark://{_HOSTPORT}(,{_HOSTPORT})*|yarn"
                    rf"|k8s://(https?://)?{_HOST}(:\d{{1,5}})?(/[^\s@?#;]*)?"
                    rf"|sc://{_HOST}(:\d{{1,5}})?(/(;[^;=\s]+=[^;\s]*)*)?")
_SCHEMES = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://)*")


def redacted(master: str) -> str:
    """The master URL for messages: without a user and password (spark://user:pw@h, k8s://https://u:p@h, shown
    as ***@) and without what may follow the address (a Spark Connect URL's parameters, `/;token=…`, a
    query or a fragment)."""
    at = master.rfind("@")
    if at >= 0:
        lead = min(_SCHEMES.match(master).end(), at)
        master = master[:lead] + "***@" + master[at + 1:]
    cut = re.search(r"/?[;?#]" if not master.startswith("sc://") else r"[/;?#]", master[5:])
    return master[:5 + cut.start()] if cut else master


def _secrets(master: str) -> list[str]:
    """The parts of a master URL that may be secret: its user and password, its parameters' values (a Spark
    Connect token), as written and as decoded; the longest first."""
    from urllib.parse import unquote

    from conform.harness.evidence import MIN_SECRET_CHARS

    found = {master}
    at = master.rfind("@")
    if at >= 0:
        userinfo = master[min(_SCHEMES.match(master).end(), at):at]
        found |= {userinfo, *userinfo.split(":")}
    for part in re.split(r"[;?&#]", master)[1:]:
        found.add(part.split("=", 1)[-1])
    found |= {unquote(x) for x in found}
    # as conform.harness.evidence: a value shorter than MIN_SECRET_CHARS would turn every such letter into ***
    return sorted((x for x in found if len(x) >= MIN_SECRET_CHARS), key=len, reverse=True)


def scrubbed(text: str, master: str) -> str:
    """`text` (Spark's or pyspark's message, which may quote the master URL) with the URL shown as redacted
    and every secret part of it (user, password, token) as ***."""
    text = text.replace(master, redacted(master))
    for secret in _secrets(master)[1:]:
        text = text.replace(secret, "***")
    return text


def master_problem(master: str) -> str | None:
    """Why `master` is no master URL Spark (or Spark Connect) would take, or (yarn) cannot be used here, in a
    line; None if it is one. Asked before any work: a JVM given a bad one prints its stack trace, after the
    ledger was read."""
    if master.startswith("spark://"):
        if "@" in master:
            return ("a standalone master's address takes no user or password (Spark refuses one): "
                    "spark://host:port")
        for part in master[len("spark://"):].split(","):
            if "/" in part or "?" in part or "#" in part:
                return "nothing may follow a standalone master's port (no '/'): spark://host:port"
            if not re.fullmatch(_HOSTPORT, part):
                return ("a standalone master's address needs its port: spark://host:port (7077 unless the master "
                        "was started with another; several masters: spark://host1:port1,host2:port2)")
            if not 0 < int(part.rsplit(":", 1)[1]) < 65536:
                return f"port {part.rsplit(':', 1)[1]} is no TCP port (1-65535)"
        return None
    if master.startswith("sc://"):
        rest = master[len("sc://"):]
        if "@" in rest.split("/", 1)[0].split(";", 1)[0]:
            return ("Spark Connect takes no user or password in the address (pyspark would ignore it): give a token "
                    "as a parameter, sc://host:port/;token=…")
        if ";" in rest and "/;" not in rest:
            return "a Spark Connect URL's parameters follow '/;': sc://host:port/;token=…"
        port = re.match(_HOST + r":(\d+)", rest)
        if port and not 0 < int(port.group(1)) < 65536:
            return f"port {port.group(1)} is no TCP port (1-65535)"
    if master.startswith("k8s://"):
        if "@" in master:
            return ("a Kubernetes master's address takes no user or password: Spark signs in to the API server with "
                    "the kubeconfig (~/.kube/config) or the spark.kubernetes.authenticate settings")
        port = re.match(r"(?:https?://)?" + _HOST + r":(\d+)", master[len("k8s://"):])
        if port and not 0 < int(port.group(1)) < 65536:
            return f"port {port.group(1)} is no TCP port (1-65535)"
    if master == "yarn":
        conf = {k: os.environ[k] for k in ("HADOOP_CONF_DIR", "YARN_CONF_DIR") if os.environ.get(k)}
        if not conf:
            return ("needs HADOOP_CONF_DIR or YARN_CONF_DIR set to the folder of the cluster's configuration "
                    "(yarn-site.xml, core-site.xml), where Spark finds the ResourceManager")
        if not any(os.path.isdir(d) for d in conf.values()):
            return "needs the cluster's configuration folder, but " + " and ".join(f"{k}={d} is no folder"
                                                                                for k, d in conf.items())
        return None
    if not MASTER.fullmatch(master):
        return "expected local[*], local[N], spark://host:port, yarn, k8s://https://host:port or sc://host:port"
    return None


def _reachable(url: str) -> None:
    """Fail fast on a Spark Connect endpoint that does not answer, or answers but not as a gRPC server (a web
    server, the Spark UI): the client itself retries with backoff for many minutes before giving up."""
    from pyspark.sql.connect.client import DefaultChannelBuilder

    b = DefaultChannelBuilder(url)
    why = _no_answer(b.endpoint)
    if why is not None:
        raise ConnectionError(f"no Spark Connect server answers at {b.endpoint} ({why})")
    # pyspark's channel: TLS when use_ssl or a token is given, but for a token to `localhost` (local credentials)
    tls = b.secure and (b.use_ssl or b.host != "localhost")
    why = _no_http2(b.endpoint, tls)
    if why is not None:
        raise ConnectionError(f"no Spark Connect server at {b.endpoint}: {why}")


# HTTP/2's client connection preface and an empty SETTINGS frame: a gRPC server (Spark Connect) answers with
# a SETTINGS frame of its own (RFC 9113 §3.4); an HTTP/1 server answers with text ("HTTP/1.1 400"), or not at all.
_H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])


def _no_http2(endpoint: str, tls: bool = False) -> str | None:
    """Why the server at `endpoint` does not speak gRPC's HTTP/2 (plain, or over TLS), in a phrase; None if it
    answers the HTTP/2 preface with a SETTINGS frame. At most CONNECT_TIMEOUT_S."""
    host, port = endpoint.rsplit(":", 1)
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S) as raw:
            sock = raw
            if tls:
                import ssl

                ctx = ssl.create_default_context()
                ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # the channel verifies; this only asks
                ctx.set_alpn_protocols(["h2"])
                sock = ctx.wrap_socket(raw, server_hostname=host.strip("[]"))
            sock.sendall(_H2_PREFACE)
            head = b""
            while len(head) < 9:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                got = sock.recv(9 - len(head))
                if not got:
                    break
                head += got
    except TimeoutError:
        return (f"it accepts connections but gave no HTTP/2 answer within {CONNECT_TIMEOUT_S} s "
                "(is this the Spark Connect port, 15002 unless set otherwise?)")
    except OSError as e:  # ssl.SSLError too: no TLS there
        if tls:
            return f"TLS failed ({e.strerror or e}; with use_ssl=true or a token the client speaks TLS)"
        return f"the connection failed ({e.strerror or e})"
    if len(head) == 9 and head[3] == 4 and not head[4] & 1:  # type SETTINGS, not an ACK
        return None
    said = head.split(b"\r", 1)[0].decode("ascii", "replace").strip()
    return ("it does not answer as a gRPC (HTTP/2) server" + (f" (it said {said[:40]!r}" if said else " (it closed")
            + "; is this the Spark Connect port, 15002 unless set otherwise, and not a web server's?)")


def _no_answer(endpoint: str) -> str | None:
    """Why nothing accepts a TCP connection at `endpoint` (host:port) within CONNECT_TIMEOUT_S, or None."""
    host, port = endpoint.rsplit(":", 1)
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
        return None
    except TimeoutError:
        return f"no answer within {CONNECT_TIMEOUT_S} s"
    except OSError as e:
        return str(e.strerror or e)


def _master_answers(master: str) -> None:
    """Fail fast where no standalone master (spark://h:p, or several: h1:p1,h2:p2) accepts a connection: Spark's
    client retries for over a minute first (74 s for a refused port on a 200-row ledger)."""
    said = []
    for endpoint in master[len("spark://"):].split(","):
        why = _no_answer(endpoint)
        if why is None:
            return
        said.append(f"{endpoint}: {why}")
    raise ConnectionError("no Spark master accepts a connection at " + "; ".join(said))


def session(master: str = "local[*]", small: bool = False):
    """A SparkSession for `master` (cached per process). `small`: the first ledger is small, so a
    local JVM compiles with C1 only (-XX:TieredStopAtLevel=1): most of its work is then Spark's own
    warm-up, and C2 compiling it costs more than it returns."""
    if master in _SESSIONS:
        return _SESSIONS[master]
    from pyspark.sql import SparkSession

    if master.startswith("sc://"):
        _reachable(master)
        s = SparkSession.builder.remote(master).getOrCreate()
        _bounded(s.client)
        try:  # one request: a gRPC server that is not Spark Connect fails here, as a start failure
            s.version  # noqa: B018
        except Exception as e:
            if not _unanswered(e):
                raise
            raise ConnectionError(f"the server at {redacted(master)[len('sc://'):]} did not take a Spark Connect "
                                  f"request ({_grpc_said(e)})") from None
    else:
        conf = {"spark.master": master, "spark.app.name": "conform-audit", "spark.ui.enabled": "false",
                "spark.ui.showConsoleProgress": "false", "spark.sql.session.timeZone": "UTC"}
        if os.environ.get("CONFORM_SPARK_LOG_LEVEL"):  # more than errors (log4j2.properties), e.g. WARN or INFO
            conf["spark.log.level"] = os.environ["CONFORM_SPARK_LOG_LEVEL"]
        java = [f"-Dlog4j2.configurationFile={LOG4J2.as_uri()}"]
        if master.startswith("local"):
            # One JVM holds driver and executors: give it the memory a 10M-row ledger needs.
            conf["spark.driver.memory"] = os.environ.get("CONFORM_SPARK_DRIVER_MEMORY", "3g")
            if small:
                java.append("-XX:TieredStopAtLevel=1")
        conf["spark.driver.extraJavaOptions"] = " ".join(java)
        if master.startswith("spark://"):
            _master_answers(master)
        main = threading.current_thread() is threading.main_thread()
        before = signal.getsignal(signal.SIGINT) if main else None
        # From here until _keep_sigint a Ctrl-C meets pyspark's own handler (getOrCreate installs it), which calls
        # the JVM from inside a py4j call and py4j logs each failure with its traceback (probe T, s21): py4j's
        # logging is off for the session — what fails reaches the run as an exception, said in a line.
        _py4j_quiet()
        _launch_gateway(conf)
        s = SparkSession.builder.config(map=conf).getOrCreate()
        if _JVM is not None:
            _JVM.started()
        if main:
            _keep_sigint(before, s.sparkContext)
    _SESSIONS[master] = s
    return s


# The Spark Connect client's retries of a request the server did not take (UNAVAILABLE): pyspark's default policy
# waits up to ten minutes per request (and a server may ask for up to ten minutes more); here at most about
# CONNECT_RETRY_S in all, so a server that went away ends the run with its error instead of a silent wait.
CONNECT_RETRIES = 6          # waits 0.05, 0.2, 0.8, 3.2, 8, 8 s (+ up to 0.5 s jitter each from 2 s on)
CONNECT_RETRY_S = 22


def _grpc_said(e: BaseException) -> str:
    """A gRPC failure in a phrase: its status and details ('UNAVAILABLE: failed to connect …'), not the
    client's multi-line dump of the call."""
    code = getattr(e, "getGrpcStatusCode", None) or getattr(e, "code", None)
    with contextlib.suppress(Exception):
        code = code()
    details = re.search(r'details = "(.*?)"\n', str(e))
    text = details.group(1) if details else (str(e).strip().splitlines() or [type(e).__name__])[0]
    return f"{code.name}: {text[:200]}" if hasattr(code, "name") else text[:200]


def _bounded(client) -> None:
    """Bound the Connect client's retries (CONNECT_RETRIES), and drop its exit callback: at interpreter exit it
    asks the server to clear its ML cache (which this audit never fills), with the same retries, so an audit
    stopped by Ctrl-C or SIGTERM, or a server gone, would keep the process alive for minutes after its last line."""
    import atexit

    from pyspark.sql.connect.client.retries import DefaultPolicy

    client.set_retry_policies([DefaultPolicy(max_retries=CONNECT_RETRIES, max_backoff=8000,
                                             max_server_retry_delay=8000)])
    client._max_retry_exception_elapsed_time = CONNECT_RETRY_S  # a reattachable query's re-attempts
    atexit.unregister(client._on_exit)
    # it warns each time it gives up; the failure itself is what the audit reports
    warnings.filterwarnings("ignore", message=r"\[RETRIES_EXCEEDED\]")


class _JvmOutput:
    """What the driver JVM prints (its stdout and stderr, one pipe), read by a thread of its own. While Spark
    starts it is kept, not shown: a master that fails prints a Java stack trace (22 lines for a bad
    spark:// address, 300 for an unreachable Kubernetes API server) where one line says why, and the JVM
    goes on logging its clean-up afterwards; start_failure takes the cause from it. Once the session runs,
    the JVM's lines go to stderr as they come (errors only, log4j2.properties), and those kept at start-up
    with them, but for the JVM's notice of its incubator modules."""
    NOTICE = "WARNING: Using incubator modules"
    KEEP = 5000  # lines: a start-up trace is some hundreds

    def __init__(self, fd: int):
        from collections import deque

        self.lines: deque[str] = deque(maxlen=self.KEEP)
        self.live = False
        self.lock = threading.Lock()
        self.last = time.monotonic()
        self.thread = threading.Thread(target=self._pump, args=(fd,), name="conform-spark-jvm-output", daemon=True)
        self.thread.start()

    def _pump(self, fd: int) -> None:
        import sys

        with os.fdopen(fd, "rb") as f:
            for raw in f:
                line = raw.decode("utf-8", "replace")
                with self.lock:
                    self.last = time.monotonic()
                    if not self.live:
                        self.lines.append(line.rstrip("\r\n"))
                        continue
                with contextlib.suppress(Exception):  # a closed stderr at exit
                    sys.stderr.write(line)
                    sys.stderr.flush()

    def mute(self) -> None:
        """The run is being stopped: what the JVM says from now on (Spark logging the jobs it aborts, with their
        stack traces) is not the user's concern, and is dropped."""
        with self.lock:
            self.live = False
            self.lines = type(self.lines)(maxlen=1)

    def started(self) -> None:
        """The session runs: from now on the JVM's lines are shown, and those of its start-up now."""
        import sys

        with self.lock:
            self.live = True
            kept = [x for x in self.lines if not x.startswith(self.NOTICE)]
            self.lines.clear()
        with contextlib.suppress(Exception):
            for line in kept:
                sys.stderr.write(line + "\n")
            sys.stderr.flush()

    def said(self, quiet_s: float = 0.5, wait_s: float = 5.0) -> list[str]:
        """The lines kept at start-up, once the JVM has been quiet for `quiet_s` (it logs the error before
        py4j relays it) or has exited, waiting at most `wait_s`."""
        deadline = time.monotonic() + wait_s
        while self.thread.is_alive() and time.monotonic() < deadline and time.monotonic() - self.last < quiet_s:
            time.sleep(0.05)
        with self.lock:
            return list(self.lines)


_JVM: _JvmOutput | None = None
_LAUNCHED: list[subprocess.Popen] = []  # the driver JVM's launch started here (its process group's leader)


def _launch_gateway(conf: dict[str, str]) -> None:
    """Start the driver JVM as pyspark would (spark-submit with `conf`), but with its output piped to a
    _JvmOutput instead of this process's stderr. Nothing when a gateway runs already (this process's
    earlier session, or pyspark's own shell: PYSPARK_GATEWAY_PORT)."""
    global _JVM
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway

    if SparkContext._gateway is not None or "PYSPARK_GATEWAY_PORT" in os.environ:
        return
    import pyspark.java_gateway as java_gateway

    read, write = os.pipe()
    _JVM = _JvmOutput(read)
    # A stop (Ctrl-C, SIGTERM) while the JVM starts: pyspark's wait for it ends, and it removes the folder where the
    # JVM would say its port, but leaves the JVM running (it ignores SIGINT, and with no Python at the other end
    # of its port it never learns that it is not wanted). So the JVM starts in a process group of its own (a
    # terminal's Ctrl-C went to this one's only), pyspark's Popen is noted here, and a launch that does not
    # finish kills the group: spark-submit's shell, the launcher and the driver JVM.
    started: list[subprocess.Popen] = []

    class Noted(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            started.append(self)  # before the fork: a stop while Popen waits for the exec still finds its pid
            super().__init__(*args, **kwargs)

    popen = java_gateway.Popen
    java_gateway.Popen = Noted
    try:
        gateway = launch_gateway(SparkConf().setAll(list(conf.items())),
                                 popen_kwargs={"stdout": write, "stderr": write, "process_group": 0})
    except BaseException:
        for proc in started:
            _kill_group(proc)
        raise
    finally:
        java_gateway.Popen = popen
        os.close(write)  # the JVM holds its own copy: the pipe ends when the JVM does
    _LAUNCHED[:] = started
    SparkContext._gateway = gateway
    SparkContext._jvm = gateway.jvm


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill `proc` and its process group (it leads it, once it has set it up, before its exec) and reap `proc`."""
    pid = getattr(proc, "pid", None)
    if pid is None:  # not forked
        return
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        proc.wait(timeout=10)


def _keep_sigint(before, context) -> None:
    """pyspark's SparkContext replaces the SIGINT handler with its own (cancel every job, then
    KeyboardInterrupt). Keep the one that was there — `conform audit`'s, which after the report is
    published only notes the signal (conform/audit/interrupt.py) — with Spark's jobs cancelled first."""
    def cancel():
        with contextlib.suppress(Exception):  # a stopped context has nothing to cancel
            context.cancelAllJobs()

    def handler(signum, frame):
        # The main thread may be inside a py4j call, reading the JVM's answer on its connection: calling the JVM
        # from this handler (which runs in the main thread) would re-enter that connection (py4j logs "reentrant
        # call inside <_io.BufferedReader>", then "KeyboardInterrupt while sending command", with tracebacks).
        # A thread of its own has a connection of its own (pyspark pins one per thread).
        _quiet_stop()
        canceller = threading.Thread(target=cancel, name="conform-spark-cancel", daemon=True)
        canceller.start()
        canceller.join(CANCEL_WAIT_S)  # the jobs cancelled before the run unwinds, unless the JVM does not answer
        if callable(before):
            return before(signum, frame)
        if before != signal.SIG_IGN:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)


def _quiet_stop() -> None:
    """Keep py4j's error logging, and the driver JVM's, off the terminal while a stop unwinds the run: a
    KeyboardInterrupt inside a py4j call is logged by py4j, with its traceback, through the root logger
    (logging.exception, which gives the root logger a stderr handler if it has none), and Spark logs each job
    it aborts with a Java stack trace. The run says in a line that it stopped."""
    if _JVM is not None:
        _JVM.mute()
    _py4j_quiet()


def _py4j_quiet() -> None:
    """No record from py4j's own code on the terminal (py4j logs through the root logger, giving it a stderr
    handler if it has none)."""
    import logging

    root = logging.getLogger()
    if not any(isinstance(f, _NotPy4j) for f in root.filters):
        root.addFilter(_NotPy4j())
    logging.getLogger("py4j").setLevel(logging.CRITICAL + 1)
    # … nor pyspark's own record of a failed query (a JSON line with the Python stack): the failure reaches the run
    # as the exception, said in a line (an overflow as the ledger's located error: ledger.too_large)
    try:
        from pyspark.logger import PySparkLogger
    except ImportError:  # pyspark before 4 has no such logger
        return
    PySparkLogger.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL + 1)


class _NotPy4j:
    """A logging filter: no record logged from py4j's own code."""

    def filter(self, record) -> bool:
        return f"{os.sep}py4j{os.sep}" not in (record.pathname or "")


SETTLE_S = 5  # a stopped or failed run waits at most this long for Spark's tasks to end


def _settle(spark, stopped: bool) -> None:
    """The run stops (Ctrl-C, SIGTERM, a failure): cancel Spark's jobs and wait, at most SETTLE_S, until no task
    runs. Cancelling only asks the tasks to stop; one still writing a stage into the working folder after
    the run has removed it would leave the folder behind. A local JVM only (not a cluster's or Spark Connect's
    executors, which write to their own shared filesystem); from a thread of its own, so the main thread's py4j
    connection, which a KeyboardInterrupt may have cut in mid-call, is not used; a second Ctrl-C ends the wait.
    `stopped`: by Ctrl-C or SIGTERM, so nothing Spark or py4j says of it is shown."""
    try:
        context = spark.sparkContext
        if not context.master.startswith("local"):
            return
    except Exception:  # Spark Connect has no SparkContext; a stopped one has nothing to wait for
        return

    def wait() -> None:
        with contextlib.suppress(Exception):
            context.cancelAllJobs()
            tracker = context._jsc.sc().statusTracker()
            deadline = time.monotonic() + SETTLE_S
            while time.monotonic() < deadline:
                if not tracker.getActiveJobIds() and all(e.numRunningTasks() == 0 for e in tracker.getExecutorInfos()):
                    return
                time.sleep(0.05)

    if stopped:  # a failure's own errors stay on the terminal
        _quiet_stop()
    waiter = threading.Thread(target=wait, name="conform-spark-settle", daemon=True)
    waiter.start()
    waiter.join(SETTLE_S + 2)


def _end_local_jvm() -> None:
    """The run was stopped (Ctrl-C, SIGTERM) and this process ends: end the local driver JVM started here, and
    with it every task, before the working folder is removed. Cancelling is not enough: the JVM's thread that
    serves the main thread's interrupted call (a stage being written) goes on, and may submit its job after
    the cancel, with no job active when _settle looks, and write the stage into a folder already removed
    (seen in CI: the working folder left behind after a Ctrl-C right after a stage began). A cluster's or
    Spark Connect's executors are not this process's to end."""
    for proc in _LAUNCHED:
        _kill_group(proc)
    _LAUNCHED.clear()
    if _JVM is not None:
        _JVM.mute()


def _tune(spark, rows: int) -> None:
    """Runtime SQL settings sized to this ledger (a shared session keeps the last ones)."""
    try:
        cores = spark.sparkContext.defaultParallelism
    except Exception:  # Spark Connect has no SparkContext
        cores = 2
    parts = max(cores, -(-rows // ROWS_PER_PARTITION))
    small = rows < INTERPRETED_ROWS
    conf = {
        "spark.sql.shuffle.partitions": str(parts),
        # Adaptive execution plans each shuffle stage as its own job: worth it on big data only.
        "spark.sql.adaptive.enabled": "false" if small else "true",
        "spark.sql.adaptive.coalescePartitions.enabled": "true",
        "spark.sql.codegen.wholeStage": "false" if small else "true",
        "spark.sql.codegen.factoryMode": "NO_CODEGEN" if small else "FALLBACK",
    }
    # Up to a couple of million rows the narrow key tables (`ordered`, per person) fit in one
    # broadcast: joining them costs no shuffle of the wide ledger rows (1M rows: JVM CPU 146 -> 113 s).
    # Beyond, Spark's own 10 MB.
    broadcast = str(BROADCAST_BYTES if rows < C1_ROWS else 10 << 20)
    conf["spark.sql.autoBroadcastJoinThreshold"] = broadcast
    conf["spark.sql.adaptive.autoBroadcastJoinThreshold"] = broadcast
    asked = set()
    for k, v in os.environ.items():  # an override for a cluster or a profile: CONFORM_SPARK_CONF_spark.sql.x=value
        if k.startswith("CONFORM_SPARK_CONF_"):
            conf[k.removeprefix("CONFORM_SPARK_CONF_")] = v
            asked.add(k.removeprefix("CONFORM_SPARK_CONF_"))
    for k, v in conf.items():
        try:
            spark.conf.set(k, v)
        except Exception as e:  # a setting a cluster or Connect server does not allow: keep its own
            if _unanswered(e):  # but no answer at all ends the run (each try has waited its retries already)
                raise
            if k in asked:  # what the user asked for is not silently dropped (probe T, s21)
                said = one_line(str(e).strip().splitlines()[0][:300]) if str(e).strip() else type(e).__name__
                raise AuditInputError(
                    f"CONFORM_SPARK_CONF_{k}={one_line(v[:100])}: Spark refused the setting ({said}); a runtime SQL "
                    "setting (spark.sql.*) is set here, while a static one such as spark.executor.memory is the "
                    "cluster's or spark-submit's (--conf)") from None


def _unanswered(e: BaseException) -> bool:
    """`e` says the server (Spark Connect) or the driver JVM did not answer, rather than that Spark refused what
    it was asked: a gRPC failure that carries no Spark error (a bare SparkConnectGrpcException), a gRPC error
    itself, py4j's network error."""
    kinds: list[type] = [ConnectionError]
    with contextlib.suppress(ImportError):
        from py4j.protocol import Py4JNetworkError

        kinds.append(Py4JNetworkError)
    with contextlib.suppress(ImportError):
        import grpc
        from pyspark.errors.exceptions.connect import SparkConnectGrpcException

        if type(e) is SparkConnectGrpcException:
            return True
        kinds.append(grpc.RpcError)
    return isinstance(e, tuple(kinds))


JAVA_MIN = 17


def _java() -> tuple[str | None, str | None]:
    """The java Spark would start (JAVA_HOME's, else the PATH's), or why there is none: a look, nothing run."""
    home = os.environ.get("JAVA_HOME")
    if home:
        java = os.path.join(home, "bin", "java")
        if not (os.path.isfile(java) and os.access(java, os.X_OK)):
            return None, f"JAVA_HOME={home} has no bin/java"
        return java, None
    java = shutil.which("java")
    return (java, None) if java else (None, "no java on the PATH, and JAVA_HOME is not set")


def java_problem() -> str | None:
    """What is wrong with the Java that Spark would start, or None if it runs and is recent enough. Asked only
    once Spark has failed to start: running `java -version` takes a moment (a missing java is refused up front,
    SparkEngine)."""
    java, missing = _java()
    if java is None:
        return missing
    try:
        r = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        return f"{java} does not run ({type(e).__name__}: {e})"
    said = (r.stderr or "") + (r.stdout or "")
    m = re.search(r'version "(\d+)(?:\.(\d+))?', said)
    if r.returncode != 0 or m is None:
        return f"{java} -version failed: {said.strip().splitlines()[0][:200] if said.strip() else r.returncode}"
    major = int(m.group(2) or 0) if m.group(1) == "1" else int(m.group(1))  # "1.8.0_392" is Java 8
    if major < JAVA_MIN:
        return f"{java} is Java {major}"
    return None


def _cause(lines: list[str]) -> str | None:
    """The cause a JVM's output or a Java stack trace states, in a line: spark-submit's own refusal ('Exception
    in thread "main" …'); else whichever comes first of an error Spark logged (other than 'Error initializing
    SparkContext.', which the exception after it explains: 'All masters are unresponsive! Giving up.') and an
    exception (logged, or relayed by py4j: ': org.apache.spark.SparkException: …') with its innermost
    'Caused by' (the outer one where the innermost only repeats its text shorter). Class names without their
    package."""
    def short(line: str) -> str:
        cls, _, msg = line.strip().lstrip(":").strip().partition(": ")
        return f"{cls.rsplit('.', 1)[-1].rsplit('$', 1)[-1]}: {msg}" if msg else cls.rsplit(".", 1)[-1]

    exc = re.compile(r"^:? ?(?:[a-z][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)\b(?::.*)?$")
    logged = re.compile(r"^\d\d/\d\d/\d\d \d\d:\d\d:\d\d ([A-Z]+) [\w.$]+: (.*)$")
    for line in lines:
        m = re.match(r'Exception in thread "main" (.*)', line)
        if m:
            return short(m.group(1))
    first, caused = None, []
    for line in lines:
        log = logged.match(line)
        if first is None:
            if log and log.group(1) in ("ERROR", "FATAL") and log.group(2).strip() != "Error initializing SparkContext.":
                return log.group(2).strip()
            if exc.match(line.strip()):
                first = short(line)
        elif line.startswith("Caused by: "):
            caused.append(short(line[len("Caused by: "):]))
        elif log:  # the next log line: the trace ended
            break
    if first is None or not caused:
        return first
    i = len(caused) - 1
    while i > 0 and caused[i - 1].partition(": ")[2].startswith(caused[i].partition(": ")[2]):
        i -= 1
    return f"{first} (caused by {caused[i]})" if caused[i] != first else first


_HINTS = {
    "spark://": ("no Spark master answered at that address, or it did not accept the application (is a standalone "
                 "master running there, reachable from this machine, with workers free?)"),
    "k8s://": ("is the Kubernetes API server running and reachable there, and may this kubeconfig's user create "
               "pods? Spark on Kubernetes also needs spark.kubernetes.container.image"),
    "yarn": "is the ResourceManager named in yarn-site.xml running and reachable from this machine?",
}


def start_failure(master: str, e: BaseException, said: list[str] | None = None) -> str:
    """Why Spark did not start at `master`, for the user, in a line. py4j's first line ('An error occurred while
    calling None.org.apache.spark.sql.classic.SparkSession.') names no cause: the cause is taken from the Java
    trace (py4j's, or `said`: what the driver JVM printed while starting, kept off the console). Java is blamed
    only when it is in fact missing or unusable. The master is shown redacted, and any secret of it (user,
    password, token) that Spark's or pyspark's text quotes as ***."""
    text = str(e).strip().splitlines() or [type(e).__name__]
    where = f"cannot start Spark at {redacted(master)}"
    if master.startswith("sc://"):  # Spark Connect: no local JVM, the server's own error
        return f"{where}: {scrubbed(text[0][:300], master)}"
    cause = _cause(said or []) or _cause(text)
    if cause is None and said and "JAVA_GATEWAY_EXITED" in text[0]:  # the JVM did not start: what it said
        cause = " / ".join([x.strip() for x in said if x.strip() and not x.startswith(_JvmOutput.NOTICE)][:3])
    cause = scrubbed((cause or text[0])[:400], master)
    java = java_problem()
    if java is not None:
        return f"{where}: {cause} (the Spark engine needs Java {JAVA_MIN}: {java}; see docs/audit.md)"
    hint = next((h for k, h in _HINTS.items() if master.startswith(k)), None)
    if master.startswith("spark://"):
        return f"{where}: {hint} [Spark: {cause}]"
    return f"{where}: {cause}" + (f" ({hint})" if hint else "")


# Spark's driver needs 1.5 × its 300 MB reserve (INVALID_DRIVER_MEMORY below it); far below, the JVM itself cannot
# start and says only "A JNI error has occurred, please check your installation".
DRIVER_MEMORY_MIN = 450 << 20
_JVM_SIZE = re.compile(r"\s*(\d+)\s*([kmgt]?b?)\s*", re.IGNORECASE)
# spark.driver.memory's units (a bare number is MiB to Spark)
_UNITS = {"": 20, "b": 0, "k": 10, "kb": 10, "m": 20, "mb": 20, "g": 30, "gb": 30, "t": 40, "tb": 40}


def driver_memory_problem() -> str | None:
    """Why CONFORM_SPARK_DRIVER_MEMORY is too small for a local driver, in a line; None if it is unset, large enough,
    or no size this reads (the JVM then says what it makes of it)."""
    value = os.environ.get("CONFORM_SPARK_DRIVER_MEMORY")
    m = _JVM_SIZE.fullmatch(value or "")
    if m is None:
        return None
    size = int(m.group(1)) << _UNITS[m.group(2).lower()]
    if size >= DRIVER_MEMORY_MIN:
        return None
    return (f"CONFORM_SPARK_DRIVER_MEMORY={value.strip()} is too small: Spark's local driver needs at least 450m "
            "(the default is 3g; a 10-million-row ledger needs about that)")


def _literal(path) -> str:
    """`path` for Spark to read as it is: Spark (Hadoop's globStatus) reads a path holding any of \\ { } [ ] * ?
    as a pattern (a working folder under TMPDIR=/tmp/x[1] would match nothing); a backslash makes each
    such character literal. Paths written to are taken as they are, and are not escaped."""
    return re.sub(r"([\\{}\[\]*?])", r"\\\1", str(path))


class SparkEngine:
    name = "spark"

    def __init__(self, master: str | None = None, spark=None, **_: object):
        self.master = master or "local[*]"
        self._spark = spark
        if spark is None:  # without pyspark, refused here, before the ledger is read (the CLI says how to install it)
            importlib.import_module("pyspark")
        problem = master_problem(self.master) if spark is None else None  # before any work and any JVM
        if problem is not None:
            raise AuditInputError(f"--spark-master {redacted(self.master)!r} "
                                  + (problem if self.master == "yarn" else f"is not a Spark master URL: {problem}"))
        small = driver_memory_problem() if spark is None and self.master.startswith("local") else None
        if small is not None:
            raise AuditInputError(small)
        # the driver JVM runs here for every master but Spark Connect's: no java is said before the ledger is read
        missing = _java()[1] if spark is None and not self.master.startswith("sc://") else None
        if missing is not None:
            raise AuditInputError(f"cannot start Spark at {redacted(self.master)}: the Spark engine needs Java "
                                  f"{JAVA_MIN}: {missing}; see docs/audit.md")

    def _session(self, rows: int):
        if self._spark is None:
            try:
                self._spark = session(self.master, small=rows < C1_ROWS)
            except ImportError:
                raise
            except Exception as e:  # no Java, an unreachable master: configuration, not a crash
                raise AuditInputError(start_failure(self.master, e, _JVM.said() if _JVM else None)) from None
        return self._spark

    def run(self, con: duckdb.DuckDBPyConnection, fields: tuple[str, ...], out: Path, workdir: Path) -> dict:
        try:
            return self._run(con, fields, out, workdir)
        except BaseException as e:
            stopped = isinstance(e, (KeyboardInterrupt, SystemExit))
            if stopped and _LAUNCHED:
                _end_local_jvm()
            elif self._spark is not None:
                _settle(self._spark, stopped=stopped)
            raise

    def _run(self, con: duckdb.DuckDBPyConnection, fields: tuple[str, ...], out: Path, workdir: Path) -> dict:
        LAST_TIMINGS.clear()
        t0 = time.perf_counter()

        def lap(name: str) -> None:
            LAST_TIMINGS[name] = round(time.perf_counter() - t0 - sum(LAST_TIMINGS.values()), 3)

        rows = con.execute("SELECT count(*) FROM ledger").fetchall()[0][0]
        spark = self._session(rows)
        lap("session")
        _tune(spark, rows)
        src = workdir / "spark-in"
        src.mkdir(parents=True, exist_ok=True)
        for t in INPUTS:
            if con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] <= SMALL_ROWS:
                # Parameter tables and small ledgers: handed over in memory (Arrow), no file.
                from pyspark.sql.pandas.types import from_arrow_schema

                tbl = con.table(t).arrow()
                tbl = tbl.read_all() if hasattr(tbl, "read_all") else tbl
                # An empty table must reach the optimiser as an empty relation: built from an empty list
                # it is an RDD of unknown size, and Spark then shuffles the whole ledger (keyed on a
                # column that is NULL in nearly every row, so onto one core) to join with nothing.
                # LIMIT 0 makes it a known-empty relation, which the optimiser removes from the joins.
                df = (spark.createDataFrame(tbl) if tbl.num_rows
                      else spark.createDataFrame([], schema=from_arrow_schema(tbl.schema)).limit(0))
                df.createOrReplaceTempView(t)
                continue
            p = str(src / f"{t}.parquet").replace("'", "''")
            con.execute(f"COPY {t} TO '{p}' (FORMAT parquet)")
            spark.read.parquet(_literal(src / f"{t}.parquet")).createOrReplaceTempView(t)
        lap("hand-over")
        for name in plan.STAGES:
            d = str(workdir / f"spark-{name}")
            spark.sql(plan.sql(name, "spark", fields)).write.mode("overwrite").parquet(d)
            spark.read.parquet(_literal(d)).createOrReplaceTempView(name)
            lap(name)
        disc_dir = workdir / "spark-discrepancies"
        spark.sql(plan.sql("compare", "spark", fields)).write.mode("overwrite").parquet(str(disc_dir))
        lap("compare")
        totals = spark.sql(plan.sql("totals", "spark")).collect()[0].asDict()
        unassessed = ([tuple(r) for r in spark.sql(plan.sql("unassessed", "spark")).collect()]
                      if totals["unassessed"] else [])
        notes = ([tuple(r) for r in spark.sql(plan.sql("unassessed_notes", "spark")).collect()]
                 if totals["unassessed"] else [])
        lap("totals")
        lit = str(out).replace("'", "''")
        # the part files by name, in order, not a pattern: DuckDB would read '[', '{', '*', '?' in the folder's
        # path as a pattern too (the files' own names hold none of them)
        parts = sorted(str(p) for p in disc_dir.iterdir() if p.name.endswith(".parquet"))
        files = ", ".join("'" + p.replace("'", "''") + "'" for p in parts) or "'" + str(disc_dir / "*.parquet").replace("'", "''") + "'"
        con.execute(f"COPY (SELECT * FROM read_parquet([{files}])) TO '{lit}' (FORMAT parquet)")
        lap("collect")
        return {**{k: int(v) if v is not None else 0 for k, v in totals.items()}, "unassessed_by_status": unassessed,
                "unassessed_notes": notes}
