"""Fixtures for the test suite's own tests (not loaded by `conform run`, which collects conform/harness/conformance).

The suite runs under `uv run pytest`, so uv's UV_RUN_RECURSION_DEPTH is in its environment, and every reproduce hint
would read `uv run conform run …` (settings.conform_run). The tests expect the command as installed, `conform run …`,
unless they set the variable themselves (tests/test_s21_upstream_blame.py)."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _not_under_uv_run(monkeypatch):
    monkeypatch.delenv("UV_RUN_RECURSION_DEPTH", raising=False)
