"""Plugins that misbehave on purpose, for tests/test_s6_implC_plugin_contained.py.

Each is the sample plugin (conform/fixtures/sample_plugin.py, sound) with `settle` broken in one way a
vendor's plugin can break it: ending its process, crashing in C, waiting where no alarm reaches it,
swallowing the alarm and raising its own error, raising KeyboardInterrupt, answering too much.
"""
from __future__ import annotations

import ctypes
import os
import signal
import time

from conform.fixtures.sample_plugin import SampleSystemPlugin

BLOCKED_SECONDS = 8.0   # how long the waiting plugins wait: far beyond the tests' 0.5 s timeout
SWALLOW_SECONDS = 3.0


class ExitsInSettle(SampleSystemPlugin):
    """settle ends the process with status 0 (os._exit: no exception, no atexit, no report)."""

    def settle(self, psn_no, settlement):
        os._exit(0)


class CrashesInSettle(SampleSystemPlugin):
    """settle reads address 0 through ctypes: a segfault, as a broken C extension gives."""

    def settle(self, psn_no, settlement):
        ctypes.string_at(0)


class MasksTheAlarm(SampleSystemPlugin):
    """settle waits with SIGALRM blocked in its thread, as code blocked in a C extension is out of the
    alarm's reach; it answers (soundly) only after BLOCKED_SECONDS."""

    def settle(self, psn_no, settlement):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        try:
            time.sleep(BLOCKED_SECONDS)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})
        return super().settle(psn_no, settlement)


class ResetsTheAlarm(SampleSystemPlugin):
    """settle cancels whatever interval timer is set (a vendor library using the alarm for itself), then
    answers (soundly) after BLOCKED_SECONDS."""

    def settle(self, psn_no, settlement):
        signal.setitimer(signal.ITIMER_REAL, 0)
        time.sleep(BLOCKED_SECONDS)
        return super().settle(psn_no, settlement)


class SwallowsThenRaises(SampleSystemPlugin):
    """settle catches everything raised into it for SWALLOW_SECONDS (a bare except in a retry loop: the
    timeout's alarm too), then gives up with its own RuntimeError."""

    def settle(self, psn_no, settlement):
        until = time.monotonic() + SWALLOW_SECONDS
        while time.monotonic() < until:
            try:
                time.sleep(0.02)
            except BaseException:  # noqa: BLE001 - what the vendor's retry loop does
                pass
        raise RuntimeError("vendor client gave up")


class RaisesKeyboardInterrupt(SampleSystemPlugin):
    """settle raises KeyboardInterrupt of its own (a vendor library mapping its cancellation onto it)."""

    def settle(self, psn_no, settlement):
        raise KeyboardInterrupt("vendor cancelled")


class AnswersTooMuch(SampleSystemPlugin):
    """settle's figures are sound, with 2 MiB of text beside them."""

    def settle(self, psn_no, settlement):
        return {**super().settle(psn_no, settlement), "note": "x" * (2 << 20)}


class TellsItsProcess(SampleSystemPlugin):
    """Sound; its description says the process it runs in."""

    def describe(self):
        return {**super().describe(), "pid": os.getpid()}


class WaitsInSettle(SampleSystemPlugin):
    """settle writes its process id to the file named by S6_IMPLC_MARKER, then waits a minute."""

    def settle(self, psn_no, settlement):
        marker = os.environ.get("S6_IMPLC_MARKER")
        if marker:
            with open(marker + ".tmp", "w", encoding="utf-8") as f:
                f.write(str(os.getpid()))
            os.replace(marker + ".tmp", marker)
        time.sleep(60)
        return super().settle(psn_no, settlement)


class SpawnsThenEnds(SampleSystemPlugin):
    """settle starts a helper that sleeps a minute (subprocess's default: in the plugin's process group),
    writes the helper's process id to the file named by S6_IMPLG_MARKER, then ends its own process."""

    def settle(self, psn_no, settlement):
        import subprocess
        import sys

        helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        marker = os.environ.get("S6_IMPLG_MARKER")
        if marker:
            with open(marker + ".tmp", "w", encoding="utf-8") as f:
                f.write(str(helper.pid))
            os.replace(marker + ".tmp", marker)
        os._exit(1)


class AnswersInChinese(SampleSystemPlugin):
    """settle's figures are sound, with a note of `chars` times 中 (3 bytes each in UTF-8) beside them."""

    chars = 300_000

    def settle(self, psn_no, settlement):
        return {**super().settle(psn_no, settlement), "note": "中" * self.chars}


class AnswersOfSize(SampleSystemPlugin):
    """settle's figures are sound, with a note of x's making the answer's JSON (compact, UTF-8) `size` bytes."""

    size = 1 << 20

    def settle(self, psn_no, settlement):
        import json

        out = super().settle(psn_no, settlement)
        base = len(json.dumps({**out, "note": ""}, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        return {**out, "note": "x" * (self.size - base)}


class RecordsMuchEvidence(SampleSystemPlugin):
    """settle records `entries` entries of evidence (its HTTP bodies: 20 000 Chinese characters, 60 000 bytes,
    each way) before a small, sound answer."""

    entries = 100

    def settle(self, psn_no, settlement):
        from conform.harness import evidence

        for i in range(self.entries):
            evidence.record("settle", {"n": i, "body": "请" * 20_000}, {"body": "答" * 20_000})
        return super().settle(psn_no, settlement)


class SlowFirstSettle(SampleSystemPlugin):
    """The first settle in each of its processes waits SLOW_SECONDS (a lazy login, a cache filled on first
    use); prepare_person answers at once. Contained, each timeout starts a new process: every settle is a first."""

    SLOW_SECONDS = 5.0
    slowed = False

    def settle(self, psn_no, settlement):
        if not SlowFirstSettle.slowed:
            SlowFirstSettle.slowed = True
            time.sleep(self.SLOW_SECONDS)
        return super().settle(psn_no, settlement)
