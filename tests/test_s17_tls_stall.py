"""https:// to a port that accepts TCP but never answers the TLS handshake (a plain-HTTP server waiting for
a request line) says so, and suggests http://: it blamed "a wrong host, a firewall … or a system not
started", although the TCP connection was made."""
from __future__ import annotations

import datetime as dt
import socket
import threading
from decimal import Decimal

import pytest

from conform.harness.adapters import SutError
from conform.harness.adapters.http import HttpAdapter
from conform.harness.config import AdapterConfig
from conform.reference.case import Settlement


def visit() -> Settlement:
    return Settlement(id="V1", date=dt.date(2023, 3, 1), med_type="11", facility="tertiary",
                      medfee_sumamt=Decimal("500.00"), fulamt_ownpay_amt=Decimal("50.00"),
                      preselfpay_amt=Decimal("20.00"))


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections and never sends a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield listener.getsockname()[1]
    stop.set()
    t.join(5)
    for s in held:
        s.close()
    listener.close()


def test_a_tls_handshake_that_gets_no_answer_is_named(silent_port):
    a = HttpAdapter(f"https://127.0.0.1:{silent_port}/", AdapterConfig(timeout=1.0, consecutive_failures=5))
    try:
        with pytest.raises(SutError) as e:
            a.settle("H1", visit())
    finally:
        a.stop()
    msg = e.value.message
    assert e.value.kind == "connection", msg
    assert "TLS handshake got no answer within 1 s" in msg and "try http://" in msg, msg
    assert "firewall" not in msg, msg


def test_a_port_nobody_answers_at_all_still_blames_the_connection():
    # 192.0.2.0/24 (TEST-NET-1) is never routed: the TCP connect itself times out
    a = HttpAdapter("https://192.0.2.1:9/", AdapterConfig(timeout=0.5, consecutive_failures=5))
    try:
        with pytest.raises(SutError) as e:
            a.settle("H1", visit())
    finally:
        a.stop()
    assert "TLS" not in e.value.message, e.value.message
