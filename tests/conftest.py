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


@pytest.fixture(autouse=True)
def _no_regions_chosen_after():
    """An in-process `conform run --region R` leaves R chosen for the process's later runs (generators.choose_regions:
    a second run draws as it asks), and a test calling a property or the ledger machine directly after it drew under R
    alone — on one xdist worker, test_s20_prop_stateful_out_of_order then found no defect in its 120 derandomized
    examples. Each test leaves none chosen."""
    yield
    from conform.harness.generators import choose_regions, chosen_regions

    if chosen_regions():
        choose_regions(())


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


@pytest.fixture(params=["libyaml", "python"])
def yaml_parser(request, monkeypatch):
    """The strict YAML loader (conform.reference.loading.load_yaml) on libyaml's parser, when PyYAML has it, and on
    PyYAML's own: their messages and marks differ, and every YAML refusal must read the same on both."""
    from conform.reference import loading

    if request.param == "python":
        monkeypatch.setattr(loading, "StrictCLoader", None)
    elif loading.StrictCLoader is None:  # pragma: no cover - PyYAML without libyaml
        pytest.skip("PyYAML built without libyaml")
    return request.param
