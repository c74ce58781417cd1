"""Fuzz profiles (shared by tests/fuzz; the `tally` fixture is in conftest.py): a short one in CI (a few seconds per test), a long one by hand;
and the one mutation strategy the file fuzzers share.

    uv run pytest tests/fuzz -q                       # short: what CI runs
    CONFORM_FUZZ=long uv run pytest tests/fuzz -q -s  # long: 20 000 inputs per test, random seeds
    CONFORM_FUZZ=long CONFORM_FUZZ_EXAMPLES=3000 …     # another count

Each fuzz test counts the inputs it tried, the slowest one and the largest peak memory
(tracemalloc) of one input, and prints them at the end of the session (shown with -s; also
appended to the file named by CONFORM_FUZZ_REPORT, if set).
"""
from __future__ import annotations

import os
import time
import tracemalloc
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

LONG = os.environ.get("CONFORM_FUZZ", "").lower() == "long"
EXAMPLES = int(os.environ.get("CONFORM_FUZZ_EXAMPLES") or (20_000 if LONG else 150))
TIME_LIMIT_S = 5.0            # one input, however hostile, is handled within this CPU time (under tracemalloc, ~3x slower)
# … and this wall time: a hang that burns no CPU. The CPU bound is the one that measures the work; wall time on a
# shared CI machine also counts the other jobs' (a 20,000-key config took 5.16 s of wall at load 7).
WALL_LIMIT_S = 30.0
MEMORY_LIMIT = 64 << 20       # … and within this much memory at its peak

settings.register_profile("conform-fuzz", max_examples=EXAMPLES, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck), derandomize=not LONG)
FUZZ = settings.get_profile("conform-fuzz")


@dataclass
class Tally:
    inputs: int = 0
    slowest_s: float = 0.0
    slowest: str = ""
    peak: int = 0
    peak_input: str = ""
    per_test: dict[str, int] = field(default_factory=dict)

    def measure(self, test: str, label: str, fn, *args):
        """Run fn(*args) for one input, holding it to the time and memory bounds."""
        tracemalloc.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            return fn(*args)
        finally:
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            self.inputs += 1
            self.per_test[test] = self.per_test.get(test, 0) + 1
            if elapsed > self.slowest_s:
                self.slowest_s, self.slowest = elapsed, label[:80]
            if peak > self.peak:
                self.peak, self.peak_input = peak, label[:80]
            assert cpu < TIME_LIMIT_S, f"{label[:200]!r} took {cpu:.2f} s of CPU"
            assert elapsed < WALL_LIMIT_S, f"{label[:200]!r} took {elapsed:.2f} s"
            assert peak < MEMORY_LIMIT, f"{label[:200]!r} peaked at {peak / 2**20:.1f} MiB"


TALLY = Tally()


@st.composite
def mutated(draw, examples: list[bytes], hostile: list[bytes], span: int = 12, byte_flips: bool = True) -> bytes:
    """One of `examples` with 1–4 edits: a run of up to `span` bytes replaced, deleted or duplicated,
    a hostile token spliced in, or (byte_flips) one byte set to any value."""
    data = bytearray(draw(st.sampled_from(examples)))
    ops = ["replace", "delete", "duplicate", "hostile"] + (["byte"] if byte_flips else [])
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        j = min(len(data), i + draw(st.integers(0, span)))
        op = draw(st.sampled_from(ops))
        if op == "replace":
            data[i:j] = draw(st.binary(max_size=span))
        elif op == "delete":
            del data[i:j]
        elif op == "duplicate":
            data[i:i] = data[i:j]
        elif op == "hostile":
            data[i:j] = draw(st.sampled_from(hostile))
        else:
            data[i] = draw(st.integers(0, 255))
    return bytes(data)
