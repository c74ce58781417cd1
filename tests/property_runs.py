"""One property run against a system under test, drawn from a seed: the helper the property tests share."""
from __future__ import annotations

import os
from unittest import mock

from conform.harness.results import CheckResult
from conform.harness.run import CONFORMANCE, execute


def seeded_property(url: str, policy: str, prop: str, seed: int = 1, examples: int = 20) -> CheckResult:
    """The check of property `prop` on `policy` against the system at `url`, its examples drawn from `seed` under the
    seeded profile whatever CI's: CI=true would pick the derandomized `ci` profile, whose draws depend on the
    properties' source, not on the seed. Shrinking gets the time it needs (it stops when done, about a second): cut
    short on a loaded machine, a counterexample keeps details, and readings named for them, the failure does not need."""
    with mock.patch.dict(os.environ, {"CONFORM_PROFILE": "conform"}):
        run, _ = execute(adapter=url, policies=(policy,), tag="conform_property",
                         paths=(CONFORMANCE / "test_properties.py",),
                         extra_args=("--conform-seed", str(seed), "--conform-examples", str(examples),
                                     "--conform-shrink-seconds", "30", "-k", f"test_{prop}"))
    [c] = [c for c in run.checks if c.extra.get("property") == prop]
    return c
