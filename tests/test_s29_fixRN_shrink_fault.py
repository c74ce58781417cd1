"""A fault of the system while a property shrinks a failure it found (probe s29 C F7): one answer past the
[adapter] timeout after the failure was found turned the stateful property's check into harness_error
(Hypothesis's FlakyStrategyDefinition, exit 4, "a bug in conform") and lost the failure; a non-stateful property
lost it to the timeout (an error). Now the search ends there and the smallest failure found is reported — failed,
its counterexample not fully shrunk, with a note naming the fault.

The twins (tests/_s29_fixRN_mutant.py) answer a figure a fen over (a year's total; a settlement's cash payment) and
pause 2.5 s once, on the 2nd T001 after their first wrong answer: the pause falls while the failure is shrunk, whatever
Hypothesis draws."""
from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import pytest

from conform.harness.run import CONFORMANCE, execute

from sample_server import SampleServer

MUTANT = Path(__file__).with_name("_s29_fixRN_mutant.py")


def run_property(tmp_path: Path, url: str, policy: str, prop: str, seed: int = 7):
    cfg = tmp_path / "conform.toml"
    cfg.write_text(f'[adapter]\nurl = "{url}"\ntimeout = 1\n', encoding="utf-8")
    with mock.patch.dict(os.environ, {"CONFORM_PROFILE": "conform"}):
        run, _ = execute(config=str(cfg), policies=(policy,), tag="conform_property",
                         paths=(CONFORMANCE / "test_properties.py",),
                         extra_args=("--conform-seed", str(seed), "--conform-examples", "30",
                                     "--conform-shrink-seconds", "30", "-k", f"test_{prop}"))
    [c] = [c for c in run.checks if c.extra.get("property") == prop]
    return c


@pytest.mark.parametrize(("prop", "twin", "field", "after"), [
    # the machine: at seed 7 a pause on the 5th T001 after the first wrong answer was harness_error
    # (FlakyStrategyDefinition, exit 4), on the 2nd an error (timeout) holding no failure
    ("stateful_ledger", "s29_ytd_fen_then_pause", "ordinary_pay", "5"),
    ("stateful_ledger", "s29_ytd_fen_then_pause", "ordinary_pay", "2"),
    ("money_identities", "s29_cash_fen_then_pause", "psn_cash_pay", "2"),  # an example property: was error (timeout)
])
def test_a_timeout_while_shrinking_keeps_the_failure_found(tmp_path, prop, twin, field, after):
    server = SampleServer(script=MUTANT, script_args=(twin,), env=dict(os.environ, S29_PAUSE_AFTER=after)).start()
    try:
        c = run_property(tmp_path, server.url, "panzhihua", prop)
    finally:
        server.stop()
    assert c.status == "failed", (c.status, c.message[:600])
    assert "harness error" not in c.message and "Flaky" not in c.message
    # the failure found: the year's total a fen over, with its counterexample, not fully shrunk
    assert any(m.field == field for m in c.mismatches), c.mismatches
    assert c.counterexample and "未完全缩小" in "\n".join(c.counterexample.splitlines()[:4])
    assert c.extra.get("shrunk") is False
    # the fault that stopped the shrinking is named
    assert "缩减反例时被测系统出错" in c.message and "timeout" in c.message, c.message
    assert c.failed_articles and all(a.startswith("panzhihua-") for a in c.failed_articles)
