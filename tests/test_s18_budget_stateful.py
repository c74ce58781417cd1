"""A --budget run of the stateful property ends its round without a harness error. The round's deadline was
enforced by RoundOver from the machine's first step, after that step had drawn its data: an example that
stopped there drew less than the same choices had drawn in an earlier example, and Hypothesis ended the check
with FlakyStrategyDefinition ("Inconsistent data generation") — a harness error, exit 4, in a certification run
against a correct system (`conform run --budget 20s --policy nanchang`, 2 of 5 seeds). Now a machine begun past
its round's deadline runs its steps idle and ends in teardown, after every draw.

Time is a fake clock moved by each settlement the reference adapter makes, so the deadline falls at the same
example on any machine, and rounds are sized to overrun it; seeds 285367549 and 6 ended in the harness error
before the change (run alone; which examples Hypothesis draws also depends on what ran before in the process)."""
from __future__ import annotations

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.run import CONFORMANCE, execute


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> None:
        from conform.harness.properties.settings import KEY

        ps = session.config.stash[KEY]
        ps.clock = self
        ps.budget_start = self.now


@pytest.mark.parametrize("seed", [285367549, 6, 7])
def test_the_stateful_property_ends_its_budget_round_without_a_harness_error(monkeypatch, seed):
    from conform.harness.properties import runner

    clock = FakeTime()
    settle = ReferenceAdapter.settle
    spent: list[bool] = []
    round_spent = runner.Budget.round_spent

    def slow_settle(self, *args, **kwargs):
        try:
            return settle(self, *args, **kwargs)
        finally:
            clock.now += 0.01  # each settlement costs 10 ms of the 2 s budget

    def noted(budget):
        spent.append(round_spent(budget))
        return spent[-1]

    monkeypatch.setattr(ReferenceAdapter, "settle", slow_settle)
    monkeypatch.setattr(runner.Budget, "round_spent", noted)
    # rounds sized to three times the time left (not 0.8 of it): a round surely runs past its deadline, so an
    # example is begun with the share spent, whatever examples Hypothesis draws in this process
    monkeypatch.setattr(runner, "FILL", 3.0)
    run, _ = execute(policies=("nanchang",), paths=(CONFORMANCE / "test_properties.py",), plugins=(clock,),
                     extra_args=("--conform-thorough", "--conform-seed", str(seed), "--conform-budget", "2s", "-k", "stateful"))
    [check] = [c for c in run.checks if c.kind == "property"]
    assert check.status == "passed", (check.status, check.message)
    assert any(spent), "no example was begun past the round's deadline: the test did not reach what it tests"
