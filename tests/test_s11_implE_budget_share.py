"""Under --budget each property's share holds (rvendor s11 D2): a round of examples ends at the share's deadline, and a
failure found shrinks within what is left of the share (at least MIN_SHRINK seconds), not within the whole run's
budget left. Before, one failing property ran 171 examples in 29.4 s of a 3.2 s share and every later property got one
example ("budget left 0.0s"). README: "each property gets an equal share of the time left"."""
from __future__ import annotations

import pytest
from sample_server import SampleServer

from conform.harness.properties.runner import MIN_SHRINK, Budget, RoundOver
from conform.harness.run import CONFORMANCE, execute


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_property_always_runs_its_first_example_even_past_its_deadline():
    clock = Clock()
    budget = Budget(120.0, deadline=103.0, clock=clock)
    clock.now = 104.0
    budget.begin_example()          # the property's first example: run, whatever the clock
    with pytest.raises(RoundOver):  # its second: the share is spent
        budget.begin_example()


def test_a_round_ends_at_the_deadline():
    clock = Clock()
    budget = Budget(120.0, deadline=103.0, clock=clock)
    budget.begin_example()
    clock.now = 102.9
    budget.begin_example()          # within the share
    clock.now = 103.0
    with pytest.raises(RoundOver):
        budget.begin_example()
    assert budget.started == 2


def test_shrinking_a_failure_spends_the_rest_of_the_share_not_the_whole_budget():
    from conform.harness.properties.base import PropertyViolation

    clock = Clock()
    # share ends at 110; the thorough profile's shrink allowance would have been 120 s (or the budget left)
    budget = Budget(120.0, deadline=110.0, clock=clock)
    budget.begin_example()
    clock.now = 104.0
    budget.failed(PropertyViolation("x", [], []))
    assert budget.seconds == 6.0    # 110 − 104: what is left of the share
    clock.now = 110.5
    assert budget.over()            # 6.5 s after the failure: the smallest failure so far is reported
    # a failure found at the very end still shrinks a moment (MIN_SHRINK), then stops
    late = Budget(120.0, deadline=110.0, clock=clock)
    late.begin_example()
    clock.now = 109.5
    late.failed(PropertyViolation("x", [], []))
    assert late.seconds == MIN_SHRINK
    # a failure being shrunk is never cut by the deadline itself (the round's end would lose it)
    clock.now = 110.5
    assert not late.over()
    late.begin_example()
    # without a budget, nothing changes: the profile's allowance
    free = Budget(4.0, clock=clock)
    free.failed(PropertyViolation("x", [], []))
    assert free.seconds == 4.0


def test_every_property_gets_its_share_against_a_slow_defective_system():
    """The sample system answering 15 ms late with its truncating twin (a failure some properties find): before, the
    rounds sized from earlier examples overran their shares (3.7 s of 0.8 s) and the last properties of 浙江 were left
    0.1–0.3 s — one example; now each round stops at its deadline and the shares stay about equal."""
    server = SampleServer(defect="rounding_truncate", latency_ms=15).start()
    try:
        run, _ = execute(adapter=server.url, policies=("zhejiang",), paths=(CONFORMANCE / "test_properties.py",),
                         extra_args=("--conform-seed", "7", "--conform-budget", "20s"))
    finally:
        server.stop()
    props = [c for c in run.checks if c.kind == "property"]
    assert len(props) >= 12 and any(c.status == "failed" for c in props)
    shares = [c.extra["budget_share_s"] for c in props]
    # no property starved: the later ones get a share comparable with the first (before: 9 % of it). On a loaded
    # machine each property may overrun by part of one example, which the last one or two then lack (CI, s11).
    assert sum(1 for s in shares if s >= 0.35 * shares[0]) >= len(shares) - 2, shares
    # and no property overran its share by more than one slow example or the shrinking moment
    over = [(c.name, round(c.duration - c.extra["budget_share_s"], 2)) for c in props
            if c.duration > c.extra["budget_share_s"] + MIN_SHRINK + 1.5]
    assert not over, over
