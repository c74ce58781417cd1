"""The stateful ledger checks the settlements made after a reversal that was not its year's latest settlement.

Its replay (settle A, reverse A, settle B ≡ settle B) holds only where every reversal took back the year's
latest settlement, and was skipped otherwise: nothing compared a later visit's figures with what the reversal
left. A system that, once a non-latest settlement was reversed, settled the year's later visits as if the
deductible were met (its totals the sum of what it answered, so every invariant held) passed. Now each
settlement made after such a reversal is compared with the reference's figures for the whole story (A-REVERSAL).
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.stateful import get_state_machine_test

import conform.harness.properties.stateful  # noqa: F401 - registers stateful_ledger
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation
from test_s20_prop_differential_reversals import NonLatestKeepsDeductible


def _run(adapter, policy: str, n: int) -> None:
    """`n` examples of the ledger machine under a fixed seed. Not derandomize: its seed is a digest of the test function
    that, for a state machine, varied with what else the process had imported — on one xdist worker (after
    conform.harness.cli) the draws held no reversal of a non-latest settlement (s25 CI); a seed draws the same
    everywhere (seed 4: found for all three documents within 300; stateful_step_count fixed, not the profile's)."""
    prop = PROPERTIES["stateful_ledger"]
    machine = prop.machine(Context(adapter, policy, prop))
    machine.counter = [0]
    seed(4)(get_state_machine_test(machine, settings=settings(
        max_examples=n, database=None, deadline=None, derandomize=False, stateful_step_count=50,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate,))))()


@pytest.mark.parametrize("policy", ("panzhihua", "jilin", "nanchang"))
def test_a_later_visit_settled_as_if_the_deductible_were_met_is_found(policy):
    with pytest.raises(PropertyViolation) as caught:
        _run(NonLatestKeepsDeductible(), policy, 300)
    e = caught.value
    assert "并非当年最近" in e.headline
    assert e.departure and any(m.item == e.departure and m.field == "act_pay_dedc" for m in e.mismatches)


def test_the_reference_holds():
    _run(ReferenceAdapter(), "panzhihua", 60)
