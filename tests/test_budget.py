"""`--thorough` as a time budget: durations, the share each property gets, rounds of examples that
grow until the share is spent, and a real run against the reference that stops in time.

The arithmetic tests run on a fake clock, so they are exact and do not depend on the machine's load.
"""
from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

import conform.harness.run as run_module
from conform.harness.properties.runner import FIRST_ROUND, GROWTH, Rounds
from conform.harness.properties.settings import THOROUGH_BUDGET, PropertySettings, format_duration, parse_duration
from conform.harness.results import RunResult
from conform.harness.run import CONFORMANCE, execute_detailed

PROPERTY_TESTS = CONFORMANCE / "test_properties.py"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("text, seconds", [("90", 90), ("90s", 90), ("10m", 600), ("1.5h", 5400),
                                           ("1h30m", 5400), ("1h 30m 5s", 5405), (" 5S ", 5)])
def test_durations_in_seconds_minutes_hours(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "10x", "ten minutes", "1h30", "-5s", "0s", "0"])
def test_a_bad_duration_is_named(text):
    with pytest.raises(ValueError, match="duration|more than 0"):
        parse_duration(text)


def test_thorough_default_budget_is_ten_minutes():
    assert parse_duration(THOROUGH_BUDGET) == 600
    assert format_duration(600) == "10m00s" and format_duration(4.25) == "4.2s"


def test_each_property_gets_an_equal_share_of_what_is_left():
    clock = FakeClock()
    ps = PropertySettings("thorough", 1, budget=100.0, planned=4, clock=clock)
    # 100 s among 4 properties: 25 s each to begin with.
    assert ps.begin_property() == clock.now + 25
    clock.now += 10  # the first finishes early: its 15 s unused go to the three others
    ps.end_property()
    assert ps.budget_left() == 90
    assert ps.begin_property() == clock.now + 30          # 90 / 3
    clock.now += 30
    ps.end_property()
    assert ps.begin_property() == pytest.approx(clock.now + 30)  # 60 / 2
    clock.now += 45  # one overruns (a slow last example): the last property gets what is left, 15 s
    ps.end_property()
    assert ps.begin_property() == pytest.approx(clock.now + 15)
    clock.now += 20
    ps.end_property()
    assert ps.budget_left() == pytest.approx(-5)
    # Spent: a property still gets a deadline (now), so it runs its one first round and stops.
    assert ps.begin_property() == clock.now


def test_the_budget_counts_from_the_start_of_the_run():
    """Set at the session's start: time the scenarios took is gone before the first property."""
    clock = FakeClock()
    ps = PropertySettings("thorough", 1, budget=600.0, planned=3, clock=clock, budget_start=clock.now)
    clock.now += 300  # the scenarios
    assert ps.begin_property() == clock.now + 100  # (600 − 300) / 3


def test_without_a_budget_there_is_no_deadline():
    ps = PropertySettings("conform", 1, planned=3)
    assert ps.begin_property() is None and ps.budget_left() is None


def test_shrinking_is_bounded_by_the_budget_left():
    clock = FakeClock()
    ps = PropertySettings("thorough", 1, budget=60.0, planned=2, clock=clock)
    ps.begin_property()
    assert ps.shrink_seconds == 60          # thorough allows 120 s, the budget has 60 left
    clock.now += 59.5
    assert ps.shrink_seconds == 2.0         # never less than the quick profile's 2 s


def test_rounds_grow_until_the_deadline_and_stop_before_it():
    clock = FakeClock()
    sizes: list[int] = []

    def run(k: int, n: int) -> int:  # every example costs 0.01 s
        assert k == len(sizes)
        sizes.append(n)
        clock.now += 0.01 * n
        return n

    r = Rounds(clock.now + 2.0, clock)
    total = r.run(run)
    assert sizes[0] == FIRST_ROUND
    assert all(b <= a * GROWTH for a, b in zip(sizes, sizes[1:], strict=False))  # grown at most GROWTH× a round
    assert total == sum(sizes) == r.examples and r.rounds == len(sizes)
    # 2 s at 0.01 s an example: about 200 examples; the last round ends before the deadline.
    assert 150 <= total <= 200 and clock.now <= 1000.0 + 2.0


def test_rounds_stop_when_the_strategy_is_exhausted():
    clock = FakeClock()
    calls = []

    def run(k: int, n: int) -> int:
        calls.append(n)
        clock.now += 0.001
        return min(n, 5)  # Hypothesis ran all 5 distinct examples there are

    assert Rounds(clock.now + 100.0, clock).run(run) == 1 + 5
    assert len(calls) == 2


def test_a_slow_first_example_still_runs_once():
    clock = FakeClock()

    def run(k: int, n: int) -> int:
        clock.now += 3.0  # one example takes longer than the whole share
        return n

    r = Rounds(clock.now + 1.0, clock)
    assert r.run(run) == FIRST_ROUND and r.rounds == 1


def test_a_two_second_budget_stops_in_time_and_reports_the_examples_tried(capfd):
    """Against the reference, 北京's properties in a run of 2 s. Without a budget `--thorough` ran 2,000
    examples per property, 10–70 s each, so finishing near 2 s shows the budget at work."""
    started = time.monotonic()
    ex = execute_detailed(policies=("beijing",), tag="conform_property", paths=(PROPERTY_TESTS,),
                          extra_args=("--conform-thorough", "--conform-budget", "2s", "--conform-seed", "11"))
    wall = time.monotonic() - started
    run = ex.run
    props = [c for c in run.checks if c.kind == "property"]
    ran = [c for c in props if c.status != "skipped"]  # the differential property skips against the reference
    assert ran and all(c.status == "passed" for c in ran), [(c.name, c.status, c.message[:200]) for c in ran]
    assert run.examples["budget_seconds"] == 2 and run.examples["profile"] == "thorough"
    assert all(c.extra["examples"] >= 1 for c in ran)
    assert sum(c.extra["examples"] for c in ran) > len(ran)  # examples grew past the first round
    assert run.examples["total"] == sum(c.extra.get("examples", 0) for c in props)
    # Within the budget, give or take one round per property (generous: the machine may be loaded).
    assert wall <= 2 + 0.5 * len(props) + 10, (wall, [(c.extra.get("property"), c.duration) for c in props])
    err = capfd.readouterr().err
    assert f"属性 property 1/{len(ran)} " in err and "限时 share" in err  # differential: no share (skips)
    for c in ran:
        assert f"{c.extra['property']}〔beijing〕 已试 {c.extra['examples']} 例 examples tried" in err


def test_examples_and_budget_together_are_a_usage_error():
    ex = execute_detailed(policies=("beijing",), tag="conform_property", paths=(PROPERTY_TESTS,),
                          extra_args=("--conform-budget", "5s", "--conform-examples", "3"))
    assert ex.pytest_code == pytest.ExitCode.USAGE_ERROR and not ex.run.checks


def test_conform_run_budget_implies_thorough_and_reaches_the_properties(monkeypatch, tmp_path):
    seen = {}

    def fake(adapter, config, policies, articles, tag, extra_args=(), *a, **kw):
        seen["args"] = tuple(extra_args)
        return run_module.Execution(RunResult(adapter={"adapter": "reference"}), 0)

    monkeypatch.setattr(run_module, "execute_detailed", fake)
    result = CliRunner().invoke(run_module.run_command, ["--budget", "90s", "--format", "json",
                                                         "--out", str(tmp_path / "out"), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "--conform-thorough" in seen["args"]
    i = seen["args"].index("--conform-budget")
    assert seen["args"][i + 1] == "90s"


def test_conform_run_with_a_bad_budget_exits_2_naming_it(tmp_path):
    result = CliRunner().invoke(run_module.run_command, ["--thorough", "--budget", "10 minutes",
                                                         "--out", str(tmp_path / "out"), "--no-progress"])
    assert result.exit_code == 2
    assert "--budget" in result.output and "10 minutes" in result.output and "Traceback" not in result.output


def test_against_the_reference_the_differential_properties_get_no_share():
    """They skip at once there; a share reckoned for them would be left unspent at the end."""
    from conform.harness.properties import load
    from conform.harness.properties.settings import KEY

    seen = {}

    class Peek:
        @pytest.hookimpl(trylast=True)
        def pytest_collection_finish(self, session):
            seen["planned"] = session.config.stash[KEY].planned
            seen["items"] = len(session.items)

    execute_detailed(policies=("beijing",), tag="conform_property", paths=(PROPERTY_TESTS,), plugins=(Peek(),),
                     extra_args=("--conform-thorough", "--conform-budget", "1s", "--collect-only"))
    differential = sum(1 for p in load().values() if p.differential and "beijing" in p.policies)
    assert differential >= 1 and seen["items"] > differential
    assert seen["planned"] == seen["items"] - differential
