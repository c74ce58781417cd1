"""Property-based, stateful and differential checks (Hypothesis) over any adapter.

`load()` imports every property module and returns the registry; conform/harness/conformance/
test_properties.py binds each (property, policy) pair as one pytest test. The Hypothesis
profiles and the seed live in `settings` (a pytest plugin loaded by conform/harness/plugin.py).
"""
from __future__ import annotations

MODULES = ("settlement", "monotonicity", "accounts", "stateful", "differential", "persons")


def load() -> dict:
    """Every registered property by id (importing the modules registers them)."""
    import importlib

    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
    from .base import PROPERTIES

    return PROPERTIES
