"""The audit plan equals the reference engine under region figures of each person type's own (s10 rtext D1, D2, D4).

A region may now give its retirees their own ordinary deductible and cap (吉林 二（二）, under the same ceilings;
浙江 二（一）the cap), 吉林 its chronic band per person type (二（三）), 攀枝花 / 南昌 a disease's chronic ratio per
person type. The plan reads the ordinary figures per role (conform/audit/params.py); chronic visits go to the
reference engine. Drawn ledgers (tests/audit/_plan_ledgers.py) record the reference's own figures but for a few
planted errors: the audit must agree with the reference row by row and find exactly the planted errors.
"""
from __future__ import annotations


import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


from _plan_ledgers import assert_audit_finds_planted, ledgers
from conform.harness.generators import ROLE_FIGURES as GENERATED_ROLE_FIGURES

# Fictitious figures, each inside its article's bounds, chosen so that a retiree's differ from an in-service one's:
# the ones the properties draw too (conform.harness.generators.ROLE_FIGURES, with the article of each).
ROLE_FIGURES = {policy: dict(figures) for policy, figures in GENERATED_ROLE_FIGURES.items()}


@pytest.mark.parametrize("policy", sorted(ROLE_FIGURES))
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_plan_equals_reference_with_role_figures(policy, data, tmp_path_factory):
    d = data.draw(ledgers(policy))
    d.params = {**(d.params or {}), **ROLE_FIGURES[policy]}
    assert_audit_finds_planted(data, d, tmp_path_factory.mktemp("roles"))
