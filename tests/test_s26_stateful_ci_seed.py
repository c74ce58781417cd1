"""The ci profile's stateful ledger machine runs the same stories whatever the source of its module: its seed comes from
the property and the document (runner.MACHINE_SALT), not from Hypothesis's derandomized digest, which moved with every
edit to stateful.py — one edit left 攀枝花's CI stories without a reversal the check could catch, so a system whose
reversals leave the year's totals counted passed it (probe s26 probeR R4). Real twins of the sample system, CI=true."""
from __future__ import annotations

import pytest
from sample_server import SampleServer

from conform.harness.run import CONFORMANCE, execute


def _stateful(defect: str, policy: str, monkeypatch) -> str:
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("CONFORM_PROFILE", raising=False)
    with SampleServer(defect=defect) as server:
        run, _ = execute(adapter=server.url, policies=(policy,), tag="conform_property",
                         paths=(CONFORMANCE / "test_properties.py",), extra_args=("-k", "test_stateful_ledger"))
    [check] = run.checks
    return check.status


@pytest.mark.parametrize("policy", ["panzhihua", "nanchang"])
def test_the_ci_profiles_ledger_machine_catches_a_reversal_that_keeps_the_totals(policy, monkeypatch):
    assert _stateful("reversal_keeps_ytd", policy, monkeypatch) == "failed"


def test_the_ci_profiles_ledger_machine_passes_the_reference(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("CONFORM_PROFILE", raising=False)
    run, _ = execute(policies=("panzhihua",), tag="conform_property", paths=(CONFORMANCE / "test_properties.py",),
                     extra_args=("-k", "test_stateful_ledger"))
    assert [c.status for c in run.checks] == ["passed"]
