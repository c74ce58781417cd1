"""A hostile system under test (conform/fixtures/hostile_server, a real loopback server in its own process) is contained.

One test per mode: each attack is a named SutError kind within the time and memory bounds —
never a hang, a MemoryError, a traceback or a 'failed' check. The amounts and figures in the
answers are the sample's (攀枝花 第七条: 500 − 50 − 20 = 430; (430 − 200) × 50% = 115.00); only
the hostile part varies.
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest

from conform.harness import evidence
from conform.harness.adapters import SettlementRefused, SutError, SystemUnreachable
from conform.harness.adapters.http import EVIDENCE_BODY_LIMIT, HttpAdapter
from conform.harness.config import AdapterConfig
from conform.reference.case import Settlement

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 1.0


class Hostile:
    """`python -m conform.fixtures.hostile_server --mode MODE` on a free loopback port."""

    def __init__(self, mode: str, drip_s: float = 2.0):
        self.mode, self.drip_s = mode, drip_s

    def __enter__(self) -> "Hostile":
        self._dir = tempfile.TemporaryDirectory(prefix="conform-hostile-")
        port_file = Path(self._dir.name) / "port"
        self.proc = subprocess.Popen([sys.executable, "-m", "conform.fixtures.hostile_server", "--mode", self.mode,
                                      "--drip-s", str(self.drip_s), "--port-file", str(port_file)],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while not port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError(f"hostile server {self.mode} did not start: {self.proc.stderr.read()!r}")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{int(port_file.read_text())}/"
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc.stderr.close()
        self._dir.cleanup()


def visit() -> Settlement:
    return Settlement(id="V1", date=dt.date(2023, 3, 1), med_type="11", facility="tertiary",
                      medfee_sumamt=Decimal("500.00"), fulamt_ownpay_amt=Decimal("50.00"),
                      preselfpay_amt=Decimal("20.00"))


def settle_against(url: str, **cfg: object) -> tuple[BaseException, float, list[dict]]:
    """One 2207 to a hostile system that must fail: (the SutError, seconds, the evidence recorded)."""
    a = HttpAdapter(url, AdapterConfig(**{"timeout": TIMEOUT, **cfg}))
    evidence.begin()
    started = time.monotonic()
    try:
        with pytest.raises(SutError) as e:
            a.settle("H1", visit())
    finally:
        a.stop()
    return e.value, time.monotonic() - started, evidence.take()


# mode → the SutError kind, and a phrase of its message
EXPECTED = {
    "oversized": ("too_large", "larger than"),
    "gzip_bomb": ("too_large", "decompresses to more than"),
    "deflate_bomb": ("too_large", "decompresses to more than"),
    "nested": ("malformed", "nested more than"),
    "nested_moderate": ("malformed", "nested more than"),
    "duplicate_keys": ("malformed", "duplicate key 'infcode'"),
    "infcode_superscript": ("wrong_type", "infcode: expected an integer"),
    "infcode_fullwidth": ("wrong_type", "infcode: expected an integer"),
    "infcode_digits": ("wrong_type", "infcode: expected an integer"),
    "infcode_number": ("wrong_type", "infcode: expected an integer"),
    "amount_exponent": ("wrong_type", "output.setlinfo.hifp_pay: expected an amount"),
    "amount_digits": ("wrong_type", "output.setlinfo.hifp_pay: expected an amount"),
    "nan": ("malformed", "NaN is not JSON"),
    "lone_surrogate": ("malformed", "lone surrogate"),
    "bad_encoding": ("malformed", "unsupported Content-Encoding 'br'"),
}


@pytest.mark.parametrize("mode", sorted(EXPECTED))
def test_hostile_answer_is_a_named_error_within_bounds(mode):
    kind, phrase = EXPECTED[mode]
    with Hostile(mode) as server:
        tracemalloc.start()
        try:
            err, elapsed, kept = settle_against(server.url)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert type(err) is SutError and err.kind == kind, (type(err), str(err)[:300])
    assert phrase in err.message, err.message[:300]
    assert elapsed < 10, elapsed
    # 4 MiB of body (plus its decompression, bounded alike) at most; a bomb or a 64 MB answer never inflates
    assert peak < 40 << 20, f"peak {peak / 2**20:.1f} MiB"
    assert len(json.dumps(kept, ensure_ascii=False)) < 4 * EVIDENCE_BODY_LIMIT
    assert err.evidence and err.evidence.get("error") or err.evidence.get("response") is not None


def test_drip_feeding_server_is_a_timeout_after_the_configured_timeout_and_trips_the_breaker():
    # One byte every 0.4 s: each read is quick, only a total deadline stops it (today: ~100 bytes × 0.4 s).
    with Hostile("drip", drip_s=0.4) as server:
        a = HttpAdapter(server.url, AdapterConfig(timeout=TIMEOUT, consecutive_failures=2))
        try:
            started = time.monotonic()
            with pytest.raises(SutError) as first:
                a.settle("H1", visit())
            elapsed = time.monotonic() - started
            with pytest.raises(SystemUnreachable):
                a.settle("H1", visit())
        finally:
            a.stop()
    assert first.value.kind == "timeout" and "no answer within 1 s" in first.value.message
    assert TIMEOUT <= elapsed < TIMEOUT + 1.0, elapsed
    assert a.unreachable and "2 consecutive connection failures" in a.unreachable


def test_server_dripping_its_headers_is_a_timeout_too():
    with Hostile("drip_headers", drip_s=0.3) as server:
        err, elapsed, _ = settle_against(server.url)
    assert err.kind == "timeout" and elapsed < TIMEOUT + 1.0, (err, elapsed)


def test_huge_err_msg_is_a_refusal_with_evidence_capped_and_its_size_noted():
    with Hostile("huge_err_msg") as server:
        err, _, kept = settle_against(server.url, timeout=5)
    assert isinstance(err, SettlementRefused)
    assert len(err.message) < 700          # err_msg quoted to 500 characters
    [entry] = kept
    assert entry["response_bytes"] > 3_000_000
    assert isinstance(entry["response"], str) and "truncated" in entry["response"]
    assert len(json.dumps(entry, ensure_ascii=False).encode()) < 2 * EVIDENCE_BODY_LIMIT
    assert len(json.dumps(err.evidence, ensure_ascii=False).encode()) < 2 * EVIDENCE_BODY_LIMIT


def test_a_smaller_response_bound_is_honoured():
    with Hostile("huge_err_msg") as server:
        err, _, _ = settle_against(server.url, max_response_bytes=100_000)
    assert err.kind == "too_large" and "100000 bytes" in err.message


def test_conform_run_against_a_hostile_system_reports_errors_never_failures(tmp_path):
    from conform.harness.run import execute

    for mode in ("infcode_superscript",):   # amount_exponent and the rest: at adapter level above
        with Hostile(mode) as server:
            cfg = tmp_path / f"{mode}.toml"
            cfg.write_text(f'[adapter]\nurl = "{server.url}"\ntimeout = 5\n', encoding="utf-8")
            run, _ = execute(config=str(cfg), articles=("panzhihua-7",))
        statuses = {c.status for c in run.checks}
        assert run.checks and statuses <= {"error", "not_applicable"}, (mode, statuses,
                                                                          [c.message for c in run.checks][:3])
