"""Hypothesis profiles for the properties, the seed, and the counterexample printout (a pytest plugin).

Profiles (harness-owned names; they apply to the properties only, never to other tests):
  conform   quick default for local runs (`uv run pytest`): a few dozen examples per property
  ci        derandomized, so a CI job sees the same examples every run; chosen when CI=true
  thorough  certification runs (`conform run --thorough` / `pytest --thorough`): thousands per property
CONFORM_PROFILE=<name> picks one explicitly. The seed comes from `--conform-seed N` (or Hypothesis's
own `--hypothesis-seed N`); without one a random seed is drawn, and either way it is recorded in the
RunResult together with the number of examples, so `--conform-seed N` reproduces a run.
Loaded by harness/plugin.py (`pytest_plugins`).
"""
from __future__ import annotations

import io
import os
import random
import sys
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, Phase, settings

# No `explain` phase: it replays the failure many times to annotate Python source, which a
# system over HTTP pays for in requests; the counterexample is rendered as Gherkin instead.
COMMON = dict(deadline=None, database=None, print_blob=False, report_multiple_bugs=False,
              phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
PROFILES = {
    # derandomize stated for each: under CI=true Hypothesis loads its own derandomized default profile,
    # which register_profile would otherwise pass on to ours.
    "conform": dict(max_examples=20, stateful_step_count=12, derandomize=False),
    "ci": dict(max_examples=30, stateful_step_count=15, derandomize=True),
    "thorough": dict(max_examples=2000, stateful_step_count=30, derandomize=False),
}
for _name, _values in PROFILES.items():
    settings.register_profile(_name, **COMMON, **_values)
# Seconds a failed property may spend shrinking (harness/properties/runner.Budget), and all failed
# properties of a session together: bounded so a slow or badly broken system under test cannot
# stall a run (once the pool is spent a failure is reported as first found); generous in
# certification runs.
SHRINK_SECONDS = {"conform": 2.0, "ci": 4.0, "thorough": 120.0}
SHRINK_POOL = {"conform": 20.0, "ci": 40.0, "thorough": 1800.0}


@dataclass
class PropertySettings:
    """The profile and seed this session's properties run with, and what they ran."""

    profile: str
    seed: int | None
    max_examples: int | None = None
    shrink: float | None = None
    examples: dict[str, int] = field(default_factory=dict)
    shrink_spent: float = 0.0

    @property
    def hypothesis(self) -> settings:
        base = settings.get_profile(self.profile)
        return settings(base, max_examples=self.max_examples) if self.max_examples else base

    @property
    def shrink_seconds(self) -> float:
        """This property's shrinking time: its own allowance, within what is left of the session's pool."""
        if self.shrink is not None:
            return self.shrink
        left = SHRINK_POOL.get(self.profile, 20.0) - self.shrink_spent
        return max(0.0, min(SHRINK_SECONDS.get(self.profile, 2.0), left))

    @property
    def seed_label(self) -> str:
        return str(self.seed) if self.seed is not None else "derandomize"


KEY = pytest.StashKey[PropertySettings]()


def choose_profile(thorough: bool = False, environ: dict | None = None) -> str:
    env = os.environ if environ is None else environ
    if thorough:
        return "thorough"
    name = env.get("CONFORM_PROFILE", "").strip()
    if name:
        if name not in PROFILES:
            raise pytest.UsageError(f"CONFORM_PROFILE={name!r}: unknown profile; known: {', '.join(PROFILES)}")
        return name
    if env.get("CI", "").strip().lower() in ("1", "true", "yes"):
        return "ci"
    return "conform"


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("conform", "conformance harness")
    g.addoption("--thorough", action="store_true", default=False,
                help="certification run: thousands of examples per property (Hypothesis profile 'thorough')")
    g.addoption("--conform-seed", default=None, help="seed for the properties' examples (reproduces a run)")
    g.addoption("--conform-examples", type=int, default=None,
                help="examples per property, overriding the profile (a quick smoke run, or more)")
    g.addoption("--conform-shrink-seconds", type=float, default=None,
                help="seconds a failed property may spend shrinking its counterexample (default by profile)")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    profile = choose_profile(bool(config.getoption("--thorough", False)))
    raw = config.getoption("--conform-seed", None)
    if raw is None:
        try:
            raw = config.getoption("hypothesis_seed")
        except ValueError:
            raw = None
    if raw is not None:
        try:
            seed: int | None = int(str(raw))
        except ValueError:
            raise pytest.UsageError(f"--conform-seed {raw!r}: expected an integer") from None
    elif PROFILES[profile].get("derandomize"):
        seed = None
    else:
        seed = random.SystemRandom().getrandbits(32)
    n = config.getoption("--conform-examples", None)
    if n is not None and n < 1:
        raise pytest.UsageError(f"--conform-examples {n}: must be at least 1")
    shrink = config.getoption("--conform-shrink-seconds", None)
    if shrink is not None and shrink < 0:
        raise pytest.UsageError(f"--conform-shrink-seconds {shrink}: must not be negative")
    ps = PropertySettings(profile, seed, n, shrink)
    config.stash[KEY] = ps
    collector = getattr(config, "conform_collector", None)
    if collector is not None:
        run = collector.run
        run.seed = ps.seed_label
        run.examples = {"profile": profile, "max_examples": ps.hypothesis.max_examples,
                        "stateful_step_count": ps.hypothesis.stateful_step_count, "total": 0}


def property_settings(config: pytest.Config) -> PropertySettings:
    ps = config.stash.get(KEY, None)
    if ps is None:  # plugin not configured (a bare call): the quick profile, derandomized-free
        ps = config.stash[KEY] = PropertySettings(choose_profile(), random.SystemRandom().getrandbits(32))
    return ps


def pytest_report_header(config: pytest.Config) -> str | None:
    ps = config.stash.get(KEY, None)
    if ps is None:
        return None
    return f"conform properties: profile {ps.profile}, seed {ps.seed_label} (reproduce with --conform-seed)"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Print every failed property's counterexample as Gherkin, ready to paste into features/."""
    collector = getattr(config, "conform_collector", None)
    failed = [c for c in (collector.run.checks if collector else []) if c.kind == "property" and c.counterexample]
    if not failed:
        return
    ps = config.stash.get(KEY, None)
    head = (f"属性反例 Property counterexamples (seed {ps.seed_label if ps else '?'}; "
            f"reproduce with --conform-seed {ps.seed_label if ps else '?'})")
    text = [head]
    for c in failed:
        text += ["", f"# {c.name}  ({c.nodeid})", c.counterexample]
    out = "\n".join(text)
    terminalreporter.write_sep("=", "属性反例 counterexamples")
    terminalreporter.write_line(out)
    # `conform run` hands pytest a captured stdout; the counterexample still belongs on the terminal.
    if isinstance(getattr(terminalreporter._tw, "_file", None), io.StringIO):
        sys.stderr.write(out + "\n")
