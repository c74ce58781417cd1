"""The remembered step look-up (conform/harness/step_lookup.py) finds exactly what pytest-bdd finds."""
from __future__ import annotations

import importlib

from conform.harness import step_lookup
from conform.harness.run import execute

scenario = importlib.import_module("pytest_bdd.scenario")


def _checks(run):
    return [(c.name, c.status, c.message) for c in run.checks]


def test_installed_once_and_used_by_pytest_bdd():
    assert step_lookup.install() and step_lookup.install()
    assert scenario.find_fixturedefs_for_step is step_lookup._remembered
    assert step_lookup._original is not step_lookup._remembered and step_lookup._original.__module__ == "pytest_bdd.scenario"


def test_every_scenario_has_the_same_outcome_with_pytest_bdds_own_look_up(monkeypatch):
    remembered, _ = execute(adapter="reference", articles=("panzhihua-7", "nanchang-4"), tag="not conform_property")
    assert len(remembered.checks) > 50 and {c.status for c in remembered.checks} == {"passed"}
    monkeypatch.setattr(step_lookup, "install", lambda: False)  # the harness's configure must not put it back
    monkeypatch.setattr(scenario, "find_fixturedefs_for_step", step_lookup._original)
    own, _ = execute(adapter="reference", articles=("panzhihua-7", "nanchang-4"), tag="not conform_property")
    assert _checks(own) == _checks(remembered)

