"""The `tally` fixture of the fuzz tests: prints what the fuzzing tried at the end (see fuzz_profile.py)."""
from __future__ import annotations

import os

import pytest
from .fuzz_profile import LONG, TALLY


@pytest.fixture(scope="session")
def tally(pytestconfig):
    yield TALLY
    lines = [f"fuzz ({'long' if LONG else 'short'} profile): {TALLY.inputs} inputs; slowest {TALLY.slowest_s:.3f} s "
             f"({TALLY.slowest!r}); worst peak memory {TALLY.peak / 2**20:.2f} MiB ({TALLY.peak_input!r})",
             *(f"  {t}: {n}" for t, n in sorted(TALLY.per_test.items()))]
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print("\n" + "\n".join(lines))
    target = os.environ.get("CONFORM_FUZZ_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
