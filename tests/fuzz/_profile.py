"""Fuzz profiles: a few seconds in CI, a long run by hand with CONFORM_FUZZ=long.

    uv run pytest tests/fuzz -q                         # short: the CI profile
    CONFORM_FUZZ=long uv run pytest tests/fuzz -q -s    # long: thousands of inputs per test, counts printed

Each test counts the inputs it tried and prints the count (visible with -s).
"""
from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager

from hypothesis import HealthCheck, settings

LONG = os.environ.get("CONFORM_FUZZ", "").lower() == "long"
EXAMPLES = int(os.environ.get("CONFORM_FUZZ_EXAMPLES", "20000" if LONG else "60"))
DEADLINE_MS = 10_000  # one input within this even on a loaded shared 2-core machine (a hang fails)

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=DEADLINE_MS,
    derandomize=not LONG,  # CI: the same inputs every run; by hand: new ones
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    database=None,
)


class Tally:
    """Inputs tried and the slowest one, printed at the end of a test."""

    def __init__(self, name: str):
        self.name, self.n, self.slowest, self.biggest = name, 0, 0.0, 0

    @contextmanager
    def one(self, size: int):
        t0 = time.perf_counter()
        yield
        self.n += 1
        self.slowest = max(self.slowest, time.perf_counter() - t0)
        self.biggest = max(self.biggest, size)

    def report(self) -> None:
        sys.stdout.write(f"\n[fuzz] {self.name}: {self.n} inputs, slowest {self.slowest * 1000:.0f} ms, "
                         f"largest {self.biggest} bytes\n")
