"""Fixtures for the test suite's own tests (not loaded by `conform run`, which collects conform/harness/conformance).

The suite runs under `uv run pytest`, so uv's UV_RUN_RECURSION_DEPTH is in its environment, and every reproduce hint
would read `uv run conform run …` (settings.conform_run). The tests expect the command as installed, `conform run …`,
unless they set the variable themselves (tests/test_s21_upstream_blame.py)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(autouse=True)
def _not_under_uv_run(monkeypatch):
    monkeypatch.delenv("UV_RUN_RECURSION_DEPTH", raising=False)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium under Playwright, for the tests that look at a report in a real browser (report.html,
    audit.html): missing, it fails under CI (.ci/run installs it) and skips elsewhere."""
    if not CHROMIUM.exists():
        why = f"Debian's chromium is missing at {CHROMIUM} (apt-get install -y chromium; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
